"""The evidence loaders: one per shipped table, each validating every row.

Re-exported by :mod:`kinetor.translate.evidence`; each raises one
:class:`~kinetor.errors.DataError` listing every problem with file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.translate.evidence._checks import (
    _begin,
    _check_schedule,
    _raise,
    _repeats,
    _routes,
    _usable,
    _values,
    _vocab,
)
from kinetor.translate.evidence._number_checks import (
    check_dose,
    check_pk_units,
    duplicates,
    signs,
)
from kinetor.translate.evidence._tables import (
    _ARMS,
    _CLIN,
    _PK,
    _PKPD,
    _STUDIES,
    PK_PARAMETERS,
    SPECIES,
    SPLITS,
    UNCERTAINTY_KINDS,
    VALUE_KINDS,
    VEHICLE,
    _Spec,
)

__all__ = [
    "load_clinical_pd",
    "load_pk_sets",
    "load_pkpd",
    "load_xenograft_arms",
    "load_xenograft_studies",
]

# F above 100 % is published (nonlinear or variable absorption; apitolisib in dog, 125 %);
# above twice the dose it is a slipped digit or a wrong unit
F_MAX = {"%": 200.0, "fraction": 2.0}


def _bounded(out, rows, low: float, high: float, name: str, fname: str, problems) -> None:
    """``value`` and ``value_high`` of the ``rows`` (a boolean mask) in [low, high]."""
    for i in np.flatnonzero(rows):
        for col in ("value", "value_high"):
            x = out[col].iloc[i]
            if not np.isnan(x) and not low <= x <= high:
                where = f"above {high:g}" if low == -np.inf else f"outside [{low:g}, {high:g}]"
                fix = "correct the number (a slipped digit?) or the unit"
                problems.append(Problem(f"{name} {x:g} is {where}", fname, i + 2, col, fix))


def load_pk_sets(path: str | Path | None = None) -> pd.DataFrame:
    """PK parameters per compound x species (long format, one row per parameter).

    ``fu_species`` says which species a fraction unbound was measured in (blank in the
    file = the row's species; the loader fills it). Numbers stay in the units as published
    (``unit``).

    Parameters
    ----------
    path : str or Path, optional
        Another ``pk_sets.csv``; default the shipped table.

    Returns
    -------
    DataFrame
        The table with ``dose``, ``value`` and ``value_high`` as floats and a boolean
        ``usable`` (status is not unverified).

    Raises
    ------
    kinetor.errors.DataError
        Every problem found, with file, row and column.
    """
    fname, df, out, problems = _begin(_PK, path)
    _routes(df, fname, problems)
    _repeats(df, fname, problems)
    for unit, high in F_MAX.items():
        rows = (out["parameter"] == "F") & (out["unit"] == unit)
        _bounded(out, rows, -np.inf, high, f"F ({unit})", fname, problems)
    _vocab(df, "species", SPECIES, fname, problems)
    _vocab(df, "parameter", PK_PARAMETERS, fname, problems)
    _vocab(df, "uncertainty_kind", UNCERTAINTY_KINDS, fname, problems)
    _vocab(df, "fu_species", ("", *SPECIES), fname, problems)
    _values(out.assign(kind=""), fname, problems, "kind")
    signs(out, {"dose": "> 0"}, fname, problems)
    check_pk_units(out, fname, problems)
    for i, row in enumerate(out.itertuples(index=False)):
        if not row.compound:
            problems.append(
                Problem(
                    "compound missing",
                    file=fname,
                    row=i + 2,
                    column="compound",
                    fix="name the compound",
                )
            )
        if not row.unit:
            problems.append(
                Problem(
                    "unit missing",
                    file=fname,
                    row=i + 2,
                    column="unit",
                    fix="give the unit as published",
                )
            )
        if row.parameter == "fu":
            hi = row.value_high if not np.isnan(row.value_high) else row.value
            if not (0 < row.value <= 1 and hi <= 1) or row.unit != "fraction":
                problems.append(
                    Problem(
                        f"fraction unbound {row.value} must be in (0, 1] with unit 'fraction'",
                        file=fname,
                        row=i + 2,
                        column="value",
                        fix="convert % bound to a fraction",
                    )
                )
        elif row.fu_species:
            problems.append(
                Problem(
                    "fu_species is only for fu rows",
                    file=fname,
                    row=i + 2,
                    column="fu_species",
                    fix="leave it blank",
                )
            )
    _raise(problems, df)
    fill = (out["parameter"] == "fu") & (out["fu_species"] == "")
    out.loc[fill, "fu_species"] = out.loc[fill, "species"]
    return _usable(out)


def load_xenograft_studies(path: str | Path | None = None) -> pd.DataFrame:
    """Xenograft efficacy studies, one row per study, with the fit/held-out split.

    Parameters
    ----------
    path : str or Path, optional
        Another ``xenograft_studies.csv``; default the shipped table.

    Returns
    -------
    DataFrame
        ``duration_days`` as float; ``start_volume_mm3`` and ``n_per_arm`` stay text
        because some studies report several (``"50 (Fig. 3D); 250 (Fig. 3E)"``).

    Raises
    ------
    kinetor.errors.DataError
        Every problem found, with file, row and column.
    """
    fname, df, out, problems = _begin(_STUDIES, path)
    _vocab(df, "split", SPLITS, fname, problems)
    seen: dict[str, int] = {}
    for i, sid in enumerate(df["study_id"]):
        if not sid:
            problems.append(
                Problem(
                    "study_id missing",
                    file=fname,
                    row=i + 2,
                    column="study_id",
                    fix="give each study an id",
                )
            )
        elif sid in seen:
            problems.append(
                Problem(
                    f"study_id {sid!r} repeats row {seen[sid]}",
                    file=fname,
                    row=i + 2,
                    column="study_id",
                    fix="ids must be unique",
                )
            )
        else:
            seen[sid] = df.attrs["rows"][i]  # its line in the file
    # one paper, one split: studies sharing a DOI/PMID must not straddle fit and held-out
    for key in ("doi", "pmid"):
        sub = df[df[key] != ""]
        for ident, grp in sub.groupby(key):
            if grp["split"].nunique() > 1:
                problems.append(
                    Problem(
                        f"studies from one paper ({key} {ident}) are split between fit and heldout",
                        file=fname,
                        row=int(grp.index[0]) + 2,
                        column="split",
                        fix="give every study of a paper the same split",
                    )
                )
    _raise(problems, df)
    return _usable(out)


def load_xenograft_arms(
    path: str | Path | None = None, studies: pd.DataFrame | None = None, split: str | None = None
) -> pd.DataFrame:
    """Xenograft arms and endpoints (long), joined to their study's split.

    Parameters
    ----------
    path : str or Path, optional
        Another ``xenograft_arms.csv``; default the shipped table.
    studies : DataFrame, optional
        From :func:`load_xenograft_studies`; loaded from the default table if omitted.
    split : {'fit', 'heldout'}, optional
        Keep only arms of studies in this split.

    Returns
    -------
    DataFrame
        Numbers as floats, plus ``split``, ``usable`` (neither the arm nor its study is
        unverified) and ``pattern_only`` (a schedule whose treatment length was not
        reported: the text gives the dosing pattern, ``ss`` or one cycle, not the course).

    Raises
    ------
    kinetor.errors.DataError
        Every problem found, with file, row and column.
    """
    if split is not None and split not in SPLITS:
        raise DataError(
            [Problem(f"unknown split {split!r}", column="split", fix="use 'fit' or 'heldout'")]
        )
    fname, df, out, problems = _begin(_ARMS, path, ids=False)
    studies = load_xenograft_studies() if studies is None else studies
    _vocab(df, "value_kind", VALUE_KINDS, fname, problems)
    _values(out, fname, problems, "value_kind")
    signs(
        out, {"treatment_days": "> 0", "day": ">= 0", "sem": ">= 0", "n": "count"}, fname, problems
    )
    duplicates(df, ["study_id", "arm", "value_kind", "day"], fname, problems)
    known = dict(zip(studies["study_id"], studies["split"], strict=True))
    for i, row in enumerate(df.itertuples(index=False)):
        r = i + 2
        if row.study_id not in known:
            problems.append(
                Problem(
                    f"study_id {row.study_id!r} is not in the studies table",
                    file=fname,
                    row=r,
                    column="study_id",
                    fix="add the study to xenograft_studies.csv first",
                )
            )
        comps = [c.strip().lower() for c in row.compounds.split("+") if c.strip()]
        if not comps:
            problems.append(
                Problem(
                    "compounds missing",
                    file=fname,
                    row=r,
                    column="compounds",
                    fix="name the compound(s) or vehicle",
                )
            )
        if comps == [VEHICLE]:
            if row.schedule:
                problems.append(
                    Problem(
                        "a vehicle arm has no schedule",
                        file=fname,
                        row=r,
                        column="schedule",
                        fix="leave schedule blank",
                    )
                )
            continue
        if not row.schedule and row.status != "unverified" and row.value_kind != "qualitative":
            problems.append(
                Problem(
                    "schedule missing for a numeric endpoint",
                    file=fname,
                    row=r,
                    column="schedule",
                    fix="write the regimen (use {dose} if only ratios exist)",
                )
            )
        check_dose(row.dose_mg_kg, comps, fname, r, problems)
        _check_schedule(
            row.schedule, fname, r, "schedule", problems, comps, dose_given=bool(row.dose_mg_kg)
        )
    _raise(problems, df)
    out["split"] = out["study_id"].map(known)
    study_ok = dict(zip(studies["study_id"], studies["status"] != "unverified", strict=True))
    out["usable"] = (out["status"] != "unverified") & out["study_id"].map(study_ok)
    out["pattern_only"] = (out["schedule"] != "") & out["treatment_days"].isna()
    if split is not None:
        out = out[out["split"] == split].reset_index(drop=True)
    return out


def _load_points(spec: _Spec, path: str | Path | None) -> pd.DataFrame:
    fname, df, out, problems = _begin(spec, path)
    _repeats(df, fname, problems)
    share = out["unit"].str.startswith("% of")  # "% of patients": a share of a count
    _bounded(out, share, 0, 100, "a share (% of ...)", fname, problems)
    _vocab(df, "uncertainty_kind", UNCERTAINTY_KINDS, fname, problems)
    _values(out, fname, problems, "uncertainty_kind")
    rules = {"dose_mg_kg": ">= 0", "dose": ">= 0", "time_h": ">= 0", "n": "count"}
    signs(out, {c: r for c, r in rules.items() if c in spec.numeric}, fname, problems)
    for i, row in enumerate(df.itertuples(index=False)):
        _check_schedule(row.regimen, fname, i + 2, "regimen", problems)
        if not row.unit:
            problems.append(
                Problem(
                    "unit missing",
                    file=fname,
                    row=i + 2,
                    column="unit",
                    fix="give the unit, or 'qualitative'",
                )
            )
    _raise(problems, df)
    return _usable(out)


def load_pkpd(path: str | Path | None = None) -> pd.DataFrame:
    """In vivo PK/PD points (plasma or tissue exposure and tumour biomarkers).

    ``time_h`` is blank where the number summarises a time course (an EC50, a duration of
    inhibition); ``uncertainty_kind`` ``lower_bound`` marks values printed as ``>= x``.

    Parameters
    ----------
    path : str or Path, optional
        Another ``pkpd_invivo.csv``; default the shipped table.

    Returns
    -------
    DataFrame

    Raises
    ------
    kinetor.errors.DataError
        Every problem found, with file, row and column.
    """
    return _load_points(_PKPD, path)


def load_clinical_pd(path: str | Path | None = None) -> pd.DataFrame:
    """Human PK/PD at clinical doses (target inhibition in tumour, PBMC, skin, hair).

    Parameters
    ----------
    path : str or Path, optional
        Another ``clinical_pd.csv``; default the shipped table.

    Returns
    -------
    DataFrame

    Raises
    ------
    kinetor.errors.DataError
        Every problem found, with file, row and column.
    """
    return _load_points(_CLIN, path)
