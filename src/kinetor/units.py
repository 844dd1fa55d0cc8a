"""Units: one pint registry, quantity parsing, mass <-> molar conversion.

kinetor carries units at its boundaries (input columns, outputs) and computes on plain
floats inside, in one base system:

==============  ===========  =====================================
quantity        base unit    notes
==============  ===========  =====================================
time            h
concentration   ng/mL        (= ug/L); molar data stay molar (nM)
amount (dose)   mg
volume          L
body weight     kg
==============  ===========  =====================================

PK spellings that pint does not read by itself are normalised first: ``h``/``hr``/``hrs``
mean hour (pint's ``h`` is Planck's constant), ``mcg``/``µg`` mean microgram, ``m2`` means
square metre (body surface area), ``HOURS``/``DAYS`` (CDISC) mean hour/day, ``uM``/``µM``
micromolar.

Examples
--------
>>> parse_quantity("15 mg/kg")
<Quantity(15.0, 'milligram / kilogram')>
>>> convert(1.0, "ug/mL", "ng/mL")
1000.0
>>> round(to_molar(500.0, "ng/mL", mw=462.54), 4)
1080.9876
>>> parse_unit("h") == parse_unit("hour")
True

Vocabularies shared by the readers, the regimen language and the reports: ``TIME_WORDS``
(every time word kinetor reads, to its hours) and :func:`dose_basis` (absolute, per kg of
body weight or per m^2 of body surface area).

>>> TIME_WORDS["wk"], TIME_WORDS["mins"]
(168.0, 0.016666666666666666)
>>> dose_basis("mg/kg"), dose_basis("umol/m2"), dose_basis("mg")
('/kg', '/m^2', '')
"""

from __future__ import annotations

import re
from functools import lru_cache
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
import pint

from kinetor.errors import UnitError

if TYPE_CHECKING:  # a unit as pint types it: the registry's Unit or its plain facet's
    from pint.facets.plain import PlainUnit

    AnyUnit = pint.Unit | PlainUnit

__all__ = [
    "TIME_WORDS",
    "Q",
    "UnitError",
    "convert",
    "dimension",
    "dose_basis",
    "format_unit",
    "is_molar",
    "parse_quantity",
    "parse_unit",
    "to_mass",
    "to_molar",
    "ureg",
]

ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
ureg.formatter.default_format = "~"
# radioactivity counter output: disintegrations per minute (1 Bq = 1 decay/s, so
# 1 dpm = 1/60 Bq and 1 uCi = 3.7e4 Bq = 2.22e6 dpm)
ureg.define("dpm = becquerel / 60 = disintegrations_per_minute")
Q = ureg.Quantity

# Time words (lower case) -> hours in one unit: the one vocabulary of the regimen language
# ("q8h", "for 3 weeks"), duration columns and unit strings.
TIME_WORDS: dict[str, float] = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 1.0),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), 1.0 / 60.0),
    **dict.fromkeys(("d", "day", "days"), 24.0),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 168.0),
}

# Whole-token aliases, applied case-sensitively first and then case-insensitively.
_ALIASES = {
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hour": "hour",
    "hours": "hour",
    "min": "minute",
    "mins": "minute",
    "minutes": "minute",
    "s": "second",
    "sec": "second",
    "d": "day",
    "day": "day",
    "days": "day",
    "wk": "week",
    "wks": "week",
    "week": "week",
    "weeks": "week",
    "mcg": "microgram",
    "µg": "microgram",
    "μg": "microgram",
    "ug": "microgram",
    "µl": "microliter",
    "μl": "microliter",
    "ul": "microliter",
    "m2": "meter**2",
    "ml": "milliliter",
    "l": "liter",
    "dl": "deciliter",
    "dpm": "dpm",
}
# Case-sensitive spellings where case matters (mM vs mm, M vs m): a molar unit needs its
# capital M ('nm' is a nanometre, 'Mm' a megametre, never a guess at nanomolar or millimolar).
_CASED = {
    "M": "molar",
    "mM": "millimolar",
    "uM": "micromolar",
    "nM": "nanomolar",
    "pM": "picomolar",
    "µM": "micromolar",
    "μM": "micromolar",
    "mL": "milliliter",
    "L": "liter",
    "uL": "microliter",
    "µL": "microliter",
    "dL": "deciliter",
    "m": "meter",
    "mm": "millimeter",
    "um": "micrometer",
}
# tokens that read as a molar unit only with the right case (see _CASED)
_MOLAR_LIKE = {"nm", "um", "µm", "μm", "pm", "mm"}
_TOKEN = re.compile(r"[A-Za-zµμ]+[0-9]?")


def _normalise(text: str) -> str:
    text = text.strip().replace("·", "*").replace("×", "*").replace("^", "**")

    def repl(match: re.Match[str]) -> str:
        tok = match.group(0)
        if tok in _CASED:
            return _CASED[tok]
        if tok.lower() in _MOLAR_LIKE:
            raise pint.errors.UndefinedUnitError(tok)  # 'NM', 'UM': molar or metric? ask
        low = tok.lower()
        if low in _ALIASES:
            return _ALIASES[low]
        if tok.isupper() and low in _ALIASES:
            return _ALIASES[low]
        if re.fullmatch(r"[A-Za-z]+2", tok):  # m2 -> meter**2, cm2 ...
            return f"{tok[:-1]}**2"
        return tok

    return _TOKEN.sub(repl, text)


_MAX_UNIT_CHARS = 64


@lru_cache(maxsize=512)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string such as ``"ng/mL"``, ``"mg/kg"``, ``"h"`` or ``"uM"``.

    Raises
    ------
    UnitError
        If the unit is unknown (the message names the text and suggests a spelling).
    """
    if text is None or not str(text).strip():
        raise UnitError("empty unit: give a unit such as 'ng/mL', 'nM', 'mg/kg' or 'h'")
    if len(str(text)) > _MAX_UNIT_CHARS or len(re.findall(r"[*/^]", str(text))) > 8:
        # pint parses recursively: a long chain of '/mg' costs time and then the stack
        raise UnitError(
            f"the unit {str(text)[:40]!r}... is too long to be a unit (at most "
            f"{_MAX_UNIT_CHARS} characters and 8 operators)"
        )
    try:
        return ureg.Unit(_normalise(str(text)))
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        AttributeError,
        TypeError,
        ValueError,
        AssertionError,
        RecursionError,
    ) as exc:
        raise UnitError(
            f"unknown unit {text!r}: use e.g. 'ng/mL', 'ug/mL', 'nM', 'uM', 'mg', 'mg/kg', "
            f"'mg/m2', 'umol/kg', 'h', 'min', 'day' (molar units are case-sensitive: 'nM', "
            f"'uM', 'mM', 'pM'; 'nm' and 'mm' are lengths)"
        ) from exc


def parse_quantity(text: str | float | pint.Quantity, default_unit: str | None = None):
    """Parse ``"15 mg/kg"``, ``"10 nM"`` or ``"2 days"`` into a pint ``Quantity``.

    A bare number takes ``default_unit``; without one it is an error (units are never
    guessed).
    """
    if isinstance(text, pint.Quantity):
        return text
    if isinstance(text, int | float | np.floating | np.integer):
        if default_unit is None:
            raise UnitError(f"{text!r} has no unit: write it with one, e.g. '{text} mg/kg'")
        return Q(float(text), parse_unit(default_unit))
    m = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*", str(text))
    if not m:
        raise UnitError(
            f"cannot read quantity {text!r}: write a number then a unit, "
            f"e.g. '15 mg/kg', '10 nM', '2 days'"
        )
    value, unit = float(m.group(1)), m.group(2)
    if not np.isfinite(value):
        raise UnitError(f"{m.group(1)} in {text!r} is not a finite number")
    if not unit:
        if default_unit is None:
            raise UnitError(f"{text!r} has no unit: write it with one, e.g. '{text} mg/kg'")
        unit = default_unit
    return Q(value, parse_unit(unit))


_PRETTY = {
    "l": "L",
    "ml": "mL",
    "dl": "dL",
    "ul": "uL",
    "µl": "uL",
    "hr": "h",
    "µg": "ug",
    "µM": "uM",
    "µmol": "umol",
    "d": "day",
    "µm": "um",
}


def format_unit(unit: str | AnyUnit) -> str:
    """Compact PK spelling of a unit (``ng/mL``, ``h``, ``L/h/kg``).

    >>> format_unit("liter/hour/kilogram")
    'L/h/kg'
    """
    u = parse_unit(unit) if isinstance(unit, str) else unit
    s = f"{u:~}".replace(" ", "").replace("**", "^")
    return re.sub(r"[A-Za-zµ]+", lambda m: _PRETTY.get(m.group(0), m.group(0)), s)


def dimension(unit: str | AnyUnit) -> str:
    """The pint dimensionality of a unit as a string, e.g. ``'[mass] / [length] ** 3'``."""
    u = parse_unit(unit) if isinstance(unit, str) else unit
    return str(u.dimensionality)


def is_molar(unit: str | AnyUnit) -> bool:
    """True when the unit contains amount of substance (nM, umol/kg...)."""
    u = parse_unit(unit) if isinstance(unit, str) else unit
    return "[substance]" in u.dimensionality


def convert(values, from_unit: str, to_unit: str, mw: float | None = None):
    """Convert numbers (scalar or array) between units.

    Mass <-> molar conversion needs ``mw`` (g/mol); without it such a conversion is a
    ``UnitError``, never a guess.

    Examples
    --------
    >>> convert(2.0, "h", "min")
    120.0
    >>> convert(1.0, "uM", "ng/mL", mw=462.54)
    462.54
    """
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    arr = np.asarray(values, dtype=float)
    if src == dst:
        out = arr
    elif src.dimensionality == dst.dimensionality:
        out = _scaled(arr, Q(1.0, src), dst)
    elif is_molar(src) != is_molar(dst):
        if str((dst if is_molar(src) else src).dimensionality) == "[length]":
            raise UnitError(
                f"cannot convert {from_unit!r} to {to_unit!r}: molar units are "
                "case-sensitive: write 'nM', 'uM', 'mM' or 'pM' ('nm', 'mm' are lengths)"
            )
        if mw is None:
            raise UnitError(
                f"converting {from_unit!r} to {to_unit!r} needs the molecular "
                f"weight: pass mw=... (g/mol; --mw on the command line)"
            )
        if isinstance(mw, bool) or not isinstance(mw, Real) or not 0 < mw < np.inf:
            raise UnitError(
                f"molecular weight mw={mw!r} converting {from_unit!r} to {to_unit!r}: "
                "it must be a finite number > 0 in g/mol (--mw on the command line)"
            )
        g_per_mol = ureg.Unit("g/mol")
        q = Q(1.0, src)
        q = q * Q(mw, g_per_mol) if is_molar(src) else q / Q(mw, g_per_mol)
        try:
            out = _scaled(arr, q, dst)
        except pint.errors.DimensionalityError as exc:
            raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}") from exc
    else:
        raise UnitError(
            f"cannot convert {from_unit!r} ({src.dimensionality}) to {to_unit!r} "
            f"({dst.dimensionality}): the dimensions differ"
        )
    return float(out) if np.ndim(out) == 0 else np.asarray(out)


def _scaled(arr: np.ndarray, one: pint.Quantity, dst) -> np.ndarray:
    """``arr`` times the magnitude of ``one`` (1 of the source unit) in ``dst``, the
    factor's binary round-off snapped to its 15-digit decimal (ug/mL -> ng/mL: 1000.0,
    not 999.9999999999999) when that is within 4 ulp; a unit with an offset (degC) is
    converted as it is."""
    if Q(0.0, one.units).to(dst).magnitude != 0.0:  # not a pure scale factor
        return Q(arr * one.magnitude, one.units).to(dst).magnitude
    factor = float(one.to(dst).magnitude)
    snapped = float(f"{factor:.15g}")
    if abs(snapped - factor) <= 4 * np.spacing(abs(factor)):
        factor = snapped
    return arr * factor


def to_molar(values, unit: str, mw: float, to: str = "nM"):
    """Mass concentration -> molar concentration (default nM) with molecular weight ``mw``."""
    return convert(values, unit, to, mw=mw)


def to_mass(values, unit: str, mw: float, to: str = "ng/mL"):
    """Molar concentration (or amount) -> mass, with molecular weight ``mw``."""
    return convert(values, unit, to, mw=mw)


def dose_basis(unit: str | AnyUnit) -> str:
    """``''`` for an absolute dose, ``'/kg'`` per body weight, ``'/m^2'`` per body surface.

    The unit must be an amount (mass or substance) or an amount per kg or per m^2; anything
    else is a :class:`~kinetor.errors.UnitError` naming the unit.
    """
    u = parse_unit(unit) if isinstance(unit, str) else unit
    q = Q(1.0, u)
    amount = Q(1.0, ureg.mol) if is_molar(u) else Q(1.0, ureg.g)
    dim = (q / amount).to_base_units().dimensionality
    if not dim:
        return ""
    if dim == (1 / ureg.kg).dimensionality:
        return "/kg"
    if dim == (1 / ureg.m**2).dimensionality:
        return "/m^2"
    raise UnitError(
        f"dose unit {format_unit(u)} is neither an amount nor an amount per kg or per m^2"
    )
