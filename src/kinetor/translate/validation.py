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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinetor.translate._validate_plan import DEFAULT_DAYS, plan_arms, tumor_for_study
from kinetor.translate.validate_result import ValidationResult

__all__ = ["ValidationResult", "tumor_for_study", "validate"]


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
        ``{study_id: tumour name}`` overriding :func:`tumor_for_study`; a study id that is
        not in the studies table or a name that is not a bundled tumour model
        (:func:`~kinetor.translate.tumors.list_tumors`) is a ``ModelError`` listing them.
    n_replicates, seed
        Replicate virtual studies per simulated study (>= 1) and their seed (>= 0).
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
    from kinetor.errors import ModelError
    from kinetor.translate.allometry import library_pk_dict
    from kinetor.translate.schedule_ratio import (
        REFERENCE_DOSES,
        predict_dose_ratios,
        ratio_concordance,
    )
    from kinetor.translate.uncertainty import replicate_tgi

    for name, value, low in (("n_replicates", n_replicates, 1), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ModelError(f"{name}={value!r}: give a whole number >= {low}")
    plan, ratio_plan, skipped, auto_pk, pk = plan_arms(
        studies_path, arms_path, pk, tumors, allometric_pk
    )
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
            base_pk["invivo_shift"] = float(shifts[comp]["shift"])  # scales fu x free conc
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
        "pattern_only_days": f"duration_days of the study, else {DEFAULT_DAYS:g}",
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
