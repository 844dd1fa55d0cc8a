"""Studies page: choose or create a project, upload a study (CSV/TSV, Excel, SEND zip),
see every validation problem (file, row, column, fix), pick units, route and column roles
from menus, keep the study in the store (raw bytes + SHA-256)."""

from __future__ import annotations

import io

import pandas as pd
from shiny import module, reactive, render, ui

from kinetor.web import jobs, tasks
from kinetor.web._ui import problems_table, table
from kinetor.web.forms import FieldError, choice

TIME_UNITS = ["", "h", "min", "d"]
CONC_UNITS = ["", "ng/mL", "ug/mL", "mg/L", "nmol/L", "umol/L", "pg/mL"]
DOSE_UNITS = ["", "mg/kg", "mg", "ug/kg", "umol/kg", "mg/m2"]
ROUTES = ["", "PO", "IV", "IV infusion", "SC", "IP", "IM"]
ROLES = ["subject", "time", "conc", "dose", "route", "group"]


@module.ui
def studies_ui():
    return ui.layout_sidebar(
        ui.sidebar(
            ui.input_select("project", "Project", choices={}),
            ui.input_text("new_project", "New project", placeholder="name"),
            ui.input_action_button("create", "Create project"),
            ui.output_ui("project_message"),
            ui.hr(),
            ui.input_file(
                "upload", "Study file", accept=[".csv", ".tsv", ".txt", ".xlsx", ".xpt", ".zip"]
            ),
            ui.input_select("time_unit", "Time unit (when the file has none)", TIME_UNITS),
            ui.input_select("conc_unit", "Concentration unit", CONC_UNITS),
            ui.input_select("dose_unit", "Dose unit", DOSE_UNITS),
            ui.input_select("route", "Route (doses without one)", ROUTES),
            ui.output_ui("role_menus"),
            ui.input_action_button("recheck", "Check again with these settings"),
            width=330,
        ),
        ui.h4("Validation"),
        ui.output_ui("status"),
        ui.output_ui("problems"),
        ui.h4("Studies in this project"),
        ui.output_ui("stored"),
    )


@module.server
def studies_server(input, output, session, ctx):
    upload = reactive.Value(None)  # (name, bytes)
    check = reactive.Value(None)  # result of tasks.validate
    columns = reactive.Value([])
    project_note = reactive.Value("")

    def refresh_projects(select=None):
        projects = ctx.store.projects(ctx.user)
        choices = {str(p["id"]): f"{p['name']} ({p['owner']})" for p in projects}
        sel = str(select) if select else (next(iter(choices)) if choices else None)
        ui.update_select("project", choices=choices, selected=sel)

    @reactive.effect
    def _init():
        if not ctx.store.projects(ctx.user):
            ctx.store.create_project("My project", user=ctx.user)
        with reactive.isolate():
            refresh_projects()

    @reactive.effect
    def _project():
        ctx.project.set(int(input.project()) if input.project() else None)

    @reactive.effect
    @reactive.event(input.create)
    def _create():
        name = input.new_project().strip()
        if not name:
            project_note.set("New project: type a name first.")
            return
        project_note.set("")
        refresh_projects(ctx.store.create_project(name, user=ctx.user))

    @render.ui
    def project_message():
        return ui.p(project_note.get(), class_="text-danger", id="project-message")

    @reactive.effect
    @reactive.event(input.upload)
    def _uploaded():
        info = (input.upload() or [None])[0]
        if not info:
            return
        if int(info["size"]) > ctx.cfg.max_upload_bytes:
            check.set(
                {
                    "ok": False,
                    "error": "file too large",
                    "problems": [
                        {
                            "file": info["name"],
                            "row": "",
                            "column": "",
                            "problem": f"file larger than {ctx.cfg.max_upload_mb:g} MB",
                            "fix": "upload a smaller file",
                        }
                    ],
                }
            )
            return
        with open(info["datapath"], "rb") as fh:  # Shiny's own temporary file
            data = fh.read()
        upload.set((info["name"], data))
        columns.set(_header(info["name"], data))
        check_with_settings(info["name"], data)

    def check_with_settings(name: str, data: bytes) -> None:
        roles = {r: input[f"role_{r}"]() if f"role_{r}" in input else "" for r in ROLES}
        try:
            sets = study_settings(
                input.time_unit(),
                input.conc_unit(),
                input.dose_unit(),
                input.route(),
                roles,
                columns.get(),
            )
        except FieldError as exc:  # a menu value that is not in the menu
            check.set({"ok": False, "error": str(exc), "problems": []})
            return
        run_check.invoke(name, data, sets)

    @reactive.extended_task
    async def run_check(name, data, sets):
        return name, data, sets, await jobs.run(tasks.validate, data, name, sets)

    @reactive.effect
    @reactive.event(input.recheck)
    def _recheck():
        if upload.get() is not None:
            check_with_settings(*upload.get())

    @reactive.effect
    def _checked():
        name, data, sets, res = run_check.result()
        check.set(res)
        with reactive.isolate():  # read without depending on what we set here
            pid, n = ctx.project.get(), ctx.studies_changed.get()
        if res.get("ok") and pid is not None:
            sid = ctx.store.add_study(pid, name, data, user=ctx.user, settings=sets, reuse=True)
            ctx.study.set(sid)
            ctx.studies_changed.set(n + 1)

    @render.ui
    def role_menus():
        cols = ["", *columns.get()]
        if len(cols) == 1:
            return ui.p("Column roles: upload a file to choose them.")
        return ui.TagList(
            *[
                ui.input_select(
                    f"role_{r}",
                    f"Column for {r} (auto when empty)",
                    {c: c or "(auto)" for c in cols},
                )
                for r in ROLES
            ]
        )

    @render.ui
    def status():
        if run_check.status() == "running":
            return ui.p("checking the file...", id="check-status")
        res = check.get()
        if res is None:
            return ui.p("Upload a study file.", id="check-status")
        if res.get("ok"):
            return checked_view(res)
        if not res["problems"]:  # a refused setting or a lost worker: its message
            return ui.p(res["error"], id="check-status", class_="text-danger")
        return ui.p(
            f"{len(res['problems'])} problem(s): fix the file or choose the missing "
            "settings, then upload again or check again.",
            id="check-status",
            class_="text-danger",
        )

    @render.ui
    def problems():
        res = check.get()
        if not res or res.get("ok") or not res["problems"]:
            return None
        return problems_table(res["problems"])

    @render.ui
    def stored():
        ctx.studies_changed.get()
        pid = ctx.project.get()
        if pid is None:
            return None
        rows = ctx.store.studies(ctx.user, pid)
        df = pd.DataFrame(
            rows, columns=["id", "name", "size", "sha256", "created_at", "created_by"]
        )
        return table(df, table_id="studies-table")


def checked_view(res: dict):
    """A file that passed validation: rows, subjects, units, then the notes of reading it
    (what was assumed or converted, as ``kinetor validate`` prints them) and the warnings
    (legal but suspicious data). Every text is escaped by htmltools."""
    ok = ui.p(
        f"OK: {res['rows']} rows, {res['subjects']} subjects; units "
        f"{res['units']}. Stored in the project and chosen for NCA.",
        id="check-status",
        class_="text-success",
    )
    parts = [ok]
    notes = [ui.tags.li(n) for n in res.get("notes", [])]
    if notes:
        parts += [ui.p("Notes on reading the file:"), ui.tags.ul(*notes, id="study-notes")]
    warned = [ui.tags.li(w) for w in res.get("warnings", [])]
    if warned:
        parts += [
            ui.p("Please check:", class_="text-warning"),
            ui.tags.ul(*warned, id="warnings"),
        ]
    return parts[0] if len(parts) == 1 else ui.div(*parts)


def study_settings(time_unit, conc_unit, dose_unit, route, roles: dict, columns: list[str]) -> dict:
    """The upload's settings from the menus, each checked against its menu (a tampered
    value is a FieldError, never stored): units, column roles (a column of the file), route.

    >>> study_settings("h", "ng/mL", "", "PO", {"time": "Time"}, ["Time", "Conc"])
    {'units': {'time': 'h', 'conc': 'ng/mL'}, 'roles': {'time': 'Time'}, 'route': 'PO'}
    """
    units = {
        k: choice(v or "", menu, label)
        for k, v, menu, label in (
            ("time", time_unit, TIME_UNITS, "Time unit"),
            ("conc", conc_unit, CONC_UNITS, "Concentration unit"),
            ("dose", dose_unit, DOSE_UNITS, "Dose unit"),
        )
    }
    cols = ["", *columns]
    picked = {r: choice(roles.get(r) or "", cols, f"Column for {r}") for r in ROLES}
    return {
        "units": {k: v for k, v in units.items() if v},
        "roles": {k: v for k, v in picked.items() if v},
        "route": choice(route or "", ROUTES, "Route") or None,
    }


def _header(name: str, data: bytes) -> list[str]:
    """Column names of a CSV/TSV/Excel upload (empty when they cannot be read)."""
    try:
        if name.lower().endswith(".xlsx"):
            df = pd.read_excel(io.BytesIO(data), nrows=0)
        else:
            df = pd.read_csv(io.BytesIO(data), nrows=0, sep=None, engine="python")
    except Exception:
        return []
    return [str(c) for c in df.columns]
