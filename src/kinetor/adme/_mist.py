"""The MIST share of :func:`kinetor.adme.metabolites.metabolite_ratios`: each metabolite's
molar share of the drug-related exposure of its group,

.. math:: s_i = \\frac{M_i}{P + \\sum_j M_j} = \\frac{r_i}{1 + \\sum_j r_j},

with :math:`r_j = M_j / P` the molar ratios of *every* metabolite of the table in the group
(not only those asked for: the total is the same whichever rows are returned). NaN where a
metabolite of the group has no molar ratio. A note on the group's rows says where the total
lacks a metabolite present in other groups, and where it counts an excluded metabolite.
``mist_flag`` marks a share above 10 % (FDA, Safety Testing of Drug Metabolites, 2020).

Example: P 1000, M1 400, M2 400, M3 80 (nmol h/L): the share of M1 is
400 / (1000 + 400 + 400 + 80) = 0.212766, whether or not M2 and M3 are asked for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MIST_THRESHOLD", "mist_share"]

MIST_THRESHOLD = 0.10  # FDA, Safety Testing of Drug Metabolites (2020): > 10 % of total


def mist_share(
    out: pd.DataFrame, keys: list[str], present: list[str], parameter: str
) -> pd.DataFrame:
    """Add ``share_molar`` and ``mist_flag`` to the ratio rows ``out`` (every metabolite
    of the table, columns ``metabolite, ratio_molar, _own_exclude`` and ``keys``) and the
    notes of the module docstring."""
    out = out.copy()
    r = out["ratio_molar"].astype(float)
    gid = (
        out.groupby(keys, sort=False, dropna=False).ngroup()
        if keys
        else pd.Series(0, index=out.index)
    )
    total = r.groupby(gid).transform(lambda x: x.sum() if x.notna().all() else np.nan)
    out["share_molar"] = r / (1.0 + total)
    notes = {}
    for g, rows in out.groupby(gid, sort=False):
        parts = []
        absent = [m for m in present if m not in set(rows["metabolite"])]
        if absent:
            parts.append(
                f"share_molar without {', '.join(absent)}: no {parameter} row in this group "
                "(present in other groups)"
            )
        no_ratio = rows.loc[rows["ratio_molar"].isna(), "metabolite"].tolist()
        if no_ratio:
            parts.append(f"no share_molar: no molar ratio for {', '.join(no_ratio)}")
        else:
            excl = rows[rows["_own_exclude"].astype(str) != ""]
            parts += [
                f"share_molar counts {m}, which is excluded ({why})"
                for m, why in zip(excl["metabolite"], excl["_own_exclude"], strict=True)
            ]
        notes[g] = "; ".join(parts)
    group_note = gid.map(notes).fillna("").to_numpy(object)
    note = out["note"].astype(str).to_numpy(object)
    out["note"] = np.where(
        group_note == "", note, np.where(note == "", group_note, note + "; " + group_note)
    )
    out["mist_flag"] = np.where(
        out["share_molar"] > MIST_THRESHOLD,
        "above 10 % of total drug-related exposure (molar, parent + every metabolite of "
        "the table): FDA MIST 2020 threshold for safety testing",
        "",
    )
    return out
