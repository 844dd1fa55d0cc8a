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

The file is read in three modules: :mod:`kinetor.assays.plate_grids` finds the grids and
names the wells, this module reads plate-reader exports (:func:`read_plate`), and
:mod:`kinetor.assays.plate_maps` reads and merges plate maps; every public name of the
three is importable from here.

Examples
--------
>>> import io
>>> rows = ["plate1," + ",".join(str(c) for c in range(1, 13))]
>>> rows += [f"{r}," + ",".join("1" for _ in range(12)) for r in "ABCDEFGH"]
>>> read_plate(io.StringIO("\\n".join(rows)), source="p.csv").shape
(96, 5)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.assays.plate_grids import FORMATS, LETTERS, _cell_ref, _grid_blocks, well_name
from kinetor.assays.plate_maps import ROLES, merge_plate_map, read_plate_map
from kinetor.errors import DataError, Problem

__all__ = ["FORMATS", "ROLES", "merge_plate_map", "read_plate", "read_plate_map", "well_name"]


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
                    fix="enter the reading, or leave the cell blank and mark the well "
                    "'empty' in the plate map"
                    if allow_missing
                    else "re-export the plate, or pass allow_missing=True and "
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
