"""Identifiers the writers (and the NCA PP domain) derive from a study: its STUDYID and
CDISC test codes (``PCTESTCD``) for its analytes."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["pc_test_codes", "study_ids"]

_STUDY_COLS = ("study", "studyid")


def study_ids(study: Any) -> str | dict[str, str]:
    """The STUDYID of a study's records, from a ``Study``/``STUDYID`` column (any case,
    spaces or underscores: ``Study``, ``study_id``, ``STUDYID``) of its samples or subjects.

    One value in the whole study: that text. Several: a ``{subject: study}`` mapping (each
    subject belongs to one study). No such column, or no value: ``""``. A subject with two
    different study ids is refused (``DataError``): its records could belong to either.
    """
    frames = []
    for table in (study.conc, study.subjects):
        cols = [c for c in table.columns if re.sub(r"[\s_]", "", str(c)).lower() in _STUDY_COLS]
        if cols and "subject" in table.columns:
            row = table["source_row"] if "source_row" in table.columns else np.nan
            frame = pd.DataFrame(
                {"subject": table["subject"].astype(str), "study": table[cols[0]].astype(str)}
            )
            frames.append(frame.assign(row=row, column=str(cols[0])))
    if not frames:
        return ""
    both = pd.concat(frames, ignore_index=True)
    both["study"] = both["study"].str.strip()
    both = both[~both["study"].isin(["", "nan", "<NA>", "None"])]
    both = both.drop_duplicates(["subject", "study"])
    if both["study"].nunique() <= 1:
        return str(both["study"].iloc[0]) if len(both) else ""
    twice = both[both.duplicated("subject", keep=False)]
    if len(twice):
        subject = str(twice["subject"].iloc[0])
        found = twice[twice["subject"] == subject]
        second = found.iloc[1]  # the first row that names a second study for the subject
        raise DataError(
            [
                Problem(
                    f"subject {subject!r} has several study ids "
                    f"{sorted(found['study'])}; the PP domain's STUDYID would be a guess",
                    file=str(getattr(study, "source", "") or ""),
                    row=int(second["row"]) if pd.notna(second["row"]) else None,
                    column=str(second["column"]),
                    fix="give each study's subjects their own ids (e.g. STUDY-SUBJECT), or "
                    "analyse each study separately",
                )
            ]
        )
    return dict(zip(both["subject"], both["study"], strict=True))


def pc_test_codes(names) -> dict[str, str]:
    """``{analyte: PCTESTCD}``: a CDISC ``--TESTCD`` for each analyte name (at most 8
    characters, letters, digits or ``_``, not starting with a digit), upper case, unique.

    >>> pc_test_codes(["vistusertib", "CMT 1", "1-OH", "ANALYTE", "vistusertib-M1"])
    {'ANALYTE': 'ANALYTE', 'vistusertib': 'VISTUSER', 'CMT 1': 'CMT_1', '1-OH': '_1_OH', 'vistusertib-M1': 'VISTUSE2'}
    """
    out: dict[str, str] = {}
    valid = re.compile(r"[A-Z_][A-Z0-9_]{0,7}")
    order = sorted(dict.fromkeys(map(str, names)), key=lambda n: valid.fullmatch(n) is None)
    for name in order:  # names that are codes already keep them
        code = re.sub(r"[^A-Z0-9_]", "_", name.strip().upper()) or "ANALYTE"
        code = ("_" + code if code[0].isdigit() else code)[:8]
        base, k = code, 1
        while code in out.values():
            k += 1
            code = base[: 8 - len(str(k))] + str(k)
        out[name] = code
    return out
