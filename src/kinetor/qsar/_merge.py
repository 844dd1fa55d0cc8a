"""Merging of the curated rows of one standardised structure (step 5 of
:func:`kinetor.qsar.curation.curate`): the value kept, its spread and whether the
measurements conflict.

A compound's measurements conflict when its exact values spread over more than
``threshold`` log units, or when a bound contradicts them: an exact value on the wrong
side of a bound by more than ``threshold`` (pIC50 6.3 and pIC50 > 5 agree; pIC50 3.5 and
pIC50 > 5 conflict), or, without exact values, a lower bound above an upper bound by more
than ``threshold``. Bounds of one direction never conflict.

Examples
--------
>>> data, _ = _aggregate([(2, "e1", "CCO", 5.0, ">"), (3, "e2", "CCO", 6.3, "=")], 1.0)
>>> data[["p_value", "relation", "spread", "conflict"]].round(2).to_dict("records")
[{'p_value': 6.3, 'relation': '=', 'spread': 1.3, 'conflict': False}]
>>> data, _ = _aggregate([(2, "e1", "CCO", 5.0, ">"), (3, "e2", "CCO", 3.5, "=")], 1.0)
>>> bool(data["conflict"].iloc[0])
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _conflict(g: pd.DataFrame, threshold: float) -> bool:
    """Whether the measurements ``g`` (p scale, relation per row) conflict (module text)."""
    p, rel = g["p_value"].to_numpy(dtype=float), g["relation"]
    lower = p[rel.str.startswith(">").to_numpy()]
    upper = p[rel.str.startswith("<").to_numpy()]
    exact = p[g["exact"].to_numpy()]
    if len(exact):
        return bool(
            np.ptp(exact) > threshold
            or (len(lower) and lower.max() - exact.min() > threshold)
            or (len(upper) and exact.max() - upper.min() > threshold)
        )
    return bool(len(lower) and len(upper) and lower.max() - upper.min() > threshold)


def _aggregate(keep, threshold: float):
    cols = ["row", "id", "smiles", "p_value", "relation"]
    df = pd.DataFrame(keep, columns=cols)
    df["relation"] = df["relation"].replace({"~": "="})
    df["exact"] = df["relation"] == "="
    out: list[tuple] = []
    merged: list[tuple] = []
    for smi, g in df.groupby("smiles", sort=False):
        exact = g[g["exact"]]
        use = exact if len(exact) else g
        vals = use["p_value"].to_numpy()
        if len(exact):
            rel = "="
        else:
            # only bounds: keep the tightest one of the commonest direction
            lower = use["relation"].str.startswith(">")
            use = use[lower] if lower.sum() >= (~lower).sum() else use[~lower]
            vals = use["p_value"].to_numpy()
            pick = int(np.argmax(vals)) if lower.sum() >= (~lower).sum() else int(np.argmin(vals))
            rel = use["relation"].iloc[pick]
            vals = vals[[pick]]
        spread = float(np.ptp(g["p_value"].to_numpy())) if len(g) > 1 else 0.0
        conflict = _conflict(g, threshold)
        out.append(
            (
                smi,
                g["id"].iloc[0],
                float(np.mean(vals)),
                rel,
                rel != "=",
                len(g),
                spread,
                conflict,
                ";".join(map(str, g["row"])),
            )
        )
        if len(g) > 1:
            reason = f"{len(g)} measurements merged (spread {spread:.2f} log units)"
            if conflict:
                reason += f"; conflict flagged (> {threshold:g})"
            merged.extend(
                (int(r), i, smi, "merged", reason) for r, i in zip(g["row"], g["id"], strict=True)
            )
        elif rel != "=":
            merged.append(
                (
                    int(g["row"].iloc[0]),
                    g["id"].iloc[0],
                    smi,
                    "flagged",
                    f"censored value ({rel} {vals[0]:.2f})",
                )
            )
    data = pd.DataFrame(
        out,
        columns=[
            "smiles",
            "id",
            "p_value",
            "relation",
            "censored",
            "n",
            "spread",
            "conflict",
            "rows",
        ],
    )
    # typed even when empty: an empty object column used as a mask selects columns instead
    data = data.astype({"p_value": float, "censored": bool, "n": int, "spread": float})
    data = data.astype({"conflict": bool})
    return data, merged
