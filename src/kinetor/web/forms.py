"""Form checks and message wording of the browser app.

A field the user must correct raises ``FieldError`` with the text shown on the page (no
default is ever put in its place); messages from kinetor's libraries are reworded for the
page by ``web_text`` (command-line options become the page's field labels, the Python
hints and exception class names are dropped).
"""

from __future__ import annotations

import math
import re
from typing import Any


class FieldError(ValueError):
    """A form field that must be corrected; ``str(exc)`` is the page's message."""


def number(
    value: Any,
    label: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    above: bool = False,
    integer: bool = False,
    required: bool = True,
) -> Any:
    """The number in a field, or FieldError: empty (when required), not finite, not whole
    (``integer``), below ``lo`` (at or below it with ``above``) or above ``hi``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(f"{label}: enter a number")
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise FieldError(f"{label}: {value!r} is not a number") from None
    if not math.isfinite(x):
        raise FieldError(f"{label}: enter a finite number")
    if integer and x != int(x):
        raise FieldError(f"{label}: enter a whole number (got {x:g})")
    if lo is not None and (x <= lo if above else x < lo):
        word = "above" if above else "at least"
        raise FieldError(f"{label}: must be {word} {lo:g} (got {x:g})")
    if hi is not None and x > hi:
        raise FieldError(f"{label}: must be at most {hi:g} (got {x:g})")
    return int(x) if integer else x


def choice(value: Any, choices, label: str) -> str:
    """``value`` if it is one of ``choices`` (select boxes can be tampered with)."""
    if value not in list(choices):
        raise FieldError(f"{label}: {str(value)[:60]!r} is not one of the choices")
    return str(value)


def choices(values, allowed, label: str) -> list[str]:
    return [choice(v, allowed, label) for v in values]


_INTERVAL = re.compile(
    r"\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*-\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*"
)


def parse_interval(text: str | None) -> list[dict[str, float]] | None:
    """``"0-24"`` -> ``[{"start": 0.0, "end": 24.0}]``; empty -> None; FieldError unless
    it reads START-END with 0 <= START < END."""
    text = (text or "").strip()
    if not text:
        return None
    m = _INTERVAL.fullmatch(text)
    if m is None or not float(m[1]) < float(m[2]) or not math.isfinite(float(m[2])):
        raise FieldError(
            f"Interval {text!r}: write START-END with 0 <= START < END, e.g. 0-24 "
            "(or leave it empty for the whole profile)"
        )
    return [{"start": float(m[1]), "end": float(m[2])}]


# command-line wording in library messages -> the page's fields (longest first)
_OPTIONS = [
    (r"--time-unit, --conc-unit, --dose-unit\.*", "the unit menus"),
    (r"(?:give )?--(time|conc|dose)-unit( [^\s(),;]+)?", lambda m: _unit_menu(m[1], m[2])),
    (r"--map ROLE=COLUMN", "the 'Column for ...' menus"),
    (r"--map ([a-z_]+)=[^\s),;]+", r"the 'Column for \1' menu"),
    (r" ?\(--lambda-z-exclude [^)]*\)", ""),
    (r"--route\b", "the Route menu"),
    (r"--param ([a-z0-9_]+)=\.\.\.", r"\1=... in Parameters"),
    (r"--param\b", "Parameters"),
    (r"--weight( KG)?", "the Body weight field"),
    (r"--cv [a-z0-9_]+=[0-9.]+", "the Between-subject CV field (in %)"),
    (r"(?:give it: )?--pk-param [^\s,)]+", "choose a compound whose library entry has it"),
    (r"--sheet", "a workbook with that sheet"),
    (r"--mw( [A-Z_=]+)?", "the compound library's molecular weight"),
]
_UNIT_MENU = {"time": "Time unit", "conc": "Concentration unit", "dose": "Dose unit"}


def _unit_menu(what: str, example: str | None) -> str:
    return f"choose{example or ' the unit'} in the {_UNIT_MENU[what]} menu"


_PK_DICT = re.compile(r"(pass|Supply one:) pk=\{.*\}")


def _drop_python_hints(text: str) -> str:
    """Remove '..., X in Python' / '(X in Python)' / '(Python: X)' fragments (braces may
    hold commas and parentheses)."""
    while (start := text.find("(Python:")) >= 0:
        depth, i = 0, start
        while i < len(text):
            depth += {"(": 1, "{": 1, "[": 1, ")": -1, "}": -1, "]": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        text = text[:start].rstrip() + text[i + 1 :]
    while (end := text.find(" in Python")) >= 0:
        depth, i = 0, end - 1
        while i >= 0:
            ch = text[i]
            if ch in "}])":
                depth += 1
            elif ch in "{[(":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and text.startswith(", ", i):
                break
            i -= 1
        stop = end + len(" in Python")
        if i >= 0 and text[i] == "(" and stop < len(text) and text[stop] == ")":
            text = text[:i].rstrip() + text[stop + 1 :]  # the whole parenthesis
        else:
            text = text[: max(i, 0)] + text[stop:]
    return re.sub(r"\(\s*\)", "", text).replace(" ,", ",")


def web_text(text: str) -> str:
    """A library message reworded for the page."""
    text = str(text)
    text = re.sub(r"\s*\((?:[A-Z][A-Za-z]*(?:Error|Exception|File)): [^()]*\)", "", text)
    text = re.sub(r"^(?:[A-Z][A-Za-z]*(?:Error|Exception|Warning)): ", "", text)
    text = _PK_DICT.sub(
        lambda m: (
            ("c" if m[1] == "pass" else "C")
            + "hoose a compound that has this species' PK in the compound library"
        ),
        text,
    )
    for pattern, repl in _OPTIONS:
        text = re.sub(pattern, repl, text)
    text = re.sub(r",? (?:on|from) the command line", "", text)
    text = _drop_python_hints(text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def lz_points(records: list[dict], subject: str, excluded: list[dict]) -> dict[str, Any]:
    """The NCA plot's point sets of one subject (all, used, not used, excluded), or
    FieldError naming why there is nothing to plot."""
    import pandas as pd

    df = pd.DataFrame(records)
    if df.empty or subject not in set(df["subject"].astype(str)):
        raise FieldError(f"subject {subject} is not in this result: choose another subject")
    df = df[df["subject"].astype(str) == subject]
    pos = df[df["conc"] > 0]
    if pos.empty:
        raise FieldError(f"subject {subject} has no concentrations above zero to plot")
    used = pos["used"].astype(bool)
    ex = {(str(e["subject"]), float(e["time"])) for e in excluded}
    gone = [(str(s), float(t)) in ex for s, t in zip(pos["subject"], pos["time"], strict=True)]
    return {"pos": pos, "used": pos[used], "other": pos[~used], "gone": pos[gone]}
