"""``kinetor assay clonogenic`` and ``kinetor assay colonies``: survival curves from colony
counts, and colony counts from plate images (registered by :mod:`kinetor.cli.assay`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common
from kinetor.cli._assay_common import OUT


def clonogenic(
    file: Annotated[
        Path,
        typer.Argument(
            help="Tidy CSV/Excel, one row per dish: group, dose (Gy), seeded, colonies."
        ),
    ],
    control: Annotated[
        str | None,
        typer.Option("--control", help="Reference group for the sensitiser enhancement ratio."),
    ] = None,
    group: Annotated[str, typer.Option("--group", help="Group column.")] = "group",
    dose: Annotated[str, typer.Option("--dose", help="Dose column (Gy).")] = "dose",
    seeded: Annotated[str, typer.Option("--seeded", help="Cells-seeded column.")] = "seeded",
    colonies: Annotated[str, typer.Option("--colonies", help="Colony column.")] = "colonies",
    out: OUT = Path("assay_clonogenic"),
) -> None:
    """Clonogenic survival: plating efficiency, SF, linear-quadratic fits, SER.

    alpha, beta, SF2, D10 and mean inactivation dose with CIs; sensitiser enhancement
    ratios at SF 0.5 and 0.1 against --control.

    Writes survival.csv, plating_efficiency.csv, lq_fits.csv, ser.csv and survival.png.
    """
    from kinetor._figures import save_figure
    from kinetor.assays import clonogenic as run
    from kinetor.assays.clonogenic_survival import _validate, _whole_counts
    from kinetor.assays.plots import plot_survival
    from kinetor.cli._assay_common import _finish, _read_table
    from kinetor.errors import DataError

    data = _read_table(file)
    if colonies in data.columns and (bad := _whole_counts(data, colonies, file.name)):
        try:  # reported with every other problem of the table
            _validate(data, dose, seeded, colonies, group, file.name)
        except DataError as err:
            bad += err.problems
        raise DataError(bad)
    r = run(
        data,
        dose=dose,
        seeded=seeded,
        colonies=colonies,
        group=group,
        control=control,
        source=file.name,
    )
    d = _common.out_dir(out)
    r["points"].to_csv(d / "survival.csv", index=False)
    r["plating"].to_csv(d / "plating_efficiency.csv", index=False)
    r["fits"].to_csv(d / "lq_fits.csv", index=False)
    files = [d / "survival.csv", d / "plating_efficiency.csv", d / "lq_fits.csv"]
    if len(r["ser"]):
        r["ser"].to_csv(d / "ser.csv", index=False)
        files.append(d / "ser.csv")
    pts = r["points"].rename(columns={group: "group", dose: "dose"})
    fits = r["fits"][r["fits"]["converged"]]
    files.append(save_figure(plot_survival(pts[pts["used"]], fits), d / "survival.png"))
    _finish(
        d,
        "kinetor assay clonogenic",
        files,
        r["fits"],
        ["group", "alpha", "beta", "SF2", "D10", "MID", "converged", "note"],
        "Linear-quadratic fits",
    )


def _read_layout(layout: Path, images: list[Path]):
    """The --layout table, checked before any image is counted: columns, numbers (dose
    >= 0, seeded > 0) and the same images as those passed (none dropped, none missing)."""
    import numpy as np

    from kinetor.assays._tidy import require_numeric
    from kinetor.cli._assay_common import _read_table
    from kinetor.errors import DataError, Problem

    lay = _read_table(layout)
    need = [c for c in ("image", "group", "dose", "seeded") if c not in lay.columns]
    if need:
        raise DataError(
            Problem(
                f"missing column(s) {need}",
                file=layout.name,
                row=1,
                fix="give columns image, group, dose, seeded",
            )
        )
    problems: list[Problem] = []
    try:  # dose >= 0 and seeded > 0 (colonies <= seeded is checked once they are counted)
        require_numeric(
            lay, ["dose", "seeded"], ["image", "group"], source=layout.name, nonnegative=["dose"]
        )
        seeded = lay["seeded"].astype(float).to_numpy()
        problems += [
            Problem(
                "no cells seeded",
                file=layout.name,
                row=int(i) + 2,
                column="seeded",
                fix="cells seeded must be > 0",
            )
            for i in np.flatnonzero(seeded <= 0)
        ]
    except DataError as err:
        problems += err.problems
    names = lay["image"].astype(str).str.strip()
    first: dict[str, int] = {}
    for i, name in enumerate(names):  # one image is one dish: a repeat would count it twice
        if name in first:
            problems.append(
                Problem(
                    f"image {name!r} is listed twice (first at row {first[name]})",
                    file=layout.name,
                    row=i + 2,
                    column="image",
                    fix="one row per image (one dish each): delete the repeated row",
                )
            )
        first.setdefault(name, i + 2)
    named = {p.name for p in images}
    listed = set(lay["image"].astype(str))
    if listed - named:
        problems.append(
            Problem(
                f"images {sorted(listed - named)} of the layout were not passed",
                file=layout.name,
                column="image",
                fix="pass every image named in the layout",
            )
        )
    if named - listed:
        problems.append(
            Problem(
                f"images {sorted(named - listed)} are not in the layout",
                file=layout.name,
                column="image",
                fix="add a row (group, dose, seeded) for every image passed, or leave it out",
            )
        )
    if problems:
        raise DataError(problems)
    return lay.assign(image=lay["image"].astype(str))


def colonies(
    images: Annotated[
        list[Path], typer.Argument(help="Plate images (PNG/JPEG/TIFF), one dish each.")
    ],
    radius: Annotated[
        float, typer.Option("--radius", help="Expected colony radius (pixels).")
    ] = 8.0,
    dark: Annotated[
        bool,
        typer.Option(
            "--dark-colonies/--bright-colonies",
            help="Stained colonies darker than the dish (default) or brighter.",
        ),
    ] = True,
    min_area: Annotated[
        float | None,
        typer.Option("--min-area", help="Smallest object counted (pixels; default pi r^2 / 4)."),
    ] = None,
    dish: Annotated[
        str | None,
        typer.Option(
            "--dish", help="Circular dish ROW,COL,RADIUS in pixels (default whole image)."
        ),
    ] = None,
    layout: Annotated[
        Path | None,
        typer.Option(
            "--layout",
            help="CSV: image (file name), group, dose, seeded -> writes "
            "clonogenic_input.csv for 'kinetor assay clonogenic'.",
        ),
    ] = None,
    out: OUT = Path("assay_colonies"),
) -> None:
    """Count colonies on plate images (threshold, watershed split, clump flags).

    Writes colony_counts.csv (one row per image), colonies_<image>.csv (every object) and
    an annotated PNG per image; with --layout, clonogenic_input.csv.
    """
    import math

    import pandas as pd

    from kinetor._figures import save_figure
    from kinetor.assays.colonies import count_colonies, plot_colonies, read_plate_image
    from kinetor.cli._assay_common import _finish

    for option, v in (("--radius", radius), ("--min-area", min_area)):
        if v is not None and not 0 < v < math.inf:  # NaN fails too
            raise typer.BadParameter(f"{v:g}: give a number of pixels > 0", param_hint=option)
    circle = None
    if dish:
        try:
            circle = tuple(float(v) for v in dish.split(","))
        except ValueError:
            circle = ()
        if len(circle) != 3 or not all(map(math.isfinite, circle)) or not circle[2] > 0:
            raise typer.BadParameter(
                "write ROW,COL,RADIUS in pixels, the radius > 0", param_hint="--dish"
            )
    lay = _read_layout(layout, images) if layout is not None else None
    d = _common.out_dir(out)
    rows, files = [], []
    for p in images:
        img = read_plate_image(p)
        res = count_colonies(img, radius=radius, dark=dark, min_area=min_area, dish=circle)
        for note in res.notes:
            if not _common.STATE["json"]:
                _common.err_console().print(f"[bold yellow]warning:[/] {p.name}: {note}")
        res.objects.to_csv(d / f"colonies_{p.stem}.csv", index=False)
        files += [
            d / f"colonies_{p.stem}.csv",
            save_figure(plot_colonies(img, res, title=p.name), d / f"colonies_{p.stem}.png"),
        ]
        rows.append(
            {
                "image": p.name,
                "colonies": res.count,
                "objects": len(res.objects),
                "clumps": int(res.objects["clump"].sum()),
                "threshold": res.threshold,
                "note": "; ".join(res.notes),
            }
        )
    counts = pd.DataFrame(rows)
    counts.to_csv(d / "colony_counts.csv", index=False)
    files.insert(0, d / "colony_counts.csv")
    if lay is not None and layout is not None:
        from kinetor.assays.clonogenic_survival import _validate

        m = lay.merge(counts[["image", "colonies"]], on="image", how="left")
        _validate(m, "dose", "seeded", "colonies", "group", layout.name)  # colonies <= seeded
        m.to_csv(d / "clonogenic_input.csv", index=False)
        files.append(d / "clonogenic_input.csv")
    _finish(
        d,
        "kinetor assay colonies",
        files,
        counts,
        ["image", "colonies", "objects", "clumps", "note"],
        "Colony counts",
    )
