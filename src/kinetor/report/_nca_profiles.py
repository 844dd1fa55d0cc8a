"""Concentration-time sections of the NCA report, one analyte x matrix at a time.

Mean (or, for sparse designs, composite) profiles with their table, individual profiles
(capped by the ``report_figures`` limit, :mod:`kinetor.limits`) and the half-life
diagnostics of each subject's terminal-phase fit. :func:`profile_sections` is called by
:func:`kinetor.report.nca_document.build_nca_report`. Figures go through
``Report.add_figure_from``, so a figure whose values no axis can draw becomes a note in
the report instead of failing it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import DataError
from kinetor.limits import get as get_limit
from kinetor.report.diagnostics import plot_half_life
from kinetor.report.document import Report
from kinetor.report.profiles import (
    mean_profile_table,
    plot_individual,
    plot_mean_profiles,
    plot_spaghetti,
    plot_sparse_profile,
)
from kinetor.report.tables import HALF_LIFE_CODES, parameter_listing, with_units

__all__ = ["profile_sections"]


def _is_sparse(conc: pd.DataFrame) -> bool:
    counts = conc[conc["exclude"] == ""].groupby("subject").size()
    return bool(len(counts) and counts.median() < 4)


def _select(params: pd.DataFrame, analyte: str, matrix: str) -> pd.DataFrame:
    for col, value in (("analyte", analyte), ("matrix", matrix)):
        if col in params.columns:
            params = params[params[col].astype(str) == value]
    return params


def profile_sections(
    rep: Report,
    study,
    params: pd.DataFrame,
    profile: tuple[str, str],
    label: str,
    level: int,
    ctx: dict[str, Any],
) -> None:
    """Profiles, individual plots and half-life diagnostics of one analyte x matrix."""
    analyte, matrix = profile
    blq_as = ctx["blq_as"]
    conc = study.conc[(study.conc["analyte"] == analyte) & (study.conc["matrix"] == matrix)]
    sparse = _is_sparse(conc)
    ctx["sparse"] = ctx["sparse"] or sparse
    kw = {"matrix": matrix}
    rep.add_section(f"Concentration-time profiles{label}", level)
    try:
        mean_profile_table(study, analyte, blq_as=blq_as, **kw)
    except DataError as exc:  # no nominal times: no mean profile, and why
        rep.add_text(
            "No mean profiles: " + "; ".join(f"{p.message} ({p.fix})" for p in exc.problems)
        )
        return _individuals(rep, study, params, analyte, matrix, label, level, ctx)
    if sparse:
        rep.add_text(
            "Sparse (composite) design: each animal contributes few samples, so "
            "profiles are summarised across animals per nominal time."
        )
        rep.add_figure_from(
            partial(plot_sparse_profile, study, analyte, blq_as=blq_as, **kw),
            f"Composite profile{label}: mean \u00b1 SE per nominal time; faint "
            "dots are the individual samples; n per time point under each panel.",
        )
    else:
        rep.add_figure_from(
            partial(plot_spaghetti, study, analyte, **kw),
            f"Individual profiles by dose group{label}, semi-log, nominal time; "
            "BLQ samples omitted, dotted line = LLOQ, carets = doses.",
        )
        rep.add_figure_from(
            partial(plot_mean_profiles, study, analyte, blq_as=blq_as, **kw),
            f"Mean \u00b1 SD by group and nominal time{label} (semi-log panel: "
            f"+SD only); BLQ counted as {blq_as}; n per time point under "
            "each panel.",
        )
    t_unit, c_unit = study.units.get("time", ""), study.units.get("conc", "")
    rep.add_table(
        with_units(
            mean_profile_table(study, analyte, blq_as=blq_as, **kw),
            {"time": t_unit, "mean": c_unit, "sd": c_unit, "se": c_unit},
        ),
        f"Concentrations by group and nominal time{label} "
        f"(BLQ counted as {blq_as}; n_blq = BLQ samples among n; a time with more "
        "than 50 % BLQ has no mean: blq = True, reported as BLQ, not plotted)",
    )
    if sparse:
        return None
    return _individuals(rep, study, params, analyte, matrix, label, level, ctx)


def _individuals(
    rep: Report,
    study,
    params: pd.DataFrame,
    analyte: str,
    matrix: str,
    label: str,
    level: int,
    ctx: dict[str, Any],
) -> None:
    """Individual profiles and half-life plots of one analyte x matrix."""
    kw = {"matrix": matrix}
    order = study.conc_with_subjects()
    order = order[(order["analyte"] == analyte) & (order["matrix"] == matrix)]
    subjects = order.sort_values([*study.groups, "subject"])["subject"].astype(str).unique()
    # two figures per subject (profile, half-life): bounded by the report_figures limit
    most = get_limit("report_figures") // 2
    cap = most if ctx["max_subjects"] is None else min(ctx["max_subjects"], most)
    shown = subjects[:cap]
    rep.add_section(f"Individual profiles{label}", level + 1)
    if len(shown) < len(subjects):
        why = (
            ""
            if cap < most
            else f" (at most {most} per report: the limit report_figures "
            f"= {get_limit('report_figures')}, see kinetor.limits; every subject's "
            "parameters are in the tables)"
        )
        rep.add_text(f"The first {len(shown)} of {len(subjects)} subjects are shown{why}.")
    for s in shown:
        rep.add_figure_from(
            partial(plot_individual, study, s, analyte, **kw),
            f"Subject {s}{label}: linear and semi-log; open red circles = BLQ "
            "plotted at the LLOQ; carets = doses.",
        )
    if "subject" not in params.columns:
        return
    mine = _select(params, analyte, matrix)
    fits = mine[(mine["PPTESTCD"] == "LAMZ") & mine["subject"].isin(shown)]
    if fits.empty:
        return
    rep.add_section(f"Half-life diagnostics{label}", level + 1)
    rep.add_table(
        parameter_listing(mine[mine["subject"].isin(fits["subject"])], codes=HALF_LIFE_CODES),
        f"Terminal phase (\u03bbz) fits{label}: range, points, adjusted R\u00b2, "
        "span and % AUC extrapolated",
    )
    several = fits.duplicated("subject", keep=False).to_numpy()
    for row, multi in zip(fits.itertuples(index=False), several, strict=True):
        when = f" ({row.start:g}\u2013{row.end:g} {study.units.get('time', '')})" if multi else ""
        what = (
            "\u03bbz points (orange) in the shaded range, fitted line with slope "
            "\u2212LAMZ through CLSTP at TLST."
            if np.isfinite(row.value)
            else f"\u03bbz not estimated ({row.exclude or 'no reason given'})."
        )
        rep.add_figure_from(
            partial(
                plot_half_life,
                study,
                mine,
                row.subject,
                analyte,
                interval=(row.start, row.end),
                time=ctx["time"],
                lambda_z_points=ctx["points"],
                **kw,
            ),
            f"Subject {row.subject}{when}{label}: {what}",
        )
