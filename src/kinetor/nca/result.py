"""``NCAResult``: the long parameter table, its wide and CDISC PP views, and provenance.

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> from kinetor.nca import nca
>>> conc = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2, 4, 8],
...                      "conc": [0.0, 4, 3, 1.5, 0.375]})
>>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [10.0], "route": ["po"]})
>>> res = nca(Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"}))
>>> # lin-up/log-down: 0.5*1*4 + 1/ln(4/3) + 2*1.5/ln 2 + 4*1.125/ln 4 = 13.0502
>>> res.to_wide()[["CMAX", "TMAX", "AUCLST"]].round(4).to_dict("records")
[{'CMAX': 4.0, 'TMAX': 1.0, 'AUCLST': 13.0502}]
>>> pp = res.to_cdisc()
>>> pp.loc[pp.PPTESTCD == "CMAX", ["USUBJID", "PPTEST", "PPSTRESN", "PPSTRESU"]].values.tolist()
[['a', 'Max Conc', 4.0, 'mg/L']]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kinetor.nca.options import Options
from kinetor.nca.registry import PARAMETERS

__all__ = ["NCAResult"]

_STAT_NAME = {"geometric": "geometric mean [geometric CV%]",
              "median": "median [min, max]",
              "arithmetic": "mean [SD]"}


def _code_table() -> tuple[dict[str, str], dict[str, str]]:
    label, stat = {}, {}
    for p in PARAMETERS.values():
        for code, lab in ((p.code, p.label), (p.ev_code, p.ev_label)):
            if code:
                label.setdefault(code, lab or p.label)
                stat.setdefault(code, p.summary)
    return label, stat


_LABEL, _STAT = _code_table()
_TIME_CODES = {c for p in PARAMETERS.values() if p.unit == "time"
               for c in (p.code, p.ev_code) if c}


def _natural_key(text) -> tuple:
    parts = re.split(r"(\d+(?:\.\d+)?)", str(text))
    return tuple((0, float(p), "") if i % 2 else (1, 0.0, p.lower())
                 for i, p in enumerate(parts) if p)


def natural_rank(values) -> np.ndarray:
    """Integer rank of each value in natural order ("2" before "10", "PO 3.75" before
    "PO 15"); one sort of the distinct values, then a lookup.

    Examples
    --------
    >>> natural_rank(["10", "2", "1", "PO 15", "PO 3.75"]).tolist()
    [2, 1, 0, 4, 3]
    """
    codes, uniq = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    text = [str(u) for u in uniq]
    joined = "".join(text)
    if (text and joined.isascii() and joined.isdigit() and all(text)
            and max(map(len, text)) <= 15):                  # plain integers: fast path
        order = np.argsort(np.array(text).astype(np.float64), kind="stable")
    else:
        order = sorted(range(len(uniq)), key=lambda i: _natural_key(uniq[i]))
    rank = np.empty(len(uniq), np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[codes]


def _profile_ids(keys: list[pd.Series], n: int) -> np.ndarray:
    """One integer per distinct combination of the key columns (first-seen order).

    The table ``nca`` returns holds each profile's rows together, so the ids are first
    read from where the keys change between adjacent rows (no hashing of n rows); they
    are kept when no key combination starts two blocks, else the keys are factorized.
    """
    if n == 0:
        return np.zeros(0, np.int64)
    arrays = [col.cat.codes.to_numpy(np.int64) if isinstance(col.dtype, pd.CategoricalDtype)
              else col.to_numpy() for col in keys]
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


def _profile_flags(df: pd.DataFrame, pid: np.ndarray, P: int) -> dict[str, np.ndarray]:
    """Acceptance flags of each profile: ``flag`` (every distinct rule its values fail,
    "; "-joined) and one boolean column ``flag_<RULE>`` per rule (``flag_R2ADJ``,
    ``flag_LAMZSPN``, ``flag_AUCPEO``, ``flag_AUCPEP``) that fails anywhere in the table."""
    if "flag" not in df.columns:
        return {"flag": np.full(P, "", dtype=object),
                **{f"flag_{r}": np.zeros(P, bool) for r in _RULE_ORDER}}
    col = df["flag"]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object).fillna("").astype(str).astype("category")
    cats = [str(c) for c in col.cat.categories]
    parts: list[str] = []
    for c in cats:
        for part in c.split("; "):
            if part and part not in parts:
                parts.append(part)
    bit = {p: 1 << i for i, p in enumerate(parts)}
    cat_mask = np.array([sum(bit[p] for p in set(c.split("; ")) if p) for c in cats] + [0],
                        dtype=np.int64)
    codes = col.cat.codes.to_numpy()
    rows = np.flatnonzero(cat_mask[codes] != 0)            # flagged values only
    row_mask, row_pid = cat_mask[codes[rows]], pid[rows]
    mask = np.zeros(P, np.int64)
    for b in bit.values():          # a handful of rules: one vectorised pass each
        hit = np.zeros(P, bool)
        hit[row_pid[(row_mask & b) != 0]] = True
        mask[hit] |= b
    uniq, inv = np.unique(mask, return_inverse=True)
    text = np.array(["; ".join(p for p in parts if m & bit[p]) for m in uniq], dtype=object)
    out = {"flag": text[inv.ravel()] if P else np.full(0, "", dtype=object)}
    rules = dict.fromkeys(_RULE_ORDER, 0)
    for p in parts:
        rules.setdefault(p.split(" ")[0], 0)
        rules[p.split(" ")[0]] |= bit[p]
    for rule in sorted(rules, key=lambda r: _RULE_ORDER.get(r, 99)):
        out[f"flag_{rule}"] = (mask & rules[rule]) != 0
    return out


_RULE_ORDER = {"R2ADJ": 0, "LAMZSPN": 1, "AUCPEO": 2, "AUCPEP": 3}


def _recorded(x: float) -> str:
    """A time as recorded (up to 6 significant digits, no rounding to 3)."""
    return "NC" if x is None or not np.isfinite(x) else format(float(x), ".6g")


def _sig3(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "NC"
    return np.format_float_positional(float(x), precision=3, unique=False, fractional=False,
                                      trim="-")


def _iso_duration(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return ""
    u = unit.strip().lower()
    letter = {"h": "H", "hr": "H", "hour": "H", "hours": "H", "min": "M", "minute": "M",
              "minutes": "M", "s": "S", "sec": "S"}.get(u)
    if letter:
        return f"PT{value:g}{letter}"
    if u in ("d", "day", "days"):
        return f"P{value:g}D"
    return ""


@dataclass
class NCAResult:
    """Result of :func:`kinetor.nca.nca`.

    Attributes
    ----------
    parameters : DataFrame
        Long table: ``subject, <groups>, analyte, matrix, start, end, PPTESTCD, value,
        unit, exclude``. ``exclude`` is empty for a usable value; otherwise it says why the
        value is NaN or which acceptance rule it fails (the value is kept).
    profiles : DataFrame
        One row per analysed profile: keys, interval kind, route, dose, infusion duration.
    options : Options
    provenance : dict
        Options, kinetor version, ``study.input_hash()``, intervals and manual lambda_z
        selections.
    urine : DataFrame or None
        Urine collection intervals (midpoint, Ae, excretion rate) when the study has any.
    """

    parameters: pd.DataFrame
    profiles: pd.DataFrame
    options: Options
    provenance: dict
    groups: list[str] = field(default_factory=list)
    units: dict = field(default_factory=dict)
    urine: pd.DataFrame | None = None
    _lz: tuple | None = field(default=None, repr=False)

    @property
    def lambda_z_points(self) -> pd.DataFrame:
        """Every observation with ``used`` saying whether it entered the lambda_z fit
        (``time`` on the study's scale, ``time_after_dose`` from the interval origin)."""
        if self._lz is None:
            return pd.DataFrame(columns=["subject", "time", "conc", "used"])
        from kinetor.nca.api import lambda_z_points

        return lambda_z_points(*self._lz)

    @property
    def keys(self) -> list[str]:
        return ["subject", *self.groups, "analyte", "matrix", "start", "end"]

    def to_wide(self, exclude: bool = False) -> pd.DataFrame:
        """One row per profile and interval, one column per ``PPTESTCD``.

        With ``exclude=True`` values with an exclusion reason are blanked.
        """
        df = self.parameters
        if exclude:
            df = df.assign(value=df["value"].where(df["exclude"] == ""))
        n = len(df)
        pid = _profile_ids([df[c] for c in self.keys if c in df.columns], n)
        P = int(pid.max()) + 1 if n else 0
        first = np.full(P, -1, np.int64)
        first[pid[::-1]] = np.arange(n)[::-1]
        code = df["PPTESTCD"]
        if not isinstance(code.dtype, pd.CategoricalDtype):
            code = code.astype(str).astype("category")
        ccodes = code.cat.codes.to_numpy(np.int64)
        seen = pd.unique(ccodes)                       # codes in order of first appearance
        col_of = np.full(len(code.cat.categories), -1, np.int64)
        col_of[seen] = np.arange(len(seen))
        mat = np.full((P, len(seen)), np.nan)
        mat[pid, col_of[ccodes]] = df["value"].to_numpy(float)
        # the key columns of each profile's first row (conversion on P rows, not n)
        wide = pd.DataFrame({c: (df[c].iloc[first].astype(object).to_numpy()
                                 if isinstance(df[c].dtype, pd.CategoricalDtype)
                                 else df[c].iloc[first].to_numpy())
                             for c in self.keys if c in df.columns})
        names = [str(code.cat.categories[c]) for c in seen]
        wide = pd.concat([wide, pd.DataFrame(mat, columns=names)], axis=1)
        for name, values in _profile_flags(df, pid, P).items():
            wide[name] = values
        # study-report order: groups and subjects in natural order (1, 2, 10)
        sort_cols = [*self.groups, "subject"]
        keys_rank = [natural_rank(wide[c].to_numpy(object)) for c in sort_cols
                     if c in wide.columns]
        order = np.lexsort((wide["start"].to_numpy(float), *reversed(keys_rank)))
        return wide.iloc[order].reset_index(drop=True)

    def to_cdisc(self, studyid: str = "") -> pd.DataFrame:
        """The SDTM/SEND PP domain (one record per subject, interval and parameter)."""
        df = self.parameters.reset_index(drop=True)
        tunit = self.units.get("time", "")
        value = df["value"].to_numpy(float)
        done = np.isfinite(value)
        text = np.array([format(v, ".8g") if ok else "" for v, ok in zip(value, done,
                                                                        strict=True)])
        pp = pd.DataFrame({
            "STUDYID": studyid,
            "DOMAIN": "PP",
            "USUBJID": df["subject"].astype(str).to_numpy(),
            "PPSEQ": df.groupby("subject", sort=False).cumcount().to_numpy() + 1,
            "PPGRPID": (df["analyte"].astype(str) + "_" + df["start"].map("{:g}".format) + "_"
                        + df["end"].map("{:g}".format)).to_numpy(),
            "PPTESTCD": df["PPTESTCD"].to_numpy(),
            "PPTEST": df["PPTESTCD"].map(_LABEL).to_numpy(),
            "PPCAT": df["analyte"].astype(str).to_numpy(),
            "PPSCAT": "NON-COMPARTMENTAL",
            "PPORRES": text,
            "PPORRESU": df["unit"].to_numpy(),
            "PPSTRESC": text,
            "PPSTRESN": np.where(done, value, np.nan),
            "PPSTRESU": df["unit"].to_numpy(),
            "PPSTAT": np.where(done, "", "NOT DONE"),
            "PPREASND": np.where(done, "", df["exclude"].to_numpy()),
            "PPSPEC": df["matrix"].astype(str).str.upper().to_numpy(),
            "PPSTINT": [_iso_duration(v, tunit) for v in df["start"].to_numpy(float)],
            "PPENINT": [_iso_duration(v, tunit) for v in df["end"].to_numpy(float)],
        })
        return pp

    def summary(self, by: list[str] | None = None, exclude_flagged: bool = False,
                max_missing: float = 0.5) -> pd.DataFrame:
        """Descriptive statistics per group, analyte, interval and parameter.

        Columns: ``n`` (values used), ``n_missing``, ``mean, sd, cv_pct, geomean,
        geocv_pct, median, min, max``, ``statistic`` (PKNCA's default statistic for the
        parameter) and ``display`` (that statistic to 3 significant figures, ``NC`` when
        more than ``max_missing`` of the values are missing), ``n_flagged`` (values that
        fail an acceptance rule). Flagged values are kept in the statistics unless
        ``exclude_flagged`` (CLI ``--exclude-flagged``); NaN values are never counted.

        .. math:: \\mathrm{geoCV\\%} = 100 \\sqrt{e^{s_{\\ln}^2} - 1}
        """
        df = self.parameters
        by = list(by) if by is not None else [*self.groups, "analyte", "matrix", "start",
                                              "end"]
        v = df["value"].to_numpy(float).copy()
        flagged = (df["flag"].to_numpy(object) != "") if "flag" in df.columns else \
            np.zeros(len(df), bool)
        if exclude_flagged:
            v[flagged] = np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            logv = np.where(v > 0, np.log(v), np.nan)
        work = df[[*by, "PPTESTCD", "unit"]].assign(v=v, logv=logv, flagged=flagged,
                                                   nonpos=np.nan_to_num(v, nan=1.0) <= 0)
        g = work.groupby([*by, "PPTESTCD", "unit"], sort=False, dropna=False, observed=True)
        out = g.agg(n=("v", "count"), n_total=("v", "size"), mean=("v", "mean"),
                    sd=("v", "std"), median=("v", "median"), min=("v", "min"),
                    max=("v", "max"), lmean=("logv", "mean"), lsd=("logv", "std"),
                    nonpos=("nonpos", "sum"), n_flagged=("flagged", "sum")).reset_index()
        out["n_missing"] = out["n_total"] - out["n"]
        out["cv_pct"] = 100.0 * out["sd"] / out["mean"]
        ok_geo = out["nonpos"] == 0
        out["geomean"] = np.where(ok_geo, np.exp(out["lmean"]), np.nan)
        out["geocv_pct"] = np.where(ok_geo, 100.0 * np.sqrt(np.expm1(out["lsd"] ** 2)), np.nan)
        kind = out["PPTESTCD"].map(_STAT).fillna("arithmetic")
        out["statistic"] = kind.map(_STAT_NAME)
        enough = out["n"] >= (1.0 - max_missing) * out["n_total"]
        disp = []
        for k, r, ok in zip(kind, out.itertuples(), enough, strict=True):
            if not ok or r.n == 0:
                disp.append("NC")
            elif k == "geometric":
                disp.append(f"{_sig3(r.geomean)} [{_sig3(r.geocv_pct)}]")
            elif k == "median":
                f = _recorded if r.PPTESTCD in _TIME_CODES else _sig3
                disp.append(f"{f(r.median)} [{f(r.min)}, {f(r.max)}]")
            else:
                disp.append(f"{_sig3(r.mean)} [{_sig3(r.sd)}]")
        out["display"] = disp
        grp = [c for c in by if c in self.groups]
        if grp:
            ranks = [natural_rank(out[c].to_numpy(object)) for c in grp]
            out = out.iloc[np.lexsort(tuple(reversed(ranks)))].reset_index(drop=True)
        cols = [*by, "PPTESTCD", "unit", "n", "n_missing", "n_flagged", "mean", "sd", "cv_pct", "geomean",
                "geocv_pct", "median", "min", "max", "statistic", "display"]
        return out[cols]

    def summary_grid(self, codes: list[str] | None = None, exclude_flagged: bool = False
                     ) -> pd.DataFrame:
        """The summary as a study-report grid: one row per parameter (with its unit) and
        statistic (N, Mean, SD, CV%, Geometric mean, Geometric CV%, Median, Min, Max), one
        column per group (natural order), per analyte, matrix and interval.

        Examples
        --------
        >>> import pandas as pd
        >>> from kinetor.data import Study
        >>> from kinetor.nca import nca
        >>> conc = pd.DataFrame({"subject": ["a"] * 4 + ["b"] * 4, "time": [0.0, 1, 2, 4] * 2,
        ...                      "conc": [0.0, 4, 2, 1, 0.0, 8, 4, 2]})
        >>> doses = pd.DataFrame({"subject": ["a", "b"], "time": 0.0, "dose": 1.0,
        ...                       "route": "PO"})
        >>> res = nca(Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"}))
        >>> g = res.summary_grid(["CMAX"])
        >>> # Cmax 4 and 8: SD = 4/sqrt(2); gCV = 100 sqrt(exp((ln 2)^2/2) - 1) = 52.109
        >>> g.iloc[:, -1].round(3).tolist()
        [2.0, 6.0, 2.828, 47.14, 5.657, 52.109, 6.0, 4.0, 8.0]
        """
        s = self.summary(exclude_flagged=exclude_flagged)
        if codes is not None:
            s = s[s["PPTESTCD"].isin(codes)]
        stats = {"n": "N", "mean": "Mean", "sd": "SD", "cv_pct": "CV%",
                 "geomean": "Geometric mean", "geocv_pct": "Geometric CV%",
                 "median": "Median", "min": "Min", "max": "Max"}
        grp = [g for g in self.groups if g in s.columns]
        s = s.assign(_group=s[grp].astype(str).agg(" ".join, axis=1) if grp else "all")
        rows = ["analyte", "matrix", "start", "end", "PPTESTCD", "unit"]
        long = s.melt(id_vars=[*rows, "_group"], value_vars=list(stats),
                      var_name="statistic", value_name="v")
        long["statistic"] = long["statistic"].map(stats)
        grid = long.pivot_table(index=[*rows, "statistic"], columns="_group", values="v",
                                sort=False, dropna=False, observed=True)
        grid = grid.reset_index()
        grid.columns.name = None
        groups = [c for c in grid.columns if c not in (*rows, "statistic")]
        groups = sorted(groups, key=_natural_key)
        return grid[[*rows, "statistic", *groups]]

    def tables(self, exclude_flagged: bool = False) -> dict[str, pd.DataFrame]:
        """Every output table by name (the CSVs and the Excel sheets): ``parameters``,
        ``wide``, ``summary``, ``summary_grid``, ``cdisc_pp``, ``notes`` and, where
        present, ``urine``."""
        out = {"parameters": self.parameters, "wide": self.to_wide(),
               "summary": self.summary(exclude_flagged=exclude_flagged),
               "summary_grid": self.summary_grid(exclude_flagged=exclude_flagged),
               "cdisc_pp": self.to_cdisc(),
               "notes": pd.DataFrame({"note": list(self.provenance.get("notes", []))})}
        if self.urine is not None and len(self.urine):
            out["urine"] = self.urine
        return out

    def to_excel(self, path, exclude_flagged: bool = False):
        """Write one workbook with one sheet per table (see :meth:`tables`); returns the
        path. Categorical columns are written as text."""
        from pathlib import Path

        path = Path(path)
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, df in self.tables(exclude_flagged).items():
                df = df.astype({c: object for c in df.columns
                                if isinstance(df[c].dtype, pd.CategoricalDtype)})
                df.to_excel(writer, sheet_name=name[:31], index=False)
                _no_formulas(writer.sheets[name[:31]])
        return path

    def _repr_html_(self) -> str:
        """Notebook view: counts, options and the main parameters per profile."""
        import html

        w = self.to_wide()
        main = [c for c in ("CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL", "CLFO", "CLO",
                            "AUCTAU", "flag") if c in w.columns]
        keys = [c for c in self.keys if c in w.columns]
        head = w[[*keys, *main]].head(20)
        more = f"<p>... {len(w) - 20} more profiles</p>" if len(w) > 20 else ""
        o = self.options
        return (f"<div><b>NCAResult</b>: {len(self.profiles)} profiles, "
                f"{len(self.parameters)} parameter values; AUC method "
                f"{html.escape(str(o.auc_method))}, BLQ rule {html.escape(str(o.blq_rule))}"
                f"{head.to_html(index=False, na_rep='', float_format=lambda v: f'{v:.4g}')}"
                f"{more}</div>")

    def plot(self, subject=None, analyte: str | None = None):
        """Concentration-time profiles (semi-log) with the lambda_z points and fitted line.

        Parameters
        ----------
        subject : str or list, optional
            Subjects to draw (default: up to 12 in natural order).
        analyte : str, optional

        Returns
        -------
        matplotlib.figure.Figure
            One panel per profile: observed concentrations, the points used for lambda_z
            (filled orange) and the line CLSTP exp(-LAMZ (t - TLST)).
        """
        from matplotlib.figure import Figure

        pts = self.lambda_z_points
        if analyte is not None:
            pts = pts[pts["analyte"].astype(str) == str(analyte)]
        subs = pts["subject"].astype(str).unique()
        subs = subs[np.argsort(natural_rank(subs), kind="stable")]
        if subject is not None:
            want = [str(s) for s in (subject if isinstance(subject, list | tuple)
                                     else [subject])]
            subs = [s for s in subs if s in want]
        else:
            subs = list(subs[:12])
        w = self.to_wide()
        prof = pts.assign(subject=pts["subject"].astype(str)).groupby(
            ["subject", "start", "end"], sort=False)
        keys = [k for k in prof.groups if k[0] in subs]
        n = max(1, len(keys))
        cols = min(3, n)
        rows = -(-n // cols)
        fig = Figure(figsize=(4.2 * cols, 3.4 * rows), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        tunit, cunit = self.units.get("time", ""), self.units.get("conc", "")
        for ax, key in zip(axes, keys, strict=False):
            d = prof.get_group(key)
            d = d[d["conc"] > 0]
            ax.plot(d["time_after_dose"], d["conc"], marker="o", color="C0", label="observed")
            used = d[d["used"].astype(bool)]
            ax.plot(used["time_after_dose"], used["conc"], linestyle="none", marker="o",
                    color="C1", label="lambda_z points")
            row = w[(w["subject"].astype(str) == key[0]) & (w["start"] == key[1])]
            if len(row) and {"LAMZ", "CLSTP", "TLST"} <= set(row.columns):
                r = row.iloc[0]
                if np.isfinite(r.LAMZ) and len(used):
                    t = np.linspace(float(used["time_after_dose"].min()), float(r.TLST), 20)
                    ax.plot(t, r.CLSTP * np.exp(-r.LAMZ * (t - r.TLST)), color="C3",
                            label=f"t1/2 = {np.log(2) / r.LAMZ:.3g} {tunit}")
            ax.set_yscale("log")
            ax.set_title(f"Subject {key[0]}" + (f" ({key[1]:g}-{key[2]:g} {tunit})"
                                                if np.isfinite(key[2]) else ""))
            ax.set_xlabel(f"Time after dose ({tunit})")
            ax.set_ylabel(f"Concentration ({cunit})")
            ax.legend(fontsize=7)
        for ax in axes[len(keys):]:
            ax.set_visible(False)
        return fig

    def __repr__(self) -> str:
        n = self.profiles.shape[0]
        return (f"NCAResult(profiles={n}, parameters={len(self.parameters)}, "
                f"auc_method={self.options.auc_method!r})")


def _no_formulas(sheet) -> None:
    """Store every text cell as a string: openpyxl writes text starting with '=' as a
    formula, so a subject id such as '=HYPERLINK(...)' would run in Excel."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
