"""``kinetor assay western``: blot images to band volumes, ratios and the network comparison
(registered by :mod:`kinetor.cli.assay`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common
from kinetor.cli._assay_common import OUT


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
            raise typer.BadParameter(
                f"write START:END pixel ranges, got {item!r}", param_hint=option
            )
    return out


def _quantify(quantify_blot, image, img, **kw):
    """``quantify_blot`` whose problems name the image file."""
    import dataclasses

    from kinetor.errors import DataError

    try:
        return quantify_blot(img, name=image.stem, **kw)
    except DataError as err:
        raise DataError(
            [p if p.file else dataclasses.replace(p, file=image.name) for p in err.problems]
        ) from None


def _quantify_all(images, references, kw, lane_list, band_rng, d, plot_blot):
    """Quantify every blot (and its reference); per-replicate tables and PNGs."""
    import pandas as pd

    from kinetor._figures import save_figure
    from kinetor.assays import quantify_blot, read_blot
    from kinetor.errors import DataError, Problem

    many = len(images) > 1
    tabs, refs, files = [], [], []
    for i, image in enumerate(images, start=1):
        tag = f"rep{i}_" if many else ""
        img = read_blot(image)
        bands = _quantify(quantify_blot, image, img, **kw)
        for note in bands.attrs.get("notes", []):
            if not _common.STATE["json"]:
                _common.err_console().print(f"[bold yellow]note:[/] {Path(image).name}: {note}")
        if many:
            bands.insert(0, "replicate", i)
            bands.to_csv(d / f"{tag}bands.csv", index=False)
            files.append(d / f"{tag}bands.csv")
        files.append(save_figure(plot_blot(img, bands), d / f"{tag}blot_annotated.png"))
        tabs.append(bands)
        if references:
            rimg = read_blot(references[i - 1])
            if rimg.shape != img.shape:  # its lanes are measured at the target's pixels
                raise DataError(
                    Problem(
                        f"reference image is {rimg.shape[1]} x {rimg.shape[0]} pixels, the "
                        f"target blot {Path(image).name} {img.shape[1]} x {img.shape[0]}",
                        file=Path(references[i - 1]).name,
                        fix="export both images with the same crop and size (the reference's "
                        "lanes are measured at the target's pixel positions)",
                    )
                )
            rkw = {
                **kw,
                "lanes": list(zip(bands["x0"], bands["x1"], strict=True))
                if lane_list is None
                else lane_list,
                "band": None if band_rng is None else band_rng[0],
            }
            ref = _quantify(quantify_blot, references[i - 1], rimg, **rkw)
            if many:
                ref.insert(0, "replicate", i)
            files.append(save_figure(plot_blot(rimg, ref), d / f"{tag}reference_annotated.png"))
            refs.append(ref)
    bands = pd.concat(tabs, ignore_index=True)
    ref = pd.concat(refs, ignore_index=True) if refs else None
    return bands, ref, files


def western(
    images: Annotated[
        list[Path],
        typer.Argument(
            help="Blot image(s) of the target (TIFF/PNG, 8/16 bit); several = replicate blots "
            "with the same lane layout."
        ),
    ],
    reference: Annotated[
        list[Path] | None,
        typer.Option(
            "--reference",
            help="Image of the loading control, total protein or total form "
            "(same lanes); repeat once per target blot.",
        ),
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="loading, total_protein or phospho/total.")
    ] = "loading",
    lanes: Annotated[
        str | None,
        typer.Option("--lanes", help="Lane column ranges x0:x1,x0:x1,... (default: detected)."),
    ] = None,
    n_lanes: Annotated[
        int | None,
        typer.Option("--n-lanes", min=1, help="Expected number of lanes when detecting."),
    ] = None,
    band: Annotated[
        str | None, typer.Option("--band", help="Band row range y0:y1 (default: detected).")
    ] = None,
    labels: Annotated[
        str | None, typer.Option("--labels", help="Comma-separated sample label per lane.")
    ] = None,
    control: Annotated[
        str | None, typer.Option("--control", help="Sample whose ratio becomes 1.")
    ] = None,
    summary: Annotated[
        str,
        typer.Option(
            "--summary",
            help="ratio_summary.csv over lanes (every usable lane of every blot; default) "
            "or blots (each blot's lanes averaged first, n = blots; several blots).",
        ),
    ] = "lanes",
    background: Annotated[
        str, typer.Option("--background", help="rolling_ball, lane or none.")
    ] = "rolling_ball",
    radius: Annotated[
        int, typer.Option("--radius", min=1, help="Rolling-ball radius (px, >= 1).")
    ] = 40,
    dark: Annotated[
        bool,
        typer.Option(
            "--dark-bands/--bright-bands",
            help="Dark bands on light (film) or bright (fluorescence).",
        ),
    ] = False,
    loads: Annotated[
        str | None,
        typer.Option(
            "--loads",
            help="Dilution series: protein load per lane (comma-separated) for the "
            "linear-range check.",
        ),
    ] = None,
    design: Annotated[
        Path | None,
        typer.Option(
            "--design",
            help="CSV with one row per sample label: sample, dose, and optionally "
            "time (h), for --compare-network.",
        ),
    ] = None,
    compare_network: Annotated[
        str | None,
        typer.Option(
            "--compare-network",
            help="DRUG:CELL_LINE: simulate each sample's dose (and time) "
            "through the network next to the measured ratio.",
        ),
    ] = None,
    readout: Annotated[
        str,
        typer.Option(
            "--readout",
            help="Network readout for --compare-network (e.g. pS6_S235_236, pAKT_S473).",
        ),
    ] = "pS6_S235_236",
    dose_unit: Annotated[
        str,
        typer.Option("--dose-unit", help="Unit of the design doses (needed by --compare-network)."),
    ] = "",
    hours: Annotated[
        float, typer.Option("--hours", help="Treatment time when the design has no time column.")
    ] = 24.0,
    out: OUT = Path("assay_western"),
) -> None:
    """Band densitometry with saturation flags; ratios to a reference blot; replicates.

    Writes bands.csv and annotated PNGs of the blots; with --reference ratios.csv and
    ratio_summary.csv (per sample: mean, SD, SEM and n over every usable lane of every blot,
    saturated lanes excluded; --summary blots: over blots, each blot's lanes averaged
    first); with several blots also rep<i>_bands.csv and replicate_ratios.csv (sample x
    replicate, lanes averaged); with --compare-network measured_vs_predicted.csv/png.
    """
    import pandas as pd

    from kinetor.assays import normalise_bands
    from kinetor.assays.plots import plot_blot

    if background not in ("rolling_ball", "lane", "none"):
        raise typer.BadParameter("rolling_ball, lane or none", param_hint="--background")
    from kinetor.assays.blot_ratios import KINDS

    if kind not in KINDS:
        raise typer.BadParameter(", ".join(KINDS), param_hint="--kind")
    load_amounts: list[float] = []
    if loads:
        try:
            load_amounts = [float(v) for v in loads.split(",")]
        except ValueError:
            raise typer.BadParameter(
                f"write the loaded amounts as numbers separated by commas, got {loads!r}",
                param_hint="--loads",
            ) from None
    if summary not in ("lanes", "blots"):
        raise typer.BadParameter("lanes or blots", param_hint="--summary")
    if summary == "blots" and (len(images) < 2 or not reference):
        raise typer.BadParameter(
            "blots needs several blot images and their --reference images (one blot: use lanes)",
            param_hint="--summary",
        )
    if reference and len(reference) != len(images):
        raise typer.BadParameter(
            f"{len(reference)} reference image(s) for {len(images)} blot(s): give one per blot",
            param_hint="--reference",
        )
    if compare_network and not (reference and control and design):
        raise typer.BadParameter(
            "needs --reference, --control (the untreated sample) and --design",
            param_hint="--compare-network",
        )
    if compare_network:
        from kinetor.cli._assay_common import check_compare

        check_compare(compare_network, dose_unit, "--dose-unit")
    lane_list = _ranges(lanes, "--lanes")
    band_rng = _ranges(band, "--band")
    if band_rng is not None and len(band_rng) != 1:
        raise typer.BadParameter("one y0:y1 range", param_hint="--band")
    label_list = [x.strip() for x in labels.split(",")] if labels else None
    kw = {
        "lanes": lane_list,
        "n_lanes": n_lanes,
        "band": band_rng[0] if band_rng else None,
        "background": background,
        "radius": radius,
        "dark_bands": dark,
        "labels": label_list,
    }
    d = _common.out_dir(out)
    bands, ref, files = _quantify_all(images, reference, kw, lane_list, band_rng, d, plot_blot)
    bands.to_csv(d / "bands.csv", index=False)
    files.insert(0, d / "bands.csv")
    table = bands
    if ref is not None:
        ref.to_csv(d / "reference_bands.csv", index=False)
        ratios = normalise_bands(bands, ref, control=control, kind=kind, summary=summary)
        ratios.to_csv(d / "ratios.csv", index=False)
        per_sample = pd.DataFrame(ratios.attrs["summary"])
        per_sample.to_csv(d / "ratio_summary.csv", index=False)
        files += [d / "reference_bands.csv", d / "ratios.csv", d / "ratio_summary.csv"]
        table = per_sample if len(images) > 1 else ratios
        if len(images) > 1:
            value = "relative" if control is not None else "ratio"
            wide = ratios.pivot_table(
                index="sample",
                columns="replicate",
                values=value,
                aggfunc="mean",
                sort=False,
                dropna=False,
            )
            wide.columns = [f"rep{c}" for c in wide.columns]
            wide.to_csv(d / "replicate_ratios.csv")
            files.append(d / "replicate_ratios.csv")
        if compare_network:
            files += _western_vs_network(
                ratios, design, compare_network, readout, dose_unit, hours, d
            )
    if loads:
        import numpy as np

        from kinetor.assays import linear_range

        first = bands[bands["replicate"] == 1] if "replicate" in bands else bands
        amounts = load_amounts
        if len(amounts) != len(first):
            raise typer.BadParameter(
                f"{len(amounts)} loads for {len(first)} lanes", param_hint="--loads"
            )
        lr = linear_range(amounts, first["volume"].to_numpy())
        lr.to_csv(d / "linear_range.csv", index=False)
        files.append(d / "linear_range.csv")
        top = lr.attrs["max_linear_load"]
        _common.info(
            f"linear up to {top:g} (slope {lr.attrs['slope']:.4g}, R2 {lr.attrs['r2']:.4f})"
            if np.isfinite(top)
            else "no linear range: the lowest load is more than 15 % off the line through "
            "the lowest three loads"
        )
    from kinetor.cli._assay_common import _finish

    n_sat = int(bands["saturated"].sum())
    if n_sat and not _common.STATE["json"]:
        _common.err_console().print(
            f"[bold yellow]warning:[/] {n_sat} saturated band(s): flagged, excluded from ratios"
        )
    caption = "Band volumes" if table is bands else "Ratios per lane"
    if table is not bands and len(images) > 1:
        caption = f"Ratios per sample: mean, SD, SEM over {summary} (n = {summary})"
    _finish(
        d,
        "kinetor assay western",
        files,
        table,
        [
            "replicate",
            "lane",
            "sample",
            "volume",
            "volume_ref",
            "ratio",
            "relative",
            "relative_mean",
            "relative_sd",
            "relative_sem",
            "ratio_mean",
            "ratio_sd",
            "ratio_sem",
            "n",
            "n_of",
            "saturated",
            "flag",
            "note",
        ],
        caption,
    )


def _western_vs_network(
    ratios, design: Path, spec: str, readout: str, unit: str, hours: float, d: Path
) -> list[Path]:
    """Measured phospho/total (% of the control sample) next to the network readout."""
    from kinetor.assays.compare import compare_network as _cmp
    from kinetor.cli._assay_common import read_design
    from kinetor.errors import DataError, Problem

    drug, _, line = spec.partition(":")
    if not line:
        raise typer.BadParameter("write DRUG:CELL_LINE", param_hint="--compare-network")
    lay = read_design(design, unit)
    m = ratios.assign(sample=ratios["sample"].astype(str)).merge(lay, on="sample", how="left")
    missing = sorted(set(m.loc[m["dose"].isna(), "sample"]))
    if missing:
        raise DataError(
            Problem(
                f"samples {missing} have no row in the design",
                file=design.name,
                column="sample",
                fix="add a row (sample, dose[, time]) for each lane label",
            )
        )
    m["response"] = 100.0 * m["relative"]
    m = m[m["response"].notna()]
    time_col = "time" if "time" in m.columns else None
    if time_col is None:
        m["time"], time_col = hours, "time"
    table, png = _cmp(
        m,
        drug=drug,
        cell_line=line,
        dose="dose",
        response="response",
        dose_unit=unit,
        readout=readout,
        time=time_col,
        out=d,
    )
    table.to_csv(d / "measured_vs_predicted.csv", index=False)
    return [d / "measured_vs_predicted.csv", png]
