"""``kinetor assay western`` and ``kinetor assay clonogenic`` (registered by
:mod:`kinetor.cli.assay`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common

OUT = Annotated[Path, typer.Option("--out", "-o", help="Output directory.")]


def _ranges(text: str | None, option: str) -> list[tuple[int, int]] | None:
    if not text:
        return None
    out = []
    for item in text.split(","):
        a, sep, b = item.partition(":")
        try:
            out.append((int(a), int(b)))
        except ValueError:
            sep = ""
        if not sep:
            raise typer.BadParameter(f"write START:END pixel ranges, got {item!r}",
                                     param_hint=option)
    return out


def western(
    image: Annotated[Path, typer.Argument(help="Blot image of the target (TIFF/PNG, 8/16 bit).")],
    reference: Annotated[Path | None, typer.Option(
        "--reference", help="Image of the loading control, total protein or total form "
                            "(same lanes).")] = None,
    kind: Annotated[str, typer.Option(
        "--kind", help="loading, total_protein or phospho/total.")] = "loading",
    lanes: Annotated[str | None, typer.Option(
        "--lanes", help="Lane column ranges x0:x1,x0:x1,... (default: detected).")] = None,
    n_lanes: Annotated[int | None, typer.Option(
        "--n-lanes", help="Expected number of lanes when detecting.")] = None,
    band: Annotated[str | None, typer.Option(
        "--band", help="Band row range y0:y1 (default: detected).")] = None,
    labels: Annotated[str | None, typer.Option(
        "--labels", help="Comma-separated sample label per lane.")] = None,
    control: Annotated[str | None, typer.Option(
        "--control", help="Sample whose ratio becomes 1.")] = None,
    background: Annotated[str, typer.Option(
        "--background", help="rolling_ball, lane or none.")] = "rolling_ball",
    radius: Annotated[int, typer.Option("--radius", help="Rolling-ball radius (px).")] = 40,
    dark: Annotated[bool, typer.Option(
        "--dark-bands/--bright-bands", help="Dark bands on light (film) or bright "
                                            "(fluorescence).")] = False,
    loads: Annotated[str | None, typer.Option(
        "--loads", help="Dilution series: protein load per lane (comma-separated) for the "
                        "linear-range check.")] = None,
    out: OUT = Path("assay_western"),
) -> None:
    """Band densitometry with saturation flags; ratios to a reference blot.

    Writes bands.csv (and reference_bands.csv, ratios.csv, ratio_summary.csv with
    --reference) and annotated PNGs of the blots.
    """
    import pandas as pd

    from kinetor.assays import normalise_bands, quantify_blot, read_blot
    from kinetor.assays.plots import plot_blot

    if background not in ("rolling_ball", "lane", "none"):
        raise typer.BadParameter("rolling_ball, lane or none", param_hint="--background")
    lane_list = _ranges(lanes, "--lanes")
    band_rng = _ranges(band, "--band")
    if band_rng is not None and len(band_rng) != 1:
        raise typer.BadParameter("one y0:y1 range", param_hint="--band")
    label_list = [x.strip() for x in labels.split(",")] if labels else None
    kw = {"lanes": lane_list, "n_lanes": n_lanes, "band": band_rng[0] if band_rng else None,
          "background": background, "radius": radius, "dark_bands": dark, "labels": label_list}
    d = _common.out_dir(out)
    img = read_blot(image)
    bands = quantify_blot(img, name=image.stem, **kw)
    bands.to_csv(d / "bands.csv", index=False)
    files = [d / "bands.csv", plot_blot(img, bands, d / "blot_annotated.png")]
    table = bands
    if reference is not None:
        rimg = read_blot(reference)
        kw["lanes"] = list(zip(bands["x0"], bands["x1"], strict=True)) if lane_list is None \
            else lane_list
        ref = quantify_blot(rimg, name=reference.stem, **{**kw, "band": None if band_rng
                                                          is None else band_rng[0]})
        ref.to_csv(d / "reference_bands.csv", index=False)
        ratios = normalise_bands(bands, ref, control=control, kind=kind)
        ratios.to_csv(d / "ratios.csv", index=False)
        pd.DataFrame(ratios.attrs["summary"]).to_csv(d / "ratio_summary.csv", index=False)
        files += [d / "reference_bands.csv", d / "ratios.csv", d / "ratio_summary.csv",
                  plot_blot(rimg, ref, d / "reference_annotated.png")]
        table = ratios
    if loads:
        from kinetor.assays import linear_range

        amounts = [float(v) for v in loads.split(",")]
        if len(amounts) != len(bands):
            raise typer.BadParameter(f"{len(amounts)} loads for {len(bands)} lanes",
                                     param_hint="--loads")
        lr = linear_range(amounts, bands["volume"].to_numpy())
        lr.to_csv(d / "linear_range.csv", index=False)
        files.append(d / "linear_range.csv")
        _common.info(f"linear up to {lr.attrs['max_linear_load']:g} (slope "
                     f"{lr.attrs['slope']:.4g}, R2 {lr.attrs['r2']:.4f})")
    from kinetor.cli.assay import _finish

    n_sat = int(bands["saturated"].sum())
    if n_sat and not _common.STATE["json"]:
        _common.err_console().print(f"[bold yellow]warning:[/] {n_sat} saturated band(s): "
                                    "flagged, excluded from ratios")
    _finish(d, "kinetor assay western", files, table,
            ["lane", "sample", "volume", "volume_ref", "ratio", "relative", "saturated",
             "flag", "note"], "Band volumes")


def clonogenic(
    file: Annotated[Path, typer.Argument(
        help="Tidy CSV/Excel, one row per dish: group, dose (Gy), seeded, colonies.")],
    control: Annotated[str | None, typer.Option(
        "--control", help="Reference group for the sensitiser enhancement ratio.")] = None,
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
    from kinetor.assays import clonogenic as run
    from kinetor.assays.plots import plot_survival
    from kinetor.cli.assay import _finish, _read_table

    data = _read_table(file)
    r = run(data, dose=dose, seeded=seeded, colonies=colonies, group=group, control=control,
            source=file.name)
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
    files.append(plot_survival(pts[pts["used"]], fits, d / "survival.png"))
    _finish(d, "kinetor assay clonogenic", files, r["fits"],
            ["group", "alpha", "beta", "SF2", "D10", "MID", "converged", "note"],
            "Linear-quadratic fits")
