"""The MuSyC fit from several starts, and whether equally good fits agree.

The ``synergy`` package fits the 12-parameter surface from one start (its monotherapy Hill
fits, alpha = gamma = 1, E3 = the response at the top dose pair) with a Levenberg-Marquardt
run on its analytic Jacobian. That run can stop at a local optimum or stay at its start (a
Hill slope of 78 fitted to a weak, noisy drug is a step that leaves alpha and gamma without
a gradient): on 40 7 x 7 Bliss-additive matrices (E1 0.2, E2 0.8, h 1.5, well SD 0.05, no
replicates) 5 of its fits ended with a sum of squares above that of the surface that
generated the data. Three more fits (finite-difference Levenberg-Marquardt, scipy's
``curve_fit``) start

1. where the package's fit ended (its Jacobian run can stop short);
2. at the null surface of the monotherapy Hill fits: alpha = gamma = 1, E0 the mean of
   the two fits' E0, E3 = E1 E2 / E0 (Bliss), Hill slopes clipped to [0.1, 10] and
   potencies to the tested dose range;
3. as 2, with E3 the median response at the top dose pair (the package's guess);

and the lowest sum of squares is kept (0 of 40 above the generating surface in the
matrices above; docs/assays.md). A matrix whose monotherapy Hill fits fail has no start:
the fit fails as the package's does.

Equally good fits that disagree (:func:`unsettled`) say that a parameter is not pinned
down by the data, whichever of them is reported.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize, stats

__all__ = ["EQUAL_FIT", "FACTOR", "SHIFT", "best_fit", "package_fit", "unsettled"]

NAMES = ("E0", "E1", "E2", "E3", "h1", "h2", "C1", "C2")
NAMES += ("alpha12", "alpha21", "gamma12", "gamma21")
_LOG = slice(4, 12)  # h, C, alpha and gamma are fitted on the log scale (as the package)
#: Two fits are equally good when n ln(SSE / SSE_best) is at most this: the 95 % bound of
#: a likelihood-ratio test on one degree of freedom (chi-square, 3.84).
EQUAL_FIT = float(stats.chi2.ppf(0.95, 1))
#: Equally good fits disagree on h, C, alpha or gamma that differ by more than this factor,
FACTOR = 2.0
#: or on an E (relative to the best fit's E0-E3 range) or beta differing by more than this.
SHIFT = 0.1
_FAILURES = (RuntimeError, ValueError, np.linalg.LinAlgError)


def _musyc():
    try:
        from synergy.combination import MuSyC
    except ImportError as exc:  # optional dependency
        from kinetor.errors import ModelError

        raise ModelError(
            "MuSyC needs the 'synergy' package: pip install 'kinetor[assays]'"
        ) from exc
    return MuSyC


def _package(d1, d2, e):
    """The ``synergy`` package's own fit: (model, "") or (model, why it failed)."""
    m = _musyc()()
    try:
        with np.errstate(all="ignore"):
            m.fit(d1, d2, e)
    except _FAILURES as exc:
        # the package's starting fits (1-D Hill per drug, scipy's curve_fit) or its
        # surface fit can give up ("Optimal parameters not found"): a failed fit
        return m, f"fit failed: {exc}".strip()
    return m, "" if m.is_converged else "fit did not converge"


def package_fit(d1, d2, e):
    """(parameters, model) of the package's fit, or (None, why it failed)."""
    m, why = _package(d1, d2, e)
    if why:
        return None, why
    return {k: float(getattr(m, k)) for k in (*NAMES, "beta")}, m


def _refit(fun, d1, d2, e, p0: np.ndarray) -> np.ndarray | None:
    """Finite-difference Levenberg-Marquardt from ``p0`` (linear scale); None if it fails."""
    q0 = p0.astype(float).copy()
    q0[_LOG] = np.log(q0[_LOG])
    if not np.isfinite(q0).all():
        return None
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            q = optimize.curve_fit(fun, (d1, d2), e, p0=q0)[0]
            q[_LOG] = np.exp(q[_LOG])
    except _FAILURES:
        return None
    return q if np.isfinite(q).all() else None


def _null_starts(m, d1, d2, e) -> list[np.ndarray]:
    """Starts 2 and 3 from the package's monotherapy Hill fits ([] where they failed)."""
    h1, h2 = m.drug1_model, m.drug2_model
    hill = [getattr(h, k, None) for h in (h1, h2) for k in ("E0", "Emax", "h", "C")]
    if any(v is None for v in hill) or not np.isfinite(np.asarray(hill, float)).all():
        return []
    (e01, emax1, hh1, c1), (e02, emax2, hh2, c2) = hill[:4], hill[4:]
    e0 = (e01 + e02) / 2

    def within(c, d):
        return np.clip(c, d[d > 0].min(), d.max())

    e3 = emax1 * emax2 / e0 if e0 else min(emax1, emax2)
    slopes = np.clip([hh1, hh2], 0.1, 10)
    p = np.array([e0, emax1, emax2, e3, *slopes, within(c1, d1), within(c2, d2), 1, 1, 1, 1])
    top = p.copy()
    top[3] = np.median(e[(d1 == d1.max()) & (d2 == d2.max())])
    return [p, top]


def best_fit(d1, d2, e):
    """(parameters, model, unsettled parameters) of the lowest-SSE fit over the starts, or
    (None, why the fit failed, {})."""
    musyc = _musyc()
    m, why = _package(d1, d2, e)
    fits = []
    if not why:
        fits.append(np.array([getattr(m, k) for k in NAMES], float))
    starts = _null_starts(m, d1, d2, e)
    if starts:
        fits += [_refit(m.fit_function, d1, d2, e, p) for p in [*fits[:1], *starts]]
    scored = []
    for p in fits:
        if p is None:
            continue
        model = musyc(**dict(zip(NAMES, p, strict=True)))
        with np.errstate(all="ignore"):
            sse = float(((e - model.E(d1, d2)) ** 2).sum())
        if np.isfinite(sse):
            scored.append((sse, p, model))
    if not scored:
        return None, why or "fit did not converge", {}
    scored.sort(key=lambda s: s[0])
    sse, p, model = scored[0]
    pars = {**dict(zip(NAMES, map(float, p), strict=True)), "beta": _beta(p)}
    return pars, model, unsettled([(s, q) for s, q, _ in scored], e.size)


def _beta(p) -> float:
    strongest = min(p[1], p[2])
    with np.errstate(all="ignore"):
        return float(np.float64(strongest - p[3]) / (p[0] - strongest))


def unsettled(fits: list[tuple[float, np.ndarray]], n: int) -> dict[str, str]:
    """Parameters on which equally good fits disagree, with the reason.

    ``fits``: (SSE, the 12 parameters) per start, best first. A fit is as good as the best
    when ``n ln(SSE / SSE_best) <= EQUAL_FIT``; it disagrees on h, C, alpha or gamma that
    differ by more than ``FACTOR``-fold, on an E that differs by more than ``SHIFT`` times
    the best fit's E0-E3 range, or on a beta that differs by more than ``SHIFT``.
    """
    (s0, best), others = fits[0], fits[1:]
    span = float(np.ptp(best[:4]))
    lb = np.log(np.clip(best[_LOG], 1e-300, 1e300))
    seen: dict[str, list[tuple[float, float]]] = {}  # name: (value, SSE ratio) per fit
    for s, p in others:
        ratio = s / s0 if s0 > 0 else (1.0 if s == 0 else np.inf)
        if n * np.log(ratio) > EQUAL_FIT:
            continue
        lp = np.log(np.clip(p[_LOG], 1e-300, 1e300))
        far = [*(np.abs(p[:4] - best[:4]) > SHIFT * span), *(np.abs(lp - lb) > np.log(FACTOR))]
        b, b0 = _beta(p), _beta(best)
        far.append(abs(b - b0) > SHIFT or np.isfinite(b) != np.isfinite(b0))
        for name, v, bad in zip((*NAMES, "beta"), (*p, b), far, strict=True):
            if bad:
                seen.setdefault(name, []).append((float(v), ratio))
    values = dict(zip(NAMES, best, strict=True)) | {"beta": _beta(best)}
    return {
        name: (
            f"not determined: fits from other starts are as good (SSE at most "
            f"{100 * (max(r for _, r in vals) - 1):.2g} % higher, within the 95 % "
            f"likelihood-ratio bound) with {name} = "
            + ", ".join(f"{v:.3g}" for v, _ in vals)
            + f" against {values[name]:.3g}; the data do not pin it down (more doses "
            "around the IC50s or replicate wells may)"
        )
        for name, vals in seen.items()
    }
