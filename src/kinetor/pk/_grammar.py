"""The dosing mini-language: tokeniser and recursive-descent parser.

The grammar (EBNF-ish; keywords are case-insensitive, see docs/pk.md for the full
description and examples)::

    regimen   = part { ("then" | ";") part } ;
    part      = [ "loading" [ "dose" ] ] [ "at" duration ] dose [ route ] { element } ;
    dose      = number unit ;                 (* 15 mg/kg, 125 mg, 5 mg/kg/h with "over" *)
    route     = "PO" | "oral" | "IV" [ "bolus" | "infusion" ] | "SC" | "IP" | "IM" | ... ;
    element   = "over" duration               (* infusion duration *)
              | frequency
              | "single" [ "dose" ] | "once"
              | ( "x" | "for" ) number [ "doses" | "cycles" | time-unit ]
              | number [ "days" ] "on" [ "/" | "," ] number [ "days" ] "off"
              | "ss" | [ "at" ] "steady" "state"
              | "continuous" | "," | "(" | ")" ;
    frequency = "QD" | "OD" | "daily" | "BID" | "TID" | "QID" | "QW" | "weekly" | "QOD"
              | "Q" number ( "H" | "D" | "W" )  (* q8h, q12h, q2d, Q2W *)
              | "every" number time-unit | "every" "other" "day" ;

The parser returns ``_Part`` records; ``regimen.py`` expands them into a dose table.
Errors are ``RegimenError`` pointing at the offending word with a caret.

The module is over 400 lines because the tokeniser, the parser and the caret messages
share one token stream and one error type; split, the parser's internals would cross
module boundaries.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import NoReturn

from kinetor.errors import ModelError, UnitError

__all__ = ["RegimenError"]


def _hours() -> dict[str, float]:
    """Hours per time word: ``kinetor.units.TIME_WORDS`` (imported when first needed, so
    that importing kinetor.pk does not load pint)."""
    from kinetor.units import TIME_WORDS

    return TIME_WORDS


_FREQ = {
    "qd": 24.0,
    "od": 24.0,
    "q.d.": 24.0,
    "daily": 24.0,
    "bid": 12.0,
    "b.i.d.": 12.0,
    "tid": 8.0,
    "t.i.d.": 8.0,
    "qid": 6.0,
    "q.i.d.": 6.0,
    "qw": 168.0,
    "weekly": 168.0,
    "qod": 48.0,
}
_FREQ_PHRASES = {
    ("once", "daily"): 24.0,
    ("twice", "daily"): 12.0,
    ("three", "times", "daily"): 8.0,
    ("four", "times", "daily"): 6.0,
    ("once", "weekly"): 168.0,
    ("every", "other", "day"): 48.0,
}
_QN = re.compile(r"q(\d+(?:\.\d+)?)(h|hr|d|w|wk)", re.I)
_TOKEN = re.compile(
    r"(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)"
    r"|(?P<word>[A-Za-zµμ][A-Za-z0-9µμ_.]*(?:/[A-Za-zµμ][A-Za-z0-9µμ_.]*)*)"
    r"|(?P<sym>[/,;()+×*-])"
    r"|(?P<ws>\s+)"
)


class RegimenError(ModelError):
    """A dosing regimen text (or table) that cannot be read.

    ``text`` and ``position`` locate the word that could not be read; the message shows
    the text with a caret under it.
    """

    def __init__(self, message: str, text: str = "", position: int | None = None, length: int = 1):
        self.text, self.position = text, position
        if text and position is not None:
            caret = " " * position + "^" * max(1, length)
            message = f"{message}\n  {text}\n  {caret}"
        super().__init__(message)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    start: int

    @property
    def low(self) -> str:
        return self.text.lower()


@dataclass(frozen=True)
class _Part:
    """One homogeneous block of a regimen (before expansion into doses)."""

    amount: float  # per administration, in ``unit``
    unit: str  # unit as pint reads it ("mg/kg", "mg", "mg/m2", "umol/kg")
    route: str | None  # iv_bolus / iv_infusion / extravascular (None: inherit)
    route_raw: str  # as written ("PO", "IV", "oral gavage")
    duration: float = 0.0  # infusion duration, h
    tau: float | None = None  # dosing interval, h (None: single dose)
    n_doses: int | None = None
    span: float | None = None  # "x 21 days": doses at start + k*tau < start + span
    on_days: float | None = None
    off_days: float | None = None
    start: float | None = None  # h; None: after the previous part
    ss: bool = False
    loading: bool = False
    pos: int = 0  # position in the text (for error messages)
    cycles_at: int | None = None  # token of "x N cycles" (one dose a cycle, or on/off)


def tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise RegimenError(f"cannot read {text[pos]!r} in the regimen", text, pos)
        kind = m.lastgroup or "ws"
        if kind != "ws":
            word = m.group(0)
            # "x21" and "×21" are "x 21"
            split = (
                re.fullmatch(r"[x×](\d+(?:\.\d+)?)([A-Za-z]*)", word) if kind == "word" else None
            )
            if split:
                toks.append(_Tok("sym", "x", m.start()))
                toks.append(_Tok("num", split.group(1), m.start() + 1))
                if split.group(2):
                    toks.append(_Tok("word", split.group(2), m.start() + 1 + len(split.group(1))))
            else:
                toks.append(
                    _Tok("sym" if word == "×" else kind, "x" if word == "×" else word, m.start())
                )
        pos = m.end()
    return toks


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    # -------------------------------------------------------------- helpers
    def peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def low(self, k: int = 0) -> str:
        t = self.peek(k)
        return t.low if t is not None else ""

    def kind(self, k: int = 0) -> str:
        t = self.peek(k)
        return t.kind if t is not None else ""

    def text_at(self, k: int = 0) -> str:
        t = self.peek(k)
        return t.text if t is not None else ""

    def fail(self, message: str, tok: _Tok | None = None) -> NoReturn:
        tok = tok if tok is not None else self.peek()
        if tok is None:
            raise RegimenError(
                f"{message} (the regimen ended too early)", self.text, len(self.text.rstrip()), 1
            )
        raise RegimenError(message, self.text, tok.start, len(tok.text))

    def number(self, what: str) -> float:
        tok = self.peek()
        if tok is None or tok.kind != "num":
            self.fail(f"expected a number ({what})")
        self.i += 1
        value = float(tok.text)
        if not math.isfinite(value):
            self.fail(f"{tok.text} is not a finite number ({what})", tok)
        return value

    def time_unit(self, default: str | None = None) -> float:
        """Hours per unit of the next word (consumed); ``default`` if there is none."""
        tok = self.peek()
        if tok is not None and tok.low in _hours():
            self.i += 1
            return _hours()[tok.low]
        if default is None:
            self.fail("expected a time unit (min, h, day, week)")
        return _hours()[default]

    # -------------------------------------------------------------- grammar
    def parse(self) -> list[_Part]:
        if not self.toks:
            raise RegimenError("empty regimen: write e.g. '15 mg/kg PO QD x 21 days'")
        parts = [self.part()]
        while self.peek() is not None:
            if self.low() in ("then", ";") or (self.low() == "," and self.low(1) == "then"):
                self.i += 2 if self.low() == "," else 1
                parts.append(self.part())
            else:
                self.fail(
                    f"cannot read {self.text_at()!r} here: expected a schedule "
                    "word (QD, BID, q8h, x 21 days, single, ...) or 'then'"
                )
        return parts

    def part(self) -> _Part:
        first = self.peek()
        loading = False
        if self.low() == "loading":
            loading = True
            self.i += 1
            if self.low() in ("dose", ":"):
                self.i += 1
        start = None
        if self.low() == "at":
            self.i += 1
            start = self.number("start time") * self.time_unit()
        amount, unit, rate = self.dose()
        route, route_raw = self.route()
        part = _Part(
            amount=amount,
            unit=unit,
            route=route,
            route_raw=route_raw,
            start=start,
            loading=loading,
            pos=first.start if first else 0,
        )
        part, rate_tok = self.elements(part), rate
        if rate_tok is not None:
            if part.duration <= 0:
                self.fail(
                    "a dose rate (per time) needs an infusion duration: add "
                    "'over 30 min' (or give the amount per dose)",
                    rate_tok,
                )
            part = replace(part, amount=part.amount * part.duration)
        if part.duration > 0:
            if part.route == "extravascular":
                self.fail(
                    "'over DURATION' (zero-order input) is only supported for IV infusions", first
                )
            part = replace(
                part,
                route="iv_infusion",
                route_raw=part.route_raw if part.route == "iv_infusion" else "IV infusion",
            )
        elif part.route == "iv_infusion":
            self.fail("an IV infusion needs a duration: add 'over 1 h'", first)
        return part

    def dose(self) -> tuple[float, str, _Tok | None]:
        from kinetor.units import parse_unit

        tok = self.peek()
        if tok is not None and tok.text == "-" and self.kind(1) == "num":
            self.fail("a dose cannot be negative (0 is a vehicle arm)", tok)
        if tok is None or tok.kind != "num":
            self.fail("expected a dose such as '15 mg/kg' or '125 mg'")
        amount = self.number("dose")  # 0 is allowed: a vehicle arm ('0 mg/kg PO QD')
        utok = self.peek()
        if utok is None or utok.kind != "word":
            self.fail("expected a dose unit after the number (mg, mg/kg, mg/m2, umol/kg)")
        self.i += 1
        unit = utok.text
        # "mg / kg" written with spaces
        while (
            self.low() == "/"
            and self.kind(1) == "word"
            and self.low(1) in ("kg", "g", "m2", "h", "hr", "day", "d", "min")
        ):
            unit += "/" + self.text_at(1)
            self.i += 2
        try:
            kind = dose_kind(parse_unit(unit))
        except (ModelError, UnitError):
            self.fail(
                f"{unit!r} is not a dose unit: use mg, ug, mg/kg, mg/m2, umol/kg "
                "(or a rate such as mg/kg/h with 'over')",
                utok,
            )
        if kind.endswith("/h"):  # a rate: the amount per dose is rate x duration
            target = _canonical_unit(kind[:-2])
            return amount * convert_to(f"({unit})*h", target), target, utok
        factor = convert_to(unit, _canonical_unit(kind))
        return amount * factor, _canonical_unit(kind), None

    def route(self) -> tuple[str | None, str]:
        from kinetor.data.routes import normalise_route

        tok = self.peek()
        if tok is None or tok.kind != "word":
            return None, ""
        for n in (3, 2, 1):
            words = [self.peek(k) for k in range(n)]
            if any(w is None or w.kind != "word" for w in words):
                continue
            phrase = " ".join(w.text for w in words if w is not None)
            if n == 1 and tok.low in ("in", "id", "ev"):
                continue  # too ambiguous inside a regimen sentence
            route = normalise_route(phrase)
            if route is not None:
                self.i += n
                return route, phrase
        return None, ""

    def elements(self, part: _Part) -> _Part:
        seen: set[str] = set()

        def once(name: str, tok: _Tok) -> None:
            if name in seen:
                self.fail(f"the {name} is given twice", tok)
            seen.add(name)

        while (tok := self.peek()) is not None:
            low = tok.low
            if low in ("then", ";"):
                break
            if low == "," and self.low(1) == "then":
                break
            if low in (",", "(", ")", "continuous", "continuously", "-"):
                self.i += 1
            elif low == "over":
                once("infusion duration", tok)
                self.i += 1
                num = self.peek()  # 'over -2 h' or 'over 0 h': no infusion
                neg = self.low() == "-" and self.kind(1) == "num"
                dur = -1.0 if neg else self.number("infusion duration")
                if not dur > 0:
                    self.fail("the infusion duration must be > 0 (e.g. 'over 2 h')", num)
                part = replace(part, duration=dur * self.time_unit())
            elif (tau := self.frequency()) is not None:
                once("frequency", tok)
                if not tau > 0:  # Q0H: every dose at one time
                    self.fail("the dosing interval must be > 0 (e.g. Q8H, every 12 h)", tok)
                part = replace(part, tau=tau)
            elif low in ("single", "once"):
                once("frequency", tok)
                self.i += 1
                if self.low() == "dose":
                    self.i += 1
                part = replace(part, tau=None, n_doses=1)
            elif low in ("x", "for", "*"):
                once("length", tok)
                self.i += 1
                part = self.length(part)
            elif (
                low == "ss"
                or (low == "steady" and self.low(1) == "state")
                or (low == "at" and self.low(1) == "steady")
            ):
                once("steady-state flag", tok)
                self.i += {"ss": 1, "steady": 2, "at": 3}[low]
                part = replace(part, ss=True)
            elif tok.kind == "num" and self._is_on_off():
                once("on/off cycle", tok)
                on = self.number("days on") * self.time_unit("day") / 24.0
                self.i += 1  # "on"
                if self.low() in ("/", ","):
                    self.i += 1
                off = self.number("days off") * self.time_unit("day") / 24.0
                if self.low() != "off":
                    self.fail("expected 'off' (as in '2 days on/5 days off')")
                self.i += 1
                if on <= 0:
                    self.fail("an on/off cycle needs at least some days on", tok)
                part = replace(part, on_days=on, off_days=off)
            elif part.route is None and tok.kind == "word" and not seen:
                self.fail(
                    f"cannot read {tok.text!r} as a route: use PO, IV, IV bolus, "
                    "IV infusion, SC, IP, IM",
                    tok,
                )
            else:
                self.fail(
                    f"cannot read {tok.text!r}: expected a frequency (QD, BID, TID, "
                    "QID, QW, q8h, q12h), 'x N days', 'single', 'over 30 min', "
                    "'2 days on/5 days off', 'ss' or 'then'"
                )
        if part.cycles_at is not None:
            part = self._cycles(part)
        if part.tau is not None and part.n_doses is None and part.span is None:
            if not part.ss:
                self.fail(
                    "a repeated dose needs a length: add 'x 21 days', 'x 5 doses' "
                    "(or 'ss' for one interval at steady state)",
                    self.peek() or self.toks[-1],
                )
            part = replace(part, n_doses=1)
        if part.ss and part.tau is None:
            self.fail(
                "'ss' (steady state) needs a dosing interval such as QD or q12h",
                self.peek() or self.toks[-1],
            )
        if part.on_days is not None and part.tau is None:
            self.fail(
                "an on/off cycle needs a frequency such as QD or BID", self.peek() or self.toks[-1]
            )
        return part

    def _cycles(self, part: _Part) -> _Part:
        """'x N cycles': N on/off cycles; with a plain interval of two weeks or more
        (the oncology 'Q3W x 4 cycles') one dose a cycle, N doses."""
        n = part.n_doses or 1
        if part.on_days is not None:
            cycle = (part.on_days + (part.off_days or 0.0)) * 24.0
            return replace(part, n_doses=None, span=n * cycle)
        if part.tau is None or part.tau < 14 * 24.0 - 1e-9:
            self.fail(
                "'x N cycles' needs an on/off schedule ('21 days on/7 days off') or a "
                "dosing interval of two weeks or more, one dose a cycle ('Q3W x 4 "
                "cycles'); for a shorter interval write 'x 12 weeks' or 'x 5 doses'",
                self.toks[part.cycles_at or 0],
            )
        return part

    def _is_on_off(self) -> bool:
        k = 1
        if self.low(k) in _hours():
            k += 1
        return self.low(k) == "on"

    def frequency(self) -> float | None:
        low = self.low()
        for phrase, tau in _FREQ_PHRASES.items():
            if all(self.low(k) == w for k, w in enumerate(phrase)):
                self.i += len(phrase)
                return tau
        if low in _FREQ:
            self.i += 1
            return _FREQ[low]
        m = _QN.fullmatch(low)
        if m:
            self.i += 1
            return float(m.group(1)) * _hours()[m.group(2).lower()]
        if low == "q" and self.kind(1) == "num":
            self.i += 1
            return self.number("interval") * self.time_unit()
        if low == "every" and self.peek(1) is not None:
            self.i += 1
            if self.kind() == "num":
                return self.number("interval") * self.time_unit()
            return self.time_unit()
        return None

    def length(self, part: _Part) -> _Part:
        n = self.number("number of doses or a duration")
        tok = self.peek()
        low = tok.low if tok is not None else ""
        if low in _hours():
            self.i += 1
            return replace(part, span=n * _hours()[low])
        if low in ("dose", "doses", "times", "administrations"):
            self.i += 1
        elif low in ("cycle", "cycles"):
            if n != int(n) or n < 1:
                self.fail("the number of cycles must be a whole number >= 1", self.toks[self.i - 1])
            self.i += 1
            # resolved at the end of the part (_cycles): the on/off schedule or the
            # interval may follow
            return replace(part, n_doses=int(n), cycles_at=self.i - 1)
        if n != int(n) or n < 1:
            self.fail("the number of doses must be a whole number >= 1")
        return replace(part, n_doses=int(n))


def convert_to(unit: str, target: str) -> float:
    from kinetor.units import convert

    return float(convert(1.0, unit, target))


def dose_kind(unit) -> str:
    """Classify a pint unit: 'mass', 'substance', 'mass/kg', 'substance/kg', 'mass/m2',
    'substance/m2', each optionally suffixed '/h' for a rate. ModelError otherwise.

    The basis (absolute, per kg, per m^2) is :func:`kinetor.units.dose_basis`, the one
    per-kg detection of the package.
    """
    from kinetor.errors import UnitError
    from kinetor.units import Q, dose_basis, is_molar

    for rate, q in (("", Q(1.0, unit)), ("/h", Q(1.0, unit) * Q(1.0, "hour"))):
        try:
            basis = dose_basis(q.units)
        except UnitError:
            continue
        base = "substance" if is_molar(q.units) else "mass"
        return f"{base}{basis.replace('^', '')}{rate}"
    raise ModelError(f"{unit} is not a dose unit")


def _canonical_unit(kind: str) -> str:
    base = {"mass": "mg", "substance": "umol"}[kind.split("/")[0]]
    if kind.endswith("/kg"):
        return f"{base}/kg"
    if kind.endswith("/m2"):
        return f"{base}/m2"
    return base


def parse_parts(text: str) -> list[_Part]:
    """Parse regimen text into parts (routes of loading doses inherited)."""
    parts = _Parser(text).parse()
    out = list(parts)
    for k in range(len(out) - 1, -1, -1):
        if out[k].route is None:
            nxt = out[k + 1] if k + 1 < len(out) else None
            if nxt is None or nxt.route is None or nxt.route == "iv_infusion":
                raise RegimenError(
                    "no route given: add PO, IV, SC, IP, ... after the dose", text, out[k].pos
                )
            out[k] = replace(out[k], route=nxt.route, route_raw=nxt.route_raw)
    return out
