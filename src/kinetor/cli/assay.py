"""``kinetor assay``: dose-response plates, drug combinations, Western blots, clonogenic
survival. Every command writes CSV tables, PNG figures and report.html to ``--out``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _assay_common, _assay_images, _assay_survival, _common
from kinetor.cli._assay_common import OUT, _finish, _read_table


def dose_response(
    file: Annotated[
        Path,
        typer.Argument(
            help="Tidy CSV/Excel (one row per well: dose, response, grouping columns), or a "
            "plate-reader export (96/384-well grids) when --map is given."
        ),
    ],
    plate_map: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="Plate map (tidy: well, role, compound, concentration; or labelled "
            "grids). Roles: sample, vehicle, positive, empty, time_zero.",
        ),
    ] = None,
    dose: Annotated[str, typer.Option("--dose", help="Dose column (tidy input).")] = "dose",
    response: Annotated[
        list[str] | None,
        typer.Option(
            "--response", help="Response column (tidy input); repeat for replicate columns."
        ),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Column(s) defining a curve (default: compound for plates)."),
    ] = None,
    model: Annotated[str, typer.Option("--model", help="4pl, 3pl or 5pl.")] = "4pl",
    fix: Annotated[
        list[str] | None,
        typer.Option("--fix", help="Constrain a parameter: top=100, bottom=0 (repeatable)."),
    ] = None,
    ci: Annotated[str, typer.Option("--ci", help="wald or profile.")] = "wald",
    unit: Annotated[str, typer.Option("--unit", help="Dose unit for the text.")] = "",
    level: Annotated[
        float | None,
        typer.Option(
            "--absolute-level",
            help="Response defining the absolute IC50 (50 for percent, 0.5 for fraction; "
            "default 50, refused when every response is <= 1.5; above 1,000, raw signal, "
            "no absolute IC50 without it).",
        ),
    ] = None,
    compare_network: Annotated[
        str | None,
        typer.Option(
            "--compare-network",
            help="DRUG:CELL_LINE: simulate the same doses through the "
            "pathway network and plot measured vs predicted.",
        ),
    ] = None,
    readout: Annotated[
        str,
        typer.Option(
            "--readout",
            help="Network readout for --compare-network: growth (viability), "
            "pS6_S235_236 or pAKT_S473 (Western readouts).",
        ),
    ] = "growth",
    hours: Annotated[
        float, typer.Option("--hours", help="Assay duration simulated for --compare-network.")
    ] = 72.0,
    out: OUT = Path("assay_dose_response"),
) -> None:
    """Fit dose-response curves (IC50 with CI, Hill, top, bottom, flags).

    Writes dose_response.csv, points.csv and curves.png; with --map also wells.csv,
    plate_qc.csv (Z', edge effect), plates.png and, with time_zero wells, gr_metrics.csv
    (GR50 where GR = 0.5, GR100 where GR = 0, GRmax, GRinf, GEC50, h_GR, GR_AOC).
    """
    from kinetor._figures import save_figure
    from kinetor.assays import (
        DoseResponseFit,
        edge_effect,
        fit_gr,
        merge_plate_map,
        normalise,
        read_plate,
        read_plate_map,
        z_prime,
    )
    from kinetor.assays.plots import plot_curves, plot_plate

    if model not in ("3pl", "4pl", "5pl"):
        raise typer.BadParameter("choose 3pl, 4pl or 5pl", param_hint="--model")
    if ci not in ("wald", "profile"):
        raise typer.BadParameter("choose wald or profile", param_hint="--ci")
    if not file.exists():
        raise FileNotFoundError(f"no such file: {file}")
    from kinetor.assays._checks import check_dose_unit
    from kinetor.errors import KinetorError

    try:
        check_dose_unit(unit)
    except KinetorError as exc:
        raise typer.BadParameter(str(exc), param_hint="--unit") from None
    if compare_network:
        _assay_common.check_compare(compare_network, unit, "--unit")
    d = _common.out_dir(out)
    files: list[Path] = []
    if plate_map is not None:
        if not plate_map.exists():
            raise FileNotFoundError(f"no such file: {plate_map}")
        wells = merge_plate_map(
            read_plate(file, allow_missing=True),
            read_plate_map(plate_map),
            plate_source=file.name,
            map_source=plate_map.name,
        )
        wells = normalise(wells, source=file.name)
        qc = z_prime(wells).merge(edge_effect(wells), on="plate")
        wells.to_csv(d / "wells.csv", index=False)
        qc.to_csv(d / "plate_qc.csv", index=False)
        files += [
            d / "wells.csv",
            d / "plate_qc.csv",
            save_figure(plot_plate(wells), d / "plates.png"),
        ]
        data = wells[wells["role"] == "sample"].rename(columns={"concentration": "dose"})
        dose, resp, source = "dose", "response", file.name
        by = by or ["compound"]
        if (wells["role"] == "time_zero").any():
            gr_in = _assay_common.gr_counts(wells, data, file.name, plate_map.name)
            gr = fit_gr(gr_in, dose="dose", by=by, dose_unit=unit, source=file.name)
            gr.to_csv(d / "gr_metrics.csv", index=False)
            files.append(d / "gr_metrics.csv")
    else:
        (data, resp), source = _long(file, response or ["response"]), file.name
    f = DoseResponseFit(
        model, fix=_common.number_pairs(fix, "--fix"), ci=ci, absolute_level=level, dose_unit=unit
    )
    f.fit(data, dose=dose, response=resp, by=by or None, source=source)
    f.results_.to_csv(d / "dose_response.csv", index=False)
    f.points_.to_csv(d / "points.csv", index=False)
    files += [
        d / "dose_response.csv",
        d / "points.csv",
        save_figure(plot_curves(f, dose=dose, response=resp, dose_unit=unit), d / "curves.png"),
    ]
    if compare_network:
        from kinetor.assays.compare import compare_network as _cmp

        drug, _, line = compare_network.partition(":")
        table, png = _cmp(
            data,
            drug=drug,
            cell_line=line,
            dose=dose,
            response=resp,
            dose_unit=unit,
            readout=readout,
            t_end=hours,
            out=d,
        )
        table.to_csv(d / "measured_vs_predicted.csv", index=False)
        files += [d / "measured_vs_predicted.csv", png]
    _finish(
        d,
        "kinetor assay dose-response",
        files,
        f.results_,
        [
            *(by or []),
            "status",
            "ic50_text",
            "ic50",
            "ic50_ci_low",
            "ic50_ci_high",
            "hill",
            "top",
            "bottom",
            "n_outliers",
        ],
        f"{model.upper()} fits ({ci} CI)",
    )


def _long(path: Path, responses: list[str]):
    from kinetor.assays import melt_replicates

    data = _read_table(path)
    if len(responses) > 1:
        return melt_replicates(data, responses, name="response", source=path.name), "response"
    return data, responses[0]


def synergy(
    file: Annotated[
        Path,
        typer.Argument(
            help="Tidy CSV/Excel, one row per well (or per dose pair with replicate columns): "
            "dose of drug 1, dose of drug 2, viability, grouping columns; or a plate "
            "export with --map."
        ),
    ],
    plate_map: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="Plate map with compound, concentration, compound2, concentration2 "
            "(one or many matrices per plate).",
        ),
    ] = None,
    dose1: Annotated[str, typer.Option("--dose1", help="Drug-1 dose column.")] = "dose1",
    dose2: Annotated[str, typer.Option("--dose2", help="Drug-2 dose column.")] = "dose2",
    response: Annotated[
        list[str] | None,
        typer.Option("--response", help="Viability column; repeat for replicate columns."),
    ] = None,
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Column(s) defining one dose matrix.")
    ] = None,
    methods: Annotated[
        str, typer.Option("--methods", help="Comma-separated: bliss, hsa, loewe, zip, musyc.")
    ] = "bliss,hsa,loewe,zip",
    scale: Annotated[
        str, typer.Option("--scale", help="percent (100 = vehicle) or fraction (1 = vehicle).")
    ] = "percent",
    reference: Annotated[
        str,
        typer.Option(
            "--reference",
            help="Single-agent effects of the Bliss and HSA references: fit (the "
            "monotherapy Hill fits) or observed (the single-agent wells at the same "
            "doses, as SynergyFinder). Loewe and ZIP always use the fits.",
        ),
    ] = "fit",
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples.")] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Bootstrap seed (>= 0).")] = 0,
    out: OUT = Path("assay_synergy"),
) -> None:
    """Synergy scores per dose pair and per matrix (positive = synergy).

    SynergyFinder signs: scores in percentage points, positive = synergy; combination
    index < 1 = synergy.

    Writes synergy_cells.csv, synergy_summary.csv, monotherapy.csv, a heat map per method
    (first matrix), a Bliss surface and, with musyc, musyc_parameters.csv.
    """
    from kinetor._figures import save_figure
    from kinetor.assays import METHODS, fit_musyc
    from kinetor.assays import synergy as run
    from kinetor.assays.plots import plot_matrix

    chosen = [m.strip() for m in methods.split(",") if m.strip()]
    bad = [m for m in chosen if m not in (*METHODS, "musyc")]
    if bad or not chosen:
        raise typer.BadParameter(
            f"unknown {bad}; choose from {', '.join(METHODS)}, musyc", param_hint="--methods"
        )
    if n_boot < 0:
        raise typer.BadParameter("a whole number >= 0 (0: no bootstrap)", param_hint="--n-boot")
    if scale not in ("percent", "fraction"):
        raise typer.BadParameter("percent or fraction", param_hint="--scale")
    if reference not in ("fit", "observed"):
        raise typer.BadParameter("fit or observed", param_hint="--reference")
    if plate_map is not None:
        from kinetor.assays import merge_plate_map, normalise, read_plate, read_plate_map

        if not plate_map.exists():
            raise FileNotFoundError(f"no such file: {plate_map}")
        wells = normalise(
            merge_plate_map(
                read_plate(file, allow_missing=True),
                read_plate_map(plate_map),
                plate_source=file.name,
                map_source=plate_map.name,
            ),
            source=file.name,
        )
        data = wells[(wells["role"] == "sample") & (wells["compound2"] != "")]
        if data.empty:
            from kinetor.errors import DataError, Problem

            raise DataError(
                Problem(
                    "no combination wells",
                    file=plate_map.name,
                    column="compound2",
                    fix="name both compounds on every well of a matrix",
                )
            )
        dose1, dose2, resp, scale = "concentration", "concentration2", "response", "percent"
        by = [*(by or []), "plate", "compound", "compound2"]
    else:
        data, resp = _long(file, response or ["response"])
    d = _common.out_dir(out)
    files: list[Path] = []
    classic = [m for m in chosen if m != "musyc"]
    table = None
    if classic:
        res = run(
            data,
            dose1=dose1,
            dose2=dose2,
            response=resp,
            by=by or None,
            methods=classic,
            scale=scale,
            n_boot=n_boot,
            seed=seed,
            reference=reference,
            source=file.name,
        )
        res.cells.to_csv(d / "synergy_cells.csv", index=False)
        res.summary.to_csv(d / "synergy_summary.csv", index=False)
        res.monotherapy.to_csv(d / "monotherapy.csv", index=False)
        files += [d / "synergy_cells.csv", d / "synergy_summary.csv", d / "monotherapy.csv"]
        first = res.summary.iloc[0]
        key = {c: first[c] for c in res.by}
        label = ", ".join(f"{k}={v}" for k, v in key.items())
        for m in res.summary["method"].unique():
            unit = "CI" if m == "loewe_ci" else "percentage points"
            fig = plot_matrix(
                res.matrix(m, **key), title=f"{m} {label}".strip(), label=f"{m} ({unit})"
            )
            files.append(save_figure(fig, d / f"heatmap_{m}.png"))
        if "bliss" in classic:
            fig = plot_matrix(
                res.matrix("bliss", **key),
                title=f"Bliss {label}".strip(),
                surface=True,
                label="Bliss (pp)",
            )
            files.append(save_figure(fig, d / "surface_bliss.png"))
        table = res.summary
    if "musyc" in chosen:
        pars, cells = fit_musyc(
            data,
            dose1=dose1,
            dose2=dose2,
            response=resp,
            by=by or None,
            scale=scale,
            n_boot=n_boot,
            seed=seed,
            source=file.name,
        )
        pars.to_csv(d / "musyc_parameters.csv", index=False)
        cells.to_csv(d / "musyc_cells.csv", index=False)
        files += [d / "musyc_parameters.csv", d / "musyc_cells.csv"]
        table = pars if table is None else table
    _finish(
        d,
        "kinetor assay synergy",
        files,
        table,
        [
            *(by or []),
            "method",
            "parameter",
            "mean",
            "msa",
            "estimate",
            "ci_low",
            "ci_high",
            "mean_ci_low",
            "mean_ci_high",
            "unit",
            "reference",
            "n_cells",
            "n_boot_failed",
            "note",
        ],
        "Synergy summary",
    )


def register(app: typer.Typer) -> None:
    assay = typer.Typer(
        help="Cell-based assays: dose-response, synergy, Western blot, "
        "clonogenic survival, colony counting.",
        no_args_is_help=True,
    )
    assay.command("dose-response")(dose_response)
    assay.command("synergy")(synergy)
    assay.command("western")(_assay_images.western)
    assay.command("clonogenic")(_assay_survival.clonogenic)
    assay.command("colonies")(_assay_survival.colonies)
    app.add_typer(assay, name="assay")
