"""Time-varying drug input: the default (fast) path against the exact knot-by-knot path."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetor.pathway import Network
from kinetor.pathway._engine import _RTOL, _segments


@pytest.fixture(scope="module")
def net():
    return Network()


def _oral_bid(hours: float) -> tuple[np.ndarray, np.ndarray]:
    # 1-cmt oral, ka 1.5 /h, t1/2 4 h, doses every 12 h, hourly knots (shape only)
    t = np.arange(0.0, hours + 1e-9, 1.0)
    ka, ke = 1.5, np.log(2) / 4.0
    c = np.zeros_like(t)
    for d in np.arange(0.0, hours, 12.0):
        dt = np.clip(t - d, 0.0, None)
        c += np.where(t >= d, 600 * ka / (ka - ke) * (np.exp(-ke * dt) - np.exp(-ka * dt)), 0.0)
    return t, c


def _iv_spike(hours: float) -> tuple[np.ndarray, np.ndarray]:
    # bolus every 24 h, 2000 nM, t1/2 2 h, knots every 15 min
    t = np.arange(0.0, hours + 1e-9, 0.25)
    c = np.zeros_like(t)
    for d in np.arange(0.0, hours, 24.0):
        c += np.where(t >= d, 2000 * np.exp(-np.log(2) / 2 * (t - d)), 0.0)
    return t, c


INTERMITTENT = ([0, 0.5, 8, 8.5, 24, 24.5, 32, 32.5, 36.0], [0, 300, 300, 0, 0, 300, 300, 0, 0])


@pytest.mark.parametrize(
    ("drug", "profile"),
    [
        ("vistusertib", _oral_bid(36.0)),
        ("everolimus", (_oral_bid(36.0)[0], _oral_bid(36.0)[1] / 20)),
        ("gedatolisib", _iv_spike(36.0)),
        ("vistusertib", INTERMITTENT),
    ],
)
def test_fast_path_matches_exact_forcing(net, drug, profile):
    # accuracy bar: 0.1 percentage point (1e-3 of the untreated 100 %) at every output time
    fast = net.simulate({drug: profile}, t_end=36.0, dt=0.5)
    exact = net.simulate({drug: profile}, t_end=36.0, dt=0.5, exact=True)
    a, b = fast.readouts.to_numpy(), exact.readouts.to_numpy()
    assert np.array_equal(a[:, 0], b[:, 0])
    np.testing.assert_allclose(a[:, 1:], b[:, 1:], rtol=0, atol=0.1)
    # the drug does something, so the comparison is not between two flat lines
    assert np.ptp(b[:, 1:], axis=0).max() > 10.0
    lean = net.readouts_at([(drug, profile)], 36.0)
    np.testing.assert_allclose(lean, a[-1, 1:], rtol=0, atol=0.1)


def test_tolerance_is_restored_after_a_profile_run(net):
    net.readouts_at([("vistusertib", INTERMITTENT)], 36.0)
    assert net.engine.rr.integrator.relative_tolerance == _RTOL


def test_only_collinear_knots_are_dropped():
    # 0 -> 2 rising by 1 per hour, then flat: the kink is at t = 2 only
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    c = np.array([0.0, 1.0, 2.0, 2.0, 2.0])
    bounds, slots = _segments({"m": (t, c)}, 4.0, exact=False)
    assert bounds == [0.0, 2.0, 4.0]
    assert slots["m"][0].tolist() == [0.0, 2.0]
    assert slots["m"][1].tolist() == [1.0, 0.0]
    bounds, _ = _segments({"m": (t, c)}, 4.0, exact=True)
    assert bounds == [0.0, 1.0, 2.0, 3.0, 4.0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.01, 5.0), st.sampled_from([0.0, 1.0, 2.5, 10.0])),
        min_size=2,
        max_size=12,
    ),
    st.floats(0.5, 40.0),
)
def test_segments_reproduce_the_input(steps, t_end):
    # repeated values make collinear (flat) runs; the segments must still give back the
    # piecewise-linear input at every time, and keep every kink
    t = np.cumsum([0.0, *(s for s, _ in steps[1:])])
    c = np.array([v for _, v in steps])
    bounds, slots = _segments({"m": (t, c)}, t_end, exact=False)
    c0, sl = slots["m"]
    grid = np.linspace(0.0, t_end, 301)
    k = np.clip(np.searchsorted(bounds, grid, side="right") - 1, 0, len(bounds) - 2)
    rebuilt = c0[k] + sl[k] * (grid - np.asarray(bounds)[k])
    np.testing.assert_allclose(rebuilt, np.interp(grid, t, c), rtol=1e-9, atol=1e-9)
    kinks = [
        x
        for x, s in zip(t[1:-1], np.diff(np.diff(c) / np.diff(t)), strict=True)
        if abs(s) > 1e-6 and 0 < x < t_end
    ]
    assert set(kinks) <= set(bounds)
