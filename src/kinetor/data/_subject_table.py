"""The subject table of a reader: one row per subject from row-level subject columns.

A subject with two different non-empty values of a strict column (species, sex, group)
is a problem naming the rows of each value; other columns (covariates) take their first
non-empty value, with a note. Used by the generic, CDISC and ADNCA readers through
``kinetor.data._build``.

>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"subject": ["1", "1", "2"], "sex": ["M", "F", "F"]})
>>> out, problems, notes = subject_table(df, np.array([2, 3, 4]), "x.csv", {"sex": "Sex"})
>>> out.to_dict("records"), problems[0].row, problems[0].column
([{'subject': '1', 'sex': 'M'}, {'subject': '2', 'sex': 'F'}], 2, 'Sex')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._factorize import factorize
from kinetor.errors import Problem

__all__ = ["subject_table"]


def subject_table(
    df: pd.DataFrame,
    rows: np.ndarray,
    file: str,
    columns: dict[str, str],
    strict=("species", "sex", "group"),
    codes=None,
):
    """One row per subject from row-level subject columns.

    ``columns`` maps canonical name -> column as written in the file (for messages).
    A subject with two different non-empty values of a ``strict`` column is a problem
    naming the rows of each value; other columns take their first non-empty value.
    ``codes``: ``factorize`` of ``df["subject"]`` when the caller already has it.
    Returns ``(subjects, problems, notes)``.
    """
    problems: list[Problem] = []
    notes: list[str] = []
    d = df.copy(deep=False)  # copy-on-write: the caller's frame is never written
    subj = d["subject"].to_numpy(object)
    # one hash per run of rows of one subject
    codes, ids = factorize(subj) if codes is None else codes
    ids = np.asarray(ids, dtype=object)
    named = np.append(  # [-1]: missing; str ids compared in one pass
        ids != "" if pd.api.types.infer_dtype(ids) == "string" else [str(u) != "" for u in ids],
        False,
    ).astype(bool)
    cols = [c for c in d.columns if c not in ("subject", "_row")]
    if cols:  # the rows of named subjects carry the covariates
        d["_row"] = rows
        d = d[named[codes]]
    out = pd.DataFrame(
        {"subject": pd.unique(ids[named[:-1]]) if len(ids) else pd.unique(d["subject"].iloc[:0])}
    )
    for c in cols:
        s = d[c]
        empty = s.isna() | (s.astype(str).str.strip() == "")
        sub = d.loc[~empty, ["subject", c, "_row"]]
        nun = sub.groupby("subject")[c].nunique()
        conflicted = nun[nun > 1].index
        if c in strict:
            for subj in conflicted:
                part = sub[sub["subject"] == subj]
                desc = "; ".join(
                    f"{v!r} on row(s) {', '.join(str(r) for r in g['_row'].tolist()[:5])}"
                    for v, g in part.groupby(c, sort=False)
                )
                problems.append(
                    Problem(
                        f"subject {subj!r} has conflicting {c}: {desc}",
                        file=file,
                        row=int(part["_row"].iloc[0]),
                        column=columns.get(c, c),
                        fix=f"give each subject one {c}",
                    )
                )
        elif len(conflicted):
            seen = []
            for subj in conflicted[:3]:
                part = sub[sub["subject"] == subj]
                vals = ", ".join(
                    f"{v} (row {int(g['_row'].iloc[0])})" for v, g in part.groupby(c, sort=False)
                )
                seen.append(f"{subj!r}: {vals}")
            more = " ..." if len(conflicted) > 3 else ""
            notes.append(
                f"{c}: {len(conflicted)} subject(s) have several values; the first "
                f"is used ({file}, column {columns.get(c, c)}; {'; '.join(seen)}{more})"
            )
        first = sub.drop_duplicates("subject").set_index("subject")[c]
        out[c] = out["subject"].map(first)
    return out, problems, notes
