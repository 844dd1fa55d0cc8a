"""Drug inputs of the network: units, piecewise-linear profiles and exact PK courses.

:func:`drug_inputs` turns ``[(drug, input), ...]`` into what the engine sets per slot: the
potency and Hill slope, and the free concentration as a constant (``"10 nM"``, a number in
nM), a piecewise-linear profile ``(times_h, concs_nM)`` (checked row by row) or a
:class:`kinetor.pk.Polyexponential` course (converted to nM with the drug's ``mw``).

Examples
--------
>>> drugs, params, profiles, courses = drug_inputs([("vistusertib", "1 uM")], 0.1)
>>> params["c0_mtor_kinase"], profiles, courses
(1000.0, {}, {})
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from kinetor.errors import DataError, ModelError, Problem, UnitError
from kinetor.pathway.drugs import Drug, resolve_drug

__all__ = ["MAX_CONC_NM", "course_peak", "drug_inputs", "hours", "shown"]

# above 1 M no drug is in solution, and the rapalog occupancy equation turns stiff enough
# (from ~1e30 nM) for CVODE to fail: a larger value is a unit mistake, refused
MAX_CONC_NM = 1e9


def hours(value: float | str | Any) -> float:
    """A duration in hours (a number is taken as hours; ``"3 days"`` is converted)."""
    if isinstance(value, int | float | np.floating | np.integer):
        return float(value)
    from pint.errors import DimensionalityError

    from kinetor.units import parse_quantity

    q = parse_quantity(value, default_unit="h")
    try:
        return float(q.to("hour").magnitude)
    except DimensionalityError as exc:
        raise UnitError(f"{value!r} is not a duration (write e.g. '24 h' or '3 days')") from exc


def _nanomolar(value: float | str | Any, drug: Drug) -> float:
    if isinstance(value, int | float | np.floating | np.integer):
        return float(value)
    from kinetor.units import convert, is_molar, parse_quantity

    if isinstance(value, str) and _is_number(value):
        raise UnitError(
            f"{drug.name}: {value!r} has no unit: write a concentration with one, e.g. "
            f"'{value.strip()} nM' (or pass the number {value.strip()}, read as nM)"
        )
    q = parse_quantity(value)
    unit = str(q.units)
    mw = drug.extra.get("mw")
    if not is_molar(unit) and mw is None:
        raise UnitError(
            f"{drug.name}: {value!r} is a mass concentration; give it in nM/uM or "
            "give the drug a molecular weight ('mw')"
        )
    return float(convert(q.magnitude, unit, "nM", mw=mw))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def drug_inputs(pairs, rapalog_shift: float):
    """Resolve ``[(drug, input), ...]`` into the slots' parameters and inputs.

    Returns ``(drugs, drug_params, profiles, courses)``: the resolved :class:`Drug`
    objects; ``K_<mech>``, ``h_<mech>`` (and ``K2_dual_pi3k_mtor``) with ``c0_<mech>`` for
    constant concentrations (nM); piecewise-linear ``(times_h, concs_nM)`` profiles and
    exact PK courses in nM, by mechanism. One slot per mechanism (a conjugate fills two).
    """
    resolved: list[Drug] = []
    drug_params: dict[str, float] = {}
    profiles: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    courses: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for spec, value in pairs:
        drug = resolve_drug(spec)
        resolved.append(drug)
        for part in drug.slots():  # a conjugate occupies two slots at one concentration
            mech = part.mechanism
            if mech in seen:
                raise ModelError(
                    f"{part.name} and {seen[mech]} share the mechanism "
                    f"{mech!r}; the network has one slot per mechanism"
                )
            seen[mech] = part.name
            k1, k2 = part.cellular_k(rapalog_shift)
            drug_params[f"K_{mech}"] = k1
            drug_params[f"h_{mech}"] = float(part.hill)
            if mech == "dual_pi3k_mtor":
                drug_params["K2_dual_pi3k_mtor"] = k2
            if _is_course(value):
                courses[mech] = _course(drug, value)
            elif isinstance(value, tuple | list) and len(value) == 2 and not isinstance(value, str):
                profiles[mech] = _profile(drug, value)
            else:
                conc = _nanomolar(value, drug)
                if not (np.isfinite(conc) and 0 <= conc <= MAX_CONC_NM):
                    raise DataError(
                        Problem(
                            f"{drug.name}: concentration {shown(value)} must be a finite "
                            f"number from 0 to {MAX_CONC_NM:g} nM (1 M)",
                            column="conc",
                            fix="check the value and its unit (nM unless one is written)",
                        )
                    )
                drug_params[f"c0_{mech}"] = conc
    return resolved, drug_params, profiles, courses


def _is_course(value) -> bool:
    """Whether ``value`` is a :class:`kinetor.pk.Polyexponential` (without importing
    ``kinetor.pk`` here: a course can only exist once its module is loaded)."""
    mod = sys.modules.get("kinetor.pk.course")
    return mod is not None and isinstance(value, mod.Polyexponential)


def _course(drug: Drug, course):
    """``course`` in nM, checked to cover the simulation from time 0."""
    if course.start[0] > 0:
        raise ModelError(
            f"{drug.name}: the course starts at {course.start[0]:g} h but the "
            "simulation starts at 0 h; build it with start=0"
        )
    from kinetor.units import convert, is_molar

    mw = drug.extra.get("mw")
    if not is_molar(course.unit) and mw is None:
        raise UnitError(
            f"{drug.name}: the course is in {course.unit} (a mass concentration); "
            "convert it with course.to('nM', mw=...) or give the drug an 'mw'"
        )
    nm = course.scaled(float(convert(1.0, course.unit, "nM", mw=mw)), "nM")
    t_peak, peak = course_peak(nm)
    if not peak <= MAX_CONC_NM:
        raise DataError(
            Problem(
                f"{drug.name}: the course reaches a free concentration of {peak:.3g} nM "
                f"(at {t_peak:.3g} h), above {MAX_CONC_NM:g} nM (1 M)",
                column="conc",
                fix="check the dose and its unit (e.g. mg/kg, not ug/kg or g/kg)",
            )
        )
    return nm


def course_peak(course) -> tuple[float, float]:
    """``(time_h, value)`` of the highest point of a course (from its start on).

    Within a piece the course is ``c + sum_j a_j exp(-r_j s)``, at most ``c + sum_j
    max(a_j, 0)``: where no piece's bound exceeds :data:`MAX_CONC_NM`, the highest
    breakpoint value is returned. Otherwise each piece is sampled at its start and on a
    geometric grid of ``s`` (100 points a decade, from a thousandth of the fastest decay
    time or 1 ms to the piece's end; the last piece: 50 slowest decay times), which finds
    the peak of such sums to about 1e-4 of its value.

    Examples
    --------
    >>> from kinetor.pk.course import Polyexponential
    >>> c = Polyexponential([0.0], [0.0], [[2e9, -2e9]], [0.1, 1.0], "nM")
    >>> t, v = course_peak(c)  # 2e9 (exp(-0.1 t) - exp(-t)): peak at ln(10)/0.9 = 2.558 h
    >>> round(v / 2e9, 4), bool(abs(t - np.log(10) / 0.9) < 0.06)
    (0.6968, True)
    """
    start, rate = course.start, course.rate
    bound = course.const + np.clip(course.amp, 0.0, None).sum(axis=1)
    if bound.max() <= MAX_CONC_NM:
        values = course(start)
        k = int(np.argmax(values))
        return float(start[k]), float(values[k])
    fast = rate[rate > 0]
    length = np.append(np.diff(start), 50.0 / fast.min() if fast.size else 1.0)
    s_lo = min(1e-3 / fast.max(), 1e-3) if fast.size else 1e-3
    decades = max(np.log10(length.max() / s_lo), 1.0)
    s = np.append(0.0, np.geomspace(s_lo, length.max(), int(min(100 * decades, 4000)) + 1))
    t = (start[:, None] + s[None, :])[s[None, :] <= length[:, None]]
    values = course(t)
    k = int(np.argmax(values))
    return float(t[k]), float(values[k])


def _profile(drug: Drug, value) -> tuple[np.ndarray, np.ndarray]:
    t_raw, c_raw = value
    t, c = _numeric(t_raw), _numeric(c_raw)  # plain numbers: no per-element parsing
    if t is None:
        t = np.array([hours(x) for x in t_raw], dtype=float)
    if c is None:
        c = np.array([_nanomolar(x, drug) for x in c_raw], dtype=float)
    problems = []
    if t.size != c.size or t.size == 0:
        problems.append(
            Problem(
                f"{drug.name}: {t.size} times but {c.size} concentrations",
                fix="give one concentration per time",
            )
        )
    else:
        for i in range(t.size):
            if not np.isfinite(t[i]):
                problems.append(
                    Problem(
                        f"{drug.name}: profile point {i + 1}: time {shown(t_raw[i])} is "
                        "not a finite number of hours",
                        row=i + 1,
                        column="time",
                        fix="give finite times in h",
                    )
                )
            if not (np.isfinite(c[i]) and 0 <= c[i] <= MAX_CONC_NM):
                problems.append(
                    Problem(
                        f"{drug.name}: profile point {i + 1}: concentration "
                        f"{shown(c_raw[i])} must be a finite number from 0 to "
                        f"{MAX_CONC_NM:g} nM (1 M)",
                        row=i + 1,
                        column="conc",
                        fix="check the value and its unit (nM unless one is written)",
                    )
                )
            if i and not t[i] > t[i - 1]:
                problems.append(
                    Problem(
                        f"{drug.name}: profile point {i + 1}: time {shown(t_raw[i])} not "
                        "after the previous one",
                        row=i + 1,
                        column="time",
                        fix="times must increase strictly",
                    )
                )
    if problems:
        raise DataError(problems)
    return t, c


def shown(value: Any) -> str:
    """A value as a user wrote it: a number plainly (``1e+12``, not ``np.float64(...)``),
    anything else as its repr.

    Examples
    --------
    >>> shown(np.float64(1e12)), shown(2), shown("1e30 nM")
    ('1e+12', '2', "'1e30 nM'")
    """
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return f"{float(value):g}" if isinstance(value, float | np.floating) else str(value)
    return repr(value)


def _numeric(values) -> np.ndarray | None:
    """``values`` as a float array when they are plain numbers (h, nM), else None."""
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "fiu":
        return values.astype(float)
    if isinstance(values, list | tuple) and all(
        isinstance(x, int | float | np.integer | np.floating) for x in values
    ):
        return np.array(values, dtype=float)
    return None
