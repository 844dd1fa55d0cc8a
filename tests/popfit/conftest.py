"""Shared fixtures: the Theoph data set and a simulator written from the closed forms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study, read_study

FIXTURES = Path(__file__).parent / "fixtures"


def theoph_study():
    """R's ``Theoph`` (Boeckmann, Sheiner & Beal 1994, NONMEM Users Guide V) as nlmixr2data's
    ``theo_sd`` (dose in mg = Dose mg/kg x Wt); see fixtures/README.md."""
    return read_study(
        FIXTURES / "theoph.csv", units={"time": "h", "conc": "mg/L", "dose": "mg", "weight": "kg"}
    )


@pytest.fixture(scope="session")
def theoph():
    return theoph_study()


@pytest.fixture(scope="session")
def theoph_fit(theoph):
    from kinetor.popfit import popfit

    return popfit(theoph, "1cmt-oral", npde=True, n_npde=300, seed=1)


def oral_1cmt(dose, cl, v, ka, t):
    """C(t) = D ka / (V (ka - k)) (exp(-k t) - exp(-ka t)), k = CL/V."""
    k = cl / v
    return dose * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))


def simulate_oral(
    rng,
    n_subjects=24,
    times=(0.5, 1, 2, 4, 8, 12, 24),
    cl=2.0,
    v=30.0,
    ka=1.2,
    omega=(0.09, 0.04, 0.16),
    prop=0.15,
    dose=300.0,
    weight=None,
    sex_effect_v=None,
    lloq=None,
):
    """A 1-cmt oral study with log-normal CL, V, ka and proportional error."""
    t = np.asarray(times, float)
    eta = rng.normal(0, np.sqrt(omega), size=(n_subjects, 3))
    wt = rng.uniform(50, 100, n_subjects) if weight else np.full(n_subjects, 70.0)
    sex = np.where(rng.random(n_subjects) < 0.5, "F", "M")
    cli = cl * np.exp(eta[:, 0]) * (wt / 70.0) ** (weight or 0.0)
    vi = (
        v
        * np.exp(eta[:, 1])
        * np.where((sex == "M") & (sex_effect_v is not None), sex_effect_v or 1.0, 1.0)
    )
    kai = ka * np.exp(eta[:, 2])
    c = oral_1cmt(dose, cli[:, None], vi[:, None], kai[:, None], t[None])
    y = c * (1 + prop * rng.standard_normal(c.shape))
    ids = np.array([f"S{i:03d}" for i in range(n_subjects)])
    conc = pd.DataFrame(
        {"subject": np.repeat(ids, t.size), "time": np.tile(t, n_subjects), "conc": y.ravel()}
    )
    if lloq is not None:
        conc["blq"] = conc["conc"] < lloq
        conc["lloq"] = lloq
        conc.loc[conc["blq"], "conc"] = np.nan
    doses = pd.DataFrame({"subject": ids, "time": 0.0, "dose": dose, "route": "extravascular"})
    subjects = pd.DataFrame({"subject": ids, "weight": wt, "sex": sex})
    return Study(conc, doses, subjects, units={"time": "h", "conc": "mg/L", "dose": "mg"})
