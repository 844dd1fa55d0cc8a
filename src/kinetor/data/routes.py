"""Route normalisation: the many ways a route is written -> three canonical names.

kinetor's NCA and PK need one distinction: is the dose an intravascular bolus, an
intravascular infusion (with a duration), or extravascular (absorbed: PO, SC, IP, IM...)?
The original wording is kept in ``route_raw`` so nothing is lost.

>>> normalise_route("PO")
'extravascular'
>>> normalise_route("IV bolus")
'iv_bolus'
>>> normalise_route("INTRAVENOUS DRIP")
'iv_infusion'
>>> normalise_route("teleportation") is None
True
>>> says_bolus("IV push"), says_bolus("IV")
(True, False)
>>> normalise_route("Intravenous push"), normalise_route("intravenous (bolus)")
('iv_bolus', 'iv_bolus')
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "ROUTES",
    "infusion_note",
    "iv_infusions",
    "normalise_route",
    "route_kind",
    "says_bolus",
]

ROUTES = ("iv_bolus", "iv_infusion", "extravascular")

_MAP = {
    "iv_bolus": (
        "iv",
        "ivb",
        "iv bolus",
        "bolus",
        "intravenous",
        "intravenous bolus",
        "iv push",
        "iv_bolus",
        "intravascular",
        "i.v.",
        "i v",
    ),
    "iv_infusion": (
        "iv infusion",
        "infusion",
        "ivi",
        "iv inf",
        "intravenous infusion",
        "intravenous drip",
        "iv drip",
        "iv_infusion",
        "continuous infusion",
    ),
    "extravascular": (
        "po",
        "p.o.",
        "oral",
        "per os",
        "orally",
        "gavage",
        "oral gavage",
        "sc",
        "s.c.",
        "subcutaneous",
        "ip",
        "i.p.",
        "intraperitoneal",
        "im",
        "i.m.",
        "intramuscular",
        "extravascular",
        "ev",
        "topical",
        "dermal",
        "transdermal",
        "inhalation",
        "intranasal",
        "in",
        "buccal",
        "sublingual",
        "rectal",
        "intratumoral",
        "intratumoural",
        "id",
        "intradermal",
        "nasogastric",
        "respiratory (inhalation)",
    ),
}
_LOOKUP = {alias: route for route, aliases in _MAP.items() for alias in aliases}
# IV routes that say "bolus" in words: an infusion duration contradicts them (plain "IV",
# "intravenous" say nothing of the rate: with a duration > 0 the dose is an infusion)
_SAYS_BOLUS = ("ivb", "iv bolus", "bolus", "intravenous bolus", "iv push", "iv_bolus")


# the ways "intravenous" is written before a word: read as "iv" (so that every IV
# spelling, "IV push", "i.v. push", "intravenous push", names the same route)
_IV_WORD = re.compile(r"^(?:intravenous|intravenously|i\.v\.|i\.v|i v)\s+")


def _key(text: object) -> str:
    return re.sub(r"[\s_\-/]+", " ", str(text).strip().lower()).strip()


def _keys(text: object) -> tuple[str, ...]:
    """The forms of a route text compared with the table: as written (spaces, ``_``, ``-``
    and ``/`` as one space), with brackets dropped (``intravenous (bolus)``), and with a
    leading "intravenous"/"i.v." as "iv" (``Intravenous push`` = ``IV push``)."""
    key = _key(text)
    plain = " ".join(re.sub(r"[()\[\]]", " ", key).split())
    out = [key, plain, _IV_WORD.sub("iv ", key), _IV_WORD.sub("iv ", plain)]
    out += [k.replace(" ", "_") for k in out]
    return tuple(dict.fromkeys(out))


def normalise_route(text: object) -> str | None:
    """Map a route as written (CDISC ``EXROUTE``, free text, NONMEM CMT-derived) to one of
    ``iv_bolus``, ``iv_infusion``, ``extravascular``; ``None`` if it is not recognised."""
    if text is None:
        return None
    key = _key(text)
    if not key or key in {"nan", "none"}:
        return None
    return next((_LOOKUP[k] for k in _keys(text) if k in _LOOKUP), None)


def says_bolus(text: object) -> bool:
    """True when the route as written names an IV bolus in words (``IV bolus``, ``IV
    push``, ``Intravenous push``, ``IVB``...), not only "IV" (which, given an infusion
    duration, is an infusion)."""
    return any(k in _SAYS_BOLUS for k in _keys(text))


def iv_infusions(route, route_raw, duration) -> tuple[Any, Any, Any]:
    """``(route, converted, contradiction)`` arrays: an IV bolus with a duration > 0 is an
    infusion (``converted``), unless the route as written says bolus in words
    (``contradiction``: the caller reports it). A zero or empty duration stays a bolus."""
    import numpy as np

    route = np.asarray(route, dtype=object)
    with np.errstate(invalid="ignore"):
        hit = (route == "iv_bolus") & (np.asarray(duration, float) > 0)
    if not hit.any():
        return route, hit, hit
    says = hit & np.array([says_bolus(r) for r in np.asarray(route_raw, dtype=object)], bool)
    converted = hit & ~says
    return np.where(converted, "iv_infusion", route).astype(object), converted, says


def infusion_note(route_raw, rows, where: str) -> str:
    """The note for the doses :func:`iv_infusions` converted."""
    names = sorted({str(x) for x in route_raw})
    shown = ", ".join(str(int(x)) for x in list(rows)[:10])
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return (
        f"route: {len(rows)} IV dose(s) with an infusion duration > 0 read as IV infusion "
        f"(route {', '.join(repr(x) for x in names)}, {where}: rows {shown}{more}); a zero "
        "or empty duration is a bolus"
    )


def route_kind(route: str) -> str:
    """``'intravascular'`` for IV bolus/infusion, ``'extravascular'`` otherwise."""
    return "intravascular" if route in ("iv_bolus", "iv_infusion") else "extravascular"
