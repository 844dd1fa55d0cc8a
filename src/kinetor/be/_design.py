"""Checks of the design columns of a bioequivalence table (``kinetor.be.be``).

Each check raises a ``DataError`` naming the file, the row (as a spreadsheet counts it, see
:func:`kinetor.be._table.read_table`) and the column, so that no row is silently moved to
another subject, period or sequence:

* one row per subject and period (:func:`check_unique_periods`);
* one row per subject in a parallel design (:func:`check_parallel`);
* the sequence label of each subject agrees with the treatments it received in period order
  (:func:`check_sequences`). A label written with the test/reference labels (``TR``,
  ``RTRT``, ``T-R``) must spell them; a label in another alphabet (``A``/``B``, ``1``/``2``)
  must stand for one treatment order, and one order for one label, across subjects.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["check_parallel", "check_sequences", "check_unique_periods"]

_SEPARATORS = re.compile(r"[\s\-/_,;|]+")


def _first_rows(key: pd.Series) -> pd.Series:
    """Per row, the position of the first row with the same ``key``."""
    return (
        pd.Series(np.arange(len(key)), index=key.index).groupby(key.to_numpy()).transform("first")
    )


def check_unique_periods(df: pd.DataFrame, source: str, file_rows: np.ndarray) -> None:
    """One row per subject and period: a repeated pair is a ``DataError`` naming both rows."""
    if "period" not in df.columns:
        return
    key = pd.MultiIndex.from_arrays([df["subject"].astype(str), df["period"].astype(str)])
    first = pd.Series(np.arange(len(df)), index=key).groupby(level=[0, 1]).transform("first")
    dup = np.flatnonzero(key.duplicated(keep="first"))
    if dup.size:
        raise DataError(
            [
                Problem(
                    f"subject {key[i][0]} has period {key[i][1]} twice (rows "
                    f"{file_rows[first.iloc[i]]} and {file_rows[i]})",
                    file=source,
                    row=int(file_rows[i]),
                    column="period",
                    fix="one row per subject and period: remove the repeated row or "
                    "correct its period",
                )
                for i in dup
            ]
        )


def check_parallel(df: pd.DataFrame, source: str, file_rows: np.ndarray, detected: bool) -> None:
    """A parallel design has one row per subject: a repeated subject is a ``DataError``
    (``detected``: the design was inferred from a table without a period column)."""
    subj = df["subject"].astype(str)
    first = _first_rows(subj)
    fix = (
        "add a 'period' column (and a 'sequence' column) for a crossover or replicate "
        "design, or give each subject of a parallel study its own id"
        if detected
        else "give each subject its own id, or analyse the crossover with design='auto' "
        "and a 'period' column"
    )
    problems = [
        Problem(
            f"subject {subj.iloc[i]} has a second row (first in row {file_rows[first.iloc[i]]}):"
            " a parallel design has one row per subject",
            file=source,
            row=int(file_rows[i]),
            column="subject",
            fix=fix,
        )
        for i in np.flatnonzero(subj.duplicated().to_numpy())
    ]
    if problems:
        raise DataError(problems)


def _letters(label: str) -> list[str]:
    """``"TRTR"`` -> T, R, T, R; ``"T-R"`` or ``"Test/Ref"`` -> split at the separators."""
    parts = [p for p in _SEPARATORS.split(label) if p]
    return parts if len(parts) > 1 else list(label)


def _spells(label: str, test: str, reference: str) -> bool:
    """Whether ``label`` is written with the treatment labels (two periods at least: a
    sequence ``1`` with treatments coded 1 and 2 is a name, not a spelling)."""
    letters = _letters(label)
    return len(letters) > 1 and set(letters) <= {test, reference}


def _spelled(d: dict, test: str, reference: str) -> list[tuple[int | None, str, str]]:
    """(row position, message, column) where a label written with ``test``/``reference``
    disagrees with the table."""
    seq, trt, period, head = d["seq"], d["trt"], d["period"], d["head"]
    letters = {lab: _letters(lab) for lab in seq.unique()}
    spelled = {lab: _spells(lab, test, reference) for lab in letters}
    lengths = pd.Series([len(letters[lab]) for lab in seq[head]])
    n_per = int(lengths[[spelled[lab] for lab in seq[head]]].mode().iloc[0])
    out = [
        (
            i,
            f"sequence {seq.iloc[i]!r} does not spell {n_per} periods of "
            f"{test!r}/{reference!r}, as the other sequences do",
            "sequence",
        )
        for i in np.flatnonzero(head)
        if not spelled[seq.iloc[i]] or len(letters[seq.iloc[i]]) != n_per
    ]
    # the study's periods: the n_per most frequent ones, in order
    counts = period.value_counts(sort=True)
    kept = sorted(counts.index[:n_per], key=lambda v: (isinstance(v, str), v))
    out += [
        (
            i,
            f"period {period.iloc[i]} is not one of the {n_per} periods the sequences "
            f"list ({', '.join(map(str, kept))})",
            "period",
        )
        for i in np.flatnonzero(~period.isin(kept).to_numpy())
    ]
    if out or counts.size < n_per:
        return out or [
            (
                None,
                f"the sequences list {n_per} periods, the table has "
                f"{counts.size} ({', '.join(map(str, kept))})",
                "period",
            )
        ]
    pos = period.map({p: k for k, p in enumerate(kept)}).to_numpy()
    want = np.array([letters[lab][k] for lab, k in zip(seq, pos, strict=True)])
    return [
        (
            i,
            f"subject {d['subj'].iloc[i]} received {trt.iloc[i]} in period "
            f"{period.iloc[i]}, but its sequence {seq.iloc[i]!r} gives {want[i]} there",
            "sequence",
        )
        for i in np.flatnonzero(want != trt.to_numpy())
    ]


def _consistent(d: dict) -> list[tuple[int, str, str]]:
    """(row position, message, column) where labels in another alphabet do not stand for
    one treatment order each (the most common order of a label is taken as its own)."""
    seq, trt, period, subj = d["seq"], d["trt"], d["period"], d["subj"]
    periods = sorted(pd.unique(period), key=lambda v: (isinstance(v, str), v))
    key = pd.Series(list(zip(seq, period.map(periods.index), strict=True)), index=seq.index)
    usual = trt.groupby(key.to_numpy()).agg(lambda v: v.value_counts().index[0])
    expected = key.map(usual)
    out = [
        (
            i,
            f"subject {subj.iloc[i]} received {trt.iloc[i]} in period {period.iloc[i]}, but "
            f"most subjects of sequence {seq.iloc[i]!r} received {expected.iloc[i]} there",
            "sequence",
        )
        for i in np.flatnonzero((trt != expected).to_numpy())
    ]
    if out:
        return out
    # one label per treatment order, among the subjects with every period
    srt = np.lexsort((period.map(periods.index).to_numpy(), subj.to_numpy()))
    per_subject = trt.iloc[srt].groupby(subj.iloc[srt].to_numpy())
    orders = per_subject.agg("/".join)[per_subject.size() == len(periods)]
    label = seq.groupby(subj.to_numpy()).first()[orders.index]
    usual_label = label.groupby(orders).agg(lambda v: v.value_counts().index[0])
    odd = set(label.index[label != orders.map(usual_label)])
    return [
        (
            i,
            f"subject {subj.iloc[i]} received {orders[subj.iloc[i]]} (in period order), "
            f"as sequence {usual_label[orders[subj.iloc[i]]]!r}, but is labelled "
            f"{seq.iloc[i]!r}",
            "sequence",
        )
        for i in np.flatnonzero(d["head"])
        if subj.iloc[i] in odd
    ]


def check_sequences(
    df: pd.DataFrame, test: str, reference: str, source: str, file_rows: np.ndarray
) -> None:
    """The sequence of each subject agrees with its treatments in period order (module
    docstring); ``df`` has no empty design cells."""
    subj = df["subject"].astype(str)
    first = _first_rows(subj).to_numpy()
    d = {
        "seq": df["sequence"].astype(str).str.strip(),
        "trt": df["treatment"].astype(str),
        "period": df["period"],
        "subj": subj,
        "head": first == np.arange(len(df)),  # each subject's first row
    }
    own = d["seq"].to_numpy()[first]
    found = [
        (
            i,
            f"subject {subj.iloc[i]} has sequence {d['seq'].iloc[i]!r} here but {own[i]!r} "
            f"in row {file_rows[first[i]]}",
            "sequence",
        )
        for i in np.flatnonzero(d["seq"].to_numpy() != own)
    ]
    if not found:
        spelled = any(_spells(lab, test, reference) for lab in d["seq"].unique())
        found = _spelled(d, test, reference) if spelled else _consistent(d)
    if found:
        fix = (
            f"a sequence lists the treatments in period order (e.g. {test}{reference} or "
            "A/B for one order each): correct the sequence label, the treatment or the period"
        )
        raise DataError(
            [
                Problem(
                    text,
                    file=source,
                    row=None if i is None else int(file_rows[i]),
                    column=col,
                    fix=fix,
                )
                for i, text, col in found
            ]
        )
