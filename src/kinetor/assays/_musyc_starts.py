"""The MuSyC fit from several starts, and whether the data pin each parameter down.

The ``synergy`` package fits the 12-parameter surface from one start (its monotherapy Hill
fits, alpha = gamma = 1, E3 = the response at the top dose pair) with a Levenberg-Marquardt
run on its analytic Jacobian. That run can stop at a local optimum or stay at its start (a
Hill slope of 78 fitted to a weak, noisy drug is a step that leaves alpha and gamma without
a gradient): on 40 7 x 7 Bliss-additive matrices (E1 0.2, E2 0.8, h 1.5, well SD 0.05, no
replicates) 5 of its fits ended with a sum of squares above that of the surface that
generated the data. Seven more fits (finite-difference Levenberg-Marquardt, scipy's
``curve_fit``, on the package's log scale for h, C, alpha and gamma) start

1. where the package's fit ended (its Jacobian run can stop short);
2. at the null surface of the monotherapy Hill fits: alpha = gamma = 1, E0 the mean of
   the two fits' E0, E3 = E1 E2 / E0 (Bliss), Hill slopes clipped to [0.1, 10] and
   potencies to the tested dose range;
3. as 2, with E3 the median response at the top dose pair (the package's guess);
4. as 2, with alpha = gamma = 0.1, with alpha = 0.1, and with alpha = 10 (both
   directions each);
5. as 2, with both Hill slopes 1 (a step-like monotherapy fit is a trap of its own);

and the lowest sum of squares is kept. A matrix whose monotherapy Hill fits fail has no
start: the fit fails as the package's does.

A parameter is then reported as not determined (``converged = False``, the reason in
``note``) when

- an equally good fit disagrees on it (:func:`unsettled`): a fit from another start, or
  one with an alpha or gamma held at either edge of [1e-6, 1e6] and the rest refitted
  from the best fit (the profile likelihood then stays within the 95 % bound out to the
  edge: the data do not bound it on that side);
- an alpha or gamma of the kept fit is at or beyond that edge (:func:`_at_edge`; the
  fits are unbounded, as the package's, and run to 0 or infinity where the sum of
  squares keeps falling that way);
- the kept fit does not change with it (:func:`_flat`: a singular Jacobian, where the
  covariance of the parameters cannot be estimated). The package's own scipy
  ``OptimizeWarning`` saying so for its fit ("Covariance of the parameters could not be
  estimated") is caught rather than printed: the fit reported is checked instead.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize, stats

__all__ = ["EDGE", "EQUAL_FIT", "FACTOR", "SHIFT", "best_fit", "package_fit", "unsettled"]

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
#: An alpha or gamma at or beyond these ran to the edge: the data do not bound it.
EDGE = (1e-6, 1e6)
#: A singular value of the kept fit's Jacobian (log scale for h, C, alpha and gamma) below
#: this fraction of the largest is a direction in which the surface does not move.
SINGULAR = 1e-6
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
    """The ``synergy`` package's own fit: (model, "") or (model, why it failed).

    Its ``curve_fit`` calls warn "Covariance of the parameters could not be estimated"
    where a Jacobian is singular; that is checked on the fit kept (:func:`_flat`), so the
    warning is caught here rather than printed for every matrix."""
    m = _musyc()()
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
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


def _to_log(p: np.ndarray) -> np.ndarray:
    q = p.astype(float).copy()
    q[_LOG] = np.log(np.clip(q[_LOG], 1e-300, 1e300))
    return q


def _refit(
    fun, d1, d2, e, p0: np.ndarray, pin: tuple[int, float] | None = None
) -> np.ndarray | None:
    """Finite-difference Levenberg-Marquardt from ``p0`` (linear scale), with parameter
    ``pin[0]`` held at ``pin[1]`` if given; None if it fails."""
    q0 = _to_log(p0)
    if not np.isfinite(q0).all():
        return None
    model, free = fun, q0
    if pin is not None:
        j, held = pin[0], np.log(pin[1])
        free = np.delete(q0, j)

        def model(x, *a):
            return fun(x, *np.insert(np.asarray(a), j, held))

    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            q = optimize.curve_fit(model, (d1, d2), e, p0=free)[0]
    except _FAILURES:
        return None
    if pin is not None:
        q = np.insert(q, j, held)
    with np.errstate(over="ignore"):
        q[_LOG] = np.exp(q[_LOG])
    return q if np.isfinite(q).all() else None


def _starts(m, d1, d2, e) -> list[np.ndarray]:
    """Starts 2-5 from the package's monotherapy Hill fits ([] where they failed)."""
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
    out = [p, top]
    for alpha, gamma in ((0.1, 0.1), (0.1, 1), (10, 1)):
        out.append(np.r_[p[:8], alpha, alpha, gamma, gamma])
    out.append(np.r_[p[:4], 1.0, 1.0, p[6:]])
    return out


def best_fit(d1, d2, e):
    """(parameters, model, parameters not determined with the reason) of the lowest-SSE
    fit over the starts, or (None, why the fit failed, {}).

    Each alpha and gamma is then also held at either edge of :data:`EDGE` and the others
    refitted from the best fit: a fit as good as the best there (:func:`unsettled`) means
    the data do not bound that parameter on that side (a profile likelihood that stays
    within the 95 % bound out to the edge)."""
    m, why = _package(d1, d2, e)
    fits = []
    if not why:
        fits.append(np.array([getattr(m, k) for k in NAMES], float))
    starts = _starts(m, d1, d2, e)
    if starts:
        fits += [_refit(m.fit_function, d1, d2, e, p) for p in [*fits[:1], *starts]]
    scored = _scored(fits, d1, d2, e)
    if not scored:
        return None, why or "fit did not converge", {}
    best = scored[0][1]
    for j, edge in ((j, edge) for j in range(8, 12) for edge in EDGE):
        p0 = best.copy()
        p0[j] = edge
        fits.append(_refit(m.fit_function, d1, d2, e, p0, pin=(j, edge)))
    scored = _scored(fits, d1, d2, e)
    _, p, model = scored[0]
    pars = {**dict(zip(NAMES, map(float, p), strict=True)), "beta": _beta(p)}
    found = [unsettled([(s, q) for s, q, _ in scored], e.size), _at_edge(p)]
    found.append(_flat(m.fit_function, d1, d2, p))
    reasons: dict[str, list[str]] = {}
    for part in found:
        for name, text in part.items():
            reasons.setdefault(name, []).append(text)
    return pars, model, {name: "; ".join(texts) for name, texts in reasons.items()}


def _scored(fits, d1, d2, e) -> list[tuple[float, np.ndarray, object]]:
    """(SSE, parameters, model) of the fits that worked, lowest SSE first (ties in the
    order of the starts)."""
    musyc = _musyc()
    scored = []
    for p in fits:
        if p is None:
            continue
        model = musyc(**dict(zip(NAMES, p, strict=True)))
        with np.errstate(all="ignore"):
            sse = float(((e - model.E(d1, d2)) ** 2).sum())
        if np.isfinite(sse):
            scored.append((sse, p, model))
    return sorted(scored, key=lambda s: s[0])


def _beta(p) -> float:
    strongest = min(p[1], p[2])
    with np.errstate(all="ignore"):
        return float(np.float64(strongest - p[3]) / (p[0] - strongest))


def _at_edge(p: np.ndarray) -> dict[str, str]:
    """Alphas and gammas at or beyond :data:`EDGE`: the fit ran them towards 0 or
    infinity (an unbounded run, as the package's), so no finite value is estimated."""
    lo, hi = EDGE
    return {
        name: (
            f"not determined: {name} = {v:.3g} ran to the edge of the estimable range "
            f"[{lo:g}, {hi:g}] (the sum of squares keeps falling as it goes to "
            f"{'0' if v <= lo else 'infinity'}); the data do not bound it (doses around "
            "the IC50s or replicate wells may)"
        )
        for name, v in zip(NAMES[8:], p[8:], strict=True)
        if not lo < v < hi
    }


def _flat(fun, d1, d2, p: np.ndarray) -> dict[str, str]:
    """Parameters the kept fit does not change with: those carrying more than 0.3 of a
    right singular vector of its Jacobian (central differences, log scale for h, C, alpha
    and gamma, as fitted) whose singular value is below :data:`SINGULAR` times the
    largest. There the covariance of the parameters cannot be estimated."""
    q = _to_log(p)
    step = 1e-5
    cols = []
    with np.errstate(all="ignore"):
        for j in range(q.size):
            dq = np.zeros_like(q)
            dq[j] = step
            cols.append((fun((d1, d2), *(q + dq)) - fun((d1, d2), *(q - dq))) / (2 * step))
    jac = np.column_stack(cols)
    if not np.isfinite(jac).all() or not jac.any():
        return {}
    _, s, vt = np.linalg.svd(jac, full_matrices=False)
    null = vt[s < SINGULAR * s[0]]
    names = [n for n, w in zip(NAMES, np.abs(null).max(axis=0, initial=0), strict=True) if w > 0.3]
    return {
        name: (
            f"not determined: the best fit does not change with {name} (its Jacobian is "
            "singular there, so the covariance of the parameters cannot be estimated)"
        )
        for name in names
    }


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
            f"not determined: other fits (from other starts, or with an alpha or gamma "
            f"held at {EDGE[0]:g} or {EDGE[1]:g}) are as good (SSE at most "
            f"{100 * (max(r for _, r in vals) - 1):.2g} % higher, within the 95 % "
            f"likelihood-ratio bound) with {name} = "
            + ", ".join(f"{v:.3g}" for v, _ in vals[:4])
            + (f" (and {len(vals) - 4} more)" if len(vals) > 4 else "")
            + f" against {values[name]:.3g}; the data do not pin it down (more doses "
            "around the IC50s or replicate wells may)"
        )
        for name, vals in seen.items()
    }
