"""Padded per-subject arrays for population fitting, built from a ``Study``.

Every subject becomes one row of ``(S, T)`` observation arrays (padded with a mask) and
``(S, E)`` dose-event arrays. Nothing is dropped silently: excluded rows are counted and
reported in ``notes``; a subject without a dose, a dose route the models cannot take or a
covariate missing for some subjects is a ``DataError`` naming the subject.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kinetor.data._resets import dose_until
from kinetor.data.routes import ROUTES, normalise_route
from kinetor.errors import DataError, Problem
from kinetor.popfit._covariates import subject_covariates

__all__ = ["PopData", "build_data"]

# dose-event kinds, as in kinetor.pk.closed_form.KINDS
BOLUS, DEPOT, RATE = 0, 1, 2


@dataclass
class PopData:
    """Observation and dose arrays of one analyte, one row per subject.

    Attributes
    ----------
    subjects : (S,) subject ids
    t, dv, lloq : (S, T) times, observations (NaN where BLQ), LLOQ
    obs : (S, T) bool, a real observation (False = padding)
    blq : (S, T) bool, censored below ``lloq`` (Beal M3)
    row : (S, T) int, index into ``frame`` (-1 = padding)
    ev_t, ev_amt, ev_kind : (S, E) event times, amounts (rates for kind 2), kinds
    ev_until : (S, E) when each event stops acting (a NONMEM reset: ``doses.until``), or
        None when no dose is ended by a reset
    covariates : DataFrame indexed by subject
    frame : the observation rows used (subject, time, dv, blq, lloq, source_row)
    conc_factor : float, concentration unit per (dose unit / L)
    units : dict (time, conc, dose, volume, clearance)
    """

    subjects: np.ndarray
    t: np.ndarray
    dv: np.ndarray
    lloq: np.ndarray
    obs: np.ndarray
    blq: np.ndarray
    row: np.ndarray
    ev_t: np.ndarray
    ev_amt: np.ndarray
    ev_kind: np.ndarray
    covariates: pd.DataFrame
    frame: pd.DataFrame
    conc_factor: float
    units: dict[str, str]
    has_depot: bool
    notes: list[str] = field(default_factory=list)
    ev_until: np.ndarray | None = None

    @property
    def n_subjects(self) -> int:
        return int(self.t.shape[0])

    @property
    def n_obs(self) -> int:
        return int(self.obs.sum())

    def take(self, idx: np.ndarray) -> PopData:
        """The same data for a subset (or a resampling) of subjects."""
        return PopData(
            self.subjects[idx],
            self.t[idx],
            self.dv[idx],
            self.lloq[idx],
            self.obs[idx],
            self.blq[idx],
            self.row[idx],
            self.ev_t[idx],
            self.ev_amt[idx],
            self.ev_kind[idx],
            self.covariates.iloc[idx],
            self.frame,
            self.conc_factor,
            self.units,
            self.has_depot,
            list(self.notes),
            None if self.ev_until is None else self.ev_until[idx],
        )


def _units(study) -> tuple[float, dict[str, str]]:
    from kinetor.units import parse_unit, ureg

    dose_u, conc_u, time_u = (study.units[k] for k in ("dose", "conc", "time"))
    per_kg = "/kg" in dose_u.replace(" ", "")
    amount_u = dose_u.replace("/kg", "").strip() if per_kg else dose_u
    vol = "L/kg" if per_kg else "L"
    try:
        factor = float(
            ureg.Quantity(1.0, parse_unit(amount_u) / ureg.L).to(parse_unit(conc_u)).magnitude
        )
    except Exception as exc:  # pint's DimensionalityError: dose and conc do not match
        raise DataError(
            Problem(
                f"dose unit {dose_u!r} and concentration unit {conc_u!r} are not mass and "
                f"mass/volume (or molar) of the same kind ({exc})",
                file=study.source,
                fix="give doses in mg (or mg/kg) and concentrations in mass/volume",
            )
        ) from None
    return factor, {
        "time": time_u,
        "conc": conc_u,
        "dose": dose_u,
        "volume": vol,
        "clearance": f"L/{time_u}" + ("/kg" if per_kg else ""),
        "rate": f"1/{time_u}",
    }


def _doses(study, analyte: str, problems: list[Problem]) -> pd.DataFrame:
    d = study.doses
    if "analyte" in d.columns and (d["analyte"] != "").any() and (d["analyte"] == analyte).any():
        d = d[(d["analyte"] == analyte) | (d["analyte"] == "")]
    d = d.copy()
    # routes as written ("IV", "IV bolus", "PO") -> the canonical three, as NCA and fit_pk
    # read them; an unrecognised one is kept as written and reported by build_data
    codes, written = pd.factorize(d["route"].astype(str))
    canon = [r if r in ROUTES else (normalise_route(r) or r) for r in written]
    d["route"] = np.array(canon, dtype=object)[codes] if len(written) else d["route"]
    bad_ss = d[d["ss"] != 0]
    for _, r in bad_ss.iterrows():
        problems.append(
            Problem(
                f"subject {r['subject']}: steady-state dose (SS={r['ss']}) is not supported by "
                "popfit",
                file=study.files.get("doses", study.source),
                row=int(r["source_row"]),
                column="ss",
                fix="write the doses explicitly (ADDL/II are expanded)",
            )
        )
    addl = d[d["addl"] > 0]
    if len(addl):
        rows = [d[d["addl"] == 0]]
        for _, r in addl.iterrows():
            k = np.arange(int(r["addl"]) + 1)
            rep = pd.DataFrame([r] * k.size)
            rep["time"] = r["time"] + k * r["ii"]
            rep["addl"] = 0
            rows.append(rep)
        d = pd.concat(rows, ignore_index=True)
    return d.sort_values(["subject", "time"], kind="stable")


def build_data(
    study, analyte: str | None = None, covariates: tuple[str, ...] = (), blq: str = "m3"
) -> PopData:
    """Arrays for ``popfit`` from a ``Study``.

    Parameters
    ----------
    study : Study
    analyte : str, optional
        Needed when the study has several analytes.
    covariates : tuple of str
        Subject-level columns the model uses (``weight``, ``sex``, ``group``, any column of
        ``study.subjects`` or a column of ``study.conc`` constant within each subject; see
        ``kinetor.popfit._covariates``); each must be present for every subject.
    blq : {"m3", "drop"}
        Beal M3 (censored likelihood) or leave BLQ samples out (counted in ``notes``).

    Raises
    ------
    DataError
        Naming every subject without a dose, without observations or without a value
        for a requested covariate; when no sample is quantified (all BLQ).
    """
    problems: list[Problem] = []
    notes: list[str] = []
    src = study.files.get("conc", study.source)
    analytes = study.analytes
    if analyte is None:
        if len(analytes) > 1:
            raise DataError(
                Problem(
                    f"the study has {len(analytes)} analytes {analytes}",
                    file=src,
                    column="analyte",
                    fix="choose one with analyte=... (--analyte)",
                )
            )
        analyte = analytes[0]
    elif analyte not in analytes:
        raise DataError(
            Problem(
                f"no analyte {analyte!r} in the study",
                file=src,
                column="analyte",
                fix=f"use one of {analytes}",
            )
        )
    c = study.conc[study.conc["analyte"] == analyte]
    excluded = c[c["exclude"] != ""]
    if len(excluded):
        notes.append(f"{len(excluded)} excluded sample(s) not used (see the 'exclude' column)")
    c = c[c["exclude"] == ""]
    c = c[c["conc"].notna() | c["blq"]]
    if blq == "drop" and c["blq"].any():
        notes.append(f"{int(c['blq'].sum())} BLQ sample(s) left out (blq='drop')")
        c = c[~c["blq"]]
    if not (~c["blq"]).any():
        raise DataError(
            Problem(
                f"no quantified observations of {analyte!r}: "
                + (f"all {len(c)} usable sample(s) are BLQ" if len(c) else "no usable sample")
                + " (a population model cannot be estimated from censored samples alone)",
                file=src,
                column="conc",
                fix="check the concentration column, the BLQ flags and the LLOQ (a LLOQ "
                "above every value makes every sample BLQ), or the 'exclude' column",
            )
        )
    lloq_missing = c[c["blq"] & c["lloq"].isna()]
    for _, r in lloq_missing.iterrows():
        problems.append(
            Problem(
                f"subject {r['subject']}: BLQ sample without an LLOQ",
                file=src,
                row=int(r["source_row"]),
                column="lloq",
                fix="give the LLOQ so the M3 likelihood can use the sample",
            )
        )
    factor, units = _units(study)
    doses = _doses(study, analyte, problems)
    # values a Study built from tables may hold (read_study refuses them)
    for table, frame, col in (("conc", c, "conc"), ("doses", doses, "dose")):
        v = frame[col].to_numpy(float)
        bad = (v < 0) | np.isinf(v) | (np.isnan(v) if col == "dose" else False)
        for r, x in zip(frame["source_row"].to_numpy()[bad], v[bad], strict=True):
            problems.append(
                Problem(
                    f"{col} {x} is not a finite number >= 0",
                    file=study.files.get(table, study.source),
                    row=int(r),
                    column=col,
                    fix=f"correct the {col} (or remove the row)",
                )
            )
    routes = set(doses["route"])
    unknown = routes - {"iv_bolus", "iv_infusion", "extravascular"}
    for r in sorted(unknown):
        problems.append(
            Problem(
                f"dose route {r!r} cannot be modelled",
                file=study.files.get("doses", study.source),
                column="route",
                fix="use IV bolus, IV infusion or an extravascular route (PO, SC, IP...; "
                "see kinetor.data.ROUTES)",
            )
        )
    subjects = pd.unique(c["subject"])
    dosed = set(doses["subject"])
    for s in subjects:
        if s not in dosed:
            problems.append(
                Problem(
                    f"subject {s} has concentrations but no dose",
                    file=src,
                    column="subject",
                    fix=f"add subject {s}'s dose(s) or exclude its samples",
                )
            )
    cov = subject_covariates(study, c, subjects, covariates, problems)
    if problems:
        raise DataError(problems)
    S = len(subjects)
    pos = {s: i for i, s in enumerate(subjects)}
    c = c.sort_values(["subject", "time"], kind="stable").reset_index(drop=True)
    si = c["subject"].map(pos).to_numpy()
    counts = np.bincount(si, minlength=S)
    T = int(counts.max())
    order = np.argsort(si, kind="stable")
    j = np.empty(len(c), int)
    j[order] = np.arange(len(c)) - np.repeat(np.cumsum(counts) - counts, counts)
    t = np.zeros((S, T))
    dv = np.zeros((S, T))
    lloq = np.full((S, T), np.nan)
    obs = np.zeros((S, T), bool)
    cens = np.zeros((S, T), bool)
    row = np.full((S, T), -1)
    t[si, j] = c["time"].to_numpy(float)
    dv[si, j] = np.nan_to_num(c["conc"].to_numpy(float))
    lloq[si, j] = c["lloq"].to_numpy(float)
    obs[si, j] = True
    cens[si, j] = c["blq"].to_numpy(bool)
    row[si, j] = np.arange(len(c))
    # pad with each subject's last time so padded predictions stay finite
    last = np.maximum.accumulate(np.where(obs, t, -np.inf), axis=1)
    t = np.where(obs, t, np.where(np.isfinite(last), last, 0.0))
    # dose events: infusions are a rate step on and off
    d = doses[doses["subject"].isin(pos)]
    kind = np.where(
        d["route"] == "iv_bolus", BOLUS, np.where(d["route"] == "extravascular", DEPOT, RATE)
    )
    dur = d["duration"].to_numpy(float)
    bad = (kind == RATE) & ~(dur > 0)
    if bad.any():
        raise DataError(
            [
                Problem(
                    f"subject {r['subject']}: IV infusion without a duration",
                    file=study.files.get("doses", study.source),
                    row=int(r["source_row"]),
                    column="duration",
                    fix="give the infusion duration (or rate)",
                )
                for _, r in d[bad].iterrows()
            ]
        )
    ev = pd.DataFrame(
        {
            "s": d["subject"].map(pos).to_numpy(),
            "t": d["time"].to_numpy(float),
            "amt": d["dose"].to_numpy(float),
            "kind": kind,
            "until": dose_until(d),  # NONMEM resets; an infusion's end step ends with it
        }
    )
    inf = ev["kind"] == RATE
    rate = ev.loc[inf, "amt"] / dur[inf.to_numpy()]
    off = ev[inf].copy()
    off["t"] = off["t"] + dur[inf.to_numpy()]
    off["amt"] = -rate
    ev.loc[inf, "amt"] = rate
    ev = pd.concat([ev, off]).sort_values(["s", "t"], kind="stable")
    es = ev["s"].to_numpy()
    ecount = np.bincount(es, minlength=S)
    E = int(ecount.max())
    ej = np.arange(len(ev)) - np.repeat(np.cumsum(ecount) - ecount, ecount)
    ev_t = np.full((S, E), np.inf)
    ev_amt = np.zeros((S, E))
    ev_kind = np.zeros((S, E), int)
    ev_t[es, ej] = ev["t"].to_numpy()
    ev_amt[es, ej] = ev["amt"].to_numpy()
    ev_kind[es, ej] = ev["kind"].to_numpy()
    ev_until = None
    if np.isfinite(ev["until"].to_numpy()).any():
        ev_until = np.full((S, E), np.inf)
        ev_until[es, ej] = ev["until"].to_numpy()
    frame = pd.DataFrame(
        {
            "subject": c["subject"].to_numpy(),
            "time": c["time"].to_numpy(),
            "dv": c["conc"].to_numpy(),
            "blq": c["blq"].to_numpy(bool),
            "lloq": c["lloq"].to_numpy(),
            "source_row": c["source_row"],
        }
    )
    return PopData(
        np.asarray(subjects, dtype=object),
        t,
        dv,
        lloq,
        obs,
        cens,
        row,
        ev_t,
        ev_amt,
        ev_kind,
        cov,
        frame,
        factor,
        units,
        bool((kind == DEPOT).any()),
        notes,
        ev_until,
    )
