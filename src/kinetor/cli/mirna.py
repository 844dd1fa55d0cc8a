"""``kinetor mirna targets|enrich|simulate``: miRNA-target analysis on the network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common


def _interactions(
    mirtarbase: Path | None, tarbase: Path | None, curated: bool = True, unverified: bool = True
):
    """The curated table (all rows, or without the unverified ones: said in a line) and the
    database exports given."""
    import pandas as pd

    from kinetor.mirna import read_mirtarbase, read_tarbase, validated_targets

    parts = [validated_targets()] if curated else []
    if parts and not unverified:
        left = parts[0][parts[0]["status"] == "unverified"]
        parts[0] = parts[0][parts[0]["status"] != "unverified"]
        if len(left):
            pairs = ", ".join(
                f"{a} -> {b}" for a, b in zip(left["mirna"], left["target"], strict=True)
            )
            _common.info(
                f"{len(left)} unverified curated interaction(s) left out ({pairs}); "
                "--include-unverified uses them"
            )
    for path, reader in ((mirtarbase, read_mirtarbase), (tarbase, read_tarbase)):
        if path is not None:
            parts.append(reader(path))
            for note in parts[-1].attrs.get("notes", []):  # rows each filter dropped
                _common.info(f"{path.name}: {note}")
    return pd.concat(parts, ignore_index=True)


def _read_de(de: Path):
    """The differential table, its notes (padj NA rows not tested) printed."""
    from kinetor.mirna import read_de_mirnas

    table = read_de_mirnas(de)
    for note in table.attrs.get("notes", []):
        _common.err_console().print(f"note: {de.name}: {note}", markup=False, style="yellow")
    return table


def _check_calls(fdr: float, min_lfc: float = 0.0) -> None:
    """--fdr in (0, 1] and --min-lfc >= 0 (as ``kinetor screen`` checks them)."""
    if not 0.0 < fdr <= 1.0:  # NaN fails too
        raise typer.BadParameter(f"{fdr:g}: give an FDR in (0, 1], e.g. 0.05", param_hint="--fdr")
    if not 0.0 <= min_lfc < float("inf"):
        raise typer.BadParameter(
            f"{min_lfc:g}: give a |log2fc| cut-off >= 0 (0 = any change)", param_hint="--min-lfc"
        )


def _matched(table, inter, de: Path, fdr: float, min_lfc: float = 0.0):
    """``table`` with its names matched to the interactions (case-insensitively where
    unambiguous), the renamed and unmatched names in a note; none matched: a DataError."""
    from kinetor.errors import DataError, Problem
    from kinetor.mirna import changed_mirnas, match_mirnas

    table, renamed, unmatched = match_mirnas(table, inter)
    if len(unmatched) == len(table):
        raise DataError(
            Problem(
                f"none of the {len(table)} miRNA names matches a validated interaction "
                f"(e.g. {', '.join(map(repr, unmatched[:3]))})",
                file=str(de),
                column="mirna",
                fix="write miRBase mature names as in the interaction table "
                "(hsa-miR-21-5p), or add your database export with --mirtarbase/--tarbase",
            )
        )
    if renamed:
        pairs = [f"{a} -> {b}" for a, b in renamed.items()]
        _common.info(f"{len(renamed)} miRNA name(s) matched ignoring case: {', '.join(pairs)}")
    if unmatched:
        changed = set(changed_mirnas(table, fdr, min_lfc)["mirna"]) & set(unmatched)
        _common.err_console().print(
            f"note: {len(unmatched)} of {len(table)} miRNA name(s) in {de.name} "
            f"({len(changed)} of them changed) match no validated interaction and have no "
            f"targets: {', '.join(unmatched[:10])}{' ...' if len(unmatched) > 10 else ''}",
            markup=False,
            style="yellow",
        )
    return table


_MTB = typer.Option(
    "--mirtarbase", help="miRTarBase export file to add (strong evidence rows only)."
)
_TB = typer.Option("--tarbase", help="DIANA-TarBase export file to add (strong methods only).")
_UNV = typer.Option(
    "--include-unverified",
    help="Also use curated interactions of status unverified (source not read).",
)


def _no_changed(table, de: Path, fdr: float, min_lfc: float = 0.0) -> bool:
    """A note when no miRNA passes the cut-offs (nothing changes); True then."""
    from kinetor.mirna import changed_mirnas

    if len(changed_mirnas(table, fdr, min_lfc)):
        return False
    cut = f"padj < {fdr:g}" + (f" and |log2fc| >= {min_lfc:g}" if min_lfc else "")
    _common.err_console().print(
        f"note: none of the {len(table)} miRNA(s) in {de.name} passes {cut}: no miRNA is "
        "changed, so no target changes",
        markup=False,
        style="yellow",
    )
    return True


def _gene_list(path: Path | None, what: str, fix: str):
    """A gene list file (None when not given); an empty one is a DataError. Of a table,
    the column read is said in a note."""
    from kinetor.screens.io import read_gene_list

    if path is None:
        return None
    genes = read_gene_list(path)
    if genes.position is not None:  # a table: say which column the genes came from
        head = repr(genes.column) if genes.column else "(no header line)"
        _common.err_console().print(
            f"note: {path.name}: {what.split()[0]} genes read from column {genes.position} {head}",
            markup=False,
            style="yellow",
        )
    if not genes:
        from kinetor.errors import DataError, Problem

        raise DataError(
            Problem(
                f"the {what} gene list is empty: no enrichment can be tested",
                file=str(path),
                fix=fix,
            )
        )
    return genes


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
            help="Gene universe, one per line, or a table whose gene column (by its header: "
            "gene, symbol, gene symbol, gene name...; genes as row names: the first column) "
            "is read (default: all genes with a validated interaction in the table used).",
        ),
    ] = None,
    pathway: Annotated[
        Path | None,
        typer.Option(
            "--pathway",
            help="Pathway genes, one per line or a table's gene column, as --background "
            "(default: the network's nodes).",
        ),
    ] = None,
    mirtarbase: Annotated[Path | None, _MTB] = None,
    tarbase: Annotated[Path | None, _TB] = None,
    include_unverified: Annotated[bool, _UNV] = False,
    fdr: Annotated[float, typer.Option("--fdr", help="padj cut-off for a changed miRNA.")] = 0.05,
    min_lfc: Annotated[float, typer.Option("--min-lfc", help="|log2fc| cut-off.")] = 0.0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "mirna_enrich_out"
    ),
) -> None:
    """Pathway targets of changed miRNAs and their enrichment (hypergeometric, BH FDR).

    Writes pathway_targets.csv, enrichment.csv and report.html.
    """
    from kinetor.mirna import enrichment, pathway_targets

    _check_calls(fdr, min_lfc)
    table = _read_de(de)
    inter = _interactions(mirtarbase, tarbase, unverified=include_unverified)
    table = _matched(table, inter, de, fdr, min_lfc)
    bg = _gene_list(
        background,
        "background (N = 0)",
        "give the genes measured or expressed, one per line, or leave out --background",
    )
    pw = _gene_list(
        pathway,
        "pathway (K = 0)",
        "give the pathway genes, one per line, or leave out --pathway (the network's nodes)",
    )
    _no_changed(table, de, fdr, min_lfc)
    pt = pathway_targets(table, inter, pw, fdr, min_lfc, include_unverified=True)
    en = enrichment(table, inter, pw, bg, fdr, min_lfc, include_unverified=True)
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
    include_unverified: Annotated[bool, _UNV] = False,
    fdr: Annotated[float, typer.Option("--fdr", help="padj cut-off for a changed miRNA.")] = 0.05,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "mirna_simulate_out"
    ),
) -> None:
    """miRNA changes -> target protein changes -> simulated readouts and growth.

    Writes protein_changes.csv (with in_model: targets that are not network nodes change
    no readout), readouts.csv (% of the unchanged cell) and report.html.
    """
    from kinetor.mirna import (
        pathway_targets,
        protein_changes,
        simulate_mirna_change,
    )
    from kinetor.screens.network import NODES

    _check_calls(fdr)
    if not (0.0 <= efficacy < 1.0 and 0.0 < k < float("inf")):  # NaN fails too
        raise typer.BadParameter(
            f"--efficacy {efficacy:g} must be in [0, 1) and --k {k:g} a finite number > 0 "
            "(e.g. 0.33 and 1)",
            param_hint="--efficacy/--k",
        )
    table = _read_de(de)
    inter = _interactions(mirtarbase, tarbase, unverified=include_unverified)
    table = _matched(table, inter, de, fdr)
    # every target of the changed miRNAs: those that are not network nodes are reported
    pt = pathway_targets(table, inter, list(inter["target"]), fdr, include_unverified=True)
    ch = protein_changes(pt, efficacy, k)
    res = simulate_mirna_change(ch, lesions=lesions)
    ch["in_model"] = ch["target"].isin(list(NODES))
    outside = list(res.attrs["not_in_model"])
    if not _no_changed(table, de, fdr) and not ch["in_model"].any():
        _common.err_console().print(
            "note: no changed miRNA has a validated target that is a network node: every "
            "readout stays at 100 %",
            markup=False,
            style="yellow",
        )
    d = _common.out_dir(out)
    ch.to_csv(d / "protein_changes.csv", index=False)
    res.to_csv(d / "readouts.csv", index=False)
    _common.html_report(d, f"kinetor mirna simulate: {de.name} ({lesions or 'parental'})")
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "protein_changes": ch.to_dict(orient="records"),
                "readouts": res.to_dict(orient="records"),
                "not_in_model": outside,
            }
        )
        return
    _common.print_frame(ch, title=f"target protein changes (E = {efficacy}, K = {k})")
    if outside:
        _common.info(
            f"not in model: {', '.join(outside)} (not network nodes: their protein changes "
            "change no readout)"
        )
    _common.print_frame(res, title="readouts, % of the unchanged cell")
    _common.info(f"wrote protein_changes.csv, readouts.csv and report.html to {d}")


def register(app: typer.Typer) -> None:
    mirna_app = typer.Typer(help="miRNA-target analysis on the network.", no_args_is_help=True)
    mirna_app.command("targets")(targets)
    mirna_app.command("enrich")(enrich)
    mirna_app.command("simulate")(simulate)
    app.add_typer(mirna_app, name="mirna")
