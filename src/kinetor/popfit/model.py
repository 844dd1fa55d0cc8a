"""Population model specification: structure, random effects, covariates, residual error.

Individual parameters are log-normal around their typical values, with covariate effects
multiplicative:

.. math::

    \\log P_{ik} = \\log\\theta_k + \\sum_c \\beta_{kc}\\, z_{ic} + \\eta_{ik},
    \\qquad \\eta_i \\sim N(0, \\Omega)

where :math:`z_{ic}` is :math:`\\log(WT_i/WT_{ref})` for weight (allometric, exponent
fixed at 0.75 for clearances and 1 for volumes unless estimated), :math:`\\log(x_i /
\\mathrm{median}(x))` for another continuous covariate (power model) or a 0/1 indicator
of each non-reference level of a categorical covariate. The residual error is additive
(:math:`V = a^2`), proportional (:math:`V = b^2 f^2`) or combined (:math:`V = a^2 + b^2
f^2`).

Examples
--------
>>> m = PopModel("1cmt-oral", covariates=["cl~weight", "v~sex:cat"])
>>> m.params, m.eta
(('cl', 'v', 'ka'), ('cl', 'v', 'ka'))
>>> [(c.param, c.name, c.kind) for c in m.covariates]
[('cl', 'weight', 'allometric'), ('v', 'sex', 'categorical')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kinetor.errors import ModelError

__all__ = ["STRUCTURES", "Covariate", "PopModel"]

# name -> (compartments, first-order absorption, lag time)
STRUCTURES = {
    "1cmt-iv": (1, False, False),
    "1cmt-oral": (1, True, False),
    "1cmt-oral-lag": (1, True, True),
    "2cmt-iv": (2, False, False),
    "2cmt-oral": (2, True, False),
    "2cmt-oral-lag": (2, True, True),
}
_ALIASES = {
    "1cmt": "1cmt-iv",
    "2cmt": "2cmt-iv",
    "1cmt-infusion": "1cmt-iv",
    "2cmt-infusion": "2cmt-iv",
    "1cmt-lag": "1cmt-oral-lag",
    "2cmt-lag": "2cmt-oral-lag",
}
_CLEARANCES = ("cl", "q")
ErrorModel = Literal["additive", "proportional", "combined"]


@dataclass(frozen=True)
class Covariate:
    """One covariate effect on one parameter.

    ``kind`` is ``allometric`` (weight; ``exponent`` fixed unless ``estimate``),
    ``power`` (continuous, :math:`(x/\\mathrm{median})^\\beta`), ``categorical`` or ``auto``
    (power for a numeric column, categorical otherwise).
    """

    param: str
    name: str
    kind: Literal["allometric", "power", "categorical", "auto"]
    estimate: bool = True
    exponent: float = 1.0


def _parse_covariate(text: str | Covariate, params: tuple[str, ...]) -> Covariate:
    if isinstance(text, Covariate):
        cov = text
    else:
        param, sep, rest = str(text).replace(" ", "").partition("~")
        if not sep or not rest:
            raise ModelError(
                f"covariate {text!r}: write PARAM~COVARIATE, e.g. 'cl~weight', "
                "'v~sex:cat', 'cl~age:power', 'cl~weight:est'"
            )
        name, _, opt = rest.partition(":")
        if name.lower() in ("weight", "wt", "bw") and opt in ("", "est"):
            cov = Covariate(
                param.lower(),
                "weight",
                "allometric",
                estimate=opt == "est",
                exponent=0.75 if param.lower() in _CLEARANCES else 1.0,
            )
        elif opt in ("cat", "categorical"):
            cov = Covariate(param.lower(), name, "categorical")
        elif opt in ("", "power"):
            cov = Covariate(param.lower(), name, "power" if opt == "power" else "auto")
        else:
            raise ModelError(
                f"covariate {text!r}: unknown option {opt!r} (use :cat or :power; :est "
                "estimates the exponent of weight only: cl~weight:est)"
            )
    if cov.param not in params:
        raise ModelError(
            f"covariate {text!r}: the model has no parameter {cov.param!r} "
            f"(use {', '.join(params)})"
        )
    return cov


@dataclass
class PopModel:
    """A population PK model for ``popfit``.

    Parameters
    ----------
    structure : str
        ``1cmt-iv``, ``1cmt-oral``, ``1cmt-oral-lag``, ``2cmt-iv``, ``2cmt-oral`` or
        ``2cmt-oral-lag`` (IV models take bolus and infusion doses).
    eta : sequence of str, optional
        Parameters with between-subject variability (default: all but ``tlag``).
    omega : {"diagonal", "block"}
        Independent random effects or one full covariance block.
    covariates : sequence of str or Covariate
        ``"cl~weight"`` (allometric, fixed exponent 0.75 for clearances, 1 for volumes),
        ``"cl~weight:est"`` (exponent estimated), ``"v~sex:cat"`` (categorical),
        ``"cl~age"`` (continuous power model; a non-numeric column is categorical).
    error : {"additive", "proportional", "combined"}
    iov : sequence of str
        Parameters with inter-occasion variability (Karlsson & Sheiner 1993): on
        occasion :math:`k` of individual :math:`i`, :math:`\\log P_{ikp} = \\ldots +
        \\eta_{ip} + \\kappa_{ikp}` with :math:`\\kappa_{ik} \\sim N(0, \\Pi)`, :math:`\\Pi`
        diagonal and the same on every occasion. Empty (default): none.
    """

    structure: str
    eta: tuple[str, ...] | None = None
    omega: Literal["diagonal", "block"] = "diagonal"
    covariates: list = field(default_factory=list)
    error: ErrorModel = "additive"
    iov: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        key = self.structure.lower().replace("_", "-").replace("cpt", "cmt")
        key = _ALIASES.get(key, key)
        if key not in STRUCTURES:
            raise ModelError(
                f"unknown population model {self.structure!r}: use one of {', '.join(STRUCTURES)}"
            )
        self.structure = key
        self.n_cmt, self.oral, self.lag = STRUCTURES[key]
        names = ("cl", "v") if self.n_cmt == 1 else ("cl", "v1", "q", "v2")
        self.params: tuple[str, ...] = (
            names + (("ka",) if self.oral else ()) + (("tlag",) if self.lag else ())
        )
        eta = (
            tuple(p for p in self.params if p != "tlag")
            if self.eta is None
            else tuple(str(e).lower() for e in self.eta)
        )
        bad = [e for e in eta if e not in self.params]
        if bad:
            raise ModelError(f"eta on {bad}: the model's parameters are {self.params}")
        self.eta = tuple(p for p in self.params if p in eta)
        if self.omega not in ("diagonal", "block"):
            raise ModelError(f"omega={self.omega!r}: use 'diagonal' or 'block'")
        if self.error not in ("additive", "proportional", "combined"):
            raise ModelError(f"error={self.error!r}: use additive, proportional or combined")
        self.covariates = [_parse_covariate(c, self.params) for c in self.covariates]
        pairs = [(c.param, c.name.lower()) for c in self.covariates]
        twice = sorted({f"{p}~{n}" for p, n in pairs if pairs.count((p, n)) > 1})
        if twice:
            raise ModelError(
                f"covariate {', '.join(twice)} given twice: one effect per parameter and "
                "covariate (their effects would add up under one name; e.g. cl~weight "
                "and cl~weight:est estimate 0.75 + beta, reported as beta)"
            )
        iov = tuple(str(e).lower() for e in (self.iov or ()))
        bad = [e for e in iov if e not in self.params]
        if bad:
            raise ModelError(f"iov on {bad}: the model's parameters are {self.params}")
        self.iov = tuple(p for p in self.params if p in iov)

    @property
    def sigma_names(self) -> tuple[str, ...]:
        return {
            "additive": ("add_sd",),
            "proportional": ("prop_sd",),
            "combined": ("add_sd", "prop_sd"),
        }[self.error]

    def covariate_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.name for c in self.covariates))
