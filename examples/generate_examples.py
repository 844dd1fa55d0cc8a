"""Generate the simulated vistusertib (AZD2014) example studies (src/kinetor/examples/).

Run from the repository root:  ``python examples/generate_examples.py``

The simulation uses only numpy, pandas and the closed-form linear PK equations below
(not kinetor.pk). Every number is either taken from a published summary (the BenchChem
technical note on vistusertib preclinical pharmacokinetics; unverified, its primary
references are not identified) or chosen here and marked "assumed". The files written are
listed in src/kinetor/examples/README.md,
which also explains every choice. The SEND copies are written with kinetor's own writer
(``kinetor.data.write_cdisc``) from the generic CSVs.

Models
------
Rat, two-compartment, per kg body weight (``D`` in ug/kg gives ng/mL with V in L/kg):

.. math::

    k_{10} = CL/V_1,\\ k_{12} = Q/V_1,\\ k_{21} = Q/V_2,\\quad
    \\alpha\\beta = k_{10}k_{21},\\ \\alpha+\\beta = k_{10}+k_{12}+k_{21}

    C_{iv}(t) = \\frac{D}{V_1}\\left[\\frac{\\alpha-k_{21}}{\\alpha-\\beta}e^{-\\alpha t}
              + \\frac{k_{21}-\\beta}{\\alpha-\\beta}e^{-\\beta t}\\right]

    C_{po}(t) = \\frac{k_a F D}{V_1}\\sum_{r\\in\\{\\alpha,\\beta,k_a\\}}
               \\frac{(k_{21}-r)\\,e^{-rt}}{\\prod_{s\\ne r}(s-r)}

Mouse, one-compartment with first-order absorption:

.. math::

    C(t) = \\frac{F D k_a}{V (k_a - k)}\\left(e^{-kt} - e^{-k_a t}\\right),\\quad k = CL/V

Residual error is proportional, ``C_obs = C (1 + eps)``, ``eps ~ N(0, 0.15^2)``;
between-animal variability is log-normal.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 2014  # numpy Generator seed; the files in examples/ come from this value
MW = 462.55  # g/mol, vistusertib C25H30N6O3 (status: unverified, see README)
LLOQ = 1.0  # ng/mL (assumed: a typical LC-MS/MS plasma assay)
RESIDUAL_CV = 0.15  # proportional residual error (assumed)

# --- rat: parameters (per kg) -------------------------------------------------------
RAT_F = 0.29  # vendor summary: oral bioavailability 29%, preclinical models (unverified)
RAT_HALF_LIFE = 4.0  # h; vendor summary: predicted rat t1/2 ~4 h (unverified)
RAT_CL, RAT_V1, RAT_Q = 1.5, 1.0, 1.0  # L/h/kg, L/kg, L/h/kg (assumed)
RAT_KA = 1.5  # 1/h (assumed: tmax about 1 h)
RAT_BSV = 0.10  # CV of CL, V1 and ka between rats (assumed)
RAT_TIMES = [0.083, 0.25, 0.5, 1, 2, 4, 6, 8, 12, 24]  # h
RAT_GROUPS = [
    ("IV 2 mg/kg", "IV", 2.0, ["R101", "R102", "R103"]),
    ("PO 10 mg/kg", "PO", 10.0, ["R201", "R202", "R203"]),
]

# --- mouse: parameters (per kg) ------------------------------------------------------
MOUSE_F = 0.29  # the summary gives F for "preclinical models"; used for the mouse too
MOUSE_HALF_LIFE = 4.0  # h: the rat value, reused (no mouse value in the summary)
MOUSE_KA = 2.0  # 1/h (assumed)
MOUSE_CMAX_7_5 = 3.0  # uM at 7.5 mg/kg (assumed, inside the summary's 1-16 uM range)
MOUSE_BSV = 0.20  # CV of CL and V between mice (assumed)
MOUSE_TIMES = [0.25, 0.5, 1, 2, 4, 6, 8, 24]  # h, one sample per mouse
MOUSE_DOSES = [3.75, 7.5, 15.0]  # mg/kg PO (doses of the summarised SCID-mouse study)
MOUSE_PER_TIME = 3


def two_cmt_rates(cl, v1, q, v2):
    """(alpha, beta, k21) of the two-compartment model."""
    k10, k12, k21 = cl / v1, q / v1, q / v2
    s, p = k10 + k12 + k21, k10 * k21
    root = np.sqrt(s * s - 4 * p)
    return (s + root) / 2, (s - root) / 2, k21


def v2_for_half_life(cl, v1, q, half_life):
    """V2 that gives the wanted terminal half-life (from alpha*beta and alpha+beta)."""
    beta = np.log(2) / half_life
    k10, k12 = cl / v1, q / v1
    k21 = (k10 + k12 - beta) / (k10 / beta - 1)
    return q / k21


def conc_iv_bolus(t, dose_ug_kg, cl, v1, q, v2):
    a, b, k21 = two_cmt_rates(cl, v1, q, v2)
    t = np.asarray(t, float)
    return (
        dose_ug_kg
        / v1
        * ((a - k21) / (a - b) * np.exp(-a * t) + (k21 - b) / (a - b) * np.exp(-b * t))
    )


def conc_oral_2cmt(t, dose_ug_kg, cl, v1, q, v2, ka, f):
    a, b, k21 = two_cmt_rates(cl, v1, q, v2)
    t = np.asarray(t, float)
    rates = (a, b, ka)
    total = 0.0
    for r in rates:
        others = [s for s in rates if s is not r]
        total = total + (k21 - r) * np.exp(-r * t) / np.prod([s - r for s in others])
    return ka * f * dose_ug_kg / v1 * total


def conc_oral_1cmt(t, dose_ug_kg, cl, v, ka, f):
    k = cl / v
    t = np.asarray(t, float)
    return f * dose_ug_kg * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))


def mouse_volume():
    """V (L/kg) that puts the typical Cmax at 7.5 mg/kg at MOUSE_CMAX_7_5 uM."""
    k = np.log(2) / MOUSE_HALF_LIFE
    tmax = np.log(MOUSE_KA / k) / (MOUSE_KA - k)
    shape = MOUSE_KA / (MOUSE_KA - k) * (np.exp(-k * tmax) - np.exp(-MOUSE_KA * tmax))
    cmax_ng_ml = MOUSE_CMAX_7_5 * MW  # uM -> ng/mL: 1 umol/L * g/mol = ug/L
    return shape * MOUSE_F * 7500.0 / cmax_ng_ml


def _report(values) -> np.ndarray:
    """Concentrations as an LC-MS/MS report: 3 significant figures, 'BLQ' below LLOQ."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = "BLQ" if v < LLOQ else f"{float(f'{v:.3g}'):g}"
    return out


def simulate_rat(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    v2 = v2_for_half_life(RAT_CL, RAT_V1, RAT_Q, RAT_HALF_LIFE)
    rows, truth = [], []
    for group, route, dose, animals in RAT_GROUPS:
        for animal in animals:
            eta = rng.normal(0.0, RAT_BSV, 3)
            cl, v1, ka = RAT_CL * np.exp(eta[0]), RAT_V1 * np.exp(eta[1]), RAT_KA * np.exp(eta[2])
            weight = round(rng.uniform(0.24, 0.29), 3)
            nominal = np.array(([0.0] if route == "PO" else []) + RAT_TIMES)
            late = rng.integers(0, 3, len(nominal)) / 60.0  # 0-2 min late
            actual = np.where(nominal == 0, 0.0, nominal + late)
            if route == "IV":
                c = conc_iv_bolus(actual, dose * 1000, cl, v1, RAT_Q, v2)
            else:
                c = conc_oral_2cmt(actual, dose * 1000, cl, v1, RAT_Q, v2, ka, RAT_F)
            c = c * (1 + rng.normal(0.0, RESIDUAL_CV, len(c)))
            for tn, ta, res in zip(nominal, actual, _report(c), strict=True):
                rows.append(
                    {
                        "Study": "VIS-RAT-01",
                        "Animal": animal,
                        "Species": "RAT",
                        "Sex": "M",
                        "Weight (kg)": weight,
                        "Group": group,
                        "Route": route,
                        "Dose (mg/kg)": dose,
                        "Nominal time (h)": tn,
                        "Time (h)": round(ta, 4),
                        "Conc (ng/mL)": res,
                        "LLOQ (ng/mL)": LLOQ,
                        "Analyte": "vistusertib",
                        "Matrix": "PLASMA",
                    }
                )
            truth.append(
                {
                    "Animal": animal,
                    "CL (L/h/kg)": cl,
                    "V1 (L/kg)": v1,
                    "Q (L/h/kg)": RAT_Q,
                    "V2 (L/kg)": v2,
                    "ka (1/h)": ka,
                    "F": RAT_F if route == "PO" else 1.0,
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(truth)


def simulate_mouse(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    v = mouse_volume()
    cl = v * np.log(2) / MOUSE_HALF_LIFE
    rows, truth = [], []
    n = 0
    for dose in MOUSE_DOSES:
        for tn in MOUSE_TIMES:
            for _ in range(MOUSE_PER_TIME):
                n += 1
                mouse = f"M{n:03d}"
                eta = rng.normal(0.0, MOUSE_BSV, 2)
                cl_i, v_i = cl * np.exp(eta[0]), v * np.exp(eta[1])
                ta = tn + rng.integers(0, 4) / 60.0
                c = conc_oral_1cmt(ta, dose * 1000, cl_i, v_i, MOUSE_KA, MOUSE_F)
                c = c * (1 + rng.normal(0.0, RESIDUAL_CV))
                rows.append(
                    {
                        "Study": "VIS-MOUSE-01",
                        "Mouse": mouse,
                        "Species": "MOUSE",
                        "Strain": "SCID",
                        "Sex": "F",
                        "Weight (g)": round(rng.uniform(18.0, 24.0), 1),
                        "Group": f"PO {dose:g} mg/kg",
                        "Route": "PO",
                        "Dose (mg/kg)": dose,
                        "Nominal time (h)": tn,
                        "Time (h)": round(ta, 4),
                        "Conc (ng/mL)": _report([c])[0],
                        "LLOQ (ng/mL)": LLOQ,
                        "Analyte": "vistusertib",
                        "Matrix": "PLASMA",
                    }
                )
                truth.append(
                    {
                        "Mouse": mouse,
                        "CL (L/h/kg)": cl_i,
                        "V (L/kg)": v_i,
                        "ka (1/h)": MOUSE_KA,
                        "F": MOUSE_F,
                    }
                )
    return pd.DataFrame(rows), pd.DataFrame(truth)


def nonmem_rat(rat: pd.DataFrame) -> pd.DataFrame:
    """The rat study as NONMEM records: AMT in mg/kg, CMT 1 depot / 2 central, BLQ as
    CENS=1 with DV = LLOQ (Beal M3 style)."""
    out = []
    for i, (animal, g) in enumerate(rat.groupby("Animal", sort=False), start=1):
        iv = g["Route"].iloc[0] == "IV"
        wt = g["Weight (kg)"].iloc[0]
        out.append(
            {
                "ID": i,
                "TIME": 0.0,
                "DV": 0.0,
                "AMT": g["Dose (mg/kg)"].iloc[0],
                "EVID": 1,
                "MDV": 1,
                "CMT": 2 if iv else 1,
                "CENS": 0,
                "LLOQ": LLOQ,
                "WT": wt,
                "ANIMAL": animal,
            }
        )
        for t, res in zip(g["Time (h)"], g["Conc (ng/mL)"], strict=True):
            blq = res == "BLQ"
            out.append(
                {
                    "ID": i,
                    "TIME": t,
                    "DV": LLOQ if blq else float(res),
                    "AMT": 0.0,
                    "EVID": 0,
                    "MDV": 0,
                    "CMT": 2,
                    "CENS": int(blq),
                    "LLOQ": LLOQ,
                    "WT": wt,
                    "ANIMAL": animal,
                }
            )
    return pd.DataFrame(out)


def main(out: Path = HERE.parent / "src" / "kinetor" / "examples") -> None:
    rng = np.random.default_rng(SEED)
    rat, rat_truth = simulate_rat(rng)
    mouse, mouse_truth = simulate_mouse(rng)
    rat.to_csv(out / "vistusertib_rat_iv_po.csv", index=False)
    rat_truth.to_csv(out / "vistusertib_rat_truth.csv", index=False, float_format="%.6g")
    mouse.to_csv(out / "vistusertib_mouse_sparse.csv", index=False)
    mouse_truth.to_csv(out / "vistusertib_mouse_truth.csv", index=False, float_format="%.6g")
    nonmem_rat(rat).to_csv(out / "vistusertib_rat_iv_po_nonmem.csv", index=False)
    sys.path.insert(0, str(HERE.parent / "src"))
    from kinetor.data import read_study, write_cdisc

    for name, src in (
        ("rat", "vistusertib_rat_iv_po.csv"),
        ("mouse", "vistusertib_mouse_sparse.csv"),
    ):
        study = read_study(out / src)
        write_cdisc(
            study,
            out / "send" / name,
            standard="send",
            studyid=f"VIS-{name.upper()}-01",
            reference="2021-03-01T08:00:00",
        )


if __name__ == "__main__":
    main()
