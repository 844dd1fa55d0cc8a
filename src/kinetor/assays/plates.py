"""Plate-reader exports and plate maps for 96- and 384-well plates.

A *grid* is a block whose header row holds the column numbers ``1..12`` (96 wells) or
``1..24`` (384 wells) and whose first column holds the row letters ``A..H`` or ``A..P``;
the cell above the row letters (top-left corner) may carry a label (plate name, or for a
plate map ``compound``/``concentration``/``role``/``replicate``). A file (CSV, or every
sheet of an Excel workbook) may hold several grids; anything outside them (instrument
headers, notes) is ignored.

A plate map is either tidy (columns ``well`` [``plate``], ``role``, ``compound``,
``concentration`` [, ``replicate``, ``compound2``, ``concentration2``]) or a set of
labelled grids. ``compound2``/``concentration2`` place the wells of a combination dose
matrix: every well of a matrix (monotherapies and its 0 + 0 cell included) names both
compounds, with concentration 0 for an absent drug. Roles: ``sample``,
``vehicle`` (0 % effect), ``positive`` (100 % effect control), ``empty``, ``time_zero``.

Examples
--------
>>> import io
>>> rows = ["plate1," + ",".join(str(c) for c in range(1, 13))]
>>> rows += [f"{r}," + ",".join("1" for _ in range(12)) for r in "ABCDEFGH"]
>>> read_plate(io.StringIO("\\n".join(rows)), source="p.csv").shape
(96, 5)
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

FORMATS = {96: (8, 12), 384: (16, 24)}
ROLES = ("sample", "vehicle", "positive", "empty", "time_zero")
LETTERS = "ABCDEFGHIJKLMNOP"

__all__ = ["FORMATS", "ROLES", "merge_plate_map", "read_plate", "read_plate_map", "well_name"]


def well_name(row: int, col: int) -> str:
    """Well label from 0-based row and column indices (``well_name(0, 0) == 'A01'``)."""
    return f"{LETTERS[row]}{col + 1:02d}"


def _raw_sheets(path, source: str) -> list[tuple[str, pd.DataFrame]]:
    if isinstance(path, str | Path) and str(path).lower().endswith((".xlsx", ".xls")):
        try:
            book = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
        except (OSError, ValueError) as exc:
            raise DataError(Problem(f"cannot read workbook: {exc}", file=source)) from exc
        return list(book.items())
    text = Path(path).read_text() if isinstance(path, str | Path) else path.read()
    sep = "\t" if text.count("\t") > text.count(",") else ","
    width = max((line.count(sep) + 1 for line in text.splitlines()), default=1)
    raw = pd.read_csv(
        io.StringIO(text),
        header=None,
        sep=sep,
        dtype=object,
        names=range(width),
        skip_blank_lines=False,
    )
    return [("", raw)]


def _is_header(row: np.ndarray, j: int, ncol: int) -> bool:
    vals = row[j + 1 : j + 1 + ncol]
    if len(vals) < ncol:
        return False
    try:
        return [int(float(v)) for v in vals] == list(range(1, ncol + 1))
    except (TypeError, ValueError):
        return False


def _find_grids(raw: pd.DataFrame) -> list[tuple[int, int, int]]:
    """(header row, column of row letters, plate size) of every grid in a sheet."""
    arr = raw.to_numpy(dtype=object)
    found = []
    for i in range(arr.shape[0] - 1):
        for j in range(arr.shape[1] - 1):
            first = str(arr[i + 1, j]).strip().upper()
            if first != "A":
                continue
            for size, (_nr, nc) in sorted(FORMATS.items(), reverse=True):
                if _is_header(arr[i], j, nc):
                    found.append((i, j, size))
                    break
    return found


def _grid_blocks(path, source: str) -> list[dict]:
    blocks = []
    for sheet, raw in _raw_sheets(path, source):
        arr = raw.to_numpy(dtype=object)
        for i, j, size in _find_grids(raw):
            nr, nc = FORMATS[size]
            label = arr[i, j]
            label = "" if pd.isna(label) else str(label).strip()
            letters = [
                str(arr[i + 1 + r, j]).strip().upper() if i + 1 + r < arr.shape[0] else ""
                for r in range(nr)
            ]
            blocks.append(
                {
                    "sheet": sheet,
                    "row": i,
                    "col": j,
                    "size": size,
                    "label": label,
                    "letters": letters,
                    "cells": arr[i + 1 : i + 1 + nr, j + 1 : j + 1 + nc],
                }
            )
    if not blocks:
        raise DataError(
            Problem(
                "no plate grid found",
                file=source,
                fix="a grid needs a header row 1..12 (or 1..24) and row "
                "letters A..H (or A..P) in the column to its left",
            )
        )
    return blocks


def _cell_ref(block: dict, r: int, c: int, source: str) -> tuple[str, int, str]:
    # spreadsheet coordinates of a grid cell (row 1-based, column letter)
    row = block["row"] + 2 + r
    col_idx = block["col"] + 1 + c
    name = ""
    k = col_idx
    while True:
        name = chr(ord("A") + k % 26) + name
        k = k // 26 - 1
        if k < 0:
            break
    where = f"{source}" + (f" [{block['sheet']}]" if block["sheet"] else "")
    return where, row, name


def read_plate(path, *, source: str | None = None, allow_missing: bool = False) -> pd.DataFrame:
    """Read every plate grid in a plate-reader export.

    Parameters
    ----------
    path : str, Path or file-like
        CSV/TSV text or an Excel workbook (every sheet is searched).
    source : str, optional
        Name used in error messages (default: the file name).
    allow_missing : bool
        Keep blank wells as NaN (they must then be ``empty`` in the plate map); by default
        a blank or non-numeric well is a ``DataError``.

    Returns
    -------
    DataFrame
        Tidy: ``plate``, ``well`` (``A01``), ``row`` (letter), ``column`` (1-based), ``value``.
    """
    source = source or (Path(path).name if isinstance(path, str | Path) else "<stream>")
    frames, problems = [], []
    for k, b in enumerate(_grid_blocks(path, source)):
        nr, nc = FORMATS[b["size"]]
        plate = b["label"] or (b["sheet"] if b["sheet"] else f"plate{k + 1}")
        if b["letters"] != list(LETTERS[:nr]):
            where, row, _ = _cell_ref(b, 0, -1, source)
            problems.append(
                Problem(
                    f"row letters {''.join(b['letters'])!r} where {LETTERS[:nr]!r} expected",
                    file=where,
                    row=row,
                    fix="complete the grid: one row per plate row",
                )
            )
            continue
        cells = b["cells"]
        vals = pd.to_numeric(pd.Series(cells.ravel()), errors="coerce").to_numpy(float)
        vals = vals.reshape(cells.shape) if vals.size == nr * nc else np.full((nr, nc), np.nan)
        for r, c in zip(*np.nonzero(~np.isfinite(vals)), strict=True):
            raw = cells[r, c] if cells.shape == (nr, nc) else None
            if allow_missing and (raw is None or pd.isna(raw)):
                continue
            where, row, col = _cell_ref(b, r, c, source)
            what = "missing well" if raw is None or pd.isna(raw) else f"non-numeric {raw!r}"
            problems.append(
                Problem(
                    f"{what} at {well_name(r, c)} of plate {plate!r}",
                    file=where,
                    row=row,
                    column=col,
                    fix="re-export the plate, or pass allow_missing and "
                    "mark the well 'empty' in the plate map",
                )
            )
        rr, cc = np.meshgrid(np.arange(nr), np.arange(nc), indexing="ij")
        frames.append(
            pd.DataFrame(
                {
                    "plate": plate,
                    "well": [well_name(r, c) for r, c in zip(rr.ravel(), cc.ravel(), strict=True)],
                    "row": [LETTERS[r] for r in rr.ravel()],
                    "column": cc.ravel() + 1,
                    "value": vals.ravel(),
                }
            )
        )
    if problems:
        raise DataError(problems)
    labels = [f["plate"].iat[0] for f in frames]
    if len(set(labels)) != len(labels):
        raise DataError(
            Problem(
                f"two grids carry the same plate label ({labels})",
                file=source,
                fix="give every grid a distinct label in its top-left cell",
            )
        )
    return pd.concat(frames, ignore_index=True)


def read_plate_map(path, *, source: str | None = None) -> pd.DataFrame:
    """Read a plate map (tidy table or labelled grids).

    Returns
    -------
    DataFrame
        ``plate`` (``*`` = every plate), ``well``, ``role``, ``compound``,
        ``concentration``, ``replicate``.
    """
    source = source or (Path(path).name if isinstance(path, str | Path) else "<stream>")
    if isinstance(path, str | Path) and str(path).lower().endswith((".xlsx", ".xls")):
        first = pd.read_excel(path, header=None, dtype=object, nrows=1)
    else:
        first = None
    tidy = None
    if first is None:
        text = Path(path).read_text() if isinstance(path, str | Path) else path.read()
        head = text.splitlines()[0].lower() if text else ""
        if "well" in [h.strip() for h in head.split(",")]:
            tidy = pd.read_csv(io.StringIO(text))
        else:
            path = io.StringIO(text)
    elif "well" in [str(v).strip().lower() for v in first.iloc[0]]:
        tidy = pd.read_excel(path)
    pm = _tidy_map(tidy, source) if tidy is not None else _grid_map(path, source)
    return _validate_map(pm, source)


def _tidy_map(df: pd.DataFrame, source: str) -> pd.DataFrame:
    df = df.rename(columns=lambda c: str(c).strip().lower())
    df["source_row"] = np.arange(len(df)) + 2
    if "plate" not in df:
        df["plate"] = "*"
    for col, default in (
        ("compound", ""),
        ("concentration", np.nan),
        ("replicate", np.nan),
        ("compound2", ""),
        ("concentration2", np.nan),
        ("role", None),
    ):
        if col not in df:
            if default is None:
                raise DataError(
                    Problem(
                        "column 'role' is missing",
                        file=source,
                        column="role",
                        fix=f"add a role per well: {', '.join(ROLES)}",
                    )
                )
            df[col] = default
    return df


def _grid_map(path, source: str) -> pd.DataFrame:
    layers: dict[str, pd.DataFrame] = {}
    for b in _grid_blocks(path, source):
        label = b["label"].lower()
        if label not in (
            "compound",
            "concentration",
            "role",
            "replicate",
            "compound2",
            "concentration2",
        ):
            raise DataError(
                Problem(
                    f"plate-map grid labelled {b['label']!r}",
                    file=source,
                    row=b["row"] + 1,
                    fix="label each grid compound, concentration, role or "
                    "replicate in its top-left cell",
                )
            )
        nr, nc = FORMATS[b["size"]]
        cells = b["cells"]
        rows = []
        for r in range(min(nr, cells.shape[0])):
            for c in range(min(nc, cells.shape[1])):
                v = cells[r, c]
                _, frow, _ = _cell_ref(b, r, c, source)
                rows.append((well_name(r, c), None if pd.isna(v) else v, frow))
        layers[label] = pd.DataFrame(rows, columns=["well", label, f"row_{label}"])
    if "role" not in layers:
        raise DataError(
            Problem(
                "plate map has no 'role' grid",
                file=source,
                fix=f"add a grid labelled role ({', '.join(ROLES)})",
            )
        )
    pm = layers["role"].rename(columns={"row_role": "source_row"})
    for label in ("compound", "concentration", "replicate", "compound2", "concentration2"):
        pm = (
            pm.merge(layers[label][["well", label]], on="well", how="left")
            if label in layers
            else pm.assign(**{label: np.nan})
        )
    pm["plate"] = "*"
    return pm


def _text(col: pd.Series) -> pd.Series:
    """Labels as stripped strings, blanks as ''. (An all-blank column reads as float.)"""
    return col.astype(object).where(col.notna(), "").astype(str).str.strip()


def _validate_map(pm: pd.DataFrame, source: str) -> pd.DataFrame:
    problems = []
    pm = pm.copy()
    pm["role"] = (
        pm["role"].astype(str).str.strip().str.lower().replace({"nan": "empty", "none": "empty"})
    )
    pm["compound"] = _text(pm["compound"])
    pm["concentration"] = pd.to_numeric(pm["concentration"], errors="coerce")
    pm["compound2"] = _text(pm["compound2"])
    pm["concentration2"] = pd.to_numeric(pm["concentration2"], errors="coerce")
    pm["well"] = (
        pm["well"]
        .astype(str)
        .str.strip()
        .str.upper()
        .str.replace(r"^([A-P])(\d)$", r"\g<1>0\2", regex=True)
    )
    for _, r in pm.iterrows():
        if r["role"] not in ROLES:
            problems.append(
                Problem(
                    f"unknown role {r['role']!r} for well {r['well']}",
                    file=source,
                    row=int(r["source_row"]),
                    column="role",
                    fix=f"use one of {', '.join(ROLES)}",
                )
            )
        elif r["role"] == "sample" and (
            not r["compound"] or not np.isfinite(r["concentration"]) or r["concentration"] < 0
        ):
            problems.append(
                Problem(
                    f"sample well {r['well']} needs a compound and a concentration >= 0",
                    file=source,
                    row=int(r["source_row"]),
                    column="concentration",
                    fix="fill in compound and concentration",
                )
            )
        elif (
            r["role"] == "sample"
            and r["compound2"]
            and not (np.isfinite(r["concentration2"]) and r["concentration2"] >= 0)
        ):
            problems.append(
                Problem(
                    f"combination well {r['well']} needs concentration2 >= 0",
                    file=source,
                    row=int(r["source_row"]),
                    column="concentration2",
                    fix="0 for a monotherapy well of the matrix",
                )
            )
    dup = pm.duplicated(["plate", "well"], keep=False)
    for _, r in pm[dup].iterrows():
        problems.append(
            Problem(
                f"well {r['well']} listed twice",
                file=source,
                row=int(r["source_row"]),
                column="well",
                fix="one row per plate and well",
            )
        )
    if problems:
        raise DataError(problems)
    return pm[
        [
            "plate",
            "well",
            "role",
            "compound",
            "concentration",
            "replicate",
            "compound2",
            "concentration2",
            "source_row",
        ]
    ]


def merge_plate_map(
    plate: pd.DataFrame,
    plate_map: pd.DataFrame,
    *,
    plate_source: str = "plate",
    map_source: str = "plate map",
) -> pd.DataFrame:
    """Attach the plate map to plate readings; every mismatch is a ``DataError``.

    A map with ``plate == '*'`` applies to every plate. Wells of the plate missing from
    the map, map wells missing from the plate, and blank readings in non-``empty`` wells
    are all reported.
    """
    problems = []
    generic = plate_map[plate_map["plate"] == "*"]
    specific = plate_map[plate_map["plate"] != "*"]
    parts = []
    for name in plate["plate"].unique():
        pm = specific[specific["plate"].astype(str) == str(name)]
        pm = pm if len(pm) else generic
        pl = plate[plate["plate"] == name]
        if not len(pm):
            problems.append(
                Problem(
                    f"plate {name!r} has no plate map",
                    file=map_source,
                    column="plate",
                    fix="add its rows or a map for '*'",
                )
            )
            continue
        m = pl.merge(pm.drop(columns="plate"), on="well", how="outer", indicator=True)
        for _, r in m[m["_merge"] == "left_only"].iterrows():
            problems.append(
                Problem(
                    f"well {r['well']} of plate {name!r} is not in the map",
                    file=map_source,
                    column="well",
                    fix="map every well (role 'empty' for unused ones)",
                )
            )
        for _, r in m[m["_merge"] == "right_only"].iterrows():
            problems.append(
                Problem(
                    f"mapped well {r['well']} does not exist on plate {name!r}",
                    file=map_source,
                    row=int(r["source_row"]),
                    column="well",
                    fix="check the plate format (96/384)",
                )
            )
        both = m[m["_merge"] == "both"].drop(columns="_merge")
        blank = both[both["value"].isna() & (both["role"] != "empty")]
        for _, r in blank.iterrows():
            problems.append(
                Problem(
                    f"no reading in {r['role']} well {r['well']} of plate {name!r}",
                    file=plate_source,
                    column=r["well"],
                    fix="re-export the plate or mark the well 'empty'",
                )
            )
        parts.append(both.assign(plate=name))
    if problems:
        raise DataError(problems)
    out = pd.concat(parts, ignore_index=True)
    return out.drop(columns="source_row")[
        [
            "plate",
            "well",
            "row",
            "column",
            "role",
            "compound",
            "concentration",
            "replicate",
            "compound2",
            "concentration2",
            "value",
        ]
    ]
