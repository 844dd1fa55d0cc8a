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

import numpy as np
import pandas as pd

from kinetor.bioanalysis._limits import _EPS, M10, Criteria, _at_level, accuracy_pct, passes
from kinetor.bioanalysis._rejection import calibrate_with_rejection

__all__ = [
    "Criteria",
    "accuracy_pct",
    "calibrate_with_rejection",
    "passes",
    "qc_assessment",
    "standards_assessment",
]


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
            else f"LLOQ rejected: run range starts at the next passing level {lloq:g}"
            if level_ok.any()
            else "LLOQ rejected: no standard level passes, so the run has no calibrated range",
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
            else f"ULOQ rejected: run range ends at the next passing level {uloq:g}"
            if level_ok.any()
            else "ULOQ rejected: no standard level passes, so the run has no calibrated range",
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
            "note": (
                f"range {lloq:g} to {uloq:g}; "
                f"{int((~df['in_range']).sum())} QCs outside it not counted"
                if np.isfinite(lloq) and np.isfinite(uloq)
                else f"no calibrated range (no standard level passes): none of the "
                f"{len(df)} QCs can be judged"
            )
            + (
                f"; LLOQ QC level(s) {', '.join(sorted(lloq_levels))} not counted as a QC level"
                if lloq_levels
                else ""
            ),
        },
    ]
    return levels.reset_index(), rows
