"""``nca()``: one verb from a Study to an :class:`NCAResult`.

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> conc = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2, 4, 8],
...                      "conc": [0.0, 4, 3, 1.5, 0.375]})
>>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [10.0], "route": ["po"]})
>>> st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
>>> res = nca(st, auc_method="linear")
>>> w = res.to_wide()
>>> float(w.AUCLST[0])   # 0.5*1*4 + 0.5*1*7 + 0.5*2*4.5 + 0.5*4*1.875
13.75
>>> # lambda_z = ln2/2 (last 3 points); AUCIFO = 13.75 + 0.375/(ln2/2) = 14.832021
>>> res.parameters.query("PPTESTCD == 'CLFO'")[["value", "unit"]].round(4).values.tolist()
[[0.6742, 'L/h']]
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from kinetor.data._checks import require_study
from kinetor.data._factorize import factorize
from kinetor.errors import DataError, Problem
from kinetor.nca._long import LongTable, long_table, with_names
from kinetor.nca._units import output_units
from kinetor.nca.engine import compute
from kinetor.nca.options import Options
from kinetor.nca.profiles import build_profiles
from kinetor.nca.result import NCAResult
from kinetor.nca.rows import key_first_rows, upper_is, usable_rows

__all__ = ["nca"]


def _records(df) -> list[dict] | None:
    if df is None:
        return None
    return pd.DataFrame(df).to_dict("records")


def nca(
    study,
    *,
    options: Options | None = None,
    intervals: pd.DataFrame | None = None,
    lambda_z_range: pd.DataFrame | None = None,
    lambda_z_points: pd.DataFrame | None = None,
    lambda_z_exclude: pd.DataFrame | None = None,
    auc_method: str | None = None,
    blq_rule: str | dict | None = None,
    time: str | None = None,
    lambda_z_min_points: int | None = None,
    lambda_z_tolerance: float | None = None,
    min_r2adj: float | None = None,
    min_span_ratio: float | None = None,
    max_aucpext: float | None = None,
    sparse: bool | None = None,
    sparse_mean: str | None = None,
    cl_unit: str | None = None,
    volume_unit: str | None = None,
    **unknown: Any,
) -> NCAResult:
    """Non-compartmental analysis of every profile of a study, Phoenix WinNonlin rules.

    Parameters
    ----------
    study : kinetor.data.Study
    options : Options, optional
        All business rules at once; the keyword arguments below override its fields.
    auc_method, blq_rule, time, lambda_z_min_points, lambda_z_tolerance, min_r2adj, \
min_span_ratio, max_aucpext, sparse, sparse_mean, cl_unit, volume_unit
        The fields of :class:`~kinetor.nca.options.Options` (defaults there: Phoenix
        "Linear Up Log Down", PKNCA BLQ rule, actual times, best-fit lambda_z with at
        least 3 points and tolerance 1e-4, acceptance 0.9 / 2 / 20 %, not sparse).
    intervals : DataFrame, optional
        ``start``, ``end`` (``inf`` allowed) and optionally ``kind`` (``"single"``,
        ``"tau"`` for a dosing interval, ``"partial"`` for AUCINT only) and any of
        ``subject``, ``analyte``, group columns to restrict a row. Default: dose ->
        infinity for a single dose, every dosing interval for multiple doses.
    lambda_z_range : DataFrame, optional
        Manual lambda_z: ``subject`` (optionally ``analyte``), ``lower``, ``upper`` —
        all points in [lower, upper] (study time scale) are used.
    lambda_z_points : DataFrame, optional
        Manual lambda_z by explicit points: ``subject``, ``time``.
    lambda_z_exclude : DataFrame, optional
        Points (``subject``, ``time``) never used for lambda_z.

    Returns
    -------
    NCAResult

    Examples
    --------
    >>> import pandas as pd
    >>> from kinetor.data import Study
    >>> conc = pd.DataFrame({"subject": "a", "time": [1.0, 2, 4], "conc": [8.0, 4, 2]})
    >>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0],
    ...                       "route": ["IV"]})
    >>> res = nca(Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"}))
    >>> float(res.to_wide().C0[0])   # log back-extrapolation: 8 * 8/4
    16.0
    """
    require_study(study, "nca")
    if unknown:  # a misspelt option: say which ones exist (not a bare TypeError)
        Options().with_(**unknown)
    opts = options or Options()
    given = {
        k: v
        for k, v in (
            ("auc_method", auc_method),
            ("blq_rule", blq_rule),
            ("time", time),
            ("lambda_z_min_points", lambda_z_min_points),
            ("lambda_z_tolerance", lambda_z_tolerance),
            ("min_r2adj", min_r2adj),
            ("min_span_ratio", min_span_ratio),
            ("max_aucpext", max_aucpext),
            ("sparse", sparse),
            ("sparse_mean", sparse_mean),
            ("cl_unit", cl_unit),
            ("volume_unit", volume_unit),
        )
        if v is not None
    }
    if given:
        opts = opts.with_(**given)
    # the BLQ samples the whole-timeline rule drops come along for the rule within each
    # interval (profiles); every other use of the rows leaves them out
    rows = usable_rows(study, opts, keep_blq=not opts.sparse)
    extra = (
        rows["_blq_drop"].to_numpy(bool)
        if "_blq_drop" in rows.columns
        else np.zeros(len(rows), bool)
    )
    if extra.all():  # no row at all, or only BLQ samples the rule drops
        raise DataError(
            [
                Problem(
                    "no usable concentration: every sample is BLQ, excluded or missing",
                    file=study.source,
                    column="conc",
                    fix="check the BLQ rule and the exclusions",
                )
            ]
        )
    # the matrix and analyte are part of the profile key: read on each key's first row
    first = key_first_rows(rows["_kid"].to_numpy())
    is_urine = (
        upper_is(rows["matrix"], "URINE")
        if first is None
        else upper_is(rows["matrix"].iloc[first], "URINE")[rows["_kid"].to_numpy()]
    )
    plasma, urine = (
        (rows[~is_urine], rows[is_urine]) if is_urine.any() else (rows, rows.iloc[:0].copy())
    )
    if extra.any():  # the dropped BLQ samples serve the plasma profiles only
        urine = urine[~urine["_blq_drop"].to_numpy(bool)]
    notes: list[str] = []
    sparse_rows = None
    doses = None
    if opts.sparse and len(plasma):
        from kinetor.nca.sparse import composite

        plasma, doses, sparse_rows, notes = composite(plasma, study, opts)
    analyte = rows["analyte"].to_numpy(object)
    analyte = analyte if first is None else analyte[first]
    codes, present = factorize(analyte)  # one hash per run of rows
    analytes = sorted({str(a) for a in (present if (codes >= 0).all() else pd.unique(analyte))})
    units_by_analyte = {
        a: output_units(
            study.units,
            mw=study.mw.get(a),
            cl_unit=opts.cl_unit,
            volume_unit=opts.volume_unit,
            volume_in=study.units.get("volume"),
        )
        for a in analytes
    }
    tables = []
    lazy: LongTable | None = None
    profiles = pd.DataFrame()
    lz_points = None
    groups = [g for g in study.groups if g in rows.columns]
    if len(plasma):
        prof = build_profiles(
            study,
            opts,
            intervals,
            rows=plasma,
            doses=doses,
            lambda_z_range=lambda_z_range,
            lambda_z_points=lambda_z_points,
            lambda_z_exclude=lambda_z_exclude,
        )
        notes = [*notes, *prof.notes]
        if not len(urine):  # the rows are in the profiles now: released before the engine
            rows = plasma = None  # runs (the largest memory of a run is the engine's)
        comp = compute(prof, opts, units_by_analyte)
        profiles = prof.meta
        if sparse_rows is not None:
            from kinetor.nca.sparse import sparse_table

            bailer = sparse_table(sparse_rows, prof, units_by_analyte)
            table = long_table(prof, comp, opts, units_by_analyte)
            if len(bailer):
                table = pd.concat([table, _with_flag(bailer)], ignore_index=True)
            else:  # a multiple-dose composite: Bailer's SE is for a single-dose profile
                notes = [*notes, _NO_BAILER]
            table["flag"] = table["flag"].astype(object).fillna("")
            tables.append(table)
        else:  # the long table is built when it is first asked for
            lazy = LongTable(prof, comp, opts, units_by_analyte)
        lz_points = (prof, comp)
    urine_iv = None
    if len(urine):
        from kinetor.nca.urine import urine_table

        utab, urine_iv = urine_table(
            urine,
            study,
            opts,
            units_by_analyte,
            groups,
            plasma_rows=rows[~is_urine & ~extra],
            intervals=intervals,
            notes=notes,
        )
        tables.append(utab)
    if lazy is not None and tables:  # urine as well: one table of both
        tables.insert(0, long_table(prof, comp, opts, units_by_analyte))
    tables = [t if "flag" in t.columns else _with_flag(t) for t in tables]
    if lazy is not None and not tables:
        # NCAResult reads ``parameters`` through a property that builds the LongTable
        # into the long DataFrame on first use (to_wide reads the arrays directly)
        params = cast(pd.DataFrame, lazy)
    elif len(tables) == 1:
        params = with_names(tables[0])
    else:
        params = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
        if "flag" in params.columns:
            params["flag"] = params["flag"].astype(object).fillna("")
        params = with_names(params)
    import kinetor

    provenance = {
        "options": opts.as_dict(),
        "kinetor_version": kinetor.__version__,
        "input_hash": study.input_hash(),
        "source": study.source,
        "units": dict(study.units),
        "intervals": _records(intervals),
        "lambda_z_range": _records(lambda_z_range),
        "lambda_z_points": _records(lambda_z_points),
        "lambda_z_exclude": _records(lambda_z_exclude),
        "notes": notes,
    }
    return NCAResult(
        params, profiles, opts, provenance, groups, dict(study.units), urine=urine_iv, _lz=lz_points
    )


_NO_BAILER = (
    "sparse: SPARSEAL and its Bailer SE (AUCLSTSE, AUCLSTDF, SPARSEMA, AUMLSTSE) are computed "
    "for single-dose composites only (the analysis from the first dose to infinity); the "
    "composite profiles of this multiple-dose study get the interval parameters without SE"
)


def _with_flag(table: pd.DataFrame) -> pd.DataFrame:
    """``flag``: the ``exclude`` text of a value that is kept (an acceptance rule)."""
    value = table["value"].to_numpy(float)
    ex = table["exclude"].astype(object).fillna("").to_numpy(object)
    return table.assign(flag=np.where(np.isnan(value), "", ex))


def lambda_z_points(prof, comp) -> pd.DataFrame:
    """Every observation with a flag saying whether it entered the lambda_z fit."""
    obs = prof.obs
    p, k = np.nonzero(obs)
    meta = prof.meta
    origin = meta["origin"].to_numpy(float)
    cols = {
        c: meta[c].to_numpy()[p]
        for c in ("subject", *prof.groups, "analyte", "matrix", "start", "end")
    }
    cols["time"] = prof.T[p, k] + origin[p]
    cols["time_after_dose"] = prof.T[p, k]
    cols["conc"] = prof.C[p, k]
    cols["used"] = comp.lz_used[p, k]
    return pd.DataFrame(cols)
