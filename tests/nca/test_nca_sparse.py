"""Sparse (serial-sacrifice) NCA: composite profile and the Bailer / Nedelman-Jia SE.

Published reference: PKNCA's test-sparse.R (humanpred/pknca, tests/testthat) gives, for
the data below, AUClast 39.4689 (linear), SE 7.30997787038754 with the repeated animals
taken into account ("batch"), and SE 6.86584835083522 with df 2.82631153092225 when every
sample is a different animal ("serial"); PKNCA states these were computed with the
independent PK package (PK::auc, designs "batch" and "ssd").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca
from kinetor.nca.sparse import bailer

PKNCA_ID = [1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 7, 8, 9, 7, 8, 9]
PKNCA_C = [
    0,
    0,
    0,
    1.75,
    2.2,
    1.58,
    4.63,
    2.99,
    1.52,
    3.03,
    1.98,
    2.22,
    3.34,
    1.3,
    1.22,
    3.54,
    2.84,
    2.55,
    0.3,
    0.0421,
    0.231,
]
PKNCA_T = [0, 0, 0, 1, 1, 1, 6, 6, 6, 2, 2, 2, 10, 10, 10, 4, 4, 4, 24, 24, 24]


def frame(animals):
    return pd.DataFrame({"key": "g", "animal": animals, "time": PKNCA_T, "conc": PKNCA_C})


def test_bailer_serial_matches_published_reference():
    auc, se, dof = bailer(frame(np.arange(21)), "key", "animal")
    assert auc["g"] == pytest.approx(39.4689, rel=1e-12)
    assert se["g"] == pytest.approx(6.86584835083522, rel=1e-10)
    assert dof["g"] == pytest.approx(2.82631153092225, rel=1e-10)


def test_bailer_batch_matches_published_reference():
    auc, se, dof = bailer(frame(PKNCA_ID), "key", "animal")
    assert auc["g"] == pytest.approx(39.4689, rel=1e-12)
    assert se["g"] == pytest.approx(7.30997787038754, rel=1e-10)
    assert np.isnan(dof["g"])  # no Satterthwaite df with repeated animals


def test_bailer_by_hand():
    # times 0, 1, 2 with 2 animals each; weights (1-0)/2, (2-0)/2, (2-1)/2 = .5, 1, .5
    # means 0, 5, 3; AUC = 1*5 + .5*3 = 6.5
    # variances 0, 2, 2 (sample, n-1); Var = .25*0/2 + 1*2/2 + .25*2/2 = 1.25
    # df = (sum w^2 s^2/r)^2 / sum w^4 s^4/(r^2 (r-1))
    #    = (1 + 0.25)^2 / (1*4/(4*1) + 0.0625*4/(4*1)) = 1.5625 / 1.0625
    df = pd.DataFrame(
        {
            "key": "g",
            "animal": list("abcdef"),
            "time": [0, 0, 1, 1, 2, 2],
            "conc": [0, 0, 4.0, 6.0, 2.0, 4.0],
        }
    )
    auc, se, dof = bailer(df, "key", "animal")
    assert auc["g"] == pytest.approx(6.5, rel=1e-12)
    assert se["g"] == pytest.approx(math.sqrt(1.25), rel=1e-12)
    assert dof["g"] == pytest.approx(1.5625 / 1.0625, rel=1e-12)


def test_holder_covariance_by_hand():
    # animals a, b sampled at t=1 and t=2; c only at t=2
    # t=1: a 0, b 10 -> mean 5, var 50; t=2: a 0, b 10, c 5 -> mean 5, var 25
    # Holder: sum (x1-5)(x2-5) over a, b = 25 + 25 = 50; denominator
    # (r12 - 1) + (1 - 2/2)(1 - 2/3) = 1 -> s12 = 50 > sqrt(50*25) = 35.355: clipped
    df = pd.DataFrame(
        {
            "key": "g",
            "animal": ["a", "b", "a", "b", "c"],
            "time": [1.0, 1, 2, 2, 2],
            "conc": [0.0, 10, 0, 10, 5],
        }
    )
    _, se, _ = bailer(df, "key", "animal")
    # weights: t=1 -> (2-1)/2 = .5, t=2 -> .5
    var = 0.25 * 50 / 2 + 0.25 * 25 / 3 + 2 * 0.5 * 0.5 * 2 * math.sqrt(50 * 25) / (2 * 3)
    assert se["g"] ** 2 == pytest.approx(var, rel=1e-12)


def sparse_study():
    # 2 groups x 3 time points x 3 mice, one sample each; BLQ at 24 h in one mouse
    rows = []
    for g, scale in (("low", 1.0), ("high", 2.0)):
        for t, cs in ((0.5, [10, 12, 14]), (2.0, [8, 6, 7]), (8.0, [2, 1, 3])):
            for i, c in enumerate(cs):
                rows.append(
                    {
                        "subject": f"{g}{t}{i}",
                        "group": g,
                        "time": t,
                        "nominal_time": t,
                        "conc": c * scale,
                        "blq": False,
                    }
                )
    conc = pd.DataFrame(rows)
    doses = pd.DataFrame({"subject": conc["subject"].unique(), "time": 0.0, "route": "PO"})
    doses["dose"] = np.where(doses["subject"].str.startswith("low"), 10.0, 20.0)
    subjects = conc[["subject", "group"]].drop_duplicates()
    return Study(
        conc.drop(columns="group"),
        doses,
        subjects,
        units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"},
    )


def test_sparse_nca_composite_and_se():
    res = nca(sparse_study(), sparse=True, auc_method="linear")
    w = res.to_wide().set_index("group")
    # low: means 12, 7, 2 at 0.5, 2, 8 (+ C = 0 at t = 0)
    # AUClast (linear) = 0.5*12/2 + 1.5*(12+7)/2 + 6*(7+2)/2 = 3 + 14.25 + 27 = 44.25
    assert w.loc["low", "AUCLST"] == pytest.approx(44.25, rel=1e-12)
    assert w.loc["low", "SPARSEAL"] == pytest.approx(44.25, rel=1e-12)
    assert w.loc["high", "AUCLST"] == pytest.approx(88.5, rel=1e-12)
    assert w.loc["low", "CMAX"] == 12.0 and w.loc["low", "TMAX"] == 0.5
    # nodes 0 (fixed 0), 0.5, 2, 8; weights .25, (2-0)/2 = 1, (8-.5)/2 = 3.75, 3
    # variances (n-1): 4, 1, 1 with 3 mice each
    var = 1**2 * 4 / 3 + 3.75**2 * 1 / 3 + 3**2 * 1 / 3
    assert w.loc["low", "AUCLSTSE"] == pytest.approx(math.sqrt(var), rel=1e-12)
    assert w.loc["high", "AUCLSTSE"] == pytest.approx(2 * math.sqrt(var), rel=1e-12)
    df = (1 * 4 / 3 + 3.75**2 / 3 + 9 / 3) ** 2 / (
        1 * 16 / (9 * 2) + 3.75**4 / (9 * 2) + 81 / (9 * 2)
    )
    assert w.loc["low", "AUCLSTDF"] == pytest.approx(df, rel=1e-12)
    assert set(res.profiles["subject"]) == {"low", "high"}
    # AUMC: node weights times t: 0.25*0, 1*0.5, 3.75*2, 3*8 = 0, 0.5, 7.5, 24
    # AUMC = 0.5*12 + 7.5*7 + 24*2 = 6 + 52.5 + 48 = 106.5; the same as the linear AUMClast
    # of the mean profile: 0.5*(0 + 6)/2 + 1.5*(6 + 14)/2 + 6*(14 + 16)/2 = 1.5 + 15 + 90
    assert w.loc["low", "SPARSEMA"] == pytest.approx(106.5, rel=1e-12)
    assert w.loc["low", "AUMCLST"] == pytest.approx(106.5, rel=1e-12)
    var_m = 0.5**2 * 4 / 3 + 7.5**2 * 1 / 3 + 24**2 * 1 / 3
    assert w.loc["low", "AUMLSTSE"] == pytest.approx(math.sqrt(var_m), rel=1e-12)


def test_sparse_more_than_half_blq_gives_zero_mean():
    conc = pd.DataFrame(
        {
            "subject": list("abcdefghi"),
            "time": [1.0] * 3 + [4.0] * 3 + [8.0] * 3,
            "conc": [9, 10, 11, 3, 4, 5, 1.0, np.nan, np.nan],
            "blq": [False] * 7 + [True] * 2,
            "lloq": 0.5,
        }
    )
    doses = pd.DataFrame({"subject": list("abcdefghi"), "time": 0.0, "dose": 1.0, "route": "PO"})
    st = Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    w = nca(st, sparse=True, auc_method="linear").to_wide().iloc[0]
    # 2 of 3 BLQ at 8 h -> mean 0 -> Tlast = 4; AUClast = 1*10/2 + 3*(10+4)/2 = 26
    assert w.TLST == 4.0 and w.AUCLST == pytest.approx(26.0, rel=1e-12)
    w = nca(st, sparse=True, auc_method="linear", sparse_mean="arithmetic").to_wide().iloc[0]
    # plain mean at 8 h = 1/3; AUClast = 26 + 4*(4 + 1/3)/2
    assert w.TLST == 8.0 and w.AUCLST == pytest.approx(26 + 2 * (4 + 1 / 3), rel=1e-12)
