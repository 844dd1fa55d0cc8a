"""Run acceptance for chromatographic assays (ICH M10 2022, FDA BMV 2018).

The rules and their sources are in docs/bioanalysis.md. In short, with the defaults of
``Criteria``:

* a non-zero calibration standard passes when its back-calculated concentration is
  within +/-15 % of nominal (+/-20 % at the lowest standard level, the LLOQ);
* a standard that fails is rejected and the curve is fitted again without it, the most
  deviant failure first, one at a time, until every standard still in the fit passes;
* at least 75 % of the standards and at least 6 non-zero concentration levels must pass;
* a level with replicates passes when at least half of its replicates pass;
* if the LLOQ (ULOQ) level is rejected, the range of the run shrinks to the next lowest
  (highest) passing level;
* QC samples pass within +/-15 % (+/-20 % for a QC at the LLOQ); at least 2/3 of all QCs
  and at least 50 % at each level must pass, and at least 3 QC levels must lie inside
  the (possibly revised) calibration range;
* dilution QCs (dilution factor > 1) are judged per level (>= 50 % passing) and decide
  whether unknowns diluted by the same factor can be reported.

"Within" is inclusive: a bias of exactly 15.0 % passes. Comparisons allow 1e-9 %
for binary floating point (100 * 1.15 / 1.0 is 114.99999999999999).

Examples
--------
>>> accuracy_pct([1.2, 0.8], [1.0, 1.0]).round(6).tolist()
[120.0, 80.0]
>>> passes([120.0, 120.1, 84.0], [20.0, 20.0, 15.0]).tolist()
[True, False, False]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from kinetor.bioanalysis.calibration import Calibration, fit_calibration

__all__ = [
    "Criteria",
    "accuracy_pct",
    "calibrate_with_rejection",
    "passes",
    "qc_assessment",
    "standards_assessment",
]

_EPS = 1e-9  # percent: float slack for the inclusive +/- limits
M10 = "ICH M10 (2022) 3.3; FDA BMV (2018)"


@dataclass(frozen=True)
class Criteria:
    """Acceptance limits of an analytical run (defaults: ICH M10 chromatographic assays).

    Attributes
    ----------
    standard_tol, lloq_tol : float
        Allowed |bias| (%) of a calibration standard, and of one at the LLOQ level.
    min_standard_fraction : float
        Fraction of all non-zero standards that must pass.
    min_standard_levels : int
        Passing non-zero concentration levels required.
    min_level_fraction : float
        Fraction of replicates at a level that must pass for the level to count.
    qc_tol, qc_lloq_tol : float
        Allowed |bias| (%) of a QC, and of a QC at the LLOQ.
    min_qc_fraction, min_qc_level_fraction : float
        Fraction of all QCs, and of the QCs at each level, that must pass.
    min_qc_levels : int
        QC levels that must lie inside the calibrated range of the run.
    blank_analyte_pct_lloq, blank_is_pct : float
        Informational selectivity checks (ICH M10 3.2.1): analyte response of
        blanks/zeros at most this % of the mean LLOQ response; IS response of blanks at
        most this % of the mean IS response of the LLOQ standard(s).
    refit : bool
        Reject failing standards one at a time and fit again (True), or judge the first
        fit only (False).
    """

    standard_tol: float = 15.0
    lloq_tol: float = 20.0
    min_standard_fraction: float = 0.75
    min_standard_levels: int = 6
    min_level_fraction: float = 0.5
    qc_tol: float = 15.0
    qc_lloq_tol: float = 20.0
    min_qc_fraction: float = 2.0 / 3.0
    min_qc_level_fraction: float = 0.5
    min_qc_levels: int = 3
    blank_analyte_pct_lloq: float = 20.0
    blank_is_pct: float = 5.0
    refit: bool = True

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def accuracy_pct(measured, nominal) -> np.ndarray:
    """Accuracy as % of nominal, :math:`100\\,x_{\\mathrm{measured}}/x_{\\mathrm{nominal}}`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * np.asarray(measured, float) / np.asarray(nominal, float)


def passes(accuracy, tol) -> np.ndarray:
    """True where ``|accuracy - 100| <= tol`` (inclusive; NaN fails)."""
    acc = np.asarray(accuracy, float)
    return np.abs(acc - 100.0) <= np.asarray(tol, float) + _EPS


def _at_level(values: np.ndarray, level: float) -> np.ndarray:
    return np.isclose(values, level, rtol=1e-9, atol=0.0)


def calibrate_with_rejection(
    nominal,
    response,
    model: str = "linear",
    weighting: str = "1/x^2",
    criteria: Criteria | None = None,
    exclude=None,
) -> tuple[Calibration, pd.DataFrame]:
    """Fit the curve, rejecting failing standards one at a time (most deviant first).

    Parameters
    ----------
    nominal, response : array_like
        Nominal concentration and area ratio of each non-zero standard.
    model, weighting : str
        See ``fit_calibration``.
    criteria : Criteria, optional
    exclude : array_like of str, optional
        The user's reason to leave a standard out (empty: none): never fitted, not
        passing, the reason first in ``reason``.

    Returns
    -------
    (Calibration, DataFrame)
        The final curve and one row per standard (input order): ``back_calc``,
        ``accuracy_pct``, ``bias_pct``, ``tolerance_pct``, ``pass``, ``used_in_fit``,
        ``reason``. The LLOQ tolerance applies to the lowest nominal level of the run.

    Examples
    --------
    Six standards on ``y = 0.01 x`` and one far off: it is rejected, the others pass.

    >>> cal, tab = calibrate_with_rejection([1, 2, 5, 10, 20, 50, 100],
    ...     [0.01, 0.02, 0.05, 0.13, 0.2, 0.5, 1.0], weighting="1/x^2")
    >>> tab["used_in_fit"].tolist()
    [True, True, True, False, True, True, True]
    >>> round(float(tab["accuracy_pct"].iloc[3]), 6)   # 0.13 / 0.01 = 13 vs 10 nominal
    130.0
    """
    crit = criteria or Criteria()
    x = np.asarray(nominal, float)
    y = np.asarray(response, float)
    lloq_level = np.nanmin(x) if x.size else np.nan
    tol = np.where(_at_level(x, lloq_level), crit.lloq_tol, crit.standard_tol)
    user = np.full(x.size, "", object) if exclude is None else np.asarray(exclude, object)
    used = np.isfinite(y) & (user == "")
    while True:
        cal = fit_calibration(x[used], y[used], model=model, weighting=weighting)
        back = cal.back_calculate(y)
        acc = accuracy_pct(back, x)
        ok = passes(acc, tol)
        failing = used & ~ok
        if not crit.refit or not failing.any() or not cal.ok:
            break
        # the standard furthest outside its own limit goes first
        excess = np.where(failing, np.abs(acc - 100.0) - tol, -np.inf)
        excess = np.where(np.isnan(excess), np.inf, excess)
        used = used.copy()
        used[int(np.argmax(excess))] = False
    if crit.refit:
        # once rejected, a standard stays rejected (it is not reinstated by a later fit)
        final = ok & used
        reason = np.where(
            final,
            "",
            np.where(
                ok,
                "rejected on an earlier fit (within limits on the final curve: not reinstated)",
                "outside limits: rejected and curve refitted",
            ),
        )
    else:
        final = ok & (user == "")
        reason = np.where(ok, "", "outside limits")
    reason = np.where(np.isfinite(y), np.where(user == "", reason, ""), "no response")
    reason = np.where((user == "") | (reason == ""), user + reason, user + "; " + reason)
    table = pd.DataFrame(
        {
            "back_calc": back,
            "accuracy_pct": acc,
            "bias_pct": acc - 100.0,
            "tolerance_pct": tol,
            "pass": final,
            "used_in_fit": used,
            "reason": reason,
        }
    )
    if not cal.ok:
        table["pass"] = False
        table["reason"] = np.where(
            table["reason"] == "", f"no usable curve: {cal.reason}", table["reason"]
        )
    return cal, table


def standards_assessment(
    nominal, passed, criteria: Criteria | None = None
) -> tuple[dict[str, float], list[dict[str, object]]]:
    """Judge the calibration standards of a run.

    Parameters
    ----------
    nominal : array_like
        Nominal concentration of each non-zero standard (replicates repeat a level).
    passed : array_like of bool
        Whether each standard passed (``calibrate_with_rejection``'s ``pass`` column).

    Returns
    -------
    (range, criteria rows)
        ``range`` holds ``lloq``/``uloq`` (lowest/highest passing level, NaN if none) and
        the original ``lloq_nominal``/``uloq_nominal``; each criteria row is a dict with
        ``criterion, value, threshold, passed, required, source, note``.

    Examples
    --------
    Eight levels, two middle ones failing: exactly 75 % pass, 6 levels pass.

    >>> rng, rows = standards_assessment([1, 2, 5, 10, 20, 50, 80, 100],
    ...     [True, True, False, True, False, True, True, True])
    >>> [(r["criterion"], r["passed"]) for r in rows if r["required"]]
    [('standards passing', True), ('standard levels passing', True)]
    >>> rng["lloq"], rng["uloq"]
    (1.0, 100.0)
    """
    crit = criteria or Criteria()
    x = np.asarray(nominal, float)
    ok = np.asarray(passed, bool)
    levels = np.unique(x)
    n_at = np.array([_at_level(x, lv).sum() for lv in levels])
    n_ok = np.array([(ok & _at_level(x, lv)).sum() for lv in levels])
    level_ok = (n_ok >= 1) & (n_ok >= crit.min_level_fraction * n_at - _EPS)
    frac = ok.mean() if ok.size else np.nan
    lloq = float(levels[level_ok].min()) if level_ok.any() else np.nan
    uloq = float(levels[level_ok].max()) if level_ok.any() else np.nan
    lo0, hi0 = (float(levels.min()), float(levels.max())) if levels.size else (np.nan, np.nan)
    rows: list[dict[str, object]] = [
        {
            "criterion": "standards passing",
            "value": frac,
            "threshold": f">= {crit.min_standard_fraction:.0%}",
            "passed": bool(frac >= crit.min_standard_fraction - _EPS),
            "required": True,
            "source": M10,
            "note": f"{int(ok.sum())} of {ok.size} non-zero standards within limits",
        },
        {
            "criterion": "standard levels passing",
            "value": float(level_ok.sum()),
            "threshold": f">= {crit.min_standard_levels}",
            "passed": bool(level_ok.sum() >= crit.min_standard_levels),
            "required": True,
            "source": M10,
            "note": f"{int(level_ok.sum())} of {levels.size} concentration levels pass",
        },
        {
            "criterion": "LLOQ standard passes",
            "value": lo0,
            "threshold": "passes",
            "passed": bool(level_ok[0]) if levels.size else False,
            "required": False,
            "source": "ICH M10 (2022) 3.3 (range revision)",
            "note": ""
            if levels.size and level_ok[0]
            else f"LLOQ rejected: run range starts at the next passing level {lloq:g}",
        },
        {
            "criterion": "ULOQ standard passes",
            "value": hi0,
            "threshold": "passes",
            "passed": bool(level_ok[-1]) if levels.size else False,
            "required": False,
            "source": "ICH M10 (2022) 3.3 (range revision)",
            "note": ""
            if levels.size and level_ok[-1]
            else f"ULOQ rejected: run range ends at the next passing level {uloq:g}",
        },
    ]
    return {"lloq": lloq, "uloq": uloq, "lloq_nominal": lo0, "uloq_nominal": hi0}, rows


def qc_assessment(
    level,
    nominal_vial,
    passed,
    lloq: float,
    uloq: float,
    criteria: Criteria | None = None,
    lloq_nominal: float | None = None,
) -> tuple[pd.DataFrame, list[dict]]:
    """Judge the (undiluted) QC samples of a run: 2/3 overall, 50 % per level.

    Parameters
    ----------
    level : array_like of str
        QC level label of each QC (e.g. ``"LQC"``), replicates share a label.
    nominal_vial : array_like
        Nominal concentration in the analysed (possibly diluted) sample.
    passed : array_like of bool
    lloq, uloq : float
        Calibrated range of the run after any revision. QCs outside it are reported but
        do not count.
    lloq_nominal : float, optional
        The nominal LLOQ of the assay (lowest standard). A QC at it (an LLOQ QC, or a
        level labelled "LLOQ") is judged with the others but is not one of the "at least
        3 QC levels" (ICH M10 3.3.1: low, medium and high QCs), so a range shrunk below
        the high QC cannot be rescued by the LLOQ QC.

    Returns
    -------
    (levels table, criteria rows)

    Examples
    --------
    Six QCs, two failing in different levels: 4/6 = 2/3 pass, every level >= 50 %.

    >>> lv = ["L", "L", "M", "M", "H", "H"]
    >>> tab, rows = qc_assessment(lv, [3, 3, 40, 40, 80, 80],
    ...                           [True, False, True, False, True, True], 1, 100)
    >>> [r["passed"] for r in rows]
    [True, True, True]
    """
    crit = criteria or Criteria()
    df = pd.DataFrame(
        {
            "qc_level": pd.Series(level, dtype="string"),
            "nominal": np.asarray(nominal_vial, float),
            "pass": np.asarray(passed, bool),
        }
    )
    df["in_range"] = (df["nominal"] >= lloq * (1 - 1e-9)) & (df["nominal"] <= uloq * (1 + 1e-9))
    inr = df[df["in_range"]]
    levels = inr.groupby("qc_level", sort=False).agg(n=("pass", "size"), n_pass=("pass", "sum"))
    levels["fraction_pass"] = levels["n_pass"] / levels["n"]
    levels["passed"] = levels["fraction_pass"] >= crit.min_qc_level_fraction - _EPS
    frac = float(inr["pass"].mean()) if len(inr) else np.nan
    failing_levels = levels.index[~levels["passed"]].tolist()
    at_lloq = np.array([("LLOQ" in str(v).upper()) for v in inr["qc_level"]], bool)
    if lloq_nominal is not None and np.isfinite(lloq_nominal):
        at_lloq = at_lloq | (inr["nominal"].to_numpy(float) <= lloq_nominal * (1 + 1e-9))
    lloq_levels = set(inr.loc[at_lloq, "qc_level"].astype(str))
    counted = [lv for lv in levels.index.astype(str) if lv not in lloq_levels]
    rows = [
        {
            "criterion": "QCs passing",
            "value": frac,
            "threshold": f">= {crit.min_qc_fraction:.4g}",
            "required": True,
            "source": M10,
            "passed": bool(len(inr) and frac >= crit.min_qc_fraction - _EPS),
            "note": f"{int(inr['pass'].sum())} of {len(inr)} QCs within limits",
        },
        {
            "criterion": "QCs passing at each level",
            "value": float(levels["fraction_pass"].min()) if len(levels) else np.nan,
            "threshold": f">= {crit.min_qc_level_fraction:.0%} per level",
            "required": True,
            "source": M10,
            "passed": bool(len(levels) and levels["passed"].all()),
            "note": "failing levels: " + ", ".join(map(str, failing_levels))
            if failing_levels
            else "",
        },
        {
            "criterion": "QC levels inside calibrated range",
            "value": float(len(counted)),
            "threshold": f">= {crit.min_qc_levels}",
            "required": True,
            "source": "ICH M10 (2022) 3.3 (range revision), 3.3.1 (low, medium, high QCs); "
            "see docs/bioanalysis.md",
            "passed": bool(len(counted) >= crit.min_qc_levels),
            "note": f"range {lloq:g} to {uloq:g}; "
            f"{int((~df['in_range']).sum())} QCs outside it not counted"
            + (
                f"; LLOQ QC level(s) {', '.join(sorted(lloq_levels))} not counted as a QC level"
                if lloq_levels
                else ""
            ),
        },
    ]
    return levels.reset_index(), rows
