"""Unit layer: parsing, conversions (hand-checked factors) and properties."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinetor import units
from kinetor.errors import UnitError


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("15 mg/kg", 15.0, "mg/kg"),
        ("10 nM", 10.0, "nM"),
        ("2 days", 2.0, "day"),
        ("125 mg", 125.0, "mg"),
        ("5 mg/m2", 5.0, "mg/m^2"),
        ("1.5 umol/kg", 1.5, "umol/kg"),
        ("0.5 h", 0.5, "h"),
        ("30 min", 30.0, "min"),
        ("2 HOURS", 2.0, "h"),
        ("4 mcg/mL", 4.0, "ug/mL"),
        ("1e3 ng/mL", 1000.0, "ng/mL"),
    ],
)
def test_parse_quantity(text, value, unit):
    q = units.parse_quantity(text)
    assert q.magnitude == value
    assert units.format_unit(q.units) == unit


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (1.0, "ug/mL", "ng/mL", 1000.0),  # 1 ug/mL = 1000 ng/mL
        (1.0, "ug/mL", "mg/L", 1.0),  # identical units
        (1.0, "uM", "nM", 1000.0),
        (2.0, "h", "min", 120.0),
        (1.0, "day", "h", 24.0),
        (3.0, "L/kg", "mL/g", 3.0),
        (1.0, "mL/min/kg", "L/h/kg", 0.06),  # 1 mL/min = 60 mL/h = 0.06 L/h
    ],
)
def test_convert_known_factors(value, src, dst, expected):
    assert units.convert(value, src, dst) == pytest.approx(expected, rel=1e-12)


def test_h_is_hour_not_planck():
    assert units.convert(1.0, "h", "s") == pytest.approx(3600.0)


def test_molar_conversion_by_hand():
    # hand arithmetic for a compound of MW 397.47 g/mol:
    # 397.47 ng/mL = 397.47e-9 g / 1e-3 L = 3.9747e-4 g/L -> / 397.47 g/mol = 1e-6 mol/L = 1 uM
    assert units.to_molar(397.47, "ng/mL", mw=397.47, to="uM") == pytest.approx(1.0)
    assert units.to_mass(1.0, "uM", mw=397.47, to="ng/mL") == pytest.approx(397.47)
    # dose: 1 umol/kg of MW 500 = 0.5 mg/kg
    assert units.convert(1.0, "umol/kg", "mg/kg", mw=500.0) == pytest.approx(0.5)


def test_molar_without_mw_is_an_error():
    with pytest.raises(UnitError, match="molecular weight"):
        units.convert(1.0, "ng/mL", "nM")


@pytest.mark.parametrize("bad", ["blorp/mL", "ngg/mL", "", "mg/kilo-blah"])
def test_unknown_units(bad):
    with pytest.raises(UnitError):
        units.parse_unit(bad)


def test_incompatible_units():
    with pytest.raises(UnitError, match="dimensions differ"):
        units.convert(1.0, "ng/mL", "h")


def test_bare_number_needs_a_unit():
    with pytest.raises(UnitError, match="has no unit"):
        units.parse_quantity("15")
    assert units.parse_quantity(15, default_unit="mg").magnitude == 15


finite = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)
conc_units = st.sampled_from(["ng/mL", "ug/mL", "mg/L", "ug/L", "pg/mL", "g/L"])
molar_units = st.sampled_from(["pM", "nM", "uM", "mM", "nmol/L"])


@given(finite, conc_units, conc_units)
def test_round_trip_mass(value, a, b):
    back = units.convert(units.convert(value, a, b), b, a)
    assert math.isclose(back, value, rel_tol=1e-12)


@given(finite, conc_units, molar_units, st.floats(min_value=50, max_value=2000))
def test_round_trip_molar(value, a, b, mw):
    back = units.convert(units.convert(value, a, b, mw=mw), b, a, mw=mw)
    assert math.isclose(back, value, rel_tol=1e-12)


@given(finite, finite, conc_units, conc_units)
def test_conversion_is_linear(x, y, a, b):
    lhs = units.convert(x + y, a, b)
    rhs = units.convert(x, a, b) + units.convert(y, a, b)
    assert math.isclose(lhs, rhs, rel_tol=1e-9)


# the regimen language's dose classes read the basis from units.dose_basis (one per-kg rule)
@pytest.mark.parametrize(
    ("unit", "kind"),
    [
        ("mg", "mass"),
        ("ug", "mass"),
        ("mg/kg", "mass/kg"),
        ("g/kg", "mass/kg"),
        ("umol", "substance"),
        ("umol/kg", "substance/kg"),
        ("mg/m2", "mass/m2"),
        ("umol/m2", "substance/m2"),
        ("mg/h", "mass/h"),
        ("mg/kg/h", "mass/kg/h"),
        ("nmol/m2/h", "substance/m2/h"),
    ],
)
def test_dose_kind_agrees_with_dose_basis(unit, kind):
    from kinetor.pk._grammar import dose_kind

    assert dose_kind(units.parse_unit(unit)) == kind


@pytest.mark.parametrize("unit", ["L", "h", "mg*h"])
def test_dose_kind_refuses_non_doses(unit):
    from kinetor.errors import ModelError
    from kinetor.pk._grammar import dose_kind

    with pytest.raises(ModelError, match="is not a dose unit"):
        dose_kind(units.parse_unit(unit))


def test_format_g_is_the_compact_rule_and_format_sig_the_table_rule():
    from kinetor.numerics.formatting import format_g, format_sig

    # %g drops trailing zeros, the table rule keeps significant ones (PKNCA signif = 3)
    assert (format_g(2.0), format_sig(2.0)) == ("2", "2.00")
    assert (format_g(0.5), format_sig(0.5)) == ("0.5", "0.500")
    assert (format_g(1e7), format_sig(1e7)) == ("1e+07", "1.00e+07")
    assert (format_g(float("nan")), format_sig(float("nan"))) == ("NaN", "")


@pytest.mark.parametrize("bad", ["nm", "NM", "Nm", "pm", "PM", "UM", "MM", "Mm", "µm"])
def test_a_molar_unit_needs_its_capital_m(bad):
    # 'nm' is a nanometre and 'Mm' a megametre: never read as nanomolar or millimolar
    with pytest.raises(UnitError, match="molar units are case-sensitive"):
        units.parse_unit(bad)


def test_a_length_where_a_concentration_is_needed_says_why():
    with pytest.raises(UnitError, match="molar units are case-sensitive"):
        units.convert(1.0, "mm", "nM")
    assert units.convert(1.0, "mM", "nM") == pytest.approx(1e6)


@pytest.mark.parametrize("mw", [0, -1, float("nan"), float("inf"), "462.54", None])
def test_a_molecular_weight_must_be_a_finite_number_above_0(mw):
    with pytest.raises(UnitError, match="molecular weight"):
        units.convert(1.0, "uM", "ng/mL", mw=mw)


@pytest.mark.parametrize(
    ("value", "src", "dst", "mw", "expected"),
    [
        (1.0, "ug/mL", "ng/mL", None, 1000.0),  # exactly, as the docstring prints it
        (1.0, "uM", "ng/mL", 462.54, 462.54),
        (3.0, "mg/L", "ug/mL", None, 3.0),
        (1.0, "mL/min/kg", "L/h/kg", None, 0.06),
    ],
)
def test_exact_decimal_factors_give_exact_values(value, src, dst, mw, expected):
    assert units.convert(value, src, dst, mw=mw) == expected


def test_factors_that_are_no_short_decimal_are_kept_to_the_last_bit():
    assert units.convert(1.0, "min", "h") == 1.0 / 60.0
    assert units.convert(25.0, "degC", "K") == pytest.approx(298.15, rel=1e-12)
