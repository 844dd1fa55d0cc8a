"""Sparse NCA with several samples per animal: Holder's (2001, eq. A3) covariance for
every pair of times sharing an animal (r_ij = 1 included) and no Satterthwaite df when an
animal gives two or more samples. Every expected number is worked out by hand below.

Design (4 animals, 3 times, two samples each):

    time 1: a 10, b 11, d 15 -> r 3, mean 12, deviations -2, -1, +3, s^2 = 14/2 = 7
    time 2: a  6, c  7, d 11 -> r 3, mean  8, deviations -2, -1, +3, s^2 = 14/2 = 7
    time 4: b  1, c  3       -> r 2, mean  2, deviations -1, +1,     s^2 = 2/1  = 2

Holder: s_ij = sum_k dev_ik dev_jk / [(r_ij - 1) + (1 - r_ij/r_i)(1 - r_ij/r_j)]

    (1, 2): a, d: (-2)(-2) + (3)(3) = 13; denominator 1 + (1/3)(1/3) = 10/9; s = 11.7,
            above the Cauchy-Schwarz bound sqrt(7 * 7) = 7 -> 7
    (1, 4): b: (-1)(-1) = 1; denominator 0 + (2/3)(1/2) = 1/3; s = 3 (bound sqrt(14))
    (2, 4): c: (-1)(+1) = -1; denominator 1/3; s = -3
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca
from kinetor.nca.sparse import bailer

ANIMAL = ["a", "b", "d", "a", "c", "d", "b", "c"]
TIME = [1.0, 1, 1, 2, 2, 2, 4, 4]
CONC = [10.0, 11, 15, 6, 7, 11, 1, 3]


def holder(x: dict, i: float, j: float) -> float:
    """Holder's covariance from the raw numbers ({(animal, time): conc}), clipped."""
    at = {t: {a: c for (a, tt), c in x.items() if tt == t} for t in (i, j)}
    mean = {t: np.mean(list(v.values())) for t, v in at.items()}
    var = {t: np.var(list(v.values()), ddof=1) for t, v in at.items()}
    both = set(at[i]) & set(at[j])
    rij, ri, rj = len(both), len(at[i]), len(at[j])
    sp = sum((at[i][k] - mean[i]) * (at[j][k] - mean[j]) for k in both)
    s = sp / ((rij - 1) + (1 - rij / ri) * (1 - rij / rj))
    bound = math.sqrt(var[i] * var[j])
    return max(-bound, min(bound, s))


def test_holder_from_the_raw_numbers_matches_the_hand_values():
    x = {(a, t): c for a, t, c in zip(ANIMAL, TIME, CONC, strict=True)}
    assert holder(x, 1.0, 2.0) == pytest.approx(7.0, rel=1e-12)
    assert holder(x, 1.0, 4.0) == pytest.approx(3.0, rel=1e-12)
    assert holder(x, 2.0, 4.0) == pytest.approx(-3.0, rel=1e-12)


def test_pairs_sharing_one_animal_enter_the_variance():
    df = pd.DataFrame({"key": "g", "animal": ANIMAL, "time": TIME, "conc": CONC})
    auc, se, dof = bailer(df, "key", "animal")
    # weights (2-1)/2 = .5, (4-1)/2 = 1.5, (4-2)/2 = 1; AUC = 6 + 12 + 2 = 20
    assert auc["g"] == pytest.approx(20.0, rel=1e-12)
    # diagonal .25*7/3 + 2.25*7/3 + 1*2/2 = 41/6
    # (1,2): 2*.5*1.5*2*7/(3*3) = 7/3; (1,4): 2*.5*1*1*3/(3*2) = .5;
    # (2,4): 2*1.5*1*1*(-3)/(3*2) = -1.5; total 41/6 + 14/6 + 3/6 - 9/6 = 49/6
    # (without the r_ij = 1 pairs, as PKNCA's cov_holder: 55/6)
    assert se["g"] ** 2 == pytest.approx(49 / 6, rel=1e-12)
    assert np.isnan(dof["g"])  # every animal gives two samples


def test_a_pair_with_a_single_animal_time_is_left_out_without_warnings():
    # t=1: a, b; t=2: a only -> r_12 = 1, r_2 = 1: Holder's denominator is 0
    df = pd.DataFrame(
        {"key": "g", "animal": ["a", "b", "a"], "time": [1.0, 1, 2], "conc": [4.0, 6, 3]}
    )
    auc, se, dof = bailer(df, "key", "animal")
    assert auc["g"] == pytest.approx(0.5 * 5 + 0.5 * 3, rel=1e-12)
    assert np.isnan(se["g"]) and np.isnan(dof["g"])  # no variance at t=2


def test_df_counts_only_the_samples_up_to_tlast():
    # t=1: a 4, b 6, c 8 (mean 6, s^2 4); t=2: d 2, e 3, f 4 (mean 3, s^2 1);
    # t=4: a, b, c again, beyond the node limit 2
    df = pd.DataFrame(
        {
            "key": "g",
            "animal": list("abcdefabc"),
            "time": [1.0, 1, 1, 2, 2, 2, 4, 4, 4],
            "conc": [4.0, 6, 8, 2, 3, 4, 1, 1, 1],
        }
    )
    _, se, dof = bailer(df, "key", "animal", tmax_node=pd.Series({"g": 2.0}))
    # weights .5, .5; Var = .25*4/3 + .25*1/3 = 5/12
    # df = (5/12)^2 / (.0625*16/(9*2) + .0625*1/(9*2)) = (25/144) / (17/288) = 50/17
    assert se["g"] ** 2 == pytest.approx(5 / 12, rel=1e-12)
    assert dof["g"] == pytest.approx(50 / 17, rel=1e-12)
    _, _, dof_all = bailer(df, "key", "animal")
    assert np.isnan(dof_all["g"])  # with t=4 the animals a, b, c give two samples


def _study() -> Study:
    conc = pd.DataFrame(
        {"subject": ANIMAL, "time": TIME, "nominal_time": TIME, "conc": CONC, "blq": False}
    )
    doses = pd.DataFrame({"subject": list("abcd"), "time": 0.0, "dose": 1.0, "route": "PO"})
    return Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"})


def test_sparse_nca_with_repeated_animals():
    res = nca(_study(), sparse=True, auc_method="linear")
    p = res.parameters.set_index("PPTESTCD")
    # nodes 0 (mean 0, no variance), 1, 2, 4; weights .5, 1, 1.5, 1
    # AUC = 12 + 12 + 2 = 26 (= 6 + 10 + 10, the linear trapezoids of the means)
    assert p.loc["SPARSEAL", "value"] == pytest.approx(26.0, rel=1e-12)
    # diagonal 1*7/3 + 2.25*7/3 + 1*2/2 = 103/12; (1,2): 2*1*1.5*2*7/9 = 56/12;
    # (1,4): 2*1*1*1*3/6 = 12/12; (2,4): 2*1.5*1*1*(-3)/6 = -18/12; total 153/12
    assert p.loc["AUCLSTSE", "value"] ** 2 == pytest.approx(153 / 12, rel=1e-12)
    # AUMC weights w t: 1, 3, 4 -> AUMC = 12 + 24 + 8 = 44
    # Var: 1*7/3 + 9*7/3 + 16*2/2 = 118/3; (1,2): 2*1*3*2*7/9 = 28/3;
    # (1,4): 2*1*4*1*3/6 = 4; (2,4): 2*3*4*1*(-3)/6 = -12; total 122/3
    assert p.loc["SPARSEMA", "value"] == pytest.approx(44.0, rel=1e-12)
    assert p.loc["AUMLSTSE", "value"] ** 2 == pytest.approx(122 / 3, rel=1e-12)
    assert np.isnan(p.loc["AUCLSTDF", "value"])
    assert "several samples" in p.loc["AUCLSTDF", "exclude"]
    assert p.loc["AUCLSTSE", "exclude"] == ""


def test_one_sample_per_animal_keeps_the_bailer_df():
    # the same concentrations, every sample its own animal: no covariance
    # Var = 103/12 (diagonal only); df = (103/12)^2 / sum w^4 s^4 / (r^2 (r - 1))
    #     = (103/12)^2 / (1*49/(9*2) + 5.0625*49/(9*2) + 1*4/(4*1))
    st = _study()
    conc = st.conc.copy()
    conc["subject"] = [f"m{i}" for i in range(len(conc))]
    doses = pd.DataFrame({"subject": conc["subject"], "time": 0.0, "dose": 1.0, "route": "PO"})
    st = Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    p = nca(st, sparse=True, auc_method="linear").parameters.set_index("PPTESTCD")
    assert p.loc["AUCLSTSE", "value"] ** 2 == pytest.approx(103 / 12, rel=1e-12)
    df = (103 / 12) ** 2 / (49 / 18 + 5.0625 * 49 / 18 + 1.0)
    assert p.loc["AUCLSTDF", "value"] == pytest.approx(df, rel=1e-12)
    assert p.loc["AUCLSTDF", "exclude"] == ""
