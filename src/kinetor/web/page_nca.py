"""NCA page: options, run in a worker, per-subject semi-log plot where a click moves a
point in or out of lambda_z (the typed reason goes to the audit trail), the main summary,
downloads (HTML report, Excel workbook), results saved as versions and lockable."""

from __future__ import annotations

import numpy as np
import pandas as pd
from shiny import module, reactive, render, req, ui

from kinetor.errors import KinetorError
from kinetor.web import jobs, tasks
from kinetor.web._ui import problems_table, table
from kinetor.web.forms import FieldError, choice, lz_points, parse_interval

AUC = ["lin-up/log-down", "linear", "lin-log"]
BLQ = ["pknca", "zero", "missing", "zero-before-tmax", "half-lloq", "half-lloq-first-zero"]


@module.ui
def nca_ui():
    return ui.layout_sidebar(
        ui.sidebar(
            ui.input_select("study", "Study", choices={}),
            ui.input_select("auc_method", "AUC method", AUC),
            ui.input_select("blq_rule", "BLQ rule", BLQ),
            ui.input_text("interval", "Interval START-END (optional)", placeholder="0-24"),
            ui.input_checkbox(
                "sparse", "Sparse (serial sacrifice): one composite profile per group"
            ),
            ui.input_action_button("run", "Run NCA", class_="btn-primary"),
            ui.input_action_button("cancel", "Cancel"),
            ui.output_ui("status"),
            ui.hr(),
            ui.download_button("report", "HTML report"),
            ui.download_button("workbook", "Excel workbook"),
            ui.input_text("lock_reason", "Lock reason", placeholder="QC passed"),
            ui.input_action_button("lock", "Lock this result"),
            width=330,
        ),
        ui.output_ui("problems"),
        ui.row(
            ui.column(
                7,
                ui.input_select("subject", "Subject", choices={}),
                ui.input_text(
                    "reason",
                    "Reason for the next lambda_z change",
                    placeholder="e.g. sample haemolysed",
                ),
                ui.output_plot("lz_plot", click=True, height="380px", width="560px"),
                ui.output_ui("lz_message"),
            ),
            ui.column(
                5,
                ui.h5("Summary (main parameters)"),
                ui.output_ui("summary"),
                ui.h5("Excluded from lambda_z"),
                ui.output_ui("exclusions"),
            ),
        ),
    )


@module.server
def nca_server(input, output, session, ctx):
    excluded = reactive.Value([])  # [{"subject", "time"}]
    outcome = reactive.Value(None)  # the worker's result
    saved = reactive.Value(None)  # the stored result (dict)
    message = reactive.Value("")
    job = jobs.Job()

    @reactive.effect
    def _studies():
        ctx.studies_changed.get()
        pid = ctx.project.get()
        rows = ctx.store.studies(ctx.user, pid) if pid is not None else []
        choices = {str(r["id"]): f"{r['id']}: {r['name']}" for r in rows}
        with reactive.isolate():
            cur = ctx.study.get()
        ui.update_select(
            "study",
            choices=choices,
            selected=str(cur)
            if cur is not None and str(cur) in choices
            else (next(reversed(choices)) if choices else None),
        )

    @reactive.effect
    @reactive.event(input.study)
    def _study_changed():
        excluded.set([])
        outcome.set(None)
        saved.set(None)
        message.set("")

    def options() -> dict:
        """The run's options, or FieldError (a bad interval refuses the run)."""
        opts = {
            "auc_method": choice(input.auc_method(), AUC, "AUC method"),
            "blq_rule": choice(input.blq_rule(), BLQ, "BLQ rule"),
            "lambda_z_exclude": list(excluded.get()),
        }
        if input.sparse():
            opts["sparse"] = True
        intervals = parse_interval(input.interval())
        if intervals:
            opts["intervals"] = intervals
        return opts

    @reactive.extended_task
    async def nca_task(study_id, study, opts):
        out = await job.run(
            [("NCA", tasks.nca_job, (study["data"], study["name"], study["settings"], opts))]
        )
        return study_id, opts, (out[0] if out else None)

    def start() -> bool:
        """Run NCA; False (the reason in the message line) when the options are bad."""
        req(input.study())
        try:
            opts = options()
        except FieldError as exc:
            message.set(str(exc))
            return False
        try:
            sid = int(input.study())
            study = ctx.store.study(sid, ctx.user)
        except (KinetorError, ValueError):  # a tampered menu value: not a visible study
            message.set(
                f"study {str(input.study())[:40]!r} is not one of your studies: choose one "
                "in the Study menu"
            )
            return False
        nca_task.invoke(sid, study, opts)
        return True

    @reactive.effect
    @reactive.event(input.run)
    def _run():
        if start():
            message.set("")

    @reactive.effect
    @reactive.event(input.cancel)
    def _cancel():
        job.cancel()
        nca_task.cancel()

    @reactive.effect
    def _done():
        from kinetor.store.nca import resolved_options

        sid, opts, res = nca_task.result()
        if res is None:
            return
        outcome.set(res)
        if "error" in res:
            saved.set(None)  # the status must not show an earlier result as this run's
            return
        rec = ctx.store.save_result(
            sid,
            "nca",
            resolved_options(opts),  # with the defaults it ran with, as the JSON API
            res["blobs"],
            user=ctx.user,
            input_hashes={"study_content": res["input_hash"]},
            summary={"profiles": res["profiles"]},
        )
        saved.set(rec)
        subjects = list(dict.fromkeys(str(p["subject"]) for p in res["lz"]))
        with reactive.isolate():
            keep = input.subject() if input.subject() in subjects else None
        ui.update_select("subject", choices=subjects, selected=keep or subjects[0])

    @render.ui
    def status():
        st = nca_task.status()
        if st == "running":
            reactive.invalidate_later(0.5)
            return ui.p(job.text() + "...", id="nca-status")
        if st == "cancelled" or job.cancelled:
            return ui.p("cancelled", id="nca-status")
        rec = saved.get()
        if rec:
            lock = " (locked)" if rec.get("locked") else ""
            return ui.p(
                f"saved as result {rec['id']}, version {rec['version']}{lock}", id="nca-status"
            )
        return ui.p("", id="nca-status")

    @render.ui
    def problems():
        res = outcome.get()
        if res and "error" in res:
            return ui.TagList(
                ui.p(res["error"], class_="text-danger"),
                problems_table(res["problems"]) if res["problems"] else None,
            )
        return None

    def points() -> dict:
        """The chosen subject's point sets, or FieldError saying why there are none."""
        res = outcome.get()
        req(res and "lz" in res and input.subject())
        req(input.subject() in {str(p["subject"]) for p in res["lz"]})  # study switched
        return lz_points(res["lz"], input.subject(), excluded.get())

    @render.plot(
        alt="concentration-time profile on a log scale; click a point to move it "
        "in or out of the lambda_z fit"
    )
    def lz_plot():
        try:
            pts = points()
        except FieldError as exc:
            return lz_figure(None, {}, "", str(exc))
        return lz_figure(pts, outcome.get()["units"], input.subject())

    @reactive.effect
    @reactive.event(input.lz_plot_click)
    def _click():
        click = input.lz_plot_click()
        try:
            pos = points()["pos"]
        except FieldError:
            return
        if click is None:
            return
        reason = input.reason().strip()
        if not reason:
            message.set(
                "Type a reason first: every lambda_z change is kept in the audit "
                "trail with its reason."
            )
            return
        xr = max(float(pos["time"].max() - pos["time"].min()), 1e-9)
        yr = max(float(np.log10(pos["conc"]).max() - np.log10(pos["conc"]).min()), 1e-9)
        d = ((pos["time"] - click["x"]) / xr) ** 2 + (
            (np.log10(pos["conc"]) - np.log10(max(click["y"], 1e-300))) / yr
        ) ** 2
        row = pos.loc[d.idxmin()]
        point = {"subject": str(row["subject"]), "time": float(row["time"])}
        now = list(excluded.get())
        action = "lambda_z.include" if point in now else "lambda_z.exclude"
        now = [p for p in now if p != point] if point in now else [*now, point]
        study_id = int(input.study())
        ctx.store.record(
            ctx.user,
            action,
            f"study:{study_id}/subject:{point['subject']}/time:{point['time']:g}",
            reason=reason,
            details={"study": study_id, **point, "conc": float(row["conc"])},
            project_id=ctx.project.get(),
        )
        excluded.set(now)
        verb = "excluded from" if action.endswith("exclude") else "put back into"
        ui.update_text("reason", value="")
        if start():
            message.set(
                f"time {point['time']:g} of subject {point['subject']} {verb} "
                f"lambda_z (reason kept in the audit trail); recomputing."
            )

    @render.ui
    def lz_message():
        return ui.p(message.get(), id="lz-message")

    @render.ui
    def summary():
        res = outcome.get()
        if not res or "summary" not in res:
            return None
        return summary_view(res)

    @render.ui
    def exclusions():
        return table(
            pd.DataFrame(excluded.get(), columns=["subject", "time"]), table_id="excluded-table"
        )

    async def _file(rec: dict, name: str) -> bytes:
        """A result's file; the report and workbook are built on first request (in a
        worker) and kept with the result unless it is locked."""
        info = ctx.store.result(rec["id"], ctx.user)
        if name in {b["name"] for b in info["blobs"]}:
            return ctx.store.blob(rec["id"], name, ctx.user)
        study = ctx.store.study(rec["study_id"], ctx.user)
        out = await jobs.run(
            tasks.nca_job,
            study["data"],
            study["name"],
            study["settings"],
            info["analysis"]["options"],
            name == "report.html",
            name == "nca.xlsx",
        )
        if "error" in out:  # e.g. the worker was lost: say so instead of a broken file
            message.set(out["error"])
            req(False)
        data = out["blobs"][name]
        if not ctx.store.result(rec["id"], ctx.user)["locked"]:
            ctx.store.add_blob(rec["id"], name, data, user=ctx.user)
        return data

    @render.download_button(filename="kinetor_nca_report.html")
    async def report():
        rec = saved.get()
        req(rec)
        yield await _file(rec, "report.html")

    @render.download_button(filename="kinetor_nca.xlsx")
    async def workbook():
        rec = saved.get()
        req(rec)
        yield await _file(rec, "nca.xlsx")

    @reactive.effect
    @reactive.event(input.lock)
    def _lock():
        rec = saved.get()
        reason = input.lock_reason().strip()
        if not rec:
            return
        if not reason:
            message.set("Type a lock reason first.")
            return
        saved.set(
            ctx.store.lock(rec["id"], ctx.user, reason=reason)
            | {"project_id": rec.get("project_id")}
        )
        message.set("")


def lz_figure(pts: dict | None, units: dict, subject: str, message: str = ""):
    """The semi-log profile of one subject (its lambda_z points, the others, the excluded
    ones), or ``message`` when there is nothing to draw. User text (the subject id) is
    shown literally: a ``$`` in it is never read as mathtext."""
    from kinetor._figures import PALETTE, literal_user_text, new_figure

    fig, ax = new_figure(5.6, 3.8, squeeze=True, layout="tight")
    if pts is None:
        ax.axis("off")
        ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
        literal_user_text(fig)
        return fig
    pos, used, other, gone = pts["pos"], pts["used"], pts["other"], pts["gone"]
    ax.plot(pos["time"], pos["conc"], "-", color="0.7", lw=1)
    ax.plot(other["time"], other["conc"], "o", color="0.4", label="not in lambda_z")
    ax.plot(used["time"], used["conc"], "o", color=PALETTE[0], label="lambda_z points")
    ax.plot(gone["time"], gone["conc"], "x", color=PALETTE[3], ms=10, mew=2, label="excluded")
    ax.set_yscale("log")
    ax.set_xlabel(f"time ({units.get('time', '')})")
    ax.set_ylabel(f"concentration ({units.get('conc', '')})")
    ax.set_title(f"subject {subject}")
    ax.legend(fontsize=8, loc="upper right")
    literal_user_text(fig)
    return fig


def summary_view(res: dict):
    """The main summary of an NCA run (one row per group, analyte, matrix, interval and
    parameter, with n_flagged), the count of values not calculated and their reasons,
    and the run's notes; every text escaped."""
    df = pd.DataFrame(res["summary"]).drop(columns=["mean"], errors="ignore")
    parts = [table(df, table_id="summary-table")]
    nc = res.get("not_calculated") or {}
    if nc.get("count"):
        why = "; ".join(f"{r['reason']} ({r['n']})" for r in nc.get("reasons", []))
        parts.append(
            ui.p(
                f"{nc['count']} parameter value(s) not calculated: {why}. See the "
                "'exclude' column of nca_parameters.csv.",
                id="not-calculated",
            )
        )
    notes = res.get("notes") or []
    if notes:
        parts.append(ui.tags.ul(*[ui.tags.li(f"note: {n}") for n in notes], id="nca-notes"))
    return ui.TagList(*parts)
