r"""Average bioequivalence: crossover, replicate and parallel designs; EMA ABEL.

Crossover and replicate designs are analysed with the all-fixed-effects ANOVA of the EMA
guideline (CPMP/EWP/QWP/1401/98 Rev. 1) and its Q&A "Method A": :math:`\log Y` on
sequence, subject(sequence), period and treatment, solved as least squares with a direct
design matrix (sequence is absorbed by the subject effects). The point estimate and the
:math:`100(1-2\alpha)\%` CI of the test/reference geometric mean ratio are
:math:`\exp(\hat d \pm t_{1-\alpha,df}\,se)`; the two one-sided tests give
:math:`p_1 = 1 - F_t((\hat d - \log\theta_1)/se)` (computed as the survival function, so
p-values far below 1e-16 stay exact) and :math:`p_2 = F_t((\hat d - \log\theta_2)/se)`.
Parallel designs use :math:`\log Y` on treatment (pooled variance; ``welch=True``: the
Welch contrast with unequal variances).

The verdict reads the CI in percent rounded to two decimals, half away from zero (EMA
guideline CPMP/EWP/QWP/1401/98 Rev. 1, section 4.1.8: 79.995 % counts as 80.00 %; as
replicateBE's ``method.A``/``ABE``), unless ``round_ci=False``; the reported CI stays
unrounded. Plain ABE has no point-estimate rule (the point estimate lies inside the CI).

With ``abel=True`` (replicate designs, EMA Average Bioequivalence with Expanding Limits),
:math:`CV_{wR}` comes from the same ANOVA on the reference data only; above 30 % the limits
widen to :math:`\exp(\mp 0.760\, s_{wR})`, capped at :math:`CV_{wR}` = 50 % (69.84-143.19 %),
and the point estimate must also lie within 80.00-125.00 % whatever ``limits`` is (EMA
guideline section 4.1.10). With ``rsabe=True`` (the FDA's reference-scaled average
bioequivalence) or ``nti=True`` (its method for narrow therapeutic index drugs) the verdict
is that of :mod:`kinetor.be.rsabe`.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"subject": [1, 1, 2, 2, 3, 3, 4, 4],
...                   "period": [1, 2, 1, 2, 1, 2, 1, 2],
...                   "sequence": ["TR", "TR", "RT", "RT"] * 2,
...                   "treatment": ["T", "R", "R", "T", "T", "R", "R", "T"],
...                   "AUC": [100, 95, 90, 99, 120, 118, 80, 85]})
>>> d.loc[4:, "sequence"] = ["TR", "TR", "RT", "RT"]
>>> res = be(d, metrics=["AUC"])
>>> res.table[["metric", "design", "n_subjects"]].values.tolist()
[['AUC', 'crossover', 4]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from scipy import stats

from kinetor.be._design import check_parallel, check_sequences, check_unique_periods
from kinetor.be._estimable import check_estimable, design_matrix, parallel_note
from kinetor.be._estimates import design_kind, ols_contrast, welch_contrast
from kinetor.be._table import (
    DESIGN_COLUMNS,
    blank_cells,
    check_level,
    default_metrics,
    exact_note,
    fitted_exactly,
    incomplete_subjects,
    left_out_columns,
    numeric_column,
    read_table,
)
from kinetor.be.rsabe import fda_scaled
from kinetor.errors import DataError, ModelError, Problem

__all__ = ["BEResult", "be", "round_pct"]

_ROLES = DESIGN_COLUMNS
_ABEL_K = 0.760
_CV_SWITCH, _CV_CAP = 0.30, 0.50
_PE_RANGE_PCT = (80.0, 125.0)  # EMA: the ABEL point estimate within 80.00-125.00 %
_SCALED = ("s_wr", "rsabe_criterion", "rsabe_bound", "s_wt", "swt_swr_upper")


@dataclass
class BEResult:
    """Bioequivalence results, one row per metric in ``table``.

    Columns: ``metric, design, n_subjects, n_obs, ratio_pct, ci_low_pct, ci_high_pct,
    p_tost_lower, p_tost_upper, df, cv_w_pct, cv_wr_pct, lower_limit_pct, upper_limit_pct,
    method, bioequivalent, s_wr, rsabe_criterion, rsabe_bound, s_wt, swt_swr_upper``
    (``s_wr`` and the criterion with ``rsabe=True`` or ``nti=True``, the last two with
    ``nti=True`` only, NaN otherwise; an RSABE or NTI row has no TOST p-values, and its
    limits are the implied scaled limits under NTI, NaN under RSABE). ``round_ci``:
    whether the verdict read the CI (and, under ABEL, the point estimate) rounded to two
    decimals in percent (RSABE and NTI rows are judged unrounded). A metric the ANOVA fits
    exactly (no variance) has NaN results and verdict, ``method`` "none (no variation)".
    """

    table: pd.DataFrame
    alpha: float
    notes: list[str] = field(default_factory=list)
    round_ci: bool = True


def round_pct(x: float) -> float:
    """A percentage rounded to two decimals half away from zero, as a regulator reads it.

    The value is first read to 9 decimals (this drops floating-point noise of ~1e-12, so a
    bound computed as 79.99499999999999 reads 79.995), then rounded ``ROUND_HALF_UP``:

    >>> round_pct(79.995), round_pct(79.994), round_pct(125.005)
    (80.0, 79.99, 125.01)
    """
    if not np.isfinite(x):
        return float(x)
    return float(Decimal(f"{x:.9f}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _within(
    pct: tuple[float, float, float],
    limits_pct: tuple[float, float],
    pe_range: tuple[float, float] | None,
    rounded: bool,
) -> bool:
    """CI ``(low, pe, high)`` in percent within ``limits_pct`` and, if given, the point
    estimate within ``pe_range`` (limits read to 9 decimals, like the bounds)."""
    low, pe, high = (round_pct(v) for v in pct) if rounded else pct
    lo_lim, hi_lim = (round(v, 9) for v in limits_pct)
    ok = lo_lim <= low and high <= hi_lim
    if pe_range is not None:
        ok = ok and pe_range[0] <= pe <= pe_range[1]
    return bool(ok)


def _cv_wr(d: pd.DataFrame, reference: str) -> tuple[float, int]:
    r = d[d["treatment"] == reference]
    cols = [np.ones(len(r))]
    for term in ("subject", "period"):
        cols.extend(pd.get_dummies(r[term].astype(str), drop_first=True, dtype=float).to_numpy().T)
    X = np.column_stack(cols)
    y = np.log(r["value"].to_numpy(float))
    beta, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
    dfr = len(y) - rank
    if dfr <= 0:
        raise ModelError("ABEL needs replicated reference administrations")
    s2 = float(((y - X @ beta) ** 2).sum() / dfr)
    return float(np.sqrt(np.expm1(s2))), dfr


def be(
    data,
    metrics=None,
    *,
    design: str = "auto",
    abel: bool = False,
    rsabe: bool = False,
    nti: bool = False,
    alpha: float = 0.05,
    limits=(0.80, 1.25),
    test: str = "T",
    reference: str = "R",
    roles: dict[str, str] | None = None,
    round_ci: bool = True,
    welch: bool = False,
) -> BEResult:
    """Average bioequivalence of ``test`` vs ``reference`` for each metric.

    Parameters
    ----------
    data : DataFrame or path
        Long table, one row per subject and period: ``subject, period, sequence, treatment``
        (``period``/``sequence`` not needed for a parallel design) and one column per metric
        (``AUC``, ``CMAX``...). Lines starting with ``#`` in CSV files are comments.
    metrics : list of str, optional
        Default: every column holding numbers that is not a design column and does not
        start with ``log``. An empty cell (or ``.``) is a missing value (left out, counted
        in ``notes``); text in a metric column is a ``DataError``.
    design : {"auto", "crossover", "replicate", "parallel"}
    abel : bool
        EMA reference-scaled limits (replicate designs only).
    rsabe : bool
        FDA reference-scaled average bioequivalence (:mod:`kinetor.be.rsabe`; replicate
        designs with the reference given twice): above :math:`s_{WR}` 0.294 the verdict is
        the 95 % upper bound of the linearised criterion (<= 0) and the point estimate
        within 80-125 %; the ratio and CI are those of the intra-subject contrasts.
    nti : bool
        The FDA method for narrow therapeutic index drugs (:mod:`kinetor.be.rsabe`; test
        and reference each given twice): the scaled criterion with sigma_W0 0.10 (bound
        <= 0, whatever s_WR), the CI within 80-125 % and the upper 90 % limit of
        sigma_WT/sigma_WR at most 2.5; ``lower_limit_pct``/``upper_limit_pct`` are the
        implied scaled limits.
    alpha : float
        Level of each one-sided test, in (0, 0.5) (0.05: 90 % CI).
    limits : (float, float)
        Conventional acceptance limits (under ABEL those applied while CVwR <= 30 %; the
        point estimate must still lie within 80.00-125.00 %).
    roles : dict, optional
        Column names of the design roles, e.g. ``{"subject": "ID", "treatment": "TRT"}``.
    round_ci : bool
        Judge the CI in percent rounded to two decimals, half away from zero (EMA guideline
        section 4.1.8; default); False judges the unrounded CI. The reported CI is unrounded.
    welch : bool
        Parallel designs: unequal variances (Welch-Satterthwaite df; FDA 2001 guidance)
        instead of the pooled variance (:mod:`kinetor.be._estimates`).

    Raises
    ------
    DataError
        An empty file or one without data rows, missing columns, text in a metric column
        or non-positive values (row named), a subject with the same period twice, a
        treatment other than ``test``/``reference``, an empty design cell (subject,
        period, sequence, treatment), a repeated subject in a parallel design, a sequence
        label that disagrees with the treatments in period order
        (:mod:`kinetor.be._design`), a design that cannot estimate the treatment effect
        (one sequence, a treatment without rows: :mod:`kinetor.be._estimable`).
    ModelError
        ``alpha`` outside (0, 0.5), ``limits`` not (lower < 1 < upper), an unknown design,
        ABEL without a replicate design.
    """
    limits = check_level(alpha, limits)
    if not isinstance(round_ci, bool):
        raise ModelError(f"round_ci={round_ci!r}: give True (EMA rounding) or False")
    source = str(data) if not isinstance(data, pd.DataFrame) else "<DataFrame>"
    df, file_rows = read_table(data, source)
    notes = list(df.attrs.get("notes", []))  # how the file was read (encoding, delimiter)
    roles = {**{r: r for r in _ROLES}, **(roles or {})}
    df = df.rename(columns={v: k for k, v in roles.items() if v in df.columns})
    missing = [c for c in ("subject", "treatment") if c not in df.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"no '{c}' column",
                    file=source,
                    column=c,
                    fix=f"add a '{c}' column (in Python, roles={{'{c}': 'NAME'}} maps another)",
                )
                for c in missing
            ]
        )
    blank_cells(df, _ROLES, source, file_rows)
    df["treatment"] = df["treatment"].astype(str)
    bad_trt = sorted(set(df["treatment"]) - {test, reference})
    if bad_trt:
        raise DataError(
            Problem(
                f"treatments {bad_trt} are neither test {test!r} nor reference {reference!r}",
                file=source,
                column="treatment",
                fix=f"name the labels with --test and --reference (test=, reference= in "
                f"Python); labels in the file: {sorted(set(df['treatment']))}",
            )
        )
    check_unique_periods(df, source, file_rows)
    detected = design == "auto"
    design = design_kind(df) if detected else design
    if design not in ("crossover", "replicate", "parallel"):
        raise ModelError(f"design={design!r}: use auto, crossover, replicate or parallel")
    if welch and design != "parallel":
        raise ModelError(f"welch=True is for parallel designs; this is a {design} design")
    if design == "parallel":
        check_parallel(df, source, file_rows, detected)
        notes += parallel_note(df)
    else:
        for c in ("period", "sequence"):
            if c not in df.columns:
                raise DataError(
                    Problem(
                        f"a {design} design needs a '{c}' column",
                        file=source,
                        column=c,
                        fix=f"add '{c}'",
                    )
                )
        check_sequences(df, test, reference, source, file_rows)
    if abel and design != "replicate":
        raise ModelError("ABEL needs a replicate design (reference given at least twice)")
    if sum((abel, rsabe, nti)) > 1 or ((rsabe or nti) and design != "replicate"):
        raise ModelError(
            "RSABE and the NTI method need a replicate design (the reference given twice; "
            "test and reference twice for NTI) and exclude each other and ABEL: choose one "
            "of --abel (EMA), --rsabe or --nti (FDA)"
        )
    check_estimable(df, design, test, reference, source)
    if isinstance(metrics, str):
        metrics = [metrics]  # one metric, not its letters
    if metrics is None:
        metrics = default_metrics(df, _ROLES)
        if left_out := left_out_columns(df, _ROLES):
            notes.append(
                f"column(s) {', '.join(map(str, left_out))} left out of the metrics (design "
                "or covariate columns, or names starting with 'log'): name one with "
                "--metric (metrics= in Python) to analyse it"
            )
    if not metrics:
        raise DataError(
            Problem(
                "no metric column (a column of numbers such as AUC or CMAX)",
                file=source,
                fix="add one, or name it with --metric (metrics= in Python); "
                f"columns present: {list(df.columns)}",
            )
        )
    rows = []
    lnl, lnu = np.log(limits[0]), np.log(limits[1])
    for metric in metrics:
        if metric not in df.columns:
            raise DataError(
                Problem(
                    f"no metric column {metric!r}",
                    file=source,
                    column=metric,
                    fix=f"name one of {list(df.columns)} with --metric (metrics= in Python)",
                )
            )
        values = numeric_column(df, metric, source, file_rows)
        bad = values.notna() & (values <= 0)
        if bad.any():
            raise DataError(
                [
                    Problem(
                        f"{metric} = {v} must be > 0 (log scale)",
                        file=source,
                        row=int(file_rows[i]),
                        column=metric,
                        fix="correct or remove the value",
                    )
                    for i, v in values[bad].items()
                ]
            )
        d = df.assign(value=values)
        if d["value"].isna().any():
            notes.append(
                f"{metric}: {int(d['value'].isna().sum())} row(s) without a value left out"
            )
            d = d[d["value"].notna()]
            check_estimable(d, design, test, reference, source, metric)
        if design != "parallel":  # rows absent (an empty value is counted just above)
            periods = sorted(df["period"].unique(), key=str)
            notes += incomplete_subjects(df, metric, test, reference, periods)
        y = np.log(d["value"].to_numpy(float))
        terms = [] if design == "parallel" else ["subject", "period"]
        X, k = design_matrix(d, terms, test)
        diff, se, s2, dfree = ols_contrast(y, X, k)
        if welch:  # unequal variances (s2 stays the pooled one, for cv_w_pct)
            diff, se, dfree = welch_contrast(
                y, d["treatment"], test, reference, metric, source=source
            )
        t = stats.t.ppf(1 - alpha, dfree)
        lo_lim, hi_lim, method, cv_wr = lnl, lnu, "ABE (Welch)" if welch else "ABE", np.nan
        limits_pct = (100 * limits[0], 100 * limits[1])
        if exact := fitted_exactly(y, X):  # no variance: no CI, test or verdict
            notes.append(exact_note(metric, ["treatment", *terms], "ratio, CI, p-values, CV"))
            diff = se = s2 = np.nan
            method = "none (no variation)"
        elif abel:
            cv_wr, _ = _cv_wr(d, reference)
            method = "ABEL (EMA)" if cv_wr > _CV_SWITCH else "ABE (CVwR <= 30 %)"
            if cv_wr > _CV_SWITCH:
                swr = np.sqrt(np.log1p(min(cv_wr, _CV_CAP) ** 2))
                lo_lim, hi_lim = -_ABEL_K * swr, _ABEL_K * swr
                limits_pct = (100 * np.exp(lo_lim), 100 * np.exp(hi_lim))
        ci = (diff - t * se, diff + t * se)
        # survival function: 1 - cdf would read 0 for p-values below ~1e-16
        p1 = stats.t.sf((diff - lo_lim) / se, dfree)
        p2 = stats.t.cdf((diff - hi_lim) / se, dfree)
        pct = (100 * np.exp(ci[0]), 100 * np.exp(diff), 100 * np.exp(ci[1]))
        ok = _within(pct, limits_pct, _PE_RANGE_PCT if abel else None, round_ci)
        scaled = dict.fromkeys(_SCALED, np.nan)
        if (rsabe or nti) and not exact:
            fda = fda_scaled(d, test, reference, alpha, nti)
            scaled, cv_wr, method = fda.columns, fda.cv_wr, fda.method
            if fda.scaled:
                dfree, p1, p2, pct = fda.df, np.nan, np.nan, fda.pct
                limits_pct, ok = fda.limits_pct, fda.ok
        rows.append(
            {
                "metric": metric,
                "design": design,
                "n_subjects": int(d["subject"].nunique()),
                "n_obs": len(d),
                "ratio_pct": pct[1],
                "ci_low_pct": pct[0],
                "ci_high_pct": pct[2],
                "p_tost_lower": p1,
                "p_tost_upper": p2,
                "df": dfree,
                "cv_w_pct": 100 * np.sqrt(np.expm1(s2)),
                "cv_wr_pct": 100 * cv_wr,
                "lower_limit_pct": limits_pct[0],
                "upper_limit_pct": limits_pct[1],
                "method": method,
                "bioequivalent": np.nan if exact else ok,
                **scaled,
            }
        )
    return BEResult(pd.DataFrame(rows), alpha, notes, round_ci)
