r"""Held-out predictions of clinical target engagement (virtual patients vs published PD).

:func:`clinical_pd_predictions` runs :func:`~kinetor.translate.run_virtual_patients` with
the compound library's human PK sets on the schedules of the published clinical
pharmacodynamic studies in ``evidence/clinical_pd.csv`` and reports, per study, schedule,
readout and sampling time, the predicted inhibition of the readout (100 - readout, % of
untreated control: median and 5th-95th percentile over the virtual patients) next to the
published finding. Nothing here was fitted to these studies: they are held out, and the
``consistent`` column (a stated criterion per finding, below) is reported, never asserted.

Comparisons (criterion for ``consistent``):

* Tabernero 2008 (everolimus, tumour biopsies at steady state, 24 h after the dose; and 5
  days after the dose on the weekly schedule): "near complete inhibition of pS6" at 10 mg/d
  and >= 50 mg/wk, not at 20 mg/wk. Criterion: predicted median pS6 inhibition >= 80 %
  where near-complete was reported.
* Tabernero 2008: "pAKT upregulated in 50 % of the treated tumours". Criterion: the fraction
  of virtual patients with pAKT S473 above 100 % of control is between 25 and 75 %.
* O'Donnell 2008 (PBMC, weekly): S6K1 "inhibited for at least 7 days at >= 20 mg/wk".
  Criterion: predicted median pS6K1 T389 inhibition >= 50 % at 168 h after the dose.
* AACR 2013 LB-66 (capivasertib 480 mg BID 4/3, platelet-rich plasma): pPRAS40 reduced by
  30-50 %. Criterion, per sampling time (day-4 trough and 1.5 h after the dose): predicted
  median pPRAS40 T246 inhibition within 30-50 %.

Tissue: tumour readouts use the tumour model's lesions (``tumor``, default ``MCF7``); PBMC and
platelet readouts use a wild-type cell (no lesions). Exposure is the unbound plasma (or, for
everolimus, whole-blood: see the library set) concentration, the free-drug hypothesis.

Examples
--------
>>> res = clinical_pd_predictions(n_patients=3, compounds=["capivasertib"])
>>> res[["study_id", "readout", "time"]].iloc[0].tolist()
['lb66_2013', 'pPRAS40_T246', 'day 4 of week 2, trough']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["CLINICAL_PD_CASES", "clinical_pd_predictions"]

#: One row per comparison: (study_id, compound, regimen, readout, tissue, [(label, hour of
#: the last cycle's dose + offset)], published finding, kind of criterion).
CLINICAL_PD_CASES: tuple[dict, ...] = (
    *(
        {
            "study_id": "tabernero2008",
            "compound": "everolimus",
            "regimen": r,
            "readout": "pS6_S235_236",
            "tissue": "tumour",
            "times": t,
            "published": p,
            "criterion": c,
        }
        for r, t, p, c in (
            (
                "10 mg PO QD x 28 days",
                (("ss, 24 h post-dose", 27 * 24 + 24),),
                "near complete inhibition of pS6 (10 mg/d)",
                "near_complete",
            ),
            (
                "5 mg PO QD x 28 days",
                (("ss, 24 h post-dose", 27 * 24 + 24),),
                "not reported as near complete (5 mg/d)",
                "report",
            ),
            (
                "20 mg PO QW x 4 weeks",
                (("24 h post-dose", 21 * 24 + 24), ("5 days post-dose", 21 * 24 + 120)),
                "not reported as near complete (20 mg/wk)",
                "report",
            ),
            (
                "50 mg PO QW x 4 weeks",
                (("24 h post-dose", 21 * 24 + 24), ("5 days post-dose", 21 * 24 + 120)),
                "near complete inhibition of pS6 (>= 50 mg/wk)",
                "near_complete",
            ),
            (
                "70 mg PO QW x 4 weeks",
                (("24 h post-dose", 21 * 24 + 24), ("5 days post-dose", 21 * 24 + 120)),
                "near complete inhibition of pS6 (>= 50 mg/wk)",
                "near_complete",
            ),
        )
    ),
    {
        "study_id": "tabernero2008",
        "compound": "everolimus",
        "regimen": "10 mg PO QD x 28 days",
        "readout": "pAKT_S473",
        "tissue": "tumour",
        "times": (("ss, 24 h post-dose", 28 * 24),),
        "published": "pAKT upregulated in 50 % of treated tumours",
        "criterion": "half_up",
    },
    *(
        {
            "study_id": "odonnell2008",
            "compound": "everolimus",
            "regimen": r,
            "readout": "pS6K1_T389",
            "tissue": "PBMC",
            "times": (("7 days post-dose", 21 * 24 + 168),),
            "published": "PBMC S6K1 inhibited for >= 7 days at >= 20 mg/wk",
            "criterion": c,
        }
        for r, c in (("20 mg PO QW x 4 weeks", "seven_days"), ("10 mg PO QW x 4 weeks", "report"))
    ),
    {
        "study_id": "lb66_2013",
        "compound": "capivasertib",
        "regimen": "480 mg PO BID 4 days on/3 days off x 2 cycles",
        "readout": "pPRAS40_T246",
        "tissue": "platelet-rich plasma",
        "times": (
            ("day 4 of week 2, trough", 7 * 24 + 72),
            ("day 4 of week 2, 1.5 h", 7 * 24 + 73.5),
        ),
        "published": "pPRAS40 reduced by 30-50 % (platelet-rich plasma)",
        "criterion": "range_30_50",
    },
)


def _consistent(criterion: str, inhib: np.ndarray, values: np.ndarray) -> str:
    med = float(np.median(inhib))
    if criterion == "near_complete":
        return "yes" if med >= 80.0 else "no"
    if criterion == "seven_days":
        return "yes" if med >= 50.0 else "no"
    if criterion == "half_up":
        frac = float(np.mean(values > 100.0))
        return "yes" if 0.25 <= frac <= 0.75 else "no"
    if criterion == "range_30_50":
        return "yes" if 30.0 <= med <= 50.0 else "no"
    return "n/a (reported only)"


def _library_names(compounds: Sequence[str]) -> set[str]:
    """The library names of ``compounds`` (names or synonyms, any case), each with a case."""
    from kinetor.compounds import load_library
    from kinetor.errors import ModelError

    if isinstance(compounds, str):
        compounds = [compounds]
    lib, have = load_library(), sorted({c["compound"] for c in CLINICAL_PD_CASES})
    out = set()
    for name in compounds:
        try:
            entry = lib.get(name).name
        except ModelError as exc:
            raise ModelError(
                f"compounds: {exc}; with clinical PD cases: {', '.join(have)}"
            ) from None
        if entry not in have:
            raise ModelError(
                f"compounds: {name!r} ({entry}) has no published clinical PD case here; "
                f"use one of {', '.join(have)}"
            )
        out.add(entry)
    return out


def clinical_pd_predictions(
    n_patients: int = 100,
    seed: int = 0,
    compounds: Sequence[str] | None = None,
    tumor: str = "MCF7",
) -> pd.DataFrame:
    """Predicted target inhibition on the published clinical schedules (held out).

    Returns one row per case and sampling time: ``study_id, compound, regimen, tissue,
    readout, time, time_h, predicted_inhibition_median, predicted_inhibition_p5,
    predicted_inhibition_p95, fraction_above_control, published, criterion, consistent,
    pk_source, pk_status, fu, fu_source``. A compound without a human PK set gives one row
    per case with ``consistent = "not simulated: <reason>"``.

    ``compounds`` are names or synonyms of the compound library, in any case
    (``"AZD5363"``, ``"Capivasertib"``: capivasertib); a name the library lacks
    (with the closest names), or a compound without a published clinical PD case here, is
    a ``ModelError``.
    """
    from kinetor.errors import KinetorError, ModelError
    from kinetor.translate.arms import drug_model
    from kinetor.translate.patients import run_virtual_patients
    from kinetor.translate.tumors import get_tumor

    for name, value, low in (("n_patients", n_patients, 1), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ModelError(f"{name}={value!r}: give a whole number >= {low}")
    wanted = None if compounds is None else _library_names(compounds)
    cases = [c for c in CLINICAL_PD_CASES if wanted is None or c["compound"] in wanted]
    tum = get_tumor(tumor)
    wild = dataclasses.replace(tum, name="wild-type cell", lesions=())
    rows = []
    for case in cases:
        base = {k: case[k] for k in ("study_id", "compound", "regimen", "tissue", "readout")}
        try:
            dm = drug_model(case["compound"], "human")
        except (ModelError, KinetorError) as exc:
            rows.append(
                {
                    **base,
                    "published": case["published"],
                    "criterion": case["criterion"],
                    "consistent": f"not simulated: {exc}",
                }
            )
            continue
        cell = tum if case["tissue"] == "tumour" else wild
        last = max(h for _, h in case["times"])
        vp = run_virtual_patients(
            case["compound"],
            [case["regimen"]],
            tumor=cell,
            n_patients=n_patients,
            seed=seed,
            days=last / 24.0 + 0.5,
            readouts=[case["readout"]],
        )
        arr = vp.readout_array(case["regimen"])
        j = list(vp.readout_names).index(case["readout"])
        for label, h in case["times"]:
            k = int(np.argmin(np.abs(vp.times - h)))
            vals = arr[:, k, j]
            inhib = 100.0 - vals
            rows.append(
                {
                    **base,
                    "time": label,
                    "time_h": float(vp.times[k]),
                    "predicted_inhibition_median": float(np.median(inhib)),
                    "predicted_inhibition_p5": float(np.percentile(inhib, 5)),
                    "predicted_inhibition_p95": float(np.percentile(inhib, 95)),
                    "fraction_above_control": float(np.mean(vals > 100.0)),
                    "published": case["published"],
                    "criterion": case["criterion"],
                    "consistent": _consistent(case["criterion"], inhib, vals),
                    "pk_source": dm.pk_source,
                    "pk_status": dm.pk_status,
                    "fu": dm.fu,
                    "fu_source": dm.fu_source,
                }
            )
    cols = [
        "study_id",
        "compound",
        "regimen",
        "tissue",
        "readout",
        "time",
        "time_h",
        "predicted_inhibition_median",
        "predicted_inhibition_p5",
        "predicted_inhibition_p95",
        "fraction_above_control",
        "published",
        "criterion",
        "consistent",
        "pk_source",
        "pk_status",
        "fu",
        "fu_source",
    ]
    return pd.DataFrame(rows, columns=cols)
