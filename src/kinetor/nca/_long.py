"""The engine's output as tables: the tidy long table and, straight from the engine's
arrays, the wide one.

``long_table`` lays the (profile x parameter) results out as the tidy table (one row per
profile and emitted parameter, 10^5-10^6 rows for a large study). ``LongTable`` holds the
engine's arrays and builds that table only when it is asked for: ``NCAResult.to_wide``
reads the same arrays directly (one row per profile), so a user who wants the wide table
does not pay for the long one. Both give exactly what the long table's own pivot gives
(the same values, columns, order and flags).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kinetor.nca._wide import FLAG_TEXT, profile_flags, profile_ids
from kinetor.nca.registry import PARAMETERS, dependents

__all__ = ["FLAG_TEXT", "LongTable", "long_table", "with_names"]

_DIAGNOSTIC = {"lamzspn", "r2", "r2adj", "corrxy", "lamznpt", "lamzll", "lamzul"}


def _flag_masks() -> dict[str, int]:
    """The acceptance-flag bits each parameter carries (the rules its value depends on)."""
    lz = (dependents("lamz") | {"lamz"}) - _DIAGNOSTIC
    obs = ({"aucifo"} | dependents("aucifo")) - {"aucpeo"}
    pred = ({"aucifp"} | dependents("aucifp")) - {"aucpep"}
    return {
        k: (3 if k in lz else 0) | (4 if k in obs else 0) | (8 if k in pred else 0)
        for k in PARAMETERS
    }


_FLAG_MASK = _flag_masks()


def _flag_texts(options) -> list[str]:
    fields = options.as_dict()
    return [
        "; ".join(FLAG_TEXT[b].format(**fields) for b in (1, 2, 4, 8) if bits & b)
        for bits in range(16)
    ]


def _taken(codes: np.ndarray, uniques, idx: np.ndarray) -> pd.Categorical:
    """``Categorical`` of ``uniques[codes[idx]]``: the codes narrowed to the dtype pandas
    keeps before taking (a long table's columns are 10^5-10^6 cells; no copy afterwards)."""
    n = len(uniques)
    small = np.int8 if n < 127 else np.int16 if n < 32_767 else np.int32
    return pd.Categorical.from_codes(codes.astype(small)[idx], uniques, validate=False)


def _cat(idx: np.ndarray, names) -> pd.Categorical:
    c, u = pd.factorize(np.asarray(names, dtype=object))
    return _taken(c, u, idx)


@dataclass
class _Plan:
    """Which parameters each profile emits, and under which code (shared by both tables)."""

    keys: list[str]  # the parameters some profile emits, registry order
    emit: np.ndarray  # (P, K) bool
    ev: np.ndarray  # (P,) extravascular: its parameters take their EV code where one exists
    has_ev: np.ndarray  # (K,)
    codes: list[str]
    combo: np.ndarray  # (P,) one integer per (route, kind): profiles alike emit alike
    a_codes: np.ndarray
    a_names: Any


def _plan(meta: pd.DataFrame) -> _Plan:
    r_codes, r_names = pd.factorize(meta["route"].to_numpy(), sort=False)
    k_codes, k_names = pd.factorize(meta["kind"].to_numpy(), sort=False)
    a_codes, a_names = pd.factorize(meta["analyte"].to_numpy(), sort=False)
    keys = [k for k, p in PARAMETERS.items() if p.kinds]
    params = [PARAMETERS[k] for k in keys]
    ok_route = np.array([[r in p.routes for p in params] for r in r_names], bool)
    ok_kind = np.array([[k in p.kinds for p in params] for k in k_names], bool)
    # only the parameters some profile emits (a single-dose study has no tau, urine or
    # sparse columns): every (P, K) matrix below is built on those alone
    combo = r_codes.astype(np.int64) * len(k_names) + k_codes
    combos = pd.unique(combo)
    used = (ok_route[combos // len(k_names)] & ok_kind[combos % len(k_names)]).any(axis=0)
    keys = [k for k, u in zip(keys, used, strict=True) if u]
    params = [PARAMETERS[k] for k in keys]
    ok_route, ok_kind = ok_route[:, used], ok_kind[:, used]
    emit = ok_route[r_codes] & ok_kind[k_codes]  # (P, K)
    # codes: one per parameter, plus its extravascular variant where it has one
    codes = [p.code for p in params] + [p.ev_code or p.code for p in params]
    ev = np.array([r == "extravascular" for r in r_names], bool)[r_codes]
    has_ev = np.array([bool(p.ev_code) for p in params], bool)
    return _Plan(keys, emit, ev, has_ev, codes, combo, a_codes, a_names)


def _code_idx(plan: _Plan, pid: np.ndarray, kk: np.ndarray) -> np.ndarray:
    """Index into ``plan.codes`` of cells (profile, parameter): the code or its EV one."""
    return kk + np.where(plan.ev[pid] & plan.has_ev[kk], len(plan.keys), 0)


def long_table(prof, comp, options, units_by_analyte) -> pd.DataFrame:
    """Tidy table: one row per profile and emitted parameter, profiles in order and
    parameters in registry order within each profile.

    Values, codes, units and reasons are laid out as (profile x parameter) matrices and
    the emitted cells taken in row-major order, which is exactly the table's order. String
    columns are pandas Categoricals (hundreds of thousands of rows repeat a few hundred
    strings); they compare, group and write to CSV like strings.
    """
    meta = prof.meta
    plan = _plan(meta)
    keys, emit = plan.keys, plan.emit
    params = [PARAMETERS[k] for k in keys]
    # every column below is built on the emitted cells only (row-major = table order)
    pid, kk = np.nonzero(emit)  # row-major: no division of flat indices
    value = np.column_stack([comp.values[k] for k in keys])[emit]
    code_idx = _code_idx(plan, pid, kk)
    a_names = plan.a_names
    units_list = [units_by_analyte[str(a)].units.get(p.unit, "") for p in params for a in a_names]
    unit_idx = kk * len(a_names) + plan.a_codes[pid]
    texts = list(comp.messages) + _flag_texts(options)  # reasons, then flag combinations
    reason = np.column_stack([comp.reasons[k] for k in keys])[emit]
    flag_bits = comp.flags[pid] & np.array([_FLAG_MASK[k] for k in keys])[kk]
    missing = np.isnan(value)
    excl_idx = np.where(missing, reason, len(comp.messages) + flag_bits)

    cols = {}
    for c in ("subject", *prof.groups, "analyte", "matrix"):
        mc, mu = pd.factorize(meta[c].to_numpy(object))
        cols[c] = _taken(mc, mu, pid)
    cols["start"] = meta["start"].to_numpy(float)[pid]
    cols["end"] = meta["end"].to_numpy(float)[pid]
    cols["PPTESTCD"] = _cat(code_idx, plan.codes)
    cols["value"] = value
    cols["unit"] = _cat(unit_idx, units_list)
    cols["exclude"] = _cat(excl_idx, texts)
    # the acceptance flag alone (the value is kept): the exclude text of a non-NaN value
    cols["flag"] = _cat(np.where(missing, 0, excl_idx), texts)
    return pd.DataFrame(cols)


def with_names(params: pd.DataFrame) -> pd.DataFrame:
    """``phoenix`` and ``pknca`` columns: each code's name in those tools ("" if none)."""
    if "PPTESTCD" not in params.columns or not len(params):
        return params
    from kinetor.nca.names import PHOENIX, PKNCA

    code = params["PPTESTCD"]
    if not isinstance(code.dtype, pd.CategoricalDtype):
        code = code.astype("category")
    cats = [str(c) for c in code.cat.categories]
    for col, table in (("phoenix", PHOENIX), ("pknca", PKNCA)):
        names = pd.Index([table.get(c, "") for c in cats], dtype=object)
        uniq, inv = np.unique(np.asarray(names, dtype=str), return_inverse=True)
        codes = code.cat.codes.to_numpy()
        small = inv.astype(np.int8 if len(uniq) < 127 else np.int32)  # kept as is
        params[col] = pd.Categorical.from_codes(small[codes], list(uniq), validate=False)
    return params


@dataclass
class LongTable:
    """The engine's arrays of one NCA run, and the tables built from them on demand.

    ``frame()`` is the long table (``long_table`` plus the Phoenix / PKNCA names), built
    once; ``wide(keys, exclude)`` is the wide table straight from the arrays, or None
    where only the long table's pivot can say it (two profiles with the same keys).
    """

    prof: Any
    comp: Any
    options: Any
    units_by_analyte: dict
    _frame: pd.DataFrame | None = field(default=None, repr=False)

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = with_names(
                long_table(self.prof, self.comp, self.options, self.units_by_analyte)
            )
        return self._frame

    def wide(self, keys: list[str], exclude: bool = False):
        """(key columns, value matrix, column names, flag columns) of ``to_wide``, in the
        order of the long table's pivot (profiles as they come, codes as first met); None
        when the pivot would merge profiles (then the caller pivots the long table)."""
        prof, comp = self.prof, self.comp
        meta = prof.meta
        table_keys = ["subject", *prof.groups, "analyte", "matrix", "start", "end"]
        if [k for k in keys if k in table_keys] != table_keys:
            return None
        plan = _plan(meta)
        kept = np.flatnonzero(plan.emit.any(axis=1))  # a profile with no value has no row
        n = len(kept)
        if not n:
            return None
        key_cols: dict[str, np.ndarray] = {}
        id_cols = []
        for c in table_keys:
            if c in ("start", "end"):
                key_cols[c] = meta[c].to_numpy(float)[kept]
                id_cols.append(pd.Series(key_cols[c]))
            else:  # as the long table's categorical column gives them back
                cells = meta[c].to_numpy(object)
                mc, mu = pd.factorize(cells)
                text = (mc >= 0).all() and pd.api.types.infer_dtype(mu) == "string"
                # str ids with no gap: the cells themselves (the same text, no categorical)
                key_cols[c] = cells[kept] if text else _taken(mc, mu, kept).astype(object)
                id_cols.append(pd.Series(mc[kept]))
        if int(profile_ids(id_cols, n).max()) + 1 != n:  # profiles the pivot would merge
            return None
        combo = plan.combo[kept]
        order = pd.unique(combo)  # profile patterns in order of first appearance
        # a profile pattern (route, kind) emits the same parameters under the same codes:
        # each pattern's first profile says which
        emitted = {}
        for c in order:
            p0 = int(kept[np.argmax(combo == c)])
            ks = np.flatnonzero(plan.emit[p0])
            idx = _code_idx(plan, np.full(len(ks), p0), ks)
            emitted[int(c)] = (ks, [plan.codes[i] for i in idx])
        seen = pd.unique(np.array([n for c in order for n in emitted[int(c)][1]], object))
        col_of = {str(s): i for i, s in enumerate(seen)}
        # column by column: a parameter's values are one contiguous column
        mat = np.full((n, len(seen)), np.nan, order="F")
        bits = np.zeros(n, np.int64)  # acceptance flags of the values each profile keeps
        flags = comp.flags[kept]
        for c in order:
            at = np.flatnonzero(combo == c)
            # one pattern for every profile (the usual case): whole columns, no gather
            sel: np.ndarray | slice = slice(None) if len(at) == n else at
            rows = kept[sel]
            f_sel = flags[sel]
            for k, name in zip(*emitted[int(c)], strict=True):
                key = plan.keys[k]
                v = np.asarray(comp.values[key], float)[rows]
                b = f_sel & _FLAG_MASK[key]
                bits[sel] |= np.where(np.isnan(v), 0, b)
                if exclude:  # a kept value with an acceptance flag is blanked
                    v = np.where(b != 0, np.nan, v)
                mat[sel, col_of[name]] = v
        texts = list(comp.messages) + _flag_texts(self.options)
        flag = pd.DataFrame({"flag": _cat(len(comp.messages) + bits, texts)})
        flag_cols = profile_flags(flag, np.arange(n), n)
        return key_cols, mat, [str(s) for s in seen], flag_cols
