"""Plasma protein binding and blood partitioning.

Equilibrium dialysis (plasma chamber vs buffer chamber at equilibrium):

.. math::

    f_{u,\\mathrm{app}} = \\frac{C_\\mathrm{buffer}}{C_\\mathrm{plasma}}

Ultrafiltration, with the fraction of free drug lost to the device (non-specific
binding, NSB) or the recovery of drug through the device in protein-free matrix:

.. math::

    f_{u,\\mathrm{app}} = \\frac{C_\\mathrm{uf} / C_\\mathrm{total}}{1 - \\mathrm{NSB}}
    \\quad\\text{or}\\quad
    \\frac{C_\\mathrm{uf} / C_\\mathrm{total}}{\\mathrm{recovery}}

Diluted plasma (dilution factor :math:`D`, Kalvass & Maurer 2002), assuming binding
proportional to protein concentration (far from saturation):

.. math::

    f_u = \\frac{1/D}{(1/f_{u,\\mathrm{app}} - 1) + 1/D}

The same equation corrects the volume shift of dialysis (water moving into the plasma
chamber dilutes its protein by :math:`D = V_\\mathrm{plasma,final} /
V_\\mathrm{plasma,initial}`); a diluted sample that also shifts takes the product of the
two factors. Dialysis recovery (mass balance) is

.. math::

    \\%\\,\\mathrm{recovery} = 100\\,\\frac{C_\\mathrm{buffer} V_\\mathrm{buffer}
    + C_\\mathrm{plasma} V_\\mathrm{plasma}}{C_0\\, V_\\mathrm{plasma,0}}

and the blood-to-plasma ratio is :math:`B{:}P = C_\\mathrm{blood} / C_\\mathrm{plasma}`.
Sources and status: docs/adme.md.

Examples
--------
>>> round(float(fu_dialysis(5.0, 100.0)), 6)
0.05
>>> round(float(fu_ultrafiltration(4.0, 100.0, nsb=0.2)), 6)     # 0.04 / 0.8
0.05
>>> round(float(fu_undiluted(0.5, 10.0)), 6)                      # 0.1 / (1 + 0.1)
0.090909
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.adme._binding_checks import table_numbers
from kinetor.adme._binding_volumes import plasma_volumes
from kinetor.adme._inputs import checked, source_rows
from kinetor.errors import DataError, Problem

__all__ = [
    "binding_table",
    "blood_to_plasma",
    "dialysis_recovery",
    "fu_dialysis",
    "fu_ultrafiltration",
    "fu_undiluted",
]


def fu_undiluted(fu_apparent, dilution):
    """Undiluted fraction unbound from one measured in diluted plasma (Kalvass & Maurer 2002).

    .. math:: f_u = \\frac{1/D}{(1/f_{u,\\mathrm{app}} - 1) + 1/D}

    ``dilution`` = 1 returns ``fu_apparent`` unchanged; it must be > 0 (``DataError``).

    >>> round(float(fu_undiluted(0.2, 5.0)), 6)   # 0.2 / (4 + 0.2)
    0.047619
    """
    fu = checked("fu_apparent", fu_apparent)
    d = checked("dilution", dilution, positive=True, fix=_DILUTION)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (1.0 / d) / ((1.0 / fu - 1.0) + 1.0 / d)


def fu_dialysis(c_buffer, c_plasma, volume_shift=None, dilution=None):
    """Fraction unbound by equilibrium dialysis, :math:`C_\\mathrm{buffer}/C_\\mathrm{plasma}`.

    Parameters
    ----------
    c_buffer, c_plasma : array_like
        Concentrations at equilibrium in the buffer and plasma chambers (same unit).
    volume_shift : array_like, optional
        :math:`V_\\mathrm{plasma,final}/V_\\mathrm{plasma,initial}` (> 1 when water
        moved into the plasma chamber); corrected with ``fu_undiluted``.
    dilution : array_like, optional
        Dilution factor of the plasma put into the device (e.g. 10 for 10 % plasma).

    >>> round(float(fu_dialysis(2.0, 50.0, volume_shift=1.25)), 6)   # 0.8/(24+0.8)
    0.032258
    """
    fu = checked("c_buffer", c_buffer) / checked("c_plasma", c_plasma, positive=True, fix=_DEN)
    d = 1.0
    if volume_shift is not None:
        d = d * checked("volume_shift", volume_shift, positive=True)
    if dilution is not None:
        d = d * _dilution(dilution)
    return fu if np.all(np.asarray(d) == 1.0) else fu_undiluted(fu, d)


def fu_ultrafiltration(c_ultrafiltrate, c_total, nsb=None, recovery=None, dilution=None):
    """Fraction unbound by ultrafiltration, corrected for device binding.

    Parameters
    ----------
    c_ultrafiltrate, c_total : array_like
        Ultrafiltrate concentration and total concentration before filtration.
    nsb : array_like, optional
        Fraction of unbound drug lost to the device (0 <= NSB < 1); fu is divided by
        :math:`1 - \\mathrm{NSB}`.
    recovery : array_like, optional
        Fraction recovered through the device in protein-free matrix (0 < r <= 1);
        fu is divided by it. Give ``nsb`` or ``recovery``, not both.
    dilution : array_like, optional
        Dilution factor of the plasma (Kalvass & Maurer correction).

    >>> round(float(fu_ultrafiltration(3.0, 100.0, recovery=0.75)), 6)
    0.04
    """
    if nsb is not None and recovery is not None:
        from kinetor.errors import KinetorError

        raise KinetorError("give nsb or recovery, not both (recovery = 1 - NSB)")
    fu = checked("c_ultrafiltrate", c_ultrafiltrate) / checked(
        "c_total", c_total, positive=True, fix=_DEN
    )
    if nsb is not None:
        fu = fu / (1.0 - _at_most("nsb", checked("nsb", nsb, fix=_NSB), 1.0, False, _NSB))
    if recovery is not None:
        r = checked("recovery", recovery, positive=True, fix=_RECOVERY)
        fu = fu / _at_most("recovery", r, 1.0, True, _RECOVERY)
    return fu if dilution is None else fu_undiluted(fu, _dilution(dilution))


def _at_most(name: str, a: np.ndarray, hi: float, closed: bool, fix: str) -> np.ndarray:
    """``a`` unless a value is above ``hi`` (or equal to it, unless ``closed``)."""
    with np.errstate(invalid="ignore"):
        bad = a > hi if closed else a >= hi
    if bad.any():
        x = float(a.ravel()[np.flatnonzero(bad.ravel())[0]])
        need = f"<= {hi:g}" if closed else f"< {hi:g}"
        raise DataError(Problem(f"{name} = {x:g}: must be {need}", fix=fix))
    return a


def _dilution(dilution) -> np.ndarray:
    """A dilution factor: >= 1 (1 = undiluted plasma, 10 = 10 % plasma)."""
    d = checked("dilution", dilution, positive=True, fix=_DILUTION)
    with np.errstate(invalid="ignore"):
        bad = d < 1.0
    if bad.any():
        x = float(d.ravel()[np.flatnonzero(bad.ravel())[0]])
        raise DataError(Problem(f"dilution = {x:g}: must be >= 1", fix=_DILUTION))
    return d


def dialysis_recovery(c_buffer, c_plasma, c0, v_buffer, v_plasma, v_plasma0=None):
    """Mass-balance recovery (%) of an equilibrium dialysis well.

    ``v_plasma0`` (volume of spiked plasma loaded) defaults to ``v_plasma``.

    >>> round(float(dialysis_recovery(5.0, 90.0, 100.0, 0.2, 0.2)), 6)   # (1 + 18) / 20
    95.0
    """
    v0 = v_plasma if v_plasma0 is None else v_plasma0
    num = checked("c_buffer", c_buffer) * checked("v_buffer", v_buffer) + checked(
        "c_plasma", c_plasma
    ) * checked("v_plasma", v_plasma, positive=True)
    return (
        100.0 * num / (checked("c0", c0, positive=True) * checked("v_plasma0", v0, positive=True))
    )


def blood_to_plasma(c_blood, c_plasma):
    """Blood-to-plasma concentration ratio :math:`C_\\mathrm{blood}/C_\\mathrm{plasma}`.

    >>> float(blood_to_plasma(0.9, 1.2))
    0.75
    """
    return checked("c_blood", c_blood) / checked("c_plasma", c_plasma, positive=True, fix=_DEN)


_DEN = "the denominator concentration must be measurable (> 0): check the sample"
_DILUTION = "the dilution factor: 10 for 10 % plasma, 1 for undiluted"
_NSB = "NSB is the fraction of unbound drug lost to the device, 0 <= NSB < 1 (not a percentage)"
_RECOVERY = "recovery is a fraction, 0 < recovery <= 1 (not a percentage)"
_COLUMNS = {"dialysis": ("c_buffer", "c_plasma"), "ultrafiltration": ("c_ultrafiltrate", "c_total")}
_ALIASES = {
    "c_uf": "c_ultrafiltrate",
    "c_filtrate": "c_ultrafiltrate",
    "buffer": "c_buffer",
    "plasma": "c_plasma",
    "c_retentate": "c_total",
}
_NO_FU = (
    "no fu: fu_apparent > 1 corrected for dilution/volume shift gives fu < 0, fu > 1 or "
    "an infinite fu (the correction is only defined for fu_apparent < 1; check the "
    "samples and the dilution)"
)
_GROUPS = ("compound", "analyte", "species", "matrix", "nominal_conc")
_FU_ABOVE_1 = {
    "dialysis": "fu > 1: buffer above plasma (check equilibrium, a swapped sample, "
    "the volume shift)",
    "ultrafiltration": "fu > 1: ultrafiltrate above total (check the samples and the "
    "NSB/recovery correction)",
}


def binding_table(
    data: pd.DataFrame,
    method: str = "dialysis",
    file: str = "<DataFrame>",
    by: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """fu for every replicate of a binding experiment, and a summary per group.

    Parameters
    ----------
    data : DataFrame
        ``dialysis``: ``c_buffer, c_plasma`` (optional ``v_plasma_initial,
        v_plasma_final`` for the volume shift, both or neither on a row; ``c0, v_buffer``
        and a plasma chamber volume at the end, ``v_plasma`` or ``v_plasma_final``, for
        recovery, with ``v_plasma_initial`` as the volume loaded where given, else
        ``v_plasma``; :mod:`kinetor.adme._binding_volumes`).
        ``ultrafiltration``: ``c_ultrafiltrate, c_total`` (optional ``nsb`` or
        ``recovery`` as fractions). Both: optional ``dilution`` and group columns.
    method : {"dialysis", "ultrafiltration"}
    by : list of str, optional
        Group columns of the summary (default: those of ``compound, analyte, species,
        matrix, nominal_conc`` present).

    Returns
    -------
    (replicates, summary)
        ``replicates`` adds ``fu_apparent``, ``fu``, ``pct_bound`` (and ``recovery_pct``)
        and ``flag`` (a reason where fu > 1, which is not physical; the value is kept
        when no dilution/volume-shift correction applies; with one, fu_apparent > 1 gives
        a corrected fu > 1, infinite or < 0: fu is then NaN and left out of the mean);
        ``summary`` has ``n, fu_mean, fu_sd, fu_cv_pct, pct_bound_mean, flag`` per group
        (``n`` counts the replicates with an fu; ``flag`` counts the flagged replicates
        and those left out; with recovery also ``recovery_pct_mean`` and ``recovery_n``,
        the replicates with a recovery).

    Examples
    --------
    >>> d = pd.DataFrame({"compound": "X", "c_buffer": [4.0, 6.0],
    ...                   "c_plasma": [100.0, 100.0]})
    >>> rep, summ = binding_table(d)
    >>> summ[["fu_mean", "pct_bound_mean"]].round(6).values.tolist(), int(summ["n"][0])
    ([[0.05, 95.0]], 2)
    """
    if method not in _COLUMNS:
        from kinetor.errors import KinetorError

        raise KinetorError(f"unknown binding method {method!r}: dialysis or ultrafiltration")
    df = data.copy()
    original = [str(c).strip() for c in df.columns]
    df.columns = [_ALIASES.get(c.lower(), c.lower()) for c in original]
    seen: dict[str, list[str]] = {}
    for o, c in zip(original, df.columns, strict=True):
        seen.setdefault(c, []).append(o)
    dup = [
        Problem(
            f"columns {' and '.join(repr(o) for o in names)} all mean '{c}'",
            file=file,
            column=names[1],
            fix=f"keep one of {', '.join(names)}",
        )
        for c, names in seen.items()
        if len(names) > 1
    ]
    if dup:
        raise DataError(dup)
    if len(df) == 0:
        raise DataError(
            Problem(
                "no data rows (only a header)",
                file=file,
                row=1,
                fix="add one row per replicate under the header",
            )
        )
    problems: list[Problem] = []
    for col in _COLUMNS[method]:
        if col not in df.columns:
            problems.append(
                Problem(
                    f"no '{col}' column for {method}",
                    file=file,
                    column=col,
                    fix=f"{method} needs {' and '.join(_COLUMNS[method])}",
                )
            )
    if method == "ultrafiltration" and {"nsb", "recovery"} <= set(df.columns):
        problems.append(
            Problem(
                "both 'nsb' and 'recovery' columns",
                file=file,
                column="nsb",
                fix="give one of them (recovery = 1 - NSB)",
            )
        )
    if problems:
        raise DataError(problems)
    rows = source_rows(df)
    num = table_numbers(df, _COLUMNS[method], rows, file, problems)
    if method == "dialysis":
        shift, v_end, v0, more = plasma_volumes(
            num, rows, file, {(p.row, p.column) for p in problems}
        )
        problems += more
    if problems:
        raise DataError(problems)
    dil = np.nan_to_num(num.get("dilution", np.ones(len(df))), nan=1.0)
    if method == "dialysis":
        fu_app = num["c_buffer"] / num["c_plasma"]
        fu = fu_undiluted(fu_app, dil * shift)
        if {"c0", "v_buffer"} <= set(num) and v_end is not None:
            df["recovery_pct"] = dialysis_recovery(
                num["c_buffer"], num["c_plasma"], num["c0"], num["v_buffer"], v_end, v0
            )
    else:
        fu_app = fu_ultrafiltration(
            num["c_ultrafiltrate"],
            num["c_total"],
            nsb=np.nan_to_num(num["nsb"]) if "nsb" in num else None,
            recovery=np.nan_to_num(num["recovery"], nan=1.0) if "recovery" in num else None,
        )
        fu = fu_undiluted(fu_app, dil)
    # fu_app > 1 corrected for dilution/volume shift gives fu > 1, infinite (the pole at
    # fu_app = D/(D-1)) or < 0: no fu; uncorrected (factor 1) fu > 1 is kept, flagged
    factor = dil * shift if method == "dialysis" else dil
    unphysical = ~(np.isfinite(fu) & (fu >= 0)) | ((fu > 1.0) & (factor != 1.0))
    fu = np.where(unphysical, np.nan, fu)
    df["fu_apparent"] = fu_app
    df["fu"] = fu
    df["pct_bound"] = 100.0 * (1.0 - fu)
    df["method"] = method
    above = (fu_app > 1.0) | (fu > 1.0)
    df["flag"] = np.where(above, _FU_ABOVE_1[method], "")
    df["flag"] = np.where(unphysical, _NO_FU, df["flag"])
    df["source_row"] = rows
    keys = by if by is not None else [c for c in _GROUPS if c in df.columns]
    absent = [k for k in keys if k not in df.columns]
    if absent:
        raise DataError(
            [
                Problem(
                    f"by= names a column the table does not have: {k!r}",
                    file=file,
                    column=k,
                    fix=f"name columns of the table: {', '.join(original)}",
                )
                for k in absent
            ]
        )
    if keys:
        g = df.groupby(keys, sort=False, dropna=False)
    else:
        g = df.assign(_all="all").groupby("_all", sort=False)
    agg = {"n": ("fu", "count"), "fu_mean": ("fu", "mean"), "fu_sd": ("fu", "std")}
    if "recovery_pct" in df.columns:
        agg["recovery_pct_mean"] = ("recovery_pct", "mean")
        agg["recovery_n"] = ("recovery_pct", "count")  # the replicates the mean rests on
    summary = g.agg(**agg).reset_index()
    if not keys:
        summary = summary.drop(columns="_all")
    summary["fu_cv_pct"] = 100.0 * summary["fu_sd"] / summary["fu_mean"]
    summary["pct_bound_mean"] = 100.0 * (1.0 - summary["fu_mean"])
    summary["method"] = method
    n_above = g["flag"].agg(lambda f: int(((f != "") & (f != _NO_FU)).sum())).to_numpy()
    n_out = g["fu"].agg(lambda f: int(f.isna().sum())).to_numpy()
    summary["flag"] = [
        "; ".join(
            t
            for t in (
                f"{k} of {n + o} replicate(s) with fu > 1 (not physical)" if k else "",
                f"{o} replicate(s) left out of n and the mean: {_NO_FU}" if o else "",
            )
            if t
        )
        for k, o, n in zip(n_above, n_out, summary["n"], strict=True)
    ]
    return df, summary
