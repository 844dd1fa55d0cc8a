"""The reason of a population fit names a typical value that collapsed (a two-compartment
model on one-compartment data: v2 fell to 2.4e-7 L and only 'covariance step failed' was
said) and says when setting a variance to 0 lowers the OFV (the optimum is at 0, not at
the estimate)."""

from types import SimpleNamespace

import numpy as np

from kinetor.popfit._boundary import boundary_text, theta_collapse_text


def _des(params):
    return SimpleNamespace(
        model=SimpleNamespace(params=params), unpack=lambda x: (np.asarray(x), None, None, None)
    )


def test_a_typical_value_that_moved_more_than_four_decades_is_named():
    des = _des(("cl", "v1", "q", "v2"))
    start = np.log([2.0, 20.0, 1.0, 4.93])
    end = np.log([2.1, 19.0, 104.0, 2.41e-7])  # q moved 2 decades, v2 7.3
    text = theta_collapse_text(des, end, start)
    assert "v2 = 2.41e-07 (started at 4.93)" in text and "q =" not in text
    assert theta_collapse_text(des, start, start) == ""


def test_a_variance_whose_removal_lowers_the_ofv_says_the_optimum_is_at_zero():
    text = boundary_text(
        {"omega_v2": -0.0493, "omega_cl": 0.004}, {"omega_v2": 0.207, "omega_cl": 1e-9}
    )
    assert (
        "omega_v2 = 0.207 (setting it to 0 lowers the OFV by 0.0493, so the optimum lies at 0"
        in text
    )
    assert "omega_cl = 1e-09 (setting it to 0 changes the OFV by +0.004" in text
