"""Published clinical-development tables as data, with query helpers.

``data/clinical_trials.csv`` holds one row per trial or development line read from the
sources (Wander et al. 2011 J Clin Invest 121:1231, PMC3069769, Tables 1-3 and text; a
Smolecule technical note's inhibitor table; Schmid 2019 for MANTA): ``source_table, agent, agent_as_written, cancer_type, phase, line, setting,
partners, description, nct_id, start_date, planned_accrual, source, status, note``.
``agent`` is the library name of the compound; ``partners`` lists combination partners
separated by ``;``.

Examples
--------
>>> import kinetor as kt
>>> t = kt.compounds.trials(agent="RAD001", cancer="breast")
>>> sorted(set(t["agent"]))
['everolimus']
>>> list(kt.compounds.trials(agent="BEZ235")["nct_id"])[:2]
['NCT00620594', 'NCT01195376']
>>> len(kt.compounds.trials(partner="octreotide"))
2
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from kinetor.compounds import _vocab as V
from kinetor.errors import DataError, Problem

__all__ = ["TRIALS_FILE", "load_trials", "trials"]

TRIALS_FILE = Path(__file__).parent / "data" / "clinical_trials.csv"
_COLUMNS = [
    "source_table",
    "agent",
    "agent_as_written",
    "cancer_type",
    "phase",
    "line",
    "setting",
    "partners",
    "description",
    "nct_id",
    "start_date",
    "planned_accrual",
    "source",
    "status",
    "note",
]


def _records(path: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data records with the file line each starts on (a quoted cell
    may run over lines); a row with more or fewer cells than the header is a DataError."""
    import csv
    import io

    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(
            Problem("not UTF-8 text", file=name, fix="save the table as CSV in UTF-8")
        ) from None
    except OSError as exc:
        raise DataError(
            Problem(
                f"cannot read {path}: {exc.strerror or exc}",
                file=name,
                fix="give the path of a clinical table (CSV) file",
            )
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    records, prev = [], 0
    for cells in reader:
        if any(c.strip() for c in cells):
            records.append((prev + 1, [c.strip() for c in cells]))
        prev = reader.line_num
    if not records:
        raise DataError(
            Problem("the file is empty", file=name, fix=f"write the header {','.join(_COLUMNS)}")
        )
    (_, header), body = records[0], records[1:]
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise DataError(
            Problem(
                f"missing columns {missing}",
                file=name,
                row=records[0][0],
                fix=f"the header names the columns {','.join(_COLUMNS)}",
            )
        )
    problems = [
        Problem(
            f"{len(cells)} cells but the header has {len(header)} columns",
            file=name,
            row=line,
            fix="one cell per column: quote a cell that holds a comma, remove extra cells, "
            "or add the missing ones (an empty cell still takes its comma)",
        )
        for line, cells in body
        if len(cells) != len(header)
    ]
    if problems:
        raise DataError(problems)
    return header, body


@lru_cache(maxsize=2)
def _load(path: str):
    import math

    import pandas as pd

    header, body = _records(path)
    df = pd.DataFrame([cells for _, cells in body], columns=header, dtype=object)
    lines = [line for line, _ in body]  # the file line each row starts on (header: 1)
    problems = []
    from kinetor.compounds.library import load_library

    lib = load_library()
    accrual = []
    for i, row in df.iterrows():
        where: dict[str, Any] = {"file": Path(path).name, "row": lines[int(i)]}
        if row["status"] not in V.STATUSES:
            problems.append(
                Problem(
                    f"status {row['status']!r} invalid",
                    column="status",
                    fix=f"use one of {V.STATUSES}",
                    **where,
                )
            )
        if not row["source"].strip():
            problems.append(
                Problem("no source", column="source", fix="cite the source of the row", **where)
            )
        try:
            lib.get(row["agent"])
        except KeyError:
            problems.append(
                Problem(
                    f"agent {row['agent']!r} is not in the compound library",
                    column="agent",
                    fix="write the library name or a synonym of the compound",
                    **where,
                )
            )
        n = pd.to_numeric(row["planned_accrual"] or None, errors="coerce")
        if row["planned_accrual"] and not (math.isfinite(n) and n >= 0):
            problems.append(
                Problem(
                    f"planned_accrual {row['planned_accrual']!r} is not a number of patients",
                    column="planned_accrual",
                    fix="write the planned number of patients (e.g. 120), or leave it empty",
                    **where,
                )
            )
        accrual.append(n)
    if problems:
        raise DataError(problems)
    df["planned_accrual"] = pd.to_numeric(pd.Series(accrual, dtype=float))
    return df


def _phase_token(phase: str) -> str:
    """The leading phase token of a phase text: ``'III (failed)'`` -> ``'III'``,
    ``'I/II'`` -> ``'I/II'``, ``''`` -> ``''``."""
    return re.split(r"[\s(]", str(phase).strip(), maxsplit=1)[0]


def load_trials(path: str | Path | None = None):
    """The whole clinical table (validated: status vocabulary, sources, agent names)."""
    return _load(str(Path(path or TRIALS_FILE).resolve())).copy()


def trials(
    agent: str | None = None,
    cancer: str | None = None,
    phase: str | None = None,
    partner: str | None = None,
):
    """Rows of the clinical table matching every filter given.

    ``agent`` is any name or synonym of a library compound; ``cancer`` and ``partner`` are
    case-insensitive substrings of ``cancer_type`` and ``partners``. ``phase`` matches,
    ignoring case, the whole phase text or its leading phase token (the text before the
    first space or parenthesis): ``'iii'`` gives the ``III`` and ``III (failed)`` rows,
    ``'III (failed)'`` only the latter; ``'I'`` does not give ``I/II`` nor ``'II'`` ``IIB``.
    """
    df = load_trials()
    if agent is not None:
        from kinetor.compounds.library import get

        df = df[df["agent"] == get(agent).name]
    if cancer is not None:
        df = df[df["cancer_type"].str.contains(cancer, case=False, regex=False)]
    if phase is not None:
        want = phase.strip().lower()
        text = df["phase"].str.strip().str.lower()
        df = df[(text == want) | (text.map(_phase_token) == want)]
    if partner is not None:
        df = df[df["partners"].str.contains(partner, case=False, regex=False)]
    return df.reset_index(drop=True)
