"""Checks of the options of the assay fitters, made when they are called (before any fit):
a wrong option is a :class:`~kinetor.errors.DataError` naming the parameter, never a late
``ValueError`` from numpy or a silently relabelled result.

A dose unit is a concentration (``nM``, ``uM``, ``ng/mL``, ``mg/L``...), a dose per body
weight or surface (``mg/kg``, ``umol/kg``, ``mg/m2``, also per day: ``mg/kg/day``) or an
absorbed radiation dose (``Gy``); ``""`` means no unit. A bare amount (``mg``, ``kg``), a
volume or a time is refused.

Examples
--------
>>> check_dose_unit("uM")
>>> check_dose_unit("kg")
Traceback (most recent call last):
...
kinetor.errors.DataError: 1 problem in the data:
  column 'dose_unit': 'kg' is not a concentration or dose unit (fix: ...)
"""

from __future__ import annotations

import math

import numpy as np

from kinetor.errors import DataError, Problem, UnitError

__all__ = ["check_dose_unit", "check_fit_options", "check_synergy_options"]

_UNIT_FIX = (
    "give e.g. 'nM', 'uM', 'ng/mL', 'mg/kg' or 'Gy', or '' for none (--unit on the command line)"
)


def _fail(param: str, message: str, fix: str) -> DataError:
    return DataError(Problem(message, column=param, fix=fix))


def _is_number(value) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)


def _dose_like(unit) -> bool:
    from kinetor.units import Q, ureg

    num, den = Q(1.0), Q(1.0)
    for name, power in Q(1.0, unit).unit_items():
        if power > 0:
            num = num * Q(1.0, name) ** power
        else:
            den = den * Q(1.0, name) ** -power
    amount = {ureg.g.dimensionality, ureg.mol.dimensionality}
    if num.dimensionality == ureg.gray.dimensionality and den.dimensionless:
        return True
    if num.dimensionality in {(ureg.g / ureg.L).dimensionality, (ureg.mol / ureg.L).dimensionality}:
        return den.dimensionless  # molar units (nM, uM) are one unit
    per = {ureg.L.dimensionality}
    for body in (ureg.kg, ureg.m**2):  # per body weight or surface, optionally per day
        per |= {body.dimensionality, (body * ureg.day).dimensionality}
    return num.dimensionality in amount and den.dimensionality in per


def check_dose_unit(unit, param: str = "dose_unit") -> None:
    """Refuse a dose unit that is not a concentration, a dose per body weight or surface,
    or Gy (``""``: no unit)."""
    from kinetor.units import parse_unit

    if unit is None or (isinstance(unit, str) and not unit.strip()):
        return
    if not isinstance(unit, str):
        raise _fail(param, f"{unit!r} is not a unit text", _UNIT_FIX)
    try:
        parsed = parse_unit(unit)
    except UnitError as exc:
        raise _fail(param, str(exc), _UNIT_FIX) from None
    if not _dose_like(parsed):
        raise _fail(param, f"{unit!r} is not a concentration or dose unit", _UNIT_FIX)


def check_fit_options(fit) -> None:
    """The options of a :class:`~kinetor.assays.DoseResponseFit`, at construction."""
    from kinetor.assays.curves import PARAMS

    if fit.model not in PARAMS:
        raise _fail("model", f"unknown model {fit.model!r}", "choose 3pl, 4pl or 5pl (--model)")
    if fit.ci not in ("wald", "profile"):
        raise _fail("ci", f"unknown CI method {fit.ci!r}", "choose wald or profile (--ci)")
    if fit.ci == "profile" and fit.model == "5pl":
        raise _fail("ci", "profile-likelihood CI is implemented for 3PL/4PL", "use ci='wald'")
    unknown = sorted(set(fit.fix) - set(PARAMS[fit.model]))
    bad = [k for k, v in fit.fix.items() if not (_is_number(v) and math.isfinite(v))]
    if unknown or bad:
        raise _fail(
            "fix",
            f"cannot fix {unknown}" if unknown else f"fix values {bad} are not finite numbers",
            f"fixable parameters of {fit.model}: {', '.join(PARAMS[fit.model])}, with numbers "
            "(--fix top=100)",
        )
    check_dose_unit(fit.dose_unit)
    for name, value in (("ci_level", fit.ci_level), ("flat_p", fit.flat_p)):
        if not (_is_number(value) and 0.0 < value < 1.0):
            raise _fail(name, f"{name}={value!r} is not a number in (0, 1)", "e.g. 0.95 or 0.05")
    if not (_is_number(fit.outlier_z) and fit.outlier_z > 0):
        raise _fail("outlier_z", f"outlier_z={fit.outlier_z!r} is not > 0", "e.g. 3")
    if not (_is_number(fit.absolute_level) and math.isfinite(fit.absolute_level)):
        raise _fail(
            "absolute_level",
            f"absolute_level={fit.absolute_level!r} is not a finite number",
            "e.g. 50 for percent of vehicle, 0.5 for fractions (--absolute-level)",
        )


def check_synergy_options(methods, scale, n_boot, level, known, reference="fit") -> list[str]:
    """The options of :func:`~kinetor.assays.synergy`; returns the methods as a list (one
    name may be given as a string)."""
    if reference not in ("fit", "observed"):
        raise _fail(
            "reference",
            f"unknown reference {reference!r}",
            "choose fit (the monotherapy Hill fits) or observed (the single-agent wells) "
            "(--reference)",
        )
    methods = [methods] if isinstance(methods, str) else list(methods)
    bad = sorted(set(methods) - set(known))
    if bad or not len(methods):
        raise _fail("methods", f"unknown method(s) {bad}", f"choose from {', '.join(known)}")
    if scale not in ("percent", "fraction"):
        raise DataError(Problem(f"unknown scale {scale!r}", fix="percent or fraction"))
    whole = isinstance(n_boot, int | np.integer) and not isinstance(n_boot, bool)
    if not whole or n_boot < 0:
        raise _fail(
            "n_boot",
            f"n_boot={n_boot!r} is not a whole number >= 0",
            "give the bootstrap resamples, e.g. 1000, or 0 for none (--n-boot)",
        )
    if not (_is_number(level) and 0.0 < level < 1.0):
        raise _fail("level", f"level={level!r} is not in (0, 1)", "give e.g. 0.95 (95 % intervals)")
    return methods


#: A response above this is raw signal, not percent of vehicle (10 x the vehicle's 100).
RAW_SIGNAL = 1000.0


def check_default_level(top: float, source: str, column: str) -> str:
    """The default absolute-IC50 level (50, percent of vehicle) against the data: refused
    when the largest response ``top`` is <= 1.5 (fractions: a DataError, the user says
    which level is meant); above :data:`RAW_SIGNAL` (raw signal, e.g. luminescence) the
    relative IC50 stands but no absolute one is read at 50: the returned reason ("" when
    the level fits) goes with ``abs_ic50`` NaN."""
    if top <= 1.5:
        raise DataError(
            Problem(
                f"every response is <= {top:g}: the data look like fractions of vehicle, "
                "but the absolute IC50 is read at the default level 50 (percent)",
                file=source,
                column=column,
                fix="pass absolute_level=0.5 (--absolute-level 0.5) for fractions, or 50 "
                "if these are percentages",
            )
        )
    if top > RAW_SIGNAL:
        return (
            f"absolute IC50 not computed: a response of {top:g} looks like raw signal, not "
            "percent of vehicle; give the signal level that defines it (absolute_level=, "
            "--absolute-level) or normalise to the vehicle wells"
        )
    return ""
