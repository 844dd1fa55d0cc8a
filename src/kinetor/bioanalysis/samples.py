"""One analytical run, sample type by sample type: blanks, QCs and unknowns.

:func:`kinetor.bioanalysis.run.analyse_run` fits the curve, then calls these for each
analyte: the informational selectivity checks on blank and zero samples, the QC table
(accuracy against the ICH M10 tolerances, dilution QCs per factor), and the unknowns'
concentrations with every reason a value is not reported (BLQ, above ULOQ, rejected run,
failed dilution QCs) written in ``exclude``; nothing is dropped. The two above-ULOQ
reasons are importable from :mod:`kinetor.bioanalysis.run` too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.bioanalysis.acceptance import (
    _EPS,
    M10,
    Criteria,
    _at_level,
    accuracy_pct,
    passes,
    qc_assessment,
)
from kinetor.bioanalysis.calibration import Calibration

ALQ_REASON = "above ULOQ: reassay with dilution"
ALQ_DILUTED_REASON = "above ULOQ after dilution: reassay with a larger dilution"


def _row(criterion, value, threshold, passed, required=True, source=M10, note="", analyte=""):
    return {
        "analyte": analyte,
        "criterion": criterion,
        "value": value,
        "threshold": threshold,
        "passed": bool(passed),
        "required": bool(required),
        "source": source,
        "note": note,
    }


def _user_exclude(df: pd.DataFrame) -> np.ndarray:
    """The user's ``exclude`` reason of each row ("" where none; the run table's column)."""
    if "exclude" not in df.columns:
        return np.full(len(df), "", dtype=object)
    return df["exclude"].astype("string").fillna("").str.strip().to_numpy(object)


def _blank_rows(
    run: pd.DataFrame, std: pd.DataFrame, key: str, lloq_nominal: float, crit: Criteria
) -> list[dict]:
    """Informational selectivity checks on blank and zero samples (need raw areas).

    Blanks named for this analyte, or for none, count (a multi-analyte run usually has
    shared blanks).
    """
    rows = []
    blanks = run[run["sample_type"].isin(("blank", "zero")) & run["analyte"].isin((key, ""))]
    blanks = blanks[_user_exclude(blanks) == ""]  # an injection the user left out
    if not len(blanks):
        return [
            _row(
                "blank/zero samples present",
                0.0,
                ">= 1",
                False,
                required=False,
                note="no blank or zero sample in the run",
                analyte=key,
            )
        ]
    at_lloq = std[_at_level(std["nominal_conc"].to_numpy(), lloq_nominal)]
    ref = float(at_lloq["analyte_area"].mean())
    worst = float(blanks["analyte_area"].max())
    if np.isfinite(ref) and np.isfinite(worst) and ref > 0:
        pct = 100.0 * worst / ref
        rows.append(
            _row(
                "analyte response in blanks/zeros",
                pct,
                f"<= {crit.blank_analyte_pct_lloq:g}% of LLOQ",
                pct <= crit.blank_analyte_pct_lloq + _EPS,
                required=False,
                source="ICH M10 (2022) 3.2.1 selectivity (applied per run)",
                note="largest blank/zero analyte area as % of mean LLOQ area",
                analyte=key,
            )
        )
    else:
        rows.append(
            _row(
                "analyte response in blanks/zeros",
                np.nan,
                "needs areas",
                False,
                required=False,
                note="no analyte_area for blanks or LLOQ standards: not checked",
                analyte=key,
            )
        )
    pure = blanks[blanks["sample_type"] == "blank"]
    is_ref = float(at_lloq["is_area"].mean())  # M10 3.2.1: IS response of the LLOQ sample
    is_worst = float(pure["is_area"].max()) if len(pure) else np.nan
    if np.isfinite(is_ref) and np.isfinite(is_worst) and is_ref > 0:
        pct = 100.0 * is_worst / is_ref
        rows.append(
            _row(
                "IS response in blanks",
                pct,
                f"<= {crit.blank_is_pct:g}% of LLOQ IS",
                pct <= crit.blank_is_pct + _EPS,
                required=False,
                source="ICH M10 (2022) 3.2.1 selectivity (applied per run)",
                note="largest blank IS area as % of the mean IS area of the LLOQ standard(s)",
                analyte=key,
            )
        )
    return rows


def _qcs(sub: pd.DataFrame, cal: Calibration, rng: dict, crit: Criteria, key: str):
    qc = sub[sub["sample_type"] == "qc"].reset_index(drop=True)
    nominal = qc["nominal_conc"].to_numpy(float)
    dil = qc["dilution"].to_numpy(float)
    vial = cal.back_calculate(qc["area_ratio"].to_numpy(float))
    measured = vial * dil
    acc = accuracy_pct(measured, nominal)
    at_lloq = _at_level(nominal / dil, rng["lloq_nominal"])
    tol = np.where(at_lloq, crit.qc_lloq_tol, crit.qc_tol)
    user = _user_exclude(qc)
    ok = passes(acc, tol) & cal.ok & (user == "")  # a QC left out counts as failing
    diluted = dil > 1
    label = qc["qc_level"].where(
        qc["qc_level"] != "",
        pd.Series(
            [
                f"DQC {n:g} x{d:g}" if d > 1 else f"QC {n:g}"
                for n, d in zip(nominal, dil, strict=True)
            ],
            dtype="string",
        ),
    )
    nominal_vial = nominal / dil
    in_range = (nominal_vial >= rng["lloq"] * (1 - 1e-9)) & (
        nominal_vial <= rng["uloq"] * (1 + 1e-9)
    )
    reason = np.where(
        ok | (user != ""), "", np.where(np.isnan(acc), "no back-calculated value", "outside limits")
    )
    reason = _join(
        _join(user, reason),
        np.where(~in_range & ~diluted, "outside the calibrated range of the run: not counted", ""),
    ).astype(str)
    qtab = pd.DataFrame(
        {
            "analyte": key,
            "sample_id": qc["sample_id"],
            "source_row": qc["source_row"],
            "qc_level": label,
            "nominal_conc": nominal,
            "dilution": dil,
            "area_ratio": qc["area_ratio"],
            "back_calc_vial": vial,
            "measured": measured,
            "accuracy_pct": acc,
            "bias_pct": acc - 100.0,
            "tolerance_pct": tol,
            "in_range": in_range,
            "pass": ok,
            "reason": reason,
        }
    )
    und = qtab[~diluted]
    _, rows = qc_assessment(
        und["qc_level"],
        und["nominal_conc"],
        und["pass"],
        rng["lloq"],
        rng["uloq"],
        crit,
        lloq_nominal=rng["lloq_nominal"],
    )
    rows = [{"analyte": key, **r} for r in rows]
    dil_ok: dict[float, bool] = {}
    for d, grp in qtab[diluted].groupby("dilution"):
        frac = float(grp["pass"].mean())
        dil_ok[float(d)] = frac >= crit.min_qc_level_fraction - 1e-9
        rows.append(
            _row(
                f"dilution QCs x{d:g}",
                frac,
                f">= {crit.min_qc_level_fraction:.0%}",
                dil_ok[float(d)],
                required=False,
                source="ICH M10 (2022) 3.2.7 dilution integrity; see docs/bioanalysis.md",
                note=f"decides whether unknowns diluted x{d:g} are reported",
                analyte=key,
            )
        )
    lev = (
        qtab.groupby(["qc_level", "dilution"], sort=False)
        .agg(
            nominal_conc=("nominal_conc", "first"),
            n=("measured", "size"),
            mean=("measured", "mean"),
            sd=("measured", "std"),
            n_pass=("pass", "sum"),
        )
        .reset_index()
    )
    lev["cv_pct"] = 100.0 * lev["sd"] / lev["mean"]
    lev["mean_accuracy_pct"] = accuracy_pct(lev["mean"], lev["nominal_conc"])
    lev["fraction_pass"] = lev["n_pass"] / lev["n"]
    lev.insert(0, "analyte", key)
    return qtab, lev, rows, dil_ok


def _join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a.astype(object)
    return np.where(a == "", b, np.where(b == "", a, a + "; " + b))


def _unknowns(
    unk: pd.DataFrame,
    cal: Calibration,
    lloq: float,
    uloq: float,
    accepted: bool,
    failed: list[str],
    dil_ok: dict[float, bool],
    key: str,
) -> pd.DataFrame:
    ratio = unk["area_ratio"].to_numpy(float)
    dil = unk["dilution"].to_numpy(float)
    vial = cal.back_calculate(ratio)
    reported = vial * dil
    n = len(unk)
    reason = _user_exclude(unk)  # the user's reason first, kinetor's after it
    # classify on the response scale: robust where a quadratic has no real root. The range
    # is inclusive with the float slack of the standards/QC judgement (_EPS %, i.e. 1e-11
    # of the limit): a response on the curve at the LLOQ or ULOQ is in range
    rel = _EPS / 100.0
    lo_resp = float(cal.predict(lloq * (1.0 - rel)))
    hi_resp = float(cal.predict(uloq * (1.0 + rel)))
    if np.isfinite(lo_resp) and np.isfinite(hi_resp):
        blq = ratio < lo_resp
        alq = ~blq & (ratio > hi_resp)
    else:  # no curve or no passing standard: nothing can be quantified, nor called BLQ
        blq = alq = np.zeros(n, bool)
        reported = np.full(n, np.nan)
        reason = _join(reason, np.full(n, "no usable calibration", dtype=object))
    reason = _join(reason, np.where(alq, np.where(dil > 1, ALQ_DILUTED_REASON, ALQ_REASON), ""))
    if not accepted:
        reason = _join(
            reason, np.full(n, "analytical run rejected (" + "; ".join(failed) + ")", dtype=object)
        )
    bad_dil = np.array([d > 1 and not dil_ok.get(float(d), True) for d in dil], bool)
    reason = _join(reason, np.where(bad_dil, "dilution QCs at this factor failed", ""))
    note = np.where(
        (dil > 1) & ~np.isin(dil, list(dil_ok)),
        "no dilution QC at this dilution factor in the run",
        "",
    )
    if key:
        analyte = np.full(n, key, dtype=object)
    else:
        given = unk["analyte"].to_numpy(object)
        analyte = np.where(given == "", "ANALYTE", given)
    conc = np.where(blq | alq, np.nan, reported)
    return pd.DataFrame(
        {
            "subject": unk["subject"].to_numpy(object),
            "time": unk["time"].to_numpy(float),
            "nominal_time": unk["nominal_time"].to_numpy(float),
            "conc": conc,
            "blq": blq,
            "lloq": lloq * dil,
            "analyte": analyte,
            "matrix": unk["matrix"].to_numpy(object),
            "exclude": reason.astype(str),
            "source_row": unk["source_row"].to_numpy(int),
            "conc_reported": reported,
            "dilution": dil,
            "sample_id": unk["sample_id"].to_numpy(object),
            "area_ratio": ratio,
            "uloq": uloq * dil,
            "note": note,
        }
    )
