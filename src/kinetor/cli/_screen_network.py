"""``kinetor screen network``: screen genes on the pathway network, their knockdowns
simulated (registered by :mod:`kinetor.cli.screen`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common


def check_fdr(fdr: float) -> None:
    """``--fdr`` in (0, 1] (also used by ``screen test``)."""
    if not 0.0 < fdr <= 1.0:  # NaN fails too
        raise typer.BadParameter(f"{fdr:g}: give an FDR in (0, 1], e.g. 0.05", param_hint="--fdr")


def _read_genes(path: Path):
    """genes.csv or a MAGeCK gene_summary.txt (any delimiter kinetor sniffs), the LFC and
    FDR columns as numbers; a missing column or a non-number is a DataError."""
    import numpy as np
    import pandas as pd

    from kinetor.data._text import cells_as_text, read_raw
    from kinetor.errors import DataError, Problem

    raw = read_raw(path)
    g = raw.frame.rename(
        columns={"id": "gene", "neg|lfc": "neg_lfc", "neg|fdr": "neg_fdr", "pos|fdr": "pos_fdr"}
        if "id" in raw.frame.columns and "neg|fdr" in raw.frame.columns  # MAGeCK layout
        else {}
    )
    need = {"gene", "neg_lfc", "neg_fdr", "pos_fdr"}
    if not need <= set(g.columns):
        raise DataError(
            Problem(
                f"columns {', '.join(sorted(need - set(g.columns)))} are missing",
                file=str(path),
                row=1,
                fix="give genes.csv of 'kinetor screen test' or a MAGeCK gene_summary.txt",
            )
        )
    problems = []
    for col in ("neg_lfc", "neg_fdr", "pos_fdr"):
        text = cells_as_text(g[col]).replace({"NA": "", "N/A": ""})
        g[col] = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(g[col].isna().to_numpy() & (text != "").to_numpy())[:20]:
            problems.append(
                Problem(
                    f"{text.iat[i]!r} is not a number",
                    file=str(path),
                    row=int(raw.rows[i]),
                    column=col,
                    fix="give the table as 'kinetor screen test' or MAGeCK writes it",
                )
            )
    if problems:
        raise DataError(problems)
    return g


def network(
    gene_summary: Annotated[
        Path,
        typer.Argument(help="genes.csv from 'kinetor screen test' or a MAGeCK gene_summary.txt."),
    ],
    lesions: Annotated[
        str | None,
        typer.Option(
            "--lesions", help="Genotype of the screened cells, e.g. 'PTEN_loss;KRAS_mut'."
        ),
    ] = None,
    remaining: Annotated[
        float,
        typer.Option("--remaining", help="Fraction of each gene product left (0 = knockout)."),
    ] = 0.0,
    fdr: Annotated[float, typer.Option("--fdr", help="Screen FDR for a hit.")] = 0.05,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "screen_network_out"
    ),
) -> None:
    """Map screen genes onto the pathway network and simulate their loss.

    Every network node in the table is knocked down in the given genotype; the predicted
    growth and readouts (% of the unperturbed cell) sit next to the screen's LFC and FDR,
    with a call (consistent, consistent (no effect), model gap, model gap (opposite sign),
    not seen in screen, suppressor, not in model; docs/screens.md). Genes that are neither
    network nodes nor hits are left out, counted in a note and listed in left_out.txt.
    Writes network_hits.csv, left_out.txt and report.html.
    """
    from kinetor.screens.network import compare_hits, map_genes

    check_fdr(fdr)
    if not (math.isfinite(remaining) and remaining >= 0.0):
        raise typer.BadParameter(
            f"{remaining:g}: give the fraction of each gene product left, >= 0 "
            "(0 = knockout, 0.2 = 80 % knockdown)",
            param_hint="--remaining",
        )
    g = _read_genes(gene_summary)
    keep = (
        (map_genes(g["gene"])["symbol"] != "").to_numpy()
        | (g["neg_fdr"] < fdr).to_numpy()
        | (g["pos_fdr"] < fdr).to_numpy()
    )
    res = compare_hits(g[keep], lesions=lesions, remaining=remaining, fdr=fdr)
    left = g.loc[~keep, "gene"].astype(str).tolist()
    for note in dict.fromkeys(res["note"][res["note"] != ""]):
        _common.err_console().print(
            f"note: {note}; each row keeps its own screen result", markup=False, style="yellow"
        )
    d = _common.out_dir(out)
    res.to_csv(d / "network_hits.csv", index=False)
    (d / "left_out.txt").write_text("".join(f"{x}\n" for x in left))
    _common.html_report(d, f"kinetor screen network: {gene_summary.name} ({lesions or 'parental'})")
    if _common.STATE["json"]:
        _common.emit_json({"rows": res.to_dict(orient="records"), "left_out": left})
        return
    cols = [
        c
        for c in (
            "gene",
            "neg_lfc",
            "neg_fdr",
            "in_model",
            "growth",
            "pS6K1_T389",
            "pAKT_S473",
            "call",
        )
        if c in res.columns
    ]
    _common.print_frame(res[cols], title="screen genes on the network")
    if left:
        _common.info(
            f"{len(left)} gene(s) neither network nodes nor screen hits at FDR < {fdr:g} left "
            f"out (left_out.txt): {', '.join(left[:20])}{' ...' if len(left) > 20 else ''}"
        )
    _common.info(f"wrote network_hits.csv, left_out.txt and report.html to {d}")
