"""Free-drug exposure: free Cmax and AUC, free Cmax over a cellular IC50, time above IC50.

.. math::

    C_{\\max,u} = f_u\\,C_{\\max}, \\qquad AUC_u = f_u\\,AUC, \\qquad
    \\text{coverage} = \\frac{C_{\\max,u}}{IC_{50}}

Time above a threshold :math:`T` from a sampled profile: on each segment
:math:`(t_0, c_0)`-:math:`(t_1, c_1)` the time with :math:`c \\ge T` is found by linear
interpolation (``method="linear"``) or, on declining segments with both concentrations
positive, by log-linear interpolation (``"lin-up/log-down"``, as in AUC calculation):

.. math::

    t^* = t_0 + (t_1 - t_0)\\,\\frac{c_0 - T}{c_0 - c_1}
    \\quad\\text{(linear)}, \\qquad
    t^* = t_0 + (t_1 - t_0)\\,\\frac{\\ln(c_0/T)}{\\ln(c_0/c_1)} \\quad\\text{(log)}

The result covers the sampled span only (no extrapolation beyond the last sample).

Examples
--------
>>> round(float(time_above([0, 1, 2, 4], [0, 10, 10, 0], 5.0)), 6)   # 0.5 + 1 + 1
2.5
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kinetor.adme._inputs import checked, parameter_values, source_rows
from kinetor.errors import DataError, Problem

__all__ = ["free_cmax_over_ic50", "free_exposure", "time_above", "time_above_threshold"]

_FREE_PARAMS = ("CMAX", "AUCLST", "AUCIFO")


def free_cmax_over_ic50(cmax, fu, ic50, cmax_unit: str, ic50_unit: str, mw=None):
    """Free Cmax as a multiple of the IC50, with units converted (molar needs ``mw``).

    >>> round(float(free_cmax_over_ic50(1000.0, 0.05, 80.0, "ng/mL", "nM", mw=462.55)), 4)
    1.3512
    """
    from kinetor.units import convert

    free = checked("cmax", cmax) * np.asarray(_fraction_unbound(fu), float)
    return convert(free, cmax_unit, ic50_unit, mw=mw) / _ic50(ic50)


def _ic50(ic50) -> np.ndarray:
    """The IC50 as a float array, > 0 and finite (else a ``DataError``)."""
    return checked("ic50", ic50, positive=True, fix="give the IC50 as a positive number")


_METHODS = ("linear", "lin-up/log-down")


def _method_threshold(method, threshold) -> float:
    """Check ``method`` (one of ``_METHODS``) and ``threshold`` (a finite number >= 0)."""
    if method not in _METHODS:
        raise DataError(
            Problem(f"unknown method {method!r}", fix=f"use one of: {', '.join(_METHODS)}")
        )
    fix = "give the threshold as a number >= 0, in the unit of fu x conc"
    t = checked("threshold", threshold, fix=fix)
    if t.ndim or not np.isfinite(t):
        raise DataError(Problem(f"threshold = {threshold!r}: not one number", fix=fix))
    return float(t)


def _segments_above(t0, t1, c0, c1, thr, log_down: bool) -> np.ndarray:
    dt = t1 - t0
    above0, above1 = c0 >= thr, c1 >= thr
    # only crossing segments use the fraction; others may divide by ~0 harmlessly
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        frac_lin = (c0 - thr) / (c0 - c1)  # crossing position, fraction of dt
        if log_down:
            frac_log = np.log(c0 / thr) / np.log(c0 / c1)
            use_log = (c1 < c0) & (c1 > 0) & (thr > 0)
            frac = np.where(use_log, frac_log, frac_lin)
        else:
            frac = frac_lin
    down = above0 & ~above1  # above until the crossing
    up = ~above0 & above1  # above after the crossing
    out = np.where(above0 & above1, dt, 0.0)
    out = np.where(down, frac * dt, out)
    out = np.where(up, (1.0 - frac_lin) * dt, out)
    return out


def time_above(
    time, conc, threshold: float, method: Literal["linear", "lin-up/log-down"] = "linear"
) -> float:
    """Time during which a sampled profile is at or above ``threshold``.

    Parameters
    ----------
    time, conc : array_like
        One profile (sorted by time inside). NaN concentrations are skipped.
    threshold : float
        Same unit as ``conc``.
    method : {"linear", "lin-up/log-down"}

    >>> round(float(time_above([0, 2], [8, 2], 4.0, "lin-up/log-down")), 6)   # ln2/ln4 * 2
    1.0
    """
    threshold = _method_threshold(method, threshold)
    t = np.asarray(time, float)
    c = np.asarray(conc, float)
    keep = np.isfinite(t) & np.isfinite(c)
    t, c = t[keep], c[keep]
    order = np.argsort(t, kind="stable")
    t, c = t[order], c[order]
    if t.size < 2:
        return np.nan
    return float(
        _segments_above(t[:-1], t[1:], c[:-1], c[1:], threshold, method == "lin-up/log-down").sum()
    )


def time_above_threshold(
    conc: pd.DataFrame,
    threshold: float,
    fu: float = 1.0,
    by: list[str] | None = None,
    time_col: str = "time",
    conc_col: str = "conc",
    method: Literal["linear", "lin-up/log-down"] = "linear",
) -> pd.DataFrame:
    """Time above a threshold for every profile of a concentration table (vectorised).

    Parameters
    ----------
    conc : DataFrame
        Long table (e.g. ``Study.conc``); rows with a non-empty ``exclude`` and NaN
        concentrations are skipped.
    threshold : float
        In the unit of ``fu * conc`` (e.g. a free IC50 converted to ng/mL).
    fu : float
        Fraction unbound applied to the concentrations first (1 = total); in (0, 1],
        else a ``DataError``.
    by : list of str
        Profile keys (default ``subject``, ``analyte``, ``matrix`` where present).

    Returns
    -------
    DataFrame
        Profile keys, ``time_above``, ``span`` (first to last sample), ``pct_of_span``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"subject": ["a"] * 3 + ["b"] * 3, "time": [0, 1, 2] * 2,
    ...                   "conc": [0, 10, 0, 10, 10, 10]})
    >>> time_above_threshold(d, 5.0)["time_above"].tolist()
    [1.0, 2.0]
    """
    keys = (
        by if by is not None else [k for k in ("subject", "analyte", "matrix") if k in conc.columns]
    )
    missing = [c for c in (*keys, time_col, conc_col) if c not in conc.columns]
    if missing:
        raise DataError(
            [Problem(f"no '{c}' column", column=c, fix="add it or pass by=") for c in missing]
        )
    fu = _fraction_unbound(fu)
    threshold = _method_threshold(method, threshold)
    d = conc.copy()
    d[time_col] = _numbers(d, time_col)
    d[conc_col] = _numbers(d, conc_col)
    if "exclude" in d.columns:
        d = d[d["exclude"].astype("string").fillna("") == ""]
    d = d[np.isfinite(d[time_col].to_numpy(float)) & np.isfinite(d[conc_col].to_numpy(float))]
    d = d.sort_values([*keys, time_col], kind="stable")
    t = d[time_col].to_numpy(float)
    c = d[conc_col].to_numpy(float) * fu
    gid = d.groupby(keys, sort=False).ngroup().to_numpy() if keys else np.zeros(len(d), int)
    # segments join consecutive samples of the same profile only
    same = gid[1:] == gid[:-1]
    seg = (
        _segments_above(t[:-1], t[1:], c[:-1], c[1:], threshold, method == "lin-up/log-down")
        if len(d) > 1
        else np.zeros(0)
    )
    seg = np.where(same, seg, 0.0)
    n = int(gid.max()) + 1 if len(gid) else 0
    above = np.bincount(gid[:-1][same], weights=seg[same], minlength=n) if n else np.zeros(0)
    first = pd.Series(t).groupby(gid).min().to_numpy()
    last = pd.Series(t).groupby(gid).max().to_numpy()
    out = (
        d.groupby(keys, sort=False).size().reset_index()[keys]
        if keys
        else pd.DataFrame(index=range(n))
    )
    out["time_above"] = above
    out["span"] = last - first
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pct_of_span"] = 100.0 * above / (last - first)
    return out


def _numbers(d: pd.DataFrame, col: str) -> np.ndarray:
    """``d[col]`` as floats (an empty cell NaN); text is a ``DataError`` naming the rows."""
    raw = d[col]
    v = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    text = raw.astype("string").fillna("").str.strip()
    bad = np.isnan(v) & ~text.str.lower().isin(("", "nan", "na")).to_numpy()
    if bad.any():
        rows = source_rows(d)
        raise DataError(
            [
                Problem(
                    f"not a number: {text.iloc[i]!r}",
                    row=int(rows[i]),
                    column=col,
                    fix="write a plain number (no units); leave the cell empty for no sample",
                )
                for i in np.flatnonzero(bad)
            ]
        )
    return v


def _fraction_unbound(fu):
    """``fu`` (a number or a Series of them), refused unless every value is in (0, 1]."""
    try:
        v = np.asarray(fu, float)
    except (TypeError, ValueError):
        v = np.array(np.nan)
    ok = (v > 0) & (v <= 1)  # NaN fails too
    if not ok.all():
        got = fu if v.ndim == 0 else float(v[~ok][0])
        raise DataError(
            Problem(f"fu must be in (0, 1], got {got!r}", fix="a fraction, not a percentage")
        )
    return float(v) if v.ndim == 0 else fu


def free_exposure(
    params: pd.DataFrame,
    fu: float | dict[str, float],
    ic50: float | None = None,
    ic50_unit: str | None = None,
    mw: float | dict[str, float] | None = None,
    parameters: tuple[str, ...] = _FREE_PARAMS,
    file: str = "<DataFrame>",
) -> pd.DataFrame:
    """Free (unbound) Cmax and AUC from a long NCA table, and free Cmax / IC50.

    Parameters
    ----------
    params : DataFrame
        Long table with ``PPTESTCD, value, unit`` (and group columns, ``analyte``).
    fu : float or dict
        Fraction unbound, or one per analyte; in (0, 1], else a ``DataError``.
    ic50 : float, optional
        Cellular IC50 (free), in ``ic50_unit``; adds ``free_over_ic50`` for CMAX rows.
    mw : float or dict, optional
        Molecular weight (g/mol) when Cmax and IC50 differ in mass/molar basis.
    parameters : tuple of str
        ``PPTESTCD`` codes to convert (default CMAX, AUCLST, AUCIFO).

    Returns
    -------
    DataFrame
        The selected rows plus ``fu``, ``free_value`` and ``free_over_ic50``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"subject": "m1", "PPTESTCD": ["CMAX", "AUCIFO", "TMAX"],
    ...                   "value": [2000.0, 9000.0, 1.0], "unit": ["ng/mL", "h*ng/mL", "h"]})
    >>> out = free_exposure(p, fu=0.05, ic50=200.0, ic50_unit="nM", mw=462.55)
    >>> out[["PPTESTCD", "free_value"]].values.tolist()
    [['CMAX', 100.0], ['AUCIFO', 450.0]]
    >>> round(float(out["free_over_ic50"].iloc[0]), 4)    # 100 ng/mL = 216.19 nM
    1.081
    """
    df = params.copy()
    df = df.rename(columns={c: "PPTESTCD" for c in df.columns if str(c).lower() == "pptestcd"})
    missing = [c for c in ("PPTESTCD", "value", "unit") if c not in df.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"the parameter table has no '{c}' column",
                    file=file,
                    column=c,
                    fix="long NCA layout: PPTESTCD, value, unit",
                )
                for c in missing
            ]
        )
    rows = source_rows(df)  # header is row 1, as in the ratios
    keep = df["PPTESTCD"].astype("string").str.upper().isin(parameters).to_numpy()
    df = df[keep].copy()
    why = df["exclude"] if "exclude" in df.columns else None
    df["value"] = parameter_values(df["value"], rows[keep], why, file)
    analyte = df["analyte"] if "analyte" in df.columns else pd.Series("", index=df.index)
    if isinstance(fu, dict):
        fus = analyte.map(fu).astype(float)
        if fus.isna().any():
            raise DataError(
                Problem(
                    f"no fu for analyte(s) {sorted(set(analyte[fus.isna()]))}",
                    file=file,
                    column="analyte",
                    fix="give fu for every analyte",
                )
            )
    else:
        fus = pd.Series(_fraction_unbound(fu), index=df.index)
    _fraction_unbound(fus)
    df["fu"] = fus
    df["free_value"] = df["value"] * fus
    df["free_over_ic50"] = np.nan
    if ic50 is not None:
        if not ic50_unit:
            from kinetor.errors import UnitError

            raise UnitError("give ic50_unit with ic50 (units are never guessed)")
        ic50 = float(_ic50(ic50))
        is_cmax = (df["PPTESTCD"].str.upper() == "CMAX").to_numpy()
        for i in np.flatnonzero(is_cmax):
            w = mw.get(analyte.iloc[i]) if isinstance(mw, dict) else mw
            df.iloc[i, df.columns.get_loc("free_over_ic50")] = float(
                free_cmax_over_ic50(
                    df["value"].iloc[i], df["fu"].iloc[i], ic50, df["unit"].iloc[i], ic50_unit, mw=w
                )
            )
        df["ic50"] = ic50
        df["ic50_unit"] = ic50_unit
    return df.reset_index(drop=True)
