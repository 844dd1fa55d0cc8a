r"""Equal-efficacy dose ratios of published schedule comparisons, predicted by the chain.

Some studies report schedules only as the dose that gives the same efficacy as a reference
schedule, as a multiple of the reference dose (Yates 2015: 4 days on/3 off needs 1.3x and
2 days on/5 off 1.7x the continuous dose), without the reference dose itself. The chain
predicts the same quantity with :func:`~kinetor.translate.equal_efficacy_dose` (typical
animal, bisection on the candidate's dose): ratio = candidate dose / reference dose.

Because the reference dose is not reported, the prediction is made at each dose of a grid
(:data:`REFERENCE_DOSES`, mg/kg; a sensitivity grid, not a published value) and reported
per grid dose, with the ranking of the schedules (a schedule needing a larger multiple is
the less efficient one) at each.

Examples
--------
>>> REFERENCE_DOSES
(25.0, 50.0, 100.0, 200.0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["REFERENCE_DOSES", "predict_dose_ratios", "ratio_concordance"]

#: Reference doses (mg/kg) at which unreported-reference ratios are predicted.
REFERENCE_DOSES = (25.0, 50.0, 100.0, 200.0)


def predict_dose_ratios(
    compound: str,
    species: str,
    tumor: str,
    reference: str,
    candidates: dict[str, str],
    days: float,
    reference_doses=REFERENCE_DOSES,
    rtol: float = 0.02,
    **study_kw: Any,
) -> list[dict[str, Any]]:
    """Predicted equal-efficacy dose ratio of every candidate, per reference dose.

    ``reference`` and ``candidates`` are regimen templates with ``{dose}``. Returns one
    dict per (reference dose, candidate): ``reference_dose, arm, predicted_ratio,
    ratio_for_ranking`` (when even 6x the reference dose falls short: 6 x (1 + the TGI
    points still missing at 6x / 100), so that of two such schedules the one reaching
    less TGI ranks as the less efficient), ``tgi_at_6x_pct, reference_tgi_pct, feasible,
    reason``.
    """
    from kinetor.translate.design import equal_efficacy_dose

    out = []
    for d in reference_doses:
        ref = reference.format(dose=f"{d:g}")
        for arm, tmpl in candidates.items():
            res = equal_efficacy_dose(
                compound,
                ref,
                tmpl,
                tumor=tumor,
                species=species,
                dose_range=(d / 3.0, d * 6.0),
                rtol=rtol,
                days=days,
                **study_kw,
            )
            ratio = res.dose / d if math.isfinite(res.dose) else np.nan
            # 'above': even 6x the reference dose falls short, so the ratio exceeds 6; the
            # ranking key then grows with the TGI still missing at 6x (a key, not a ratio)
            beyond = (not math.isfinite(res.dose)) and res.reason.startswith("the schedule")
            top = float(res.evaluations["tgi_pct"].iloc[-1]) if beyond else np.nan
            key = 6.0 * (1.0 + max(res.target - top, 0.0) / 100.0) if beyond else ratio
            out.append(
                {
                    "reference_dose": d,
                    "arm": arm,
                    "predicted_ratio": ratio,
                    "ratio_for_ranking": key,
                    "tgi_at_6x_pct": top,
                    "reference_tgi_pct": res.target,
                    "feasible": res.feasible,
                    "reason": res.reason,
                }
            )
    return out


def ratio_concordance(observed: dict[str, float], predicted: dict[str, float]) -> tuple[int, int]:
    """(pairs, concordant pairs) of the arms' order by observed vs predicted ratio. A NaN
    prediction, or two equal (e.g. both infinite: beyond the dose bracket) predictions,
    count as discordant.

    >>> ratio_concordance({"a": 1.0, "b": 1.3, "c": 1.7}, {"a": 1.0, "b": 1.2, "c": 1.1})
    (3, 2)
    >>> ratio_concordance({"a": 1.0, "b": 1.3, "c": 1.7}, {"a": 1.0, "b": 2.6, "c": float("inf")})
    (3, 3)
    """
    names = list(observed)
    pairs = conc = 0
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            oi, oj = observed[names[i]], observed[names[j]]
            if oi == oj:
                continue
            pairs += 1
            pi, pj = predicted.get(names[i], np.nan), predicted.get(names[j], np.nan)
            if not (np.isnan(pi) or np.isnan(pj)) and pi != pj:
                conc += int((oi > oj) == (pi > pj))
    return pairs, conc
