"""Calibration standards: fit, reject the most deviant failure, fit again (ICH M10 3.3).

The loop goes on while a fit can be made, including after a fit that cannot be used (a
quadratic that turns inside the range, a curve that does not rise): the most deviant
failing standard of that fit goes, and the curve is fitted again. It stops when

* every standard still in the fit passes on a usable curve;
* one more rejection would leave fewer than ``p + 1`` standards (``p`` coefficients: no
  residual degree of freedom); or
* rejecting one more standard would leave fewer than ``min_standard_fraction`` (75 %) of
  all standards able to pass, so the run fails whatever the refit gives.

When the loop ends on an unusable fit, the biases shown are those of the last usable fit
(NaN if there was none), no standard passes and each standard's ``reason`` says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.bioanalysis._limits import _EPS, Criteria, _at_level, accuracy_pct, passes
from kinetor.bioanalysis.calibration import Calibration, fit_calibration

__all__ = ["calibrate_with_rejection"]

_REFITTED = "outside limits: rejected and curve refitted"
_EARLIER = "rejected on an earlier fit (within limits on the final curve: not reinstated)"


def calibrate_with_rejection(
    nominal,
    response,
    model: str = "linear",
    weighting: str = "1/x^2",
    criteria: Criteria | None = None,
    exclude=None,
) -> tuple[Calibration, pd.DataFrame]:
    """Fit the curve, rejecting failing standards one at a time (most deviant first).

    Parameters
    ----------
    nominal, response : array_like
        Nominal concentration and area ratio of each non-zero standard.
    model, weighting : str
        See ``fit_calibration``.
    criteria : Criteria, optional
    exclude : array_like of str, optional
        The user's reason to leave a standard out (empty: none): never fitted, not
        passing, the reason first in ``reason``.

    Returns
    -------
    (Calibration, DataFrame)
        The final curve and one row per standard (input order): ``back_calc``,
        ``accuracy_pct``, ``bias_pct``, ``tolerance_pct``, ``pass``, ``used_in_fit``,
        ``reason``. The LLOQ tolerance applies to the lowest nominal level of the run.
        The table's ``attrs["stopped"]`` says why the loop stopped early ("" if not).

    Examples
    --------
    Six standards on ``y = 0.01 x`` and one far off: it is rejected, the others pass.

    >>> cal, tab = calibrate_with_rejection([1, 2, 5, 10, 20, 50, 100],
    ...     [0.01, 0.02, 0.05, 0.13, 0.2, 0.5, 1.0], weighting="1/x^2")
    >>> tab["used_in_fit"].tolist()
    [True, True, True, False, True, True, True]
    >>> round(float(tab["accuracy_pct"].iloc[3]), 6)   # 0.13 / 0.01 = 13 vs 10 nominal
    130.0
    """
    crit = criteria or Criteria()
    x = np.asarray(nominal, float)
    y = np.asarray(response, float)
    lloq_level = np.nanmin(x) if x.size else np.nan
    tol = np.where(_at_level(x, lloq_level), crit.lloq_tol, crit.standard_tol)
    user = np.full(x.size, "", object) if exclude is None else np.asarray(exclude, object)
    used = np.isfinite(y) & (user == "")
    p = 3 if model == "quadratic" else 2
    must_pass = crit.min_standard_fraction * x.size - _EPS
    why = np.full(x.size, "", object)  # the reason each standard was rejected
    good: tuple | None = None  # (back, acc, ok) of the last usable fit
    stopped = ""
    while True:
        cal = fit_calibration(x[used], y[used], model=model, weighting=weighting)
        back = cal.back_calculate(y)
        acc = accuracy_pct(back, x)
        ok = passes(acc, tol)
        if cal.ok:
            good = (back, acc, ok)
        failing = used & ~ok
        if not crit.refit or not failing.any():
            break
        left = int(used.sum()) - 1
        if left < p + 1:
            stopped = f"{left + 1} standards left: too few to reject one more and refit"
            break
        if left < must_pass:
            stopped = (
                f"rejecting one more would leave {left} of {x.size} standards: "
                f"{crit.min_standard_fraction:.0%} can no longer pass"
            )
            break
        # the standard furthest outside its own limit goes first
        excess = np.where(failing, np.abs(acc - 100.0) - tol, -np.inf)
        excess = np.where(np.isnan(excess), np.inf, excess)
        i = int(np.argmax(excess))
        why[i] = _REFITTED if cal.ok else f"outside limits on an unusable fit ({cal.reason}): "
        why[i] += "" if cal.ok else "rejected and curve refitted"
        used = used.copy()
        used[i] = False
    return cal, _table(cal, x, y, tol, used, user, why, good, (back, acc, ok), crit, stopped)


def _table(cal, x, y, tol, used, user, why, good, last, crit, stopped) -> pd.DataFrame:
    back, acc, ok = last if cal.ok or good is None else good
    if not crit.refit:
        final = ok & (user == "") & cal.ok
        reason = np.where(ok, "" if cal.ok else f"no usable curve: {cal.reason}", "outside limits")
    elif cal.ok:
        # once rejected, a standard stays rejected (it is not reinstated by a later fit)
        final = ok & used
        kept = np.where(ok, "", "outside limits; not rejected: " + stopped)
        reason = np.where(used, kept, np.where(ok, _EARLIER, why))
    else:
        final = np.zeros(x.size, bool)
        shown = (
            "no fit was usable: bias from this fit"
            if good is None
            else "bias from the last usable fit"
        )
        in_fit = f"still in the fit, but no usable curve: {cal.reason} ({shown})"
        reason = np.where(used, in_fit, why)
    reason = np.where(np.isfinite(y), np.where(user == "", reason, ""), "no response")
    reason = np.where((user == "") | (reason == ""), user + reason, user + "; " + reason)
    table = pd.DataFrame(
        {
            "back_calc": back,
            "accuracy_pct": acc,
            "bias_pct": acc - 100.0,
            "tolerance_pct": tol,
            "pass": final,
            "used_in_fit": used,
            "reason": reason,
        }
    )
    table.attrs["stopped"] = stopped
    return table
