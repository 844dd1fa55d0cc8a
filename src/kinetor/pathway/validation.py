r"""The network judged against the published observations: :func:`validate`.

Every observation of ``evidence/`` is turned into a simulation by
:mod:`kinetor.pathway.scenarios` and its model value is compared with what was seen:

- ``level`` rows: the readout in % of the baseline experiment,
  :math:`P = 100\,R_{scenario}(t) / R_{baseline}(t)` (a drug-free arm is its steady state);
- ``ic50`` rows: the IC50 (nM) of the 4PL fitted to the readout at ``time_h`` over a
  13-point grid from 0.1 nM to 100 uM; ``ic50_ratio`` rows: that IC50 in % of the
  baseline cell's IC50.

Pass rules: a **direction** row passes when :math:`P` lies in its band
[``band_low``, ``band_high``] (an empty edge is open). A model value at or below 0.001 %
(net regression of a growth readout included) is scored as 0.001 %: it passes a band
whose low edge is 0, and its log residual is taken there. A **quantitative** row passes when
:math:`|P - v| \le u` for its stated uncertainty :math:`u` (SD, SEM, half-range, read-off
error); a quantitative row without a stated uncertainty passes within a factor of 2
(:math:`|\log_{10}(P/v)| \le \log_{10} 2`, kinetor's convention for unstated errors).
The log fold-change residual is :math:`\log_{10}(P/v)` for quantitative rows and the
distance to the nearer band edge, :math:`\log_{10}(P/\mathrm{edge})` (0 inside), for
direction rows; the RMSE is over the simulable rows. Rows that cannot be simulated and
``unverified`` rows are reported with their reason and are in no pass rate; so is a row
whose simulation fails (e.g. parameter values the solver cannot carry): it is unsimulable
with ``simulation_failed`` and the error as its reason, never a miss, and the summaries
count it (``failed_simulations``). Summaries are
given for all simulable rows and separately for rows whose concentration and time the
paper states (``conditions = stated``) and rows that take them from the fixed rule of
:mod:`kinetor.pathway.scenarios` (``rule``).

Examples
--------
>>> res = validate(ids=["A-harrington2004-03", "B010"])
>>> list(res.table.columns[:4])
['id', 'split', 'status', 'readout']
>>> sorted(set(res.summary()["split"])), list(res.summary()["conditions"][:3])
(['heldout', 'train'], ['all', 'stated', 'rule'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinetor.pathway._model import fitted_values, model_text
from kinetor.pathway.analysis import fit_hill
from kinetor.pathway.drugs import resolve_drug
from kinetor.pathway.evidence import PARTS, load_observations
from kinetor.pathway.network import READOUTS, Network
from kinetor.pathway.scenarios import Scenario, build_scenarios

__all__ = ["IC50_GRID", "Predictor", "ValidationResult", "judge", "validate"]

IC50_GRID = np.logspace(-1, 5, 13)
_FACTOR = math.log10(2.0)
_FLOOR = 1e-3  # % ; a model value of 0 is scored as 0.001 % in the log residual


class Predictor:
    """Simulates scenarios for one parameter set, caching cells and drug runs."""

    def __init__(self, parameters: Mapping[str, float] | None = None):
        self.text = model_text(False)
        self.parameters = dict(parameters or {})
        self._nets: dict[tuple, Network] = {}
        self._runs: dict[tuple, np.ndarray] = {}
        self._ic50: dict[tuple, float] = {}

    def net(self, s: Scenario) -> Network:
        key = s.cell_key()
        if key not in self._nets:
            self._nets[key] = Network(
                s.lesions,
                dict(s.context),
                {**self.parameters, **dict(s.parameters)},
                model_text=self.text,
            )
        return self._nets[key]

    def absolute(self, s: Scenario) -> np.ndarray:
        """Absolute readouts (model units, :data:`READOUTS` order) of a scenario."""
        key = (s.cell_key(), s.drugs, s.time_h)
        if key not in self._runs:
            net = self.net(s)
            ss = net.steady_state().to_numpy(float)
            if not s.drugs or s.time_h is None:
                self._runs[key] = ss
            else:
                pairs = [(resolve_drug(d), c) for d, c in s.drugs]
                self._runs[key] = net.readouts_at(pairs, s.time_h) / 100.0 * ss
        return self._runs[key]

    def ic50(self, s: Scenario, readout: str) -> float:
        key = (s.cell_key(), s.drugs, s.time_h, readout)
        if key not in self._ic50:
            net, j = self.net(s), READOUTS.index(readout)
            pairs = [resolve_drug(d) for d, _ in s.drugs]
            ys = [net.readouts_at([(p, c) for p in pairs], float(s.time_h))[j] for c in IC50_GRID]
            self._ic50[key] = float(fit_hill(IC50_GRID, ys).ic50)
        return self._ic50[key]

    def predict(self, scenario: Scenario, baseline: Scenario, readout: str, compare: str) -> float:
        """The model value of one observation (% of baseline, or nM for ``ic50``)."""
        if compare == "ic50":
            return self.ic50(scenario, readout)
        if compare == "ic50_ratio":
            return 100.0 * self.ic50(scenario, readout) / self.ic50(baseline, readout)
        j = READOUTS.index(readout)
        num, den = self.absolute(scenario)[j], self.absolute(baseline)[j]
        return float(100.0 * num / den) if den > 0 else float("nan")


def judge(row: Mapping[str, Any], predicted: float) -> tuple[bool, float, float, float]:
    """``(passed, low, high, log10 residual)`` of one observation row for a model value."""
    p = max(predicted, _FLOOR) if math.isfinite(predicted) else float("nan")
    if not math.isfinite(p):
        return False, float("nan"), float("nan"), float("nan")
    if row["kind"] == "quantitative":
        v, u = float(row["value"]), float(row["uncertainty"])
        if math.isfinite(u) and u > 0 and row["uncertainty_kind"] != "none":
            lo, hi = v - u, v + u
        else:
            lo, hi = v / 2.0, v * 2.0
        return bool(lo <= p <= hi), lo, hi, math.log10(p / v)
    lo = float(row["band_low"]) if math.isfinite(row["band_low"]) else 0.0
    hi = float(row["band_high"]) if math.isfinite(row["band_high"]) else math.inf
    if p < lo:
        return False, lo, hi, math.log10(p / lo)
    if p > hi:
        return False, lo, hi, math.log10(p / hi)
    return True, lo, hi, 0.0


def _why_not_finite(compare: str) -> str:
    """Why a simulated observation has no model value (it counts as a miss)."""
    if compare in ("ic50", "ic50_ratio"):
        return "model value not finite: the readout does not fall to half (no IC50)"
    return (
        "model value undefined: the baseline's readout is <= 0 (e.g. net regression under "
        "the baseline treatment), so a % of baseline does not exist"
    )


def _part(file: Any) -> str:
    """``observations_d.csv`` -> ``D`` (the evidence part a row was read from); '' if unknown."""
    stem = Path(str(file)).stem if file else ""
    return stem.split("_", 1)[1].upper() if stem.startswith("observations_") else ""


def _rates(sim: pd.DataFrame) -> dict[str, Any]:
    """Simulable rows, passed, pass rate and RMSE of log10 fold change of ``sim`` (rows
    already restricted to simulable, not unverified)."""
    res = sim["log10_residual"].to_numpy(float)
    ok = np.isfinite(res)
    return {
        "simulable": len(sim),
        "passed": int(sim["passed"].sum()),
        "pass_rate": float(sim["passed"].mean()) if len(sim) else float("nan"),
        "rmse_log10": float(np.sqrt(np.mean(res[ok] ** 2))) if ok.any() else float("nan"),
    }


def _failed(t: pd.DataFrame) -> int:
    """Rows of ``t`` whose simulation failed (unsimulable, in no pass rate)."""
    return int(t["simulation_failed"].sum()) if "simulation_failed" in t else 0


@dataclass
class ValidationResult:
    """Per-observation table and summaries (:meth:`summary`, :meth:`misses`)."""

    table: pd.DataFrame
    parameters: dict[str, float]

    def summary(self, by_conditions: bool = True) -> pd.DataFrame:
        """Per split (and per ``conditions`` group: ``stated``, ``rule``, ``all``): rows,
        unverified, unsimulable, simulable, passed, pass rate, RMSE of log10 fold change, and
        the rows whose simulation failed (``failed_simulations``, in no pass rate)."""
        out = []
        groups = ("all", "stated", "rule") if by_conditions else ("all",)
        for split in ("train", "heldout"):
            for group in groups:
                t = self.table[self.table["split"] == split]
                unver = t["status"] == "unverified"
                unsim = int((~t["simulable"] & ~unver).sum())
                if group != "all":
                    t = t[t["conditions"] == group]
                    unver = t["status"] == "unverified"
                    unsim = None
                sim = t[t["simulable"] & ~unver]
                out.append(
                    {
                        "split": split,
                        "conditions": group,
                        "observations": len(t),
                        "unverified": int(unver.sum()),
                        "unsimulable": unsim if unsim is not None else 0,
                        **_rates(sim),
                        "failed_simulations": _failed(t),
                    }
                )
        return pd.DataFrame(out)

    def _scored(self) -> pd.DataFrame:
        """The rows every pass rate counts: simulable and not ``unverified``."""
        return self.table[self.table["simulable"] & (self.table["status"] != "unverified")]

    def _grouped(self, key: str, extra, order_by: list[str]) -> pd.DataFrame:
        """Per split and ``key``: simulable rows (not unverified), passed, pass rate and
        RMSE of log10 fold change, plus ``extra(key value, group)``; training first."""
        t = self._scored()
        out = []
        for (split, k), g in t.groupby(["split", key], sort=True):
            rates = _rates(g)
            out.append({"split": split, key: k, **rates, **extra(k, g)})
        cols = ["split", key, "simulable", "passed", "pass_rate", "rmse_log10"]
        df = pd.DataFrame(out, columns=cols + list(extra(None, t.iloc[:0])))
        order = {"train": 0, "heldout": 1}
        return df.sort_values(
            ["split", *order_by], key=lambda c: c.map(order) if c.name == "split" else c
        ).reset_index(drop=True)

    def by_publication(self) -> pd.DataFrame:
        """Per split and publication: simulable rows (not unverified), passed, pass rate and
        RMSE of log10 fold change, worst pass rate first within each split; publications
        with no simulable row are left out (``unsimulable`` says why for each row)."""

        def missed(_, g):
            return {"missed": ";".join(g.loc[~g["passed"].astype(bool), "id"])}

        return self._grouped("publication_id", missed, ["pass_rate", "publication_id"])

    def by_part(self) -> pd.DataFrame:
        """Per split and evidence part (``A`` for ``observations_a.csv``, ...): simulable rows
        (not unverified), passed, pass rate, RMSE of log10 fold change, the number of
        publications, and what the part is (``about``, from
        :data:`~kinetor.pathway.evidence.PARTS`; a ``blind`` part was compiled without the
        model and first run after the shipped fit was frozen: the blind test)."""

        def about(part, g):
            return {"publications": g["publication_id"].nunique(), "about": PARTS.get(part, "")}

        return self._grouped("part", about, ["part"])

    def blind(self) -> pd.DataFrame:
        """The blind parts together (those :data:`~kinetor.pathway.evidence.PARTS` marks
        ``blind``: compiled without the model and first run after the shipped model was
        frozen): one row with their simulable rows, passed, pass rate and RMSE of log10 fold
        change, and which parts they are. Empty when no part in the table is blind."""
        blind = sorted(k for k, v in PARTS.items() if v.startswith("blind"))
        t = self._scored()
        t = t[t["part"].isin(blind)]
        cols = ["parts", "simulable", "passed", "pass_rate", "rmse_log10"]
        if t.empty:
            return pd.DataFrame(columns=cols)
        rates = _rates(t)
        return pd.DataFrame([{"parts": ", ".join(sorted(set(t["part"]))), **rates}], columns=cols)

    def misses(self, split: str | None = None) -> pd.DataFrame:
        t = self._scored()
        t = t[~t["passed"].astype(bool)]
        return t if split is None else t[t["split"] == split]

    def unsimulable(self) -> pd.DataFrame:
        return self.table[~self.table["simulable"]][["id", "split", "status", "readout", "reason"]]


def validate(
    fitted: Any = None,
    parameters: Mapping[str, float] | None = None,
    ids: Iterable[str] | None = None,
    split: str | None = None,
    observations: pd.DataFrame | None = None,
    scenarios: pd.DataFrame | None = None,
) -> ValidationResult:
    """Simulate every observation (or ``ids``/``split``) and compare with what was seen.

    Parameters
    ----------
    fitted : path, mapping or bool, optional
        Calibrated values as in :class:`~kinetor.pathway.Network` (None: the shipped
        file; False: the priors of ``mtor.ant``).
    parameters : mapping, optional
        Further parameter overrides (applied after ``fitted``).
    ids, split : optional
        Restrict to these observation ids / this split (``train`` or ``heldout``).
    """
    obs = load_observations() if observations is None else observations
    if ids is not None:
        obs = obs[obs["id"].isin(list(ids))]
    if split is not None:
        obs = obs[obs["split"] == split]
    built = build_scenarios(obs, scenarios).set_index("id")
    params = {**fitted_values(fitted), **(parameters or {})}
    pred = Predictor(params)
    rows = []
    for _, o in obs.iterrows():
        b = built.loc[o["id"]]
        rec = {
            "id": o["id"],
            "split": o["split"],
            "status": o["status"],
            "readout": o["readout"],
            "readout_model": b["readout_model"],
            "kind": o["kind"],
            "compare": b["compare"],
            "publication_id": o["publication_id"],
            "part": _part(o.get("file", "")),
            "simulable": bool(b["simulable"]),
            "reason": b["reason"],
            "conditions": b["conditions"],
            "scenario": b["scenario"].label() if b["scenario"] is not None else "",
            "baseline": b["baseline"].label() if b["baseline"] is not None else "",
            "observed": o["value"],
            "uncertainty": o["uncertainty"],
            "band_low": o["band_low"],
            "band_high": o["band_high"],
            "predicted": float("nan"),
            "low": float("nan"),
            "high": float("nan"),
            "log10_residual": float("nan"),
            "passed": False,
            "simulation_failed": False,
        }
        if rec["simulable"]:
            try:
                value = pred.predict(b["scenario"], b["baseline"], b["readout_model"], b["compare"])
            except Exception as exc:  # reported with its reason, never dropped nor a miss
                rec.update(simulable=False, simulation_failed=True)
                rec["reason"] = f"simulation failed: {type(exc).__name__}: {exc}"
                rows.append(rec)
                continue
            ok, lo, hi, res = judge(o, value)
            if not math.isfinite(value) and not rec["reason"]:
                rec["reason"] = _why_not_finite(b["compare"])
            rec.update(predicted=value, low=lo, high=hi, log10_residual=res, passed=ok)
        rows.append(rec)
    return ValidationResult(pd.DataFrame(rows), params)
