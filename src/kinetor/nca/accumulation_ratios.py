"""Observed accumulation ratios between dosing intervals of the same profile.

.. math::

    R_{ac}(AUC) = \\frac{AUC_{\\tau,\\,k}}{AUC_{\\tau,\\,1}},\\qquad
    R_{ac}(C_{max}) = \\frac{C_{max,\\,k}}{C_{max,\\,1}}

for every dosing interval *k* of a subject (analyte, matrix) against its first dosing
interval (reported as ``ARAUC`` and ``ARCMAX``, CDISC codes, status likely). The
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
    """``ARAUC`` and ``ARCMAX`` of each dosing interval after the first (see module)."""
    prm = res.parameters
    keys = ["subject", *res.groups, "analyte", "matrix"]
    tau = res.profiles[res.profiles["kind"] == "tau"][[*keys, "start", "end"]]
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
        val = (p["value"] / base).to_numpy(float)
        why = np.where(
            np.isnan(val),
            np.where(base_excl != "", "first interval: " + base_excl, p["exclude"].astype(str)),
            "",
        )
        frame = p[[*keys, "start", "end"]].assign(PPTESTCD=ratio, value=val, unit="", exclude=why)
        out.append(frame[~is_first])
    cols = [*keys, "start", "end", "PPTESTCD", "value", "unit", "exclude"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)
