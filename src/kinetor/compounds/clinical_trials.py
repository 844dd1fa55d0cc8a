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

from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=2)
def _load(path: str):
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = []
    missing = [c for c in _COLUMNS if c not in df.columns]
    if missing:
        raise DataError([Problem(f"missing columns {missing}", file=Path(path).name)])
    from kinetor.compounds.library import load_library

    lib = load_library()
    for i, row in df.iterrows():
        where = {"file": Path(path).name, "row": int(i) + 2}
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
            problems.append(Problem("no source", column="source", **where))
        try:
            lib.get(row["agent"])
        except KeyError:
            problems.append(
                Problem(
                    f"agent {row['agent']!r} is not in the compound library",
                    column="agent",
                    **where,
                )
            )
    if problems:
        raise DataError(problems)
    df["planned_accrual"] = pd.to_numeric(df["planned_accrual"].replace("", None))
    return df


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
    case-insensitive substrings of ``cancer_type`` and ``partners``; ``phase`` is exact
    (``'III'``, ``'I/II'``, ``'approved'``...).
    """
    df = load_trials()
    if agent is not None:
        from kinetor.compounds.library import get

        df = df[df["agent"] == get(agent).name]
    if cancer is not None:
        df = df[df["cancer_type"].str.contains(cancer, case=False, regex=False)]
    if phase is not None:
        df = df[df["phase"] == phase]
    if partner is not None:
        df = df[df["partners"].str.contains(partner, case=False, regex=False)]
    return df.reset_index(drop=True)
