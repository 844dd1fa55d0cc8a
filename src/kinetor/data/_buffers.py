"""Which buffers a table reads, and what is computed once from them.

Under pandas' copy-on-write, a table or column held as a shallow copy keeps its buffers:
any later write into the live table (``loc``, ``[] =``, a replaced table) gives the live
one new buffers. Comparing buffer addresses therefore tells whether a result computed
from the held copy still holds for the live table. ``Study.input_hash`` keeps its digest
this way, and ``cached`` keeps the codes of a study's id columns (validation, the input
hash and the NCA's usable rows share them: hashing 10^5 strings is their main cost). A
write past pandas, into an array taken out with ``to_numpy``, is not seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._factorize import factorize

__all__ = [
    "cached",
    "column_array",
    "digest_column",
    "equal_in_order",
    "is_text",
    "listed_ids",
    "same_array",
    "same_buffers",
    "same_memory",
]


def cached(store: dict, name: str, cols: list[pd.Series], compute):
    """``compute()``, kept in ``store[name]`` beside shallow copies of ``cols`` (the
    columns it reads) and recomputed once any of them has new buffers. Callers get their
    own copy of the integer codes (a result is an array, or a (codes, uniques) pair)."""
    hit = store.get(name)
    if hit is not None and all(same_array(a, b) for a, b in zip(cols, hit[0], strict=True)):
        result = hit[1]
    else:
        result = compute()
        store[name] = (tuple(c.copy(deep=False) for c in cols), result)
    if isinstance(result, tuple):
        return (result[0].copy(), result[1])
    return result.copy()


def column_array(s: pd.Series) -> np.ndarray:
    return s.to_numpy(object) if isinstance(s.dtype, pd.StringDtype) else s.to_numpy()


def same_array(a: pd.Series, b: pd.Series) -> bool:
    """Both columns read the same memory the same way (a column converted on the way out
    is a fresh array: both are alive here, so their addresses differ)."""
    x, y = column_array(a), column_array(b)
    fx, fy = x.__array_interface__, y.__array_interface__
    return (
        a.dtype == b.dtype
        and fx["data"] == fy["data"]
        and fx["shape"] == fy["shape"]
        and fx["strides"] == fy["strides"]
        and fx["typestr"] == fy["typestr"]
    )


def same_memory(x: np.ndarray, y: np.ndarray) -> bool:
    """Both arrays read the same memory the same way (both alive: the same cells)."""
    fx, fy = x.__array_interface__, y.__array_interface__
    return x.dtype == y.dtype and all(
        fx[k] == fy[k] for k in ("data", "shape", "strides", "typestr")
    )


def same_buffers(df: pd.DataFrame, held: pd.DataFrame) -> bool:
    """True when ``df`` reads the very buffers of ``held`` (its shallow copy taken when
    the digest was made): copy-on-write guarantees they were not written since."""
    if list(df.columns) != list(held.columns) or len(df) != len(held):
        return False
    return all(same_array(df[c], held[c]) for c in df.columns)


def is_text(s: pd.Series) -> bool:
    """True for a column ``digest_column`` feeds as ``factorize`` of its object array."""
    return not isinstance(s.dtype, pd.CategoricalDtype) and (
        getattr(s.dtype, "kind", "O") not in "biuf"
    )


def equal_in_order(*pairs: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether each pair of object arrays has the same length and equal cells, position by
    position (cells that do not compare, such as ``pd.NA``, count as unequal).

    >>> a = np.array(["s1", "s2"], object)
    >>> equal_in_order((a, a.copy())), equal_in_order((a, a[::-1])), equal_in_order((a, a[:1]))
    (True, False, False)
    >>> equal_in_order((np.array([pd.NA], object), np.array(["s1"], object)))
    False
    """
    try:
        return all(
            len(a) == len(b) and bool(np.asarray(a == b, dtype=bool).all()) for a, b in pairs
        )
    except (TypeError, ValueError):
        return False


def listed_ids(values: np.ndarray, ids: np.ndarray):
    """``factorize(values)`` when ``values`` are the distinct ``ids`` in their order (a
    doses or subjects table that lists the conc subjects as they first appear): codes
    0, 1, 2... without hashing; None otherwise (then the caller factorizes)."""
    if pd.api.types.infer_dtype(ids, skipna=False) != "string":
        return None
    same = equal_in_order((values, ids))
    return (np.arange(len(ids), dtype=np.intp), ids) if same else None


def digest_column(h, name: str, s: pd.Series, codes=None) -> None:
    """Feed one column into a hash: numbers as their bytes, anything else as the codes of
    its distinct values and those values as text (one pass in C, no per-cell Python).

    ``codes``: ``factorize`` of the column's object array when already known (a ``_text``
    column only)."""
    h.update(f"\x1f{name}:{s.dtype}".encode())
    kind = getattr(s.dtype, "kind", "O")
    if kind in "biuf" and not isinstance(s.dtype, pd.CategoricalDtype):
        values = (
            s.to_numpy(dtype=float if kind == "f" else None, na_value=np.nan)
            if isinstance(s.dtype, pd.api.extensions.ExtensionDtype)
            else s.to_numpy()
        )
        h.update(np.ascontiguousarray(values))  # its bytes, read in place (no copy)
        return
    values = s.to_numpy(object) if not isinstance(s.dtype, pd.CategoricalDtype) else s
    codes, uniq = (
        codes
        if codes is not None
        else factorize(values)
        if isinstance(values, np.ndarray)
        else pd.factorize(values, use_na_sentinel=True)
    )
    h.update(np.ascontiguousarray(codes, dtype=np.int64))
    text = (
        uniq
        if pd.api.types.infer_dtype(uniq, skipna=False) == "string"
        else [repr(u) for u in uniq]
    )
    h.update("\x00".join(text).encode("utf-8", "surrogatepass"))
