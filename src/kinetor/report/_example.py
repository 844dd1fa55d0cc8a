"""A small synthetic study and matching NCA-style parameters, for the docstring examples.

The numbers are SYNTHETIC (a one-compartment oral model with made-up constants); they
illustrate the plots and tables and are not literature values. The parameter table is
computed with a few lines of numpy here (linear trapezoid, log-linear fit of the last
three measurable points) so the examples do not depend on ``kinetor.nca``.

Examples
--------
>>> study, params = example_study()
>>> study.n_subjects, sorted(params["PPTESTCD"].unique())[:3]
(6, ['AUCIFO', 'AUCLST', 'AUCPEO'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NOMINAL = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 24.0])
LLOQ = 5.0


def example_study():
    """Six subjects in two dose groups (10 and 30 mg/kg PO), LLOQ 5 ng/mL."""
    from kinetor.data import Study

    ka, v = 1.5, 2.0  # 1/h, L/kg (synthetic)
    k = np.array([0.25, 0.30, 0.40, 0.28, 0.35, 0.45])  # 1/h per subject (synthetic)
    dose = np.repeat([10.0, 30.0], 3)
    conc = (
        dose[:, None]
        * 1000
        / v
        * ka
        / (ka - k[:, None])
        * (np.exp(-k[:, None] * NOMINAL) - np.exp(-ka * NOMINAL))
    )  # ng/mL
    subjects = [f"S{i + 1}" for i in range(6)]
    rows = pd.DataFrame(
        {
            "subject": np.repeat(subjects, NOMINAL.size),
            "nominal_time": np.tile(NOMINAL, 6),
            "time": np.tile(NOMINAL, 6) + np.tile([0, 0.02, 0, 0.03, 0, 0.05, 0.1, 0.2], 6),
            "conc": conc.ravel(),
            "lloq": LLOQ,
        }
    )
    rows["blq"] = rows["conc"] < LLOQ
    rows.loc[rows["blq"], "conc"] = np.nan
    doses = pd.DataFrame({"subject": subjects, "time": 0.0, "dose": dose, "route": "extravascular"})
    subj = pd.DataFrame(
        {"subject": subjects, "group": [f"{d:g} mg/kg" for d in dose], "species": "mouse"}
    )
    study = Study(
        rows,
        doses,
        subj,
        units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"},
        groups=["group"],
        source="<example>",
    )
    return study, _parameters(study)


def _parameters(study) -> pd.DataFrame:
    out = []
    for (subject, group), df in study.conc_with_subjects().groupby(["subject", "group"]):
        df = df[~df["blq"]]
        t, c = df["time"].to_numpy(), df["conc"].to_numpy()
        tl, cl = t[-3:], np.log(c[-3:])
        slope, icpt = np.polyfit(tl, cl, 1)
        r2 = np.corrcoef(tl, cl)[0, 1] ** 2
        lamz = -slope
        auclst = float(np.sum(np.diff(t) * (c[1:] + c[:-1]) / 2)) + c[0] * t[0] / 2
        clstp = float(np.exp(icpt + slope * t[-1]))
        aucifo = auclst + c[-1] / lamz
        vals = {
            "CMAX": (c.max(), "ng/mL"),
            "TMAX": (t[c.argmax()], "h"),
            "CLST": (c[-1], "ng/mL"),
            "TLST": (t[-1], "h"),
            "AUCLST": (auclst, "h*ng/mL"),
            "AUCIFO": (aucifo, "h*ng/mL"),
            "AUCPEO": (100 * (1 - auclst / aucifo), "%"),
            "LAMZ": (lamz, "1/h"),
            "LAMZHL": (np.log(2) / lamz, "h"),
            "R2ADJ": (1 - (1 - r2) * 2, ""),
            "LAMZNPT": (3.0, ""),
            "LAMZLL": (tl[0], "h"),
            "LAMZUL": (tl[-1], "h"),
            "CLSTP": (clstp, "ng/mL"),
        }
        out += [
            {
                "subject": subject,
                "group": group,
                "start": 0.0,
                "end": np.inf,
                "PPTESTCD": code,
                "value": float(v),
                "unit": u,
                "exclude": "",
            }
            for code, (v, u) in vals.items()
        ]
    return pd.DataFrame(out)
