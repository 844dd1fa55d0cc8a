"""The exposure table of the tumour and biomarker fitters (:mod:`._design`).

A tidy table (``animal`` or ``group``, ``time`` or ``day``, ``conc``; linear between rows;
units from the headers, ``time (h)``, ``conc (ug/mL)``, or a unit column) read onto a common
time grid, one course per animal (or group). Problems in the table are
:class:`~kinetor.errors.DataError` naming the row and column.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem, UnitError
from kinetor.pd._checks import concentration_problems

__all__: list[str] = []


def _exposure_matrix(
    exposure,
    units: np.ndarray,
    unit_labels: pd.Series,
    obs: pd.DataFrame,
    time_unit: str | None = None,
):
    """Common grid and (n_units, n_grid) concentrations from a tidy exposure table, the
    courses absent from it, the concentration unit (None: the table gives none), notes and
    the exposure's time unit (None: none given).

    ``obs`` holds the observations: ``unit`` (position in ``units``), ``time`` and ``row``
    (the data file's row, None: unknown), with ``attrs`` ``file`` and ``column`` (the data
    file and its time column). Each course must cover the times of its own animals' data
    (not the whole study): one that does not is a DataError naming the course, its span,
    its animals' data span and the data rows outside it. Courses may differ in length:
    before its first row a course is 0 (the drug starts there: a jump to its first value;
    when the course itself begins with a jump, its value just before), after its last row
    it holds its last value (beyond its animals' data, where it acts on no prediction).

    Two rows of one course at one time are a jump (an IV bolus: the first row is the
    value just before, the second just after, so such a course must be written in
    ascending time order); the common grid repeats that time and courses without a jump
    there take their value twice. Times with a unit (``time (h)``, ``day``) are converted
    to ``time_unit``, the data's (None: the data name none, the times are taken as given).
    """
    attrs = dict(getattr(exposure, "attrs", {}))
    ex = pd.DataFrame(exposure).copy()
    file = attrs.get("kinetor_file")
    rows = np.asarray(attrs.get("kinetor_rows", []), dtype=int)
    rows = rows if rows.size == len(ex) else np.arange(2, len(ex) + 2)
    key = "animal" if "animal" in ex.columns else "group"
    tcol = _column(ex, ("time", "day", "days"), file)
    ccol = _column(ex, ("conc", "concentration"), file)
    missing = [key] * (key not in ex.columns)
    missing += [c for c, have in (("time", tcol), ("conc", ccol)) if have is None]
    if missing:
        fix = "exposure needs animal (or group), time (or day), conc"
        raise DataError(
            [Problem(f"exposure table has no '{c}' column", file, 1, c, fix) for c in missing]
        )
    ex[key] = ex[key].astype("string").str.strip()
    ex["_row"] = rows
    blank = (ex[key].isna() | ex[key].eq("")).to_numpy(bool)
    if blank.any():
        fix = f"every exposure row needs its {key}"
        raise DataError([Problem("empty value", file, int(r), key, fix) for r in rows[blank]])
    conc_unit = _conc_unit(ex, ccol, rows, file)
    per, notes = _time_scale(tcol, time_unit, file)
    ex = ex.rename(columns={ccol: "conc"}) if ccol != "conc" else ex
    bad = concentration_problems(ex, rows, file, time=tcol, what="exposure concentration")
    if bad:  # an infinite, negative or missing concentration or time is no exposure course
        raise DataError([replace(b, column=ccol) if b.column == "conc" else b for b in bad])
    ex[tcol] = ex[tcol].astype(float)
    _check_jump_order(ex, key, tcol, file)
    ex = ex.sort_values([key, tcol], kind="stable")  # a jump keeps its rows' order
    _check_keys(ex, key, unit_labels, file)
    size = ex.groupby([key, tcol], sort=False)[tcol].transform("size").to_numpy()
    if (size > 2).any():
        problems = []
        for (k, t), sub in ex[size > 2].groupby([key, tcol], sort=False):
            listed = ", ".join(str(r) for r in sub["_row"])
            msg = f"{len(sub)} exposure rows for {k} at {tcol} {t:g} (rows {listed})"
            fix = "give one row per time, or two for a jump (the value before, then after)"
            problems += [Problem(msg, file, int(r), tcol, fix) for r in sub["_row"]]
        raise DataError(problems)
    times = np.unique(ex[tcol].to_numpy(dtype=float))
    arrays = {}
    for k, sub in ex.groupby(key, sort=False):
        g, v = sub[tcol].to_numpy(float), sub["conc"].to_numpy(float)
        starts_jump = g.size > 1 and g[1] == g[0]
        if g[0] > times[0] and not starts_jump:  # a later start: 0 before it, then a jump
            g, v = np.r_[g[0], g], np.r_[0.0, v]
        arrays[k] = (g, v)
    mult = pd.Series(1, index=times)
    for g, _ in arrays.values():
        mult = np.maximum(mult, pd.Series(g).value_counts().reindex(times, fill_value=1))
    grid = np.repeat(times, mult.to_numpy(dtype=int))
    first = np.r_[True, grid[1:] != grid[:-1]]  # a repeated time: left then right limit
    courses = {}
    for k, (g, v) in arrays.items():
        c = np.where(first, _course_at(g, v, grid, "left"), _course_at(g, v, grid, "right"))
        c = np.where(grid < g[0], v[0], c)  # 0 before a later start (see above)
        courses[k] = np.where(grid > g[-1], v[-1], c)
    spans = {k: (g[0] / per, g[-1] / per) for k, (g, _) in arrays.items()}
    grid = grid / per  # h -> day: / 24, exact for whole hours
    t_span = (float(obs["time"].min()), float(obs["time"].max()))
    if notes and time_unit and grid[-1] > 5.0 * t_span[1] > 0:  # hours read as days?
        notes[-1] += (
            f"; the exposure runs to {grid[-1]:g}, {grid[-1] / t_span[1]:.3g} times the "
            f"data's last {time_unit} ({t_span[1]:g})"
        )
    labels = unit_labels.astype("string").to_numpy()
    _check_cover(obs, labels, key, spans, tcol, file, time_unit)
    if grid[0] > t_span[0] or grid[-1] < t_span[1]:  # animals without a course beyond it
        asis = f" ({time_unit} {grid[0]:g}-{grid[-1]:g})" if per != 1.0 else ""
        raise DataError(
            Problem(
                f"exposure covers {tcol} {grid[0] * per:g}-{grid[-1] * per:g}{asis} but the "
                f"data span {time_unit or tcol} {t_span[0]:g}-{t_span[1]:g}",
                file,
                column=tcol,
                fix="extend the exposure time course over the whole study",
            )
        )
    absent = sorted(set(labels) - set(courses))
    zero = np.zeros(grid.size)
    mat = np.array([courses.get(lab, zero) for lab in labels]).reshape(labels.size, grid.size)
    return grid, mat, absent, conc_unit, notes, _time_unit_of(tcol)


def _time_unit_of(tcol: str) -> str | None:
    """The time unit an exposure time header names (``time (h)``: h, ``day``: day)."""
    from kinetor.data.aliases import normalise_name, split_header

    unit = split_header(str(tcol))[1]
    return unit or ("day" if normalise_name(str(tcol)) in ("day", "days") else None)


def _check_cover(obs, labels, key, spans, tcol, file, time_unit) -> None:
    """A DataError for each course that does not cover the times of its own animals' data,
    naming the course, its span, the data span and the data rows outside it."""
    problems = []
    dfile, dcol = obs.attrs.get("file"), obs.attrs.get("column", "time")
    lab = labels[obs["unit"].to_numpy(int)]
    tname = time_unit or dcol
    for k, (g0, g1) in spans.items():
        mine = obs[lab == k]
        if mine.empty:
            continue
        t = mine["time"].to_numpy(float)
        tol = 1e-9 * max(1.0, abs(g0), abs(g1))
        out = (t < g0 - tol) | (t > g1 + tol)
        if not out.any():
            continue
        bad = mine[out]
        rows = bad["row"].tolist()
        shown = ", ".join(
            (f"row {r}" if r is not None and not pd.isna(r) else f"observation {i + 1}")
            + f" ({dcol} {tt:g})"
            for r, i, tt in zip(rows[:5], bad.index[:5], bad["time"][:5], strict=False)
        ) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
        who = f"animal {k}" if key == "animal" else f"group {k}"
        msg = (
            f"the exposure course of {who} ({file or 'exposure'}) covers {tname} "
            f"{g0:g}-{g1:g} but the data of {who} span {tname} {t.min():g}-{t.max():g}: "
            f"data {shown} lie outside it"
        )
        fix = (
            f"extend the course of {k} over {tname} {t.min():g}-{t.max():g}, or remove "
            f"the data rows outside {g0:g}-{g1:g} (negative times: pre-dose samples)"
        )
        row = rows[0] if rows[0] is not None and not pd.isna(rows[0]) else None
        problems.append(Problem(msg, dfile, None if row is None else int(row), dcol, fix))
    if problems:
        raise DataError(problems)


def _column(ex: pd.DataFrame, names: tuple[str, ...], file) -> str | None:
    """The first column whose name, a unit in brackets left out, is one of ``names`` (in
    their order of preference; any case: ``Time (h)``, ``conc (ug/mL)``)."""
    from kinetor.data.aliases import normalise_name

    base = {c: normalise_name(str(c)) for c in ex.columns}
    for n in names:
        hit = [c for c in ex.columns if base[c] == n]
        if len(hit) > 1:  # 'conc' and 'Conc (ng/mL)': which one is meant?
            fix = f"keep one {n} column"
            raise DataError(
                Problem(f"two {n} columns: {hit[0]!r}, {hit[1]!r}", file, 1, hit[1], fix)
            )
        if hit:
            return hit[0]
    return None


def _unit_problem(unit: str, kind: str, file, row: int, column: str) -> Problem | None:
    """A Problem when ``unit`` is not a unit of ``kind`` (``"time"`` or ``"concentration"``)."""
    from kinetor.units import dimension

    # a tissue level per gram of tissue (ng/g, nmol/g) is a concentration too (mg/kg is
    # refused: it reads as a dose per body weight)
    dims = ("[mass] / [length] ** 3", "[substance] / [length] ** 3")
    dims = ("[time]",) if kind == "time" else dims
    per_g = kind != "time" and unit.replace(" ", "").endswith("/g")
    try:
        ok = dimension(unit) in dims or (
            per_g and dimension(unit) in ("dimensionless", "[substance] / [mass]")
        )
        why = f"unit {unit!r} is not a {kind}"
    except UnitError as exc:
        ok, why = False, str(exc)
    if ok:
        return None
    example = "h, day" if kind == "time" else "ng/mL, ug/mL, nM, ng/g tissue"
    return Problem(why, file, row, column, f"write a {kind} unit ({example})")


def _conc_unit(ex: pd.DataFrame, ccol: str, rows: np.ndarray, file) -> str | None:
    """The concentration unit of the exposure table: the header's (``conc (ug/mL)``) and
    that of a unit column's cells (a blank cell: the header's); None when neither gives
    one. A unit that is not a concentration, two units (``ng/mL`` and ``nM``, or
    ``ng/mL`` and ``ug/mL``), or blank unit cells beside written ones are a DataError."""
    from kinetor.data._user_table import row_list
    from kinetor.data.aliases import split_header
    from kinetor.units import convert, format_unit

    header = split_header(str(ccol))[1]
    ucol = _column(ex, ("unit", "units", "conc_unit", "conc_units", "concentration_unit"), file)
    given = {} if header is None else {header: (np.array([1]), ccol)}  # unit: (rows, column)
    raw = ex[ucol] if ucol is not None else [None] * len(ex)
    cells = pd.Series(["" if pd.isna(v) else str(v).strip() for v in raw], dtype=object)
    for u in dict.fromkeys(cells[cells != ""]):
        at = rows[(cells == u).to_numpy(bool)]
        given[u] = (np.r_[given[u][0], at], ucol) if u in given else (at, ucol)
    blank = rows[(cells == "").to_numpy(bool)] if given and header is None else rows[:0]
    problems = [
        _unit_problem(u, "concentration", file, int(r[0]), c) for u, (r, c) in given.items()
    ]
    problems = [p for p in problems if p is not None]
    if blank.size:
        msg = f"no concentration unit ({row_list(blank)}) beside rows that give one"
        fix = "give the unit on every row (or in the conc header)"
        problems.append(Problem(msg, file, int(blank[0]), ucol, fix))
    if problems:
        raise DataError(problems)
    if not given:
        return None
    first = next(iter(given))

    def same(u: str) -> bool:
        try:
            return bool(convert(1.0, u, first) == 1.0)
        except UnitError:  # mass and molar: not one unit
            return False

    if not all(same(u) for u in given):
        listed = "; ".join(f"{u} ({row_list(r)})" for u, (r, _) in given.items())
        fix = "convert the concentrations to one unit (ng/mL and nM need the molecular weight)"
        msg = f"exposure concentrations in more than one unit: {listed}"
        row, col = min((int(r[0]), c) for r, c in given.values())
        raise DataError(Problem(msg, file, row, col, fix))
    return format_unit(first)


def _time_scale(tcol: str, time_unit: str | None, file) -> tuple[float, list[str]]:
    """The exposure's time units per unit of the data's time (``time_unit``; None: the
    data give none) and the notes. The unit is the header's (``time (h)``; a ``day``
    column is in days); one that is not a time is a DataError. Times without a unit are
    in the data's, and times with one beside data without one are taken as given."""
    from kinetor.data.aliases import normalise_name, split_header
    from kinetor.units import convert

    unit = split_header(str(tcol))[1]
    day = normalise_name(str(tcol)) in ("day", "days")
    bad = None if unit is None else _unit_problem(unit, "time", file, 1, tcol)
    if bad is None and day and unit is not None and convert(1.0, unit, "day") != 1.0:
        bad = Problem(f"a day column in {unit!r}", file, 1, tcol, f"name it 'time ({unit})'")
    if bad is not None:
        raise DataError(bad)
    unit = unit or ("day" if day else None)
    if unit is None and time_unit is not None:
        note = f"exposure times ('{tcol}', no unit) read in {time_unit}s, the data's time unit"
        return 1.0, [f"{note}; write '{tcol} (h)' if they are hours"]
    if unit is not None and time_unit is None:
        note = f"exposure times are in {unit} ('{tcol}'); the data's times (no unit given)"
        return 1.0, [f"{note} are taken to be in {unit} too"]
    return (1.0 if unit is None else float(convert(1.0, time_unit, unit))), []


def _check_jump_order(ex: pd.DataFrame, key: str, tcol: str, file) -> None:
    """A DataError for a course with a jump (two rows at one time) whose rows are not in
    ascending time order in the table: which of the two rows is the value before the
    jump is read from their order, so the table's order must be the course's."""
    problems = []
    for k, sub in ex.groupby(key, sort=False):
        t, r = sub[tcol].to_numpy(float), sub["_row"].to_numpy()
        rep = pd.Series(t).duplicated(keep=False).to_numpy()
        back = np.flatnonzero(np.diff(t) < 0)
        if not rep.any() or not back.size:
            continue
        i = int(back[0]) + 1
        jump = ", ".join(str(x) for x in r[rep])
        msg = (
            f"the exposure course of {k} has a jump (rows {jump} at {tcol} {t[rep][0]:g}) but "
            f"its rows are not in ascending {tcol} order (row {r[i]}, {tcol} {t[i]:g}, "
            f"follows row {r[i - 1]}, {tcol} {t[i - 1]:g}): which row of the jump is the "
            "value before it cannot be told"
        )
        fix = f"sort the rows of {k} by {tcol}, a jump's value before it first, after it second"
        problems.append(Problem(msg, file, int(r[i]), tcol, fix))
    if problems:
        raise DataError(problems)


def _course_at(g: np.ndarray, v: np.ndarray, x: np.ndarray, side: str) -> np.ndarray:
    """A piecewise-linear course (times ``g``, a repeat a jump) at ``x``: the left or right
    limit; NaN outside ``[g[0], g[-1]]``."""
    inside = (x >= g[0]) & (x <= g[-1])
    if g.size == 1:
        return np.where(inside, v[0], np.nan)
    idx = np.clip(np.searchsorted(g, x, side=side) - 1, 0, g.size - 2)
    g0, g1 = g[idx], g[idx + 1]
    step = 0.0 if side == "left" else 1.0  # on a jump: the value before or after
    w = np.where(g1 > g0, (x - g0) / np.where(g1 > g0, g1 - g0, 1.0), step)
    w = np.clip(w, 0.0, 1.0)
    return np.where(inside, v[idx] * (1.0 - w) + v[idx + 1] * w, np.nan)


def _check_keys(ex: pd.DataFrame, key: str, unit_labels: pd.Series, file) -> None:
    """A DataError for exposure courses that match no animal (or group) of the data."""
    present = sorted(set(unit_labels.astype("string")))
    unknown = [k for k in dict.fromkeys(ex[key]) if k not in present]
    if not unknown:
        return
    problems = []
    for k in unknown:
        near = [p for p in present if p.casefold() == str(k).casefold()]
        hint = f"did you mean {near[0]!r}? " if near else ""
        row = int(ex.loc[ex[key] == k, "_row"].min())
        msg = f"exposure {key} {k!r} matches no {key} of the data ({', '.join(present)})"
        fix = f"{hint}write the {key} exactly as in the data (case counts)"
        problems.append(Problem(msg, file, row, key, fix))
    raise DataError(problems)
