"""``kinetor evidence``: the sourced in vivo evidence tables (summary, show, check)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common

_TABLES = ("pk", "studies", "arms", "pkpd", "clinical")


def _loader(table: str):
    from kinetor.translate import evidence as ev

    loaders = {
        "pk": ev.load_pk_sets,
        "studies": ev.load_xenograft_studies,
        "arms": ev.load_xenograft_arms,
        "pkpd": ev.load_pkpd,
        "clinical": ev.load_clinical_pd,
    }
    if table not in loaders:
        raise typer.BadParameter(f"choose one of {', '.join(_TABLES)}", param_hint="TABLE")
    return loaders[table]


def _same_compound(compound: str):
    """A test whether an evidence name denotes ``compound`` (the same name, or the same
    entry of the compound library by name or synonym: AZD2014 and vistusertib, sirolimus
    and rapamycin), and the library's name of ``compound`` (None when it has no entry)."""
    from kinetor.compounds import load_library

    lib = load_library()

    def entry(name: str) -> str | None:
        try:
            return lib.get(name).name
        except KeyError:  # UnknownCompoundError: no library entry
            return None

    key = compound.strip().lower()
    want = entry(compound)
    cache: dict[str, bool] = {}

    def same(name: str) -> bool:
        name = name.strip()
        if name not in cache:
            cache[name] = name.lower() == key or (want is not None and entry(name) == want)
        return cache[name]

    return same, want


def _unknown_compounds(df, fname: str) -> list:
    """Compounds of a table that are neither in the compound library (by name or synonym)
    nor named by the shipped evidence (which also names a few compounds the library has no
    entry for, e.g. tamoxifen): a typo, or a compound the chain knows nothing of."""
    from kinetor.errors import Problem
    from kinetor.translate.evidence import VEHICLE, library_names

    col = next((c for c in ("compounds", "compound") if c in df.columns), None)
    if col is None:
        return []
    known = {n.lower() for n in library_names()["compound"]} | {VEHICLE}
    rows = df.attrs.get("rows") or range(2, len(df) + 2)  # each row's line in the file
    problems = []
    for i, cell in enumerate(df[col]):
        for name in [c.strip() for c in str(cell).split("+") if c.strip()]:
            if name.lower() not in known and _same_compound(name)[1] is None:
                problems.append(
                    Problem(
                        f"compound {name!r} is in neither the compound library nor the "
                        "shipped evidence",
                        file=fname,
                        row=rows[i],
                        column=col,
                        fix="write the compound's library name or a synonym (kinetor "
                        "compounds list; kinetor evidence compounds lists the names in use)",
                    )
                )
    return problems


def summary() -> None:
    """Row counts of the shipped evidence tables by split and status."""
    from kinetor.translate.evidence import evidence_summary

    s = evidence_summary()
    if _common.STATE["json"]:
        _common.emit_json(s.to_dict(orient="records"))
        return
    _common.print_frame(s, title="kinetor.translate.evidence: rows by table, split, status")


def show(
    table: Annotated[str, typer.Argument(help="pk, studies, arms, pkpd or clinical.")],
    split: Annotated[
        str | None, typer.Option("--split", help="Keep studies/arms of this split: fit or heldout.")
    ] = None,
    compound: Annotated[
        str | None,
        typer.Option(
            "--compound",
            help="Keep rows naming this compound (any of its library names: AZD2014 = "
            "vistusertib).",
        ),
    ] = None,
    usable: Annotated[
        bool, typer.Option("--usable/--all", help="Drop unverified rows (default) or keep them.")
    ] = True,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the rows to this CSV file.")
    ] = None,
) -> None:
    """Print (or write) one shipped evidence table, filtered."""
    df = _loader(table)()
    if split is not None:
        if "split" not in df.columns:
            raise typer.BadParameter("only studies and arms have a split", param_hint="--split")
        if split not in ("fit", "heldout"):
            raise typer.BadParameter("choose fit or heldout", param_hint="--split")
        df = df[df["split"] == split]
    entry = None  # the library's name of --compound
    if compound is not None:
        col = "compounds" if "compounds" in df.columns else "compound"
        if col not in df.columns:
            raise typer.BadParameter(
                f"the {table} table has no compound column", param_hint="--compound"
            )
        same, entry = _same_compound(compound)
        df = df[df[col].str.split("+").apply(lambda cs: any(same(c) for c in cs))]
    hidden = int((~df["usable"]).sum()) if usable else 0
    if usable:
        df = df[df["usable"]]
    df = df.reset_index(drop=True)
    if df.empty:
        what = f" naming {compound!r}" if compound is not None else ""
        more = f"; {hidden} unverified row(s) left out (--all shows them)" if hidden else ""
        if compound is not None and entry is None:
            more += (
                f"; {compound!r} is not in the compound library (`kinetor evidence compounds` "
                "lists the names the evidence uses)"
            )
        _common.err_console().print(
            f"note: no {table} rows{what}{' in split ' + split if split else ''}{more}",
            markup=False,
            style="yellow",
        )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(out, index=False)
    if _common.STATE["json"]:
        _common.emit_json(df.astype(object).where(df.notna(), None).to_dict(orient="records"))
        return
    keep = [
        c
        for c in (
            "study_id",
            "compound",
            "compounds",
            "species",
            "arm",
            "parameter",
            "analyte_or_readout",
            "value",
            "value_high",
            "unit",
            "value_kind",
            "split",
            "status",
        )
        if c in df.columns
    ]
    _common.print_frame(df[keep], title=f"{table}: {len(df)} rows")
    if out is not None:
        _common.info(f"wrote {out}")


def check(
    file: Annotated[Path, typer.Argument(help="A CSV in the layout of one evidence table.")],
    table: Annotated[
        str, typer.Option("--table", "-t", help="Its layout: pk, studies, arms, pkpd or clinical.")
    ],
    studies: Annotated[
        Path | None,
        typer.Option(
            "--studies",
            help="For --table arms: the studies CSV the arms refer to (default: the shipped one).",
        ),
    ] = None,
) -> None:
    """Validate a CSV against an evidence table's schema (exit 3 with every problem).

    A studies table (or the --studies of an arms table) is also checked against the split
    rule: held out = published 2015 or later (the year in authors_year), else fit. The columns ``evidence show --out`` adds (usable; for arms also split and
    pattern_only) are ignored: the loader recomputes them."""
    from kinetor.errors import DataError
    from kinetor.translate import evidence as ev
    from kinetor.translate.evidence._checks import split_rule_problems
    from kinetor.translate.evidence._tables import _STUDIES

    load = _loader(table)
    # the split rule (held out = published 2015 or later) for a studies table of one's own
    given = file if table == "studies" else studies if table == "arms" else None
    split_problems = split_rule_problems(given, _STUDIES) if given is not None else []
    try:
        if table == "arms":
            s = None if studies is None else ev.load_xenograft_studies(studies)
            df = load(file, studies=s)
        else:
            df = load(file)
    except DataError as exc:
        raise DataError(exc.problems + split_problems) from None
    unknown = _unknown_compounds(df, file.name)
    if split_problems or unknown:
        raise DataError(split_problems + unknown)
    # columns an `evidence show --out` export adds: the loader recomputes them
    ignored = list(df.attrs.get("ignored_columns", []))
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "file": str(file),
                "table": table,
                "rows": len(df),
                "ok": True,
                "ignored_columns": ignored,
            }
        )
        return
    note = f"; derived column(s) {', '.join(ignored)} ignored (recomputed)" if ignored else ""
    _common.info(f"{file}: {len(df)} rows, no problems ({table} layout){note}")


def compounds() -> None:
    """Compounds named in the evidence, matched to the compound library."""
    from kinetor.translate.evidence import library_names

    m = library_names()
    if _common.STATE["json"]:
        _common.emit_json(m.to_dict(orient="records"))
        return
    _common.print_frame(
        m, title="evidence compounds vs the compound library (blank: no library entry)"
    )


def register(app: typer.Typer) -> None:
    ev_app = typer.Typer(
        help="Published in vivo evidence (PK sets, xenograft studies with "
        "a fit/held-out split, PK/PD, clinical PD), every row sourced.",
        no_args_is_help=True,
    )
    ev_app.command("summary")(summary)
    ev_app.command("show")(show)
    ev_app.command("check")(check)
    ev_app.command("compounds")(compounds)
    app.add_typer(ev_app, name="evidence")
