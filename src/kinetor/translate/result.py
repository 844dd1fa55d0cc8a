"""Results of a virtual study: per-arm arrays, tidy frames with units, TGI, summary, files.

Frames (built on first access from the arrays, then cached):

=============  ==========================================================================
``pk``         arm, animal, compound, time (h), day, conc (total plasma, ng/mL),
               free_conc (unbound plasma, nM), site_conc (what the network saw, nM)
``biomarkers`` arm, animal, time (h), day, readout, value, unit (% of untreated control),
               hourly
``tumor``      arm, animal, day, volume (measured, mm^3), volume_true (mm^3), unit
``tgi``        ``kinetor.pd.tgi`` against the control arm, plus ``arm`` (= group)
=============  ==========================================================================

Units are also in each frame's ``attrs["units"]``. Volumes that overflow are blank, their
arm has failed (TGI NaN with the reason); :attr:`StudyResult.notes` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinetor._figures import save_figure

__all__ = ["ArmResult", "StudyResult"]

_PK_UNITS = {"time": "h", "day": "day", "conc": "ng/mL", "free_conc": "nM", "site_conc": "nM"}
_GROUP_STATS = ["mean_start", "mean_day", "treated_value"]
_CONTROL_STATS = ["control_mean_start", "control_mean_day", "control_value"]


def _overflow_day(r: ArmResult, days: np.ndarray) -> float | None:
    """First measurement day on which the arm's volumes are not finite or their sum of
    squares (hence mean and SD) overflows double precision; None when every day is fine."""
    if r.volume is None:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        ok = np.ones(days.size, bool)
        for v in (r.volume, r.volume_true):
            ok &= np.isfinite(v).all(axis=0) & np.isfinite(np.square(v).sum(axis=0))
    bad = np.flatnonzero(~ok)
    return float(days[bad[0]]) if bad.size else None


def _late_doses(arm: Any, end_h: float) -> list[tuple[str, int, int, float]]:
    """``(compound, doses at or after end_h, doses, last dose time)`` where some are."""
    times = [(t.compound, t.regimen.to_table()["time"].to_numpy(float)) for t in arm.treatments]
    late = [(c, int(np.sum(x >= end_h - 1e-9)), int(x.size), float(x.max())) for c, x in times]
    return [row for row in late if row[1]]


@dataclass
class ArmResult:
    """Arrays of one arm: exposure per compound (animals x times), readouts (animals x
    times x readouts, None for vehicle), volumes (animals x measurement days)."""

    arm: Any
    animals: np.ndarray
    exposure: Any
    readouts: np.ndarray | None
    volume_true: np.ndarray | None
    volume: np.ndarray | None
    metabolic: dict | None = None


@dataclass
class StudyResult:
    """A simulated study (see :func:`kinetor.translate.run_study`)."""

    arms: list
    times: np.ndarray
    days: np.ndarray
    results: list[ArmResult]
    readout_names: tuple[str, ...]
    tumor_spec: Any
    control: str | None
    tgi_formula: str
    settings: dict[str, Any]
    biomarker_step: float = 1.0
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def failures(self) -> dict[str, str]:
        """Arms whose tumour simulation failed -> why (volumes that overflow)."""
        days = {r.arm.name: _overflow_day(r, self.days) for r in self.results}
        return {
            arm: f"failed: the tumour volume overflowed double precision from day {d:g} "
            "(growth too fast for the study length); check doubling_time, death_rate and "
            "the study length"
            for arm, d in days.items()
            if d is not None
        }

    @property
    def notes(self) -> list[str]:
        """What to know before reading the results: doses at or after the end of the
        simulation (not simulated) and failed arms."""
        end = float(self.times[-1])
        return [
            f"arm {a.name!r}: {late} of {n} doses of {comp} fall at or after the end of the "
            f"simulation (day {end / 24.0:g}) and were not simulated; a study of "
            f"{np.floor(last / 24.0 + 1e-9) + 1:g} days or more (--days, days=) includes them"
            for a in self.arms
            for comp, late, n, last in _late_doses(a, end)
        ] + [f"arm {k!r}: {why}" for k, why in self.failures.items()]

    def volume_array(self, arm: str, true: bool = False) -> np.ndarray | None:
        """Measured (or true) volumes of one arm ``(animals, days)``, mm^3; NaN from the day
        its simulation failed (:attr:`failures`); None without tumour simulation."""
        r = self._arm(arm)
        v, d = (r.volume_true if true else r.volume), _overflow_day(r, self.days)
        return v if v is None or d is None else np.where(self.days < d, v, np.nan)

    def __repr__(self) -> str:
        return (
            f"StudyResult({len(self.arms)} arms x {self.settings['n_animals']} animals, "
            f"{self.settings['days']:g} days, tumour {self.tumor_spec.name}, "
            f"{self.settings['pathway_mode']})"
        )

    # ------------------------------------------------------------------ frames
    @property
    def pk(self) -> pd.DataFrame:
        """Tidy PK: one row per arm, animal, compound and time (treated arms only)."""
        if "pk" not in self._cache:
            parts = []
            T = self.times.size
            for r in self.results:
                for comp, c in r.exposure.conc.items():
                    n = c.shape[0]
                    parts.append(
                        pd.DataFrame(
                            {
                                "arm": r.arm.name,
                                "animal": np.repeat(r.animals, T),
                                "compound": comp,
                                "time": np.tile(self.times, n),
                                "day": np.tile(self.times / 24.0, n),
                                "conc": c.ravel(),
                                "free_conc": r.exposure.free[comp].ravel(),
                                "site_conc": r.exposure.site[comp].ravel(),
                            }
                        )
                    )
            df = (
                pd.concat(parts, ignore_index=True)
                if parts
                else pd.DataFrame(columns=["arm", "animal", "compound", *_PK_UNITS])
            )
            df.attrs["units"] = dict(_PK_UNITS)
            self._cache["pk"] = df
        return self._cache["pk"]

    def _biomarker_index(self) -> np.ndarray:
        step = self.biomarker_step
        return np.flatnonzero(np.isclose(np.mod(self.times + 1e-9, step), 0.0, atol=1e-6))

    def readout_array(self, arm: str) -> np.ndarray:
        """Readouts of one arm ``(animals, times, readouts)`` on the full grid (%)."""
        r = self._arm(arm)
        if r.readouts is None:
            return np.full((r.animals.size, self.times.size, len(self.readout_names)), 100.0)
        return r.readouts

    @property
    def biomarkers(self) -> pd.DataFrame:
        """Tidy readouts (% of untreated control), hourly; vehicle arms at 100 %."""
        if "biomarkers" not in self._cache:
            idx = self._biomarker_index()
            t = self.times[idx]
            R = len(self.readout_names)
            parts = []
            for r in self.results:
                vals = self.readout_array(r.arm.name)[:, idx, :]
                n = vals.shape[0]
                parts.append(
                    pd.DataFrame(
                        {
                            "arm": r.arm.name,
                            "animal": np.repeat(r.animals, t.size * R),
                            "time": np.tile(np.repeat(t, R), n),
                            "day": np.tile(np.repeat(t / 24.0, R), n),
                            "readout": np.tile(
                                np.array(self.readout_names, dtype=object), n * t.size
                            ),
                            "value": vals.ravel(),
                            "unit": "%",
                        }
                    )
                )
            df = pd.concat(parts, ignore_index=True)
            df.attrs["units"] = {"time": "h", "day": "day", "value": "% of untreated control"}
            self._cache["biomarkers"] = df
        return self._cache["biomarkers"]

    @property
    def glucose(self) -> pd.DataFrame:
        """Hourly plasma glucose (mg/dL) and insulin (uU/mL) per animal (empty unless the
        study ran with ``metabolic=True`` or ``insulin_feedback > 0``)."""
        if "glucose" not in self._cache:
            idx = self._biomarker_index()
            t = self.times[idx]
            parts = []
            for r in self.results:
                if r.metabolic is None:
                    continue
                n = r.animals.size
                parts.append(
                    pd.DataFrame(
                        {
                            "arm": r.arm.name,
                            "animal": np.repeat(r.animals, t.size),
                            "time": np.tile(t, n),
                            "day": np.tile(t / 24.0, n),
                            "glucose": r.metabolic["glucose"][:, idx].ravel(),
                            "insulin": r.metabolic["insulin"][:, idx].ravel(),
                        }
                    )
                )
            cols = ["arm", "animal", "time", "day", "glucose", "insulin"]
            df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
            df.attrs["units"] = {"time": "h", "glucose": "mg/dL", "insulin": "uU/mL"}
            self._cache["glucose"] = df
        return self._cache["glucose"]

    @property
    def tumor(self) -> pd.DataFrame:
        """Tidy tumour volumes on measurement days (measured and true), mm^3."""
        if "tumor" not in self._cache:
            parts = []
            D = self.days.size
            for r in self.results:
                if r.volume is None:
                    continue
                n = r.volume.shape[0]
                parts.append(
                    pd.DataFrame(
                        {
                            "arm": r.arm.name,
                            "animal": np.repeat(r.animals, D),
                            "day": np.tile(self.days, n),
                            "volume": self.volume_array(r.arm.name).ravel(),
                            "volume_true": self.volume_array(r.arm.name, True).ravel(),
                            "unit": "mm^3",
                        }
                    )
                )
            cols = ["arm", "animal", "day", "volume", "volume_true", "unit"]
            df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
            df.attrs["units"] = {"day": "day", "volume": "mm^3", "volume_true": "mm^3"}
            self._cache["tumor"] = df
        return self._cache["tumor"]

    @property
    def tgi(self) -> pd.DataFrame:
        """TGI of every arm against the control arm (``kinetor.pd.tgi``; ``formula`` and
        ``method`` columns record the definition). Empty when there is no control arm or
        no tumour simulation."""
        if "tgi" not in self._cache:
            from kinetor.pd import tgi as pd_tgi

            vol = self.tumor
            if self.control is None or vol.empty:
                df = pd.DataFrame(columns=["arm", "tgi_pct", "reason"])
                df.attrs["note"] = (
                    "no control arm" if self.control is None else "no tumour simulation"
                )
            else:
                data = vol.rename(columns={"arm": "group"})[["animal", "group", "day", "volume"]]
                failed = self.failures  # their rows keep their shape, then go blank
                data.loc[data["group"].isin(list(failed)), "volume"] = 1.0
                df = pd_tgi(data, control=self.control, formula=self.tgi_formula)
                df.insert(0, "arm", df["group"])
                ctrl = failed.get(self.control)
                for i in df.index[df["arm"].isin(list(failed)) | (ctrl is not None)]:
                    own = failed.get(df.at[i, "arm"])
                    blank = (_GROUP_STATS if own else []) + (_CONTROL_STATS if ctrl else [])
                    df.loc[i, [*blank, "tc_pct", "tgi_pct"]] = np.nan
                    df.loc[i, "regression"] = False
                    df.loc[i, "reason"] = own or f"control arm {self.control!r} {ctrl}"
            self._cache["tgi"] = df
        return self._cache["tgi"]

    def summary(self) -> pd.DataFrame:
        """Per arm: day-0 exposure (mean Cmax, AUC 0-24 h, unbound Cmax), time-averaged
        readouts (``growth``, the network's net rate proliferation - apoptosis;
        ``proliferation``, the readout that drives the tumour when the network has it; p-S6,
        p-AKT S473), final mean volume, TGI, ``doses_after_end`` (doses at or after the end
        of the simulation, not simulated) and ``reason`` (why the arm failed, else empty)."""
        rows = []
        t = self.times
        first = t <= 24.0 + 1e-9
        tgi = self.tgi.set_index("arm")["tgi_pct"] if "tgi_pct" in self.tgi else {}
        for r in self.results:
            row: dict[str, Any] = {
                "arm": r.arm.name,
                "treatment": r.arm.describe(),
                "n": int(r.animals.size),
            }
            for comp, c in r.exposure.conc.items():
                cc = c[:, first]
                auc = np.sum((cc[:, 1:] + cc[:, :-1]) * np.diff(t[first]) / 2.0, axis=1)
                row[f"{comp}_cmax_d0_ng_mL"] = float(cc.max(axis=1).mean())
                row[f"{comp}_auc0_24_ng_h_mL"] = float(auc.mean())
                row[f"{comp}_free_cmax_d0_nM"] = float(
                    r.exposure.free[comp][:, first].max(axis=1).mean()
                )
            ro = self.readout_array(r.arm.name)
            span = t[-1] - t[0]
            for name in ("growth", "proliferation", "pS6_S235_236", "pAKT_S473"):
                if name not in self.readout_names:
                    continue
                j = self.readout_names.index(name)
                avg = np.trapezoid(ro[:, :, j], t, axis=1) / span
                row[f"mean_{name}_pct"] = float(avg.mean())
            if r.metabolic is not None:
                from kinetor.translate.toxicity import metabolic_summary

                thr = float(self.settings.get("glucose_threshold_mg_dL", 200.0))
                ms = metabolic_summary(t, r.metabolic["glucose"], thr)
                row["peak_glucose_mg_dL"] = float(ms["peak_glucose_mg_dL"].mean())
                row[f"hours_glucose_above_{thr:g}"] = float(ms["hours_above"].mean())
                row["peak_insulin_uU_mL"] = float(r.metabolic["insulin"].max(axis=1).mean())
            if r.volume is not None:
                row["final_volume_mm3"] = float(self.volume_array(r.arm.name)[:, -1].mean())
            row["tgi_pct"] = float(tgi.get(r.arm.name, np.nan)) if len(tgi) else np.nan
            row["doses_after_end"] = sum(x[1] for x in _late_doses(r.arm, float(t[-1])))
            row["reason"] = self.failures.get(r.arm.name, "")
            rows.append(row)
        return pd.DataFrame(rows)

    def _arm(self, name: str) -> ArmResult:
        for r in self.results:
            if r.arm.name == name:
                return r
        raise KeyError(f"no arm {name!r}: arms are {[a.name for a in self.arms]}")

    # ------------------------------------------------------------------ plots and files
    def plot_pk(self, log: bool = True):
        """Mean total plasma concentration (and 5-95 % band) per treated arm."""
        from kinetor.translate.plots import plot_pk

        return plot_pk(self, log=log)

    def plot_biomarkers(self, readouts=("pS6_S235_236", "pAKT_S473", "p4EBP1_T37_46", "growth")):
        """Mean readouts (% of control) per arm over time, one panel per readout."""
        from kinetor.translate.plots import plot_biomarkers

        return plot_biomarkers(self, readouts)

    def plot_tumor(self, log: bool = False):
        """Mean measured tumour volume +/- SEM per arm over days."""
        from kinetor.translate.plots import plot_tumor

        return plot_tumor(self, log=log)

    def save(
        self, out: str | Path, plots: bool = True, figures: dict[str, Any] | None = None
    ) -> list[Path]:
        """Write pk.csv, biomarkers.csv, tumor.csv, tgi.csv, summary.csv, settings.json and
        (with ``plots``) pk.png, biomarkers.png, tumor.png into ``out``; returns the paths.
        ``figures`` reuses figures already drawn (:meth:`figures`)."""
        import json

        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        files = []
        for name, df in (
            ("pk", self.pk),
            ("biomarkers", self.biomarkers),
            ("tumor", self.tumor),
            ("tgi", self.tgi),
            ("summary", self.summary()),
        ):
            p = d / f"{name}.csv"
            df.to_csv(p, index=False, float_format="%.6g")
            files.append(p)
        p = d / "settings.json"
        p.write_text(json.dumps(self.settings, indent=2, default=str))
        files.append(p)
        if plots:
            for name, fig in (figures if figures is not None else self.figures()).items():
                files.append(save_figure(fig, d / f"{name}.png"))
        return files

    def figures(self) -> dict[str, Any]:
        """The standard figures by name (``pk`` only when an arm is treated)."""
        figs = {}
        if any(r.exposure.conc for r in self.results):
            figs["pk"] = self.plot_pk()
        figs["biomarkers"] = self.plot_biomarkers()
        if not self.tumor.empty:
            figs["tumor"] = self.plot_tumor()
        return figs
