"""``kinetor pathway``: simulate the PI3K/AKT/mTOR network, export it, calibrate it.

Commands: ``simulate``, ``dose-response``, ``export``, ``calibrate``, ``validate``,
``drugs``. Each analysis command
writes tidy CSV (and a PNG plot) into ``--out DIR``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kinetor.cli._common import html_report, info, limit, out_dir, print_frame
from kinetor.cli._pathway_args import context_option as _parse_context
from kinetor.cli._pathway_args import lesion_option as _lesions
from kinetor.cli._pathway_args import reference_option
from kinetor.cli._pathway_drug import parse_drug as _parse_drug

pathway_app = typer.Typer(
    help="The PI3K/AKT/mTOR network: simulate, dose-response, export, calibrate.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(pathway_app, name="pathway")


def _positive(value: float, option: str) -> None:
    """A usage error unless ``value`` is a finite number > 0."""
    import math

    if not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"must be > 0, got {value:g}", param_hint=option)


def _context_text(context: dict[str, float]) -> str:
    """The context levels that differ from the defaults (``growth_factor=0``), or
    ``default context``: the report title names it."""
    from kinetor.pathway.lesions import CONTEXTS

    changed = [f"{k}={v:g}" for k, v in context.items() if v != CONTEXTS[k]]
    return ", ".join(changed) or "default context"


def _plot(frame, path, title: str) -> None:
    from kinetor._figures import PALETTE, REFERENCE, new_figure, save_figure

    cols = [c for c in frame.columns if c != "time"]
    ncol = 6
    nrow = -(-len(cols) // ncol)
    fig, axes = new_figure(18, 2.8 * nrow, nrow, ncol, layout="tight", sharex=True)
    for ax, col in zip(axes.ravel(), cols, strict=False):
        ax.plot(frame["time"], frame[col], color=PALETTE[0])
        ax.axhline(100.0, color=REFERENCE, lw=0.8, ls="--")
        ax.set_title(col, fontsize=9)
        ax.set_ylim(bottom=0)
    for ax in axes[-1]:
        ax.set_xlabel("time (h)")
    for ax in axes[:, 0]:
        ax.set_ylabel("% of reference")
    fig.suptitle(title, fontsize=10)
    save_figure(fig, path)


Out = Annotated[str, typer.Option("--out", help="Output folder.")]
Lesions = Annotated[
    list[str] | None,
    typer.Option(
        "--lesion", help="Genetic lesion, e.g. PTEN_loss; repeatable, or 'PTEN_loss;KRAS_mut'."
    ),
]
Contexts = Annotated[
    list[str] | None,
    typer.Option("--context", help="NAME=LEVEL, e.g. growth_factor=0; repeatable."),
]


@pathway_app.command("simulate")
def simulate_cmd(
    out: Out,
    drug: Annotated[
        list[str] | None,
        typer.Option(
            "--drug",
            help="NAME:CONC (e.g. everolimus:10nM), NAME:FILE.csv (columns time_h, "
            "conc_nM) or NAME:REGIMEN (e.g. 'vistusertib:15 mg/kg PO BID x 3 days': the exact "
            "unbound PK course from the compound library); repeatable.",
        ),
    ] = None,
    lesion: Lesions = None,
    context: Contexts = None,
    hours: Annotated[float, typer.Option("--hours", help="Duration (h).")] = 24.0,
    dt: Annotated[float, typer.Option("--dt", help="Output interval (h).")] = 0.25,
    reference: Annotated[
        str, typer.Option("--reference", help="untreated (same genotype) or parental.")
    ] = "untreated",
    species: Annotated[
        str,
        typer.Option(
            "--species",
            help="PK species for NAME:REGIMEN drugs (library PK set, reference body weight).",
        ),
    ] = "mouse",
) -> None:
    """Pre-equilibrate, add drugs at time 0 and write readouts.csv, species.csv, readouts.png
    (and exposure.csv, the unbound concentration at each output time of every time-varying
    drug: a NAME:FILE.csv profile or a NAME:REGIMEN course)."""
    import numpy as np
    import pandas as pd

    from kinetor.pathway import READOUTS, Network
    from kinetor.pathway._run_notes import one_per_slot
    from kinetor.pk import Polyexponential

    reference = reference_option(reference)
    _positive(hours, "--hours")
    _positive(dt, "--dt")
    if dt > hours:
        raise typer.BadParameter(f"{dt:g} h is longer than --hours {hours:g} h", param_hint="--dt")
    limit("simulated_hours", hours, "hours (--hours)", "--hours")
    drug, lesion = drug or [], _lesions(lesion)
    net = Network(lesion, _parse_context(context or []))
    n_values = (hours / dt + 2) * (len(net.engine.species) + 2 * len(READOUTS))
    limit("values", n_values, "values (--hours/--dt output times x columns)", "--dt")
    pairs = [_parse_drug(d, species) for d in drug]
    # the slot check by the names as typed (RAD001 stays RAD001 in the message)
    one_per_slot([(d.partition(":")[0].strip(), v) for d, (_, v) in zip(drug, pairs, strict=True)])
    res = net.simulate_pairs(pairs, t_end=hours, reference=reference, dt=dt)
    folder = out_dir(out)
    t = res.readouts["time"].to_numpy()
    courses = [
        pd.DataFrame(
            {
                "time_h": t,
                "drug": d.name,
                # a profile is linear between its rows and held constant outside them
                "free_conc_nM": v(t) if isinstance(v, Polyexponential) else np.interp(t, *v),
            }
        )
        for d, v in zip(res.drugs, (v for _, v in pairs), strict=True)
        if isinstance(v, Polyexponential | tuple)
    ]
    if courses:
        pd.concat(courses).to_csv(folder / "exposure.csv", index=False)
    res.readouts.to_csv(folder / "readouts.csv", index=False)
    res.species.to_csv(folder / "species.csv", index=False)
    res.to_frame().to_csv(folder / "readouts_long.csv", index=False)
    title = (
        f"{' + '.join(d for d in drug) or 'no drug'} | "
        f"{', '.join(lesion) or 'parental'} | {_context_text(net.context)} | % of {reference}"
    )
    _plot(res.readouts, folder / "readouts.png", title)
    html_report(folder, f"kinetor pathway simulate: {title}")
    last = res.readouts.iloc[[-1]].melt(id_vars="time", var_name="readout", value_name="pct")
    print_frame(last, title=f"readouts at {hours:g} h (% of {reference})")
    for note in res.notes:
        info(f"note: {note}")
    info(
        f"wrote {folder / 'readouts.csv'}, species.csv, readouts_long.csv, readouts.png, "
        f"{'exposure.csv, ' if courses else ''}report.html"
    )


@pathway_app.command("dose-response")
def dose_response_cmd(
    out: Out,
    drug: Annotated[str, typer.Option("--drug", help="Drug name (compound library or built-in).")],
    hours: Annotated[float, typer.Option("--hours", help="Time of the readout (h).")] = 2.0,
    lesion: Lesions = None,
    context: Contexts = None,
    min_nm: Annotated[float, typer.Option("--min", help="Lowest free concentration (nM).")] = 0.01,
    max_nm: Annotated[float, typer.Option("--max", help="Highest free concentration (nM).")] = 1e5,
    n: Annotated[int, typer.Option("--n", help="Number of concentrations (log-spaced).")] = 22,
) -> None:
    """Readouts vs free concentration; writes dose_response.csv and ic50.csv (4PL fits;
    ``note`` says where an IC50 is extrapolated beyond --min..--max, the hill sits at its
    bound or the optimiser could not estimate the fit's covariance)."""
    import numpy as np
    import pandas as pd

    from kinetor.pathway import READOUTS, Network, dose_response, fit_hill
    from kinetor.pathway._inputs import MAX_CONC_NM

    _positive(hours, "--hours")
    limit("simulated_hours", hours, "hours (--hours)", "--hours")
    _positive(min_nm, "--min")
    if not (np.isfinite(max_nm) and max_nm > min_nm):
        raise typer.BadParameter(
            f"must be > --min ({min_nm:g} nM), got {max_nm:g}", param_hint="--max"
        )
    if max_nm > MAX_CONC_NM:
        raise typer.BadParameter(
            f"must be <= {MAX_CONC_NM:g} nM (1 M: no drug is in solution above it), got "
            f"{max_nm:g}; the options are free concentrations in nM",
            param_hint="--max",
        )
    if n < 4:
        raise typer.BadParameter(
            f"must be >= 4 (a 4PL fit needs 4 concentrations), got {n}", param_hint="--n"
        )
    limit("simulated_hours", n * hours, "hours simulated in all (--n x --hours)", "--n")
    net = Network(_lesions(lesion), _parse_context(context or []))
    concs = np.logspace(np.log10(min_nm), np.log10(max_nm), n)
    dr = dose_response(net, drug, concs, t=hours)
    rows = []
    for r in READOUTS:
        f = fit_hill(dr["conc_nM"], dr[r])
        rows.append(
            {
                "readout": r,
                "ic50_nM": f.ic50,
                "abs_ic50_nM": f.abs_ic50,
                "hill": f.hill,
                "top": f.top,
                "bottom": f.bottom,
                "reason": f.reason,
                "note": f.note,
            }
        )
    fits = pd.DataFrame(rows)
    folder = out_dir(out)
    dr.to_csv(folder / "dose_response.csv", index=False)
    fits.to_csv(folder / "ic50.csv", index=False)
    html_report(folder, f"kinetor pathway dose-response: {drug} at {hours:g} h")
    print_frame(fits, title=f"{drug}: 4PL fits at {hours:g} h")
    info(f"wrote {folder / 'dose_response.csv'}, ic50.csv and report.html")


@pathway_app.command("export")
def export_cmd(
    out: Annotated[str, typer.Option("--out", help="SBML file to write.")],
    antimony: Annotated[
        bool, typer.Option("--antimony", help="Write the executable Antimony text instead of SBML.")
    ] = False,
) -> None:
    """Write the executable model (calibrated values included) as SBML or Antimony
    (with the global option, kinetor --json pathway export ...: the path written and the
    model's counts)."""
    import re
    from pathlib import Path

    from kinetor.cli._common import STATE, emit_json
    from kinetor.pathway import model_text, to_sbml

    path = Path(out)
    if path.is_dir():
        raise typer.BadParameter(
            f"{path} is a folder; export writes one file: give a file name, e.g. "
            f"{path / ('mtor.ant' if antimony else 'mtor.xml')}",
            param_hint="--out",
        )
    text = model_text()
    sbml = to_sbml(text)
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if antimony else sbml)
    if STATE["json"]:
        species = re.findall(r"<species\b[^>]*>", sbml)
        fixed = sum('boundaryCondition="true"' in sp for sp in species)
        emit_json(
            {
                "path": str(path),
                "format": "antimony" if antimony else "sbml",
                "species": len(species) - fixed,
                "fixed_species": fixed,
                "reactions": len(re.findall(r"<reaction\b", sbml)),
                "parameters": len(re.findall(r"<parameter\b", sbml)),
            }
        )
        return
    info(f"wrote {path}")


@pathway_app.command("drugs")
def drugs_cmd(
    out: Annotated[str | None, typer.Option("--out", help="Output folder (drugs.csv).")] = None,
) -> None:
    """How every compound of the library enters the network: mechanism(s), potency basis
    (cellular or extrapolated through the ATP model), cellular K, source; or why not."""
    import pandas as pd

    from kinetor import compounds
    from kinetor.errors import ModelError
    from kinetor.pathway.drugs import drug_from_compound

    rows = []
    for comp in compounds.load_library():
        try:
            d = drug_from_compound(comp)
        except ModelError as exc:
            rows.append(
                {
                    "compound": comp.name,
                    "mechanism": "",
                    "basis": "",
                    "K_cell_nM": None,
                    "status": "",
                    "source_or_reason": str(exc),
                }
            )
            continue
        for part in d.slots():
            k = part.cellular_k()[0]
            rows.append(
                {
                    "compound": comp.name,
                    "mechanism": part.mechanism,
                    "basis": part.basis,
                    "K_cell_nM": k,
                    "status": part.status,
                    "source_or_reason": part.source,
                }
            )
    frame = pd.DataFrame(rows)
    print_frame(
        frame[["compound", "mechanism", "basis", "K_cell_nM", "status"]],
        title="compounds in the pathway network (K_cell before rapalog_shift)",
    )
    if out is not None:
        folder = out_dir(out)
        frame.to_csv(folder / "drugs.csv", index=False)
        info(f"wrote {folder / 'drugs.csv'}")


def _register_fit_commands() -> None:
    import functools

    from kinetor.cli._pathway_args import split_option
    from kinetor.cli._pathway_fit import calibrate_cmd, validate_cmd

    @functools.wraps(validate_cmd)
    def validate(**kwargs):
        # a --split other than train/heldout: a usage error naming the option (exit 2)
        split_option(kwargs.get("split"))
        return validate_cmd(**kwargs)

    pathway_app.command("calibrate")(calibrate_cmd)
    pathway_app.command("validate")(validate)


_register_fit_commands()
