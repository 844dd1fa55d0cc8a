"""Metabolite-to-parent ratios and the parent's share of total radioactivity.

Both work on plain arrays and on NCA parameter tables in long format (columns
``analyte, PPTESTCD, value, unit`` plus group columns such as ``subject``; an
``exclude`` column is carried through). ``kinetor.nca`` writes such tables; any table of
that shape works.

Metabolite-to-parent ratio (MPR) of a parameter :math:`P` (AUC by default), on a mass
basis when the AUCs are in mass units, and on a molar basis with the molecular weights:

.. math::

    \\mathrm{MPR} = \\frac{P_m}{P_p}, \\qquad
    \\mathrm{MPR}_\\mathrm{molar} = \\frac{P_m / MW_m}{P_p / MW_p}
                                 = \\mathrm{MPR}\\,\\frac{MW_p}{MW_m}

Parent fraction of total radioactivity (TRA, in parent equivalents):

.. math::

    f_\\mathrm{parent} = \\frac{AUC_\\mathrm{parent}}{AUC_\\mathrm{TRA}}

Examples
--------
Vistusertib in the rat: N-hydroxymethyl ~25 % and desmethyl ~10 % of parent AUC (vendor
summary of preclinical PK, BenchChem technical note on vistusertib; status: unverified).
With an arbitrary parent AUC of 1000 (illustrative scale, not a measured value):

>>> import pandas as pd
>>> p = pd.DataFrame({"analyte": ["vistusertib", "N-hydroxymethyl", "desmethyl"],
...                   "PPTESTCD": "AUCIFO", "value": [1000.0, 250.0, 100.0],
...                   "unit": "h*ng/mL"})
>>> out = metabolite_ratios(p, parent="vistusertib",
...                         mw={"vistusertib": 462.55, "N-hydroxymethyl": 478.55,
...                             "desmethyl": 448.53})
>>> out[["metabolite", "ratio", "ratio_molar"]].round(4).values.tolist()
[['N-hydroxymethyl', 0.25, 0.2416], ['desmethyl', 0.1, 0.1031]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.adme._mist import MIST_THRESHOLD, mist_share
from kinetor.adme._ratio_table import (
    UnitDataError,
    check_mw,
    in_unit,
    join_reasons,
    join_text,
    pair,
    parameter_table,
)
from kinetor.errors import DataError, ModelError, Problem

__all__ = [
    "MIST_THRESHOLD",
    "metabolite_ratios",
    "metabolite_to_parent_ratio",
    "parameter_table",
    "parent_fraction",
    "parent_fraction_of_radioactivity",
]


def metabolite_to_parent_ratio(p_metabolite, p_parent, mw_metabolite=None, mw_parent=None):
    """Metabolite-to-parent ratio; molar when both molecular weights are given.

    Parameters
    ----------
    p_metabolite, p_parent : array_like
        The parameter (AUC, Cmax) of metabolite and parent, in the same mass unit.
    mw_metabolite, mw_parent : float, optional
        Molecular weights (g/mol, finite and > 0, else a ``ModelError``): the ratio is
        then molar, ``MPR * MW_p / MW_m``.

    A parent value of 0 gives NaN (no ratio), as :func:`metabolite_ratios` does.

    >>> round(float(metabolite_to_parent_ratio(25.0, 100.0)), 6)
    0.25
    >>> round(float(metabolite_to_parent_ratio(25.0, 100.0, 478.55, 462.55)), 6)
    0.241641
    >>> float(metabolite_to_parent_ratio(25.0, 0.0))
    nan
    """
    if (mw_metabolite is None) != (mw_parent is None):
        raise ModelError("a molar ratio needs both molecular weights")
    p = np.asarray(p_parent, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.asarray(p_metabolite, float) / np.where(p == 0, np.nan, p)
    if mw_metabolite is not None:
        r = r * _mw("mw_parent", mw_parent) / _mw("mw_metabolite", mw_metabolite)
    return r


def _mw(name: str, value) -> float:
    """A molecular weight (g/mol): finite and > 0, else a ``ModelError``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = np.nan
    if not (np.isfinite(v) and v > 0):
        raise ModelError(f"{name} = {value!r}: a molecular weight is a number > 0 (g/mol)")
    return v


def parent_fraction(auc_parent, auc_total):
    """Fraction of total radioactivity exposure that is parent, :math:`AUC_p/AUC_{TRA}`.

    Both in the same (parent-equivalent) unit. A total of 0 gives NaN (no fraction), as
    :func:`parent_fraction_of_radioactivity` does.

    >>> float(parent_fraction(30.0, 120.0))
    0.25
    >>> float(parent_fraction(30.0, 0.0))
    nan
    """
    t = np.asarray(auc_total, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(auc_parent, float) / np.where(t == 0, np.nan, t)


def metabolite_ratios(
    params: pd.DataFrame,
    parent: str,
    metabolites: list[str] | None = None,
    parameter: str = "AUCIFO",
    mw: dict[str, float] | None = None,
    by: list[str] | None = None,
    file: str = "<DataFrame>",
) -> pd.DataFrame:
    """Metabolite-to-parent ratios from a long NCA parameter table.

    Parameters
    ----------
    params : DataFrame
        Long table: group columns, ``analyte, PPTESTCD, value, unit`` (``exclude``).
    parent : str
        Analyte name of the parent.
    metabolites : list of str, optional
        Default: every other analyte.
    parameter : str
        ``PPTESTCD`` to compare (``AUCIFO``, ``AUCLST``, ``CMAX``...).
    mw : dict, optional
        Molecular weight (g/mol, > 0) per analyte of the table: adds ``ratio_molar`` (and
        allows mixed mass/molar units). A weight <= 0 or for an analyte without
        ``parameter`` rows is a ``DataError``.
    by : list of str, optional
        Group columns pairing metabolite with parent rows (default: all non-value columns).

    Returns
    -------
    DataFrame
        Group columns, ``metabolite, parent, PPTESTCD, value_metabolite, value_parent,
        unit, ratio, ratio_molar, exclude, note, share_molar, mist_flag``. ``ratio`` is
        on the basis of the parent's unit of the row's own group: a mass ratio for a mass unit (ng/mL), a
        molar ratio for a molar unit (nM), then equal to ``ratio_molar`` with or without
        molecular weights; ``ratio_molar`` is NaN without molecular weights for a mass
        unit, ``note`` saying so. ``share_molar`` is the metabolite's molar share of
        the drug-related exposure of its group, ``M / (P + sum of every metabolite of the
        table in the group)`` (not only those asked for), NaN where a metabolite of the
        group has no molar ratio; ``note`` says where a group lacks a metabolite present
        in other groups or counts an excluded one (:mod:`kinetor.adme._mist`);
        ``mist_flag`` marks a share above 10 % (FDA, Safety Testing of Drug Metabolites,
        2020). A missing molecular weight for a needed unit conversion is a ``DataError``
        (also a ``UnitError``) naming analyte, file, row and ``--mw NAME=G_PER_MOL``.
    """
    sel, keys = parameter_table(params, parameter, file, by)
    present = sorted(set(sel["analyte"]) - {parent})
    if metabolites is None:
        metabolites = present
    if parent not in set(sel["analyte"]):
        raise DataError(
            Problem(
                f"no {parameter} rows for the parent {parent!r}",
                file=file,
                column="analyte",
                fix=f"analytes present: {', '.join(sorted(set(sel['analyte'])))}",
            )
        )
    mw = mw or {}
    check_mw(mw, set(sel["analyte"]), parameter, file)
    # every metabolite of the table enters the MIST share; the rows returned are those asked
    m = pair(sel, keys, parent, present)
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    for met, grp in m.groupby("analyte", sort=False):
        asked = met in metabolites
        try:
            frames.append(_ratio_rows(grp, keys, met, parent, parameter, mw, file))
        except DataError as exc:
            if asked:  # names analyte, file, row and the fix
                problems += exc.problems
            frames.append(_ratio_rows(grp, keys, met, parent, parameter, mw, file, lenient=True))
        frames[-1]["_asked"] = asked
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise UnitDataError(problems)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if out.empty or not out["_asked"].any():
        raise DataError(
            Problem(
                f"no metabolite {parameter} rows",
                file=file,
                column="analyte",
                fix="name the metabolites in 'analyte'",
            )
        )
    out = mist_share(out, keys, present, parameter)
    out = out[out["_asked"]].drop(columns=["_asked", "_own_exclude"])
    return out.reset_index(drop=True)


def _ratio_rows(grp, keys, met, parent, parameter, mw, file, lenient=False) -> pd.DataFrame:
    """The ratio rows of metabolite ``met`` (one per group). ``lenient`` (a metabolite not
    asked for): a value that cannot be converted gives a NaN ratio, not an error."""
    from kinetor.units import is_molar

    mw_m, mw_p = mw.get(met), mw.get(parent)
    v_m = in_unit(grp["value"], grp["unit"], grp["unit_ref"], mw_m, grp, file, lenient=lenient)
    v_p = grp["value_ref"].to_numpy(float)
    missing = grp["source_row_ref"].isna().to_numpy()
    zero = v_p == 0  # no ratio (NaN), with the reason
    ratio = v_m / np.where(zero, np.nan, v_p)
    # the basis of each row is that of its own parent unit (groups may differ)
    unit_p = grp["unit_ref"].astype("string").fillna("").to_numpy(object)
    unit = np.where(missing, grp["unit"].to_numpy(object), unit_p)
    molar_basis = np.array([bool(u) and is_molar(u) for u in unit_p], dtype=bool)
    # both AUCs molar (metabolite converted above): no MW needed
    by_mw = ratio * mw_p / mw_m if mw_m and mw_p else ratio * np.nan
    ratio_molar = np.where(molar_basis, ratio, by_mw)
    no_mw = ~molar_basis & np.isfinite(ratio) & ~(bool(mw_m) and bool(mw_p))
    note = np.where(
        no_mw,
        f"no molar ratio: the {parameter} is in a mass unit and the molecular weights of "
        f"{parent!r} and {met!r} are not both given (--mw NAME=G_PER_MOL)",
        "",
    )
    own = grp["exclude"].fillna("")
    exclude = join_reasons(own, grp["exclude_ref"].fillna(""))
    exclude = np.where(missing, join_text(exclude, f"no parent {parameter} in group"), exclude)
    exclude = np.where(zero, join_text(exclude, f"parent {parameter} is 0"), exclude)
    return pd.DataFrame(
        {
            **{k: grp[k].to_numpy() for k in keys},
            "metabolite": met,
            "parent": parent,
            "PPTESTCD": parameter,
            "value_metabolite": v_m,
            "value_parent": v_p,
            "unit": unit,
            "ratio": ratio,
            "ratio_molar": ratio_molar,
            "exclude": exclude,
            "note": note,
            "_own_exclude": own.to_numpy(object),
        }
    )


def parent_fraction_of_radioactivity(
    params: pd.DataFrame,
    parent: str,
    total: str,
    parameter: str = "AUCIFO",
    by: list[str] | None = None,
    file: str = "<DataFrame>",
) -> pd.DataFrame:
    """Parent AUC as a fraction of total-radioactivity AUC, per group.

    ``total`` names the total-radioactivity analyte; its values must be in parent
    equivalents with the parent's unit (e.g. both ``h*ng/mL``; identical unit strings are
    compared as they are, so ``h*ng-eq/mL`` works when both use it).

    Returns group columns, ``parent, total, PPTESTCD, value_parent, value_total, unit,
    fraction_parent, pct_parent, exclude, flag``: NaN with the reason in ``exclude`` for a
    group without a total row or with a total of 0; ``flag`` marks a parent above the
    total (not physical; the value is kept).

    >>> import pandas as pd
    >>> p = pd.DataFrame({"subject": "R1", "analyte": ["P", "TRA"], "PPTESTCD": "AUCLST",
    ...                   "value": [30.0, 120.0], "unit": "h*ng/mL"})
    >>> parent_fraction_of_radioactivity(p, "P", "TRA", "AUCLST")["pct_parent"].tolist()
    [25.0]
    """
    sel, keys = parameter_table(params, parameter, file, by)
    for name in (parent, total):
        if name not in set(sel["analyte"]):
            raise DataError(
                Problem(
                    f"no {parameter} rows for {name!r}",
                    file=file,
                    column="analyte",
                    fix="check the analyte names",
                )
            )
    m = pair(sel, keys, total, [parent])
    fix = f"write {parent!r} and {total!r} in the same unit ({total} in parent equivalents)"
    v_p = in_unit(m["value"], m["unit"], m["unit_ref"], None, m, file, mw_fix=fix)
    v_t = m["value_ref"].to_numpy(float)
    missing = m["source_row_ref"].isna().to_numpy()
    zero = v_t == 0
    frac = parent_fraction(v_p, np.where(zero, np.nan, v_t))
    exclude = join_reasons(m["exclude"].fillna(""), m["exclude_ref"].fillna(""))
    exclude = np.where(missing, join_text(exclude, f"no {total} {parameter} in group"), exclude)
    exclude = np.where(zero, join_text(exclude, f"{total} {parameter} is 0"), exclude)
    above = np.isfinite(frac) & (frac > 1.0)
    unit = np.where(missing, m["unit"].to_numpy(object), m["unit_ref"].to_numpy(object))
    return pd.DataFrame(
        {
            **{k: m[k].to_numpy() for k in keys},
            "parent": parent,
            "total": total,
            "PPTESTCD": parameter,
            "value_parent": v_p,
            "value_total": v_t,
            "unit": unit,
            "fraction_parent": frac,
            "pct_parent": 100.0 * frac,
            "exclude": exclude,
            "flag": np.where(
                above,
                f"parent above total radioactivity (not physical: check that {total} is in "
                "parent equivalents and the units)",
                "",
            ),
        }
    )
