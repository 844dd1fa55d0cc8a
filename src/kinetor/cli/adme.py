"""``kinetor adme``: excretion / mass balance, protein binding, metabolite ratios."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common

adme_app = typer.Typer(
    help="ADME: excretion and mass balance, plasma protein binding, metabolite-to-parent ratios.",
    no_args_is_help=True,
)
_OUT = Path("adme_out")
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output directory.")]


def _read(path: Path):
    """The table (CSV, semicolon or tab text, .xlsx) as text cells, its file rows kept in
    ``attrs["source_rows"]`` for messages; how it was read (encoding...) said in notes."""
    from kinetor.data._user_table import read_user_table

    raw = read_user_table(
        path,
        empty=("empty file: no header and no rows", "give a header row and the data rows"),
        no_rows=("no data rows (only a header)", "add the data rows under the header"),
    )
    for note in raw.notes:
        _common.info(f"  note: {note}")
    df = raw.frame
    df.attrs["source_rows"] = tuple(raw.rows.tolist())  # a tuple: pandas compares attrs
    return df


def _split_quantity(text: str) -> tuple[float, str]:
    m = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*?)?\s*", text)
    if not m or not m.group(2):
        from kinetor.errors import UnitError

        raise UnitError(
            f"cannot read dose {text!r}: write a number and a unit, e.g. "
            "'2 mg', '10 mg/kg', '50 uCi'"
        )
    return float(m.group(1)), m.group(2)


@adme_app.command("excretion")
def excretion(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: subject, matrix, start, end, amount (or conc and volume); optional "
            "dose, weight, amount_unit (conc_unit, volume_unit)."
        ),
    ],
    dose: Annotated[
        str | None,
        typer.Option(
            "--dose",
            help="Dose of every subject with its unit ('2 mg', '10 mg/kg' with a "
            "weight column, '50 uCi'); else the file's dose column with --dose-unit.",
        ),
    ] = None,
    dose_unit: Annotated[
        str | None, typer.Option("--dose-unit", help="Unit of the file's dose column.")
    ] = None,
    amount_unit: Annotated[
        str | None,
        typer.Option("--amount-unit", help="Unit of amount (else the file's amount_unit column)."),
    ] = None,
    conc_unit: Annotated[
        str | None,
        typer.Option(
            "--conc-unit",
            help="Unit of conc (amount = conc x volume; else the file's conc_unit column).",
        ),
    ] = None,
    volume_unit: Annotated[
        str | None,
        typer.Option("--volume-unit", help="Unit of volume (else the file's volume_unit column)."),
    ] = None,
    out: OutOpt = _OUT,
    plot: Annotated[bool, typer.Option("--plot/--no-plot", help="Write the excretion PNG.")] = True,
) -> None:
    """Cumulative excretion (amount and % of dose) per matrix and total recovery."""
    from kinetor.adme import cumulative_excretion

    dose_value = None
    if dose is not None:
        dose_value, dose_unit = _split_quantity(dose)
        if not dose_value > 0:
            raise typer.BadParameter(
                f"the dose must be > 0 (got {dose!r}), e.g. '10 mg'", param_hint="--dose"
            )
    df = _read(file)
    res = cumulative_excretion(
        df,
        dose=dose_value,
        amount_unit=amount_unit,
        dose_unit=dose_unit,
        conc_unit=conc_unit,
        volume_unit=volume_unit,
        file=file.name,
    )
    written = res.write(_common.out_dir(out), plot=plot)
    written.append(_common.html_report(out, "kinetor adme excretion: recovery", notes=res.notes))
    if res.notes and not _common.STATE["json"]:
        from rich.markup import escape

        for note in res.notes:
            _common.err_console().print(f"[bold yellow]note:[/] {escape(note)}")
    _common.print_frame(res.summary, title=f"Recovery (% of dose), amounts in {res.amount_unit}")
    _common.info(f"wrote {len(written)} files to {out}")


@adme_app.command("binding")
def binding(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: dialysis (c_buffer, c_plasma) or ultrafiltration (c_ultrafiltrate, "
            "c_total) per replicate."
        ),
    ],
    method: Annotated[
        str, typer.Option("--method", help="dialysis or ultrafiltration.")
    ] = "dialysis",
    out: OutOpt = _OUT,
) -> None:
    """Fraction unbound per replicate and per compound/species (with corrections)."""
    from kinetor.adme import binding_table

    if method not in ("dialysis", "ultrafiltration"):
        raise typer.BadParameter("choose dialysis or ultrafiltration", param_hint="--method")
    rep, summary = binding_table(_read(file), method=method, file=file.name)
    n_above = int((rep["flag"] != "").sum())
    if n_above and not _common.STATE["json"]:
        from rich.markup import escape

        kept = (rep["flag"] != "") & rep["fu"].notna()
        for mask, what in (
            (kept, "with fu > 1 (not physical; {rows}): kept and flagged in the 'flag' column"),
            (
                rep["fu"].isna(),
                "without fu ({rows}: fu_apparent > 1 with a dilution correction gives fu < 0): "
                "left out of the summary, the reason in the 'flag' column",
            ),
        ):
            if mask.any():
                rows = f"{file.name} row(s) " + ", ".join(
                    str(r) for r in rep.loc[mask, "source_row"]
                )
                _common.err_console().print(
                    f"[bold yellow]warning:[/] {int(mask.sum())} replicate(s) "
                    + escape(what.format(rows=rows))
                )
    d = _common.out_dir(out)
    rep.to_csv(d / "binding_replicates.csv", index=False)
    summary.to_csv(d / "binding_summary.csv", index=False)
    _common.html_report(d, f"kinetor adme binding: plasma protein binding ({method})")
    _common.print_frame(summary, title=f"Plasma protein binding ({method})")
    _common.info(f"wrote 2 files and report.html to {out}")


@adme_app.command("ratios")
def ratios(
    file: Annotated[
        Path,
        typer.Argument(
            help="Long NCA parameter CSV: group columns, analyte, PPTESTCD, value, unit."
        ),
    ],
    parent: Annotated[str, typer.Option("--parent", help="Analyte name of the parent.")],
    parameter: Annotated[str, typer.Option("--parameter", help="PPTESTCD to compare.")] = "AUCIFO",
    mw: Annotated[
        list[str] | None,
        typer.Option(
            "--mw", help="Molecular weight as NAME=g/mol (repeat per analyte) for molar ratios."
        ),
    ] = None,
    out: OutOpt = _OUT,
) -> None:
    """Metabolite-to-parent ratios (mass and, with --mw, molar basis)."""
    from kinetor.adme import metabolite_ratios

    weights = {}
    for item in mw or []:
        name, _, value = item.rpartition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{item!r}: write NAME=G_PER_MOL", param_hint="--mw") from None
        if not (math.isfinite(weights[name.strip()]) and weights[name.strip()] > 0):
            raise typer.BadParameter(
                f"{item!r}: a molecular weight is > 0 (g/mol)", param_hint="--mw"
            )
    params = _read(file)
    analytes = _analytes(params)
    unknown = sorted(set(weights) - analytes)
    if unknown and analytes:  # without analytes, metabolite_ratios names the column missing
        raise typer.BadParameter(
            f"no analyte {', '.join(map(repr, unknown))} in {file.name}; analytes present: "
            f"{', '.join(sorted(analytes))}",
            param_hint="--mw",
        )
    table = metabolite_ratios(
        params, parent=parent, parameter=parameter, mw=weights or None, file=file.name
    )
    d = _common.out_dir(out)
    table.to_csv(d / "metabolite_ratios.csv", index=False)
    _common.html_report(d, f"kinetor adme ratios: metabolite-to-parent ({parameter})")
    _common.print_frame(table, title=f"Metabolite-to-parent ratios ({parameter})")
    _common.info(f"wrote 1 file and report.html to {out}")


def _analytes(params) -> set[str]:
    col = next((c for c in params.columns if str(c).strip().lower() == "analyte"), None)
    return set() if col is None else {str(v).strip() for v in params[col]} - {""}


def register(app: typer.Typer) -> None:
    app.add_typer(adme_app, name="adme")
