"""Cell-level parsing: numbers, BLQ/ALQ text, yes/no flags, ISO 8601 durations and dates.

All functions take a pandas Series of text (stripped, as ``RawTable`` cells are) and work
on the whole column at once.

BLQ text recognised (case and spaces ignored): ``BLQ``, ``BQL``, ``BLOQ``, ``<LLOQ``,
``<LOQ``, ``<BLQ``, ``<BQL``, ``ND``, ``NQ``, ``NOT DETECTED``, ``NOT QUANTIFIABLE``,
``BELOW LLOQ``, ``<LOD``, and a limit with a ``<`` sign: ``<0.5``, ``< 0.5 ng/mL``,
``BLQ (<0.5)``, ``BLQ<0.5`` (the number becomes the LLOQ when no LLOQ column is given).
ALQ text: ``>ULOQ``, ``ALQ``, ``AQL``, ``ABOVE ULOQ``, ``>1000``.

>>> classify_conc(pd.Series(["1.5", "BLQ", "<0.5", ">ULOQ", "", "abc"]))["kind"].tolist()
['number', 'blq', 'blq', 'alq', 'missing', 'bad']
>>> parse_durations(pd.Series(["PT2H", "PT30M", "P1D", "PT1H30M", "-PT0.5H"]))[0].tolist()
[2.0, 0.5, 24.0, 1.5, -0.5]
>>> format_duration(1.5), format_duration(-0.25)
('PT1.5H', '-PT0.25H')
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd

from kinetor.data._text import is_number_column

__all__ = [
    "MISSING_TEXT",
    "classify_conc",
    "format_duration",
    "is_missing",
    "parse_datetimes",
    "parse_durations",
    "parse_flags",
    "parse_numbers",
    "zone_offsets",
]

MISSING_TEXT = frozenset({"", ".", "NA", "N/A", "NAN", "NONE", "NULL", "MISSING", "-", "--"})
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_UNIT = r"(?:\s*(?P<unit>[A-Za-zµμ][A-Za-zµμ0-9/.*^ ]*))?"
_BLQ_WORDS = {
    "BLQ",
    "BQL",
    "BLOQ",
    "<LLOQ",
    "<LOQ",
    "<BLQ",
    "<BQL",
    "ND",
    "NQ",
    "NOT DETECTED",
    "NOT QUANTIFIABLE",
    "BELOW LLOQ",
    "BELOW LOQ",
    "<LOD",
    "BELOW QUANTIFICATION LIMIT",
    "<LQ",
    "LLOQ>",
    "BLQL",
}
_ALQ_WORDS = {">ULOQ", ">ULQ", "ALQ", "AQL", "AULOQ", "ABOVE ULOQ", ">ALQ"}
_BLQ_LIMIT = re.compile(
    rf"^(?:BLQ|BQL|BLOQ|ND|NQ)?\s*[(\[]?\s*<\s*(?P<num>{_NUM}){_UNIT}\s*[)\]]?$", re.IGNORECASE
)
_ALQ_LIMIT = re.compile(
    rf"^(?:ALQ|AQL)?\s*[(\[]?\s*>\s*(?P<num>{_NUM}){_UNIT}\s*[)\]]?$", re.IGNORECASE
)
_TRUE = {"Y", "YES", "TRUE", "T", "1", "1.0"}
_FALSE = {"N", "NO", "FALSE", "F", "0", "0.0", ""}


def _upper(text: pd.Series) -> pd.Series:
    return text.astype(str).str.strip().str.upper().str.replace(r"\s+", " ", regex=True)


def _all_cases(word: str) -> set[str]:
    return {"".join(c) for c in itertools.product(*[(ch.lower(), ch.upper()) for ch in word])}


# every spelling of the missing-value words in any letter case: a hash lookup per cell
_MISSING_ANY_CASE = frozenset().union(*(_all_cases(w) for w in MISSING_TEXT))


def is_missing(text: pd.Series) -> np.ndarray:
    """True where a (stripped) cell is empty or a missing-value spelling (``.``, ``NA``...)
    in any letter case."""
    return pd.Series(text, dtype=object).isin(_MISSING_ANY_CASE).to_numpy()


def parse_numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Finite numbers from text: ``(values, missing, bad)``; values are NaN where not a
    number. ``inf``, ``Infinity`` and literals that overflow (``1e400``) are bad."""
    text = pd.Series(text).reset_index(drop=True)
    if is_number_column(text):  # a DataFrame's numbers: NaN is missing, inf is bad
        values = text.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        bad = np.isinf(values)
        values = np.where(bad, np.nan, values)
        return values, missing, bad
    values = np.array(pd.to_numeric(text.astype(str), errors="coerce"), dtype=float)
    missing = np.zeros(len(text), bool)
    rest = np.flatnonzero(np.isnan(values))  # string work only on cells that are not numbers
    if len(rest):
        stripped = text.iloc[rest].astype(str).str.strip()
        missing[rest] = is_missing(stripped)
        values[rest] = pd.to_numeric(
            stripped.where(~missing[rest], None), errors="coerce"
        ).to_numpy(dtype=float)
        values[rest[missing[rest]]] = np.nan
    # 'inf', 'Infinity' and overflowing literals such as '1e400' are not measurements
    values[np.isinf(values)] = np.nan
    bad = ~missing & np.isnan(values)
    return values, missing, bad


def classify_conc(text: pd.Series) -> dict[str, np.ndarray]:
    """Classify concentration cells.

    Returns a dict of arrays: ``kind`` (``number``, ``missing``, ``blq``, ``alq``, ``bad``),
    ``value`` (the number, NaN otherwise), ``limit`` (the number in ``<0.5`` / ``>1000``,
    NaN otherwise) and ``limit_unit`` (a unit written after that number, ``""`` if none).
    """
    text = pd.Series(text).reset_index(drop=True)
    values, missing, bad = parse_numbers(text)
    n = len(text)
    kind = np.empty(n, dtype=object)
    kind.fill("number")  # one shared str per cell: no per-cell unicode conversion
    kind[missing] = "missing"
    kind[bad & ~missing] = "bad"
    limit = np.full(n, np.nan)
    limit_unit = np.full(n, "", dtype=object)
    if bad.any():
        up = pd.Series("", index=text.index, dtype=object)
        up[bad] = _upper(text[bad])
        words = up.str.replace(" ", "", regex=False)
        blq_word = up.isin(_BLQ_WORDS) | words.isin({w.replace(" ", "") for w in _BLQ_WORDS})
        alq_word = up.isin(_ALQ_WORDS) | words.isin({w.replace(" ", "") for w in _ALQ_WORDS})
        kind[bad & blq_word.to_numpy()] = "blq"
        kind[bad & alq_word.to_numpy()] = "alq"
        raw = pd.Series("", index=text.index, dtype=object)
        raw[bad] = text[bad].astype(str).str.strip()
        for pattern, label in ((_BLQ_LIMIT, "blq"), (_ALQ_LIMIT, "alq")):
            m = raw.str.extract(pattern)
            hit = bad & (kind == "bad") & m["num"].notna().to_numpy()
            kind[hit] = label
            limit[hit] = pd.to_numeric(m["num"][hit]).to_numpy(float)
            limit_unit[hit] = m["unit"][hit].fillna("").str.strip().to_numpy()
    # ``number``: kind == "number" (BLQ/ALQ text is found among the cells that are not)
    number = ~missing & ~bad
    return {
        "kind": kind,
        "value": values,
        "limit": limit,
        "limit_unit": limit_unit,
        "number": number,
    }


def parse_flags(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Yes/no cells (Y/N, YES/NO, TRUE/FALSE, 1/0, empty = no): ``(flags, bad)``."""
    up = _upper(text)
    true = up.isin(_TRUE).to_numpy()
    bad = ~(true | up.isin(_FALSE).to_numpy() | up.isin(MISSING_TEXT).to_numpy())
    return true, bad


_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?!$)(?:(?P<w>\d+(?:[.,]\d+)?)W)?(?:(?P<d>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+(?:[.,]\d+)?)H)?(?:(?P<m>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?$"
)


def parse_durations(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """ISO 8601 durations (``PT2H``, ``PT30M``, ``P1D``, ``PT1H30M``, ``-PT0.5H``,
    ``P1DT2H``, ``P1W``) in hours: ``(hours, bad)``; empty cells give NaN and are not bad.

    Years and months have no fixed length in hours and are rejected.
    """
    missing = is_missing(text)
    up = text.astype(str).str.strip().str.upper()
    m = up.str.extract(_DURATION)
    ok = up.str.fullmatch(_DURATION).to_numpy()
    hours = np.zeros(len(text))
    for part, scale in (("w", 168.0), ("d", 24.0), ("h", 1.0), ("m", 1 / 60), ("s", 1 / 3600)):
        v = pd.to_numeric(m[part].str.replace(",", ".", regex=False), errors="coerce")
        hours += v.fillna(0.0).to_numpy(float) * scale
    hours = np.where(m["sign"].to_numpy() == "-", -hours, hours)
    # ISO 8601 allows a decimal fraction only on the lowest-order component given
    given = m[["w", "d", "h", "m", "s"]].notna().to_numpy()
    frac = m[["w", "d", "h", "m", "s"]].apply(lambda c: c.str.contains(r"[.,]", na=False))
    lower = np.fliplr(np.cumsum(np.fliplr(given), axis=1)) > 1
    ok = ok & ~(frac.to_numpy(bool) & lower).any(axis=1)
    bad = ~missing & ~ok
    hours[~ok | missing] = np.nan
    return hours, bad


def format_duration(hours: float) -> str:
    """Hours as an ISO 8601 duration (``PT2H``, ``PT0.25H``, ``-PT0.5H``); ``""`` for NaN."""
    if hours is None or not np.isfinite(hours):
        return ""
    sign = "-" if hours < 0 else ""
    h = abs(float(hours))
    text = repr(h)
    if text.endswith(".0"):
        text = text[:-2]
    if "e" in text:
        text = np.format_float_positional(h, trim="-")
    return f"{sign}PT{text}H"


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?$"
)
_PARTIAL = re.compile(
    r"^\d{4}(?:-\d{2})?(?:-\d{2})?(?:T\d{2})?$|^\d{4}-\d{2}-\d{2}T$|"
    r"^-{1,2}\d"
)


_ZONE = r"(?:Z|[+-]\d{2}:?\d{2})$"


def zone_offsets(text: pd.Series) -> np.ndarray:
    """Hours east of UTC of ISO 8601 date-times with a clock time (``Z`` -> 0,
    ``+05:30`` -> 5.5, ``-0800`` -> -8); NaN where a cell has no offset.

    >>> zone_offsets(pd.Series(["2021-03-01T08:00+01:00", "2021-03-01T08:30Z", "2021-03-01"]))
    array([ 1.,  0., nan])
    """
    s = text.astype(str).str.strip().str.upper()
    full = s.str.match(_DATETIME).to_numpy() & ~is_missing(text)
    m = s.str.extract(r"(?:(?P<z>Z)|(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2}))$")
    hours = pd.to_numeric(m["h"], errors="coerce") + pd.to_numeric(m["m"], errors="coerce") / 60
    hours = np.where(m["sign"] == "-", -hours, hours).astype(float)
    hours = np.where(m["z"].notna(), 0.0, hours)
    return np.where(full, hours, np.nan)


def parse_datetimes(text: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """ISO 8601 date-times: ``(timestamps, date_only, bad)``.

    Full date-times (to the minute or finer) give a timestamp; a date without a time
    (``2021-03-04``) gives midnight of that day and ``date_only`` True; partial dates
    (``2021-03``) give NaT and are not errors; anything else is ``bad``.
    """
    missing = is_missing(text)
    s = text.astype(str).str.strip().str.replace(",", ".", regex=False)
    full = s.str.match(_DATETIME).to_numpy() & ~missing
    date_only = s.str.match(_DATE_ONLY).to_numpy() & ~missing
    partial = s.str.match(_PARTIAL).to_numpy() & ~missing & ~date_only
    # the clock time as written; the offset (``zone_offsets``) is applied by the reader
    clean = s.str.replace(_ZONE, "", regex=True)
    stamps = pd.to_datetime(clean.where(full | date_only, None), format="ISO8601", errors="coerce")
    bad = ~missing & ~partial & stamps.isna().to_numpy()
    return stamps, date_only, bad
