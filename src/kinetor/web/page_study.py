"""Virtual xenograft and compound library pages."""

from __future__ import annotations

import pandas as pd
from shiny import module, reactive, render, req, ui

from kinetor.web import jobs, tasks
from kinetor.web._ui import error_view, table
from kinetor.web.forms import FieldError, choice, number


def xenograft_args(arms_text, tumor, n_animals, n_replicates, seed, tumors) -> tuple:
    """The xenograft form as (arms, tumour, animals, replicates, seed), or FieldError."""
    arms = [a.strip() for a in (arms_text or "").splitlines() if a.strip()]
    if not arms:
        raise FieldError(
            "Arms: write at least one arm, one per line as NAME=COMPOUND:REGIMEN, e.g. "
            "vistusertib 15=vistusertib:15 mg/kg PO QD x 21 days"
        )
    return (
        arms,
        choice(tumor, tumors, "Tumour model"),
        number(n_animals, "Animals per arm", lo=2, hi=50, integer=True),
        number(n_replicates, "Replicate studies", lo=5, hi=1000, integer=True),
        number(seed, "Seed", lo=0, hi=2**32 - 1, integer=True),
    )


@module.ui
def xenograft_ui():
    from kinetor.translate import list_tumors

    tumors = list(list_tumors()["name"])
    return ui.layout_sidebar(
        ui.sidebar(
            ui.input_select("tumor", "Tumour model", tumors, selected="MCF7"),
            ui.input_text_area(
                "arms",
                "Arms, one per line: NAME=COMPOUND:REGIMEN",
                "vistusertib 15=vistusertib:15 mg/kg PO QD x 21 days",
                rows=4,
            ),
            ui.input_numeric("n_animals", "Animals per arm", 8, min=2, max=50),
            ui.input_numeric(
                "n_replicates", "Replicate studies (TGI interval)", 40, min=5, max=1000
            ),
            ui.input_numeric("seed", "Seed", 0),
            ui.input_action_button("run", "Run", class_="btn-primary"),
            ui.input_action_button("cancel", "Cancel"),
            ui.output_ui("status"),
            width=360,
        ),
        ui.output_plot("curves", height="380px"),
        ui.h5("TGI with 95% interval over replicate studies"),
        ui.output_ui("tgi"),
        ui.h5("Animals per arm (80% power, two-sided alpha 0.05)"),
        ui.output_ui("power"),
    )


@module.server
def xenograft_server(input, output, session, ctx):
    from kinetor.translate import list_tumors

    job = jobs.Job()
    tumors = list(list_tumors()["name"])
    form_error = reactive.Value("")

    @reactive.extended_task
    async def task(arms, tumor, n, reps, seed):
        return await job.run(
            [
                ("tumour curves", tasks.xenograft_curves, (arms, tumor, n, seed)),
                ("TGI intervals", tasks.xenograft_tgi, (arms, tumor, n, reps, seed)),
                ("animals per arm", tasks.xenograft_power, (arms, tumor, seed)),
            ]
        )

    @reactive.effect
    @reactive.event(input.run)
    def _run():
        try:
            args = xenograft_args(
                input.arms(),
                input.tumor(),
                input.n_animals(),
                input.n_replicates(),
                input.seed(),
                tumors,
            )
        except FieldError as exc:
            form_error.set(str(exc))
            return
        form_error.set("")
        task.invoke(*args)

    @reactive.effect
    @reactive.event(input.cancel)
    def _cancel():
        job.cancel()
        task.cancel()

    def part(i: int):
        res = task.result() if task.status() == "success" else None
        req(res and len(res) > i and "error" not in res[i])
        return res[i]

    @render.ui
    def status():
        if form_error.get():
            return ui.pre(form_error.get(), class_="text-danger", id="xeno-status")
        if task.status() == "running":
            reactive.invalidate_later(0.5)
            return ui.p(job.text() + "...", id="xeno-status")
        if task.status() == "cancelled":
            return ui.p("cancelled", id="xeno-status")
        res = task.result() if task.status() == "success" else None
        bad = [r for r in res or [] if "error" in r]
        if bad:
            return error_view(bad[0], "xeno-status")
        return ui.p("done" if res else "", id="xeno-status")

    @render.plot(alt="mean tumour volume per arm")
    def curves():
        from kinetor._figures import new_figure

        df = pd.DataFrame(part(0)["curves"])
        fig, ax = new_figure(7, 3.8, squeeze=True, layout="tight")
        for arm, g in df.groupby("arm", sort=False):
            ax.errorbar(
                g["day"], g["mean"], yerr=g["sem"], marker="o", ms=3, capsize=2, label=str(arm)
            )
        ax.set_xlabel("day")
        ax.set_ylabel("tumour volume (mm$^3$, mean and SEM)")
        ax.legend(fontsize=8)
        return fig

    @render.ui
    def tgi():
        return table(pd.DataFrame(part(1)["summary"]), table_id="tgi-table")

    @render.ui
    def power():
        return table(pd.DataFrame(part(2)["power"]), table_id="power-table")


@module.ui
def compounds_ui():
    return ui.TagList(
        ui.input_text("query", "Search", placeholder="name, synonym or class"),
        ui.output_ui("library"),
        ui.input_select("compound", "Compound", choices=[]),
        ui.h5("Values with their sources and status"),
        ui.output_ui("values"),
    )


@module.server
def compounds_server(input, output, session, ctx):
    import kinetor.compounds as kc

    lib = kc.list_compounds()

    def matches() -> pd.DataFrame:
        q = input.query().strip().lower()
        if not q:
            return lib
        text = lib[["name", "synonyms", "drug_class"]].astype(str).agg(" ".join, axis=1)
        return lib[text.str.lower().str.contains(q, regex=False)]

    @reactive.effect
    def _choices():
        ui.update_select("compound", choices=list(matches()["name"]))

    @render.ui
    def library():
        return table(matches(), table_id="compound-table")

    @render.ui
    def values():
        req(input.compound())
        vals = kc.get(input.compound()).values()
        cols = [
            c
            for c in ("section", "name", "context", "value", "unit", "status", "source")
            if c in vals.columns
        ]
        return table(vals[cols], table_id="compound-values", max_rows=2000)
