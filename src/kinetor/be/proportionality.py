r"""Dose proportionality: the power model with the Smith et al. (2000) criterion.

.. math:: \log Y = a + b \log(\mathrm{dose}) + \varepsilon

is fitted by least squares when every subject contributes one value (independent
observations), and with a random intercept per subject by REML (:mod:`kinetor.be._mixed`;
between-within df) when the subject column (``subject``, ``USUBJID``, ``SUBJID``, ``ID``,
``subject_id``, ``animal`` or ``animal_id`` in any case, or the one named by
``subject=``) holds several values of one subject (a crossover of doses, as in Smith et
al.). The :math:`100(1-2\alpha)\%` CI of :math:`b` is compared with the acceptance interval of
Smith et al. (2000, Pharm Res 17:1278, doi:10.1023/A:1026451721686) for a dose ratio
:math:`r = d_{max}/d_{min}` and limits :math:`(\theta_L, \theta_H)` = (0.80, 1.25):

.. math:: 1 + \frac{\log\theta_L}{\log r} \le b \le 1 + \frac{\log\theta_H}{\log r}

equivalently, the ratio of dose-normalised geometric means at the highest and lowest dose,
:math:`r^{b-1}` (with CI :math:`r^{CI-1}`), must lie within :math:`(\theta_L, \theta_H)`.
A one-way ANOVA of :math:`\log(Y/\mathrm{dose})` across dose levels is reported beside it
(any group size; NaN when no level has two values).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"dose": [1, 1, 3, 3, 10, 10], "AUC": [10, 11, 29, 32, 101, 98]})
>>> res = dose_proportionality(d, metrics=["AUC"])
>>> [round(float(res.table.loc[0, c]), 4) for c in ("accept_low", "accept_high")]
[0.9031, 1.0969]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from kinetor.be._mixed import GAMMA_MAX, random_intercept_line
from kinetor.be._table import (
    blank_cells,
    check_level,
    default_metrics,
    exact_note,
    fitted_exactly,
    left_out_columns,
    numeric_column,
    read_table,
    subject_column,
)
from kinetor.errors import DataError, Problem

__all__ = ["DoseProportionalityResult", "dose_proportionality"]

_EXACT = "intercept, slope, CI, ratio_dn, ANOVA"


@dataclass
class DoseProportionalityResult:
    """``table``: per metric ``metric, n, dose_ratio, intercept, slope, slope_se, df,
    slope_ci_low, slope_ci_high, accept_low, accept_high, ratio_dn, ratio_dn_ci_low,
    ratio_dn_ci_high, proportional, anova_f, anova_p, model`` (``model``: ``"OLS"`` or
    ``"random subject intercept (REML)"``, or ``"none (no variation)"`` for a metric that
    log dose (and subject) fit exactly: its results and verdict NaN, the reason in
    ``notes``); ``data`` the values used; ``notes`` the rows left out."""

    table: pd.DataFrame
    data: pd.DataFrame
    alpha: float
    notes: list[str] = field(default_factory=list)


def dose_proportionality(
    data,
    metrics=None,
    *,
    dose: str = "dose",
    subject: str | None = None,
    alpha: float = 0.05,
    limits=(0.80, 1.25),
) -> DoseProportionalityResult:
    """Power-model test of dose proportionality for each metric.

    Parameters
    ----------
    data : DataFrame or path
        One row per subject and dose: a ``dose`` column, one column per metric and, where
        a subject received several doses, a ``subject`` column. A row with an empty (or
        ``.``) dose or metric cell is left out of that metric (``n`` counts the rows used,
        ``notes`` the rows left out); text in these columns (``NA`` and ``NaN`` included)
        is a ``DataError``.
    metrics : str or list of str, optional
        One metric (a string) or several. Default: every other column holding numbers
        except the design and covariate columns (``subject``, ``period``, ``sequence``,
        ``treatment``, ``weight``, ``age``...: :data:`kinetor.be._table.DESIGN_COLUMNS` and
        ``COVARIATE_COLUMNS``, the list ``be`` uses), subject ids (``USUBJID``, ``SUBJID``,
        ``ID``, ``animal``...: ``SUBJECT_NAMES``) and names starting with ``log``; ``notes`` names those left out. The dose or subject column named as a
        metric is a ``DataError``.
    subject : str, optional
        Name of the subject column (matched in any case; a name that matches no column is a
        ``DataError`` listing the columns). Default: the column named ``subject``,
        ``USUBJID``, ``SUBJID``, ``ID``, ``subject_id``, ``animal`` or ``animal_id`` (any
        case, spaces and underscores aside; ``notes`` says which when it is not
        ``subject``); several of them that group the rows differently are a ``DataError``. With several values of one subject the power model has a random
        intercept per subject (REML).
    alpha : float
        In (0, 0.5); 0.05 gives the 90 % CI of the slope.
    limits : (float, float)
        :math:`(\\theta_L, \\theta_H)`, :math:`\\theta_L < 1 < \\theta_H`.

    Raises
    ------
    DataError
        An empty file or one without data rows, no dose or metric column, a metric naming
        the dose or subject column, a named subject column that is absent, text or an
        infinite number in them, an empty subject cell, fewer than two dose levels,
        non-positive doses or values.
    ModelError
        ``alpha`` outside (0, 0.5), ``limits`` not (lower < 1 < upper).
    """
    limits = check_level(alpha, limits)
    source = "<DataFrame>" if isinstance(data, pd.DataFrame) else str(data)
    df, file_rows = read_table(data, source)
    if dose not in df.columns:
        raise DataError(
            Problem(
                f"no dose column {dose!r}",
                file=source,
                column=dose,
                fix="name the dose column with --dose NAME (dose= in Python); "
                f"columns present: {list(df.columns)}",
            )
        )
    notes = list(df.attrs.get("notes", []))  # how the file was read
    subject = subject_column(df, subject, source, notes)
    if subject is not None and str(subject) != "subject":
        notes.append(
            f"column {subject!r} read as the subject column (several values of one subject: "
            "random subject intercept); name another with --subject (subject= in Python)"
        )
    df[dose] = numeric_column(df, dose, source, file_rows)
    if isinstance(metrics, str):
        metrics = [metrics]  # one metric, not its letters
    if metrics is None:
        metrics = default_metrics(df, (dose, subject))
        left_out = left_out_columns(df, (dose, subject))
        if left_out:
            notes.append(
                f"column(s) {', '.join(map(str, left_out))} left out of the metrics (design "
                "or covariate columns, or names starting with 'log'): name one with "
                "--metric (metrics= in Python) to analyse it"
            )
    unknown = [m for m in metrics if m not in df.columns]
    if unknown or not metrics:
        raise DataError(
            Problem(
                f"no metric column {unknown[0]!r}" if unknown else "no metric column",
                file=source,
                column=unknown[0] if unknown else None,
                fix="name a column of numbers with --metric (metrics= in Python); columns "
                f"present: {[c for c in df.columns if c != dose]}",
            )
        )
    for m in metrics:
        if m in (dose, subject):
            role = "dose" if m == dose else "subject"
            raise DataError(
                Problem(
                    f"metric {m!r} is the {role} column",
                    file=source,
                    column=str(m),
                    fix=f"name a metric column other than the {role} column with --metric "
                    f"(metrics= in Python), or name the {role} column with --{role} "
                    f"({role}= in Python)",
                )
            )
        df[m] = numeric_column(df, m, source, file_rows)
    if subject is not None:
        blank_cells(df, [subject], source, file_rows)
    rows, used = [], []
    for m in metrics:
        d = df[[dose, m]].dropna()
        if len(d) < len(df):
            notes.append(f"{m}: {len(df) - len(d)} row(s) without a dose or value left out")
        bad = [
            Problem(
                f"{col} = {v:g} must be > 0 (log scale)",
                file=source,
                row=int(file_rows[i]),
                column=col,
                fix="correct or remove the row",
            )
            for col in (dose, m)
            for i, v in d[col][d[col] <= 0].items()
        ]
        if bad:
            raise DataError(bad)
        levels = np.unique(d[dose])
        if levels.size < 2:
            raise DataError(
                Problem(
                    f"{m}: {levels.size} dose level(s) with a value",
                    file=source,
                    column=dose,
                    fix="dose proportionality needs at least two doses",
                )
            )
        x, y = np.log(d[dose].to_numpy(float)), np.log(d[m].to_numpy(float))
        n = x.size
        if n < 3:
            raise DataError(
                Problem(
                    f"{m}: {n} rows with a value leave no degree of freedom for the slope's CI",
                    file=source,
                    column=m,
                    fix="give at least 3 values over at least two doses",
                )
            )
        # without a subject column every row is a subject of its own
        ids = df.loc[d.index, subject] if subject is not None else pd.Series(d.index, d.index)
        repeated = bool(ids.astype(str).duplicated().any())
        by = (
            pd.get_dummies(ids.astype(str), dtype=float).to_numpy().T
            if repeated
            else [np.ones_like(x)]
        )
        if exact := fitted_exactly(y, np.column_stack([*by, x])):  # no variance left
            notes.append(exact_note(m, ["subject"] * repeated + ["log dose"], _EXACT))
            a = b = se = np.nan
            dfree, model = n - 2, "none (no variation)"
        elif repeated:
            # several values of one subject: its values are not independent
            fit = random_intercept_line(x, y, ids.to_numpy())
            a, b, se, dfree = fit.intercept, fit.slope, fit.slope_se, fit.df
            model = "random subject intercept (REML)"
            if fit.var_subject >= 0.99 * GAMMA_MAX * fit.var_resid > 0:
                notes.append(_bound_note(m, fit, x, y, by))
        else:
            xm = x.mean()
            sxx = ((x - xm) ** 2).sum()
            b = ((x - xm) * (y - y.mean())).sum() / sxx
            a = y.mean() - b * xm
            dfree = n - 2
            se = np.sqrt(((y - a - b * x) ** 2).sum() / dfree / sxx)
            model = "OLS"
        if dfree < 1:
            raise DataError(
                Problem(
                    f"{m}: {n} values of {ids.nunique()} subjects leave no degree of freedom "
                    "for the slope's CI",
                    file=source,
                    column=subject,
                    fix="give more subjects or more doses per subject",
                )
            )
        t = stats.t.ppf(1 - alpha, dfree)
        lo, hi = b - t * se, b + t * se
        r = levels.max() / levels.min()
        acc_lo, acc_hi = 1 + np.log(limits[0]) / np.log(r), 1 + np.log(limits[1]) / np.log(r)
        groups = [np.log(d[m][d[dose] == lv] / lv).to_numpy() for lv in levels]
        # the F test needs a within-level df (some level with two values), not two in each
        f, p = stats.f_oneway(*groups) if n > levels.size and not exact else (np.nan, np.nan)
        rows.append(
            {
                "metric": m,
                "n": n,
                "dose_ratio": r,
                "intercept": a,
                "slope": b,
                "slope_se": se,
                "df": dfree,
                "slope_ci_low": lo,
                "slope_ci_high": hi,
                "accept_low": acc_lo,
                "accept_high": acc_hi,
                "ratio_dn": r ** (b - 1),
                "ratio_dn_ci_low": r ** (lo - 1),
                "ratio_dn_ci_high": r ** (hi - 1),
                "proportional": np.nan if exact else bool(lo >= acc_lo and hi <= acc_hi),
                "anova_f": float(f),
                "anova_p": float(p),
                "model": model,
            }
        )
        used.append(d.rename(columns={m: "value"}).assign(metric=m))
    return DoseProportionalityResult(
        pd.DataFrame(rows), pd.concat(used, ignore_index=True), alpha, notes
    )


def _bound_note(m: str, fit, x: np.ndarray, y: np.ndarray, by) -> str:
    """The note for a REML fit at the bound of its variance ratio, with the SE of the
    within-subject (fixed subject effects) slope that the REML SE then exceeds."""
    X = np.column_stack([*by, x])
    beta, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
    dfw = y.size - rank
    s2 = float(((y - X @ beta) ** 2).sum() / dfw) if dfw > 0 else np.nan
    se_w = float(np.sqrt(s2 * np.linalg.pinv(X.T @ X)[-1, -1]))
    wide = (
        f" ({fit.slope_se / se_w:.3g} times the within-subject slope SE {se_w:.3g})"
        if se_w > 0
        else ""
    )
    return (
        f"{m}: the REML ratio of subject to residual variance reached the bound of its "
        f"search ({GAMMA_MAX:.0e}; subject variance {fit.var_subject:.3g}, residual "
        f"{fit.var_resid:.3g}): the fit is at its edge (the optimum may lie beyond); the "
        "slope is in effect the within-subject one, and its SE and CI are then "
        f"conservative (too wide){wide}. Values this close to subject + log dose often "
        "come from a derived column: check it"
    )
