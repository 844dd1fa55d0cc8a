r"""Validate the chain against the published xenograft studies of :mod:`.evidence`.

:func:`validate` takes every usable arm of every study in the evidence tables
(``load_xenograft_studies``, ``load_xenograft_arms``), decides whether the chain can
simulate it, simulates the simulable studies (all their arms together with a vehicle
arm, :func:`kinetor.translate.replicate_tgi`: the median and 95 % interval over replicate
studies of the published group size) and compares the prediction with the published
endpoint, per arm, for the training (``fit``) and the held-out studies alike. Nothing is
fitted here: the held-out numbers are reported, never used.

An arm cannot be simulated (each reason is listed) when

* its endpoint is qualitative (nothing numeric to compare);
* a compound has no compound-library entry, or no PK set for the host species in the
  library (and none was passed with ``pk=``; with ``allometric_pk=True`` a human set is
  scaled instead, :mod:`.allometry`, and every such arm says so in ``pk_basis``);
* its schedule is missing or does not parse;
* no tumour model matches the study's model (``tumors={study_id: name}`` supplies one).

Schedules given as a dosing pattern only (``... ss``, ``x 1 cycles``; the evidence loader's
``pattern_only``) are simulated for the study's ``duration_days`` or, when unreported, for
21 days (assumption, recorded in the ``days`` column). Predicted T/C is the volume-change
ratio :math:`100\,\Delta T/\Delta C` (= 100 - TGI on the delta formula).

Equal-efficacy dose ratios against an unreported reference dose (Yates 2015) are predicted
with :func:`.schedule_ratio.predict_dose_ratios` at each dose of a reference grid and
reported in ``ratios``.

Ranking: for each study with two or more compared arms, the pairs of arms whose observed
order (higher TGI, or lower T/C, is better; for dose ratios, a larger ratio is the less
efficient schedule) the predictions reproduce.

Examples
--------
>>> tumor_for_study("MCF-7 breast subcutaneous xenograft", "ER+ PIK3CA-mutant")
'MCF7'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import KinetorError, ModelError
from kinetor.translate.validate_result import ValidationResult

__all__ = ["ValidationResult", "tumor_for_study", "validate"]

_NUMERIC_KINDS = {"tgi_pct", "tc_pct"}
_DEFAULT_DAYS = 21.0


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


def validate(
    *,
    studies_path: str | Path | None = None,
    arms_path: str | Path | None = None,
    pk: Mapping[str, Mapping[str, Any]] | None = None,
    tumors: Mapping[str, str] | None = None,
    n_replicates: int = 200,
    seed: int = 0,
    allometric_pk: bool = False,
    invivo_shift: bool = False,
    reference_doses: tuple[float, ...] | None = None,
    **study_kw: Any,
) -> ValidationResult:
    """Simulate every simulable evidence arm and compare it with the published endpoint.

    Parameters
    ----------
    studies_path, arms_path : path, optional
        Evidence tables (default: the bundled ``xenograft_studies.csv`` and
        ``xenograft_arms.csv``).
    pk : dict, optional
        ``{compound: {model, cl, v, ka, f, fu, mw}}`` PK sets where the library has none.
    tumors : dict, optional
        ``{study_id: tumour name}`` overriding :func:`tumor_for_study`.
    n_replicates, seed
        Replicate virtual studies per simulated study.
    allometric_pk : bool
        Where the library has no PK set for the host species, scale its human set
        (:func:`.allometry.allometric_pk`, an assumption recorded in ``pk_basis``).
    invivo_shift : bool
        Multiply the unbound concentrations of every compound with a published in vivo
        EC50 (``pkpd_invivo.csv``) by its in vivo potency shift
        (:func:`.invivo.invivo_shifts`; applied through the PK set's ``fu``, recorded in
        ``pk_basis`` and ``settings``).
    reference_doses : tuple of float, optional
        Grid of reference doses (mg/kg) for unreported-reference dose ratios (default
        :data:`.schedule_ratio.REFERENCE_DOSES`).
    **study_kw
        More :func:`run_study` options (``kp_uu``, ``insulin_feedback`` ...).

    Returns
    -------
    ValidationResult
    """
    from kinetor.translate.allometry import allometric_pk as allometric
    from kinetor.translate.allometry import library_pk_dict
    from kinetor.translate.arms import drug_model
    from kinetor.translate.evidence import (
        load_xenograft_arms,
        load_xenograft_studies,
        parse_schedule,
    )
    from kinetor.translate.schedule_ratio import (
        REFERENCE_DOSES,
        predict_dose_ratios,
        ratio_concordance,
    )
    from kinetor.translate.uncertainty import replicate_tgi

    studies = load_xenograft_studies(studies_path)
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
            else (float(st["duration_days"]) if pd.notna(st["duration_days"]) else _DEFAULT_DAYS)
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
    rows, ranking = [], []
    all_pk = {**auto_pk, **{k: v for k, v in pk.items()}}
    shifts = {}
    if invivo_shift:
        from kinetor.translate.invivo import invivo_shifts

        table = invivo_shifts()
        shifts = {r["compound"]: r for _, r in table.iterrows()}
        used = {t["compound"] for p in plan.values() for _, tr, _ in p["arms"] for t in tr}
        used |= {p["compound"] for p in ratio_plan.values()}
        for comp in sorted(used & set(shifts)):
            base_pk = dict(all_pk.get(comp) or library_pk_dict(comp, "mouse"))
            base_pk["fu"] = float(base_pk["fu"]) * float(shifts[comp]["shift"])
            all_pk[comp] = base_pk
        note = {
            c: f"; in vivo potency shift x{shifts[c]['shift']:.3g} "
            f"[{shifts[c]['shift_lo']:.3g}, {shifts[c]['shift_hi']:.3g}] "
            f"({shifts[c]['readout']}, {shifts[c]['source']})"
            for c in shifts
        }
        for p in ratio_plan.values():
            p["pk_basis"] += note.get(p["compound"], "")
        for p in plan.values():
            p["arms"] = [
                (row, tr, b + "".join(note.get(t["compound"], "") for t in tr))
                for row, tr, b in p["arms"]
            ]
    for sid, p in plan.items():
        arm_specs = [{"name": f"a{k}", "treatments": tr} for k, (_, tr, _) in enumerate(p["arms"])]
        user_pk = {
            t["compound"]: all_pk[c]
            for _, tr, _ in p["arms"]
            for t in tr
            for c in all_pk
            if c.lower() == t["compound"].lower()
        } or None
        rep = replicate_tgi(
            None,
            p["species"],
            p["tumor"],
            arms=arm_specs,
            n_animals=p["n"],
            n_replicates=n_replicates,
            seed=seed,
            days=p["days"],
            pk=user_pk,
            **study_kw,
        )
        s = rep.summary.set_index("arm")
        for k, (row, tr, pk_basis) in enumerate(p["arms"]):
            r = s.loc[f"a{k}"]
            med, lo, hi = r["tgi_median_pct"], r["tgi_lo_pct"], r["tgi_hi_pct"]
            if row["value_kind"] == "tc_pct":
                med, lo, hi = 100.0 - med, 100.0 - hi, 100.0 - lo
            obs, obs_hi = float(row["value"]), row["value_high"]
            top = float(obs_hi) if pd.notna(obs_hi) else obs
            err = 0.0 if obs <= med <= top else (med - obs if med < obs else med - top)
            rows.append(
                {
                    "study_id": sid,
                    "split": row["split"],
                    "arm": row["arm"],
                    "compounds": row["compounds"],
                    "schedule": " + ".join(f"{t['compound']}: {t['regimen']}" for t in tr),
                    "tumor": p["tumor"],
                    "days": p["days"],
                    "n_animals": p["n"],
                    "observed_kind": row["value_kind"],
                    "observed": obs,
                    "observed_high": float(obs_hi) if pd.notna(obs_hi) else np.nan,
                    "predicted": med,
                    "predicted_lo": lo,
                    "predicted_hi": hi,
                    "error": err,
                    "pk_basis": pk_basis,
                }
            )
    pred = pd.DataFrame(
        rows,
        columns=[
            "study_id",
            "split",
            "arm",
            "compounds",
            "schedule",
            "tumor",
            "days",
            "n_animals",
            "observed_kind",
            "observed",
            "observed_high",
            "predicted",
            "predicted_lo",
            "predicted_hi",
            "error",
            "pk_basis",
        ],
    )
    for sid, sub in pred.groupby("study_id", sort=False):
        if len(sub) < 2:
            continue
        sign = -1.0 if sub["observed_kind"].iloc[0] == "tc_pct" else 1.0
        o = sign * ((sub["observed"] + sub["observed_high"].fillna(sub["observed"])) / 2)
        pairs, conc = ratio_concordance(
            dict(zip(sub["arm"], -o, strict=True)),
            dict(zip(sub["arm"], -sign * sub["predicted"], strict=True)),
        )
        ranking.append(
            {
                "study_id": sid,
                "split": sub["split"].iloc[0],
                "basis": "TGI or T/C",
                "n_arms": len(sub),
                "pairs": pairs,
                "concordant_pairs": conc,
                "correct": bool(pairs > 0 and conc == pairs),
            }
        )
    ratio_rows = []
    grid = tuple(reference_doses) if reference_doses is not None else REFERENCE_DOSES
    for sid, p in ratio_plan.items():
        ref = [a for a in p["arms"] if a[1] == 1.0]
        if len(ref) != 1:
            for a in p["arms"]:
                skipped.append(
                    {
                        "study_id": sid,
                        "split": p["split"],
                        "arm": a[0],
                        "compounds": p["compound"],
                        "reason": "dose ratios need exactly one reference arm (ratio 1)",
                    }
                )
            continue
        cands = {a[0]: a[2] for a in p["arms"] if a[1] != 1.0}
        obs = {a[0]: a[1] for a in p["arms"]}
        user_pk = {p["compound"]: all_pk[p["compound"]]} if p["compound"] in all_pk else None
        preds = predict_dose_ratios(
            p["compound"],
            p["species"],
            p["tumor"],
            ref[0][2],
            cands,
            p["days"],
            reference_doses=grid,
            **({"pk": user_pk} if user_pk else {}),
            **study_kw,
        )
        for d in grid:
            here = {r["arm"]: r for r in preds if r["reference_dose"] == d}
            ratio_rows.append(
                {
                    "study_id": sid,
                    "split": p["split"],
                    "arm": ref[0][0],
                    "reference_dose": d,
                    "observed_ratio": 1.0,
                    "predicted_ratio": 1.0,
                    "reference_tgi_pct": next(iter(here.values()))["reference_tgi_pct"]
                    if here
                    else np.nan,
                    "tgi_at_6x_pct": np.nan,
                    "feasible": True,
                    "reason": "reference",
                    "pk_basis": p["pk_basis"],
                }
            )
            for arm, r in here.items():
                ratio_rows.append(
                    {
                        "study_id": sid,
                        "split": p["split"],
                        "arm": arm,
                        "reference_dose": d,
                        "observed_ratio": obs[arm],
                        "predicted_ratio": r["predicted_ratio"],
                        "reference_tgi_pct": r["reference_tgi_pct"],
                        "tgi_at_6x_pct": r["tgi_at_6x_pct"],
                        "feasible": r["feasible"],
                        "reason": r["reason"],
                        "pk_basis": p["pk_basis"],
                    }
                )
            pairs, conc = ratio_concordance(
                obs, {ref[0][0]: 1.0, **{a: r["ratio_for_ranking"] for a, r in here.items()}}
            )
            ranking.append(
                {
                    "study_id": sid,
                    "split": p["split"],
                    "basis": f"equal-efficacy dose ratio at reference {d:g} mg/kg",
                    "n_arms": len(obs),
                    "pairs": pairs,
                    "concordant_pairs": conc,
                    "correct": bool(pairs > 0 and conc == pairs),
                }
            )
    skip = pd.DataFrame(skipped, columns=["study_id", "split", "arm", "compounds", "reason"])
    rank = pd.DataFrame(
        ranking,
        columns=["study_id", "split", "basis", "n_arms", "pairs", "concordant_pairs", "correct"],
    )
    ratios = pd.DataFrame(
        ratio_rows,
        columns=[
            "study_id",
            "split",
            "arm",
            "reference_dose",
            "observed_ratio",
            "predicted_ratio",
            "reference_tgi_pct",
            "tgi_at_6x_pct",
            "feasible",
            "reason",
            "pk_basis",
        ],
    )
    settings = {
        "n_replicates": n_replicates,
        "seed": seed,
        "pattern_only_days": f"duration_days of the study, else {_DEFAULT_DAYS:g}",
        "tc_definition": "100 x mean volume change treated / control",
        "study_options": {k: str(v) for k, v in study_kw.items()},
        "user_pk": sorted(pk),
        "allometric_pk": bool(allometric_pk),
        "allometric_compounds": sorted(auto_pk),
        "invivo_shift": {
            c: {k: (float(v) if isinstance(v, int | float) else str(v)) for k, v in r.items()}
            for c, r in shifts.items()
        },
        "ratio_reference_doses_mg_kg": list(grid),
    }
    return ValidationResult(
        predictions=pred, skipped=skip, ranking=rank, settings=settings, ratios=ratios
    )


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
