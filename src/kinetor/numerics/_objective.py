r"""The objective of :class:`kinetor.numerics.fitter.Fitter` on the estimation scale.

A mixin that holds the transforms between natural and estimation scale (log scale for
parameters with a lower bound >= 0), the bounds of the estimation box, trial predictions
(a non-finite prediction becomes a large finite penalty; the points are kept in
``_trial_bad`` for the report at the estimate), WLS weights, the error model's
standard deviations, the residual vector (with Beal's M3 pseudo-residual for censored
values) and the per-group objective (-2LL for ML, weighted SSR for WLS). The fitter drives
it (set-up, multi-start, optimisation); this module only evaluates.
"""

from __future__ import annotations

import numpy as np

from kinetor.errors import DataError, ModelError
from kinetor.numerics import errmodels as em

__all__ = ["LOG_SPAN", "Objective"]

LOG_SPAN = float(np.log(1e6))  # log-scale parameters stay within start x/÷ 1e6
_BIG = 1e150  # stands for a trial prediction that overflowed
_WEIGHTS = ("uniform", "1/y", "1/y2", "1/pred", "1/pred2")


class Objective:
    """Evaluation of a fit's objective (see the module); mixed into ``Fitter``."""

    def _to_phi(self, theta: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # a start at 0 maps to -inf, then clipped
            return np.where(self._log, np.log(np.where(self._log, theta, 1.0)), theta)

    def _to_theta(self, phi: np.ndarray) -> np.ndarray:
        # phi is bounded (start x/÷ 1e6), so exp() stays finite
        return np.where(self._log, np.exp(np.where(self._log, phi, 0.0)), phi)

    def _declared_phi_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The declared bounds of the free parameters on the estimation scale."""
        nat = np.array([self._natural_bounds(k) for k in self.free_], float).reshape(-1, 2)
        with np.errstate(divide="ignore"):
            lo = np.where(self._log, np.log(np.maximum(nat[:, 0], 0.0)), nat[:, 0])
            hi = np.where(self._log, np.log(nat[:, 1]), nat[:, 1])
        return lo, hi

    def _phi_bounds(self, phi_ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self._declared_phi_bounds()
        ref = np.where(np.isfinite(phi_ref), phi_ref, np.clip(0.0, lo, hi))
        lo = np.where(self._log, np.maximum(lo, ref - LOG_SPAN), lo) * np.ones_like(ref)
        hi = np.where(self._log, np.minimum(hi, ref + LOG_SPAN), hi) * np.ones_like(ref)
        return lo, hi

    def _check_inputs(self, t, y, groups, lloq, censored) -> None:
        """Refuse inputs of different lengths and a ``ci_level`` outside (0, 1)."""
        n = y.size
        if t.size != n:
            raise DataError(f"t has {t.size} values but y has {n}: give one time per value")
        for what, v in (("groups", groups), ("lloq", lloq), ("censored", censored)):
            size = None if v is None else np.size(v)
            if size is not None and size != n and not (what == "lloq" and size == 1):
                raise DataError(f"{what} has {size} values but y has {n}: give one per value")
        c = self.ci_level
        try:
            ok = not isinstance(c, bool | np.bool_ | str) and 0 < float(c) < 1
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ModelError(f"ci_level={c!r} must lie in (0, 1): give e.g. 0.95")

    def _check_values(self) -> None:
        """Refuse a NaN ``init``/``fixed`` value, or a negative one of a log-scale parameter,
        naming it (run after ``_validate``, so that a subclass's own checks speak first)."""
        for kind, vals in (("init", self.init), ("fixed", self.fixed)):
            for k, v in vals.items():
                if k not in self._names():
                    continue  # reported by _validate
                a = np.asarray(v, float)
                lo, hi = self._natural_bounds(k)
                if np.any(np.isnan(a)):
                    raise ModelError(f"{kind} value of {k} is {v!r}: give a number")
                if lo >= 0 and np.any(a < 0):
                    raise ModelError(
                        f"{kind} value of {k} = {v!r} is negative, but {k} is estimated on the "
                        f"log scale (bounds {lo:g} .. {hi:g}): give a value >= {lo:g}"
                    )

    # -- objective -------------------------------------------------------------------
    def _params_of(self, phi: np.ndarray) -> dict[str, np.ndarray]:
        th = self._to_theta(phi.reshape(self._n_g, len(self.free_)))
        p = {k: th[:, j] for j, k in enumerate(self.free_)}
        p.update(self._fixed_arr)
        return p

    def _trial(self, phi: np.ndarray) -> np.ndarray:
        """Prediction at trial parameters; non-finite values become a large finite penalty.

        Parameters far from the optimum may overflow a model (an exponential of a large
        rate times time) or make an ODE model too stiff to integrate; such a point must be
        rejected by the optimiser rather than abort the fit, so overflow inside the model is
        expected here and mapped to +-1e150, and an integration failure (a ``ModelError``
        with ``failed``: the units that failed) gives 1e150 everywhere. The failure is kept
        in ``_trial_error`` (None after a successful evaluation) for the diagnostics.
        """
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                f = np.asarray(self._predict(self._params_of(phi), self._t, self._data), float)
        except ModelError as exc:
            if getattr(exc, "failed", None) is None:
                raise
            self._trial_error = exc
            self._trial_bad = np.zeros(self._y.shape, bool)
            return np.full(self._y.shape, _BIG)
        self._trial_error = None
        # the points whose prediction is not finite (reported at the estimate: _results)
        self._trial_bad = ~np.isfinite(np.broadcast_to(f, self._y.shape))
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

    def _m2ll(self, f: np.ndarray, sig: dict) -> np.ndarray:
        """Each group's exact -2LL at predictions ``f`` and error parameters ``sig``."""
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
        )

    def _objective(self, phi: np.ndarray) -> tuple[np.ndarray, dict | None]:
        """Per-group objective (-2LL for ML, weighted SSR for WLS) and error parameters."""
        f = self._trial(phi)
        if self.method == "wls":
            r = self._residuals(f, self._sd_now(f, None))
            return np.bincount(self._gidx, weights=r * r, minlength=self._n_g), None
        sig = em.ml_error_params(
            self._y, f, self._lq, self._cens, self._gidx, self._n_g, self._error, self.blq == "m3"
        )
        return self._m2ll(f, sig), sig
