"""Analyse an analytical run: curve, standards, QCs, acceptance, unknown concentrations.

``analyse_run`` takes a run table (see ``read_run``) and returns a ``RunResult`` whose
``concentrations`` is a canonical ``Study.conc`` table:

* ``conc`` = back-calculated concentration x dilution factor;
* below the (revised) LLOQ: ``blq`` True, ``conc`` NaN, the value kept in
  ``conc_reported``, ``lloq`` = LLOQ x dilution (the limit that sample could reach);
* above the ULOQ: ``conc`` NaN, the value in ``conc_reported`` and ``exclude`` =
  ``"above ULOQ: reassay with dilution"`` (or "... with a larger dilution" when the
  sample was already diluted);
* every unknown of a rejected run, or diluted by a factor whose dilution QCs failed,
  carries the reason in ``exclude``, after the reason of the run table's own ``exclude``
  column where it has one (docs/bioanalysis.md). Nothing is dropped.

Examples
--------
>>> import pandas as pd
>>> levels = [1, 2, 5, 10, 20, 50, 100]
>>> run = pd.DataFrame({
...     "sample_id": [f"S{v}" for v in levels] + ["L", "M", "H", "U1", "U2"],
...     "sample_type": ["standard"] * 7 + ["qc"] * 3 + ["unknown"] * 2,
...     "nominal_conc": levels + [3, 40, 80, None, None],
...     "area_ratio": [0.01 * v for v in levels] + [0.03, 0.4, 0.8, 0.25, 0.005],
...     "subject": [""] * 10 + ["R1", "R1"], "time": [None] * 10 + [1.0, 24.0]})
>>> res = analyse_run(run, weighting="1/x^2")
>>> res.accepted
True
>>> res.concentrations[["conc", "blq", "conc_reported"]].round(6).values.tolist()
[[25.0, False, 25.0], [nan, True, 0.5]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kinetor.bioanalysis._carryover import carry_over_rows
from kinetor.bioanalysis._units import _resolve_conc_unit, check_conc_unit
from kinetor.bioanalysis.acceptance import (
    Criteria,
    calibrate_with_rejection,
    standards_assessment,
)
from kinetor.bioanalysis.calibration import Calibration, normalise_weighting
from kinetor.bioanalysis.read import read_run
from kinetor.bioanalysis.samples import (
    ALQ_DILUTED_REASON,
    ALQ_REASON,
    _blank_rows,
    _qcs,
    _row,
    _unknowns,
    _user_exclude,
)

__all__ = ["ALQ_DILUTED_REASON", "ALQ_REASON", "RunResult", "analyse_run", "check_conc_unit"]


@dataclass
class RunResult:
    """Everything one analytical run gives (tables are tidy DataFrames).

    Attributes
    ----------
    calibration : DataFrame
        One row per analyte: model, weighting, intercept, slope, quadratic, r2, r, n used /
        rejected, lloq/uloq of the run (after any revision) and the nominal ones.
    standards, qcs : DataFrame
        One row per injection with back-calculated value, accuracy, limit, pass, reason.
    qc_levels : DataFrame
        Per analyte and QC level: n, mean, SD, CV %, mean accuracy %, fraction passing.
    acceptance : DataFrame
        One row per criterion (``criterion, value, threshold, passed, required,
        source, note``) and a final ``run accepted`` row per analyte.
    concentrations : DataFrame
        The unknowns as a canonical ``Study.conc`` table (plus ``conc_reported``,
        ``dilution``, ``sample_id``, ``area_ratio``, ``uloq``).
    curves : dict
        Analyte -> fitted ``Calibration``.
    """

    calibration: pd.DataFrame
    standards: pd.DataFrame
    qcs: pd.DataFrame
    qc_levels: pd.DataFrame
    acceptance: pd.DataFrame
    concentrations: pd.DataFrame
    curves: dict[str, Calibration]
    criteria: Criteria
    conc_unit: str = ""
    source: str = "<DataFrame>"
    options: dict[str, object] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        """True when every analyte's run passed every required criterion."""
        verdict = self.acceptance[self.acceptance["criterion"] == "run accepted"]
        return bool(len(verdict)) and bool(verdict["passed"].all())

    def to_study(
        self,
        doses: pd.DataFrame,
        units: dict[str, str],
        mw: float | dict[str, float] | None = None,
        **kwargs,
    ):
        """A validated ``kinetor.data.Study`` of the unknowns with the given doses and units.

        Concentrations are converted from the run's unit to ``units["conc"]`` (mass <->
        molar needs ``mw`` in g/mol, one number or one per analyte); the Study is
        validated as ``read_study`` validates (``DataError`` naming the rows). See
        :mod:`kinetor.bioanalysis._study`.
        """
        from kinetor.bioanalysis._study import study_of

        return study_of(
            self.concentrations, doses, units, self.conc_unit, self.source, mw=mw, **kwargs
        )

    def write(self, out: str | Path, plot: bool = True) -> list[Path]:
        """Write the CSV tables (and the calibration plot) into directory ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in (
            "calibration",
            "standards",
            "qcs",
            "qc_levels",
            "acceptance",
            "concentrations",
        ):
            path = out / f"{name}.csv"
            getattr(self, name).to_csv(path, index=False)
            written.append(path)
        if plot:
            from kinetor._figures import save_figure
            from kinetor.bioanalysis.plot import calibration_filename, plot_calibration

            for key, fig in plot_calibration(self).items():
                written.append(save_figure(fig, out / calibration_filename(self, key), dpi=120))
        return written


def analyse_run(
    run: pd.DataFrame | str | Path,
    model: str = "linear",
    weighting: str = "1/x^2",
    criteria: Criteria | None = None,
    conc_unit: str | None = None,
    file: str | None = None,
) -> RunResult:
    """Fit the calibration, judge standards and QCs, and quantify the unknowns.

    Parameters
    ----------
    run : DataFrame or path
        Run table (validated with ``read_run``; see its docstring for columns).
    model : {"linear", "quadratic"}
    weighting : {"1", "1/x", "1/x^2"}
        Default ``"1/x^2"``, the usual choice for LC-MS/MS over 2-3 decades.
    criteria : Criteria, optional
        Acceptance limits (default ICH M10).
    conc_unit : str, optional
        Unit of ``nominal_conc`` (recorded in the outputs; checked with pint to be a
        concentration: ng/mL, nM, tissue ng/g). Taken from a ``conc_unit`` column when not
        given; one that differs from that column is a ``DataError``; never guessed (left
        empty here when neither gives one; the CLI requires it).
    file : str, optional
        Name used in messages.

    Returns
    -------
    RunResult
    """
    crit = criteria or Criteria()
    weighting = normalise_weighting(weighting)
    if not (isinstance(run, pd.DataFrame) and run.attrs.get("validated")):
        run = read_run(run, file=file, min_levels=crit.min_standard_levels)
    source = file or run.attrs.get("source", "<DataFrame>")
    conc_unit = _resolve_conc_unit(run, conc_unit, source)
    parts: dict[str, list[pd.DataFrame]] = {
        k: [] for k in ("cal", "std", "qc", "lev", "acc", "conc")
    }
    curves: dict[str, Calibration] = {}
    keys = sorted(set(run.loc[run["sample_type"].isin(("standard", "qc")), "analyte"]))
    _check_unknown_analytes(run, keys, source)
    for key in keys:
        # one curve: it serves every unknown; several: each unknown names its analyte
        sub = run if len(keys) == 1 else run[run["analyte"] == key]
        std = sub[sub["sample_type"] == "standard"].reset_index(drop=True)
        cal, table = calibrate_with_rejection(
            std["nominal_conc"], std["area_ratio"], model, weighting, crit, _user_exclude(std)
        )
        curves[key] = cal
        rng, std_rows = standards_assessment(std["nominal_conc"], table["pass"], crit)
        if table.attrs.get("stopped"):
            note = f"{std_rows[0]['note']}; rejection stopped: {table.attrs['stopped']}"
            std_rows[0]["note"] = note
        lloq, uloq = rng["lloq"], rng["uloq"]
        stab = pd.concat(
            [std[["sample_id", "source_row", "nominal_conc", "area_ratio"]], table], axis=1
        )
        stab.insert(0, "analyte", key)
        parts["std"].append(stab)
        acc_rows = [
            _row(
                "regression usable",
                cal.r2,
                "fit made, curve rising",
                cal.ok,
                note=f"no usable curve: {cal.reason}"
                if cal.reason
                else f"{cal.model}, weighting {cal.weighting}, R2 {cal.r2:.5f}, r {cal.r:.5f}",
                analyte=key,
            )
        ]
        acc_rows += [{"analyte": key, **r} for r in std_rows]
        qtab, qlev, qrows, dil_ok = _qcs(sub, cal, rng, crit, key)
        parts["qc"].append(qtab)
        parts["lev"].append(qlev)
        acc_rows += qrows
        # one curve: every blank belongs to it, whatever analyte name it carries
        shared = run if len(keys) > 1 else run.assign(analyte=key)
        acc_rows += _blank_rows(shared, std, key, rng["lloq_nominal"], crit)
        acc_rows += carry_over_rows(shared, std, key, rng["lloq_nominal"], crit)
        failed = [r["criterion"] for r in acc_rows if r["required"] and not r["passed"]]
        accepted = not failed
        acc_rows.append(
            _row(
                "run accepted",
                float(accepted),
                "all required criteria",
                accepted,
                note="failed: " + "; ".join(failed) if failed else "",
                analyte=key,
            )
        )
        parts["acc"].append(pd.DataFrame(acc_rows))
        parts["cal"].append(
            pd.DataFrame(
                [
                    {
                        "analyte": key,
                        "model": cal.model,
                        "weighting": cal.weighting,
                        "intercept": cal.intercept,
                        "slope": cal.slope,
                        "quadratic": cal.quadratic,
                        "r2": cal.r2,
                        "r": cal.r,
                        "n_standards": len(std),
                        "n_used": int(table["used_in_fit"].sum()),
                        "n_rejected": int((~table["used_in_fit"]).sum()),
                        "lloq": lloq,
                        "uloq": uloq,
                        "lloq_nominal": rng["lloq_nominal"],
                        "uloq_nominal": rng["uloq_nominal"],
                        "conc_unit": conc_unit or "",
                        "accepted": accepted,
                        "reason": cal.reason,
                    }
                ]
            )
        )
        unk = sub[sub["sample_type"] == "unknown"]
        parts["conc"].append(_unknowns(unk, cal, lloq, uloq, accepted, failed, dil_ok, key))
    concentrations = pd.concat(parts["conc"], ignore_index=True)
    return RunResult(
        calibration=pd.concat(parts["cal"], ignore_index=True),
        standards=pd.concat(parts["std"], ignore_index=True),
        qcs=pd.concat(parts["qc"], ignore_index=True),
        qc_levels=pd.concat(parts["lev"], ignore_index=True),
        acceptance=pd.concat(parts["acc"], ignore_index=True),
        concentrations=concentrations,
        curves=curves,
        criteria=crit,
        conc_unit=conc_unit or "",
        source=source,
        options={"model": model, "weighting": weighting, **crit.as_dict()},
    )


def _check_unknown_analytes(run: pd.DataFrame, keys: list[str], source: str) -> None:
    from kinetor.errors import DataError, Problem

    unk = run[run["sample_type"] == "unknown"]
    named = [k for k in keys if k]
    if len(keys) > 1 and "" in keys:
        rows = run[run["sample_type"].isin(("standard", "qc")) & (run["analyte"] == "")]
        raise DataError(
            [
                Problem(
                    "a standard/QC without an analyte in a run with several analytes",
                    file=source,
                    row=int(r),
                    column="analyte",
                    fix=f"name the analyte ({', '.join(named)})",
                )
                for r in rows["source_row"]
            ]
        )
    allowed = set(keys) | ({""} if len(keys) == 1 else set())
    if len(keys) == 1 and keys[0] == "":
        return  # one unnamed curve: unknowns keep their own analyte names
    bad = unk[~unk["analyte"].isin(allowed)]
    if len(bad):
        raise DataError(
            [
                Problem(
                    f"analyte {a!r} has no calibration in this run",
                    file=source,
                    row=int(r),
                    column="analyte",
                    fix=f"use one of {', '.join(named)}",
                )
                for a, r in zip(bad["analyte"], bad["source_row"], strict=True)
            ]
        )
