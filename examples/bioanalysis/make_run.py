"""Generate ``run_rat_plasma.csv``: a synthetic LC-MS/MS run (seeded, reproducible).

Nothing here is measured data. The curve (slope 0.0025 per ng/mL, intercept 0.0004), the
noise (4 % CV on area ratios, 6 % on IS areas) and the rat profile (oral, ka 1.5 /h,
t1/2 4 h, Cmax about 1 ug/mL) are illustrative choices; only the rat half-life of ~4 h
echoes vistusertib's rat half-life in a vendor summary of its preclinical PK (BenchChem
technical note; status: unverified).

Run: ``python examples/bioanalysis/make_run.py`` (rewrites the CSV next to this file).
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20260101)
SLOPE, INTERCEPT, IS_AREA = 0.0025, 0.0004, 2.0e5


def ratio(conc):
    c = np.asarray(conc, float)
    return (INTERCEPT + SLOPE * c) * rng.lognormal(0.0, 0.04, c.shape)


rows = []


def add(sample_id, stype, nominal, conc_in_vial, dilution=1.0, **extra):
    is_area = IS_AREA * rng.lognormal(0.0, 0.06)
    r = 0.0 if conc_in_vial is None else float(ratio([conc_in_vial])[0])
    if stype == "blank":
        is_area, r = 0.0, 0.0
    rows.append(
        {
            "sample_id": sample_id,
            "sample_type": stype,
            "nominal_conc": nominal,
            "analyte_area": round(r * is_area, 1),
            "is_area": round(is_area, 1),
            "dilution": dilution,
            "conc_unit": "ng/mL",
            **extra,
        }
    )


add("BLK1", "blank", None, None)
add("ZERO1", "zero", None, None)
for level in (1, 2, 5, 10, 50, 100, 500, 1000):
    add(f"STD{level:g}", "standard", level, level)
for rep in (1, 2):
    for name, level in (("LQC", 3), ("MQC", 400), ("HQC", 800)):
        add(f"{name}_{rep}", "qc", level, level, qc_level=name)
    add(f"DQC_{rep}", "qc", 5000, 5000 / 10, dilution=10, qc_level="DQC x10")
ka, ke, scale = 1.5, np.log(2) / 4.0, 1500.0
for subject in ("R01", "R02", "R03"):
    f = rng.lognormal(0.0, 0.25)
    for t in (0.25, 0.5, 1, 2, 4, 8, 12, 24, 48):
        c = f * scale * ka / (ka - ke) * (np.exp(-ke * t) - np.exp(-ka * t))
        dil = 10.0 if (subject == "R03" and t == 1) else 1.0
        add(
            f"{subject}_{t:g}h",
            "unknown",
            None,
            c / dil,
            dilution=dil,
            subject=subject,
            time=t,
            analyte="vistusertib",
            matrix="PLASMA",
        )

df = pd.DataFrame(rows)
df.to_csv(Path(__file__).with_name("run_rat_plasma.csv"), index=False)
print(df.to_string())
