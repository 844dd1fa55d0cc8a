"""NCA options: every business rule is a named, typed field recorded in each result.

Defaults follow Phoenix WinNonlin (AUC method "Linear Up Log Down", lambda_z "best fit")
and PKNCA (BLQ handling, acceptance thresholds); docs/nca.md maps each field onto the
corresponding Phoenix and PKNCA setting.

Examples
--------
>>> opts = Options()
>>> opts.auc_method, opts.blq_rule, opts.time
('lin-up/log-down', 'pknca', 'actual')
>>> Options(auc_method="linear").auc_method
'linear'
>>> Options(auc_method="log")
Traceback (most recent call last):
...
kinetor.errors.KinetorError: auc_method='log' is not one of: linear, lin-up/log-down, lin-log
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from numbers import Real
from typing import Any, Literal, get_args

from kinetor.data.blq import BLQRule, blq_shape
from kinetor.errors import KinetorError

__all__ = ["AUCMethod", "Options", "SparseMean", "TimeColumn"]

AUCMethod = Literal["linear", "lin-up/log-down", "lin-log"]
TimeColumn = Literal["actual", "nominal"]
SparseMean = Literal["arithmetic", "arithmetic, <=50% BLQ"]

_CHOICES: dict[str, tuple[str, ...]] = {
    "auc_method": get_args(AUCMethod),
    "time": get_args(TimeColumn),
    "sparse_mean": get_args(SparseMean),
}


@dataclass(frozen=True)
class Options:
    """Options of a non-compartmental analysis.

    Parameters
    ----------
    auc_method : {"lin-up/log-down", "linear", "lin-log"}
        Trapezoid rule. ``"lin-up/log-down"`` (default; Phoenix "Linear Up Log Down",
        PKNCA ``"lin up/log down"``): log trapezoid where the concentration declines and
        both ends are > 0, linear otherwise. ``"linear"``: linear everywhere.
        ``"lin-log"`` (Phoenix "Linear Log"): linear up to Tmax, log after it wherever both
        ends are > 0 and differ.
    blq_rule : str or dict
        How BLQ samples enter (see ``kinetor.data.apply_blq_rule``); default ``"pknca"``.
        A PKNCA shape (``{"first": "keep", "middle": "drop", "last": 0.5}`` or
        ``{"before_tmax": ..., "after_tmax": ...}``) is stored as its string form
        ``"first=keep,middle=drop,last=0.5"``.
    time : {"actual", "nominal"}
        Use the ``time`` (actual) or ``nominal_time`` column.
    lambda_z_min_points : int
        Fewest points in a lambda_z regression (Phoenix and PKNCA: 3).
    lambda_z_tolerance : float
        Fits whose adjusted R2 is within this of the best are tied; the one with more
        points wins (Phoenix and PKNCA: 1e-4).
    min_r2adj, min_span_ratio, max_aucpext : float
        Acceptance rules (PKNCA defaults 0.9, 2, 20 %). A result that fails one keeps its
        value and gets the reason in ``exclude``.
    sparse : bool
        Serial-sacrifice design: analyse the mean profile of each group and add the
        Bailer / Nedelman-Jia standard error of AUClast.
    sparse_mean : {"arithmetic, <=50% BLQ", "arithmetic"}
        Mean at each time of a sparse design; with ``"<=50% BLQ"`` a time where more than
        half of the samples are BLQ has mean 0 (PKNCA default).
    cl_unit, volume_unit : str, optional
        Output units for clearances and volumes (default ``L/<time unit>`` and ``L``,
        per kg or per m^2 when the dose is).
    """

    auc_method: AUCMethod = "lin-up/log-down"
    blq_rule: BLQRule | str = "pknca"
    time: TimeColumn = "actual"
    lambda_z_min_points: int = 3
    lambda_z_tolerance: float = 1e-4
    min_r2adj: float = 0.9
    min_span_ratio: float = 2.0
    max_aucpext: float = 20.0
    sparse: bool = False
    sparse_mean: SparseMean = "arithmetic, <=50% BLQ"
    cl_unit: str | None = None
    volume_unit: str | None = None

    def __post_init__(self) -> None:
        shape = blq_shape(self.blq_rule)
        if shape is not None:  # canonical, hashable string form of a PKNCA shape
            object.__setattr__(
                self,
                "blq_rule",
                ",".join(
                    f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in shape.items()
                ),
            )
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                raise KinetorError(f"{name}={value!r} is not one of: {', '.join(choices)}")
        if int(self.lambda_z_min_points) < 3:
            raise KinetorError(
                "lambda_z_min_points must be >= 3 (a line through 2 points has no adjusted R2)"
            )
        if not self.lambda_z_tolerance >= 0:
            raise KinetorError("lambda_z_tolerance must be >= 0")
        # acceptance thresholds: a value outside its range would flag every or no result
        for name, lo, hi, what in (
            ("min_r2adj", 0.0, 1.0, "an adjusted R2, from 0 to 1 (default 0.9)"),
            ("min_span_ratio", 0.0, math.inf, "a number of half-lives >= 0 (default 2)"),
            ("max_aucpext", 0.0, 100.0, "a percentage of AUCinf, from 0 to 100 (default 20)"),
        ):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, Real)
                or not lo <= float(value) <= hi
            ):
                raise KinetorError(f"{name}={value!r} is out of range: give {what}")

    def with_(self, **changes: Any) -> Options:
        """A copy with some fields changed (unknown names are an error)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise KinetorError(
                f"unknown NCA option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The options as a plain dict (for provenance records)."""
        return asdict(self)
