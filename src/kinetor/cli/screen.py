"""``kinetor screen count|qc|test|mle|network``: pooled CRISPR/shRNA screens."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common
from kinetor.cli._screen_mle import mle, note_unknown
from kinetor.cli._screen_network import check_fdr, network

_NORM = ("median", "total", "control", "none")


def _lines(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    from kinetor.screens import read_gene_list

    return read_gene_list(path)


def _tidy_guides(res):
    import numpy as np

    from kinetor.screens.hits import _fmt_counts

    g = res.guides.copy()
    for c in ("control_count", "treatment_count"):
        g[c] = _fmt_counts(np.vstack(g[c].to_numpy()))
    return g


def count(
    fastq: Annotated[
        list[Path], typer.Argument(help="FASTQ files (gzip or plain), one per sample.")
    ],
    library: Annotated[
        Path, typer.Option("--library", "-l", help="Library: id, sequence, gene (TSV/CSV).")
    ],
    sample_label: Annotated[
        str | None,
        typer.Option("--sample-label", help="Sample names, comma-separated (default: file names)."),
    ] = None,
    trim5: Annotated[
        str,
        typer.Option(
            "--trim-5",
            help="Bases before the guide; several, comma-separated, for staggered adapters "
            "(24,25,26,27); or 'auto' (MAGeCK's AUTO rule).",
        ),
    ] = "0",
    mismatches: Annotated[int, typer.Option("--mismatches", help="0 (exact) or 1.")] = 0,
    reverse_complement: Annotated[
        bool,
        typer.Option(
            "--reverse-complement", help="Reads carry the reverse complement of the spacer."
        ),
    ] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "screen_count_out"
    ),
) -> None:
    """Count library guides in FASTQ files (exact or one-mismatch matching).

    Writes screen.count.txt (MAGeCK count-table layout), mapping.csv (per-sample reads,
    mapped fraction, zero-count guides, Gini index) and report.html.
    """
    import warnings

    from kinetor.errors import DataError, Problem
    from kinetor.screens import count_fastq, read_library

    if mismatches not in (0, 1):
        raise typer.BadParameter(
            f"{mismatches}: give 0 (exact) or 1 (one substitution)", param_hint="--mismatches"
        )
    lib = read_library(library)
    if sample_label:
        labels = [s.strip() for s in sample_label.split(",")]
        twice = sorted({s for s in labels if labels.count(s) > 1})
        if len(labels) != len(fastq) or twice:
            raise DataError(
                Problem(
                    f"sample label(s) {', '.join(twice)} given twice"
                    if twice
                    else f"{len(labels)} sample labels for {len(fastq)} FASTQ files",
                    fix="give one distinct label per file, in order",
                )
            )
        files = dict(zip(labels, fastq, strict=True))
    else:
        files = list(fastq)
    if trim5.lower() != "auto" and not all(x.strip().isdigit() for x in trim5.split(",")):
        raise typer.BadParameter(
            "an integer >= 0, several for staggered adapters (24,25,26,27), or 'auto'",
            param_hint="--trim-5",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        res = count_fastq(
            files,
            lib,
            trim5=trim5,
            mismatches=mismatches,
            reverse_complement=reverse_complement,
        )
    for w in caught:
        _common.err_console().print(f"warning: {w.message}", markup=False, style="bold yellow")
    d = _common.out_dir(out)
    res.counts.to_frame().to_csv(d / "screen.count.txt", sep="\t", index=False, float_format="%.0f")
    res.mapping.to_csv(d / "mapping.csv", index=False)
    _common.html_report(d, f"kinetor screen count: {len(files)} FASTQ file(s)")
    if _common.STATE["json"]:
        _common.emit_json({"mapping": res.mapping.to_dict(orient="records")})
        return
    _common.print_frame(res.mapping, title="mapping statistics")
    _common.info(f"wrote screen.count.txt, mapping.csv and report.html to {d}")


def test(
    counts: Annotated[
        Path,
        typer.Argument(help="MAGeCK count table (sgRNA, Gene, samples; TSV/CSV, gzip accepted)."),
    ],
    treatment: Annotated[
        str, typer.Option("--treatment", "-t", help="Treatment samples, comma-separated.")
    ],
    control: Annotated[
        str, typer.Option("--control", "-c", help="Control samples, comma-separated.")
    ],
    norm_method: Annotated[
        str, typer.Option("--norm-method", help="median, total, control or none.")
    ] = "median",
    control_sgrna: Annotated[
        Path | None,
        typer.Option(
            "--control-sgrna",
            help="Negative-control guide ids, one per line, 2 or more (control normalisation "
            "and RRA null). Knockout screens: prefer targeting safe-harbour controls to "
            "non-targeting ones (docs/screens.md).",
        ),
    ] = None,
    pvalue: Annotated[
        str, typer.Option("--pvalue", help="normal (MAGeCK default) or nb.")
    ] = "normal",
    variance: Annotated[
        str,
        typer.Option(
            "--variance",
            help="Mean-variance rule and null: symmetric (default: MAGeCK's line unless its "
            "clamp moves it by more than 3 log2 units, variance at the mean of the control "
            "and treatment medians), mageck (MAGeCK's line and null: reproduces mageck test; "
            "use it to compare with MAGeCK) or auto (mageck where the clamp holds, else "
            "symmetric). docs/screens.md.",
        ),
    ] = "symmetric",
    library: Annotated[
        Path | None,
        typer.Option(
            "--library", "-l", help="Library (id, sequence, gene) to check the table against."
        ),
    ] = None,
    fdr: Annotated[float, typer.Option("--fdr", help="Gene FDR for hits and plots.")] = 0.05,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "screen_test_out"
    ),
) -> None:
    """Hit calling as ``mageck test`` (median normalisation, mean-variance model, RRA).

    MAGeCK's own results: --variance mageck (default: symmetric null, docs/screens.md).

    Writes screen.gene_summary.txt and screen.sgrna_summary.txt (MAGeCK layout), genes.csv,
    guides.csv, hits.csv, size_factors.csv, rank and volcano plots and report.html.
    """
    import pandas as pd

    from kinetor.screens import read_counts, screen_test
    from kinetor.screens._controls import control_mask
    from kinetor.screens.plots import plot_guides, plot_rank, plot_volcano

    if norm_method not in _NORM:
        raise typer.BadParameter(f"choose one of {', '.join(_NORM)}", param_hint="--norm-method")
    if pvalue not in ("normal", "nb"):
        raise typer.BadParameter("choose normal or nb", param_hint="--pvalue")
    if variance not in ("auto", "mageck", "symmetric"):
        raise typer.BadParameter("choose symmetric, mageck or auto", param_hint="--variance")
    check_fdr(fdr)
    for option, names in (("--treatment", treatment), ("--control", control)):
        if not any(x.strip() for x in names.split(",")):
            raise typer.BadParameter(
                "give >= 1 sample of the count table, comma-separated", param_hint=option
            )
    ct = read_counts(counts)
    if library is not None:
        from kinetor.screens.io import check_library, read_library

        check_library(ct, read_library(library), str(library))
    ctrl = _lines(control_sgrna)
    note_unknown(ctrl, ct.guides, "control guides", control_sgrna)
    if ctrl is not None:
        control_mask(ctrl, ct.guides, ct.source, control_sgrna)
    res = screen_test(
        ct,
        treatment,
        control,
        norm_method=norm_method,
        control_guides=ctrl,
        pvalue=pvalue,
        variance=variance,
    )
    d = _common.out_dir(out)
    res.write(d / "screen")
    res.genes.to_csv(d / "genes.csv", index=False)
    _tidy_guides(res).to_csv(d / "guides.csv", index=False)
    hits = res.hits(fdr)
    hits.to_csv(d / "hits.csv", index=False)
    pd.DataFrame(
        {
            "sample": list(res.size_factors),
            "size_factor": list(res.size_factors.values()),
            "method": res.normalization,
        }
    ).to_csv(d / "size_factors.csv", index=False)
    plot_rank(res.genes, d / "rank_neg.png", "neg", fdr)
    plot_rank(res.genes, d / "rank_pos.png", "pos", fdr)
    plot_volcano(res.genes, d / "volcano.png", fdr)
    plot_guides(res.guides, str(res.genes["gene"].iat[0]), d / "guides_top_gene.png")
    for note in res.notes:
        _common.err_console().print(f"note: {note}", markup=False, style="yellow")
    _common.html_report(
        d, f"kinetor screen test: {treatment} vs {control}, --variance {variance}", res.notes
    )
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "hits": hits.to_dict(orient="records"),
                "size_factors": res.size_factors,
                "model": res.model,
                "variance": variance,
                "notes": res.notes,
            }
        )
        return
    _common.print_frame(
        res.genes[["gene", "num", "neg_score", "neg_fdr", "neg_lfc", "pos_fdr"]].head(20),
        title=f"top genes (depletion); {len(hits)} hits at FDR < {fdr}",
    )
    _common.info(
        f"normalisation: {res.normalization}; mean-variance model k = {res.model['k']:.3g}, "
        f"b = {res.model['b']:.3g} ({res.model['variance_rule']}, {res.model['null']} null, "
        f"--variance {variance}"
        + ("; MAGeCK's results: --variance mageck" if res.model["null"] != "control" else "")
        + f"); wrote results and report.html to {d}"
    )


def qc(
    counts: Annotated[Path, typer.Argument(help="MAGeCK count table.")],
    control_sgrna: Annotated[
        Path | None,
        typer.Option("--control-sgrna", help="Negative-control guide ids, one per line."),
    ] = None,
    essential: Annotated[
        Path | None,
        typer.Option("--essential", help="Essential genes, one per line (needs -t/-c)."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="mapping.csv written by 'kinetor screen count'."),
    ] = None,
    treatment: Annotated[
        str | None,
        typer.Option(
            "--treatment", "-t", help="Treatment samples (for the control/essential checks)."
        ),
    ] = None,
    control: Annotated[str | None, typer.Option("--control", "-c", help="Control samples.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "screen_qc_out"
    ),
) -> None:
    """Screen QC: reads, zero-count guides, Gini index, replicate correlation, PCA, checks.

    The control-guide and essential-gene checks need -t and -c (--essential without them
    is a usage error).

    Writes qc_samples.csv, qc_correlation.csv, qc_pca.csv, qc_checks.csv, qc.png and
    report.html.
    """
    from kinetor.screens import read_counts, screen_qc, screen_test
    from kinetor.screens._controls import control_mask
    from kinetor.screens.plots import plot_qc
    from kinetor.screens.qc import read_mapping

    if bool(treatment) != bool(control) or (essential is not None and not treatment):
        raise typer.BadParameter(
            "the control-guide and essential-gene checks compare treatment with control: "
            "give both -t and -c",
            param_hint="--essential" if essential is not None else "--treatment/--control",
        )
    ct = read_counts(counts)
    ctrl = _lines(control_sgrna)
    note_unknown(ctrl, ct.guides, "control guides", control_sgrna)
    result = None
    if (essential is not None or ctrl is not None) and treatment and control:
        if ctrl is not None:
            control_mask(ctrl, ct.guides, ct.source, control_sgrna)
        result = screen_test(ct, treatment, control, control_guides=ctrl)
    elif ctrl is not None:
        _common.err_console().print(
            "note: without -t/-c the control-guide checks are not run (--control-sgrna "
            "is not used)",
            markup=False,
            style="yellow",
        )
    m = read_mapping(mapping) if mapping is not None else None
    q = screen_qc(
        ct, mapping=m, result=result, control_guides=ctrl, essential_genes=_lines(essential)
    )
    d = _common.out_dir(out)
    q.samples.to_csv(d / "qc_samples.csv", index=False)
    q.correlation.to_csv(d / "qc_correlation.csv")
    q.pca.to_csv(d / "qc_pca.csv", index=False)
    if len(q.checks):
        q.checks.to_csv(d / "qc_checks.csv", index=False)
    plot_qc(q.normalized, ct.samples, d / "qc.png", q.pca)
    _common.html_report(d, f"kinetor screen qc: {counts.name}")
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "samples": q.samples.to_dict(orient="records"),
                "checks": q.checks.to_dict(orient="records"),
            }
        )
        return
    _common.print_frame(q.samples, title="per-sample QC")
    if len(q.checks):
        _common.print_frame(q.checks, title="checks")
    _common.info(f"wrote QC tables, qc.png and report.html to {d}")


def register(app: typer.Typer) -> None:
    screen_app = typer.Typer(
        help="Pooled CRISPR/shRNA screens (MAGeCK-compatible).", no_args_is_help=True
    )
    screen_app.command("count")(count)
    screen_app.command("test")(test)
    screen_app.command("qc")(qc)
    screen_app.command("mle")(mle)
    screen_app.command("network")(network)
    app.add_typer(screen_app, name="screen")
