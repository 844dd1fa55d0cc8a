"""Warnings about legal but suspicious study data (``kinetor validate`` prints them, exit 0).

Problems (``validate_study``) stop an analysis; these do not, but each is more often a typing
or export error than a real observation, so ``validate`` names the rows:

==============================================  ===========================================
warning                                         rule
==============================================  ===========================================
BLQ sample without an LLOQ                      not drawn in figures
quantifiable sample before the first dose       conc > 0 before the subject's first dose
                                                (NCA and the fits leave it out)
actual time far from nominal                    ``|actual - nominal| > max(25 % of nominal,
                                                15 min)`` for nominal times > 0
actual and nominal times in different order     within a profile (subject x analyte x matrix)
subject ids equal but for case or spaces        ``'R101'`` and ``'r101 '`` are two subjects
concentration above 1 g/L (or 10 mM)            physiologically implausible in a plasma or
                                                tissue sample: a unit or decimal error
urine collection across the first dose          starts before the subject's first dose and
                                                ends after it: urine NCA leaves it out
urine volume 0 with a concentration > 0         its amount excreted is 0
==============================================  ===========================================

>>> import pandas as pd
>>> from kinetor.data import Study
>>> st = Study(pd.DataFrame({"subject": ["1", "1", "1"], "time": [-1.0, 1.0, 2.0],
...                          "conc": [5.0, 20.0, 10.0], "source_row": [2, 3, 4]}),
...            pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [1.0],
...                          "route": ["extravascular"]}),
...            units={"time": "h", "conc": "ng/mL", "dose": "mg"})
>>> study_warnings(st)  # doctest: +NORMALIZE_WHITESPACE
["1 sample(s) before the subject's first dose have a concentration > 0 (rows 2): NCA and
the model fits leave them out; check their times and subjects"]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._urine_checks import (
    _where,
    across_first_dose,
    across_text,
    collection_ends,
    urine_mask,
    zero_volume,
    zero_volume_text,
)
from kinetor.errors import UnitError
from kinetor.units import convert, dimension

__all__ = ["study_warnings"]

_LATE_FRACTION, _LATE_MIN = 0.25, 15.0  # actual vs nominal: 25 % of nominal, 15 minutes


def study_warnings(study) -> list[str]:
    """Every warning about ``study`` (an empty list when nothing looks suspicious)."""
    conc = study.conc
    kept = (conc["exclude"].astype(object).fillna("") == "").to_numpy(bool)
    rows = conc["source_row"].to_numpy() if "source_row" in conc.columns else None
    out = []
    no_lloq = conc["blq"].to_numpy(bool) & conc["lloq"].isna().to_numpy()
    if no_lloq.any():
        out.append(
            f"{int(no_lloq.sum())} BLQ sample(s) have no LLOQ ({_where(rows, no_lloq)}): give "
            "an LLOQ column, '<x' entries or --lloq VALUE; without one they are not drawn in "
            "figures"
        )
    pre = np.isin(np.arange(len(conc)), _predose_positions(study))
    if pre.any():
        out.append(
            f"{int(pre.sum())} sample(s) before the subject's first dose have a concentration "
            f"> 0 ({_where(rows, pre)}): NCA and the model fits leave them out; check their "
            "times and subjects"
        )
    out += _time_warnings(study, kept, rows)
    out += _subject_warnings(conc)
    out += _conc_warnings(study, kept, rows)
    out += _urine_warnings(study, kept, rows)
    return out


def _predose_positions(study) -> np.ndarray:
    conc, doses = study.conc, study.doses
    if not len(conc) or not len(doses):
        return np.zeros(0, dtype=int)
    first = doses.groupby("subject", observed=True)["time"].min()
    t0 = conc["subject"].map(first).to_numpy(float)
    kept = (conc["exclude"].astype(object).fillna("") == "").to_numpy(bool)
    with np.errstate(invalid="ignore"):
        hit = (conc["time"].to_numpy(float) < t0) & (conc["conc"].to_numpy(float) > 0) & kept
    return np.flatnonzero(hit)


def _time_warnings(study, kept, rows) -> list[str]:
    conc = study.conc
    t, nom = conc["time"].to_numpy(float), conc["nominal_time"].to_numpy(float)
    both = kept & np.isfinite(t) & np.isfinite(nom)
    if not both.any():
        return []
    out = []
    try:
        window = float(convert(_LATE_MIN, "min", study.units.get("time", "h")))
    except UnitError:
        window = np.inf
    with np.errstate(invalid="ignore"):
        far = both & (nom > 0) & (np.abs(t - nom) > np.maximum(_LATE_FRACTION * nom, window))
    if far.any():
        out.append(
            f"{int(far.sum())} sample(s) with an actual time far from the nominal one (more "
            f"than 25 % of nominal and 15 min; {_where(rows, far)}): check the times"
        )
    d = conc.loc[both, ["subject", "analyte", "matrix"]].astype(str).assign(t=t[both], n=nom[both])
    d["pos"] = np.flatnonzero(both)
    d = d.sort_values(["subject", "analyte", "matrix", "n", "t"], kind="stable")
    key = ["subject", "analyte", "matrix"]
    same = (d[key].shift() == d[key]).all(axis=1).to_numpy()
    back = same & (d["t"].diff().to_numpy() < 0)  # nominal later, actual earlier
    if back.any():
        mask = np.isin(np.arange(len(conc)), d["pos"].to_numpy()[back])
        out.append(
            f"{int(back.sum())} sample(s) whose actual time is before that of a sample with an "
            f"earlier nominal time ({_where(rows, mask)}): actual and nominal times disagree "
            "on the order; check both"
        )
    return out


def _subject_warnings(conc) -> list[str]:
    ids = pd.unique(conc["subject"].astype(str).to_numpy(object))
    norm = pd.Series(ids).str.strip().str.casefold()
    clash = norm[norm.duplicated(keep=False)]
    if clash.empty:
        return []
    groups = [sorted(ids[clash.index[clash == v]]) for v in pd.unique(clash)]
    shown = "; ".join(" / ".join(map(repr, g)) for g in groups[:5])
    more = f" and {len(groups) - 5} more" if len(groups) > 5 else ""
    return [
        f"subject ids that differ only in case or spaces are different subjects: {shown}"
        f"{more}; correct the ids if they are one animal"
    ]


_REFS = {  # dimension -> (reference unit, implausible above, its text)
    "[mass] / [length] ** 3": ("ng/mL", 1e6, "1 g/L"),
    "dimensionless": ("ng/g", 1e6, "1 mg/g"),  # tissue, mass per mass
    "[substance] / [length] ** 3": ("nM", 1e7, "10 mM"),
    "[substance] / [mass]": ("nmol/g", 1e7, "10 umol/g"),
}


def _conc_warnings(study, kept, rows) -> list[str]:
    unit = study.units.get("conc", "")
    try:
        ref, limit, text = _REFS[dimension(unit)]
        c = np.asarray(convert(study.conc["conc"].to_numpy(float), unit, ref), dtype=float)
    except (KeyError, UnitError, ValueError):
        return []
    with np.errstate(invalid="ignore"):
        huge = kept & (c > limit)
    if not huge.any():
        return []
    return [
        f"{int(huge.sum())} concentration(s) above {text} ({_where(rows, huge)}): "
        "implausible for a plasma or tissue sample; check the unit and the decimal point"
    ]


def _urine_warnings(study, kept, rows) -> list[str]:
    """Urine collections that urine NCA leaves out or counts as 0 (``_urine_checks``)."""
    conc = study.conc
    urine = kept & urine_mask(study._conc_codes("matrix")) if len(conc) else kept
    if not urine.any():
        return []
    u = conc[urine]
    src = None if rows is None else np.asarray(rows)[urine]
    out = []
    across = across_first_dose(u["subject"], u["time"], collection_ends(u), study.doses)
    if across.any():
        out.append(across_text(src, across, "are left out of urine NCA"))
    zero = zero_volume(u)
    if zero.any():
        out.append(zero_volume_text(u, zero))
    return out
