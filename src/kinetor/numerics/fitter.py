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
Ruppert 1988), with the log-likelihood reported at the estimate. When that iteration does
not settle, or leaves its start for a -2LL higher by more than 1, the estimate is the exact
ML optimum (:mod:`kinetor.numerics._exact_ml`).

``method="wls"``: weighted least squares, :math:`\sum w_i (y_i - f_i)^2`, ``weighting``
one of ``uniform``, ``1/y``, ``1/y2``, ``1/pred``, ``1/pred2`` (prediction weights by
IRLS); censored values are left out (M1).

Multi-start: candidate starts (the subclass's, ``init``, and ``n_random`` log-uniform
perturbations of the first within x/÷ 4, drawn from ``seed``) are ranked per group by the
objective; the fit runs from the best and, for groups failing a diagnostic, from the next
best, up to ``n_starts`` runs; each group keeps its best run.

The objective (scales, residuals, M3, weights) is evaluated by
:mod:`kinetor.numerics._objective`; uncertainty and diagnostics: see
:mod:`kinetor.numerics._results` and :mod:`kinetor.numerics.diagnostics`.

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
from kinetor.numerics._objective import LOG_SPAN, Objective
from kinetor.numerics._results import Results

__all__ = ["LOG_SPAN", "Fitter"]

_MAX_PASSES = 20  # least-squares passes of the error-model iteration


class Fitter(Objective, Results):
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
        file, rows, (tcol, ycol) = self._source
        bad_t = ~np.isfinite(t)
        problems = [
            Problem(
                "missing or non-finite time/value (mark BLQ values as censored)"
                + ("" if rows is not None else f" at observation time {t[i]:g}"),
                file,
                None if rows is None else int(rows[i]),
                tcol if bad_t[i] else ycol,
            )
            for i in np.flatnonzero(bad_t | (~cens & ~np.isfinite(y)))
        ]
        if self._error == "log":
            problems += [
                Problem(
                    f"value {y[i]} <= 0 cannot be fitted with the log error model"
                    + ("" if rows is not None else f" (observation at time {t[i]:g})"),
                    file,
                    None if rows is None else int(rows[i]),
                    ycol,
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

    # -- fitting ---------------------------------------------------------------------
    def fit(self, t, y, data: Any = None, *, groups=None, lloq=None, censored=None, source=None):
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
        source : dict, optional
            Where the observations come from, for the data errors: ``rows`` (the file's
            row of each observation), ``file``, ``columns`` (the time and value column
            names). Without ``rows`` an error names the observation's time, not a row.
        """
        src = dict(source or {})
        rows = src.get("rows")
        self._source = (
            src.get("file"),
            None if rows is None else np.asarray(rows).ravel(),
            tuple(src.get("columns", (None, None))),
        )
        t, y = np.asarray(t, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
        self._check_inputs(t, y, groups, lloq, censored)  # lengths, ci_level
        lq = np.broadcast_to(np.asarray(np.nan if lloq is None else lloq, float), y.shape).copy()
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
        self._check_values()  # after _validate: a subclass's own checks speak first
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
        settled, collapsed, sol, sdv = False, False, None, self._sd_now(f, sig)
        sdv_ls = sdv
        x_start = x.copy()
        obj_start = self._m2ll(f, sig) if self.method == "ml" and not fixed_sd else None  # exact
        settled_g = np.zeros(n_g, bool)  # per group: the last pass moved nothing
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
                moved_g = np.max(np.abs(sol.x - x).reshape(n_g, k), axis=1, initial=0.0)
                moved = np.max(moved_g, initial=0.0)
                x = sol.x
            else:
                moved, moved_g = 0.0, np.zeros(n_g)
            f = self._trial(x)
            new_sig = (
                None
                if self.method == "wls"
                else em.ml_error_params(
                    self._y, f, self._lq, self._cens, self._gidx, n_g, self._error, self.blq == "m3"
                )
            )
            same_g = np.ones(n_g, bool)
            for q in sig or {}:
                same_g &= np.isclose(new_sig[q], sig[q], rtol=1e-6)
            same = bool(same_g.all())
            settled_g = same_g & (moved_g < 1e-6)
            sig, sdv = new_sig, self._sd_now(f, new_sig)
            if fixed_sd or (same and moved < 1e-6):
                settled = True
                break
            if sig is not None and self._collapsing(sig):
                collapsed = True
                break  # a perfect fit: more passes only shrink sigma; reported as collapsed
            if sol is not None and sol.status == 0:
                break  # the evaluation budget ran out: reported by the diagnostics
        obj, _ = self._objective(x)
        run = {
            "x": x.reshape(n_g, k),
            "obj": obj,
            "sol": sol,
            "sig": sig,
            "sdv": sdv,
            "sdv_ls": sdv_ls,
            "settled": settled,
        }
        if self.method != "ml" or fixed_sd or collapsed or not k:
            return run
        # groups whose GLS iteration did not settle, or left the start for a -2LL higher by
        # more than 1: their exact ML optimum (kinetor.numerics._exact_ml)
        need = ~(settled_g | settled) | (obj > obj_start + 1.0)
        if not need.any():
            return run
        from kinetor.numerics._exact_ml import polish

        return polish(self, run, need, x_start.reshape(n_g, k), lo, hi)
