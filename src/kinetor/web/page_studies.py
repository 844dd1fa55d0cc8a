"""Studies page: choose or create a project, upload a study (CSV/TSV, Excel, SEND zip),
see every validation problem (file, row, column, fix), pick units, route and column roles
from menus, keep the study in the store (raw bytes + SHA-256)."""

from __future__ import annotations

import io

import pandas as pd
from shiny import module, reactive, render, ui

from kinetor.web import jobs, tasks
from kinetor.web._ui import problems_table, table

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
        run_check.invoke(info["name"], data, settings())

    def settings() -> dict:
        units = {
            k: v
            for k, v in (
                ("time", input.time_unit()),
                ("conc", input.conc_unit()),
                ("dose", input.dose_unit()),
            )
            if v
        }
        roles = {}
        for role in ROLES:
            v = input[f"role_{role}"]() if f"role_{role}" in input else ""
            if v:
                roles[role] = v
        return {"units": units, "roles": roles, "route": input.route() or None}

    @reactive.extended_task
    async def run_check(name, data, sets):
        return name, data, sets, await jobs.run(tasks.validate, data, name, sets)

    @reactive.effect
    @reactive.event(input.recheck)
    def _recheck():
        if upload.get() is not None:
            run_check.invoke(*upload.get(), settings())

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
            return ui.p(
                f"OK: {res['rows']} rows, {res['subjects']} subjects; units "
                f"{res['units']}. Stored in the project and chosen for NCA.",
                id="check-status",
                class_="text-success",
            )
        return ui.p(
            f"{len(res['problems'])} problem(s): fix the file or choose the missing "
            "settings, then upload again or check again.",
            id="check-status",
            class_="text-danger",
        )

    @render.ui
    def problems():
        res = check.get()
        if not res or res.get("ok"):
            return None
        if not res["problems"]:
            return ui.pre(res["error"])
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
