"""Subject-level covariates for ``popfit``, from the subjects or the concentration table.

A covariate is looked up in ``study.subjects`` first, then among the extra columns of
``study.conc`` (a NONMEM file keeps columns such as ``AGE`` there, one value per record);
the name matches case-insensitively when no column has it exactly. A concentration-table
column must be constant within each subject over the samples the fit uses: one that
changes (a time-varying covariate) is a ``DataError`` naming the subject and the rows.
Occasions read as subjects (``occasions=True``) are subjects here, so a column that differs
between the occasions of one individual but not within an occasion is an occasion-level
covariate and is accepted.
"""

from __future__ import annotations

import pandas as pd

from kinetor.data.study import CONC_COLUMNS
from kinetor.errors import DataError, Problem

__all__ = ["subject_covariates", "text_in_numbers"]

# columns of the concentration table that describe the sample, not the subject
_SAMPLE_COLUMNS = {*CONC_COLUMNS, "conc_reported", "end_time", "volume", "profile"}


def _missing(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype(str).str.strip().isin(["", "nan", "."])


def _find(name: str, columns) -> str | None:
    if name in columns:
        return name
    same = [c for c in columns if str(c).lower() == name.lower()]
    return same[0] if len(same) == 1 else None


def _from_conc(study, c: pd.DataFrame, name: str, col: str, problems: list[Problem]):
    """One value per subject from the sample rows ``c``; changes within a subject are
    problems naming the rows."""
    src = study.files.get("conc", study.source)
    frame = c[["subject", col, "source_row"]]
    out = {}
    for s, g in frame.groupby("subject", sort=False):
        text = g[col].where(~_missing(g[col]), "").astype(str)
        if text.nunique() > 1:
            first = text.iloc[0]
            changed = g[text != first]
            shown = ", ".join(
                f"{v if v != '' else 'empty'} (row {int(r)})"
                for v, r in zip(text[text != first][:5], changed["source_row"][:5], strict=True)
            )
            problems.append(
                Problem(
                    f"subject {s}: covariate {name!r} changes within the subject: "
                    f"{first or 'empty'} (row {int(g['source_row'].iloc[0])}), then {shown}"
                    + (" ..." if len(changed) > 5 else ""),
                    file=src,
                    row=int(changed["source_row"].iloc[0]),
                    column=col,
                    fix=f"give subject {s} one {col} (popfit takes subject-level covariates; "
                    "a value per occasion needs occasions read as subjects, "
                    "occasions=True / --occasions)",
                )
            )
        out[s] = g[col].iloc[0]
    return pd.Series(out, dtype=object)


def _unitless_weight(study, extra) -> None:
    """A body-weight covariate whose only source is a weight column without a unit (kept
    as a plain column, e.g. NONMEM ``WT``): a ``DataError`` asking for the unit."""
    from kinetor.data.aliases import ALIASES, normalise_name

    if "weight" in study.subjects.columns and not _missing(study.subjects["weight"]).all():
        return
    named = [x for x in extra if normalise_name(x) in ALIASES["weight"]]
    if named:
        raise DataError(
            Problem(
                f"covariate 'weight': column {named[0]!r} has no unit, so it is not read as "
                "body weight (allometric scaling needs kg)",
                file=study.files.get("conc", study.source),
                column=named[0],
                fix=f"give its unit: --weight-unit kg (units={{'weight': 'kg'}}), or write "
                f"'{named[0]} (kg)' in the header",
            )
        )


def subject_covariates(
    study, c: pd.DataFrame, subjects, names, problems: list[Problem]
) -> pd.DataFrame:
    """``DataFrame`` indexed by subject with one column per requested covariate (under the
    requested name); missing values and within-subject changes are added to ``problems``;
    an unknown column is a ``DataError`` at once."""
    subj = study.subjects.set_index("subject")
    extra = [x for x in c.columns if x not in _SAMPLE_COLUMNS]
    cov = pd.DataFrame(index=pd.Index(subjects, name="subject"))
    for name in names:
        col = _find(name, subj.columns)
        if col is not None and _missing(subj[col].reindex(subjects)).all():
            alt = _find(name, extra)  # an empty subjects column, the values in the samples
            col, table = (alt, "conc") if alt is not None else (col, "subjects")
        else:
            table = "subjects"
        if col is None:
            col, table = _find(name, extra), "conc"
        if name == "weight":  # a unitless weight column is refused wherever it is kept
            _unitless_weight(study, extra)
        if col is None:
            raise DataError(
                Problem(
                    f"no covariate column {name!r}",
                    file=study.files.get("subjects", study.source),
                    column=name,
                    fix=f"use one of {sorted({*subj.columns, *extra}, key=str)}",
                )
            )
        if table == "subjects":
            values = subj[col].reindex(subjects)
        else:
            values = _from_conc(study, c, name, col, problems).reindex(subjects)
        for s in values.index[_missing(values)]:
            problems.append(
                Problem(
                    f"subject {s} has no value for covariate {name!r}",
                    file=study.files.get(table, study.source),
                    column=col,
                    fix=f"give {col} for subject {s} (or drop the covariate)",
                )
            )
        cov[name] = values.to_numpy()
    return cov


def text_in_numbers(study, covariates) -> tuple[list[Problem], list[str]]:
    """Problems for text cells in a column of numbers, and notes for text columns taken
    as categorical, for the ``covariates`` (:class:`kinetor.popfit.model.Covariate`) whose
    kind follows the column (``auto``: ``cl~age``) or is ``power``. A column whose subjects
    mostly have numbers (or any with ``power``) and a few text (``'old'``) would make every
    value a level of its own: each text value is a problem naming its rows. A column of
    mostly text stays categorical, with a note."""
    subj = study.subjects
    c = study.conc
    extra = [x for x in c.columns if x not in _SAMPLE_COLUMNS]
    problems: list[Problem] = []
    notes: list[str] = []
    for cov in covariates:
        if cov.kind not in ("auto", "power"):
            continue
        col = _find(cov.name, subj.columns)
        if col is not None and not _missing(subj[col]).all():
            frame, table = subj[["subject", col]].assign(source_row=None), "subjects"
        else:
            col, table = _find(cov.name, extra), "conc"
            if col is None:
                continue  # subject_covariates names the missing column
            frame = c[["subject", col, "source_row"]]
        frame = frame[~_missing(frame[col])]
        text = pd.to_numeric(frame[col], errors="coerce").isna().to_numpy()
        first = ~frame["subject"].duplicated().to_numpy()
        n_text, n_num = int((text & first).sum()), int((~text & first).sum())
        if not n_text:
            continue
        if cov.kind == "auto" and n_text > n_num:
            notes.append(
                f"covariate {cov.name!r} (column {col}) is not numeric: modelled as "
                f"categorical, one factor per level ({cov.param}~{cov.name}:cat)"
            )
            continue
        for s, g in frame[text].groupby("subject", sort=False):
            rows = [int(r) for r in g["source_row"] if r is not None]
            listed = f" (rows {', '.join(map(str, rows[:5]))}{' ...' if len(rows) > 5 else ''})"
            problems.append(
                Problem(
                    f"subject {s}: covariate {cov.name!r} is {g[col].iloc[0]!r}, text in a "
                    f"column of numbers ({n_num} subject(s) have numbers)"
                    + (listed if rows else ""),
                    file=study.files.get(table, study.source),
                    row=rows[0] if rows else None,
                    column=col,
                    fix=f"write the number in the cell; if {cov.name} is categorical, say so: "
                    f"'{cov.param}~{cov.name}:cat' (--covariate {cov.param}~{cov.name}:cat)",
                )
            )
    return problems, notes
