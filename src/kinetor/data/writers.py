"""Writers: canonical CSV tables and CDISC SEND/SDTM PC, EX, DM (and BW) files.

Both layouts read back with ``read_study`` into the same canonical tables (the round trip
is tested). Floats are written with full precision.

``write_csv(study, "out/")`` writes ``conc.csv``, ``doses.csv`` and ``subjects.csv`` with
unit columns (``time_unit``, ``conc_unit``, ``dose_unit``, ``weight_unit``);
``write_csv(study, "study.csv")`` writes one lab-style table (one row per sample, the
subject's dose and covariates on every row), which needs one dose per subject.

``write_cdisc(study, "send/")`` writes ``pc.csv``, ``ex.csv``, ``dm.csv`` (and ``bw.csv``
when weights are known). Times become ISO 8601: ``PCDTC``/``EXSTDTC`` count from a
reference date-time (``reference=``, the first dose of every subject); ``PCELTM`` is the
nominal time from the sample's reference dose (the last dose at or before it), which is
named in ``PCTPTREF`` and dated in ``PCRFTDTC``; SEND adds ``PCNOMDY``, ``SETCD``.
``EXROUTE`` uses CDISC terms for common abbreviations (IV -> INTRAVENOUS BOLUS, PO ->
ORAL, SC -> SUBCUTANEOUS); other route texts are kept in upper case (``routes=`` names a
term; one outside the CDISC ROUTE codelist is named in the returned ``notes``). Urine
collections get ``PCENDTC`` (when recorded), the planned ``PCELTM``/``PCEVLINT`` (from
``nominal_end_time``) and ``VOLUME`` records; ALQ samples keep their text and number; the
subjects' extra columns become DM variables (``SUBJID`` = the subject when absent).
``STUDYID`` comes from the study's ``Study``/``STUDYID`` column (as in the PP domain);
``PCTESTCD`` is a CDISC test code of the analyte (``EXTRT`` the same code; a rename is
named in ``notes``). Refused (``DataError``: subject, time and the fix): NONMEM resets,
steady-state doses, zero-order input into an extravascular site and modelled rates, which
EX (and the single CSV table) cannot hold.

>>> import tempfile, pandas as pd
>>> from kinetor.data import Study, read_study
>>> st = Study(pd.DataFrame({"subject": ["1", "1"], "time": [0.5, 2.0],
...                          "conc": [10.0, 4.0]}),
...            pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [5.0],
...                          "route": ["iv_bolus"]}),
...            units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"})
>>> with tempfile.TemporaryDirectory() as d:
...     _ = write_cdisc(st, d)
...     back = read_study(d)
>>> back.conc[["subject", "time", "conc"]].values.tolist()
[['1', 0.5, 10.0], ['1', 2.0, 4.0]]
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from kinetor.data._cdisc_write import (
    Written,
    alq_results,
    check_target,
    exroute,
    interval_columns,
    volume_records,
)
from kinetor.data._write_checks import (
    below_lloq_note,
    check_distinct_at_ns,
    refuse_lost_doses,
    several_doses,
)
from kinetor.data._write_ids import pc_test_codes, study_ids
from kinetor.data.routes import normalise_route
from kinetor.data.study import SUBJECT_COLUMNS
from kinetor.data.values import format_duration
from kinetor.errors import DataError, Problem
from kinetor.units import convert

__all__ = ["write_cdisc", "write_csv"]

_ROUTE_TERMS = {
    "iv_bolus": "INTRAVENOUS BOLUS",
    "iv_infusion": "INTRAVENOUS DRIP",
    "extravascular": "EXTRAVASCULAR",
}
# common abbreviations -> CDISC route terms (EXROUTE); other texts are kept (upper case)
_CT_ROUTES = {
    **dict.fromkeys(
        ("iv", "ivb", "iv bolus", "bolus", "iv push", "i.v.", "iv_bolus"), "INTRAVENOUS BOLUS"
    ),
    **dict.fromkeys(
        ("iv infusion", "ivi", "iv inf", "infusion", "iv drip", "iv_infusion"), "INTRAVENOUS DRIP"
    ),
    **dict.fromkeys(("po", "p.o.", "oral", "per os", "orally"), "ORAL"),
    **dict.fromkeys(("gavage", "oral gavage"), "ORAL GAVAGE"),
    **dict.fromkeys(("sc", "s.c.", "subcutaneous"), "SUBCUTANEOUS"),
    **dict.fromkeys(("ip", "i.p.", "intraperitoneal"), "INTRAPERITONEAL"),
    **dict.fromkeys(("im", "i.m.", "intramuscular"), "INTRAMUSCULAR"),
}


def write_csv(study, path) -> list[Path]:
    """Write the study as CSV; returns the paths written (see module docstring)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return [_write_single(study, path)]
    path.mkdir(parents=True, exist_ok=True)
    u = study.units
    conc = _volume_header(study.conc.assign(time_unit=u["time"], conc_unit=u["conc"]), u)
    doses = study.doses.assign(time_unit=u["time"], dose_unit=u["dose"])
    subjects = study.subjects.assign(weight_unit="kg")
    out = []
    for name, df in (("conc", conc), ("doses", doses), ("subjects", subjects)):
        p = path / f"{name}.csv"
        df.to_csv(p, index=False)
        out.append(p)
    return out


def _write_single(study, path: Path) -> Path:
    d = study.doses
    several_doses(d, str(path))
    u = study.units
    refuse_lost_doses(d, u["time"], "a single CSV table", str(path))
    dose = (
        d.assign(route=_route_term(d["route"], d["route_raw"]))
        .set_index("subject")[["time", "dose", "route", "duration"]]
        .rename(columns={"time": "dose_time"})
    )
    conc = study.conc.drop(columns=["source_row"])
    subj = study.subjects.drop(
        columns=[c for c in study.subjects.columns if c in conc.columns and c != "subject"]
    )
    table = conc.merge(subj, on="subject", how="left").merge(
        dose, left_on="subject", right_index=True, how="left"
    )
    table = table.assign(
        time_unit=u["time"], conc_unit=u["conc"], dose_unit=u["dose"], weight_unit="kg"
    )
    _volume_header(table, u).to_csv(path, index=False)
    return path


def _volume_header(df: pd.DataFrame, units) -> pd.DataFrame:
    """Collection volumes keep their unit in the header (``volume (mL)``), as read back."""
    unit = units.get("volume")
    return df.rename(columns={"volume": f"volume ({unit})"}) if unit else df


def _iso(reference: pd.Timestamp, hours: np.ndarray) -> np.ndarray:
    out = np.full(len(hours), "", dtype=object)
    ok = np.isfinite(hours)
    stamps = reference + pd.to_timedelta(hours[ok] * 3600e9, unit="ns")
    out[ok] = [s.isoformat() for s in stamps]
    return out


def _study_day(hours: np.ndarray) -> np.ndarray:
    idx = np.floor(np.asarray(hours, float) / 24.0) + 1  # day 1 = day of the first dose
    return np.where(idx >= 1, idx, idx - 1)  # there is no day 0


def _route_term(route: pd.Series, raw: pd.Series, cdisc: bool = False) -> np.ndarray:
    """The route as written when it still reads as the same route, else a CDISC term;
    with ``cdisc`` common abbreviations become CDISC terms (IV -> INTRAVENOUS BOLUS)."""
    raw = raw.astype("string").fillna("")
    # a Study built in Python may hold the route as written ("PO"), not its kind
    kind = route.map(lambda r: r if r in _ROUTE_TERMS else normalise_route(r) or r)
    same = np.array([normalise_route(r) == t for r, t in zip(raw, kind, strict=True)], dtype=bool)
    text = raw
    if cdisc:
        key = raw.str.strip().str.lower()
        text = key.map(_CT_ROUTES).fillna(raw.str.upper())
    return np.where(same & (raw != ""), text, kind.map(_ROUTE_TERMS).fillna(kind.astype(str)))


def _number_text(values: np.ndarray) -> np.ndarray:
    """Exact, short text for numbers: repr without a trailing '.0'; '' for NaN."""
    out = np.full(len(values), "", dtype=object)
    ok = ~np.isnan(values)
    out[ok] = [r[:-2] if r.endswith(".0") else r for r in map(repr, values[ok].tolist())]
    return out


def _column(frame: pd.DataFrame, name: str, default) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(default, index=frame.index)


def _study_ids(study, studyid: str | None):
    """``table -> STUDYID per row``: ``studyid`` when given, else the study's own
    ``Study``/``STUDYID`` column (``study_ids``, as the PP domain takes it), else ``"STUDY"``."""
    known = study_ids(study) if studyid is None else studyid

    def of(table: pd.DataFrame) -> np.ndarray:
        if isinstance(known, str):
            return np.full(len(table), known or "STUDY", dtype=object)
        return table["subject"].astype(str).map(known).fillna("STUDY").to_numpy(dtype=object)

    return of


def _treatments(d: pd.DataFrame, codes: dict[str, str], notes: list[str]) -> np.ndarray:
    """EXTRT: the dose's analyte (as its PCTESTCD, so it names the same analyte read back);
    an empty one the study's only analyte, else ``UNKNOWN`` (a note: it still applies to
    every analyte of the subject)."""
    name = d["analyte"].astype("string").fillna("").to_numpy(dtype=object)
    out = np.array([codes.get(a, a) for a in name], dtype=object)
    empty = out == ""
    if empty.any():
        only = list(codes.values())
        fill = only[0] if len(only) == 1 else "UNKNOWN"
        out[empty] = fill
        if fill == "UNKNOWN":
            notes.append(
                f"EXTRT: {int(empty.sum())} dose(s) name no drug or analyte (subject(s) "
                f"{', '.join(pd.unique(d['subject'].astype(str)[empty])[:5])}): written as "
                "UNKNOWN (read back they still apply to every analyte of the subject)"
            )
    return out


def write_cdisc(
    study,
    directory,
    standard: Literal["send", "sdtm"] = "send",
    *,
    studyid: str | None = None,
    reference: str = "2000-01-01T08:00:00",
    routes: dict[str, str] | None = None,
) -> Written:
    """Write PC, EX, DM (and BW) CSVs that ``read_study`` reads back to the same study.

    ``studyid``: STUDYID on every record; by default the study's own ``STUDYID`` column
    (as read from SEND/SDTM), else ``"STUDY"``. ``routes``: the ``EXROUTE`` term for a
    route text of the study or a kinetor route kind, e.g. ``{"extravascular": "ORAL"}``
    (it must read back as the same kind). Returns the paths written; their ``notes``
    name what is not CDISC as written (an ``EXROUTE`` outside the CDISC ROUTE codelist).
    """
    notes: list[str] = []
    if standard not in ("send", "sdtm"):
        raise DataError(Problem(f"standard={standard!r}", fix="use 'send' or 'sdtm'"))
    out_dir, ref = check_target(directory, reference)
    to_h = convert(1.0, study.units["time"], "h")
    c = study.conc.reset_index(drop=True)
    d = study.doses.sort_values(["subject", "time"], kind="stable").reset_index(drop=True)
    refuse_lost_doses(d, study.units["time"], f"{standard.upper()} EX", str(out_dir))
    below_lloq_note(c, standard.upper(), notes)
    t = c["time"].to_numpy(float) * to_h
    check_distinct_at_ns(c, t)
    nominal = c["nominal_time"].to_numpy(float) * to_h
    dose_t = d["time"].to_numpy(float) * to_h
    # the reference dose of each sample: the last dose at or before its (nominal) time
    when = np.where(np.isnan(nominal), t, nominal)
    d_num = d.assign(_t=dose_t, _k=d.groupby("subject").cumcount() + 1)
    probe = pd.DataFrame(
        {"subject": c["subject"].astype(str), "_w": when, "_i": np.arange(len(c))}
    ).dropna(subset=["_w"])
    ref_dose = pd.merge_asof(
        probe.sort_values("_w"),
        d_num.assign(subject=d_num["subject"].astype(str)).sort_values("_t")[
            ["subject", "_t", "_k"]
        ],
        left_on="_w",
        right_on="_t",
        by="subject",
        direction="backward",
    )
    first = d_num.drop_duplicates("subject").set_index("subject")
    ref_dose["_t"] = ref_dose["_t"].fillna(ref_dose["subject"].map(first["_t"]))
    ref_dose["_k"] = ref_dose["_k"].fillna(ref_dose["subject"].map(first["_k"]))
    rt = np.full(len(c), np.nan)
    rk = np.full(len(c), np.nan)
    rt[ref_dose["_i"].to_numpy()] = ref_dose["_t"].to_numpy(float)
    rk[ref_dose["_i"].to_numpy()] = ref_dose["_k"].to_numpy(float)
    has_nom = ~np.isnan(nominal) & ~np.isnan(rt)
    conc = c["conc"].to_numpy(float)
    blq = c["blq"].to_numpy(bool)
    res = np.where(blq, "BLQ", _number_text(conc))
    # the number as measured of a BLQ sample goes in PCORRES (PCSTRESC: BLQ)
    reported = _column(c, "conc_reported", np.nan).to_numpy(float)
    orres = np.where(blq & np.isfinite(reported), _number_text(reported), res)
    exclude = c["exclude"].astype(str).to_numpy()
    res, orres, exclude = alq_results(c, res, orres, exclude)
    eltm = np.where(has_nom, nominal - rt, np.nan)
    interval = interval_columns(c, t, to_h, eltm, lambda h: _iso(ref, h), notes)
    sid = _study_ids(study, studyid)
    profile = _column(c, "profile", "").astype("string").fillna("").to_numpy(dtype=object)
    test = _column(c, "PCTEST", "").astype("string").fillna("").to_numpy(dtype=object)
    codes = pc_test_codes(pd.unique(c["analyte"].astype(str)))
    renamed = {a: k for a, k in codes.items() if a != k}
    if renamed:
        notes.append(
            "PCTESTCD is a CDISC test code (at most 8 letters, digits or _): "
            + ", ".join(f"analyte {a!r} written as {k!r}" for a, k in renamed.items())
            + " (PCTEST keeps the name); kinetor reads the analyte back from PCTESTCD"
        )
    pc = pd.DataFrame(
        {
            "STUDYID": sid(c),
            "DOMAIN": "PC",
            "USUBJID": c["subject"],
            "PCSEQ": c.groupby("subject").cumcount() + 1,
            "PCTESTCD": c["analyte"].astype(str).map(codes),
            "PCTEST": np.where(test != "", test, c["analyte"]),
            "PCORRES": orres,
            "PCORRESU": study.units["conc"],
            "PCSTRESC": res,
            "PCSTRESN": np.where(blq | np.isnan(conc), np.nan, conc),
            "PCSTRESU": study.units["conc"],
            "PCSPEC": c["matrix"],
            "PCLLOQ": c["lloq"],
            "PCDTC": _iso(ref, t),
            "PCELTM": [format_duration(v) for v in eltm] if interval is None else interval[1],
            "PCTPTREF": np.where(
                profile != "",
                profile,
                np.where(
                    has_nom,
                    "Dose " + pd.Series(rk).map(lambda k: "" if np.isnan(k) else f"{k:.0f}"),
                    "",
                ),
            ),
            "PCRFTDTC": _iso(ref, np.where(has_nom, rt, np.nan)),
        }
    )
    if standard == "send":
        pc["PCNOMDY"] = pd.array(
            np.where(has_nom, _study_day(np.nan_to_num(rt)), np.nan), dtype="Int64"
        )
    if interval is not None:
        pc.insert(pc.columns.get_loc("PCDTC") + 1, "PCENDTC", interval[0])
        pc.insert(pc.columns.get_loc("PCELTM") + 1, "PCEVLINT", interval[2])
    pc["PCEXCLFL"] = np.where(exclude != "", "Y", "")
    pc["PCREASEX"] = exclude
    vol = volume_records(pc, c, study.units.get("volume"), _number_text)
    if len(vol):
        pc.insert(pc.columns.get_loc("PCSEQ") + 1, "PCCAT", "ANALYTE")
        pc = pd.concat([pc, vol[pc.columns]], ignore_index=True)
        pc["PCSEQ"] = pc.groupby("USUBJID", sort=False).cumcount() + 1
    dur = d["duration"].to_numpy(float) * to_h
    infusion = (d["route"] == "iv_infusion").to_numpy() & (dur > 0)
    ex = pd.DataFrame(
        {
            "STUDYID": sid(d),
            "DOMAIN": "EX",
            "USUBJID": d["subject"],
            "EXSEQ": d.groupby("subject").cumcount() + 1,
            "EXTRT": _treatments(d, codes, notes),
            "EXDOSE": d["dose"],
            "EXDOSU": study.units["dose"],
            "EXROUTE": exroute(
                d, _route_term(d["route"], d["route_raw"], cdisc=True), routes, notes
            ),
            "EXSTDTC": _iso(ref, dose_t),
            "EXENDTC": _iso(ref, np.where(infusion, dose_t + dur, np.nan)),
            "EXSTDY": pd.array(_study_day(dose_t), dtype="Int64"),
        }
    )
    s = study.subjects
    dm = pd.DataFrame(
        {
            "STUDYID": sid(s),
            "DOMAIN": "DM",
            "USUBJID": s["subject"],
            "SPECIES": s["species"],
            "SEX": s["sex"],
            "ARMCD": s["group"],
            "ARM": s["group"],
        }
    )
    if standard == "send":
        dm["SETCD"] = s["group"]
    if "SUBJID" not in s.columns:  # a DM read from SEND/SDTM keeps its own SUBJID
        dm.insert(3, "SUBJID", s["subject"].to_numpy())
    # the subjects' own extra columns (DM SUBJID, AGE...) go back to DM as they are
    written = set(dm.columns) - {"ARMCD", "SETCD"}
    for k in s.columns:
        if k not in SUBJECT_COLUMNS and k not in written:
            dm[k] = s[k].to_numpy()
    paths = []
    for name, df in (("pc", pc), ("ex", ex), ("dm", dm)):
        paths.append(out_dir / f"{name}.csv")
        df.to_csv(paths[-1], index=False)
    w = s["weight"].to_numpy(float)
    if np.isfinite(w).any():
        ok = np.isfinite(w)
        bw = pd.DataFrame(
            {
                "STUDYID": sid(s)[ok],
                "DOMAIN": "BW",
                "USUBJID": s["subject"][ok],
                "BWSEQ": 1,
                "BWTESTCD": "BW",
                "BWTEST": "Body Weight",
                "BWORRES": w[ok],
                "BWORRESU": "kg",
                "BWSTRESC": w[ok],
                "BWSTRESN": w[ok],
                "BWSTRESU": "kg",
                "BWBLFL": "Y",
            }
        )
        paths.append(out_dir / "bw.csv")
        bw.to_csv(paths[-1], index=False)
    return Written(paths, notes)
