"""Array kernels on hand-made inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kinetor.nca import _kernels as K


def test_log_trapezoid_is_the_exact_integral_of_an_exponential():
    # C = 8 exp(-0.3 (t - 2)) on [2, 5]: AUC = 8/0.3 (1 - e^-0.9);
    # AUMC = integral t C dt = 8 [ (2/k + 1/k^2) - e^-0.9 (5/k + 1/k^2) ], k = 0.3
    k, c1 = 0.3, 8.0
    c2 = c1 * math.exp(-k * 3)
    auc, aumc = K.trapezoid(
        np.array(2.0), np.array(c1), np.array(5.0), np.array(c2), np.array(True)
    )
    assert float(auc) == pytest.approx(c1 / k * (1 - math.exp(-0.9)), rel=1e-13)
    exact_m = c1 * ((2 / k + 1 / k**2) - math.exp(-0.9) * (5 / k + 1 / k**2))
    assert float(aumc) == pytest.approx(exact_m, rel=1e-13)
    lin, lin_m = K.trapezoid(
        np.array(2.0), np.array(4.0), np.array(5.0), np.array(1.0), np.array(False)
    )
    assert (float(lin), float(lin_m)) == (3 * 5 / 2, 3 * (8 + 5) / 2)


def test_log_segments_by_method():
    T = np.array([[0.0, 1, 2, 3, 4, 5]])
    C = np.array([[0.0, 4, 2, 3, 3, 0]])
    assert K.log_segments(T, C, "linear").tolist() == [[False] * 5]
    # log only where falling and both > 0: 4->2 yes, 3->0 no (zero end)
    assert K.log_segments(T, C, "lin-up/log-down").tolist() == [[False, True, False, False, False]]
    # lin-log from Tmax (t=1): 4->2, 2->3 (rising), 3->3 equal no, 3->0 zero no
    assert K.log_segments(T, C, "lin-log", t_peak=np.array([1.0])).tolist() == [
        [False, True, True, False, False]
    ]


def test_back_extrapolated_c0():
    T = np.array([[1.0, 2, 4], [1.0, 2, 4], [0.0, 1, 2], [1.0, np.nan, np.nan], [1.0, 2, 4]])
    C = np.array([[8.0, 4, 2], [4.0, 8, 2], [5.0, 4, 2], [3.0, np.nan, np.nan], [0.0, 4, 2]])
    n = np.array([3, 3, 3, 1, 3])
    # 8 -> 4 over 1 h: C0 = 8 * 2 = 16; rising: first value; sample at 0: itself;
    # a single sample: itself; a zero first value: the first value > 0 (as NonCompart reads Phoenix)
    assert K.back_extrapolate_c0(T, C, n).tolist() == pytest.approx([16.0, 4.0, 5.0, 3.0, 4.0])


def test_fit_status_codes():
    T = np.array([[0.0, 1, 2, 3], [0.0, 1, 2, 3], [0.0, 1, 2, 3]])
    C = np.array([[0.0, 4, 2, 1], [0.0, 4, 4, 4], [0.0, 4, 2, np.nan]])
    fit = K.fit_lambda_z(T, C, T >= 1)
    # row 0: ln C falls by ln 2 per hour exactly; row 1: flat (no regression defined);
    # row 2: two points only
    assert fit["status"].tolist() == [0, 2, 1]
    assert fit["lamz"][0] == pytest.approx(math.log(2), rel=1e-12)
    assert fit["intercept"][0] == pytest.approx(math.log(8), rel=1e-12)
    assert fit["used"][0].tolist() == [False, True, True, True]


def test_area_to_inside_at_and_beyond():
    T = np.array([[0.0, 1, 2, 4]])
    C = np.array([[0.0, 4, 2, 1]])
    use_log = K.log_segments(T, C, "lin-up/log-down")
    a, m = K.segment_areas(T, C, use_log)
    acum = np.hstack([[[0.0]], np.cumsum(a, axis=1)])
    mcum = np.hstack([[[0.0]], np.cumsum(m, axis=1)])
    lz, cp, tl = np.array([math.log(2) / 2]), np.array([1.0]), np.array([4.0])

    def at(t):
        return K.area_to(np.array([t]), T, C, acum, mcum, use_log, lz, cp, tl)

    assert at(2.0)[0][0] == pytest.approx(2 + 2 / math.log(2), rel=1e-12)  # on a sample
    # t = 0.5 on the rising segment: linear, C* = 2, area 0.5*2/2
    assert at(0.5)[0][0] == pytest.approx(0.5, rel=1e-12)
    # t = 6 beyond Tlast: C* = 1 * exp(-ln2/2 * 2) = 0.5; area 2*(1-0.5)/ln 2
    full = 2 + 2 / math.log(2) + 2 * 1 / math.log(2)
    assert at(6.0)[0][0] == pytest.approx(full + 2 * 0.5 / math.log(2), rel=1e-12)
    assert at(-1.0)[2][0] == 1 and np.isnan(at(-1.0)[0][0])
    no_lz = K.area_to(
        np.array([6.0]), T, C, acum, mcum, use_log, np.array([np.nan]), np.array([np.nan]), tl
    )
    assert no_lz[2][0] == 2 and np.isnan(no_lz[0][0])


def test_log_trapezoid_is_stable_for_nearly_equal_concentrations():
    # found by hypothesis: C1 = 100 (1 + 1e-10), C2 = 100 lost 40 % of the area when
    # ln(C2/C1) was taken of the rounded ratio. The exact integral is ~ the flat one:
    # AUC = 12 * 100, AUMC = 100 * (24^2 - 12^2)/2 = 21600 (to ~1e-10 relative)
    auc, aumc = K.trapezoid(
        np.array(12.0), np.array(100 * (1 + 1e-10)), np.array(24.0), np.array(100.0), np.array(True)
    )
    assert float(auc) == pytest.approx(1200.0, rel=1e-9)
    assert float(aumc) == pytest.approx(21600.0, rel=1e-9)
    # the small-L series and the direct form agree where they meet (|L| = 0.01)
    for c2 in (8.0 * math.exp(0.0100001), 8.0 * math.exp(-0.0100001), 8.0 * math.exp(0.0099999)):
        k = math.log(8.0 / c2) / 3
        exact = 8.0 * ((2 / k + 1 / k**2) - (c2 / 8.0) * (5 / k + 1 / k**2))
        _, m = K.trapezoid(
            np.array(2.0), np.array(8.0), np.array(5.0), np.array(c2), np.array(True)
        )
        assert float(m) == pytest.approx(exact, rel=1e-9)


def test_running_sums_are_numpys_bit_for_bit():
    # the column-at-a-time running sums make the same additions in the same order as
    # np.cumsum along the rows: identical bits, NaN padding and -0.0 included
    rng = np.random.default_rng(7)
    a = rng.normal(size=(50, 9)) * 10.0 ** rng.integers(-8, 8, size=(50, 9))
    a[rng.random(a.shape) < 0.2] = np.nan
    a[rng.random(a.shape) < 0.1] = -0.0
    fwd = np.cumsum(a, axis=1)
    rev = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
    assert np.array_equal(K.cum_rows(a).view(np.int64), fwd.view(np.int64))
    assert np.array_equal(K._rev_cumsum(a).view(np.int64), np.ascontiguousarray(rev).view(np.int64))
    for shape in ((0, 4), (3, 0), (3, 1)):
        e = np.ones(shape)
        assert K.cum_rows(e).shape == shape and np.array_equal(K.cum_rows(e), np.cumsum(e, axis=1))


def test_lambda_z_slope_of_a_known_line():
    # ln C = ln 8 - 0.25 t on t = 2, 4, 8: the fit over the last 3 points is exact
    T = np.array([[0.0, 1.0, 2.0, 4.0, 8.0]])
    C = np.array([[0.0, 9.0, 8 * math.exp(-0.5), 8 * math.exp(-1.0), 8 * math.exp(-2.0)]])
    cand = np.array([[False, False, True, True, True]])
    fit = K.fit_lambda_z(T, C, cand)
    assert fit["lamz"][0] == pytest.approx(0.25, rel=1e-12)
    assert fit["intercept"][0] == pytest.approx(math.log(8.0), rel=1e-12)
    assert fit["npt"][0] == 3 and fit["used"].tolist() == cand.tolist()
