r"""Validate the chain against the published xenograft studies of :mod:`.evidence`.

:func:`validate` takes every usable arm of every study in the evidence tables
(``load_xenograft_studies``, ``load_xenograft_arms``), decides whether the chain can
simulate it, simulates the simulable studies (all their arms together with a vehicle
arm, :func:`kinetor.translate.replicate_tgi`: the median and 95 % interval over replicate
studies of the published group size) and compares the prediction with the published
endpoint, per arm, for the training (``fit``) and the held-out studies alike. Nothing is
fitted here: the held-out numbers are reported, never used.

An arm cannot be simulated (each reason is listed) when

* its endpoint is qualitative (nothing numeric to compare) or an equal-efficacy dose
  ratio against an unreported reference dose;
* a compound has no compound-library entry, or no PK set for the host species in the
  library (and none was passed with ``pk=``);
* its schedule is missing or does not parse;
* no tumour model matches the study's model (``tumors={study_id: name}`` supplies one).

Schedules given as a dosing pattern only (``... ss``, ``x 1 cycles``; the evidence loader's
``pattern_only``) are simulated for the study's ``duration_days`` or, when unreported, for
21 days (assumption, recorded in the ``days`` column). Predicted T/C is the volume-change
ratio :math:`100\,\Delta T/\Delta C` (= 100 - TGI on the delta formula).

Ranking: for each study with two or more compared arms, the pairs of arms whose observed
order (higher TGI, or lower T/C, is better) the predictions reproduce.

Examples
--------
>>> tumor_for_study("MCF-7 breast subcutaneous xenograft", "ER+ PIK3CA-mutant")
'MCF7'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import KinetorError, ModelError

__all__ = ["ValidationResult", "tumor_for_study", "validate"]

_NUMERIC_KINDS = {"tgi_pct", "tc_pct"}
_DEFAULT_DAYS = 21.0


@dataclass
class ValidationResult:
    """Result of :func:`validate`.

    Attributes
    ----------
    predictions : DataFrame
        One row per compared arm: ``study_id, split, arm, compounds, schedule, tumor,
        days, n_animals, observed_kind, observed, observed_high, predicted, predicted_lo,
        predicted_hi, error``.
    skipped : DataFrame
        ``study_id, split, arm, compounds, reason`` for every arm not compared.
    ranking : DataFrame
        Per study with >= 2 compared arms: ``study_id, split, n_arms, pairs,
        concordant_pairs, correct``.
    settings : dict
    """

    predictions: pd.DataFrame
    skipped: pd.DataFrame
    ranking: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def error_summary(self) -> pd.DataFrame:
        """Mean absolute and mean signed error (points) per split and endpoint kind."""
        p = self.predictions
        if p.empty:
            return pd.DataFrame(columns=["split", "observed_kind", "n_arms", "mae", "bias"])
        return (p.groupby(["split", "observed_kind"])["error"]
                .agg(n_arms="size", mae=lambda e: float(np.mean(np.abs(e))), bias="mean")
                .reset_index())

    def plot_study(self, study_id: str):
        """Observed vs predicted (median and 95 % interval) per arm of one study."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        sub = self.predictions[self.predictions["study_id"] == study_id]
        fig, ax = plt.subplots(figsize=(max(4.0, 1.3 * len(sub) + 2), 3.6))
        x = np.arange(len(sub))
        ax.errorbar(x + 0.1, sub["predicted"],
                    yerr=[sub["predicted"] - sub["predicted_lo"],
                          sub["predicted_hi"] - sub["predicted"]],
                    fmt="o", color="C0", label="predicted (95 % interval)")
        hi = sub["observed_high"].fillna(sub["observed"])
        ax.errorbar(x - 0.1, sub["observed"], yerr=[np.zeros(len(sub)), hi - sub["observed"]],
                    fmt="s", color="C3", label="published (range)")
        ax.set_xticks(x, sub["arm"], rotation=20, ha="right", fontsize=7)
        ax.set(ylabel=sub["observed_kind"].iloc[0] if len(sub) else "",
               title=f"{study_id} ({sub['split'].iloc[0] if len(sub) else ''})")
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    def save(self, out: str | Path, report: bool = True) -> list[Path]:
        """Write predictions.csv, skipped.csv, ranking.csv, errors.csv and report.html."""
        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        files = []
        for name, df in (("predictions", self.predictions), ("skipped", self.skipped),
                         ("ranking", self.ranking), ("errors", self.error_summary())):
            p = d / f"{name}.csv"
            df.to_csv(p, index=False, float_format="%.6g")
            files.append(p)
        if report:
            files.append(self._report(d))
        return files

    def _report(self, d: Path) -> Path:
        import matplotlib.pyplot as plt

        from kinetor.report import Report

        rep = Report("Validation of the dose-to-tumour chain against published xenografts",
                     subtitle=f"{len(self.predictions)} arms compared, "
                              f"{len(self.skipped)} not simulable")
        rep.add_section("Errors by split")
        rep.add_table(self.error_summary(), caption="Mean absolute and signed error of the "
                      "predicted median (percentage points). Held-out studies were never "
                      "fitted.")
        if not self.ranking.empty:
            rep.add_table(self.ranking, caption="Does the model order the arms of each study "
                          "as published?")
        for sid in self.predictions["study_id"].unique():
            rep.add_section(f"Study {sid}")
            fig = self.plot_study(sid)
            rep.add_figure(fig, caption=f"{sid}: published endpoint vs predicted median and "
                           "95 % interval over replicate virtual studies")
            plt.close(fig)
            rep.add_table(self.predictions[self.predictions["study_id"] == sid],
                          caption="Arms compared")
        rep.add_section("Not simulated")
        rep.add_table(self.skipped, caption="Arms the chain cannot simulate, with the reason")
        rep.add_methods({k: str(v) for k, v in self.settings.items()})
        return rep.save(d / "report.html", assets=False)


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


def validate(*, studies_path: str | Path | None = None, arms_path: str | Path | None = None,
             pk: Mapping[str, Mapping[str, Any]] | None = None,
             tumors: Mapping[str, str] | None = None, n_replicates: int = 200,
             seed: int = 0, **study_kw: Any) -> ValidationResult:
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
    **study_kw
        More :func:`run_study` options (``kp_uu``, ``insulin_feedback`` ...).

    Returns
    -------
    ValidationResult
    """
    from kinetor.translate.arms import drug_model
    from kinetor.translate.evidence import (
        load_xenograft_arms,
        load_xenograft_studies,
        parse_schedule,
    )
    from kinetor.translate.uncertainty import replicate_tgi

    studies = load_xenograft_studies(studies_path)
    arms = load_xenograft_arms(arms_path, studies=studies)
    sinfo = studies.set_index("study_id")
    pk = {str(k).lower(): v for k, v in dict(pk or {}).items()}
    skipped, plan = [], {}
    for _, row in arms.iterrows():
        sid = row["study_id"]
        st = sinfo.loc[sid]
        comps = [c.strip().lower() for c in str(row["compounds"]).split("+") if c.strip()]
        base = {"study_id": sid, "split": row["split"], "arm": row["arm"],
                "compounds": row["compounds"]}
        if comps == ["vehicle"]:
            continue
        reasons = []
        if not bool(row["usable"]):
            reasons.append("unverified row (not used to validate)")
        kind = row["value_kind"]
        if kind not in _NUMERIC_KINDS:
            reasons.append("qualitative endpoint: no number to compare" if kind == "qualitative"
                           else f"endpoint {kind!r} against an unreported reference dose"
                           if kind == "equal_efficacy_dose_ratio" else
                           f"endpoint {kind!r} is not compared (TGI or T/C only)")
        lib = _library(comps)
        species = _species(st["host"])
        for c in comps:
            if not lib[c]:
                reasons.append(f"{c}: no compound-library entry")
                continue
            try:
                drug_model(lib[c], species, pk.get(c) or pk.get(lib[c]))
            except (ModelError, KinetorError) as exc:
                reasons.append(f"{c}: no {species} PK set in the compound library"
                               if "PK parameter set" in str(exc) else f"{c}: {exc}")
        sched = str(row["schedule"] or "").strip()
        if not sched or sched == "nan":
            reasons.append("schedule not reported")
        elif "{dose}" in sched:
            reasons.append("dose not reported (schedule is a {dose} template)")
        tumor = (tumors or {}).get(sid) or tumor_for_study(st["model"], st["er_genotype"])
        if tumor is None:
            reasons.append(f"no tumour model for {st['model']!r} (pass tumors={{{sid!r}: "
                           "NAME}})")
        if reasons:
            skipped.append({**base, "reason": "; ".join(reasons)})
            continue
        days = float(row["treatment_days"]) if pd.notna(row["treatment_days"]) else (
            float(st["duration_days"]) if pd.notna(st["duration_days"]) else _DEFAULT_DAYS)
        try:
            regs = parse_schedule(_regimen_text(sched, days))
            if "" in regs:
                if len(comps) != 1:
                    raise ModelError("one regimen for several compounds")
                treatments = [{"compound": lib[comps[0]],
                               "regimen": _regimen_text(sched, days)}]
            else:
                treatments = [{"compound": lib[c], "regimen": _regimen_text(_part(sched, c),
                                                                             days)}
                              for c in comps]
        except (ModelError, KinetorError) as exc:
            skipped.append({**base, "reason": f"schedule does not parse: {exc}"})
            continue
        plan.setdefault(sid, {"tumor": tumor, "species": species, "days": days,
                              "n": _group_size(st["n_per_arm"]), "arms": []})
        plan[sid]["arms"].append((row, treatments))
    rows, ranking = [], []
    for sid, p in plan.items():
        arm_specs = [{"name": f"a{k}", "treatments": tr} for k, (_, tr) in enumerate(p["arms"])]
        user_pk = {t["compound"]: pk[c] for _, tr in p["arms"] for t in tr
                   for c in pk if c == t["compound"].lower()} or None
        rep = replicate_tgi(None, p["species"], p["tumor"], arms=arm_specs, n_animals=p["n"],
                            n_replicates=n_replicates, seed=seed, days=p["days"], pk=user_pk,
                            **study_kw)
        s = rep.summary.set_index("arm")
        for k, (row, tr) in enumerate(p["arms"]):
            r = s.loc[f"a{k}"]
            med, lo, hi = r["tgi_median_pct"], r["tgi_lo_pct"], r["tgi_hi_pct"]
            if row["value_kind"] == "tc_pct":
                med, lo, hi = 100.0 - med, 100.0 - hi, 100.0 - lo
            obs, obs_hi = float(row["value"]), row["value_high"]
            top = float(obs_hi) if pd.notna(obs_hi) else obs
            err = 0.0 if obs <= med <= top else (med - obs if med < obs else med - top)
            rows.append({"study_id": sid, "split": row["split"], "arm": row["arm"],
                         "compounds": row["compounds"],
                         "schedule": " + ".join(f"{t['compound']}: {t['regimen']}"
                                                for t in tr),
                         "tumor": p["tumor"], "days": p["days"], "n_animals": p["n"],
                         "observed_kind": row["value_kind"], "observed": obs,
                         "observed_high": float(obs_hi) if pd.notna(obs_hi) else np.nan,
                         "predicted": med, "predicted_lo": lo, "predicted_hi": hi,
                         "error": err})
    pred = pd.DataFrame(rows, columns=["study_id", "split", "arm", "compounds", "schedule",
                                       "tumor", "days", "n_animals", "observed_kind",
                                       "observed", "observed_high", "predicted",
                                       "predicted_lo", "predicted_hi", "error"])
    for sid, sub in pred.groupby("study_id", sort=False):
        if len(sub) < 2:
            continue
        sign = -1.0 if sub["observed_kind"].iloc[0] == "tc_pct" else 1.0
        o = sign * ((sub["observed"] + sub["observed_high"].fillna(sub["observed"])) / 2)
        q = sign * sub["predicted"]
        pairs = conc = 0
        ov, qv = o.to_numpy(), q.to_numpy()
        for i in range(len(ov)):
            for j in range(i + 1, len(ov)):
                if ov[i] == ov[j]:
                    continue
                pairs += 1
                conc += int(np.sign(ov[i] - ov[j]) == np.sign(qv[i] - qv[j]))
        ranking.append({"study_id": sid, "split": sub["split"].iloc[0], "n_arms": len(sub),
                        "pairs": pairs, "concordant_pairs": conc,
                        "correct": bool(pairs > 0 and conc == pairs)})
    skip = pd.DataFrame(skipped, columns=["study_id", "split", "arm", "compounds", "reason"])
    rank = pd.DataFrame(ranking, columns=["study_id", "split", "n_arms", "pairs",
                                          "concordant_pairs", "correct"])
    settings = {"n_replicates": n_replicates, "seed": seed,
                "pattern_only_days": f"duration_days of the study, else {_DEFAULT_DAYS:g}",
                "tc_definition": "100 x mean volume change treated / control",
                "study_options": {k: str(v) for k, v in study_kw.items()},
                "user_pk": sorted(pk)}
    return ValidationResult(predictions=pred, skipped=skip, ranking=rank, settings=settings)


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
