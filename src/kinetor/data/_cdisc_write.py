"""Parts of ``write_cdisc``: EXROUTE terms, ALQ results, interval collections and VOLUME
records (``kinetor.data.writers`` assembles the files)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.data.routes import normalise_route
from kinetor.data.values import format_duration
from kinetor.errors import DataError, Problem

__all__ = [
    "Written",
    "alq_results",
    "check_target",
    "exroute",
    "interval_columns",
    "volume_records",
]

# terms of the CDISC ROUTE codelist (C66729) that kinetor writes or is given most often
CDISC_ROUTES = {
    "INTRAVENOUS BOLUS",
    "INTRAVENOUS DRIP",
    "INTRAVENOUS",
    "ORAL",
    "ORAL GAVAGE",
    "SUBCUTANEOUS",
    "INTRAPERITONEAL",
    "INTRAMUSCULAR",
    "INTRADERMAL",
    "TOPICAL",
    "TRANSDERMAL",
    "CUTANEOUS",
    "NASAL",
    "RESPIRATORY (INHALATION)",
    "RECTAL",
    "SUBLINGUAL",
    "BUCCAL",
    "INTRATUMOR",
    "INTRATHECAL",
    "INTRA-ARTERIAL",
    "INTRAVITREAL",
    "OPHTHALMIC",
    "VAGINAL",
}
_ALQ = re.compile(r"above the upper limit of quantification \((?P<what>.*?)\)(?=; |$)")


class Written(list):
    """The paths written (a list), with ``notes``: what the user should know about them
    (e.g. an ``EXROUTE`` that is not a CDISC ROUTE term)."""

    def __init__(self, paths=(), notes=()):
        super().__init__(Path(p) for p in paths)
        self.notes: list[str] = list(notes)


def check_target(directory, reference) -> tuple[Path, pd.Timestamp]:
    """The folder ``write_cdisc`` writes to (created when absent) and its ``reference``
    date-time, checked first: a path that is a file, a folder that cannot be made, or a
    ``reference`` that is not a date-time is a ``DataError`` saying what to give (before,
    ``[Errno 17] File exists`` or a pandas parse error). Nothing is created on an error."""
    out = Path(directory)
    try:  # a number would be read as nanoseconds after 1970: not a date
        number = isinstance(reference, int | float | np.number)
        ref = None if number else pd.Timestamp(reference)
    except (ValueError, TypeError):
        ref = None
    if ref is None or pd.isna(ref):
        raise DataError(
            Problem(
                f"reference={reference!r} is not a date-time",
                fix="give an ISO 8601 date and time, e.g. reference='2000-01-01T08:00:00' "
                "(the date of every subject's first dose)",
            )
        )
    if out.exists() and not out.is_dir():
        raise DataError(
            Problem(
                f"{out} is a file, not a folder",
                str(out),
                fix="give a folder for pc.csv, ex.csv, dm.csv (and bw.csv); it is created "
                "when absent",
            )
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            Problem(
                f"cannot create the folder {out}: {exc.strerror or exc}",
                str(out),
                fix="give a folder that can be created (its parents must be folders, "
                "writable by you)",
            )
        ) from None
    return out, ref


def exroute(doses: pd.DataFrame, text: np.ndarray, routes, notes: list[str]) -> np.ndarray:
    """``EXROUTE`` per dose: ``routes`` (study route text or kinetor route kind -> term)
    first; a term that is not in the CDISC ROUTE codelist is kept and named in a note."""
    out = np.asarray(text, dtype=object).copy()
    kind = doses["route"].astype("string").fillna("").to_numpy(dtype=object)
    raw = doses["route_raw"].astype("string").fillna("").str.strip().str.lower()
    given = {str(k).strip().lower(): str(v).strip().upper() for k, v in (routes or {}).items()}
    if given:
        by_raw = raw.map(given).to_numpy(dtype=object)
        by_kind = pd.Series(kind).str.lower().map(given).to_numpy(dtype=object)
        term = np.where(pd.notna(by_raw), by_raw, by_kind)
        use = pd.notna(term)
        wrong = sorted(
            {(str(t), str(k)) for t, k in zip(term[use], kind[use], strict=True)}
            - {
                (str(t), str(k))
                for t, k in zip(term[use], kind[use], strict=True)
                if normalise_route(str(t)) == k
            }
        )
        if wrong:
            raise DataError(
                [
                    Problem(
                        f"routes: {t!r} does not read back as the route {k!r} of the doses "
                        "it names",
                        column="route",
                        fix="map each route to a CDISC ROUTE term of the same kind "
                        "(e.g. routes={'extravascular': 'ORAL'})",
                    )
                    for t, k in wrong
                ]
            )
        out = np.where(use, term, out)
    other = ~pd.Series(out).isin(CDISC_ROUTES).to_numpy() & (out != "")
    for term in pd.unique(out[other]):
        subjects = pd.unique(doses["subject"].astype(str).to_numpy()[out == term])
        shown = ", ".join(subjects[:5]) + (
            f" and {len(subjects) - 5} more" if len(subjects) > 5 else ""
        )
        notes.append(
            f"EXROUTE {term!r} (subject(s) {shown}) is not a CDISC ROUTE term: written as it "
            f"is; name the route with routes={{{str(kind[out == term][0]).lower()!r}: 'ORAL'}}"
            " (or the term that applies)"
        )
    return out


def alq_results(c: pd.DataFrame, res, orres, exclude):
    """ALQ samples (excluded "above the upper limit of quantification (...)"): their text
    in ``PCSTRESC`` and the number as measured (else the text) in ``PCORRES``, the reason
    left to the reader (it gives it again), so they read back as ALQ."""
    found = pd.Series(exclude).str.extract(_ALQ)["what"]
    alq = found.notna().to_numpy() & c["conc"].isna().to_numpy() & ~c["blq"].to_numpy(bool)
    if not alq.any():
        return res, orres, exclude
    text = np.full(len(c), "", dtype=object)
    for i in np.flatnonzero(alq):
        what = found.iloc[i]
        try:
            value = ast.literal_eval(what) if what[:1] in "'\"" else None
        except (ValueError, SyntaxError):
            value = None
        text[i] = value if isinstance(value, str) and value.strip() else "ALQ"
    reported = (
        c["conc_reported"].to_numpy(float) if "conc_reported" in c else np.full(len(c), np.nan)
    )
    number = np.array(
        [repr(float(x)).removesuffix(".0") if np.isfinite(x) else "" for x in reported]
    )
    res = np.where(alq, text, res)
    orres = np.where(alq, np.where(number != "", number, text), orres)
    rest = (
        pd.Series(exclude)
        .str.replace(_ALQ, "", regex=True)
        .str.replace(r"^(; )+|(; )+$", "", regex=True)
        .str.replace(r"(; ){2,}", "; ", regex=True)
    )
    exclude = np.where(alq, rest.to_numpy(dtype=object), exclude)
    return res, orres, exclude


def _hours_column(c: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column that may have come back as text (an extra column of a CSV)."""
    if name not in c.columns:
        return np.full(len(c), np.nan)
    text = c[name].astype("string").str.strip().fillna("")
    values = pd.to_numeric(text.replace("", np.nan), errors="coerce").to_numpy(float)
    bad = np.isnan(values) & (text != "").to_numpy() & (text.str.lower() != "nan").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            Problem(
                f"{name} is not a number: {text.iloc[i]!r} (row {i + 1} of the "
                "concentration table)",
                column=name,
                fix=f"give {name} in the study's time unit, or leave it empty",
            )
        )
    return values


def interval_columns(c: pd.DataFrame, t, to_h, eltm_base, iso, notes: list[str]):
    """(``PCENDTC``, ``PCELTM``, ``PCEVLINT``) of interval collections (None when none).

    ``PCELTM`` is the planned end of the interval and ``PCEVLINT`` its planned length
    counted back (``nominal_end_time - nominal_time``); without a nominal end the actual
    length is used (a note names the rows). ``PCENDTC`` is left empty where ``end_time``
    is the nominal end, not a recorded one (``end_time_nominal``).
    """
    if "end_time" not in c.columns:
        return None
    end = c["end_time"].to_numpy(float) * to_h
    interval = np.isfinite(end)
    if not interval.any():
        return None
    nominal_end = _hours_column(c, "nominal_end_time") * to_h
    planned = nominal_end - c["nominal_time"].to_numpy(float) * to_h
    actual = interval & ~np.isfinite(planned)
    length = np.where(interval, np.where(actual, end - t, planned), np.nan)
    shown = actual & np.isfinite(eltm_base)
    if shown.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(shown)[:10])
        notes.append(
            f"interval collection(s) without a nominal end (rows {rows}"
            f"{' ...' if shown.sum() > 10 else ''} of the concentration table): PCELTM and "
            "PCEVLINT written from the actual end (end_time); give nominal_end_time for the "
            "planned ones"
        )
    eltm = np.where(interval, eltm_base + length, eltm_base)
    evlint = [format_duration(v) for v in -length]
    unrecorded = (
        c["end_time_nominal"].astype(str).str.strip().str.lower().isin(["true", "1"]).to_numpy()
        if "end_time_nominal" in c.columns
        else np.zeros(len(c), bool)
    )
    # an interval keeps its PCENDTC when nothing else (PCEVLINT) would mark it as one
    unrecorded = unrecorded & np.array([v != "" for v in evlint], dtype=bool)
    return (
        iso(np.where(interval & ~unrecorded, end, np.nan)),
        [format_duration(v) for v in eltm],
        evlint,
    )


def volume_records(pc: pd.DataFrame, c: pd.DataFrame, volume_unit, number_text) -> pd.DataFrame:
    """One ``VOLUME`` record per collection with a volume (copied timing, same specimen)."""
    vol = c["volume"].to_numpy(float) if "volume" in c.columns else np.full(len(c), np.nan)
    has = np.isfinite(vol)
    if not has.any():
        return pc.iloc[:0]
    if not volume_unit:
        raise DataError(
            Problem(
                "the study has collection volumes but no volume unit",
                column="volume",
                fix="set Study.units['volume'] (e.g. 'mL')",
            )
        )
    v = pc[has].assign(_v=vol[has])
    key = ["USUBJID", "PCSPEC", "PCDTC"] + (["PCENDTC"] if "PCENDTC" in pc.columns else [])
    clash = v.groupby(key, sort=False)["_v"].nunique()
    if (clash > 1).any():
        first = clash[clash > 1].index[0]
        raise DataError(
            Problem(
                f"one collection {first} has different volumes on its samples",
                column="volume",
                fix="give the samples of one collection the same volume",
            )
        )
    v = v.drop_duplicates(key).copy()
    text = number_text(v["_v"].to_numpy(float))
    v = v.assign(
        PCCAT="SPECIMEN PROPERTY",
        PCTESTCD="VOLUME",
        PCTEST="Volume",
        PCORRES=text,
        PCORRESU=volume_unit,
        PCSTRESC=text,
        PCSTRESN=v["_v"],
        PCSTRESU=volume_unit,
        PCLLOQ=np.nan,
        PCEXCLFL="",
        PCREASEX="",
    )
    return v.drop(columns="_v")
