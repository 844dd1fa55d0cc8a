"""Published in vivo and clinical evidence for the dose -> tumour chain, with its sources.

Five tables ship with kinetor (``src/kinetor/translate/evidence/*.csv``, described in the
README beside them): PK parameters per compound and species, xenograft efficacy studies and
their arms, in vivo PK/PD points, and clinical target-engagement points. Every row carries
its source (DOI and/or PMID, figure or table), how the number was obtained (``table``,
``text``, ``abstract``, ``figure-legend``; ``recalled`` only for unverified rows) and a
status: **firm** (read in the source), **likely** (a secondary source quoting the primary)
or **unverified** (recalled, not found; kept but used neither to fit nor to validate).

Xenograft studies carry a ``split`` fixed before any fitting: ``fit`` or ``heldout``
(the rule is in the README). Held-out studies are never to be used to fit.

The loaders validate columns, vocabularies, numbers, identifiers and dosing schedules (each
``schedule``/``regimen`` must parse with :meth:`kinetor.pk.Regimen.parse`) and raise one
:class:`~kinetor.errors.DataError` listing every problem with file, row and column.

Examples
--------
>>> from kinetor.translate import evidence
>>> studies = evidence.load_xenograft_studies()
>>> sorted(studies["split"].unique())
['fit', 'heldout']
>>> arms = evidence.load_xenograft_arms(split="fit")
>>> set(arms["split"])
{'fit'}
>>> regs = evidence.parse_schedule("capivasertib:100 mg/kg PO QD x 5 days + "
...                               "fulvestrant:100 mg/kg SC QW x 1 weeks")
>>> sorted(regs)
['capivasertib', 'fulvestrant']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, KinetorError, Problem

__all__ = [
    "DATA_DIR",
    "HOW_OBTAINED",
    "STATUS",
    "evidence_summary",
    "library_names",
    "load_clinical_pd",
    "load_pk_sets",
    "load_pkpd",
    "load_xenograft_arms",
    "load_xenograft_studies",
    "parse_schedule",
]

DATA_DIR = Path(__file__).resolve().parent

STATUS = ("firm", "likely", "unverified")
HOW_OBTAINED = ("table", "text", "abstract", "figure-legend", "recalled")
SPLITS = ("fit", "heldout")
SPECIES = ("mouse", "rat", "dog", "monkey", "human", "pooled")
PK_PARAMETERS = (
    "CL",
    "CL/F",
    "Vss",
    "V/F",
    "t1/2",
    "F",
    "Cmax",
    "tmax",
    "AUC",
    "fu",
    "Kp_tumor",
    "Kpuu_tumor",
    "tumor_accumulation_ss",
    "Ctrough",
    "V1/F",
    "V2/F",
    "Q/F",
    "CLint/F",
)
UNCERTAINTY_KINDS = (
    "",
    "sd",
    "sem",
    "cv_pct",
    "ci95",
    "range",
    "approx",
    "lower_bound",
    "upper_bound",
    "qualitative",
)
VALUE_KINDS = (
    "tgi_pct",
    "tc_pct",
    "regression_pct",
    "mean_volume_mm3",
    "equal_efficacy_dose_ratio",
    "qualitative",
)
VEHICLE = "vehicle"
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID = re.compile(r"^\d{1,9}$")
_TEMPLATE = "{dose}"


@dataclass(frozen=True)
class _Spec:
    file: str
    columns: tuple[str, ...]
    numeric: tuple[str, ...]
    optional: tuple[str, ...] = ()


_PK = _Spec(
    "pk_sets.csv",
    (
        "compound",
        "species",
        "strain",
        "dose",
        "dose_unit",
        "route",
        "parameter",
        "value",
        "value_high",
        "unit",
        "uncertainty",
        "uncertainty_kind",
        "fu_species",
        "doi",
        "pmid",
        "authors_year",
        "figure_table",
        "how_obtained",
        "status",
        "note",
    ),
    ("dose", "value", "value_high"),
    ("source_url",),
)
_STUDIES = _Spec(
    "xenograft_studies.csv",
    (
        "study_id",
        "doi",
        "pmid",
        "authors_year",
        "figure_table",
        "model",
        "host",
        "er_genotype",
        "start_volume_mm3",
        "n_per_arm",
        "duration_days",
        "split",
        "how_obtained",
        "status",
        "note",
    ),
    ("duration_days",),
    ("source_url",),
)
_ARMS = _Spec(
    "xenograft_arms.csv",
    (
        "study_id",
        "arm",
        "compounds",
        "dose_mg_kg",
        "schedule",
        "treatment_days",
        "day",
        "value",
        "value_high",
        "sem",
        "n",
        "value_kind",
        "how_obtained",
        "status",
        "note",
    ),
    ("treatment_days", "day", "value", "value_high", "sem", "n"),
)
_PKPD = _Spec(
    "pkpd_invivo.csv",
    (
        "study_id",
        "doi",
        "pmid",
        "compound",
        "species",
        "model",
        "dose_mg_kg",
        "regimen",
        "time_h",
        "analyte_or_readout",
        "value",
        "value_high",
        "unit",
        "uncertainty",
        "uncertainty_kind",
        "figure_table",
        "how_obtained",
        "status",
        "note",
    ),
    ("dose_mg_kg", "time_h", "value", "value_high"),
)
_CLIN = _Spec(
    "clinical_pd.csv",
    (
        "study_id",
        "doi",
        "pmid",
        "authors_year",
        "compound",
        "population",
        "dose",
        "dose_unit",
        "regimen",
        "time_h",
        "tissue",
        "analyte_or_readout",
        "value",
        "value_high",
        "unit",
        "uncertainty",
        "uncertainty_kind",
        "n",
        "figure_table",
        "how_obtained",
        "status",
        "note",
    ),
    ("dose", "time_h", "value", "value_high", "n"),
)


# ----------------------------------------------------------------------------- helpers
def _path(path: str | Path | None, spec: _Spec) -> Path:
    return Path(path) if path is not None else DATA_DIR / spec.file


def _read(path: Path, spec: _Spec) -> pd.DataFrame:
    """Read a table as text (nothing converted, nothing dropped) and check its columns."""
    if not path.is_file():
        raise DataError(
            [
                Problem(
                    f"evidence table not found: {path}",
                    file=str(path),
                    fix=f"pass the path of a {spec.file} file",
                )
            ]
        )
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(
            [
                Problem(
                    f"cannot read the file: {exc}",
                    file=path.name,
                    fix="save it as UTF-8 CSV with a header row",
                )
            ]
        ) from exc
    missing = [c for c in spec.columns if c not in df.columns]
    known = set(spec.columns) | set(spec.optional)
    extra = [c for c in df.columns if c not in known]
    problems = [
        Problem(
            "required column missing",
            file=path.name,
            column=c,
            fix=f"the header must contain: {', '.join(spec.columns)}",
        )
        for c in missing
    ]
    problems += [
        Problem(
            "unknown column",
            file=path.name,
            column=c,
            fix=f"allowed columns: {', '.join(sorted(known))}",
        )
        for c in extra
    ]
    if problems:
        raise DataError(problems)
    for c in spec.optional:
        if c not in df.columns:
            df[c] = ""
    return df.apply(lambda s: s.str.strip())


def _numbers(
    df: pd.DataFrame, cols: Iterable[str], fname: str, problems: list[Problem]
) -> pd.DataFrame:
    """Blank -> NaN; anything else must be a finite number."""
    out = df.copy()
    for col in cols:
        vals = np.full(len(df), np.nan)
        for i, text in enumerate(df[col]):
            if text == "":
                continue
            try:
                x = float(text)
            except ValueError:
                x = np.nan
            if not np.isfinite(x):
                problems.append(
                    Problem(
                        f"not a number: {text!r}",
                        file=fname,
                        row=i + 2,
                        column=col,
                        fix="write a plain number or leave blank",
                    )
                )
                continue
            vals[i] = x
        out[col] = vals
    return out


def _vocab(
    df: pd.DataFrame, col: str, allowed: Iterable[str], fname: str, problems: list[Problem]
) -> None:
    allowed = tuple(allowed)
    for i, v in enumerate(df[col]):
        if v not in allowed:
            shown = ", ".join(a if a else "(blank)" for a in allowed)
            problems.append(
                Problem(
                    f"unknown value {v!r}",
                    file=fname,
                    row=i + 2,
                    column=col,
                    fix=f"use one of: {shown}",
                )
            )


def _provenance(df: pd.DataFrame, fname: str, problems: list[Problem], ids: bool = True) -> None:
    """Status/how_obtained vocabularies; identifiers on every row that is not unverified."""
    _vocab(df, "status", STATUS, fname, problems)
    _vocab(df, "how_obtained", HOW_OBTAINED, fname, problems)
    for i, row in enumerate(df.itertuples(index=False)):
        r = i + 2
        if row.how_obtained == "recalled" and row.status != "unverified":
            problems.append(
                Problem(
                    "a recalled number must have status 'unverified'",
                    file=fname,
                    row=r,
                    column="status",
                    fix="set status to unverified, or read the source",
                )
            )
        if not ids:
            continue
        doi, pmid = row.doi, row.pmid
        if doi and not _DOI.match(doi):
            problems.append(
                Problem(
                    f"malformed DOI {doi!r}",
                    file=fname,
                    row=r,
                    column="doi",
                    fix="write it as 10.xxxx/...",
                )
            )
        if pmid and not _PMID.match(pmid):
            problems.append(
                Problem(
                    f"malformed PMID {pmid!r}", file=fname, row=r, column="pmid", fix="digits only"
                )
            )
        if row.status != "unverified" and not (doi or pmid):
            problems.append(
                Problem(
                    f"a {row.status} row needs a DOI or PMID",
                    file=fname,
                    row=r,
                    column="doi",
                    fix="add the identifier, or mark the row unverified",
                )
            )


def _values(df: pd.DataFrame, fname: str, problems: list[Problem], kind_col: str) -> None:
    """``value`` required unless qualitative; ``value_high`` >= ``value``."""
    for i, row in enumerate(df.itertuples(index=False)):
        kind = getattr(row, kind_col)
        qualitative = kind == "qualitative"
        if np.isnan(row.value) and not qualitative:
            problems.append(
                Problem(
                    "value missing",
                    file=fname,
                    row=i + 2,
                    column="value",
                    fix=f"give the number, or set {kind_col} to qualitative "
                    "and say what was reported in note",
                )
            )
        if qualitative and not row.note:
            problems.append(
                Problem(
                    "a qualitative row must say what was reported",
                    file=fname,
                    row=i + 2,
                    column="note",
                    fix="quote or paraphrase the finding in note",
                )
            )
        if not np.isnan(row.value_high) and not (row.value_high >= row.value):
            problems.append(
                Problem(
                    f"value_high {row.value_high} is below value {row.value}",
                    file=fname,
                    row=i + 2,
                    column="value_high",
                    fix="value is the low end of a range, value_high the high",
                )
            )


def parse_schedule(text: str) -> dict[str, object]:
    """Read an evidence schedule into ``{compound or '': Regimen}``.

    A single-agent schedule is a regimen (``"15 mg/kg PO QD x 21 days"``, compound key
    ``""``); a combination joins ``COMPOUND:REGIMEN`` parts with ``+``. A ``{dose}``
    template (dose not reported, only a dose ratio) is read with dose 1.

    Parameters
    ----------
    text : str

    Returns
    -------
    dict
        Compound (``""`` for a single-agent schedule) -> :class:`kinetor.pk.Regimen`.

    Raises
    ------
    kinetor.errors.ModelError
        The text (or one part of it) does not parse.

    Examples
    --------
    >>> parse_schedule("{dose} mg/kg PO BID 4 days on/3 days off x 1 cycles")[""].n_doses
    8
    """
    from kinetor.errors import ModelError
    from kinetor.pk import Regimen

    body = text.replace(_TEMPLATE, "1")
    if ":" not in body:
        return {"": Regimen.parse(body)}
    out: dict[str, object] = {}
    for part in body.split("+"):
        comp, sep, reg = part.partition(":")
        comp = comp.strip().lower()
        if not sep or not comp or not reg.strip():
            raise ModelError(
                f"cannot read {part.strip()!r}: write COMPOUND:REGIMEN parts joined by '+'"
            )
        if comp in out:
            raise ModelError(f"{comp} appears twice in {text!r}")
        out[comp] = Regimen.parse(reg.strip())
    return out


def _check_schedule(
    text: str,
    fname: str,
    row: int,
    col: str,
    problems: list[Problem],
    compounds: list[str] | None = None,
    dose_given: bool = False,
) -> None:
    if not text:
        return
    if _TEMPLATE in text and dose_given:
        problems.append(
            Problem(
                "a {dose} template next to a stated dose",
                file=fname,
                row=row,
                column=col,
                fix="write the dose into the schedule",
            )
        )
    try:
        regs = parse_schedule(text)
    except KinetorError as exc:
        first = str(exc).splitlines()[0]
        problems.append(
            Problem(
                f"schedule does not parse: {first}",
                file=fname,
                row=row,
                column=col,
                fix="use the kinetor.pk.Regimen grammar, e.g. "
                "'15 mg/kg PO QD x 21 days' (docs/pk.md)",
            )
        )
        return
    if compounds is not None and len(compounds) > 1 and set(regs) != set(compounds):
        problems.append(
            Problem(
                f"schedule names {sorted(regs)} but compounds lists {sorted(compounds)}",
                file=fname,
                row=row,
                column=col,
                fix="give one COMPOUND:REGIMEN part per compound",
            )
        )


# ----------------------------------------------------------------------------- loaders
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
    p = _path(path, _PK)
    df = _read(p, _PK)
    problems: list[Problem] = []
    out = _numbers(df, _PK.numeric, p.name, problems)
    _provenance(df, p.name, problems)
    _vocab(df, "species", SPECIES, p.name, problems)
    _vocab(df, "parameter", PK_PARAMETERS, p.name, problems)
    _vocab(df, "uncertainty_kind", UNCERTAINTY_KINDS, p.name, problems)
    _vocab(df, "fu_species", ("", *SPECIES), p.name, problems)
    _values(out.assign(kind=""), p.name, problems, "kind")
    for i, row in enumerate(out.itertuples(index=False)):
        if not row.compound:
            problems.append(
                Problem(
                    "compound missing",
                    file=p.name,
                    row=i + 2,
                    column="compound",
                    fix="name the compound",
                )
            )
        if not row.unit:
            problems.append(
                Problem(
                    "unit missing",
                    file=p.name,
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
                        file=p.name,
                        row=i + 2,
                        column="value",
                        fix="convert % bound to a fraction",
                    )
                )
        elif row.fu_species:
            problems.append(
                Problem(
                    "fu_species is only for fu rows",
                    file=p.name,
                    row=i + 2,
                    column="fu_species",
                    fix="leave it blank",
                )
            )
    if problems:
        raise DataError(problems)
    fu = out["parameter"] == "fu"
    fill = fu & (out["fu_species"] == "")
    out.loc[fill, "fu_species"] = out.loc[fill, "species"]
    out["usable"] = out["status"] != "unverified"
    return out


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
    p = _path(path, _STUDIES)
    df = _read(p, _STUDIES)
    problems: list[Problem] = []
    out = _numbers(df, _STUDIES.numeric, p.name, problems)
    _provenance(df, p.name, problems)
    _vocab(df, "split", SPLITS, p.name, problems)
    seen: dict[str, int] = {}
    for i, sid in enumerate(df["study_id"]):
        if not sid:
            problems.append(
                Problem(
                    "study_id missing",
                    file=p.name,
                    row=i + 2,
                    column="study_id",
                    fix="give each study an id",
                )
            )
        elif sid in seen:
            problems.append(
                Problem(
                    f"study_id {sid!r} repeats row {seen[sid]}",
                    file=p.name,
                    row=i + 2,
                    column="study_id",
                    fix="ids must be unique",
                )
            )
        else:
            seen[sid] = i + 2
    # one paper, one split: studies sharing a DOI/PMID must not straddle fit and held-out
    for key in ("doi", "pmid"):
        sub = df[df[key] != ""]
        for ident, grp in sub.groupby(key):
            if grp["split"].nunique() > 1:
                problems.append(
                    Problem(
                        f"studies from one paper ({key} {ident}) are split between fit and heldout",
                        file=p.name,
                        row=int(grp.index[0]) + 2,
                        column="split",
                        fix="give every study of a paper the same split",
                    )
                )
    if problems:
        raise DataError(problems)
    out["usable"] = out["status"] != "unverified"
    return out


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
    p = _path(path, _ARMS)
    df = _read(p, _ARMS)
    studies = load_xenograft_studies() if studies is None else studies
    problems: list[Problem] = []
    out = _numbers(df, _ARMS.numeric, p.name, problems)
    _provenance(df, p.name, problems, ids=False)
    _vocab(df, "value_kind", VALUE_KINDS, p.name, problems)
    _values(out, p.name, problems, "value_kind")
    known = dict(zip(studies["study_id"], studies["split"], strict=True))
    for i, row in enumerate(df.itertuples(index=False)):
        r = i + 2
        if row.study_id not in known:
            problems.append(
                Problem(
                    f"study_id {row.study_id!r} is not in the studies table",
                    file=p.name,
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
                    file=p.name,
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
                        file=p.name,
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
                    file=p.name,
                    row=r,
                    column="schedule",
                    fix="write the regimen (use {dose} if only ratios exist)",
                )
            )
        _check_schedule(
            row.schedule, p.name, r, "schedule", problems, comps, dose_given=bool(row.dose_mg_kg)
        )
    if problems:
        raise DataError(problems)
    out["split"] = out["study_id"].map(known)
    study_ok = dict(zip(studies["study_id"], studies["status"] != "unverified", strict=True))
    out["usable"] = (out["status"] != "unverified") & out["study_id"].map(study_ok)
    out["pattern_only"] = (out["schedule"] != "") & out["treatment_days"].isna()
    if split is not None:
        out = out[out["split"] == split].reset_index(drop=True)
    return out


def _load_points(spec: _Spec, path: str | Path | None) -> pd.DataFrame:
    p = _path(path, spec)
    df = _read(p, spec)
    problems: list[Problem] = []
    out = _numbers(df, spec.numeric, p.name, problems)
    _provenance(df, p.name, problems)
    _vocab(df, "uncertainty_kind", UNCERTAINTY_KINDS, p.name, problems)
    _values(out, p.name, problems, "uncertainty_kind")
    for i, row in enumerate(df.itertuples(index=False)):
        _check_schedule(row.regimen, p.name, i + 2, "regimen", problems)
        if not row.unit:
            problems.append(
                Problem(
                    "unit missing",
                    file=p.name,
                    row=i + 2,
                    column="unit",
                    fix="give the unit, or 'qualitative'",
                )
            )
    if problems:
        raise DataError(problems)
    out["usable"] = out["status"] != "unverified"
    return out


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


def evidence_summary() -> pd.DataFrame:
    """Row counts of every shipped table by status (and, for studies and arms, split).

    Returns
    -------
    DataFrame
        Columns ``table, split, status, rows``.

    Examples
    --------
    >>> s = evidence_summary()
    >>> sorted(s["table"].unique())  # doctest: +NORMALIZE_WHITESPACE
    ['clinical_pd', 'pk_sets', 'pkpd_invivo', 'xenograft_arms', 'xenograft_studies']
    """
    studies = load_xenograft_studies()
    tables = {
        "pk_sets": load_pk_sets().assign(split=""),
        "xenograft_studies": studies,
        "xenograft_arms": load_xenograft_arms(studies=studies),
        "pkpd_invivo": load_pkpd().assign(split=""),
        "clinical_pd": load_clinical_pd().assign(split=""),
    }
    parts = [
        t.groupby(["split", "status"]).size().rename("rows").reset_index().assign(table=name)
        for name, t in tables.items()
    ]
    return pd.concat(parts, ignore_index=True)[["table", "split", "status", "rows"]]


def library_names() -> pd.DataFrame:
    """Every compound named in the evidence tables, matched to the compound library.

    Names are matched through the library's names and synonyms (``sirolimus`` is
    ``rapamycin``). The loaders do not call this: the evidence tables load whether or not
    the library has an entry.

    Returns
    -------
    DataFrame
        Columns ``compound`` (as written in the evidence), ``library_compound`` (the
        library's name, blank when the library has no entry), ``tables`` (where it
        appears).

    Examples
    --------
    >>> m = library_names().set_index("compound")
    >>> m.loc["sirolimus", "library_compound"]
    'rapamycin'
    """
    from kinetor.compounds import load_library

    lib = load_library()
    studies = load_xenograft_studies()
    seen: dict[str, set[str]] = {}
    frames = {
        "pk_sets": load_pk_sets()["compound"],
        "xenograft_arms": load_xenograft_arms(studies=studies)["compounds"],
        "pkpd_invivo": load_pkpd()["compound"],
        "clinical_pd": load_clinical_pd()["compound"],
    }
    for table, col in frames.items():
        for text in col:
            for name in str(text).split("+"):
                name = name.strip().lower()
                if name and name != VEHICLE:
                    seen.setdefault(name, set()).add(table)
    rows = []
    for name in sorted(seen):
        try:
            lib_name = lib.get(name).name
        except KeyError:
            lib_name = ""
        rows.append((name, lib_name, ", ".join(sorted(seen[name]))))
    return pd.DataFrame(rows, columns=["compound", "library_compound", "tables"])
