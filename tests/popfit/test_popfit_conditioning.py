"""A peripheral compartment the data cannot see: the OFV is flat along it, R is nearly
singular, and no SE is reported (a sandwich SE there is a number without meaning)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import kinetor as kt
from kinetor.popfit import PopModel
from kinetor.popfit._objective import _check_conditioning, _check_typical_values

FIXTURES = Path(__file__).parent / "fixtures"


def test_unseen_peripheral_compartment_gives_no_standard_errors():
    st = kt.read_study(
        FIXTURES / "one_cmt_iv_30.csv", units={"time": "h", "conc": "mg/L", "dose": "mg"}
    )
    fit = kt.popfit(
        st, "2cmt-iv", eta=["cl", "v1"], error="proportional", npde=False, init={"q": 5, "v2": 40}
    )
    assert fit.theta.set_index("parameter").loc["q", "estimate"] < 1e-4  # the flat optimum
    assert "nearly singular" in fit.cov_method and "log v2" in fit.cov_method
    assert fit.theta["se"].isna().all() and "covariance step failed" in fit.reason


def test_conditioning_rule_names_the_flat_direction():
    des = SimpleNamespace(model=SimpleNamespace(params=("cl", "v1", "q", "v2")), beta_names=[])
    # eigenvalues 100, 50, 10 and 1e-9 along (0, 0, 0.6, 0.8): log q and log v2
    basis = np.linalg.qr(
        np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0.8, -0.6], [0, 0, 0.6, 0.8]]).T
    )[0]
    R = basis @ np.diag([100.0, 50.0, 10.0, 1e-9]) @ basis.T
    with pytest.raises(np.linalg.LinAlgError, match="log v2 and log q"):
        _check_conditioning(des, R)
    _check_conditioning(des, np.diag([100.0, 50.0, 10.0, 1.0]))  # condition 100: fine


def test_a_covariate_pair_given_twice_is_refused():
    with pytest.raises(kt.ModelError, match="cl~weight given twice"):
        PopModel("1cmt-oral", covariates=["cl~weight", "cl~weight:est"])


def test_ka_sampled_after_absorption_gives_no_standard_errors():
    st = kt.read_study(
        FIXTURES / "ka_after_absorption.csv", units={"time": "h", "conc": "mg/L", "dose": "mg"}
    )
    fit = kt.popfit(st, "1cmt-oral", error="proportional", eta=["cl", "v"], npde=False)
    assert "do not determine log ka" in fit.cov_method
    assert fit.theta["se"].isna().all() and "covariance step failed" in fit.reason
    # (R's condition number here, 9.8e6, is below COND_MAX: that rule alone passed it)


def test_typical_value_rule_on_a_constructed_curvature():
    des = SimpleNamespace(model=SimpleNamespace(params=("cl", "v", "ka")), beta_names=[])
    # 2 R^-1 has variance 2 / 1e-4 = 2e4 for log ka: SE 141 > 2; cl, v well determined
    with pytest.raises(np.linalg.LinAlgError, match=r"log ka \(SE 141\)"):
        _check_typical_values(des, np.diag([400.0, 900.0, 1e-4, 50.0]))
    _check_typical_values(des, np.diag([400.0, 900.0, 2.0, 50.0]))  # SE 1: fine


def test_est_option_on_another_covariate_says_weight_only():
    with pytest.raises(kt.ModelError, match="weight only"):
        PopModel("1cmt-oral", covariates=["cl~age:est"])
