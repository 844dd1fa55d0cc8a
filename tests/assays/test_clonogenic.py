"""Clonogenic survival against hand calculations."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad

from kinetor.assays import clonogenic
from kinetor.errors import DataError

DOSES = [0, 2, 4, 6, 8]
SEEDED = [200, 400, 1000, 4000, 10000]


def dishes(alpha, beta, pe, group, reps=3, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for d, n in zip(DOSES, SEEDED, strict=True):
        for _ in range(reps):
            sf = math.exp(-alpha * d - beta * d * d) * math.exp(noise * rng.standard_normal())
            rows.append({"group": group, "dose": d, "seeded": n, "colonies": n * pe * sf})
    return rows


def test_exact_lq_parameters_and_hand_calculations():
    df = pd.DataFrame(dishes(0.2, 0.03, 0.6, "ctrl") + dishes(0.4, 0.03, 0.3, "drug"))
    r = clonogenic(df, control="ctrl")
    pe = r["plating"].set_index("group")["plating_efficiency"]
    assert pe["ctrl"] == pytest.approx(0.6) and pe["drug"] == pytest.approx(0.3)
    f = r["fits"].set_index("group")
    assert f.loc["ctrl", "alpha"] == pytest.approx(0.2, rel=1e-9)
    assert f.loc["ctrl", "beta"] == pytest.approx(0.03, rel=1e-9)
    assert f.loc["ctrl", "SF2"] == pytest.approx(math.exp(-0.52), rel=1e-9)
    # D10 = (-0.2 + sqrt(0.04 + 4 * 0.03 * ln 10)) / (2 * 0.03)
    d10 = (-0.2 + math.sqrt(0.04 + 0.12 * math.log(10))) / 0.06
    assert f.loc["ctrl", "D10"] == pytest.approx(d10, rel=1e-9)
    assert d10 == pytest.approx(6.04023, rel=1e-5)
    mid, _ = quad(lambda x: math.exp(-0.2 * x - 0.03 * x * x), 0, np.inf)
    assert f.loc["ctrl", "MID"] == pytest.approx(mid, rel=1e-8)
    s = r["ser"].set_index("sf")
    d50c = (-0.2 + math.sqrt(0.04 + 0.12 * math.log(2))) / 0.06  # 2.51612 Gy
    d50t = (-0.4 + math.sqrt(0.16 + 0.12 * math.log(2))) / 0.06  # 1.55218 Gy
    assert s.loc[0.5, "ser"] == pytest.approx(d50c / d50t, rel=1e-9)
    assert s.loc[0.5, "ser"] == pytest.approx(1.62101, rel=1e-5)
    d10t = (-0.4 + math.sqrt(0.16 + 0.12 * math.log(10))) / 0.06
    assert s.loc[0.1, "ser"] == pytest.approx(d10 / d10t, rel=1e-9)


def test_noisy_replicates_give_intervals_that_cover_the_truth():
    df = pd.DataFrame(dishes(0.25, 0.025, 0.5, "ctrl", reps=4, noise=0.08, seed=4))
    f = clonogenic(df)["fits"].iloc[0]
    assert f["alpha_ci_low"] < 0.25 < f["alpha_ci_high"]
    assert f["beta_ci_low"] < 0.025 < f["beta_ci_high"]
    assert f["SF2_ci_low"] < math.exp(-0.6) < f["SF2_ci_high"]


def test_zero_colonies_flagged_and_bad_counts_rejected():
    rows = dishes(0.2, 0.03, 0.6, "ctrl")
    rows[-1]["colonies"] = 0
    r = clonogenic(pd.DataFrame(rows))
    pts = r["points"]
    assert not pts["used"].iloc[-1] and "0 colonies" in pts["note"].iloc[-1]
    assert len(pts) == len(rows) and r["fits"]["n"].item() == 11
    bad = pd.DataFrame(rows)
    bad.loc[2, "colonies"] = -4
    bad.loc[3, "colonies"] = 5000
    with pytest.raises(DataError) as e:
        clonogenic(bad, source="cfa.csv")
    assert "cfa.csv row 4, column 'colonies': negative value -4" in str(e.value)
    bad = pd.DataFrame(rows)
    bad.loc[3, "colonies"] = 5000
    with pytest.raises(DataError, match="row 5, column 'colonies': 5000 colonies from 400"):
        clonogenic(bad, source="cfa.csv")
    with pytest.raises(DataError, match="groups without 0 Gy wells"):
        clonogenic(pd.DataFrame(rows)[lambda x: x["dose"] > 0])
