"""``kinetor compounds list|show NAME|check|trials``: the compound library from the shell."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from kinetor.cli import _common

_JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
_OUT = typer.Option(None, "--out", help="Also write the table(s) as tidy CSV into DIR.")


def _json(flag: bool, out: Path | None = None) -> None:
    """Apply ``--json``, and refuse an ``--out`` that is a file before anything is printed."""
    if flag:
        _common.STATE["json"] = True
    if out is None:
        return
    _common.refuse_file_out(out)
    # --out, or the nearest path above it that exists, must be a folder we may write in
    path = Path(out).absolute()
    parent = next(p for p in (path, *path.parents) if p.exists())
    if not (parent.is_dir() and os.access(parent, os.W_OK)):
        from kinetor.errors import DataError, Problem

        what = "a folder you cannot write to" if parent.is_dir() else "a file, not a folder"
        raise DataError(
            Problem(
                f"--out {out}: {parent} is {what}",
                file=str(parent),
                fix="give a folder you can write to (it is created when absent)",
            )
        )


def _write(out: Path | None, frames: dict) -> None:
    if out is None:
        return
    d = _common.out_dir(out)
    for name, df in frames.items():
        df.to_csv(d / f"{name}.csv", index=False)
    _common.info(f"wrote {', '.join(f'{n}.csv' for n in frames)} to {d}")


def _compound(kc, name: str, where: str):
    """The library compound ``name``; a DataError listing the closest or all names."""
    from kinetor.errors import DataError, Problem

    try:
        return kc.get(name)
    except KeyError as exc:
        names = sorted(c.name for c in kc.load_library())
        raise DataError(
            Problem(
                str(exc.args[0]),
                column=where,
                fix="use a name or synonym of the library: " + ", ".join(names),
            )
        ) from None


def _known(option: str, value: str, known: set[str], case: bool = True) -> None:
    """A usage error when ``value`` is none of ``known`` (ignoring case unless ``case``)."""
    norm = (lambda x: x) if case else str.lower
    if norm(value) not in {norm(k) for k in known}:
        shown = sorted({norm(k): k for k in sorted(known)}.values(), key=str.lower)
        raise typer.BadParameter(
            f"{value!r} is not in the library; known: {', '.join(shown)}", param_hint=option
        )


def register(app: typer.Typer) -> None:
    comp = typer.Typer(
        help="The compound library: cited potencies, PK, schedules; checks.", no_args_is_help=True
    )

    @comp.command("list")
    def list_cmd(
        drug_class: str = typer.Option(None, "--class", help="Only this drug class."),
        target: str = typer.Option(None, "--target", help="Only compounds hitting this target."),
        out: Path = _OUT,
        json_out: bool = _JSON,
    ) -> None:
        """One row per compound: class, mechanism, targets, MW, PK coverage, gaps."""
        _json(json_out, out)
        import kinetor.compounds as kc

        lib = kc.load_library()
        if drug_class is not None:
            _known("--class", drug_class, {c.drug_class for c in lib})
        if target is not None:
            targets = {n for c in lib for t in c.targets for n in (t.name, t.gene) if n}
            _known("--target", target, targets, case=False)
        df = kc.list_compounds()
        if drug_class or target:
            keep = {c.name for c in kc.search(target=target, drug_class=drug_class)}
            df = df[df["name"].isin(keep)]
        _common.print_frame(df.drop(columns=["stage"]), title=f"{len(df)} compounds")
        _write(out, {"compounds": df})

    @comp.command("show")
    def show_cmd(
        name: str = typer.Argument(..., help="Name or synonym, e.g. AZD2014."),
        out: Path = _OUT,
        json_out: bool = _JSON,
    ) -> None:
        """Everything the library holds on one compound, each value with source and status."""
        _json(json_out, out)
        import dataclasses

        import pandas as pd

        import kinetor.compounds as kc

        c = _compound(kc, name, "NAME")
        findings = pd.DataFrame(kc.check_compound(c))
        if _common.STATE["json"]:
            payload = dataclasses.asdict(c)
            payload["findings"] = findings.to_dict(orient="records")
            _common.emit_json(payload)
        else:
            head = (
                f"{c.name} ({', '.join(c.synonyms)}): {c.drug_class}, "
                f"pathway mechanism {c.pathway_mechanism or 'none'}, {c.modality}"
            )
            _common.info(head)
            targets = pd.DataFrame([dataclasses.asdict(t) for t in c.targets])
            _common.print_frame(targets, title="targets")
            _common.print_frame(
                c.values(), title="values (each with source and status)", max_rows=200
            )
            for s in c.pk:
                if s.derivation:
                    _common.info(f"{s.species} {s.model} ({s.status}) derivation:\n{s.derivation}")
            if c.schedules:
                _common.print_frame(
                    pd.DataFrame([dataclasses.asdict(s) for s in c.schedules]), title="schedules"
                )
            for title, items in (("gaps", c.gaps), ("notes", c.notes)):
                if items:
                    _common.info(f"{title}:\n" + "\n".join(f"- {g}" for g in items))
            if len(findings):
                _common.print_frame(
                    findings.drop(columns=["compound", "file"]), title="consistency findings"
                )
        _write(out, {f"{c.name}_values": c.values(), f"{c.name}_findings": findings})

    @comp.command("check")
    def check_cmd(out: Path = _OUT, json_out: bool = _JSON) -> None:
        """Validate every file and list every internal inconsistency with its reason.

        Findings are facts about the data, not errors: the exit code is 0 when the files
        are valid (3 when a file breaks the schema)."""
        _json(json_out, out)
        import kinetor.compounds as kc

        lib = kc.load_library()
        kc.load_trials()
        findings = kc.check_library(lib)
        _common.print_frame(
            findings,
            title=f"{len(lib)} compounds valid; {len(findings)} consistency findings",
            max_rows=500,
        )
        _write(out, {"compound_findings": findings})

    @comp.command("trials")
    def trials_cmd(
        agent: str = typer.Option(None, "--agent"),
        cancer: str = typer.Option(None, "--cancer"),
        partner: str = typer.Option(None, "--partner"),
        phase: str = typer.Option(
            None,
            "--phase",
            help="Phase, ignoring case: the whole phase text or its leading token "
            "('iii' gives III and 'III (failed)'; 'I' does not give I/II).",
        ),
        out: Path = _OUT,
        json_out: bool = _JSON,
    ) -> None:
        """The seeds' clinical tables, filtered by agent, cancer type, partner or phase."""
        _json(json_out, out)
        import kinetor.compounds as kc
        from kinetor.compounds.clinical_trials import _phase_token

        if agent is not None:
            _compound(kc, agent, "--agent")
        if phase is not None:
            texts = {p for p in kc.load_trials()["phase"] if p.strip()}
            _known("--phase", phase.strip(), texts | {_phase_token(p) for p in texts}, False)
        df = kc.trials(agent=agent, cancer=cancer, partner=partner, phase=phase)
        cols = [
            "agent",
            "cancer_type",
            "phase",
            "line",
            "partners",
            "nct_id",
            "status",
            "source_table",
        ]
        _common.print_frame(
            df if _common.STATE["json"] else df[cols], title=f"{len(df)} trial rows", max_rows=200
        )
        _write(out, {"trials": df})

    app.add_typer(comp, name="compounds")
