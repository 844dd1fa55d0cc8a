"""The standard PK report of an NCA: data, profiles, half-life diagnostics, parameters, methods.

``nca_report(study, result)`` takes a ``Study`` and either an NCA result object (its
``to_report(report)`` adds the summary and the listing; ``.options`` and
``.provenance`` go into the methods) or the long parameter DataFrame itself (summarised
by :func:`kinetor.nca.summary.summarise`, the same rules), and writes ``report.html`` (plus ``report.json`` and the
report's CSV/PNG files) into ``out_dir``.

Sparse designs (median number of samples per subject below 4, the usual serial-sacrifice
rodent study) get a composite mean +/- SE profile instead of per-subject plots. The
concentration-time sections (profiles, individual plots, half-life diagnostics of each
analyte x matrix) are built by :mod:`kinetor.report._nca_profiles`; this module assembles
the report, the parameter section and the methods.

Examples
--------
>>> from kinetor.report._example import example_study
>>> study, params = example_study()
>>> rep = build_nca_report(study, params, options={"auc_method": "lin-up/log-down"},
...                        max_subjects=1)
>>> rep.sections[:3], rep.figure_count
(['Study data', 'Concentration-time profiles', 'Individual profiles'], 5)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinetor.nca.registry import STATISTIC_LABEL, summary_statistic
from kinetor.nca.summary import summarise
from kinetor.report._common import param_frame, param_groups
from kinetor.report._nca_profiles import profile_sections
from kinetor.report.diagnostics import plot_parameter_distribution
from kinetor.report.document import Report
from kinetor.report.tables import parameter_listing, study_table, summary_table

__all__ = ["build_nca_report", "nca_report"]

_BOX_CODES = ("CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL", "CLFO", "CLO", "VZFO", "VZO")


def _options_dict(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if isinstance(options, Mapping):
        return dict(options)
    if dataclasses.is_dataclass(options) and not isinstance(options, type):
        return dataclasses.asdict(options)
    if hasattr(options, "_asdict"):
        return dict(options._asdict())
    if hasattr(options, "__dict__"):
        return {k: v for k, v in vars(options).items() if not k.startswith("_")}
    return {"options": str(options)}


def _first(opts: Mapping[str, Any], *names: str) -> Any:
    for n in names:
        if opts.get(n) is not None:
            return opts[n]
    return None


def _lambda_z_rule(opts: Mapping[str, Any]) -> str:
    """The lambda_z rule in words, from kinetor.nca.Options fields when present."""
    given = _first(opts, "lambda_z", "lambda_z_method", "half_life")
    if given is not None:
        return str(given)
    if "lambda_z_min_points" not in opts:
        return "not recorded"
    text = (
        f"best adjusted R\u00b2 over the last \u2265 {opts['lambda_z_min_points']} "
        f"points after Tmax; fits within {opts.get('lambda_z_tolerance')} of the best "
        "prefer more points"
    )
    rules = [
        f"{name} {op} {opts[key]:g}{unit}"
        for key, name, op, unit in (
            ("min_r2adj", "R2ADJ", "\u2265", ""),
            ("min_span_ratio", "span ratio", "\u2265", ""),
            ("max_aucpext", "AUC %extrap", "\u2264", " %"),
        )
        if opts.get(key) is not None
    ]
    return text + ("; acceptance (flagged otherwise): " + ", ".join(rules) if rules else "")


def _exclusions(study, params: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Excluded samples, flagged values (kept) and parameters not calculated, by reason."""
    conc = study.conc[study.conc["exclude"] != ""]
    samples = pd.DataFrame(
        {
            "subject": conc["subject"].astype(str),
            "time": conc["time"],
            "analyte": conc["analyte"].astype(str),
            "reason": conc["exclude"].astype(str),
        }
    )
    why = params[params["exclude"] != ""]
    finite = np.isfinite(why["value"].to_numpy(float))
    keys = [c for c in ("subject", "start", "end") if c in why.columns]
    flagged = why.loc[finite, [*keys, "PPTESTCD", "value", "exclude"]].rename(
        columns={"exclude": "reason"}
    )
    missing = (
        why[~finite]
        .groupby("exclude", sort=True)
        .agg(parameters=("PPTESTCD", lambda c: ", ".join(dict.fromkeys(c))), n=("PPTESTCD", "size"))
        .reset_index()
        .rename(columns={"exclude": "reason"})
    )
    return {
        "excluded samples": samples,
        "flagged values (kept in tables)": flagged,
        "parameters not calculated": missing,
    }


def build_nca_report(
    study,
    result,
    summary: pd.DataFrame | None = None,
    options: Any = None,
    title: str | None = None,
    subtitle: str | None = None,
    blq_as: str = "zero",
    max_subjects: int | None = None,
    exclude_flagged: bool = False,
) -> Report:
    """Assemble the standard NCA report (see module docstring) without writing it.

    ``summary`` replaces the result's own summary table (e.g. one made with other
    groups); ``exclude_flagged`` leaves values failing an acceptance rule out of it.
    """
    params = param_frame(result)
    if options is None:
        options = getattr(result, "options", None)
    opts = _options_dict(options)

    rep = Report(
        title or f"Non-compartmental analysis: {study.source}",
        subtitle
        or f"{study.n_subjects} subjects, {len(study.conc)} samples, "
        f"analytes: {', '.join(study.analytes)}",
    )
    rep.add_section("Study data")
    n_blq, n_ex = int(study.conc["blq"].sum()), int((study.conc["exclude"] != "").sum())
    units = ", ".join(f"{k}: `{v}`" for k, v in study.units.items())
    rep.add_text(
        f"{study.n_subjects} subjects, {len(study.conc)} samples ({n_blq} BLQ, "
        f"{n_ex} excluded), {len(study.doses)} doses. Units: {units}."
    )
    rep.add_table(
        study_table(study),
        "Subjects, samples, BLQ and excluded samples, dose amounts and routes by group "
        "and analyte (tmin/tmax: first and last sample time)",
    )
    ctx = {
        "blq_as": blq_as,
        "max_subjects": max_subjects,
        "time": "nominal_time" if opts.get("time") == "nominal" else "time",
        "points": getattr(result, "lambda_z_points", None),
        "sparse": False,
    }
    combos = (
        study.conc[["analyte", "matrix"]]
        .astype(str)
        .drop_duplicates()
        .sort_values(["analyte", "matrix"])
        .itertuples(index=False, name=None)
    )
    combos = list(combos)
    multi = len(combos) > 1
    for analyte, matrix in combos:
        label = f" ({analyte}, {matrix})" if multi else ""
        if multi:
            rep.add_section(f"{analyte} in {matrix.lower()}")
        profile_sections(rep, study, params, (analyte, matrix), label, 2 if multi else 1, ctx)

    rep.add_section("NCA parameters")
    if ctx["sparse"] and "subject" in params.columns and not opts.get("sparse"):
        rep.add_text(
            "**Sparse design analysed per animal:** each animal has only a few "
            "samples, so per-animal parameters below are not meaningful; analyse "
            "the composite profile instead (kinetor.nca `Options(sparse=True)`)."
        )
    reported = params.loc[np.isfinite(params["value"]), "PPTESTCD"].unique().tolist()
    codes = [c for c in _BOX_CODES if c in set(params["PPTESTCD"])]
    figure = (
        partial(plot_parameter_distribution, params, codes),
        "Individual parameters by group: box = included values, points = "
        "individuals, crosses = flagged values; log axis for parameters "
        "summarised by a geometric mean.",
    )
    if summary is None and callable(getattr(result, "to_report", None)):
        result.to_report(rep, exclude_flagged=exclude_flagged)  # summary, then listing
        if codes:
            rep.add_figure_from(*figure)
    else:
        if summary is None and callable(getattr(result, "summary", None)):
            summary = result.summary()  # a result object without to_report
        if summary is None:
            summary = summarise(
                params, groups=param_groups(params), exclude_flagged=exclude_flagged
            )
        rep.add_table(
            summary_table(summary, codes=reported),
            "Summary by group (PKNCA default statistic per parameter, 3 significant "
            "figures); the 'n flagged' row of a parameter counts its values that fail an "
            "acceptance rule",
        )
        if codes:
            rep.add_figure_from(*figure)
        rep.add_table(
            parameter_listing(params),
            "Individual NCA parameters (flags name the "
            "parameter and the reason; flagged values are kept in the listing)",
        )

    stats = sorted({STATISTIC_LABEL[summary_statistic(c)] for c in params["PPTESTCD"]})
    rep.add_methods(
        {
            "AUC method": _first(opts, "auc_method", "auc", "method") or "not recorded",
            "BLQ rule": _first(opts, "blq_rule", "blq", "conc_blq") or "not recorded",
            "Time basis": _first(opts, "time", "time_col", "time_basis", "use_nominal_time")
            or "not recorded (individual plots use actual time; group plots nominal time)",
            "\u03bbz selection": _lambda_z_rule(opts),
            "Summary statistics": f"PKNCA defaults ({'; '.join(stats)}), 3 significant figures; "
            + (
                "flagged values left out of summaries"
                if exclude_flagged
                else "flagged values kept in summaries (left out only with --exclude-flagged)"
            ),
            "Mean profiles": f"arithmetic mean with BLQ counted as {blq_as}; excluded samples "
            "left out",
            "Options (as recorded)": opts or None,
            "Exclusions": _exclusions(study, params),
        }
    )
    rep.add_inputs(study)
    prov = {
        k: v
        for k, v in _options_dict(getattr(result, "provenance", None)).items()
        if k != "options" and v not in (None, "", [], {})
    }
    if prov:
        rep.add_methods({"NCA provenance": prov})
    return rep


def nca_report(
    study,
    result,
    summary: pd.DataFrame | None = None,
    options: Any = None,
    out_dir: str | Path = "report",
    title: str | None = None,
    subtitle: str | None = None,
    blq_as: str = "zero",
    max_subjects: int | None = None,
    exclude_flagged: bool = False,
) -> Path:
    """Build the standard NCA report and write ``out_dir/report.html``; returns its path.

    Parameters
    ----------
    study : kinetor.data.Study
    result : NCAResult-like or DataFrame
        Anything with ``.parameters`` (and optionally ``.summary()``, ``.options``,
        ``.provenance``), or the long parameter table.
    summary : DataFrame, optional
        Summary by group replacing the result's own (default: ``result.to_report``, or
        :func:`kinetor.nca.summary.summarise` of a plain table).
    options : dict or dataclass, optional
        NCA options for the methods footnote (default: ``result.options``).
    out_dir : path
        Folder that receives ``report.html``, ``report.json`` and ``report_files/``.
    blq_as : {"zero", "half-lloq", "missing"}
        BLQ handling in the mean profiles.
    max_subjects : int, optional
        Cap on individual-profile and half-life figures.
    exclude_flagged : bool
        Leave values failing an acceptance rule out of the summary (CLI
        ``--exclude-flagged``); they are kept by default, as in Phoenix and PKNCA.

    Examples
    --------
    >>> import tempfile
    >>> from kinetor.report._example import example_study
    >>> study, params = example_study()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = nca_report(study, params, out_dir=d, max_subjects=1)
    ...     print(path.name, (path.parent / "report.json").is_file())
    report.html True
    """
    rep = build_nca_report(
        study, result, summary, options, title, subtitle, blq_as, max_subjects, exclude_flagged
    )
    return rep.save(Path(out_dir) / "report.html")
