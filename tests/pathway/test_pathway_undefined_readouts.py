"""A readout whose untreated value is zero (ER activity in an ER-negative cell: the model's
steady state is -6.5e-25) has no '% of untreated': every path gives NaN, never a
percentage of round-off (the fast path of scans and dose-responses gave 51 % untreated and
an IC50 of 0.21 nM for fulvestrant)."""

from __future__ import annotations

import numpy as np

import kinetor.pathway as kp

ER = kp.READOUTS.index("ER_activity")


def test_every_path_gives_nan_for_an_undefined_readout():
    net = kp.Network(lesions=["ER_negative"])
    assert np.isnan(net.readouts_at({}, 6)[ER])
    assert np.isnan(net.readouts_at({"fulvestrant": 100}, 6)[ER])
    assert np.isnan(net.simulate({"fulvestrant": 100}, t_end=6).readouts["ER_activity"].iloc[-1])
    # the other readouts of the same cell are unaffected
    assert np.isclose(net.readouts_at({}, 6)[kp.READOUTS.index("pAKT_S473")], 100.0)


def test_ic50_of_an_undefined_readout_says_why():
    fit = kp.ic50(kp.Network(lesions=["ER_negative"]), "ER_activity", "fulvestrant", t=24)
    assert np.isnan(fit.ic50) and "undefined" in fit.reason


def test_a_defined_readout_is_unchanged():
    net = kp.Network()
    assert np.isclose(net.readouts_at({}, 6)[ER], 100.0)
