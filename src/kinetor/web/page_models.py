"""PK simulation and pathway explorer pages (runs in worker processes)."""

from __future__ import annotations

import functools

from shiny import module, reactive, render, req, ui

from kinetor.web import jobs, tasks
from kinetor.web._ui import error_view
from kinetor.web.forms import FieldError, choice, choices, number

PK_MODELS = {
    "OneCompartmentOral": "cl=0.5 L/h/kg, v=2 L/kg, ka=1 1/h",
    "TwoCompartmentOral": "cl=0.5 L/h/kg, v1=1 L/kg, q=0.3 L/h/kg, v2=2 L/kg, ka=1 1/h",
    "OneCompartment": "cl=0.5 L/h/kg, v=2 L/kg",
    "TwoCompartment": "cl=0.5 L/h/kg, v1=1 L/kg, q=0.3 L/h/kg, v2=2 L/kg",
}


def parse_params(text: str) -> dict[str, str]:
    """``"cl=0.5 L/h/kg, v=2 L/kg"`` -> ``{"cl": "0.5 L/h/kg", "v": "2 L/kg"}``.

    >>> parse_params("cl=0.5 L/h/kg, v=2 L/kg")
    {'cl': '0.5 L/h/kg', 'v': '2 L/kg'}
    """
    out = {}
    for part in text.split(","):
        k, sep, v = part.partition("=")
        if sep and k.strip() and v.strip():
            out[k.strip()] = v.strip()
    return out


def pk_args(model, params, regimen, t_end, n, cv, weight) -> tuple:
    """The PK form as ``tasks.pk_job`` arguments, or FieldError (nothing is defaulted)."""
    return (
        choice(model, PK_MODELS, "Model"),
        parse_params(params or ""),
        regimen or "",
        number(t_end, "Simulate to (h)", lo=0, above=True),
        number(n, "Virtual subjects", lo=1, hi=5000, integer=True),
        number(cv, "Between-subject CV (%)", lo=0),
        number(weight, "Body weight (kg)", lo=0, above=True, required=False),
    )


@module.ui
def pk_ui():
    return ui.layout_sidebar(
        ui.sidebar(
            ui.input_select("model", "Model", list(PK_MODELS)),
            ui.input_text("params", "Parameters", PK_MODELS["OneCompartmentOral"]),
            ui.input_text("regimen", "Regimen", "15 mg/kg PO QD x 3 days"),
            ui.output_ui("regimen_error"),
            ui.input_numeric("weight", "Body weight (kg)", 0.025),
            ui.input_numeric("n", "Virtual subjects", 200, min=1, max=5000),
            ui.input_numeric("cv", "Between-subject CV (%) on every parameter", 30),
            ui.input_numeric("t_end", "Simulate to (h)", 72),
            ui.input_action_button("run", "Simulate", class_="btn-primary"),
            ui.input_action_button("cancel", "Cancel"),
            ui.output_ui("status"),
            width=330,
        ),
        ui.output_plot("pk_plot", height="420px"),
    )


@module.server
def pk_server(input, output, session, ctx):
    job = jobs.Job()

    @reactive.effect
    @reactive.event(input.model)
    def _defaults():
        ui.update_text("params", value=PK_MODELS[input.model()])

    @render.ui
    def regimen_error():
        from kinetor.errors import KinetorError
        from kinetor.pk import Regimen

        try:
            Regimen.parse(input.regimen())
        except KinetorError as exc:
            return ui.pre(str(exc), class_="text-danger", id="regimen-error")
        return None

    @reactive.extended_task
    async def task(args):
        out = await job.run([("population simulation", tasks.pk_job, args)])
        return out[0] if out else None

    form_error = reactive.Value("")

    @reactive.effect
    @reactive.event(input.run)
    def _run():
        try:
            args = pk_args(
                input.model(),
                input.params(),
                input.regimen(),
                input.t_end(),
                input.n(),
                input.cv(),
                input.weight(),
            )
        except FieldError as exc:
            form_error.set(str(exc))
            return
        form_error.set("")
        task.invoke(args)

    @reactive.effect
    @reactive.event(input.cancel)
    def _cancel():
        job.cancel()
        task.cancel()

    @render.ui
    def status():
        if form_error.get():
            return ui.pre(form_error.get(), class_="text-danger", id="pk-status")
        if task.status() == "running":
            reactive.invalidate_later(0.5)
            return ui.p(job.text() + "...", id="pk-status")
        if task.status() == "success" and task.result() and "error" in task.result():
            return error_view(task.result(), "pk-status")
        return ui.p("cancelled" if task.status() == "cancelled" else "", id="pk-status")

    @render.plot(alt="simulated concentrations: median and 5th-95th percentile band")
    def pk_plot():
        from kinetor._figures import new_figure

        res = task.result()
        req(res and "median" in res)
        fig, ax = new_figure(7, 4, squeeze=True, layout="tight")
        ax.fill_between(
            res["time"],
            res["p05"],
            res["p95"],
            alpha=0.3,
            label=f"5th-95th percentile ({res['n']} subjects)",
        )
        ax.plot(res["time"], res["median"], label="median")
        ax.set_xlabel("time (h)")
        ax.set_ylabel(f"concentration ({res['unit']})")
        ax.legend()
        return fig


@functools.cache
def _network_drugs() -> list[str]:
    """Library compounds the network can simulate (the library is the only drug source)."""
    from kinetor import compounds
    from kinetor.errors import ModelError
    from kinetor.pathway import drug_from_compound

    names = []
    for comp in compounds.load_library():
        try:
            drug_from_compound(comp)
        except ModelError:
            continue
        names.append(comp.name)
    return names


def pathway_args(lesions, drug1, conc1, drug2, conc2, t_end, readouts) -> tuple:
    """The pathway form as ``tasks.pathway_job`` arguments, or FieldError: names checked
    against the menus, numbers required (a concentration's sign is the library's check)."""
    import kinetor.pathway as kp

    drugs = _network_drugs()
    drugs_in = {choice(drug1, drugs, "Drug"): number(conc1, "Free concentration (nM)")}
    if drug2 and drug2 != drug1:
        drugs_in[choice(drug2, drugs, "Second drug")] = number(conc2, "Its concentration (nM)")
    picked = choices(readouts or [], kp.READOUTS, "Readouts")
    if not picked:
        raise FieldError("Readouts: choose at least one")
    return (
        choices(lesions or [], kp.LESIONS, "Lesions"),
        drugs_in,
        number(t_end, "Time (h)", lo=0, above=True),
        picked,
    )


@module.ui
def pathway_ui():
    import kinetor.pathway as kp

    drugs = _network_drugs()
    return ui.layout_sidebar(
        ui.sidebar(
            ui.input_checkbox_group("lesions", "Lesions", list(kp.LESIONS)),
            ui.input_select("drug1", "Drug", drugs, selected="everolimus"),
            ui.input_numeric("conc1", "Free concentration (nM)", 10),
            ui.input_select("drug2", "Second drug (optional)", ["", *drugs]),
            ui.input_numeric("conc2", "Its concentration (nM)", 0),
            ui.input_checkbox_group(
                "readouts",
                "Readouts",
                list(kp.READOUTS),
                selected=[r for r in ("pS6_S235_236", "pAKT_S473") if r in kp.READOUTS],
            ),
            ui.input_numeric("t_end", "Time (h)", 24),
            ui.input_action_button("run", "Simulate", class_="btn-primary"),
            ui.input_action_button("cancel", "Cancel"),
            ui.output_ui("status"),
            width=330,
        ),
        ui.row(
            ui.column(6, ui.output_plot("course", height="380px")),
            ui.column(6, ui.output_plot("dose_response", height="380px")),
        ),
        ui.output_plot("grid", height="420px"),
    )


@module.server
def pathway_server(input, output, session, ctx):
    job = jobs.Job()

    @reactive.extended_task
    async def task(args):
        out = await job.run([("pathway simulation", tasks.pathway_job, args)])
        return out[0] if out else None

    form_error = reactive.Value("")

    @reactive.effect
    @reactive.event(input.run)
    def _run():
        try:
            args = pathway_args(
                list(input.lesions() or []),
                input.drug1(),
                input.conc1(),
                input.drug2(),
                input.conc2(),
                input.t_end(),
                list(input.readouts() or []),
            )
        except FieldError as exc:
            form_error.set(str(exc))
            return
        form_error.set("")
        task.invoke(args)

    @reactive.effect
    @reactive.event(input.cancel)
    def _cancel():
        job.cancel()
        task.cancel()

    @render.ui
    def status():
        if form_error.get():
            return ui.pre(form_error.get(), class_="text-danger", id="pathway-status")
        if task.status() == "running":
            reactive.invalidate_later(0.5)
            return ui.p(job.text() + "...", id="pathway-status")
        res = task.result() if task.status() == "success" else None
        if res and "error" in res:
            return error_view(res, "pathway-status")
        return ui.p("done" if res else "", id="pathway-status")

    def _lines(ax, data, x, log=False):
        for name, values in data.items():
            if name != x:
                ax.plot(data[x], values, marker="o" if log else None, ms=3, label=name)
        if log:
            ax.set_xscale("log")
        ax.set_ylabel("% of untreated")
        ax.legend(fontsize=8)

    @render.plot(alt="readout time courses")
    def course():
        from kinetor._figures import new_figure

        res = task.result()
        req(res and "course" in res)
        fig, ax = new_figure(5.5, 3.8, squeeze=True, layout="tight")
        _lines(ax, res["course"], "time")
        ax.set_xlabel("time (h)")
        ax.set_title("time course")
        return fig

    @render.plot(alt="dose-response of the first drug")
    def dose_response():
        from kinetor._figures import new_figure

        res = task.result()
        req(res and "dose_response" in res)
        fig, ax = new_figure(5.5, 3.8, squeeze=True, layout="tight")
        _lines(ax, res["dose_response"], "conc_nM", log=True)
        ax.set_xlabel(f"{res['drug']} free concentration (nM)")
        ax.set_title(f"dose-response at {res['t_end']:g} h")  # the run's time
        return fig

    @render.plot(alt="combination grid of the two drugs as a heatmap")
    def grid():
        res = task.result()
        req(res and "grid" in res)
        return _grid_plot(res)


def _grid_plot(res):
    """Heatmap of a combination grid (readout % of untreated, Bliss excess in cells)."""
    import numpy as np
    import pandas as pd

    from kinetor._figures import new_figure

    g = pd.DataFrame(res["grid"])
    r = res["grid_readout"]
    m = g.pivot(index="conc_a_nM", columns="conc_b_nM", values=r)
    bliss = g.pivot(index="conc_a_nM", columns="conc_b_nM", values="bliss_excess")
    fig, ax = new_figure(6.5, 4.2, squeeze=True, layout="tight")
    im = ax.imshow(m.to_numpy(), origin="lower", cmap="viridis", aspect="auto")
    ax.set_xticks(range(m.shape[1]), [f"{v:.3g}" for v in m.columns], fontsize=8)
    ax.set_yticks(range(m.shape[0]), [f"{v:.3g}" for v in m.index], fontsize=8)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(
                j,
                i,
                f"{bliss.iat[i, j]:+.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="k" if m.iat[i, j] > 0.6 * np.nanmax(m.to_numpy()) else "w",
            )
    ax.set_xlabel(f"{g['drug_b'].iloc[0]} (nM)")
    ax.set_ylabel(f"{g['drug_a'].iloc[0]} (nM)")
    ax.set_title(f"{r} (% of untreated); numbers: Bliss excess")
    fig.colorbar(im, ax=ax)
    return fig
