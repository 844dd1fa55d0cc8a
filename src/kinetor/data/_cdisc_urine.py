"""CDISC PC interval collections (urine, faeces) and specimen-property records.

SDTMIG represents a sample collected over an interval with ``PCDTC`` (start of the
collection) and ``PCENDTC`` (its end); the planned time ``PCELTM`` is the END of the interval
and ``PCEVLINT`` its length as an ISO 8601 duration counted back from it (``PCELTM PT6H``,
``PCEVLINT -PT6H``: 0-6 h). Specimen properties (``PCCAT = SPECIMEN PROPERTY``; ``PCTESTCD``
``VOLUME``/``VOL``, ``SPG``, ``PH``) share the PC domain but are not concentrations: the
volume of a collection becomes the ``volume`` of its analyte rows (same subject, specimen,
``PCDTC`` and ``PCENDTC``, and ``PCREFID`` where both give one); other properties are left
out with a note naming their rows. Interval rows keep their nominal end
(``nominal_end_time``) and say whether ``end_time`` is that nominal end because no end was
recorded (``end_time_nominal``), so that ``write_cdisc`` writes them back as they were.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._cdisc_times import _durations, _rows_text
from kinetor.data._domain import _T, _hours, _lookup
from kinetor.data._text import RawTable
from kinetor.data._units import resolve_unit
from kinetor.data.values import parse_numbers
from kinetor.errors import Problem, UnitError
from kinetor.units import dimension

__all__ = ["attach_volumes", "interval_times", "nominal_ends", "split_properties"]

_VOLUME_CODES = {"VOLUME", "VOL"}
_VOLUME_NAMES = {"VOLUME", "SPECIMEN VOLUME", "SAMPLE VOLUME", "URINE VOLUME"}
_PROPERTY_CODES = _VOLUME_CODES | {"SPG", "SPGRAV", "PH"}
_PROPERTY_NAMES = _VOLUME_NAMES | {"SPECIFIC GRAVITY", "PH"}


def _subset(t: _T, mask: np.ndarray) -> _T:
    raw = RawTable(t.f[mask].reset_index(drop=True), t.rows[mask], t.file)
    return _T(raw)


def split_properties(pc: _T, notes: list[str]) -> tuple[_T, _T | None]:
    """(the analyte rows, the volume rows or None); other property rows get a note."""
    used = set(pc.used)  # PCCAT, PCTEST stay extra columns of the analyte rows
    code = pd.Series(pc.text("PCTESTCD")).str.strip().str.upper().to_numpy()
    name = pd.Series(pc.text("PCTEST")).str.strip().str.upper().to_numpy()
    cat = pd.Series(pc.text("PCCAT")).str.strip().str.upper().to_numpy()
    prop = (cat == "SPECIMEN PROPERTY") | np.isin(code, list(_PROPERTY_CODES))
    prop |= (code == "") & np.isin(name, list(_PROPERTY_NAMES))
    pc.used = used
    if not prop.any():
        return pc, None
    volume = prop & (np.isin(code, list(_VOLUME_CODES)) | np.isin(name, list(_VOLUME_NAMES)))
    other = prop & ~volume
    if other.any():
        label = np.where(code != "", code, name)
        tests = ", ".join(sorted(set(label[other])))
        notes.append(
            f"{pc.file}: specimen-property record(s) {tests} (rows {_rows_text(pc.rows[other])})"
            " are not concentrations: left out of the concentrations"
        )
    pc_a = _subset(pc, ~prop)
    pc_a.used = used
    return pc_a, (_subset(pc, volume) if volume.any() else None)


def _ends(t: _T, subject, first, problems) -> np.ndarray:
    """Hours from the first dose to PCENDTC (NaN: none, a date only, or no dated dose)."""
    if not t.has("PCENDTC"):
        return np.full(len(t.f), np.nan)
    stamp, date_only = t.stamps("PCENDTC", problems)
    end = _hours(stamp, _lookup(pd.Series(subject), first["stamp"]))
    return np.where(date_only, np.nan, end)


def interval_times(pc: _T, subject, first, actual, nominal, problems, notes):
    """``(end_time, nominal_time)`` of interval collections, or None when there are none.

    ``nominal`` is ``PCELTM`` placed after the reference dose: the END of an interval,
    whose start is ``nominal - |PCEVLINT|`` (the sign of PCEVLINT is not relied on).
    """
    evlint = _durations(pc, "PCEVLINT", problems)
    given_end = pc.text("PCENDTC") != ""
    interval = given_end | (np.isfinite(evlint) & (evlint != 0))
    if not interval.any():
        return None
    end = _ends(pc, subject, first, problems)
    length = np.abs(evlint)
    nominal_end = np.where(interval, nominal, np.nan)
    nominal_start = np.where(interval, nominal_end - length, nominal)
    fallback = interval & np.isnan(end) & np.isfinite(nominal_end)
    end_time = np.where(fallback, nominal_end, np.where(interval, end, np.nan))
    if fallback.any():
        notes.append(
            f"{pc.file}: interval collection(s) without a PCENDTC date-time with a clock time "
            f"(rows {_rows_text(pc.rows[fallback])}): end_time = the nominal end (PCELTM)"
        )
    no_len = interval & np.isnan(evlint) & np.isfinite(nominal)
    if no_len.any():
        notes.append(
            f"{pc.file}: interval collection(s) without PCEVLINT (rows "
            f"{_rows_text(pc.rows[no_len])}): PCELTM is the end of the interval, so their "
            "nominal start is unknown (nominal_time left empty); give PCEVLINT (e.g. -PT6H)"
        )
        nominal_start = np.where(no_len, np.nan, nominal_start)
    with np.errstate(invalid="ignore"):
        back = interval & (end_time <= actual)
    problems += [
        Problem(
            "the collection ends before it starts (PCENDTC at or before PCDTC)",
            file=pc.file,
            row=int(r),
            column=pc.names.get("PCENDTC", "PCENDTC"),
            fix="check PCDTC (start of the collection) and PCENDTC (its end)",
        )
        for r in pc.rows[back]
    ]
    return end_time, nominal_start


def nominal_ends(pc: _T, conc: pd.DataFrame) -> None:
    """Add ``nominal_end_time`` (nominal start + abs(``PCEVLINT``)) and ``end_time_nominal``
    (no ``PCENDTC`` with a clock time: ``end_time`` is the nominal end) to interval rows."""
    evlint = _durations(pc, "PCEVLINT", [])
    interval = (pc.text("PCENDTC") != "") | (np.isfinite(evlint) & (evlint != 0))
    stamp, date_only = pc.stamps("PCENDTC", [])
    recorded = stamp.notna().to_numpy() & ~date_only
    start = conc["nominal_time"].to_numpy(float)
    conc["nominal_end_time"] = np.where(interval, start + np.abs(evlint), np.nan)
    conc["end_time_nominal"] = interval & ~recorded & np.isfinite(conc["end_time"].to_numpy(float))


def _keys(t: _T, subject, problems) -> pd.DataFrame:
    """The collection of each row: subject, specimen, start and end as written."""

    def stamp_text(var):
        st, date_only = t.stamps(var, problems)
        text = st.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").fillna("").to_numpy(object)
        return np.where(date_only, st.dt.strftime("%Y-%m-%d").fillna("").to_numpy(object), text)

    start = stamp_text("PCDTC")
    planned = "ELTM " + pd.Series(t.text("PCELTM")).str.upper() + " " + t.text("PCEVLINT")
    return pd.DataFrame(
        {
            "subject": np.asarray(subject, dtype=object),
            "spec": pd.Series(t.text("PCSPEC", "PLASMA")).str.upper().to_numpy(),
            "start": np.where(start != "", start, planned.str.upper().to_numpy()),
            "end": stamp_text("PCENDTC"),
            "refid": t.text("PCREFID"),
        }
    )


def _per_volume(conc_unit: str | None) -> str | None:
    """The volume in a concentration unit's denominator (ng/mL -> mL), else None."""
    if not conc_unit or "/" not in conc_unit:
        return None
    part = conc_unit.rsplit("/", 1)[1].strip("() ")
    try:
        return part if dimension(part) == "[length] ** 3" else None
    except UnitError:
        return None


def _volumes(vol: _T, units, conc_unit, problems, notes):
    stresn, orres = vol.text("PCSTRESN"), vol.text("PCORRES")
    use_std = (stresn != "") | (vol.text("PCSTRESC") != "")
    text = pd.Series(np.where(stresn != "", stresn, np.where(use_std, vol.text("PCSTRESC"), orres)))
    values, _, bad = parse_numbers(text)
    problems += [
        Problem(
            f"collection volume is not a number: {v!r}",
            file=vol.file,
            row=int(r),
            column=vol.names.get("PCSTRESN", "PCSTRESN"),
            fix="write the volume as a number in PCSTRESN (unit in PCSTRESU)",
        )
        for r, v in zip(vol.rows[bad], text[bad], strict=True)
    ]
    row_units = np.where(use_std, vol.text("PCSTRESU"), vol.text("PCORRESU"))
    values, unit = resolve_unit(
        values,
        what="volume",
        column=vol.names.get("PCSTRESN", "PCSTRESN"),
        file=vol.file,
        rows=vol.rows,
        row_units=row_units,
        unit_column=vol.names.get("PCSTRESU", "PCSTRESU"),
        declared=(units or {}).get("volume"),
        # by default the volume of the concentration unit, so that C x V is an amount
        target=(units or {}).get("volume") or _per_volume(conc_unit),
        label="collection volume",
        notes=notes,
        problems=problems,
    )
    try:
        ok = unit is None or dimension(unit) == "[length] ** 3"
    except UnitError:
        ok = True  # an unknown unit is already a problem
    if not ok:
        problems.append(
            Problem(
                f"collection volume unit {unit!r} is not a volume",
                file=vol.file,
                row=int(vol.rows[0]),
                column=vol.names.get("PCSTRESU", "PCSTRESU"),
                fix="give VOLUME records in mL or L (PCSTRESU)",
            )
        )
    return values, unit


def attach_volumes(pc: _T, vol: _T | None, conc: pd.DataFrame, units, conc_unit, problems, notes):
    """The ``volume`` of each analyte row (NaN: none) and the volume unit."""
    n = len(conc)
    out = np.full(n, np.nan)
    interval = (
        np.isfinite(conc["end_time"].to_numpy(float))
        if "end_time" in conc.columns
        else np.zeros(n, bool)
    )
    if vol is None:
        if interval.any():
            notes.append(
                f"{pc.file}: no VOLUME records: the interval collection(s) (rows "
                f"{_rows_text(pc.rows[interval])}) have no volume (urine amounts need one)"
            )
        return out, (units or {}).get("volume")
    subject = vol.text("USUBJID")
    if vol.has("POOLID"):
        subject = np.where(subject == "", vol.text("POOLID"), subject)
    values, unit = _volumes(vol, units, conc_unit, problems, notes)
    v = _keys(vol, subject, []).assign(volume=values, vrow=vol.rows)
    v = v[np.isfinite(values)]
    a = _keys(pc, conc["subject"].to_numpy(object), []).assign(pos=np.arange(n))
    m = a.merge(v, on=["subject", "spec", "start", "end"], suffixes=("", "_v"))
    m = m[(m["refid"] == "") | (m["refid_v"] == "") | (m["refid"] == m["refid_v"])]
    for _, g in m.groupby("pos", sort=False):
        if g["volume"].nunique() > 1:
            rows = sorted(set(g["vrow"].astype(int)))
            problems.append(
                Problem(
                    f"two different volumes for one collection: "
                    f"{', '.join(repr(float(x)) for x in pd.unique(g['volume']))} (VOLUME rows "
                    f"{', '.join(map(str, rows))})",
                    file=vol.file,
                    row=rows[0],
                    column=vol.names.get("PCSTRESN", "PCSTRESN"),
                    fix="keep one VOLUME record per collection, or tell them apart by PCREFID",
                )
            )
    first = m.drop_duplicates("pos")
    out[first["pos"].to_numpy(int)] = first["volume"].to_numpy(float)
    lost = interval & np.isnan(out)
    if lost.any():
        notes.append(
            f"{pc.file}: interval collection(s) without a matching VOLUME record (rows "
            f"{_rows_text(pc.rows[lost])}): volume left empty (same USUBJID, PCSPEC, PCDTC and "
            "PCENDTC needed; PCREFID where both give one)"
        )
    unused = ~np.isin(vol.rows, m["vrow"].to_numpy())
    if unused.any():
        notes.append(
            f"{vol.file}: VOLUME record(s) matching no concentration record (rows "
            f"{_rows_text(vol.rows[unused])}): not used"
        )
    return out, unit
