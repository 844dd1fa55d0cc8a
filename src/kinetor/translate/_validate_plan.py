"""Which evidence arms the chain can simulate, and how (:func:`kinetor.translate.validate`).

:func:`plan_arms` reads the xenograft evidence tables and sorts every treated arm into a
TGI/T-C simulation plan, an equal-efficacy dose-ratio plan, or the skipped list with all its
reasons (qualitative endpoint, no library entry, no PK set for the host species, schedule
missing or unparsable, no tumour model). :func:`tumor_for_study` maps a study's model text to
a bundled tumour model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kinetor.errors import KinetorError, ModelError

__all__ = ["DEFAULT_DAYS", "check_tumors", "plan_arms", "tumor_for_study"]

_NUMERIC_KINDS = {"tgi_pct", "tc_pct"}
DEFAULT_DAYS = 21.0


def tumor_for_study(model: str, genotype: str) -> str | None:
    """The tumour model for a study's model / genotype text, or None.

    MCF-7 -> MCF7 (182R-1 is MCF-7-derived but fulvestrant-resistant: no model), U87MG or a
    PTEN-null genotype -> PTEN_null, BT474 or a PIK3CA-mutant genotype -> PIK3CA_mut.

    Examples
    --------
    >>> tumor_for_study("MCF-7 breast subcutaneous xenograft", "ER+ PIK3CA-mutant")
    'MCF7'
    >>> tumor_for_study("U87MG glioblastoma", "ER n/a; PTEN-null")
    'PTEN_null'
    """
    text = f"{model} {genotype}".lower()
    if "182r" in text:
        return None
    if re.search(r"mcf-?7", text):
        return "MCF7"
    if "pten-null" in text or "pten null" in text or "u87mg" in text:
        return "PTEN_null"
    if "pik3ca-mutant" in text or "bt474" in text:
        return "PIK3CA_mut"
    return None


def check_tumors(tumors: Mapping[str, str] | None, study_ids) -> dict[str, str]:
    """``tumors={study_id: name}`` checked: every study id is one of ``study_ids`` and every
    name a bundled tumour model (case, spaces and dashes ignored); a ``ModelError`` listing
    the valid ones otherwise. Returns the mapping with the models' own names."""
    from kinetor.translate.tumors import get_tumor, list_tumors

    ids = [str(s) for s in study_ids]
    out = {}
    for sid, name in dict(tumors or {}).items():
        if str(sid) not in ids:
            raise ModelError(
                f"tumors: {sid!r} is not a study of the studies table; the studies are "
                + ", ".join(ids)
            )
        try:
            out[str(sid)] = get_tumor(str(name)).name
        except ModelError:
            raise ModelError(
                f"tumors: {name!r} (for {sid!r}) is not a tumour model; the models are "
                + ", ".join(list_tumors()["name"])
            ) from None
    return out


def _library(names: list[str]) -> dict[str, str]:
    from kinetor.translate.evidence import library_names

    lib = library_names().set_index("compound")["library_compound"].to_dict()
    return {n: str(lib.get(n, "") or "") for n in names}


def _species(host: str) -> str:
    h = str(host).lower()
    return "rat" if "rat" in h and "mice" not in h and "mouse" not in h else "mouse"


def _regimen_text(schedule: str, days: float) -> str:
    """Pattern-only schedules (``ss``, ``x 1 cycles``) stretched to ``days``."""
    text = re.sub(r"\s+ss\s*$", f" x {days:g} days", schedule.strip())
    weeks = max(1, round(days / 7.0))
    return re.sub(r"x 1 cycles\b", f"x {weeks} cycles", text)


def plan_arms(
    studies_path: str | Path | None,
    arms_path: str | Path | None,
    pk: Mapping[str, Mapping[str, Any]] | None,
    tumors: Mapping[str, str] | None,
    allometric_pk: bool,
) -> tuple[dict, dict, list[dict], dict[str, dict], dict[str, Any]]:
    """Sort every treated evidence arm into the simulation plans or the skipped list.

    Parameters are those of :func:`kinetor.translate.validate`.

    Returns
    -------
    plan : dict
        ``{study_id: {tumor, species, days, n, arms: [(row, treatments, pk_basis)]}}`` for
        TGI and T/C endpoints.
    ratio_plan : dict
        ``{study_id: {tumor, species, days, compound, pk_basis, split, arms: [(arm,
        observed ratio, regimen)]}}`` for equal-efficacy dose ratios.
    skipped : list of dict
        ``study_id, split, arm, compounds, reason`` for every arm not simulated.
    auto_pk : dict
        Allometrically scaled PK sets (``allometric_pk=True``), by library compound.
    pk : dict
        The user PK sets with lower-case compound keys.
    """
    from kinetor.translate.allometry import allometric_pk as allometric
    from kinetor.translate.arms import drug_model
    from kinetor.translate.evidence import (
        load_xenograft_arms,
        load_xenograft_studies,
        parse_schedule,
    )

    studies = load_xenograft_studies(studies_path)
    tumors = check_tumors(tumors, studies["study_id"])
    arms = load_xenograft_arms(arms_path, studies=studies)
    sinfo = studies.set_index("study_id")
    pk = {str(k).lower(): v for k, v in dict(pk or {}).items()}
    auto_pk: dict[str, dict] = {}
    skipped, plan, ratio_plan = [], {}, {}
    for _, row in arms.iterrows():
        sid = row["study_id"]
        st = sinfo.loc[sid]
        comps = [c.strip().lower() for c in str(row["compounds"]).split("+") if c.strip()]
        base = {
            "study_id": sid,
            "split": row["split"],
            "arm": row["arm"],
            "compounds": row["compounds"],
        }
        if comps == ["vehicle"]:
            continue
        reasons = []
        if not bool(row["usable"]):
            reasons.append("unverified row (not used to validate)")
        kind = row["value_kind"]
        sched = str(row["schedule"] or "").strip()
        is_ratio = kind == "equal_efficacy_dose_ratio" and "{dose}" in sched
        if kind not in _NUMERIC_KINDS and not is_ratio:
            reasons.append(
                "qualitative endpoint: no number to compare"
                if kind == "qualitative"
                else f"endpoint {kind!r} is not compared (TGI, T/C or an "
                "equal-efficacy dose ratio with a {dose} schedule only)"
            )
        lib = _library(comps)
        species = _species(st["host"])
        basis = {}
        for c in comps:
            if not lib[c]:
                reasons.append(f"{c}: no compound-library entry")
                continue
            user = pk.get(c) or pk.get(lib[c]) or auto_pk.get(lib[c])
            try:
                drug_model(lib[c], species, user)
                basis[lib[c]] = (
                    "user-supplied"
                    if (pk.get(c) or pk.get(lib[c]))
                    else "allometric from human (assumption)"
                    if user
                    else f"library {species} set"
                )
            except (ModelError, KinetorError) as exc:
                if allometric_pk and "PK parameter set" in str(exc):
                    try:
                        auto_pk[lib[c]] = allometric(lib[c], species)
                        basis[lib[c]] = "allometric from human (assumption)"
                        continue
                    except (ModelError, KinetorError) as exc2:
                        reasons.append(
                            f"{c}: no {species} PK set in the compound library, "
                            "and no human model set to scale either"
                            if "PK model set" in str(exc2)
                            else f"{c}: {exc2}"
                        )
                        continue
                if "PK parameter set" not in str(exc):
                    reasons.append(f"{c}: {exc}")
                    continue
                hint = ""
                if not allometric_pk:
                    try:
                        allometric(lib[c], species)
                        hint = (
                            " (the library has a human set: allometric_pk=True / "
                            "--allometric-pk scales it, an assumption)"
                        )
                    except (ModelError, KinetorError):
                        hint = ""
                reasons.append(f"{c}: no {species} PK set in the compound library{hint}")
        if not sched or sched == "nan":
            reasons.append("schedule not reported")
        elif "{dose}" in sched and not is_ratio:
            reasons.append("dose not reported (schedule is a {dose} template)")
        tumor = (tumors or {}).get(sid) or tumor_for_study(st["model"], st["er_genotype"])
        if tumor is None:
            reasons.append(f"no tumour model for {st['model']!r} (pass tumors={{{sid!r}: NAME}}}})")
        if reasons:
            skipped.append({**base, "reason": "; ".join(reasons)})
            continue
        days = (
            float(row["treatment_days"])
            if pd.notna(row["treatment_days"])
            else (float(st["duration_days"]) if pd.notna(st["duration_days"]) else DEFAULT_DAYS)
        )
        pk_basis = "; ".join(f"{k}: {v}" for k, v in basis.items())
        if is_ratio:
            if len(comps) != 1:
                skipped.append({**base, "reason": "dose ratios are compared for one compound"})
                continue
            ratio_plan.setdefault(
                sid,
                {
                    "tumor": tumor,
                    "species": species,
                    "days": days,
                    "compound": lib[comps[0]],
                    "pk_basis": pk_basis,
                    "split": row["split"],
                    "arms": [],
                },
            )
            ratio_plan[sid]["arms"].append(
                (row["arm"], float(row["value"]), _regimen_text(sched, days))
            )
            continue
        try:
            regs = parse_schedule(_regimen_text(sched, days))
            if "" in regs:
                if len(comps) != 1:
                    raise ModelError("one regimen for several compounds")
                treatments = [{"compound": lib[comps[0]], "regimen": _regimen_text(sched, days)}]
            else:
                treatments = [
                    {"compound": lib[c], "regimen": _regimen_text(_part(sched, c), days)}
                    for c in comps
                ]
        except (ModelError, KinetorError) as exc:
            skipped.append({**base, "reason": f"schedule does not parse: {exc}"})
            continue
        plan.setdefault(
            sid,
            {
                "tumor": tumor,
                "species": species,
                "days": days,
                "n": _group_size(st["n_per_arm"]),
                "arms": [],
            },
        )
        plan[sid]["arms"].append((row, treatments, pk_basis))
    return plan, ratio_plan, skipped, auto_pk, pk


def _part(schedule: str, compound: str) -> str:
    for part in schedule.split("+"):
        comp, _, reg = part.partition(":")
        if comp.strip().lower() == compound:
            return reg.strip()
    raise ModelError(f"{compound} has no part in schedule {schedule!r}")


def _group_size(text: Any) -> int:
    """The published group size (``"7-8"`` -> 7), default 10."""
    m = re.match(r"\s*(\d+)", str(text)) if pd.notna(text) else None
    return max(2, int(m.group(1))) if m else 10
