r"""Between-subject variability, covariates and residual error for population simulation.

Individual parameters are log-normal around the typical value :math:`\theta`:

.. math::

    P_i = \theta \left(\frac{W_i}{W_{ref}}\right)^{b_P} e^{\eta_{P,i}}, \qquad
    \eta_i \sim N(0, \Omega), \quad \Omega = D R D, \quad
    \omega = \sqrt{\ln(1 + CV^2)}

(``cv`` gives the CV of the log-normal distribution; ``omega`` gives :math:`\omega`
directly; ``corr`` the correlation matrix :math:`R`). Fractions (``f``, ``fu``) are
logit-normal: :math:`\mathrm{logit} P_i = \mathrm{logit}\,\theta + \eta_i`, with
:math:`\omega` on the logit scale (``cv`` is not accepted for them). Residual error:

.. math:: y = f + \sqrt{a^2 + b^2 f^2}\; \varepsilon, \qquad \varepsilon \sim N(0, 1)

(additive ``add`` = a, in the output concentration unit; proportional ``prop`` = b;
combined = both, variances added).

Examples
--------
>>> v = Variability(cv={"cl": 0.3, "v1": 0.2}, corr={("cl", "v1"): 0.5})
>>> names, omega, R = v.matrix()
>>> names, [round(float(o), 4) for o in omega], float(R[0, 1])
(['cl', 'v1'], [0.2936, 0.198], 0.5)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from kinetor.errors import ModelError

__all__ = ["ResidualError", "Variability", "individual_parameters"]

MAX_CV = 10.0  # a CV above 1000 % is a percentage written as a fraction, not a variability

FRACTIONS = ("f", "fu")


@dataclass
class Variability:
    """Log-normal between-subject variability.

    Parameters
    ----------
    cv : dict
        Parameter -> coefficient of variation of its log-normal distribution (0.3 = 30%).
    omega : dict
        Parameter -> SD of eta (log scale; logit scale for ``f`` and ``fu``).
    corr : dict or array, optional
        ``{("cl", "v1"): 0.5}`` or a full correlation matrix in the order of
        ``list(cv) + list(omega)``.
    """

    cv: dict[str, float] = field(default_factory=dict)
    omega: dict[str, float] = field(default_factory=dict)
    corr: Mapping[tuple[str, str], float] | np.ndarray | None = None

    @classmethod
    def coerce(cls, spec) -> Variability | None:
        if spec is None or isinstance(spec, Variability):
            return spec
        if isinstance(spec, Mapping):
            return cls(cv=dict(spec))
        raise ModelError("variability must be a dict {parameter: CV} or a Variability")

    def matrix(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Parameter names, omegas and the correlation matrix."""
        both = set(self.cv) & set(self.omega)
        if both:
            raise ModelError(f"{sorted(both)} given both as cv and as omega")
        bad = [k for k in self.cv if k in FRACTIONS]
        if bad:
            raise ModelError(
                f"{bad} are fractions: give their variability as omega (SD "
                "on the logit scale), not as a CV"
            )
        names = list(self.cv) + list(self.omega)
        negative = {k: c for k, c in self.cv.items() if not float(c) >= 0}
        if negative:
            raise ModelError(f"a CV is a fraction >= 0 (0.3 = 30 %), not {negative}")
        huge = {k: c for k, c in self.cv.items() if float(c) > MAX_CV}
        if huge:  # 30 meant as 30 % would be a CV of 3000 %
            raise ModelError(
                f"a CV is a fraction (0.3 = 30 %): {huge} would be over {100 * MAX_CV:g} %; "
                "give e.g. 0.3 for 30 % (--cv cl=0.3 on the command line)"
            )
        om = [np.sqrt(np.log1p(float(c) ** 2)) for c in self.cv.values()]
        om += [float(o) for o in self.omega.values()]
        omega = np.array(om, float)
        if np.any(~np.isfinite(omega)) or np.any(omega < 0):
            raise ModelError("variability must be >= 0")
        R = np.eye(len(names))
        if isinstance(self.corr, Mapping):
            for (a, b), r in self.corr.items():
                if a not in names or b not in names:
                    raise ModelError(f"correlation between {a} and {b}: both need variability")
                i, j = names.index(a), names.index(b)
                R[i, j] = R[j, i] = float(r)
        elif self.corr is not None:
            R = np.asarray(self.corr, float)
            if R.shape != (len(names), len(names)):
                raise ModelError(
                    f"the correlation matrix must be {len(names)}x{len(names)} (order {names})"
                )
        if not np.allclose(R, R.T) or np.linalg.eigvalsh(R).min() < -1e-12:
            raise ModelError("the correlation matrix must be symmetric positive semi-definite")
        return names, omega, R

    def sample(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Draw eta (n, n_params) as a dict by parameter."""
        names, omega, R = self.matrix()
        if not names:
            return {}
        cov = R * np.outer(omega, omega)
        eta = rng.multivariate_normal(np.zeros(len(names)), cov, size=n, method="eigh")
        return {k: eta[:, i] for i, k in enumerate(names)}


@dataclass
class ResidualError:
    """Residual error: ``add`` (SD in the output concentration unit), ``prop`` (fraction)."""

    add: float = 0.0
    prop: float = 0.0

    def __post_init__(self) -> None:
        for name in ("add", "prop"):
            value = float(getattr(self, name))
            if not (np.isfinite(value) and value >= 0):
                raise ModelError(f"residual error {name} is an SD >= 0, not {value:g}")

    @classmethod
    def coerce(cls, spec) -> ResidualError | None:
        if spec is None or isinstance(spec, ResidualError):
            return spec
        if isinstance(spec, Mapping):
            unknown = set(spec) - {"add", "prop"}
            if unknown:
                raise ModelError(f"residual error keys {sorted(unknown)}: use 'add', 'prop'")
            return cls(**{k: float(v) for k, v in spec.items()})
        raise ModelError("residual must be a dict {'add': ..., 'prop': ...} or ResidualError")

    def sd(self, f: np.ndarray) -> np.ndarray:
        return np.sqrt(self.add**2 + (self.prop * f) ** 2)

    def apply(self, f: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return f + self.sd(f) * rng.standard_normal(f.shape)


def _logit(p):
    return np.log(p) - np.log1p(-p)


def individual_parameters(
    typical: dict[str, float],
    n: int,
    variability=None,
    weight=None,
    allometry: Mapping[str, float] | None = None,
    ref_weight: float = 70.0,
    per_kg: tuple[str, ...] = (),
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Per-subject parameter arrays (n,) from typical values, BSV and body weight.

    Per-kg parameters are multiplied by ``weight``; ``allometry`` exponents scale by
    ``(weight / ref_weight) ** b``. Both need ``weight``, which is never guessed.
    """
    var = Variability.coerce(variability)
    allometry = dict(allometry or {})
    unknown = [
        k
        for k in [*allometry, *(var.cv if var else {}), *(var.omega if var else {})]
        if k not in typical
    ]
    if unknown:
        raise ModelError(f"no parameter(s) {unknown} in the model (has {list(typical)})")
    both = sorted(set(allometry) & set(per_kg))
    if both:
        raise ModelError(f"{both} are given per kg and also scaled allometrically: choose one")
    if (allometry or per_kg) and weight is None:
        raise ModelError(
            "per-kg parameters or allometric scaling need the body weight of "
            "every subject (weight=... or a 'weight' covariate)"
        )
    w = None if weight is None else np.broadcast_to(np.asarray(weight, float), (n,))
    eta = var.sample(n, rng if rng is not None else np.random.default_rng()) if var else {}
    out = {}
    for k, theta in typical.items():
        if k in FRACTIONS:
            if k in eta:
                if not 0.0 < theta < 1.0:
                    raise ModelError(f"variability on {k} needs 0 < {k} < 1 (got {theta:g})")
                val = 1.0 / (1.0 + np.exp(-(_logit(theta) + eta[k])))
            else:
                val = np.full(n, float(theta))
        else:
            val = np.full(n, float(theta)) * np.exp(eta.get(k, 0.0))
            if k in per_kg and w is not None:  # per kg needs the weight (checked above)
                val = val * w
            if k in allometry and w is not None:  # so does allometry (checked above)
                val = val * (w / ref_weight) ** float(allometry[k])
        out[k] = np.asarray(val, float)
    return out
