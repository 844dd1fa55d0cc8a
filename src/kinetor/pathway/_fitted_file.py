"""The checked reading of a fitted-parameter file of the network (``name``, ``value``,
optional ``lower``/``upper``), as :func:`kinetor.pathway.calibration.write_fitted` writes it:
one reader for the Python API (``Network(fitted=path)``, ``validate(fitted=path)``) and the
command line."""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection

from kinetor.data._user_table import read_user_table
from kinetor.errors import DataError, Problem


def check_fitted_file(path, known: Collection[str]) -> dict[str, float]:
    """Read and check a fitted-parameter CSV (``name``, ``value``; ``lower``/``upper`` where
    given; ``#`` lines are comments), as :func:`write_fitted` writes it.

    Read as every user table (:func:`kinetor.data._user_table.read_user_table`: byte-order
    mark, cp1252, ``;``/tab delimiters); every problem is listed in one ``DataError`` with
    the file, the row and the column: a missing file, a folder, no parameter rows, a name
    that is not a parameter of ``mtor.ant`` (names are case-sensitive) or given twice, a
    value that is not a finite number >= 0 or lies outside the row's own bounds. ``known``
    are the model's parameter names.
    """
    fix = "give a header row name,value (optionally lower,upper) and one row per parameter"
    raw = read_user_table(
        path,
        empty=("the file is empty", fix),
        no_rows=("the file has a header row but no parameter rows", fix),
    )
    df, file, priors = raw.frame, raw.file, list(known)
    head = int(raw.rows[0]) - 1
    problems = [
        Problem(f"no {c!r} column (the header has {', '.join(df.columns)})", file, head, c, fix)
        for c in ("name", "value")
        if c not in df.columns
    ] + [
        Problem(f"column {c!r} appears twice", file, head, c, f"keep one {c!r} column")
        for c in ("name", "value", "lower", "upper")
        if f"{c}.1" in df.columns
    ]
    if problems:
        raise DataError(problems)
    out: dict[str, float] = {}
    first: dict[str, int] = {}
    for i, row in enumerate(df.to_dict("records")):
        where = {"file": file, "row": int(raw.rows[i])}
        name, text = row["name"], row["value"]
        if not name:
            problems.append(
                Problem("blank name", column="name", fix="write the parameter's name", **where)
            )
        elif name not in priors:
            near = difflib.get_close_matches(name, priors, n=1, cutoff=0.6)
            near = [n for n in priors if n.lower() == name.lower()] or near
            hint = f"did you mean {near[0]!r}? " if near else ""
            problems.append(
                Problem(
                    f"{name!r} is not a parameter of the model (mtor.ant)",
                    column="name",
                    fix=f"{hint}write a parameter name of mtor.ant (names are case-sensitive)",
                    **where,
                )
            )
        elif name in first:
            problems.append(
                Problem(
                    f"{name!r} is given again (first on row {first[name]})",
                    column="name",
                    fix="keep one row per parameter",
                    **where,
                )
            )
        first.setdefault(name, where["row"])
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= 0):
            problems.append(
                Problem(
                    f"{repr(text) if text else 'blank'} is not a finite number >= 0",
                    column="value",
                    fix="write the parameter's value as a plain number >= 0",
                    **where,
                )
            )
            continue
        out[name] = value
        for col, bad in (("lower", value.__lt__), ("upper", value.__gt__)):
            cell = str(row.get(col, "")).strip()
            try:
                bound = float(cell) if cell else math.nan
            except ValueError:
                bound = math.nan
                problems.append(
                    Problem(
                        f"bound {cell!r} is not a number",
                        column=col,
                        fix="write a number or leave the cell blank",
                        **where,
                    )
                )
            if math.isfinite(bound) and bad(bound):
                problems.append(
                    Problem(
                        f"value {value:g} is outside its stated bounds ({col} {bound:g})",
                        column="value",
                        fix=f"check the value (a fit stays within its bounds) or its {col}",
                        **where,
                    )
                )
    if problems:
        raise DataError(problems)
    return out
