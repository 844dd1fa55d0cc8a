"""Helpers of ``NCAResult.to_wide``: profile ids of the long table and the acceptance
flags of each profile, vectorised (no per-profile Python)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FLAG_TEXT", "profile_flags", "profile_ids"]


def profile_ids(keys: list[pd.Series], n: int) -> np.ndarray:
    """One integer per distinct combination of the key columns (first-seen order).

    The table ``nca`` returns holds each profile's rows together, so the ids are first
    read from where the keys change between adjacent rows (no hashing of n rows); they
    are kept when no key combination starts two blocks, else the keys are factorized.
    """
    if n == 0:
        return np.zeros(0, np.int64)
    arrays = [
        col.cat.codes.to_numpy(np.int64)
        if isinstance(col.dtype, pd.CategoricalDtype)
        else col.to_numpy()
        for col in keys
    ]
    change = np.zeros(n, bool)
    change[0] = True
    for a in arrays:
        same = a[1:] == a[:-1]
        if a.dtype.kind == "f":
            same |= np.isnan(a[1:]) & np.isnan(a[:-1])
        change[1:] |= ~np.asarray(same, bool)
    starts = np.flatnonzero(change)
    if _radix_ids([a[starts] for a in arrays]).max() + 1 == len(starts):
        return np.cumsum(change) - 1
    return _radix_ids(arrays)


def _radix_ids(arrays: list[np.ndarray]) -> np.ndarray:
    """Factorized ids of the rows of several key arrays (mixed radix of their codes)."""
    pid = np.zeros(len(arrays[0]), np.int64)
    span = 1
    for a in arrays:
        k, u = pd.factorize(a, use_na_sentinel=False)
        width = len(u) + 1
        if span * width >= 2**62:
            pid, u = pd.factorize(pid)
            span = len(u) + 1
        pid = pid * width + k
        span *= width
    return pd.factorize(pid)[0].astype(np.int64)


def profile_flags(df: pd.DataFrame, pid: np.ndarray, P: int) -> dict[str, np.ndarray]:
    """Acceptance flags of each profile: ``flag`` (every distinct rule its values fail,
    "; "-joined) and one boolean column ``flag_<RULE>`` per rule (``flag_R2ADJ``,
    ``flag_LAMZSPN``, ``flag_AUCPEO``, ``flag_AUCPEP``) that fails anywhere in the table."""
    if "flag" not in df.columns:
        return {
            "flag": np.full(P, "", dtype=object),
            **{f"flag_{r}": np.zeros(P, bool) for r in _RULE_ORDER},
        }
    col = df["flag"]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object).fillna("").astype(str).astype("category")
    cats = [str(c) for c in col.cat.categories]
    # only acceptance-rule texts are flags: the column's categories may also hold the
    # reasons a value is missing (e.g. "no dose"), which are never flag columns
    parts: list[str] = []
    for c in cats:
        for part in c.split("; "):
            if _is_rule(part) and part not in parts:
                parts.append(part)
    bit = {p: 1 << i for i, p in enumerate(parts)}
    cat_mask = np.array(
        [sum(bit[p] for p in set(c.split("; ")) if p in bit) for c in cats] + [0],
        dtype=np.int64,
    )
    codes = col.cat.codes.to_numpy()
    rows = np.flatnonzero(cat_mask[codes] != 0)  # flagged values only
    row_mask, row_pid = cat_mask[codes[rows]], pid[rows]
    mask = np.zeros(P, np.int64)
    for b in bit.values():  # a handful of rules: one vectorised pass each
        hit = np.zeros(P, bool)
        hit[row_pid[(row_mask & b) != 0]] = True
        mask[hit] |= b
    uniq, inv = np.unique(mask, return_inverse=True)
    text = np.array(["; ".join(p for p in parts if m & bit[p]) for m in uniq], dtype=object)
    out = {"flag": text[inv.ravel()] if P else np.full(0, "", dtype=object)}
    rules = dict.fromkeys(_RULE_ORDER, 0)
    for p in parts:
        rules[p.split(" ")[0]] |= bit[p]
    for rule in rules:
        out[f"flag_{rule}"] = (mask & rules[rule]) != 0
    return out


# the acceptance rules' texts (``{...}``: the option values); the first word names the rule
FLAG_TEXT = {
    1: "R2ADJ < {min_r2adj:g}",
    2: "LAMZSPN < {min_span_ratio:g}",
    4: "AUCPEO > {max_aucpext:g}%",
    8: "AUCPEP > {max_aucpext:g}%",
}
_RULE_ORDER = {text.split(" ")[0]: i for i, text in enumerate(FLAG_TEXT.values())}
_RULE_SIGN = {text.split(" ")[0]: text.split(" ")[1] for text in FLAG_TEXT.values()}


def _is_rule(part: str) -> bool:
    """True for an acceptance-rule text of ``FLAG_TEXT`` ("R2ADJ < 0.9"), whatever the
    option values; False for anything else (a reason such as "no dose")."""
    words = part.split(" ")
    return len(words) == 3 and _RULE_SIGN.get(words[0]) == words[1]
