"""What every ``kinetor assay`` command shares: the ``--out`` option, reading a CSV, TSV or
Excel table with a clear error, and finishing (report.html, JSON or a printed table)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common

OUT = Annotated[Path, typer.Option("--out", "-o", help="Output directory.")]


def _read_table(path: Path):
    """A CSV/TSV/Excel table as pandas reads CSV (numbers as numbers, 'NA' cells missing),
    read by kinetor's table reader first: a folder, an old .xls, a fake workbook or a
    binary file is a DataError naming the file; the delimiter (',', ';', tab) and the
    encoding (UTF-8, cp1252) are sniffed, with a note."""
    import io

    import pandas as pd

    from kinetor.data._text import read_raw

    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    raw = read_raw(path)
    for note in raw.notes:
        _common.info(note)
    return pd.read_csv(io.StringIO(raw.frame.to_csv(index=False)))


def _finish(d: Path, title: str, files: list[Path], table, cols: list[str], caption: str):
    report = _common.html_report(d, title)
    files = [*files, report]
    if _common.STATE["json"]:
        _common.emit_json(
            {"results": table.to_dict(orient="records"), "files": [str(p) for p in files]}
        )
        return
    _common.print_frame(table[[c for c in cols if c in table.columns]], title=caption)
    _common.info(f"wrote {len(files)} files to {d}")


def check_compare(spec: str, unit: str, unit_option: str) -> None:
    """Reject a malformed --compare-network or a missing/non-concentration --unit before
    anything is written (the network is never given a guessed unit)."""
    from kinetor.errors import UnitError
    from kinetor.units import dimension

    drug, _, line = spec.partition(":")
    if not drug or not line:
        raise typer.BadParameter("write DRUG:CELL_LINE", param_hint="--compare-network")
    if not unit:
        raise typer.BadParameter(
            f"--compare-network needs the dose unit of the file (e.g. {unit_option} nM, uM or ng/mL)",
            param_hint=unit_option,
        )
    try:
        dim = dimension(unit)
    except UnitError as exc:
        raise typer.BadParameter(
            f"{exc}; use e.g. nM, uM or ng/mL", param_hint=unit_option
        ) from None
    if dim not in ("[substance] / [length] ** 3", "[mass] / [length] ** 3"):
        raise typer.BadParameter(
            f"{unit!r} is not a concentration ({dim}); use e.g. nM, uM or ng/mL",
            param_hint=unit_option,
        )


def gr_counts(wells, data, plate_source: str, map_source: str):
    """The sample wells of ``data`` with the columns :func:`~kinetor.assays.fit_gr` reads:
    ``count`` (the well), ``count_control`` (mean of its plate's vehicle wells) and
    ``count_t0`` (mean of its plate's time_zero wells). Time-zero wells must be on every
    plate with samples: a plate without them, without vehicle wells or whose vehicle mean
    did not grow above its time-zero mean is a DataError naming the plate."""
    from kinetor.errors import DataError, Problem

    ctl = wells[wells["role"] == "vehicle"].groupby("plate")["value"].mean()
    t0 = wells[wells["role"] == "time_zero"].groupby("plate")["value"].mean()
    problems = []
    for plate in dict.fromkeys(data["plate"]):
        where = f"plate {plate} (plate file {plate_source}, map {map_source})"
        if plate not in t0.index:
            problems.append(
                Problem(
                    f"{where} has no time_zero wells, other plates do: GR needs the "
                    "time-zero count of every plate",
                    file=map_source,
                    column="role",
                    fix=f"give plate {plate} wells with role time_zero (time-zero wells must "
                    "be on each plate; a separate time-zero plate is not supported), or "
                    "leave time_zero out of every plate to skip GR",
                )
            )
        elif plate not in ctl.index or not ctl[plate] == ctl[plate]:
            problems.append(
                Problem(
                    f"{where} has no vehicle wells with a value: GR needs the control count",
                    file=map_source,
                    column="role",
                    fix=f"give plate {plate} wells with role vehicle",
                )
            )
        elif not ctl[plate] > t0[plate]:
            problems.append(
                Problem(
                    f"{where}: control did not grow (vehicle mean {ctl[plate]:g} <= "
                    f"time-zero mean {t0[plate]:g}): GR is undefined",
                    file=plate_source,
                    fix="check the roles of the vehicle and time_zero wells; GR needs "
                    "growing controls, use the viability fit instead",
                )
            )
    if problems:
        raise DataError(problems)
    return data.assign(
        count=data["value"],
        count_control=data["plate"].map(ctl),
        count_t0=data["plate"].map(t0),
    )


def read_design(design: Path, dose_unit: str):
    """The ``--design`` table of ``kinetor assay western``: one row per sample with
    ``sample``, ``dose`` (a number in ``--dose-unit``, or a number with a unit of the same
    dimension, converted) and optionally ``time`` (h, > 0). A missing column, a blank or
    repeated sample, a dose that is blank, negative, not a number or in another dimension,
    and a blank, non-numeric or non-positive time are a DataError naming file, row and
    column."""
    import numpy as np
    import pandas as pd

    from kinetor.errors import DataError, KinetorError, Problem
    from kinetor.units import convert, parse_quantity

    lay = _read_table(design)
    src = design.name
    for col in ("sample", "dose"):
        if col not in lay.columns:
            raise DataError(
                Problem(
                    f"no {col!r} column",
                    file=src,
                    row=1,
                    column=col,
                    fix="give columns sample, dose and optionally time",
                )
            )
    problems = []
    samples = pd.Series(
        ["" if pd.isna(v) else str(v).strip() for v in lay["sample"]], index=lay.index
    )
    first: dict[str, int] = {}
    doses = np.full(len(lay), np.nan)
    times = np.full(len(lay), np.nan)
    for i, (s, raw) in enumerate(zip(samples, lay["dose"], strict=True)):
        row = i + 2
        if s == "":
            problems.append(
                Problem("blank sample", file=src, row=row, column="sample", fix="name the sample")
            )
        elif s in first:
            problems.append(
                Problem(
                    f"sample {s!r} is listed twice (first at row {first[s]})",
                    file=src,
                    row=row,
                    column="sample",
                    fix="one row per sample: delete the repeated row",
                )
            )
        else:
            first[s] = row
        text = "" if pd.isna(raw) else str(raw)
        try:
            q = parse_quantity(text.strip(), default_unit=dose_unit or None)
            doses[i] = float(convert(q.magnitude, str(q.units), dose_unit or str(q.units)))
        except (KinetorError, ValueError, TypeError) as exc:
            problems.append(
                Problem(
                    f"dose {text!r} is not a number in {dose_unit or 'the dose unit'} ({exc})"
                    if text.strip()
                    else "blank dose",
                    file=src,
                    row=row,
                    column="dose",
                    fix=f"write the dose as a number in {dose_unit or '--dose-unit'} "
                    "(0 for the untreated control)",
                )
            )
            continue
        if not doses[i] >= 0:
            problems.append(
                Problem(
                    f"dose {text!r} is negative",
                    file=src,
                    row=row,
                    column="dose",
                    fix="doses are >= 0 (0 for the untreated control)",
                )
            )
    if "time" in lay.columns:
        for i, raw in enumerate(lay["time"]):
            try:
                times[i] = float(raw)
            except (TypeError, ValueError):
                times[i] = np.nan
            if not (np.isfinite(times[i]) and times[i] > 0):
                problems.append(
                    Problem(
                        f"time {raw!r} is not a number > 0"
                        if not pd.isna(raw) and str(raw).strip()
                        else "blank time",
                        file=src,
                        row=i + 2,
                        column="time",
                        fix="give every sample its treatment time in hours (> 0), or drop "
                        "the time column and use --hours",
                    )
                )
    if problems:
        raise DataError(problems)
    out = lay.assign(sample=samples, dose=doses)
    if "time" in lay.columns:
        out["time"] = times
    return out
