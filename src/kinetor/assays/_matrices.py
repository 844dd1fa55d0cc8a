"""Dose matrices for :func:`kinetor.assays.synergy`: every matrix checked (vehicle cell,
monotherapy row and column, every dose pair) and stacked by shape, with the replicate wells
of each cell kept for the bootstrap.
"""

from __future__ import annotations

import numpy as np

from kinetor.errors import DataError, Problem

__all__ = ["build_matrices"]


def _missing_pairs(idx, keys, key, dose1, dose2, most=5) -> str:
    """The unmeasured dose pairs of one matrix, as text (the vehicle named)."""
    mask = np.ones(len(idx), dtype=bool)
    for col, val in zip(keys, key if isinstance(key, tuple) else (key,), strict=False):
        mask &= (idx[col] == val).to_numpy()
    grp = idx[mask]
    have = set(zip(grp[dose1], grp[dose2], strict=True))
    miss = [
        (a, b)
        for a in sorted(grp[dose1].unique())
        for b in sorted(grp[dose2].unique())
        if (a, b) not in have
    ]
    text = ", ".join(
        f"{dose1}={a:g} + {dose2}={b:g}" + (" (the vehicle)" if a == 0 and b == 0 else "")
        for a, b in miss[:most]
    )
    return text + (f" and {len(miss) - most} more" if len(miss) > most else "")


def build_matrices(data, dose1, dose2, response, by, source):
    """Cell means of every matrix stacked by shape: ``{(n1, n2): (keys, d1, d2, e,
    replicate values (B, n1*n2, r_max), replicate counts (B, n1*n2))}``."""
    keys = by or ["_matrix"]
    df = data.assign(_matrix=0) if not by else data
    cell = df.groupby([*keys, dose1, dose2], sort=True)[response]
    means = cell.mean()
    idx = means.index.to_frame(index=False)
    per = idx.groupby(keys, sort=True).agg(
        n1=(dose1, "nunique"),
        n2=(dose2, "nunique"),
        cells=(dose1, "size"),
        min1=(dose1, "min"),
        min2=(dose2, "min"),
    )
    problems = []
    per[["n1", "n2", "cells"]] = per[["n1", "n2", "cells"]].astype(int)
    for key, r in per.astype(object).iterrows():
        label = (
            ", ".join(
                f"{c}={v}"
                for c, v in zip(by, key if isinstance(key, tuple) else (key,), strict=False)
            )
            or "the matrix"
        )
        if r["min1"] != 0 or r["min2"] != 0:
            problems.append(
                Problem(
                    f"{label}: no monotherapy rows (needs dose 0 of each "
                    "drug, and the vehicle cell 0 + 0)",
                    file=source,
                    column=dose1 if r["min1"] != 0 else dose2,
                    fix="include single-agent and vehicle wells in the "
                    "matrix; without them no null model can be built",
                )
            )
        elif r["n1"] < 3 or r["n2"] < 3:
            problems.append(
                Problem(
                    f"{label}: needs >= 2 non-zero doses of each drug "
                    f"(has {r['n1'] - 1} x {r['n2'] - 1})",
                    file=source,
                    fix="add doses",
                )
            )
        elif r["cells"] != r["n1"] * r["n2"]:
            problems.append(
                Problem(
                    f"{label}: {r['n1'] * r['n2'] - r['cells']} of "
                    f"{r['n1'] * r['n2']} dose pairs have no well: "
                    + _missing_pairs(idx, keys, key, dose1, dose2),
                    file=source,
                    fix="every dose pair must be measured",
                )
            )
    if problems:
        raise DataError(problems)
    cid = cell.ngroup().to_numpy()
    rank = df.groupby([*keys, dose1, dose2], sort=True).cumcount().to_numpy()
    counts = cell.size().to_numpy()
    vals = np.zeros((len(means), counts.max()))
    vals[cid, rank] = df[response].to_numpy(float)
    gid = idx.groupby(keys, sort=True).ngroup().to_numpy()
    out = {}
    for shape, sub in per.groupby(["n1", "n2"]):
        n1, n2 = (int(v) for v in shape)
        sel = np.isin(gid, np.flatnonzero(per.index.isin(sub.index)))
        b = len(sub)
        d1 = idx.loc[sel, dose1].to_numpy(float).reshape(b, n1, n2)[:, :, 0]
        d2 = idx.loc[sel, dose2].to_numpy(float).reshape(b, n1, n2)[:, 0, :]
        e = means.to_numpy()[sel].reshape(b, n1, n2)
        out[(n1, n2)] = (
            idx.loc[sel].reset_index(drop=True),
            d1,
            d2,
            e,
            vals[sel].reshape(b, n1 * n2, -1),
            counts[sel].reshape(b, n1 * n2),
        )
    return out
