r"""The shared nonlinear fitter base (lifelines / scikit-learn style) for PK, PD and tumours.

A subclass declares ``param_names``, ``bounds`` (natural scale; a lower bound >= 0, the
default ``(0, inf)``, puts the parameter on the log scale) and
``_predict(params, t, data)``; ``params`` maps each name to an array with one value per
*estimation group* (one group unless ``groups`` is given; :meth:`Fitter.per_observation`
expands them to the observations). ``_initial(t, y, data)`` may return starting values (a
dict, or a list of candidate dicts). ``__init__`` only stores options, ``fit()`` returns
``self``, fitted attributes end in ``_``.

Estimation
----------
All groups are fitted at once by ``scipy.optimize.least_squares`` (trust region
reflective) with a block-diagonal Jacobian sparsity, so one finite-difference step
evaluates every group in one vectorised prediction. Every estimated parameter has finite
bounds on its estimation scale: log-scale parameters live within the declared bounds and
within the start x/÷ 1e6, so no trial step can overflow ``exp``; a trial prediction that is
not finite is replaced by a large finite value (the step is rejected, not the fit).

``method="ml"``: the residuals :math:`(y_i - f_i)/\mathrm{SD}_i` on the error model's
scale (:mod:`kinetor.numerics.errmodels`) with Beal's M3 pseudo-residual
:math:`\sqrt{-2\ln\Phi((L_i - f_i)/\mathrm{SD}_i)}` for censored values (``blq="m3"``;
``"drop"`` leaves them out). SDs are held fixed during a least-squares pass and the error
parameters are then re-estimated by maximum likelihood given the predictions; passes
alternate until the error parameters settle. For additive and log errors without
censoring this is the exact maximum-likelihood estimate; for proportional and combined
errors it is the generalised-least-squares pseudo-likelihood estimate (Davidian &
Giltinan, *Nonlinear Models for Repeated Measurement Data*, 1995, ch. 2-3; Carroll &
Ruppert 1988), with the log-likelihood reported at the estimate.

``method="wls"``: weighted least squares, :math:`\sum w_i (y_i - f_i)^2`, ``weighting``
one of ``uniform``, ``1/y``, ``1/y2``, ``1/pred``, ``1/pred2`` (prediction weights by
IRLS); censored values are left out (M1).

Multi-start: candidate starts (the subclass's, ``init``, and ``n_random`` log-uniform
perturbations of the first within x/÷ 4, drawn from ``seed``) are ranked per group by the
objective; the fit runs from the best and, for groups failing a diagnostic, from the next
best, up to ``n_starts`` runs; each group keeps its best run.

Uncertainty and diagnostics: see :mod:`kinetor.numerics._results` and
:mod:`kinetor.numerics.diagnostics`.

Examples
--------
>>> import numpy as np
>>> class Line(Fitter):
...     param_names = ("a", "b")
...     bounds = {"a": (-np.inf, np.inf), "b": (-np.inf, np.inf)}
...     def _predict(self, params, t, data):
...         p = self.per_observation(params)
...         return p["a"] + p["b"] * t
>>> t = np.arange(5.0)
>>> y = 1.0 + 2.0 * t + np.array([0.1, -0.1, 0, 0.1, -0.1])
>>> f = Line(init={"a": 0.0, "b": 1.0}).fit(t, y)
>>> f.params_.round(6).to_dict("records"), bool(f.converged_.iloc[0])
([{'a': 1.0, 'b': 2.0}], True)
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np

from kinetor.errors import DataError, ModelError, Problem
from kinetor.numerics import errmodels as em
from kinetor.numerics._results import Results

__all__ = ["LOG_SPAN", "Fitter"]

LOG_SPAN = float(np.log(1e6))  # log-scale parameters stay within start x/÷ 1e6
_BIG = 1e150  # stands for a trial prediction that overflowed
_MAX_PASSES = 20  # least-squares passes of the error-model iteration
_WEIGHTS = ("uniform", "1/y", "1/y2", "1/pred", "1/pred2")


class Fitter(Results):
    """Base of every kinetor fitter (see the module docstring).

    Parameters
    ----------
    method : {"ml", "wls"}
        Likelihood (with an error model) or weighted least squares.
    error : {"additive", "proportional", "combined", "log", "exponential"}
        Residual error model.
    weighting : {"uniform", "1/y", "1/y2", "1/pred", "1/pred2"}, optional
        WLS weights (default ``1/pred2`` for a proportional error, else uniform).
    blq : {"m3", "drop"}
        Censored observations: M3 likelihood (ML) or left out.
    init, fixed : dict, optional
        Initial values / values held fixed (scalar, or one per group).
    ci_level : float
        Level of the t-based confidence intervals.
    n_starts : int
        Most optimisation runs per fit (multi-start, see the module docstring).
    n_random : int
        Random candidate starts screened besides the deterministic ones.
    seed : int or numpy.random.Generator
        Seed of the random starts (results are reproducible).
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    bounds: ClassVar[dict[str, tuple[float, float]]] = {}
    param_units: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        *,
        method: Literal["ml", "wls"] = "ml",
        error: str = "additive",
        weighting: str | None = None,
        blq: Literal["m3", "drop"] = "m3",
        init: dict[str, Any] | None = None,
        fixed: dict[str, Any] | None = None,
        ci_level: float = 0.95,
        n_starts: int = 3,
        n_random: int = 6,
        seed=0,
    ):
        self.method = method
        self.error = error
        self.weighting = weighting
        self.blq = blq
        self.init = dict(init or {})
        self.fixed = dict(fixed or {})
        self.ci_level = ci_level
        self.n_starts = n_starts
        self.n_random = n_random
        self.seed = seed

    # -- to be provided by subclasses ------------------------------------------------
    def _predict(
        self, params: dict[str, np.ndarray], t: np.ndarray, data: Any
    ) -> np.ndarray:  # pragma: no cover - every subclass overrides it
        raise ModelError(f"{type(self).__name__} does not define _predict")

    def _initial(self, t: np.ndarray, y: np.ndarray, data: Any) -> dict | list:
        missing = [p for p in self._names() if p not in self.init and p not in self.fixed]
        raise ModelError(f"{type(self).__name__} needs init={{...}} for {missing}")

    def _names(self) -> tuple[str, ...]:
        return tuple(self.param_names)

    def _natural_bounds(self, name: str) -> tuple[float, float]:
        return tuple(self.bounds.get(name, (0.0, np.inf)))

    # -- helpers for subclasses ------------------------------------------------------
    def per_observation(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Group-level parameters expanded to one value per observation."""
        return {k: np.asarray(v)[self._gidx] if np.ndim(v) else v for k, v in params.items()}

    # -- set-up ----------------------------------------------------------------------
    def _validate(self, t, y, cens, lq) -> None:
        if self.method not in ("ml", "wls"):
            raise ModelError(f"unknown method {self.method!r}: use 'ml' or 'wls'")
        if self.blq not in ("m3", "drop"):
            raise ModelError(f"unknown blq rule {self.blq!r}: use 'm3' or 'drop'")
        self._error = em.canonical(self.error)
        unknown = [k for k in [*self.init, *self.fixed] if k not in self._names()]
        if unknown:
            raise ModelError(
                f"unknown parameter(s) {unknown}: {type(self).__name__} has {list(self._names())}"
            )
        if np.any(cens & ~np.isfinite(lq)):
            raise ModelError("censored (BLQ) observations need their LLOQ")
        problems = [
            Problem(
                "missing or non-finite time/value (mark BLQ values as censored)", row=int(i) + 1
            )
            for i in np.flatnonzero(~np.isfinite(t) | (~cens & ~np.isfinite(y)))
        ]
        if self._error == "log":
            problems += [
                Problem(
                    f"value {y[i]} <= 0 cannot be fitted with the log error model",
                    row=int(i) + 1,
                    fix="give an LLOQ (censored) or use error='additive'",
                )
                for i in np.flatnonzero(~cens & (y <= 0))
            ]
        if problems:
            raise DataError(problems)

    def _candidates(self, t, y, data, free, n_g) -> list[np.ndarray]:
        """Candidate starts (natural scale), each (n_groups, k)."""
        if all(p in self.init for p in free):
            guesses = [{}]
        else:
            guesses = self._initial(t, y, data)
            guesses = [guesses] if isinstance(guesses, dict) else list(guesses)
        out = []
        for g in guesses:
            g = {**g, **self.init}
            missing = [p for p in free if p not in g]
            if missing:
                raise ModelError(f"no initial estimate for {missing}: pass init={{...}}")
            out.append(
                np.column_stack([np.broadcast_to(np.asarray(g[p], float), (n_g,)) for p in free])
                if free
                else np.zeros((n_g, 0))
            )
        rng = (
            self.seed
            if isinstance(self.seed, np.random.Generator)
            else np.random.default_rng(self.seed)
        )
        base = out[0]
        for _ in range(self.n_random if free else 0):
            u = rng.uniform(-np.log(4.0), np.log(4.0), base.shape)
            out.append(np.where(self._log, base * np.exp(u), base + u * np.abs(base)))
        return out

    def _to_phi(self, theta: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # a start at 0 maps to -inf, then clipped
            return np.where(self._log, np.log(np.where(self._log, theta, 1.0)), theta)

    def _to_theta(self, phi: np.ndarray) -> np.ndarray:
        # phi is bounded (start x/÷ 1e6), so exp() stays finite
        return np.where(self._log, np.exp(np.where(self._log, phi, 0.0)), phi)

    def _phi_bounds(self, phi_ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nat = np.array([self._natural_bounds(k) for k in self.free_], float).reshape(-1, 2)
        with np.errstate(divide="ignore"):
            lo = np.where(self._log, np.log(np.maximum(nat[:, 0], 0.0)), nat[:, 0])
            hi = np.where(self._log, np.log(nat[:, 1]), nat[:, 1])
        ref = np.where(np.isfinite(phi_ref), phi_ref, np.clip(0.0, lo, hi))
        lo = np.where(self._log, np.maximum(lo, ref - LOG_SPAN), lo) * np.ones_like(ref)
        hi = np.where(self._log, np.minimum(hi, ref + LOG_SPAN), hi) * np.ones_like(ref)
        return lo, hi

    # -- objective -------------------------------------------------------------------
    def _params_of(self, phi: np.ndarray) -> dict[str, np.ndarray]:
        th = self._to_theta(phi.reshape(self._n_g, len(self.free_)))
        p = {k: th[:, j] for j, k in enumerate(self.free_)}
        p.update(self._fixed_arr)
        return p

    def _trial(self, phi: np.ndarray) -> np.ndarray:
        """Prediction at trial parameters; non-finite values become a large finite penalty.

        Parameters far from the optimum may overflow a model (an exponential of a large
        rate times time); such a point must be rejected by the optimiser rather than abort
        the fit, so overflow inside the model is expected here and mapped to +-1e150.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            f = np.asarray(self._predict(self._params_of(phi), self._t, self._data), float)
        return np.clip(np.nan_to_num(f, nan=_BIG, posinf=_BIG, neginf=-_BIG), -_BIG, _BIG)

    def _weights(self, f: np.ndarray) -> np.ndarray:
        w = self.weighting or ("1/pred2" if self._error == "proportional" else "uniform")
        if w not in _WEIGHTS:
            raise ModelError(f"unknown weighting {w!r}: use {', '.join(_WEIGHTS)}")
        ref = {"uniform": None, "1/y": self._y, "1/y2": self._y, "1/pred": f, "1/pred2": f}[w]
        if ref is None:
            return np.ones_like(self._y)
        a = np.abs(np.where(self._cens, 1.0, ref))
        power = 2.0 if w.endswith("2") else 1.0
        return np.where(a > 0, 1.0 / np.maximum(a, 1e-150) ** power, 0.0)

    def _sd_now(self, f: np.ndarray, sig: dict | None) -> np.ndarray:
        if self.method == "wls":
            return 1.0 / np.sqrt(np.maximum(self._weights(f), 1e-300))
        return em.sd(f, {k: v[self._gidx] for k, v in sig.items()}, self._error)

    def _residuals(self, f: np.ndarray, sdv: np.ndarray) -> np.ndarray:
        e, cens = self._error, self._cens
        ft = em.pred_on_scale(f, e)
        r = (em.on_scale(np.where(cens, 1.0, self._y), e) - ft) / sdv
        if cens.any():
            if self.method == "ml" and self.blq == "m3":
                from scipy.special import log_ndtr

                z = (em.on_scale(np.where(cens, self._lq, 1.0), e) - ft) / sdv
                r = np.where(cens, np.sqrt(np.maximum(-2.0 * log_ndtr(z), 0.0)), r)
            else:
                r = np.where(cens, 0.0, r)
        # non-finite or astronomically large residuals: a large finite penalty
        return np.clip(np.where(np.isfinite(r), r, 1e10), -1e100, 1e100)

    def _collapsing(self, sig: dict) -> bool:
        """Every group's residual SD is far below the collapse threshold."""
        from kinetor.numerics.diagnostics import COLLAPSE_REL

        ref = np.sqrt(np.mean(np.where(self._cens, 0.0, self._y) ** 2))
        return all(
            np.all(v < COLLAPSE_REL * 1e-2 * (ref if q == "sigma_add" else 1.0))
            for q, v in sig.items()
        )

    def _extra_checks(self, theta: np.ndarray) -> list[list[str]]:
        """Model-specific reasons per group (override; ``theta`` is (n_groups, k))."""
        return [[] for _ in range(theta.shape[0])]

    def _objective(self, phi: np.ndarray) -> tuple[np.ndarray, dict | None]:
        """Per-group objective (-2LL for ML, weighted SSR for WLS) and error parameters."""
        f = self._trial(phi)
        if self.method == "wls":
            r = self._residuals(f, self._sd_now(f, None))
            return np.bincount(self._gidx, weights=r * r, minlength=self._n_g), None
        sig = em.ml_error_params(
            self._y, f, self._lq, self._cens, self._gidx, self._n_g, self._error, self.blq == "m3"
        )
        return em.group_m2ll(
            self._y,
            f,
            self._lq,
            self._cens,
            self._gidx,
            self._n_g,
            self._error,
            sig,
            self.blq == "m3",
        ), sig

    # -- fitting ---------------------------------------------------------------------
    def fit(self, t, y, data: Any = None, *, groups=None, lloq=None, censored=None):
        """Estimate the parameters; returns ``self``.

        Parameters
        ----------
        t, y : array-like (n,)
            Times (or concentrations for direct models) and observations.
        data : any
            Passed to ``_predict`` (doses, exposure grids, structure).
        groups : array-like (n,), optional
            Estimation group of each observation (default: one group).
        lloq : float or array-like (n,), optional
            Limit of quantification of each observation.
        censored : array-like of bool (n,), optional
            BLQ flags; default: ``y < lloq`` or a missing ``y`` with a finite ``lloq``.
        """
        t = np.asarray(t, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
        lq = np.broadcast_to(np.nan if lloq is None else np.asarray(lloq, float), y.shape).astype(
            float
        )
        if censored is None:
            cens = np.isfinite(lq) & (
                ~np.isfinite(y) | (y < np.where(np.isfinite(lq), lq, -np.inf))
            )
        else:
            cens = np.asarray(censored, bool).ravel()
        self._validate(t, y, cens, lq)
        labels = np.zeros(y.size, dtype=int) if groups is None else np.asarray(groups)
        self.groups_, self._gidx = np.unique(labels, return_inverse=True)
        self._n_g = n_g = self.groups_.size
        self._t, self._y, self._lq, self._cens, self._data = t, y, lq, cens, data
        names = self._names()
        self.free_ = free = [k for k in names if k not in self.fixed]
        self._log = np.array([self._natural_bounds(k)[0] >= 0 for k in free], bool)
        self._fixed_arr = {
            k: np.broadcast_to(np.asarray(v, float), (n_g,)).copy() for k, v in self.fixed.items()
        }
        used = ~cens if (self.method == "wls" or self.blq == "drop") else np.ones_like(cens)
        n_used = np.bincount(self._gidx, weights=used.astype(float), minlength=n_g)
        if np.any(n_used < len(free)):
            raise ModelError(
                f"{int(n_used.min())} observations cannot determine {len(free)} parameters"
            )
        cands = self._candidates(t, y, data, free, n_g)
        lo, hi = self._phi_bounds(self._to_phi(cands[0]))
        phis = [np.clip(self._to_phi(c), lo, hi) for c in cands]
        ranks = np.argsort(np.array([self._objective(p.ravel())[0] for p in phis]), axis=0)
        n_runs = min(self.n_starts, len(phis)) if free else 1
        best_x = np.stack([phis[ranks[0, g]][g] for g in range(n_g)]) if free else phis[0]
        best_obj = np.full(n_g, np.inf)
        for s in range(n_runs):
            # groups that already passed every check restart from their own optimum
            x0 = (
                best_x
                if s == 0
                else np.where(
                    self.converged_.to_numpy()[:, None],
                    best_x,
                    np.stack([phis[ranks[s, g]][g] for g in range(n_g)]),
                )
            )
            run = self._optimise(x0, lo, hi)
            if s == 0:
                self._finish(run, lo, hi)
                if self.converged_.all() or n_runs == 1:
                    return self
            better = run["obj"] < best_obj
            best_x = np.where(better[:, None], run["x"], best_x)
            best_obj = np.where(better, run["obj"], best_obj)
        self._finish(self._optimise(best_x, lo, hi), lo, hi)
        return self

    def _optimise(self, x0: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> dict:
        """One estimation from ``x0`` ((n_groups, k) on the estimation scale)."""
        from scipy.optimize import least_squares
        from scipy.sparse import csr_matrix

        n_g, k, n = self._n_g, x0.shape[1], self._y.size
        x = np.clip(x0, lo, hi).ravel()
        f = self._trial(x)
        sig = (
            None
            if self.method == "wls"
            else em.ml_error_params(
                self._y, f, self._lq, self._cens, self._gidx, n_g, self._error, self.blq == "m3"
            )
        )
        sparsity = None
        if n_g > 1 and k:
            rows = np.repeat(np.arange(n), k)
            cols = (self._gidx[:, None] * k + np.arange(k)[None, :]).ravel()
            sparsity = csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n_g * k))
        fixed_sd = (
            (self._error in ("additive", "log") and not self._cens.any())
            if self.method == "ml"
            else self.weighting not in ("1/pred", "1/pred2")
            and not (self.weighting is None and self._error == "proportional")
        )
        settled, sol, sdv = False, None, self._sd_now(f, sig)
        sdv_ls = sdv
        for _ in range(1 if fixed_sd else _MAX_PASSES):
            sdv_ls = sdv
            if k:
                sol = least_squares(
                    lambda p, sdv=sdv: self._residuals(self._trial(p), sdv),
                    x,
                    bounds=(lo.ravel(), hi.ravel()),
                    jac_sparsity=sparsity,
                    method="trf",
                    x_scale="jac",
                    xtol=1e-12,
                    ftol=1e-12,
                    gtol=1e-12,
                    max_nfev=100 * (1 + k),
                )
                moved = np.max(np.abs(sol.x - x), initial=0.0)
                x = sol.x
            else:
                moved = 0.0
            f = self._trial(x)
            new_sig = (
                None
                if self.method == "wls"
                else em.ml_error_params(
                    self._y, f, self._lq, self._cens, self._gidx, n_g, self._error, self.blq == "m3"
                )
            )
            same = new_sig is None or all(np.allclose(new_sig[q], sig[q], rtol=1e-6) for q in sig)
            sig, sdv = new_sig, self._sd_now(f, new_sig)
            if fixed_sd or (same and moved < 1e-6):
                settled = True
                break
            if sig is not None and self._collapsing(sig):
                break  # a perfect fit: more passes only shrink sigma; reported as collapsed
            if sol is not None and sol.status == 0:
                break  # the evaluation budget ran out: reported by the diagnostics
        obj, _ = self._objective(x)
        return {
            "x": x.reshape(n_g, k),
            "obj": obj,
            "sol": sol,
            "sig": sig,
            "sdv": sdv,
            "sdv_ls": sdv_ls,
            "settled": settled,
        }
