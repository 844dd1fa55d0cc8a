"""Real data: the O'Neil 2016 viability slice (one dose of drug 1 x up to four doses of
drug 2, no monotherapy rows). What can be done: constrained fits along drug 2, checked
against scipy per curve. What cannot: any matrix synergy score, so the published Loewe
scores are not reproducible from this subset and the API says why."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import curve_fit

from kinetor.assays import fit_dose_response, melt_replicates, synergy
from kinetor.errors import DataError

FIX = Path(__file__).parent / "fixtures"
REPS = ["viability1", "viability2", "viability3", "viability4"]


@pytest.fixture
def oneil():
    return melt_replicates(
        pd.read_csv(FIX / "oneil2016_viability_slice.csv"), REPS, name="viability"
    )


def test_fits_along_drug2_match_scipy(oneil):
    res = fit_dose_response(
        oneil,
        dose="drug2dose",
        response="viability",
        by=["combination_name", "cellid"],
        fix={"top": 1.0},
        absolute_level=0.5,
        dose_unit="uM",
    )
    assert len(res) == 15
    single = res[res["combination_name"] == "MK-2206 & MK-8669"]
    assert (single["status"] == "too_few_doses").all() and single["ic50"].isna().all()
    # every curve with an IC50 inside the doses agrees with scipy's per-curve least squares
    fitted = res[res["status"] == "ok"]
    assert len(fitted) >= 4
    for _, r in fitted.iterrows():
        d = oneil[
            (oneil["combination_name"] == r["combination_name"]) & (oneil["cellid"] == r["cellid"])
        ]

        def f(x, b, c, h):
            return b + (1 - b) / (1 + 10 ** (h * (np.log10(x) - c)))

        p, _ = curve_fit(
            f,
            d["drug2dose"],
            d["viability"],
            p0=[r["bottom"], r["log_ic50"], r["hill"]],
            ftol=1e-15,
            xtol=1e-15,
            maxfev=20000,
        )
        sse = np.sum((d["viability"] - f(d["drug2dose"], *p)) ** 2)
        assert r["sse"] <= sse * (1 + 1e-8)
        assert np.allclose([r["bottom"], r["log_ic50"], r["hill"]], p, rtol=1e-5, atol=1e-7)
    # no fabricated IC50 outside the tested doses
    bad = res["status"] != "ok"
    assert res.loc[bad, "ic50"].isna().all()
    assert res.loc[bad, "ic50_text"].str.contains("IC50|no estimate").all()


def test_matrix_scores_cannot_be_computed_from_the_subset(oneil):
    loewe = pd.read_csv(FIX / "oneil2016_loewe_slice.csv")
    assert (loewe["synergy"] > 0).all()  # published: all synergistic
    with pytest.raises(DataError, match="no monotherapy rows"):
        synergy(
            oneil,
            dose1="drug1dose",
            dose2="drug2dose",
            response="viability",
            by=["combination_name", "cellid"],
            scale="fraction",
        )
