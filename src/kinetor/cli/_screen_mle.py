"""``kinetor screen mle``: gene beta scores per condition from a design matrix (MAGeCK
MLE-style), with optional sgRNA efficiency priors, permutation p-values and CNV correction
(registered by :mod:`kinetor.cli.screen`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common


def note_unknown(ids, known, what: str, path: Path) -> None:
    """Print how many of ``ids`` (read from ``path``) are not in the count table."""
    unknown = sorted(set(ids or ()) - set(known))
    if unknown:
        _common.err_console().print(
            f"note: {len(unknown)} of {len(set(ids))} {what} in {path} are not in the count "
            f"table and are ignored: {', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}",
            markup=False,
            style="yellow",
        )


def _read_efficiency(path: Path) -> dict[str, float]:
    from kinetor.errors import DataError, Problem
    from kinetor.screens._text_tables import _read_text

    out = {}
    for i, line in enumerate(_read_text(path).splitlines(), start=1):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        try:
            out[f[0]] = float(f[1])
        except (IndexError, ValueError):
            if i == 1:
                continue  # a header line
            raise DataError(
                Problem(
                    "expected a guide id and a number",
                    file=str(path),
                    row=i,
                    fix="write 'guide probability' per line",
                )
            ) from None
        if not 0.0 <= out[f[0]] <= 1.0:  # NaN fails too
            raise DataError(
                Problem(
                    f"guide efficiency {f[1]} of {f[0]!r} is not a probability",
                    file=str(path),
                    row=i,
                    column="2 (efficiency)",
                    fix="give values between 0 and 1",
                )
            )
    if not out:
        raise DataError(
            Problem("no guide efficiency in the file", file=str(path), fix="write 'guide p'")
        )
    return out


def mle(
    counts: Annotated[Path, typer.Argument(help="MAGeCK count table.")],
    design: Annotated[
        Path,
        typer.Option(
            "--design", "-d", help="Design matrix (Samples, baseline, conditions...; 0/1)."
        ),
    ],
    norm_method: Annotated[
        str, typer.Option("--norm-method", help="median, total or none.")
    ] = "median",
    update_efficiency: Annotated[
        bool,
        typer.Option(
            "--update-efficiency", help="EM over guide efficiency (MAGeCK --update-efficiency)."
        ),
    ] = False,
    efficiency: Annotated[
        Path | None,
        typer.Option(
            "--sgrna-efficiency",
            help="Guide id and prior probability (0-1) that it works, "
            "whitespace-separated, one guide a line.",
        ),
    ] = None,
    permutation_round: Annotated[
        int,
        typer.Option(
            "--permutation-round", help="Permutation rounds for p-values/FDR (0 = Wald only)."
        ),
    ] = 0,
    control_sgrna: Annotated[
        Path | None,
        typer.Option(
            "--control-sgrna",
            help="Negative-control guide ids (2 or more): the permutation null. Prefer "
            "targeting controls (safe-harbour guides) in knockout screens (docs/screens.md).",
        ),
    ] = None,
    cnv_norm: Annotated[
        Path | None,
        typer.Option(
            "--cnv-norm",
            help="Copy numbers (MAGeCK layout: SYMBOL, one log2 CN column per "
            "cell line) to correct betas.",
        ),
    ] = None,
    cell_line: Annotated[
        str | None,
        typer.Option("--cell-line", help="CN column for every condition (default: same name)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Permutation seed.")] = 0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "screen_mle_out"
    ),
) -> None:
    """Beta scores per gene and condition from a design matrix (MAGeCK MLE-style).

    Writes screen.gene_summary.txt (MAGeCK MLE layout), beta.csv, sgrna_efficiency.csv
    and report.html. A beta without reads behind it (a gene without reads, or none in a
    condition's samples and those they are compared with) is left empty (NaN), with the
    reason in beta.csv. Ids of --sgrna-efficiency or --control-sgrna missing from the
    count table are counted in a note.
    """
    from kinetor.screens import mle as mle_
    from kinetor.screens import read_cnv, read_counts, read_design, read_gene_list

    if norm_method not in ("median", "total", "none"):
        raise typer.BadParameter("choose median, total or none", param_hint="--norm-method")
    if permutation_round < 0:
        raise typer.BadParameter("give 0 or more rounds", param_hint="--permutation-round")
    if seed < 0:
        raise typer.BadParameter(f"{seed}: give a whole number >= 0", param_hint="--seed")
    ct = read_counts(counts)
    prior, ctrl = None, None
    if efficiency is not None:
        prior = _read_efficiency(efficiency)
        note_unknown(list(prior), ct.guides, "guides of --sgrna-efficiency", efficiency)
    if control_sgrna is not None:
        ctrl = read_gene_list(control_sgrna)
        note_unknown(ctrl, ct.guides, "control guides", control_sgrna)
        if permutation_round > 0:
            from kinetor.screens._controls import control_mask

            control_mask(ctrl, ct.guides, ct.source, control_sgrna)
        else:
            _common.err_console().print(
                "note: --control-sgrna sets the permutation null: without --permutation-round "
                "it is not used",
                markup=False,
                style="yellow",
            )
    res = mle_(
        ct,
        read_design(design, ct.samples),
        norm_method=norm_method,
        efficiency=prior,
        update_efficiency=update_efficiency,
        permutation_rounds=permutation_round,
        control_guides=ctrl,
        cnv=read_cnv(cnv_norm) if cnv_norm else None,
        cell_lines=cell_line,
        seed=seed,
    )
    d = _common.out_dir(out)
    res.gene_summary().to_csv(
        d / "screen.gene_summary.txt", sep="\t", index=False, float_format="%.6g"
    )
    res.genes.to_csv(d / "beta.csv", index=False)
    res.guides.to_csv(d / "sgrna_efficiency.csv", index=False)
    _common.html_report(d, f"kinetor screen mle: {counts.name}")
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "conditions": res.conditions,
                "converged": int(res.converged.sum()),
                "genes": len(res.genes),
            }
        )
        return
    cols = ["gene", "num"] + [f"{c}|beta" for c in res.conditions]
    first = res.conditions[0]
    _common.print_frame(
        res.genes.sort_values(f"{first}|beta")[cols].head(20), title=f"most negative beta ({first})"
    )
    why = res.genes.loc[res.genes["reason"] != "", ["gene", "reason"]]
    if len(why):
        _common.print_frame(
            why.head(20),
            title=f"{len(why)} gene(s) not fitted or without a finite beta (reason: beta.csv)",
        )
    _common.info(
        f"{int(res.converged.sum())}/{len(res.genes)} genes converged; wrote "
        f"results and report.html to {d}"
    )
