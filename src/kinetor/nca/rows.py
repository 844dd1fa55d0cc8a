"""The concentration rows an NCA uses: BLQ rule applied, exclusions dropped, validated.

``usable_rows`` is the first step of :func:`kinetor.nca.nca`: one narrow table of the
samples that enter the analysis (strings as object arrays, one integer key per subject x
analyte x matrix), with every malformed row reported at once (negative or infinite concentrations,
missing times on used samples, two samples at one time of a profile).

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> conc = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2], "conc": [0.0, 4, 3],
...                      "blq": [True, False, False]})
>>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["po"]})
>>> st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
>>> usable_rows(st, Options())["conc"].tolist()   # PKNCA rule: BLQ before Tmax -> 0
[0.0, 4.0, 3.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._buffers import same_array
from kinetor.data._factorize import (
    factorize,
    first_rows,
    row_codes,
    rows_equal,
    strictly_increasing,
)
from kinetor.data.blq import apply_blq_rule
from kinetor.errors import DataError, Problem
from kinetor.nca.options import Options

__all__ = ["KEYS", "key_first_rows", "row_problems", "upper_is", "usable_rows"]


KEYS = ["subject", "analyte", "matrix"]


def row_problems(df: pd.DataFrame, mask, source: str, column: str, message, fix: str):
    mask = np.asarray(mask, bool)
    if not mask.any():
        return []
    rows = df.loc[mask]
    return [
        Problem(message(r), file=source, row=int(r.source_row), column=column, fix=fix)
        for r in rows.itertuples()
    ]


def upper_is(series: pd.Series, value: str) -> np.ndarray:
    """``series.str.upper() == value`` computed on the unique values only (fast)."""
    codes, found = factorize(series.to_numpy(object))
    uniques = [str(u) for u in found]
    return (
        np.array([u.upper() == value for u in uniques], bool)[codes]
        if len(uniques)
        else np.zeros(len(series), bool)
    )


def key_first_rows(kid: np.ndarray) -> np.ndarray | None:
    """The first row of each profile key ``kid`` (integer codes), in code order, when the
    codes are numbered in order of first appearance (``usable_rows`` numbers them so);
    None otherwise. A column of the key (analyte, matrix) is then read on these rows
    only, and spread back by ``kid``."""
    if kid.dtype.kind not in "iu" or not len(kid):
        return None
    first = first_rows(kid)
    return first if (kid[first] == np.arange(len(first))).all() else None


def _blq_rule(study, rule: str, time_col: str) -> pd.DataFrame:
    """``apply_blq_rule`` on ``study.conc``, with a shortcut when no sample is BLQ (the
    rule then only drops excluded and missing samples, which is what the shortcut does;
    the exclusion text is compared once per distinct reason, by the Study's codes)."""
    conc = study.conc
    if conc["blq"].to_numpy(bool).any():
        return apply_blq_rule(conc, rule, time_col=time_col)
    c = conc["conc"].to_numpy(float)
    usable = rows_equal(study._conc_codes("exclude"), "") & ~np.isnan(c)
    return conc.assign(conc_used=np.where(usable, c, np.nan))


def usable_rows(study, options: Options, keep_blq: bool = False) -> pd.DataFrame:
    """Concentration rows the analysis uses (BLQ rule applied, exclusions dropped),
    joined with the subject table; raises ``DataError`` listing every malformed row.

    ``keep_blq``: the BLQ samples the whole-timeline rule dropped come along too (conc
    NaN, column ``_blq_drop`` True; the column only exists when there are such rows), for
    the rule applied again within each interval (:mod:`kinetor.nca._blq_intervals`).

    Where every row is used, the columns are read-only views of the Study's (no copy):
    ``.copy()`` the table before writing into it."""
    time_col = "time" if options.time == "actual" else "nominal_time"
    conc = study.conc
    problems = row_problems(
        conc,
        conc["conc"].to_numpy(float) < 0,
        study.source,
        "conc",
        lambda r: f"negative concentration {r.conc}",
        "concentrations must be >= 0 (write BLQ samples as BLQ)",
    )
    problems += row_problems(
        conc,
        np.isinf(conc["conc"].to_numpy(float)),
        study.source,
        "conc",
        lambda r: f"concentration {r.conc} is not a finite number",
        "give the measured value (a sample without one: NaN, or exclude the row)",
    )
    # time may be missing only on rows that are excluded anyway
    used = _blq_rule(study, options.blq_rule, time_col)
    problems += _no_lloq(used, options.blq_rule, study.source)
    ok = used["conc_used"].notna().to_numpy()
    no_time = ok & used[time_col].isna().to_numpy()
    problems += row_problems(
        used,
        no_time,
        study.source,
        time_col,
        lambda r: "no time on a sample used by the analysis",
        "fill the time, exclude the sample, or use the other time "
        + (
            "(--time nominal, time='nominal')"
            if time_col == "time"
            else "(--time actual, time='actual')"
        ),
    )
    extra = np.zeros(len(used), bool)
    if keep_blq and conc["blq"].to_numpy(bool).any():
        user_ok = rows_equal(study._conc_codes("exclude"), "")
        extra = used["blq"].to_numpy(bool) & user_ok & ~ok & used[time_col].notna().to_numpy()
    # one narrow copy: the columns NCA reads (strings as object arrays, fast to take)
    rows_used = np.nonzero((ok & ~no_time) | extra)[0]
    # every row is used (the usual case): nothing to take
    sel: np.ndarray | slice = slice(None) if len(rows_used) == len(used) else rows_used
    in_conc = [g for g in study.groups if g in used.columns and g not in KEYS]
    keep = [
        c
        for c in (
            *KEYS,
            *in_conc,
            "nominal_time",
            "blq",
            "lloq",
            "source_row",
            "end_time",
            "volume",
            "duration",
        )
        if c in used.columns
    ]
    text = {*KEYS, *in_conc}

    def column(values: np.ndarray) -> np.ndarray:
        values = values[sel]
        if isinstance(sel, slice):  # a view of the Study's column: read-only here
            values = values.view()
            values.flags.writeable = False
        return values

    # object Series: no scan to infer a str dtype; the columns are not copied (taken rows
    # are new arrays; every row used: read-only views, so nothing writes through them)
    data = {
        c: pd.Series(column(used[c].to_numpy(object)), dtype=object, copy=False)
        if c in text
        else column(used[c].to_numpy())
        for c in keep
    }
    data["time"] = column(used[time_col].to_numpy(float))
    data["conc"] = column(used["conc_used"].to_numpy(float))
    rows = pd.DataFrame(data, copy=False)
    # the subject codes serve the key codes and the subject-table lookup below; every
    # row used and the key columns the Study's own (the usual case): the Study's codes
    if isinstance(sel, slice) and _same_keys(used, study.conc):
        s_codes, s_ids = study._subject_codes()
        kid = study._key_codes()
    else:
        s_codes, s_ids = factorize(rows["subject"].to_numpy(object))
        kid = row_codes([s_codes, *(rows[c].to_numpy(object) for c in KEYS[1:])])
    rows["_kid"] = kid
    dup = _duplicated(kid, rows["time"].to_numpy())
    if extra.any():  # a dropped BLQ sample at the time of another sample stays out
        rows["_blq_drop"] = extra[rows_used]
        stay = ~(dup & rows["_blq_drop"].to_numpy())
        rows, s_codes = rows[stay], s_codes[stay]
        kid, base = rows["_kid"].to_numpy(), ~rows["_blq_drop"].to_numpy()
        dup = np.zeros(len(rows), bool)
        dup[base] = _duplicated(kid[base], rows["time"].to_numpy()[base])
    if not options.sparse:
        problems += row_problems(
            rows,
            dup,
            study.source,
            time_col,
            lambda r: f"two samples at time {r.time:g} in one profile (subject {r.subject})",
            "keep one sample per time (exclude the other with a reason) "
            "or analyse as a sparse design",
        )
    if problems:
        raise DataError(problems)
    groups = [g for g in study.groups if g in study.subjects.columns and g not in rows.columns]
    if (
        groups
        and (s_codes >= 0).all()
        and pd.Index(s_ids).equals(pd.Index(study.subjects["subject"].to_numpy(object)))
    ):  # the subject table lists the ids as the rows meet them (the Study builds it so)
        for g in groups:
            rows[g] = study.subjects[g].to_numpy(object)[s_codes]
    elif groups:
        subj = study.subjects.drop_duplicates("subject")
        index = pd.Index(subj["subject"].to_numpy(object))
        if (s_codes >= 0).all():  # looked up once per subject, spread by the codes
            at = np.append(index.get_indexer(s_ids), -1)[s_codes]
        else:  # a missing subject id: looked up as it is
            at = index.get_indexer(rows["subject"].to_numpy(object))
        for g in groups:
            values = subj[g].to_numpy(object)
            rows[g] = np.where(at >= 0, values[np.maximum(at, 0)], None)
    return rows


def _no_lloq(used: pd.DataFrame, rule, source: str) -> list:
    """A rule that uses LLOQ/2 drops a BLQ sample without an LLOQ: an error naming the
    rows, never a silently shorter profile."""
    if rule not in ("half-lloq", "half-lloq-first-zero"):
        return []
    lost = (
        used["blq"].to_numpy(bool)
        & np.isnan(used["lloq"].to_numpy(float))
        & used["conc_used"].isna().to_numpy()
        & used["exclude"].astype(str).str.contains(f"rule '{rule}'", regex=False).to_numpy()
    )
    return row_problems(
        used,
        lost,
        source,
        "conc",
        lambda r: f"BLQ sample without an LLOQ: rule '{rule}' needs the LLOQ (LLOQ/2)",
        "give an LLOQ (an lloq column, '<x' entries or --lloq VALUE) or choose another "
        "--blq-rule (blq_rule=)",
    )


def _same_keys(used: pd.DataFrame, conc: pd.DataFrame) -> bool:
    """True when ``used`` holds the very key columns of ``conc`` (same buffers, rows in
    the same order): the Study's key codes are then the codes of ``used``'s rows."""
    return len(used) == len(conc) and all(same_array(used[c], conc[c]) for c in KEYS)


def _duplicated(key: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Rows whose (key, time) pair occurs more than once (all of them flagged)."""
    if strictly_increasing(key, time):  # the usual layout: nothing to sort
        return np.zeros(len(key), bool)
    o = np.lexsort((time, key))
    same = (key[o][1:] == key[o][:-1]) & (time[o][1:] == time[o][:-1])
    flag = np.zeros(len(key), bool)
    flag[o[1:][same]] = True
    flag[o[:-1][same]] = True
    return flag
