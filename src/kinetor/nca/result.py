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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kinetor.nca._long import LongTable
from kinetor.nca._wide import profile_flags, profile_ids
from kinetor.nca.options import Options
from kinetor.numerics.formatting import natural_key as _natural_key

__all__ = ["NCAResult"]


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
    if (
        text and joined.isascii() and joined.isdigit() and all(text) and max(map(len, text)) <= 15
    ):  # plain integers (ASCII digits, < 10**15: exact as int64 and as float64)
        order = np.argsort(np.fromiter(map(int, text), np.int64, len(text)), kind="stable")
    else:
        order = np.array(
            sorted(range(len(uniq)), key=lambda i: _natural_key(uniq[i])), dtype=np.int64
        )
    rank = np.empty(len(uniq), np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[codes]


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

        With ``exclude=True`` values with an exclusion reason are blanked. Straight from
        the engine's arrays while the long table has not been built (or replaced), else
        a pivot of :attr:`parameters`: the same table either way.
        """
        lazy = self.__dict__.get("_parameters")
        if isinstance(lazy, LongTable):
            parts = lazy.wide(self.keys, exclude)
            if parts is not None:
                return self._wide_frame(*parts)
        df = self.parameters
        if exclude:
            df = df.assign(value=df["value"].where(df["exclude"] == ""))
        n = len(df)
        pid = profile_ids([df[c] for c in self.keys if c in df.columns], n)
        P = int(pid.max()) + 1 if n else 0
        first = np.full(P, -1, np.int64)
        first[pid[::-1]] = np.arange(n)[::-1]
        code = df["PPTESTCD"]
        if not isinstance(code.dtype, pd.CategoricalDtype):
            code = code.astype(str).astype("category")
        ccodes = code.cat.codes.to_numpy(np.int64)
        seen = pd.unique(ccodes)  # codes in order of first appearance
        col_of = np.full(len(code.cat.categories), -1, np.int64)
        col_of[seen] = np.arange(len(seen))
        mat = np.full((P, len(seen)), np.nan)
        mat[pid, col_of[ccodes]] = df["value"].to_numpy(float)
        # the key columns of each profile's first row (conversion on P rows, not n)
        key_cols = {
            c: (
                df[c].iloc[first].astype(object).to_numpy()
                if isinstance(df[c].dtype, pd.CategoricalDtype)
                else df[c].iloc[first].to_numpy()
            )
            for c in self.keys
            if c in df.columns
        }
        names = [str(code.cat.categories[c]) for c in seen]
        return self._wide_frame(key_cols, mat, names, profile_flags(df, pid, P))

    def _wide_frame(self, key_cols: dict, mat: np.ndarray, names: list, flags: dict):
        """The wide table from its parts, in study-report order."""
        wide = pd.concat([pd.DataFrame(key_cols), pd.DataFrame(mat, columns=names)], axis=1)
        for name, values in flags.items():
            wide[name] = values
        # study-report order: groups and subjects in natural order (1, 2, 10)
        sort_cols = [*self.groups, "subject"]
        keys_rank = [natural_rank(wide[c].to_numpy(object)) for c in sort_cols if c in wide.columns]
        order = np.lexsort((wide["start"].to_numpy(float), *reversed(keys_rank)))
        return wide.iloc[order].reset_index(drop=True)

    def to_cdisc(self, studyid: str = "") -> pd.DataFrame:
        """The SDTM/SEND PP domain (one record per subject, interval and parameter)."""
        from kinetor.nca._result_tables import to_cdisc

        return to_cdisc(self, studyid)

    def summary(
        self, by: list[str] | None = None, exclude_flagged: bool = False, max_missing: float = 0.5
    ) -> pd.DataFrame:
        """Descriptive statistics per group, analyte, interval and parameter
        (:func:`kinetor.nca.summary.summarise`; statistic, order and text from the
        registry).

        Columns: ``n`` (values used), ``n_missing``, ``n_flagged`` (values failing an
        acceptance rule), ``mean, sd, cv_pct, geomean, geocv_pct, median, min, max``,
        ``statistic`` (the parameter's default statistic, PKNCA's) and ``display`` (that
        statistic to 3 significant figures, ``NC`` when more than ``max_missing`` of the
        values are missing). Flagged values are kept in the statistics unless
        ``exclude_flagged`` (CLI ``--exclude-flagged``); NaN values are never counted.
        """
        from kinetor.nca.summary import summarise

        return summarise(self.parameters, by, self.groups, exclude_flagged, max_missing)

    def summary_grid(
        self, codes: list[str] | None = None, exclude_flagged: bool = False
    ) -> pd.DataFrame:
        """The summary as a study-report grid: one row per parameter (with its unit) and
        statistic (N, N flagged, Mean, SD, CV%, Geometric mean, Geometric CV%, Median, Min,
        Max), one
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
        [2.0, 0.0, 6.0, 2.828, 47.14, 5.657, 52.109, 6.0, 4.0, 8.0]
        """
        from kinetor.nca._result_tables import summary_grid

        return summary_grid(self, codes, exclude_flagged)

    def summary_table(
        self, codes: list[str] | None = None, exclude_flagged: bool = False
    ) -> pd.DataFrame:
        """The summary as a study-report table (two rows per parameter: ``n`` and its
        statistic; one column per group): :func:`kinetor.nca.summary.summary_table`."""
        from kinetor.nca.summary import summary_table

        return summary_table(self.summary(exclude_flagged=exclude_flagged), codes)

    def listing(self) -> pd.DataFrame:
        """Individual parameters for a report: :meth:`to_wide` with the unit in each
        header (``"CMAX (ng/mL)"``), parameters nobody has left out, analyte and
        interval columns only when there are several, and the acceptance-flag columns."""
        from kinetor.nca._result_tables import listing

        return listing(self)

    def to_report(self, report, exclude_flagged: bool = False) -> None:
        """Add this result's tables to a report (anything with ``add_table(df,
        caption)``, e.g. :class:`kinetor.report.Report`): the summary by group and the
        individual listing with its acceptance flags. Built from this object, never from
        files."""
        from kinetor.nca._result_tables import to_report

        return to_report(self, report, exclude_flagged)

    def tables(self, exclude_flagged: bool = False) -> dict[str, pd.DataFrame]:
        """Every output table by name (the CSVs and the Excel sheets): ``parameters``,
        ``wide``, ``summary``, ``summary_grid``, ``cdisc_pp``, ``notes`` and, where
        present, ``urine``."""
        out = {
            "parameters": self.parameters,
            "wide": self.to_wide(),
            "summary": self.summary(exclude_flagged=exclude_flagged),
            "summary_grid": self.summary_grid(exclude_flagged=exclude_flagged),
            "cdisc_pp": self.to_cdisc(),
            "notes": pd.DataFrame({"note": list(self.provenance.get("notes", []))}),
        }
        if self.urine is not None and len(self.urine):
            out["urine"] = self.urine
        return out

    def to_excel(self, path, exclude_flagged: bool = False):
        """Write one workbook with one sheet per table (see :meth:`tables`); returns the
        path. Categorical columns are written as text."""
        from kinetor.nca._result_tables import to_excel

        return to_excel(self, path, exclude_flagged)

    def _repr_html_(self) -> str:
        """Notebook view: counts, options and the main parameters per profile."""
        import html

        w = self.to_wide()
        main = [
            c
            for c in ("CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL", "CLFO", "CLO", "AUCTAU", "flag")
            if c in w.columns
        ]
        keys = [c for c in self.keys if c in w.columns]
        head = w[[*keys, *main]].head(20)
        more = f"<p>... {len(w) - 20} more profiles</p>" if len(w) > 20 else ""
        o = self.options
        return (
            f"<div><b>NCAResult</b>: {len(self.profiles)} profiles, "
            f"{len(self.parameters)} parameter values; AUC method "
            f"{html.escape(str(o.auc_method))}, BLQ rule {html.escape(str(o.blq_rule))}"
            f"{head.to_html(index=False, na_rep='', float_format=lambda v: f'{v:.4g}')}"
            f"{more}</div>"
        )

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
        from kinetor.nca._result_plot import plot_profiles

        return plot_profiles(self, subject, analyte)

    def __repr__(self) -> str:
        n = self.profiles.shape[0]
        return (
            f"NCAResult(profiles={n}, parameters={len(self.parameters)}, "
            f"auc_method={self.options.auc_method!r})"
        )


def _get_parameters(self) -> pd.DataFrame:
    table = self.__dict__["_parameters"]
    if isinstance(table, LongTable):  # built on first use, then kept
        table = self.__dict__["_parameters"] = table.frame()
    return table


def _set_parameters(self, value) -> None:
    self.__dict__["_parameters"] = value


# ``parameters`` stays a dataclass field (constructor, fields(), replace()) but is read
# through a property: ``nca`` passes a LongTable, built into the long DataFrame on first
# use, so ``to_wide`` alone never pays for the long table (setattr: mypy does not model
# a property laid over a dataclass field)
setattr(NCAResult, "parameters", property(_get_parameters, _set_parameters))  # noqa: B010
