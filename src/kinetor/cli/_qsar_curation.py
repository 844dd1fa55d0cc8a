"""Curation step of ``kinetor qsar train`` and ``cv``: read the table, find its relation
column, curate it, and say in a few lines what curation changed.

Without ``--relation-col`` a column named ``relation``, ``standard_relation`` or
``Standard Relation`` (any case) is used, and a line says so; two of them are a
:class:`~kinetor.errors.DataError`, as is a ``--relation-col`` the table does not have.
For a p-scale potency column (``pIC50``) beside a concentration column (a unit column not
read for it) such a column is not read, and a line says so: whether its ``>`` bounds the
concentration or the pIC50 is not guessed (named with ``--relation-col``, it is a
DataError, as in :func:`kinetor.qsar.curation.check_p_relation`).
The unit column is found the same way (``unit``, ``units``, ``standard_units`` or
``Standard Units``; ``--unit-col``), and so is the SMILES column (two are an error).
"""

from __future__ import annotations

from pathlib import Path

import typer

from kinetor.cli import _common


def checked(check, value, option: str):
    """``check(value)``; its ModelError as a usage error of ``option`` (before any work)."""
    from kinetor.errors import ModelError

    try:
        return check(value)
    except ModelError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def relation_column(columns, given: str | None, file: str) -> str | None:
    """The relation column: ``given`` (which must exist), else the one column whose name is a
    relation alias (:data:`kinetor.qsar.io.RELATION_COLUMNS`), else None (every value ``=``)."""
    from kinetor.errors import DataError, Problem
    from kinetor.qsar.io import RELATION_COLUMNS

    names = [str(c) for c in columns]
    if given is not None:
        if given not in names:
            raise _no_column(given, "--relation-col", names, file)
        return given
    found = [c for c in names if c.strip().lower() in RELATION_COLUMNS]
    if len(found) > 1:
        raise DataError(
            Problem(
                f"{len(found)} relation columns ({', '.join(map(repr, found))}): which one "
                "goes with the potency column is not guessed",
                file=file,
                row=1,
                column=found[0],
                fix="name the one that belongs to --value-col with --relation-col "
                "(ChEMBL: standard_relation with standard_value)",
            )
        )
    return found[0] if found else None


def _concentration_units(columns, value_col: str, ucol: str | None) -> list[str]:
    """The unit columns (by name) not read for a p-scale ``value_col``: they belong to a
    concentration column beside it (``IC50``, ``units``), and so may a relation column."""
    from kinetor.qsar._units import p_scale_name, unit_columns

    if not p_scale_name(value_col):
        return []
    return [c for c in unit_columns(columns) if c != ucol]


def _no_column(given: str, option: str, names: list[str], file: str):
    from kinetor.errors import DataError, Problem

    return DataError(
        Problem(
            f"no column {given!r} ({option}; have: {', '.join(names)})",
            file=file,
            row=1,
            column=given,
            fix=f"name a column of the header, or leave out {option}",
        )
    )


def unit_column(columns, given: str | None, value_col: str, unit: str | None, file: str):
    """The unit column and a line saying which (None: ``--unit`` for every value).

    ``given`` must exist; else the one column named as in
    :data:`kinetor.qsar._units.UNIT_COLUMNS` (two are a DataError). A potency column named
    as a p-scale quantity (``pIC50``) with ``--unit p`` does not take it: that unit column
    belongs to a concentration column beside it (``IC50``, ``units`` in a TeachOpenCADD
    export).
    """
    from kinetor.errors import DataError, Problem
    from kinetor.qsar._units import p_scale_name, unit_columns, unit_key

    names = [str(c) for c in columns]
    if given is not None:
        if given not in names:
            raise _no_column(given, "--unit-col", names, file)
        return given, None
    found = unit_columns(names)
    if len(found) > 1:
        raise DataError(
            Problem(
                f"{len(found)} unit columns ({', '.join(map(repr, found))}): which one goes "
                "with the potency column is not guessed",
                file=file,
                row=1,
                column=found[0],
                fix="name the one that belongs to --value-col with --unit-col "
                "(ChEMBL: standard_units with standard_value)",
            )
        )
    if not found:
        return None, None
    if p_scale_name(value_col) and unit is not None and unit_key(unit) == "p":
        return None, (
            f"{file}: {value_col!r} is on the p scale (--unit p); the unit column "
            f"{found[0]!r} is not read for it"
        )
    return found[0], f"{file}: unit column {found[0]!r} used (another one: --unit-col)"


def check_spread(use, file: str, column: str) -> None:
    """Potencies that are all equal teach a model nothing (and give intervals of no
    width): a DataError before any fitting."""
    import numpy as np

    from kinetor.errors import DataError, Problem

    y = use["p_value"].to_numpy(dtype=float)
    if len(y) > 1 and np.ptp(y) <= 1e-9:
        raise DataError(
            Problem(
                f"all {len(y)} potencies are equal (pX {y[0]:.3f} after curation): a model "
                "cannot learn from them, and its intervals would have no width",
                file=file,
                column=column,
                fix="check --value-col and the unit (a column of one repeated value?); a "
                "model needs compounds of different potency",
            )
        )


def curated(
    data: Path, smiles_col, value_col, unit, unit_col, relation_col, id_col, tautomer: bool
):
    """:func:`kinetor.qsar.curate` of the table ``data`` with the command's options."""
    from kinetor.qsar._units import check_default_unit
    from kinetor.qsar.curation import curate
    from kinetor.qsar.io import read_activity_table, smiles_column

    checked(check_default_unit, unit, "--unit")
    frame = read_activity_table(data)
    repeated = frame.attrs.get("duplicate_columns", {})
    scol = smiles_column(frame.columns, smiles_col, data.name, repeated) or "smiles"
    rcol = relation_column(frame.columns, relation_col, data.name)
    ucol, line = unit_column(frame.columns, unit_col, value_col, unit, data.name)
    if line:
        _common.info(line)
    beside = _concentration_units(frame.columns, value_col, ucol)
    if relation_col is None and rcol is not None and beside:
        # the relation sits beside a concentration column: whether its '>' bounds IC50
        # (pIC50 <) or the pIC50 is not guessed (kinetor.qsar.curation.check_p_relation)
        _common.info(
            f"{data.name}: relation column {rcol!r} not read: {value_col!r} is on the p "
            f"scale and the table also has a concentration column (unit column "
            f"{beside[0]!r}), whose bound it may be; every value counts as '=' (the bounds: "
            "train on the concentration column, e.g. --value-col IC50)"
        )
        rcol = None
    elif relation_col is None:
        _common.info(
            f"{data.name}: relation column {rcol!r} used (=, <, > per value; another one: "
            "--relation-col)"
            if rcol is not None
            else f"{data.name}: no relation column (relation, standard_relation or "
            "Standard Relation): every value counts as '='"
        )
    return curate(
        frame,
        smiles=scol,
        value=value_col,
        unit=ucol,
        relation=rcol,
        id_col=id_col,
        default_unit=unit,
        tautomer=tautomer,
        file=data.name,
    )


def curation_lines(cur, report_path: Path) -> list[str]:
    """What curation did, in counts: rows in, compounds out, dropped, changed (by reason),
    merged and censored, and where the row-by-row report is.

    Examples
    --------
    >>> import pandas as pd
    >>> from kinetor.qsar import curate
    >>> raw = pd.DataFrame({"smiles": ["CCO.Cl", "CCO", "xx", "CCN"],
    ...                     "value": [100.0, 1000.0, 5.0, 10.0], "unit": "nM",
    ...                     "relation": ["=", "=", "=", ">"]})
    >>> for line in curation_lines(curate(raw), Path("curation_report.csv")):
    ...     print(line)
    curation: 4 rows -> 2 compounds; 1 row dropped; 1 standardised (largest fragment kept 1); 2 rows merged into 1 compound; 1 censored
    row by row: curation_report.csv
    """
    rep, data = cur.report, cur.data
    acts = rep["action"].value_counts() if len(rep) else {}
    changes = rep[rep["action"] == "changed"]
    changed = changes["reason"].value_counts()
    merged = data[data["n"] > 1]
    parts = [
        f"curation: {cur.options.get('rows_in', 0)} rows -> {len(data)} compounds",
        f"{acts.get('dropped', 0)} row{'s' if acts.get('dropped', 0) != 1 else ''} dropped",
        f"{changes['row'].nunique()} standardised"
        + (f" ({', '.join(f'{r} {n}' for r, n in changed.items())})" if len(changed) else ""),
        f"{int(merged['n'].sum())} rows merged into {len(merged)} "
        f"compound{'s' if len(merged) != 1 else ''}",
        f"{int(data['censored'].sum())} censored",
    ]
    if int(data["conflict"].sum()):
        parts.append(f"{int(data['conflict'].sum())} conflicting duplicates flagged")
    return ["; ".join(parts), f"row by row: {report_path}"]


def report_curation(cur, out: Path, prefix: str = "") -> None:
    """Write ``<prefix>curated.csv`` and ``<prefix>curation_report.csv`` to ``out``, print the
    dropped rows and the counts."""
    if cur.problems:
        import pandas as pd

        _common.print_frame(
            pd.DataFrame([p.as_dict() for p in cur.problems]),
            title=f"{len(cur.problems)} rows dropped (reported, the rest processed)",
        )
    cur.data.to_csv(out / f"{prefix}curated.csv", index=False)
    path = out / f"{prefix}curation_report.csv"
    cur.report.to_csv(path, index=False)
    for line in curation_lines(cur, path):
        _common.info(line)
