"""Calibration fits: coefficients solved by hand from the weighted normal equations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetor.bioanalysis import fit_calibration, normalise_weighting
from kinetor.errors import KinetorError


def test_linear_weight_1_over_x_by_hand():
    # x = 1, 2, 4; y = 1.1, 1.9, 4.2; w = 1/x = 1, 0.5, 0.25
    # Sw = 1.75, Swx = 3, Swx2 = 7, Swy = 1.1 + 0.95 + 1.05 = 3.1, Swxy = 7.2
    # b = (Sw*Swxy - Swx*Swy) / (Sw*Swx2 - Swx^2) = (12.6 - 9.3) / (12.25 - 9) = 66/65
    # a = (Swy - b*Swx) / Sw = (3.1 - 198/65) / 1.75 = 2/65
    cal = fit_calibration([1, 2, 4], [1.1, 1.9, 4.2], weighting="1/x")
    assert cal.intercept == pytest.approx(2 / 65, rel=1e-12)
    assert cal.slope == pytest.approx(66 / 65, rel=1e-12)
    # residuals 3.5/65, -10.5/65, 7/65 -> SSres_w = (12.25 + 0.5*110.25 + 0.25*49)/4225
    # SStot_w = Swy2 - Swy^2/Sw = (1.21 + 1.805 + 4.41) - 9.61/1.75
    r2 = 1 - (79.625 / 4225) / (7.425 - 9.61 / 1.75)
    assert cal.r2 == pytest.approx(r2, rel=1e-12)
    # back-calculated x=1 standard: (1.1 - 2/65) / (66/65) = 69.5/66 -> 105.30 %
    assert float(cal.back_calculate(1.1)) == pytest.approx(69.5 / 66, rel=1e-12)


def test_linear_unweighted_by_hand():
    # x = 1, 2, 3; y = 2, 4.5, 5.5: Sx = 6, Sy = 12, Sxx = 14, Sxy = 27.5, n = 3
    # b = (3*27.5 - 6*12)/(3*14 - 36) = 1.75; a = (12 - 10.5)/3 = 0.5
    # fitted 2.25, 4.0, 5.75; SSres = 0.375; SStot = 6.5
    cal = fit_calibration([1, 2, 3], [2.0, 4.5, 5.5], weighting="1")
    assert cal.coef == pytest.approx((0.5, 1.75), rel=1e-12)
    assert cal.r2 == pytest.approx(1 - 0.375 / 6.5, rel=1e-12)


def test_linear_weight_1_over_x2_by_hand():
    # x = 1, 2, 4; y = 1.0, 2.2, 3.6; w = 1, 1/4, 1/16
    # Sw = 1.3125, Swx = 1.75, Swx2 = 3, Swy = 1.775, Swxy = 1 + 1.1 + 0.9 = 3.0
    # det = 3.9375 - 3.0625 = 0.875; b = (3.9375 - 3.10625)/0.875 = 0.95
    # a = (1.775 - 0.95*1.75)/1.3125 = 0.1125/1.3125 = 3/35
    cal = fit_calibration([1, 2, 4], [1.0, 2.2, 3.6], weighting="1/x^2")
    assert cal.slope == pytest.approx(0.95, rel=1e-12)
    assert cal.intercept == pytest.approx(3 / 35, rel=1e-12)
    # standard at 4: (3.6 - 3/35)/0.95 = 3.69925 -> accuracy 92.48 %
    assert float(cal.back_calculate(3.6)) == pytest.approx((3.6 - 3 / 35) / 0.95, rel=1e-12)


def test_quadratic_exact_data_and_correct_root():
    # y = 0.1 + 2x - 0.05x^2 is exact at every point: every weighting returns it
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    y = 0.1 + 2 * x - 0.05 * x**2
    for w in ("1", "1/x", "1/x^2"):
        cal = fit_calibration(x, y, model="quadratic", weighting=w)
        assert cal.coef == pytest.approx((0.1, 2.0, -0.05), abs=1e-10)
        assert cal.ok
    # y = 5.65: 0.05x^2 - 2x + 5.55 = 0, D = 4 - 1.11 = 2.89, roots (2 -+ 1.7)/0.1 = 3, 37
    # the curve rises on the calibrated range, so the root is 3, not 37
    assert float(cal.back_calculate(5.65)) == pytest.approx(3.0, abs=1e-12)
    # beyond the vertex (max y = f(20) = 20.1) there is no real root
    assert math.isnan(float(cal.back_calculate(25.0)))


def test_quadratic_with_positive_curvature_takes_rising_root():
    # y = 1 + 0.5x + 0.1x^2, x in 1..5 (vertex at -2.5, outside): y(2) = 2.4
    # 0.1x^2 + 0.5x - 1.4 = 0 -> x = (-0.5 +- sqrt(0.25 + 0.56))/0.2 = (-0.5 +- 0.9)/0.2
    # -> 2 or -7; the rising-branch root is 2
    x = np.arange(1.0, 6.0)
    cal = fit_calibration(x, 1 + 0.5 * x + 0.1 * x**2, model="quadratic", weighting="1")
    assert float(cal.back_calculate(2.4)) == pytest.approx(2.0, abs=1e-12)


def test_weighted_quadratic_satisfies_normal_equations():
    # optimality, independent of how it is solved: X^T W (y - X beta) = 0
    x = np.array([1, 2, 5, 10, 20, 50, 100.0])
    y = np.array([0.011, 0.019, 0.052, 0.098, 0.205, 0.48, 0.93])
    cal = fit_calibration(x, y, model="quadratic", weighting="1/x^2")
    design = np.vander(x, 3, increasing=True)
    grad = design.T @ ((1 / x**2) * (y - design @ np.array(cal.coef)))
    assert np.abs(grad).max() < 1e-9 * np.abs(design.T @ ((1 / x**2) * y)).max()


def test_too_few_points_gives_reason_not_exception():
    cal = fit_calibration([1, 2], [0.1, 0.2])
    assert not cal.ok and "at least 3" in cal.reason
    assert all(math.isnan(v) for v in cal.coef)
    assert np.isnan(cal.back_calculate([0.1])).all()


def test_decreasing_curve_is_flagged():
    cal = fit_calibration([1, 2, 3, 4], [4.0, 3.0, 2.0, 1.0], weighting="1")
    assert not cal.ok and "does not increase" in cal.reason


def test_quadratic_turning_inside_range_is_flagged():
    x = np.arange(1.0, 8.0)
    cal = fit_calibration(x, 2 * x - 0.2 * x**2, model="quadratic", weighting="1")
    # vertex at 2 / 0.4 = 5, inside 1..7
    assert not cal.ok and "turns at x = 5" in cal.reason


def test_weighting_names():
    assert normalise_weighting("1/X^2") == "1/x^2"
    assert normalise_weighting("1/x") == "1/x"
    with pytest.raises(KinetorError, match="unknown weighting"):
        normalise_weighting("1/y")
    with pytest.raises(KinetorError, match="unknown calibration model"):
        fit_calibration([1, 2, 3], [1, 2, 3], model="cubic")


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(-0.01, 0.01),
    b=st.floats(1e-3, 10),
    c=st.floats(-1e-6, 1e-6),
    frac=st.floats(0.0, 1.0),
)
def test_back_calculate_inverts_predict(a, b, c, frac):
    # on exact data over 1..1000 the fit is the curve, and back-calculation its inverse
    x = np.array([1, 2, 5, 10, 50, 100, 500, 1000.0])
    cal = fit_calibration(x, a + b * x + c * x**2, model="quadratic", weighting="1/x^2")
    if not cal.ok:  # a curve that turns inside the range is not invertible there
        return
    x0 = 1 + frac * 999
    assert float(cal.back_calculate(cal.predict(x0))) == pytest.approx(x0, rel=1e-7)
