"""Plate maps: what each well holds (role, compound, concentration, replicate).

A plate map is either tidy (columns ``well`` [``plate``], ``role``, ``compound``,
``concentration`` [, ``replicate``, ``compound2``, ``concentration2``]) or a set of
labelled grids (see :mod:`kinetor.assays.plate_grids`). :func:`read_plate_map` reads and
validates one, naming every bad cell; :func:`merge_plate_map` attaches it to the readings
of :func:`kinetor.assays.plates.read_plate`. Both are importable from
:mod:`kinetor.assays.plates`.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.assays.plate_grids import (
    FORMATS,
    _cell_ref,
    _excel,
    _file_text,
    _grid_blocks,
    well_name,
)
from kinetor.errors import DataError, Problem

ROLES = ("sample", "vehicle", "positive", "empty", "time_zero")

__all__ = ["ROLES", "merge_plate_map", "read_plate_map"]


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
        first = next(iter(_excel(path, source, nrows=1).values()))
    else:
        first = None
    tidy = None
    if first is None:
        text = _file_text(path, source)
        head = text.splitlines()[0].lower() if text else ""
        # comma, semicolon or tab: the separator that makes 'well' a column name
        sep = next((c for c in (",", ";", "\t") if "well" in _fields(head, c)), None)
        if sep is not None:
            tidy = pd.read_csv(io.StringIO(text), sep=sep)
        else:
            path = io.StringIO(text)
    elif "well" in [str(v).strip().lower() for v in first.iloc[0]]:
        tidy = pd.read_excel(path)
    pm = _tidy_map(tidy, source) if tidy is not None else _grid_map(path, source)
    return _validate_map(pm, source)


def _fields(line: str, sep: str) -> list[str]:
    return [h.strip().strip('"').strip() for h in line.split(sep)]


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
    raw_conc = pm["concentration"].copy()  # for the message: "10 uM" is not a number
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
    for idx, r in pm.iterrows():
        at = {"file": source, "row": int(r["source_row"])}
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
            need = f"sample well {r['well']} needs a compound and a concentration >= 0"
            if not r["compound"]:
                problems.append(
                    Problem(
                        f"{need}: no compound",
                        **at,
                        column="compound",
                        fix="fill in the compound, or give the well another role",
                    )
                )
            raw, conc = raw_conc.at[idx], r["concentration"]
            if not (np.isfinite(conc) and conc >= 0):
                what = (
                    "no concentration"
                    if pd.isna(raw) or not str(raw).strip()
                    else f"non-numeric {raw!r}"
                    if not np.isfinite(conc)
                    else f"{conc:g}"
                )
                problems.append(
                    Problem(
                        f"{need}: {what}",
                        **at,
                        column="concentration",
                        fix="a number >= 0 without its unit (the dose unit is given with --unit)",
                    )
                )
        elif r["role"] == "vehicle" and r["compound"] and r["concentration"] > 0:
            problems.append(
                Problem(
                    f"vehicle well {r['well']} holds {r['compound']} at {r['concentration']:g}",
                    **at,
                    column="role",
                    fix="mark a treated well 'sample'; leave compound and concentration blank "
                    "(or 0) in vehicle wells",
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
    names = [str(n) for n in plate["plate"].unique()]
    unknown = [n for n in dict.fromkeys(specific["plate"].astype(str)) if n not in names]
    if unknown:  # its rows would be ignored and the '*' layout used in their place
        rows = specific.loc[specific["plate"].astype(str).isin(unknown), "source_row"]
        raise DataError(
            Problem(
                f"map plate name(s) {unknown} are not plates of {plate_source} "
                f"(its plates: {names})",
                file=map_source,
                row=int(rows.iloc[0]) if len(rows) else None,
                column="plate",
                fix="write the plate names as in the plate file (case and spaces count), "
                "or '*' for rows that apply to every plate",
            )
        )
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
