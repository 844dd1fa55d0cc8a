"""``kinetor mirna targets|enrich|simulate``: miRNA-target analysis on the network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common


def _interactions(mirtarbase: Path | None, tarbase: Path | None, curated: bool = True):
    import pandas as pd

    from kinetor.mirna import read_mirtarbase, read_tarbase, validated_targets

    parts = [validated_targets()] if curated else []
    for path, reader in ((mirtarbase, read_mirtarbase), (tarbase, read_tarbase)):
        if path is not None:
            parts.append(reader(path))
            for note in parts[-1].attrs.get("notes", []):  # rows each filter dropped
                _common.info(f"{path.name}: {note}")
    return pd.concat(parts, ignore_index=True)


_MTB = typer.Option(
    "--mirtarbase", help="miRTarBase export file to add (strong evidence rows only)."
)
_TB = typer.Option("--tarbase", help="DIANA-TarBase export file to add (strong methods only).")


def targets(
    mirtarbase: Annotated[Path | None, _MTB] = None,
    tarbase: Annotated[Path | None, _TB] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "mirna_targets_out"
    ),
) -> None:
    """Validated miRNA -> target interactions for the network's genes (with sources).

    Writes targets.csv (mirna, target, evidence, pmid, reference, status, in_model) and
    report.html.
    """
    from kinetor.screens.network import map_genes

    t = _interactions(mirtarbase, tarbase)
    t["in_model"] = (map_genes(t["target"])["symbol"] != "").to_numpy()
    d = _common.out_dir(out)
    t.to_csv(d / "targets.csv", index=False)
    _common.html_report(d, "kinetor mirna targets")
    if _common.STATE["json"]:
        _common.emit_json({"rows": t.to_dict(orient="records")})
        return
    _common.print_frame(
        t[["mirna", "target", "evidence", "pmid", "status", "in_model"]],
        title="validated miRNA -> target interactions",
    )
    _common.info(f"wrote targets.csv and report.html to {d}")


def enrich(
    de: Annotated[
        Path, typer.Argument(help="Differential miRNA table: mirna, log2fc, padj (CSV/TSV).")
    ],
    background: Annotated[
        Path | None,
        typer.Option(
            "--background",
            help="Gene universe, one per line (default: all genes with a "
            "validated interaction in the table used).",
        ),
    ] = None,
    pathway: Annotated[
        Path | None,
        typer.Option(
            "--pathway", help="Pathway genes, one per line (default: the network's nodes)."
        ),
    ] = None,
    mirtarbase: Annotated[Path | None, _MTB] = None,
    tarbase: Annotated[Path | None, _TB] = None,
    fdr: Annotated[float, typer.Option("--fdr", help="padj cut-off for a changed miRNA.")] = 0.05,
    min_lfc: Annotated[float, typer.Option("--min-lfc", help="|log2fc| cut-off.")] = 0.0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "mirna_enrich_out"
    ),
) -> None:
    """Pathway targets of changed miRNAs and their enrichment (hypergeometric, BH FDR).

    Writes pathway_targets.csv, enrichment.csv and report.html.
    """
    from kinetor.mirna import enrichment, pathway_targets, read_de_mirnas
    from kinetor.screens.io import read_gene_list

    table = read_de_mirnas(de)
    inter = _interactions(mirtarbase, tarbase)
    bg = read_gene_list(background) if background else None
    pw = read_gene_list(pathway) if pathway else None
    pt = pathway_targets(table, inter, pw, fdr, min_lfc)
    en = enrichment(table, inter, pw, bg, fdr, min_lfc)
    d = _common.out_dir(out)
    pt.to_csv(d / "pathway_targets.csv", index=False)
    en.to_csv(d / "enrichment.csv", index=False)
    _common.html_report(d, f"kinetor mirna enrich: {de.name}")
    if _common.STATE["json"]:
        _common.emit_json(
            {"enrichment": en.to_dict(orient="records"), "targets": pt.to_dict(orient="records")}
        )
        return
    _common.print_frame(en, title="enrichment of pathway genes among targets")
    _common.info(f"wrote pathway_targets.csv, enrichment.csv and report.html to {d}")


def simulate(
    de: Annotated[Path, typer.Argument(help="Differential miRNA table: mirna, log2fc, padj.")],
    lesions: Annotated[
        str | None, typer.Option("--lesions", help="Genotype, e.g. 'PTEN_loss;KRAS_mut'.")
    ] = None,
    efficacy: Annotated[
        float,
        typer.Option("--efficacy", help="Maximal repression E of a target by one miRNA (0..1)."),
    ] = 0.33,
    k: Annotated[
        float, typer.Option("--k", help="miRNA level (fold of reference) giving half of E.")
    ] = 1.0,
    mirtarbase: Annotated[Path | None, _MTB] = None,
    tarbase: Annotated[Path | None, _TB] = None,
    fdr: Annotated[float, typer.Option("--fdr", help="padj cut-off for a changed miRNA.")] = 0.05,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "mirna_simulate_out"
    ),
) -> None:
    """miRNA changes -> target protein changes -> simulated readouts and growth.

    Writes protein_changes.csv, readouts.csv (% of the unchanged cell) and report.html.
    """
    from kinetor.mirna import (
        pathway_targets,
        protein_changes,
        read_de_mirnas,
        simulate_mirna_change,
    )

    table = read_de_mirnas(de)
    pt = pathway_targets(table, _interactions(mirtarbase, tarbase), None, fdr)
    ch = protein_changes(pt, efficacy, k)
    res = simulate_mirna_change(ch, lesions=lesions)
    d = _common.out_dir(out)
    ch.to_csv(d / "protein_changes.csv", index=False)
    res.to_csv(d / "readouts.csv", index=False)
    _common.html_report(d, f"kinetor mirna simulate: {de.name} ({lesions or 'parental'})")
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "protein_changes": ch.to_dict(orient="records"),
                "readouts": res.to_dict(orient="records"),
            }
        )
        return
    _common.print_frame(ch, title=f"target protein changes (E = {efficacy}, K = {k})")
    _common.print_frame(res, title="readouts, % of the unchanged cell")
    _common.info(f"wrote protein_changes.csv, readouts.csv and report.html to {d}")


def register(app: typer.Typer) -> None:
    mirna_app = typer.Typer(help="miRNA-target analysis on the network.", no_args_is_help=True)
    mirna_app.command("targets")(targets)
    mirna_app.command("enrich")(enrich)
    mirna_app.command("simulate")(simulate)
    app.add_typer(mirna_app, name="mirna")
