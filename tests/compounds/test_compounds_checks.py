"""The consistency checker on hand-built good and bad entries, and on the library."""

from __future__ import annotations

import math

from compounds_testlib import make, nca
from hypothesis import given, settings
from hypothesis import strategies as st

import kinetor.compounds as kc


def checks(c):
    return [f["check"] for f in kc.check_compound(c)]


# -- AUC vs Cmax and half-life ---------------------------------------------------------
# bound: AUC/Cmax <= e * t1/2 / ln2; t1/2 = 4 h -> 2.718282 * 4 / 0.693147 = 15.687 h


def test_auc_just_below_bound_passes():
    c = make(
        nca(
            cmax='value = 1, unit = "uM"',
            auc='value = 15.6, unit = "uM*h"',
            t_half='value = 4, unit = "h"',
        )
    )
    assert "auc_vs_cmax_half_life" not in checks(c)


def test_auc_just_above_bound_is_flagged():
    c = make(
        nca(
            cmax='value = 1, unit = "uM"',
            auc='value = 15.8, unit = "uM*h"',
            t_half='value = 4, unit = "h"',
        )
    )
    assert checks(c) == ["auc_vs_cmax_half_life"]


def test_auc_check_converts_units():
    # Cmax 462.554 ng/mL = 1 uM (MW 462.554); AUC 20 uM*h -> ratio 20 h > 15.69 h
    header_mw = """
[identity]
mw = { value = 462.554, unit = "g/mol", source = "t", status = "firm" }
"""
    c = make(
        header_mw
        + nca(
            cmax='value = 462.554, unit = "ng/mL"',
            auc='value = 20, unit = "uM*h"',
            t_half='value = 240, unit = "min"',
        )
    )
    assert "auc_vs_cmax_half_life" in checks(c)


def test_seed000_style_ranges_pair_by_dose():
    # Cmax 1-16 uM, AUC 220-5042 uM*h over 7.5-15 mg/kg, rat t1/2 4 h:
    # ratios 220/1 = 220 h and 5042/16 = 315 h, both > 15.69 h
    c = make(
        nca(species="rat", t_half='value = 4, unit = "h"')
        + nca(
            dose='low = 7.5, high = 15, unit = "mg/kg"',
            cmax='low = 1, high = 16, unit = "uM"',
            auc='low = 220, high = 5042, unit = "uM*h"',
        )
    )
    found = [f for f in kc.check_compound(c) if f["check"] == "auc_vs_cmax_half_life"]
    assert len(found) == 1
    assert "220 h and 315 h" in found[0]["finding"]
    assert "cross-species" in found[0]["finding"]


def test_library_flags_seed000_vistusertib_auc():
    f = kc.check_library()
    row = f[(f.compound == "vistusertib") & (f.check == "auc_vs_cmax_half_life")]
    assert len(row) == 1 and row.iloc[0]["severity"] == "inconsistent"
    # the stated values are kept, not corrected
    pk = next(s for s in kc.get("vistusertib").pk if "auc" in s.parameters)
    assert pk.parameters["auc"].range() == (220.0, 5042.0)


@settings(max_examples=60, deadline=None)
@given(ka=st.floats(0.05, 20), k=st.floats(0.01, 5), dose=st.floats(0.1, 100), v=st.floats(0.1, 50))
def test_profiles_from_a_linear_oral_model_are_never_flagged(ka, k, dose, v):
    if abs(ka - k) < 1e-3 * max(ka, k):
        return
    tmax = math.log(ka / k) / (ka - k)
    cmax = dose / v * ka / (ka - k) * (math.exp(-k * tmax) - math.exp(-ka * tmax))
    auc = dose / (v * k)
    t_half = math.log(2) / min(ka, k)  # the observed terminal half-life
    c = make(
        nca(
            cmax=f'value = {cmax!r}, unit = "mg/L"',
            auc=f'value = {auc!r}, unit = "mg*h/L"',
            t_half=f'value = {t_half * 1.0001!r}, unit = "h"',
        )
    )
    assert "auc_vs_cmax_half_life" not in checks(c)


# -- bioavailability, fu, potency units -----------------------------------------------


def test_f_above_100_percent_is_flagged_and_kept():
    c = make(nca(f='value = 125, unit = "%"'))
    assert checks(c) == ["f_above_100"]
    assert c.pk[0].parameters["f"].central == 125.0


def test_f_29_percent_passes():
    assert checks(make(nca(f='value = 29, unit = "%"'))) == []


def _fu(value):
    return make(f"""
[[binding]]
species = "human"
fu = {{ value = {value}, unit = "1", source = "t", status = "firm" }}
""")


def test_fu_outside_0_1_is_flagged():
    assert checks(_fu(1.2)) == ["fu_range"]
    assert checks(_fu(0)) == ["fu_range"]
    assert checks(_fu(0.05)) == []
    assert checks(_fu(1)) == []


def _potency(unit):
    return make(f'''
[[potency]]
target = "mTOR"
measure = "IC50"
value = 3
unit = "{unit}"
assay = "enzyme"
source = "t"
status = "firm"
''')


def test_potency_unit_must_be_a_concentration():
    assert checks(_potency("mg/kg")) == ["potency_unit"]
    assert checks(_potency("h")) == ["potency_unit"]
    assert checks(_potency("ng/mL")) == []
    assert checks(_potency("uM")) == []


# -- dose, half-life vs CL/V, units, model sets, formula -------------------------------


def test_cmax_falling_with_dose_is_flagged():
    c = make(
        nca(dose='value = 10, unit = "mg/kg"', cmax='value = 5, unit = "uM"')
        + nca(dose='value = 20, unit = "mg/kg"', cmax='value = 2, unit = "uM"')
    )
    assert checks(c) == ["cmax_vs_dose"]


def test_cmax_rising_with_dose_passes():
    c = make(
        nca(dose='value = 10, unit = "mg/kg"', cmax='value = 5, unit = "uM"')
        + nca(dose='value = 20, unit = "mg/kg"', cmax='value = 9, unit = "uM"')
    )
    assert checks(c) == []


def test_cmax_range_far_beyond_dose_range_is_a_note():
    c = make(
        nca(dose='low = 7.5, high = 15, unit = "mg/kg"', cmax='low = 1, high = 16, unit = "uM"')
    )
    f = kc.check_compound(c)
    assert [x["check"] for x in f] == ["dose_proportionality"]
    assert f[0]["severity"] == "note" and "16-fold over a 2-fold" in f[0]["finding"]


def test_half_life_inconsistent_with_cl_and_vz_is_flagged():
    # ln2 * 2 L/kg / 1 L/h/kg = 1.386 h vs stated 4 h: ratio 2.9 > 1.25
    c = make(
        nca(
            t_half='value = 4, unit = "h"',
            cl='value = 1, unit = "L/h/kg"',
            vz='value = 2, unit = "L/kg"',
        )
    )
    assert checks(c) == ["half_life_vs_cl_v"]


def test_half_life_consistent_with_cl_and_vz_passes():
    # ln2 * 5.77 / 1 = 4.0 h; also CL in mL/min/kg: 16.667 mL/min/kg = 1 L/h/kg
    c = make(
        nca(
            t_half='value = 4, unit = "h"',
            cl='value = 16.667, unit = "mL/min/kg"',
            vz='value = 5.77, unit = "L/kg"',
        )
    )
    assert checks(c) == []


def test_units_that_do_not_add_up_are_flagged():
    c = make(
        nca(
            auc='value = 3, unit = "uM"',
            cl='value = 2, unit = "mg/h"',
            tmax='value = 1, unit = "L"',
        )
    )
    assert sorted(checks(c)) == ["units", "units", "units"]


def test_incomplete_model_set_is_flagged():
    c = make("""
[[pk]]
species = "mouse"
route = "oral"
kind = "model"
model = "1cmt"
source = "t"
status = "firm"
[pk.parameters]
cl = { value = 1, unit = "L/h/kg" }
v = { value = 2, unit = "L/kg" }
""")
    f = kc.check_compound(c)
    assert [x["check"] for x in f] == ["model_incomplete"]
    assert "ka, f" in f[0]["finding"]


def test_mw_must_match_formula():
    ok = make("""
[identity]
formula = { value = "C25H30N6O3", source = "t", status = "firm" }
mw = { value = 462.554, unit = "g/mol", source = "t", status = "firm" }
""")
    assert checks(ok) == []
    bad = make("""
[identity]
formula = { value = "C25H30N6O3", source = "t", status = "firm" }
mw = { value = 500, unit = "g/mol", source = "t", status = "firm" }
""")
    assert checks(bad) == ["mw_vs_formula"]


def test_formula_weight_by_hand():
    # C17H11N5: 17*12.011 + 11*1.008 + 5*14.007 = 204.187 + 11.088 + 70.035 = 285.31
    assert kc.formula_weight("C17H11N5") == __import__("pytest").approx(285.31, abs=1e-3)


def test_library_findings_table_shape():
    f = kc.check_library()
    assert list(f.columns) == [
        "compound",
        "file",
        "check",
        "severity",
        "field",
        "stated",
        "finding",
    ]
    assert set(f.severity) <= {"inconsistent", "implausible", "unit", "incomplete", "note"}
    # apitolisib: Salphati 2012 reports dog F 125%; kept and flagged
    assert ((f.compound == "apitolisib") & (f.check == "f_above_100")).any()
