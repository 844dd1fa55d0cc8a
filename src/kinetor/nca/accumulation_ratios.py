"""Observed accumulation ratios between dosing intervals of the same profile.

.. math::

    R_{ac}(AUC) = \\frac{AUC_{\\tau,\\,k}}{AUC_{\\tau,\\,1}},\\qquad
    R_{ac}(C_{max}) = \\frac{C_{max,\\,k}}{C_{max,\\,1}}

for every dosing interval *k* of a subject (analyte, matrix) against its first analysed
dosing interval (reported as ``ARAUC`` and ``ARCMAX``, CDISC codes, status likely). The
column ``reference`` names that interval (``"0-12"``, start-end in the study's time); when
it is not the interval of the subject's first dose (the first dose's interval was not
analysed: no sample in it, trough only, left out of ``intervals``), ``note`` says so. The
lambda_z-based accumulation index ``AILAMZ`` = 1/(1 - exp(-lambda_z tau)) is reported by
``nca`` itself for every dosing interval.

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> from kinetor.nca import nca
>>> conc = pd.DataFrame({"subject": "a", "time": [0.0, 1, 12, 13, 24],
...                      "conc": [0.0, 4, 1, 5, 1.5]})
>>> doses = pd.DataFrame({"subject": "a", "time": [0.0, 12.0], "dose": 1.0, "route": "PO"})
>>> res = nca(Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"}),
...           auc_method="linear")
>>> acc = accumulation(res)
>>> # AUCtau: [0,12] 0.5*4 + 11*(4+1)/2 = 29.5; [12,24] 1*(1+5)/2 + 11*(5+1.5)/2 = 38.75
>>> acc.loc[acc.PPTESTCD == "ARAUC", "value"].round(6).tolist()
[1.313559]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["accumulation"]


def accumulation(res) -> pd.DataFrame:
    """``ARAUC`` and ``ARCMAX`` of each dosing interval after the first analysed one, with
    the ``reference`` interval and a ``note`` when it is not the first dose's (see
    module)."""
    prm = res.parameters
    keys = ["subject", *res.groups, "analyte", "matrix"]
    prof = res.profiles
    first_dose = prof["first"] if "first" in prof.columns else True
    tau = prof[prof["kind"] == "tau"].assign(_first_dose=first_dose)
    tau = tau[[*keys, "start", "end", "_first_dose"]]
    tunit = res.units.get("time", "") if isinstance(res.units, dict) else ""
    out = []
    for code, ratio in (("AUCTAU", "ARAUC"), ("CMAX", "ARCMAX")):
        p = prm[prm["PPTESTCD"] == code].astype({c: object for c in keys})
        p = p.merge(tau.astype({c: object for c in keys}), on=[*keys, "start", "end"])
        if p.empty:
            continue
        p = p.sort_values([*keys, "start"], kind="stable")
        first = p.groupby(keys, sort=False, dropna=False)
        base = first["value"].transform("first")
        base_excl = first["exclude"].transform("first").astype(str)
        is_first = first.cumcount().to_numpy() == 0
        ref_a, ref_b = first["start"].transform("first"), first["end"].transform("first")
        ref = [f"{a:g}-{b:g}" for a, b in zip(ref_a, ref_b, strict=True)]
        ref_first = first["_first_dose"].transform("first").astype(bool).to_numpy()
        u = f" {tunit}" if tunit else ""
        note = np.where(
            ref_first,
            "",
            [
                f"reference interval {r}{u} is not the interval of the subject's first dose "
                "(that interval was not analysed)"
                for r in ref
            ],
        )
        val = (p["value"] / base).to_numpy(float)
        why = np.where(
            np.isnan(val),
            np.where(base_excl != "", "first interval: " + base_excl, p["exclude"].astype(str)),
            "",
        )
        frame = p[[*keys, "start", "end"]].assign(
            PPTESTCD=ratio, value=val, unit="", exclude=why, reference=ref, note=note
        )
        out.append(frame[~is_first])
    cols = [*keys, "start", "end", "PPTESTCD", "value", "unit", "exclude", "reference", "note"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)
