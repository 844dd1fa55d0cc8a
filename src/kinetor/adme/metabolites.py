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

from kinetor.adme._inputs import parameter_values, source_rows
from kinetor.errors import DataError, Problem

__all__ = [
    "metabolite_ratios",
    "metabolite_to_parent_ratio",
    "parameter_table",
    "parent_fraction",
    "parent_fraction_of_radioactivity",
]

_VALUE_COLS = {
    "analyte",
    "pptestcd",
    "pptest",
    "value",
    "unit",
    "exclude",
    "pporres",
    "pporresu",
    "ppstresn",
    "ppstresu",
    "ppstresc",
    "note",
    "reason",
}


def metabolite_to_parent_ratio(p_metabolite, p_parent, mw_metabolite=None, mw_parent=None):
    """Metabolite-to-parent ratio; molar when both molecular weights are given.

    Parameters
    ----------
    p_metabolite, p_parent : array_like
        The parameter (AUC, Cmax) of metabolite and parent, in the same mass unit.
    mw_metabolite, mw_parent : float, optional
        Molecular weights (g/mol): the ratio is then molar, ``MPR * MW_p / MW_m``.

    >>> round(float(metabolite_to_parent_ratio(25.0, 100.0)), 6)
    0.25
    >>> round(float(metabolite_to_parent_ratio(25.0, 100.0, 478.55, 462.55)), 6)
    0.241641
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.asarray(p_metabolite, float) / np.asarray(p_parent, float)
    if (mw_metabolite is None) != (mw_parent is None):
        from kinetor.errors import KinetorError

        raise KinetorError("a molar ratio needs both molecular weights")
    if mw_metabolite is not None:
        r = r * float(mw_parent) / float(mw_metabolite)
    return r


def parent_fraction(auc_parent, auc_total):
    """Fraction of total radioactivity exposure that is parent, :math:`AUC_p/AUC_{TRA}`.

    Both in the same (parent-equivalent) unit.

    >>> float(parent_fraction(30.0, 120.0))
    0.25
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(auc_parent, float) / np.asarray(auc_total, float)


def parameter_table(
    params: pd.DataFrame, parameter: str, file: str = "<DataFrame>", by: list[str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Rows of one ``PPTESTCD`` from a long NCA table, with canonical column names.

    Returns the rows (columns ``analyte, PPTESTCD, value, unit, exclude`` plus group
    columns) and the group columns used (``by``, or every column that is not a value
    column).
    """
    df = params.copy()
    rename = {
        c: ("PPTESTCD" if str(c).lower() == "pptestcd" else str(c).lower())
        for c in df.columns
        if str(c).lower() in _VALUE_COLS
    }
    df = df.rename(columns=rename)
    missing = [c for c in ("analyte", "PPTESTCD", "value", "unit") if c not in df.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"the parameter table has no '{c}' column",
                    file=file,
                    column=c,
                    fix="use the long NCA layout: group columns, analyte, PPTESTCD, value, unit",
                )
                for c in missing
            ]
        )
    if "exclude" not in df.columns:
        df["exclude"] = ""
    df["exclude"] = df["exclude"].astype("string").fillna("")
    df["source_row"] = source_rows(df)
    keys = (
        by
        if by is not None
        else [
            c
            for c in df.columns
            if c.lower() not in _VALUE_COLS and c not in ("PPTESTCD", "source_row")
        ]
    )
    codes = df["PPTESTCD"].astype("string").fillna("").str.strip().str.upper()
    sel = df[codes == parameter.upper()].copy()
    if sel.empty:  # say what the table holds
        fix = f"PPTESTCD values present: {', '.join(sorted(set(codes) - {''}))}"
        raise DataError(Problem(f"no {parameter} rows", file, None, "PPTESTCD", fix))
    sel["value"] = parameter_values(sel["value"], sel["source_row"], sel["exclude"], file)
    sel["analyte"] = sel["analyte"].astype("string").fillna("")
    sel["unit"] = sel["unit"].astype("string").fillna("")
    dup = sel.duplicated([*keys, "analyte"], keep=False)
    if dup.any():
        raise DataError(
            [
                Problem(
                    f"more than one {parameter} for analyte {a!r} in one group",
                    file=file,
                    row=int(r),
                    column="PPTESTCD",
                    fix=f"give group columns that make rows unique (by={keys})",
                )
                for a, r in zip(sel.loc[dup, "analyte"], sel.loc[dup, "source_row"], strict=True)
            ]
        )
    return sel, keys


def _pair(sel: pd.DataFrame, keys: list[str], reference: str, others: list[str]) -> pd.DataFrame:
    ref = sel[sel["analyte"] == reference]
    oth = sel[sel["analyte"].isin(others)]
    cols = [*keys, "value", "unit", "exclude"]
    if keys:
        merged = oth[[*cols, "analyte"]].merge(
            ref[cols], on=keys, how="left", suffixes=("", "_ref")
        )
    else:
        merged = oth[[*cols, "analyte"]].merge(ref[cols], how="cross", suffixes=("", "_ref"))
    return merged


def _in_unit(values, unit_from: pd.Series, unit_to: pd.Series, mw) -> np.ndarray:
    from kinetor.units import convert

    out = np.asarray(values, float).copy()
    for (uf, ut), idx in (
        pd.Series(range(len(out)))
        .groupby([unit_from.to_numpy(), unit_to.to_numpy()])
        .groups.items()
    ):
        if uf == ut or not uf or not ut:
            continue
        out[list(idx)] = convert(out[list(idx)], uf, ut, mw=mw)
    return out


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
        unit, ratio, ratio_molar, exclude``. ``ratio`` is on the basis of the parent's
        unit: a mass ratio for a mass unit (ng/mL), a molar ratio for a molar unit (nM),
        then equal to ``ratio_molar`` with or without molecular weights;
        ``ratio_molar`` is NaN without molecular weights for a mass unit.
    """
    from kinetor.units import is_molar

    sel, keys = parameter_table(params, parameter, file, by)
    if metabolites is None:
        metabolites = sorted(set(sel["analyte"]) - {parent})
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
    _check_mw(mw, set(sel["analyte"]), parameter, file)
    m = _pair(sel, keys, parent, metabolites)
    frames = []
    for met, grp in m.groupby("analyte", sort=False):
        mw_m, mw_p = mw.get(met), mw.get(parent)
        v_m = _in_unit(grp["value"], grp["unit"], grp["unit_ref"], mw_m)
        zero = grp["value_ref"].to_numpy(float) == 0  # no ratio (NaN), with the reason
        ratio = v_m / np.where(zero, np.nan, grp["value_ref"].to_numpy(float))
        unit_p = grp["unit_ref"].iloc[0]
        molar_basis = bool(unit_p) and is_molar(unit_p)
        if molar_basis:  # both AUCs molar (metabolite converted above): no MW needed
            ratio_molar = ratio
        else:
            ratio_molar = ratio * mw_p / mw_m if mw_m and mw_p else ratio * np.nan
        missing = grp["value_ref"].isna().to_numpy()
        exclude = _join_reasons(grp["exclude"].fillna(""), grp["exclude_ref"].fillna(""))
        exclude = np.where(missing, _join_text(exclude, f"no parent {parameter} in group"), exclude)
        exclude = np.where(zero, _join_text(exclude, f"parent {parameter} is 0"), exclude)
        frames.append(
            pd.DataFrame(
                {
                    **{k: grp[k].to_numpy() for k in keys},
                    "metabolite": met,
                    "parent": parent,
                    "PPTESTCD": parameter,
                    "value_metabolite": v_m,
                    "value_parent": grp["value_ref"].to_numpy(float),
                    "unit": unit_p,
                    "ratio": ratio,
                    "ratio_molar": ratio_molar,
                    "exclude": exclude,
                }
            )
        )
    if not frames:
        raise DataError(
            Problem(
                f"no metabolite {parameter} rows",
                file=file,
                column="analyte",
                fix="name the metabolites in 'analyte'",
            )
        )
    return pd.concat(frames, ignore_index=True)


def _check_mw(mw: dict[str, float], analytes: set[str], parameter: str, file: str) -> None:
    """Molecular weights > 0, each for an analyte of the table (else a ``DataError``)."""
    fix = "give MW in g/mol for analytes of the table (--mw NAME=G_PER_MOL, or mw= in Python)"
    problems = [
        Problem(f"molecular weight of {name!r} is {w!r}: not > 0", file=file, fix=fix)
        for name, w in mw.items()
        if not _positive(w)
    ]
    problems += [
        Problem(
            f"molecular weight given for {name!r}, which has no {parameter} rows; "
            f"analytes present: {', '.join(sorted(analytes))}",
            file=file,
            column="analyte",
            fix=fix,
        )
        for name in sorted(set(mw) - analytes)
    ]
    if problems:
        raise DataError(problems)


def _positive(value) -> bool:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(v) and v > 0)


def _join_text(a: np.ndarray, b: str) -> np.ndarray:
    a = np.asarray(a, dtype=object)
    return np.where(a == "", b, a + "; " + b)


def _join_reasons(a: pd.Series, b: pd.Series) -> np.ndarray:
    a, b = a.to_numpy(object), b.to_numpy(object)
    return np.where(a == "", b, np.where(b == "", a, a + "; " + b))


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
    fraction_parent, pct_parent, exclude``.

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
    m = _pair(sel, keys, total, [parent])
    v_p = _in_unit(m["value"], m["unit"], m["unit_ref"], None)
    frac = parent_fraction(v_p, m["value_ref"].to_numpy(float))
    return pd.DataFrame(
        {
            **{k: m[k].to_numpy() for k in keys},
            "parent": parent,
            "total": total,
            "PPTESTCD": parameter,
            "value_parent": v_p,
            "value_total": m["value_ref"].to_numpy(float),
            "unit": m["unit_ref"].to_numpy(),
            "fraction_parent": frac,
            "pct_parent": 100.0 * frac,
            "exclude": _join_reasons(m["exclude"].fillna(""), m["exclude_ref"].fillna("")),
        }
    )
