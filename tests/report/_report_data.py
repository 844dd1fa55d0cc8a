"""Hand-written example data for the report tests (values typed in, not computed).

Study: 4 subjects in 2 groups, nominal times 0, 1, 2, 4, 8 h, LLOQ 0.5 ng/mL.

========  ======  ====  ====  ====  ====  ====
subject   group   0 h   1 h   2 h   4 h   8 h
========  ======  ====  ====  ====  ====  ====
s1        A       BLQ   10    8     4     1
s2        A       BLQ   6     5     2     BLQ
s3        B       BLQ   20    16    (9, excluded: hemolysed)  2
s4        B       BLQ   30    24    12    3
========  ======  ====  ====  ====  ====  ====

Actual times equal nominal times except s4 (1.1, 2.1, 4.2, 8.3 h). Doses at 0 h; s1
also at 6 h (two dose marks).

Parameters: s1 has a lambda_z fit over 2-8 h: LAMZ = ln 2 / 2 = 0.34657359 1/h
(LAMZHL = 2 h), CLSTP = 1.9 ng/mL at TLST = 8 h, R2ADJ 0.998, 3 points, AUCPEO 4.2 %.
s2 has no lambda_z (NaN, "too few points"); s3 and s4 have simple fits.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from kinetor.data import Study

LN2 = math.log(2)
NOMINAL = [0.0, 1.0, 2.0, 4.0, 8.0]
CONC = {
    "s1": [None, 10.0, 8.0, 4.0, 1.0],
    "s2": [None, 6.0, 5.0, 2.0, None],
    "s3": [None, 20.0, 16.0, 9.0, 2.0],
    "s4": [None, 30.0, 24.0, 12.0, 3.0],
}
GROUP = {"s1": "A", "s2": "A", "s3": "B", "s4": "B"}


def make_study(subjects=("s1", "s2", "s3", "s4")) -> Study:
    rows = []
    for s in subjects:
        for i, (t, c) in enumerate(zip(NOMINAL, CONC[s], strict=True)):
            actual = {1.0: 1.1, 2.0: 2.1, 4.0: 4.2, 8.0: 8.3}.get(t, t) if s == "s4" else t
            rows.append(
                {
                    "subject": s,
                    "nominal_time": t,
                    "time": actual,
                    "conc": c,
                    "blq": c is None,
                    "lloq": 0.5,
                    "exclude": "hemolysed" if (s == "s3" and i == 3) else "",
                }
            )
    conc = pd.DataFrame(rows)
    second = ["s1"] if "s1" in subjects else []
    doses = pd.DataFrame(
        {
            "subject": [*subjects, *second],
            "time": [0.0] * len(subjects) + [6.0] * len(second),
            "dose": 10.0,
            "route": "extravascular",
        }
    )
    subj = pd.DataFrame({"subject": list(subjects), "group": [GROUP[s] for s in subjects]})
    return Study(
        conc,
        doses,
        subj,
        units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"},
        groups=["group"],
        source="hand.csv",
    )


def _rows(subject, values, exclude=None):
    exclude = exclude or {}
    units = {
        "CMAX": "ng/mL",
        "TMAX": "h",
        "AUCLST": "h*ng/mL",
        "LAMZ": "1/h",
        "LAMZHL": "h",
        "LAMZLL": "h",
        "LAMZUL": "h",
        "LAMZNPT": "",
        "R2ADJ": "",
        "CLSTP": "ng/mL",
        "TLST": "h",
        "AUCPEO": "%",
        "AUCIFO": "h*ng/mL",
    }
    return [
        {
            "subject": subject,
            "group": GROUP[subject],
            "start": 0.0,
            "end": np.inf,
            "PPTESTCD": code,
            "value": v,
            "unit": units[code],
            "exclude": exclude.get(code, ""),
        }
        for code, v in values.items()
    ]


def make_parameters() -> pd.DataFrame:
    rows = []
    rows += _rows(
        "s1",
        {
            "CMAX": 10.0,
            "TMAX": 1.0,
            "AUCLST": 40.0,
            "AUCIFO": 41.75,
            "LAMZ": LN2 / 2,
            "LAMZHL": 2.0,
            "LAMZLL": 2.0,
            "LAMZUL": 8.0,
            "LAMZNPT": 3.0,
            "R2ADJ": 0.998,
            "CLSTP": 1.9,
            "TLST": 8.0,
            "AUCPEO": 4.2,
        },
    )
    rows += _rows(
        "s2",
        {
            "CMAX": 6.0,
            "TMAX": 1.0,
            "AUCLST": 20.0,
            "AUCIFO": np.nan,
            "LAMZ": np.nan,
            "LAMZHL": np.nan,
            "LAMZLL": np.nan,
            "LAMZUL": np.nan,
            "LAMZNPT": np.nan,
            "R2ADJ": np.nan,
            "CLSTP": np.nan,
            "TLST": 4.0,
            "AUCPEO": np.nan,
        },
        exclude={"LAMZ": "too few points", "LAMZHL": "too few points"},
    )
    rows += _rows(
        "s3",
        {
            "CMAX": 20.0,
            "TMAX": 1.0,
            "AUCLST": 80.0,
            "AUCIFO": 85.0,
            "LAMZ": LN2 / 1.5,
            "LAMZHL": 1.5,
            "LAMZLL": 2.0,
            "LAMZUL": 8.0,
            "LAMZNPT": 2.0,
            "R2ADJ": 0.95,
            "CLSTP": 2.1,
            "TLST": 8.0,
            "AUCPEO": 5.9,
        },
        exclude={"AUCIFO": "R2ADJ < 0.97"},
    )
    rows += _rows(
        "s4",
        {
            "CMAX": 30.0,
            "TMAX": 1.1,
            "AUCLST": 120.0,
            "AUCIFO": 125.0,
            "LAMZ": LN2 / 2.2,
            "LAMZHL": 2.2,
            "LAMZLL": 2.1,
            "LAMZUL": 8.3,
            "LAMZNPT": 3.0,
            "R2ADJ": 0.99,
            "CLSTP": 3.1,
            "TLST": 8.3,
            "AUCPEO": 4.0,
        },
    )
    return pd.DataFrame(rows)


def external_references(html: str) -> list[str]:
    """Anything that would make a browser fetch or run something from outside the file."""
    found = re.findall(r"""(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", html, re.I)
    found += re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", html, re.I)
    found += re.findall(r"<script\b|<link\b|<iframe\b|@import", html, re.I)
    return found
