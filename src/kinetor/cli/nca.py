"""``kinetor nca DATA``: non-compartmental analysis of a study, tidy CSVs out."""

from __future__ import annotations

from typing import Annotated

import typer

from kinetor.cli import _common
from kinetor.cli._nca_options import _intervals, _lz_points, _lz_ranges, _pairs

_AUC = ("lin-up/log-down", "linear", "lin-log")
_BLQ = ("pknca", "zero", "missing", "zero-before-tmax", "half-lloq", "half-lloq-first-zero")


def register(app: typer.Typer) -> None:
    app.command("nca")(nca_command)


def nca_command(
    data: str = typer.Argument(
        ..., help="Study file or folder (CSV/TSV, .xlsx, SEND/SDTM folder, ADNCA, NONMEM)."
    ),
    time_unit: str | None = typer.Option(None, "--time-unit", help="Time unit, e.g. h."),
    conc_unit: str | None = typer.Option(
        None, "--conc-unit", help="Concentration unit, e.g. ng/mL."
    ),
    dose_unit: str | None = typer.Option(None, "--dose-unit", help="Dose unit, e.g. mg/kg."),
    auc_method: str = typer.Option(
        "lin-up/log-down",
        "--auc-method",
        help="lin-up/log-down (Phoenix default), linear, lin-log.",
    ),
    blq_rule: str = typer.Option(
        "pknca",
        "--blq-rule",
        help="BLQ rule: " + ", ".join(_BLQ) + ", or a PKNCA shape "
        "such as 'first=keep,middle=drop,last=0.5' or "
        "'before_tmax=keep,after_tmax=drop'.",
    ),
    sparse: bool = typer.Option(
        False,
        "--sparse",
        help="Serial-sacrifice design: composite profile per group with the Bailer SE of AUClast.",
    ),
    time: str = typer.Option("actual", "--time", help="actual or nominal sampling times."),
    doses: str | None = typer.Option(None, "--doses", help="Separate doses table."),
    intervals_file: str | None = typer.Option(
        None,
        "--intervals",
        help="CSV of intervals: start, end (inf allowed), optional "
        "kind (single, tau, partial) and subject/analyte/group columns.",
    ),
    interval: Annotated[
        list[str] | None,
        typer.Option(
            "--interval",
            help="An interval START-END[:KIND] (study time scale), e.g. 144-168 "
            "(a dosing interval), 0-inf, or 30-48:partial (AUCINT, extrapolated with "
            "lambda_z after the last sample); repeat for several.",
        ),
    ] = None,
    route: str | None = typer.Option(
        None,
        "--route",
        help="Route of doses that have none in the file: PO, IV, IV infusion, SC, IP...",
    ),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet (name or 0-based number)."),
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Column for a role, ROLE=COLUMN, e.g. --map subject=Animal --map "
            "conc=Result; repeat for several.",
        ),
    ] = None,
    volume_unit: str | None = typer.Option(
        None, "--volume-unit", help="Unit of urine collection volumes, e.g. mL."
    ),
    mw: Annotated[list[str] | None, _common.mw_option()] = None,
    occasions: Annotated[bool, _common.occasions_option()] = False,
    lz_range: Annotated[
        list[str] | None,
        typer.Option(
            "--lambda-z-range",
            help="Manual lambda_z range SUBJECT:LOWER-UPPER (study time "
            "scale), e.g. 3:8-24; repeat per subject.",
        ),
    ] = None,
    lz_exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--lambda-z-exclude",
            help="Point never used for lambda_z, SUBJECT:TIME, e.g. 3:12; repeat for several.",
        ),
    ] = None,
    nominal_times: str | None = typer.Option(
        None,
        "--nominal-times",
        help="Protocol sampling times, e.g. 0,0.25,0.5,1,2,4,8,24: "
        "samples without a nominal time get the nearest one (mean profiles need them); "
        "a sample outside every time's window (half the gap to its neighbours) is refused.",
    ),
    nominal_tolerance: float | None = typer.Option(
        None,
        "--nominal-tolerance",
        help="With --nominal-times: a sample further than this (time unit) from every "
        "protocol time keeps no nominal time instead of being refused.",
    ),
    exclude_flagged: bool = typer.Option(
        False,
        "--exclude-flagged",
        help="Leave values that fail an acceptance rule "
        "(R2ADJ, LAMZSPN, AUC%extrap; see the 'flag' columns) out of the summaries.",
    ),
    lloq: float | None = typer.Option(
        None,
        "--lloq",
        help="LLOQ (concentration unit) for samples without one; measured "
        "values below it become BLQ. Without it, a bare BLQ takes the LLOQ of the "
        "analyte's '<x' entries (said in the notes).",
    ),
    out: str = typer.Option(
        "nca",
        "--out",
        help="Folder for nca_parameters.csv, "
        "nca_wide.csv, nca_summary.csv, nca_summary_grid.csv, "
        "nca_cdisc_pp.csv, nca.xlsx (one sheet per table), "
        "nca_provenance.json and report.html.",
    ),
    report: bool = typer.Option(
        True, "--report/--no-report", help="Also write the HTML report (figures and tables)."
    ),
    store: str | None = typer.Option(
        None,
        "--store",
        help="Also keep the study (raw bytes), the analysis and its "
        "outputs in a project store: an SQLite file or URL such as postgresql://host/db "
        "('default' for the store in your data folder; see kinetor store).",
    ),
    project: str = typer.Option("default", "--project", help="Store project to save into."),
    user: str | None = typer.Option(None, "--user", help="Store user (default: your login name)."),
) -> None:
    """NCA with Phoenix WinNonlin rules: every parameter per subject, summaries per group."""
    _common.choice(auc_method, _AUC, "--auc-method")
    if "=" not in blq_rule:
        _common.choice(blq_rule, _BLQ, "--blq-rule")
    _common.choice(time, ("actual", "nominal"), "--time")
    weights = _common.molecular_weights(mw)
    if nominal_tolerance is not None and not (nominal_times and nominal_tolerance >= 0):
        raise typer.BadParameter(
            f"{nominal_tolerance:g}: give a number >= 0 together with --nominal-times",
            param_hint="--nominal-tolerance",
        )
    if store:  # a file that is not a store is refused before any output is written
        from kinetor.store import normalise_url
        from kinetor.store._engine import check_store_file

        check_store_file(normalise_url(None if store == "default" else store), create=True)
    import json

    from kinetor.data import fill_lloq, read_study
    from kinetor.nca import nca
    from kinetor.nca._result_tables import study_ids, to_cdisc, to_excel

    units = {
        k: v
        for k, v in (
            ("time", time_unit),
            ("conc", conc_unit),
            ("dose", dose_unit),
            ("volume", volume_unit),
        )
        if v
    }
    roles = _pairs(mapping, "--map", "ROLE=COLUMN, e.g. --map subject=Animal")
    study = _common.read_with_weights(
        lambda w: read_study(
            data,
            units=units or None,
            time=time,
            doses=doses,
            roles=roles or None,
            sheet=_common.sheet_choice(data, sheet),
            route=route,
            mw=w,
            occasions=occasions,
        ),
        weights,
    )
    study = fill_lloq(study, lloq)
    studyid = study_ids(study)  # STUDYID of the PP domain; refused before any output
    if nominal_times:
        from kinetor.data import bin_nominal_times
        from kinetor.data.nominal import parse_time_list

        study = bin_nominal_times(study, parse_time_list(nominal_times), nominal_tolerance)
    iv_table = _intervals(intervals_file, interval)
    res = nca(
        study,
        auc_method=auc_method,
        blq_rule=blq_rule,
        sparse=sparse,
        time=time,
        intervals=iv_table,
        lambda_z_range=_lz_ranges(lz_range),
        lambda_z_exclude=_lz_points(lz_exclude),
    )
    folder = _common.out_dir(out)
    summary = res.summary(exclude_flagged=exclude_flagged)
    res.parameters.to_csv(folder / "nca_parameters.csv", index=False)
    res.to_wide().to_csv(folder / "nca_wide.csv", index=False)
    summary.to_csv(folder / "nca_summary.csv", index=False)
    to_cdisc(res, studyid).to_csv(folder / "nca_cdisc_pp.csv", index=False)
    res.summary_grid(exclude_flagged=exclude_flagged).to_csv(
        folder / "nca_summary_grid.csv", index=False
    )
    to_excel(res, folder / "nca.xlsx", exclude_flagged, studyid)
    (folder / "nca_provenance.json").write_text(json.dumps(res.provenance, indent=2, default=str))
    if report:
        from kinetor.report import nca_report

        with _common.progress() as bar:
            bar.add_task("writing the HTML report", total=None)
            nca_report(study, res, out_dir=folder, exclude_flagged=exclude_flagged)
    n_flag = int((res.parameters["exclude"] != "").sum())
    if store:
        from kinetor.cli.store import save_cli_run

        def records(df):
            return (
                [] if df is None else json.loads(df.to_json(orient="records", double_precision=15))
            )

        # the same structured options as the browser app stores (kinetor.store.nca), and
        # every other option that changes a result; the doses and intervals files are
        # kept with the result (input_*) and their SHA-256 recorded
        opts = {
            "auc_method": auc_method,
            "blq_rule": blq_rule,
            "sparse": sparse,
            "time": time,
            "exclude_flagged": exclude_flagged,
            "lambda_z_exclude": records(_lz_points(lz_exclude)),
            "lambda_z_range": records(_lz_ranges(lz_range)),
            "intervals": records(iv_table),
            "nominal_times": nominal_times,
            "nominal_tolerance": nominal_tolerance,
            "lloq": lloq,
            "units": units,
            "roles": roles,
            "route": route,
            "sheet": sheet,
            "mw": weights,
            "occasions": occasions,
        }
        settings = {"units": units, "roles": roles, "route": route, "sheet": sheet}
        aux = {"doses": doses, "intervals_file": intervals_file}
        saved = save_cli_run(
            store, project, user, data, folder, "nca", opts, settings, study.input_hash(), aux
        )
        _common.info(
            f"stored as result {saved['id']} (version {saved['version']}) of "
            f"study {saved['study_id']} in project {project!r}"
        )
    if _common.STATE["json"]:

        def records(df):
            return json.loads(df.to_json(orient="records", double_precision=15))

        _common.emit_json(
            {
                "out": str(folder),
                "profiles": len(res.profiles),
                "parameters": records(res.to_wide()),
                "summary": records(summary),
                "excluded_or_flagged": n_flag,
                "notes": list(study.notes),
                "provenance": res.provenance,
            }
        )
        return
    _common.info(
        f"NCA {study.source}: {len(res.profiles)} profiles, "
        f"{len(res.parameters)} parameter values ({n_flag} NaN or flagged, see "
        f"'exclude'); AUC method {auc_method}, BLQ rule {blq_rule}; wrote {folder}"
    )
    _excluded_note(study.conc)
    for note in res.provenance.get("notes", []):
        _common.info(f"  note: {note}")
    # n_flagged: values failing an acceptance rule (in the statistic unless --exclude-flagged)
    keep = [
        c for c in ("PPTESTCD", "unit", "n", "n_flagged", "statistic", "display") if c in summary
    ]
    by = [c for c in summary.columns if c not in keep and c in (*res.groups, "analyte")]
    from kinetor.nca.summary import MAIN_CODES

    shown = summary[summary["PPTESTCD"].isin(MAIN_CODES)]
    import numpy as np

    tunit = study.units.get("time", "")
    for (a, b, mat), block in shown.groupby(["start", "end", "matrix"], sort=True, observed=True):
        label = f"{a:g}-{b:g} {tunit}" if np.isfinite(b) else f"{a:g} {tunit} to infinity"
        _common.print_frame(
            block[[*by, *keep]], title=f"NCA summary, {mat}, interval {label} (main parameters)"
        )


def _excluded_note(conc) -> None:
    """Say which samples the analysis left out (the reason is in the 'exclude' column)."""
    reason = conc["exclude"].astype(object).fillna("").astype(str)
    out = conc[reason != ""]
    for why, part in out.groupby(reason[reason != ""], sort=False):
        rows = [str(int(r)) for r in part["source_row"].dropna()]
        where = f" (row {', '.join(rows[:6])}{' ...' if len(rows) > 6 else ''})" if rows else ""
        _common.info(f"  note: {len(part)} sample(s) excluded: {why}{where}")
