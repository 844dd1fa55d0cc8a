"""The checked reading of a fitted-parameter file of the network (``name``, ``value``,
optional ``lower``/``upper``), as :func:`kinetor.pathway.calibration.write_fitted` writes it:
one reader for the Python API (``Network(fitted=path)``, ``validate(fitted=path)``) and the
command line; and the notes on values outside the package's own calibration bounds
(:func:`outside_packaged_bounds`).

Examples
--------
>>> sorted(fraction_parameters())[:2]
['ai_share', 'akt_protect']
>>> outside_packaged_bounds({"akt_protect": 0.95, "k_pras": 8.0})[["name", "lower", "upper"]]
          name  lower  upper
0  akt_protect    0.1    0.9
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd

from kinetor.data._user_table import read_user_table
from kinetor.errors import DataError, Problem

__all__ = ["check_fitted_file", "fraction_parameters", "outside_packaged_bounds"]

_CALIBRATION = Path(__file__).parent / "calibration"
#: the candidate files of the package's calibrations (evidence fit, its output constants,
#: the legacy targets fit): their bounds are the ranges a calibration was allowed to explore
PACKAGED_BOUNDS_FILES = ("evidence_parameters.csv", "output_parameters.csv", "free_parameters.csv")
_COLUMNS = ("name", "value", "lower", "upper")
# th_X := C_X^h/(C_X^h + K^h): a drug occupancy, in [0, 1) and reaching 1 at high C
_HILL = re.compile(r"^\s*(th_\w+)\s*:=\s*(C_\w+)\^(\w+)/\(\2\^\3 \+ .+\^\3\)\s*$")
_NAME = r"[A-Za-z_]\w*"


@lru_cache(maxsize=1)
def fraction_parameters() -> dict[str, str]:
    """Parameters of ``mtor.ant`` that are fractions by construction, with the term that
    makes them so, read from the model text: ``1 - p*th_X`` with ``th_X`` a drug occupancy
    (``th_X := C^h/(C^h + K^h)``, which reaches 1), and complementary weights ``p*A +
    (1 - p)*B`` (``p`` and ``1 - p`` in one expression). Above 1 such a term turns negative
    (e.g. ``P_akt := 1 - akt_protect*th_akt_atp`` at a saturating ATP-competitive AKT
    inhibitor)."""
    from kinetor.pathway._model import MODEL_FILE, prior_parameters

    params = prior_parameters()
    code = [line.split("//", 1)[0] for line in MODEL_FILE.read_text().splitlines()]
    hill = {m.group(1) for line in code if (m := _HILL.match(line))}
    out: dict[str, str] = {}
    for line in code:
        for m in re.finditer(rf"1 - ({_NAME})\*({_NAME})", line):
            if m.group(1) in params and m.group(2) in hill:
                out.setdefault(m.group(1), f"{m.group(0)} with {m.group(2)} an occupancy (0 to 1)")
        for m in re.finditer(rf"1 - ({_NAME})\b(?!\s*[*(])", line):
            p = m.group(1)
            if p in params and re.search(rf"(?<![\w.]){p}\*", line):
                out.setdefault(p, f"a weight: {p}*... and {m.group(0)} in one expression")
    return out


def outside_packaged_bounds(values: Mapping[str, float]) -> pd.DataFrame:
    """The values outside every range the package's calibration files give for them
    (:data:`PACKAGED_BOUNDS_FILES`; the widest range where several do): ``name, value,
    lower, upper, files``. A note, not an error: a sensitivity analysis may go there on
    purpose, but the model was never calibrated there and simulations may fail."""
    ranges: dict[str, list] = {}
    for file in PACKAGED_BOUNDS_FILES:
        tab = pd.read_csv(_CALIBRATION / file, comment="#")
        for name, lo, hi in zip(tab["name"], tab["lower"], tab["upper"], strict=True):
            r = ranges.setdefault(name, [math.inf, -math.inf, []])
            r[0], r[1] = min(r[0], float(lo)), max(r[1], float(hi))
            r[2].append(file)
    rows = [
        {"name": n, "value": v, "lower": ranges[n][0], "upper": ranges[n][1]}
        | {"files": ", ".join(ranges[n][2])}
        for n, v in values.items()
        if n in ranges and not ranges[n][0] <= v <= ranges[n][1]
    ]
    return pd.DataFrame(rows, columns=["name", "value", "lower", "upper", "files"])


def check_fitted_file(path, known: Collection[str]) -> dict[str, float]:
    """Read and check a fitted-parameter CSV (``name``, ``value``; ``lower``/``upper`` where
    given; ``#`` lines are comments), as :func:`write_fitted` writes it.

    Read as every user table (:func:`kinetor.data._user_table.read_user_table`: byte-order
    mark, cp1252, ``;``/tab delimiters; header names in any case); every problem is listed
    in one ``DataError`` with the file, the row and the column: a missing file, a folder, no
    parameter rows, a name that is not a parameter of ``mtor.ant`` (names are
    case-sensitive) or given twice, a value that is not a finite number >= 0, lies outside
    the row's own bounds or is above 1 for a fraction (:func:`fraction_parameters`), and
    swapped bounds (``lower`` above ``upper``). ``known`` are the model's parameter names.
    """
    fix = "give a header row name,value (optionally lower,upper) and one row per parameter"
    raw = read_user_table(
        path,
        empty=("the file is empty", fix),
        no_rows=("the file has a header row but no parameter rows", fix),
    )
    df, file, priors = raw.frame, raw.file, list(known)
    head = int(raw.rows[0]) - 1
    given = [str(c) for c in df.columns]
    df.columns = cols = [c.strip().lower() for c in given]
    problems = [
        Problem(f"no {c!r} column (the header has {', '.join(given)})", file, head, c, fix)
        for c in ("name", "value")
        if c not in cols
    ] + [
        Problem(f"column {c!r} appears twice", file, head, c, f"keep one {c!r} column")
        for c in _COLUMNS
        if sum(re.fullmatch(rf"{c}(\.\d+)?", x) is not None for x in cols) > 1
    ]
    if problems:
        raise DataError(problems)
    fractions = fraction_parameters()
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
        if name in fractions and value > 1:
            problems.append(
                Problem(
                    f"{value:g} is above 1, but {name} is a fraction in mtor.ant "
                    f"({fractions[name]}): above 1 the term turns negative",
                    column="value",
                    fix="write a value between 0 and 1",
                    **where,
                )
            )
        problems += _bound_problems(row, value, where)
    if problems:
        raise DataError(problems)
    return out


def _bound_problems(row: Mapping, value: float, where: dict) -> list[Problem]:
    """The row's ``lower``/``upper``: numbers, in order, and the value between them."""
    problems, bounds = [], {}
    for col in ("lower", "upper"):
        cell = str(row.get(col, "")).strip()
        try:
            bounds[col] = float(cell) if cell else math.nan
        except ValueError:
            bounds[col] = math.nan
            problems.append(
                Problem(
                    f"bound {cell!r} is not a number",
                    column=col,
                    fix="write a number or leave the cell blank",
                    **where,
                )
            )
    lo, hi = bounds["lower"], bounds["upper"]
    if lo > hi:  # False when either is NaN (blank)
        problems.append(
            Problem(
                f"the bounds are swapped: lower {lo:g} is above upper {hi:g}",
                column="lower",
                fix=f"swap them: lower {hi:g}, upper {lo:g}",
                **where,
            )
        )
        lo, hi = hi, lo
    for col, bound, bad in (("lower", lo, value < lo), ("upper", hi, value > hi)):
        if bad:
            problems.append(
                Problem(
                    f"value {value:g} is outside its stated bounds ({col} {bound:g})",
                    column="value",
                    fix=f"check the value (a fit stays within its bounds) or its {col}",
                    **where,
                )
            )
    return problems
