"""Exact PK courses (kinetor.pk.Polyexponential) as drug inputs of the network."""

import numpy as np
import pytest
from test_pathway_network import _check_totals

from kinetor.errors import ModelError, UnitError
from kinetor.pathway import READOUTS, Drug, Network
from kinetor.pathway._engine import engine
from kinetor.pathway._model import model_text, with_exponential_inputs
from kinetor.pk import (
    OneCompartment,
    OneCompartmentOral,
    Polyexponential,
    TwoCompartmentOral,
    polyexponential,
)

MODEL = OneCompartmentOral(cl="0.35 L/h/kg", v="2 L/kg", ka="1.5 1/h", fu=0.05)
# vistusertib-like (MW 462.5 g/mol, ChEMBL extract); 15 mg/kg BID in a 25 g mouse
FREE_NM = polyexponential(
    MODEL, "15 mg/kg PO BID x 3", weight=0.025, free=True, conc_unit="nM", mw=462.5
)[0]


@pytest.fixture(scope="module")
def net():
    return Network()


def test_course_equals_a_fine_exact_tabulation(net):
    # the same course tabulated every minute and forced knot by knot (exact=True) is the
    # reference; linear interpolation error at 1 min is < 3e-4 relative for ka = 1.5 /h
    # (every 2 min it reached 0.032 points on FOXO_nuclear at 211 % once pS473 primed T308)
    t = np.arange(0.0, 36.0 + 1e-9, 1 / 60)
    ref = net.simulate({"vistusertib": (t, FREE_NM(t))}, t_end=36.0, dt=0.5, exact=True)
    res = net.simulate({"vistusertib": FREE_NM}, t_end=36.0, dt=0.5)
    a, b = res.readouts.to_numpy(), ref.readouts.to_numpy()
    np.testing.assert_allclose(a[:, 1:], b[:, 1:], rtol=0, atol=0.05)
    assert np.ptp(b[:, 1:], axis=0).max() > 20.0  # the drug moves the readouts
    exact = net.simulate({"vistusertib": FREE_NM}, t_end=36.0, dt=0.5, exact=True)
    # atol 0.02: FOXO_nuclear, 17 % nuclear at baseline, turns small absolute differences
    # into the largest percentage-point ones (measured 0.008 against the 1-min reference)
    np.testing.assert_allclose(exact.readouts.to_numpy()[:, 1:], b[:, 1:], rtol=0, atol=0.02)
    # the lean path takes other steps (no output stops): equal to the tolerance
    lean = net.readouts_at([("vistusertib", FREE_NM)], 36.0)
    np.testing.assert_allclose(lean, a[-1, 1:], rtol=0, atol=1e-4)


COURSES = {
    "everolimus 2-cmt oral QD": (
        "everolimus",
        polyexponential(
            TwoCompartmentOral(
                cl="0.3 L/h/kg", v1="1 L/kg", q="0.2 L/h/kg", v2="2 L/kg", ka="2 1/h", fu=0.1
            ),
            "5 mg/kg PO QD x 2 days",
            weight=0.025,
            free=True,
            conc_unit="nM",
            mw=958.2,
        )[0],
    ),
    "gedatolisib IV bolus q12h": (
        "gedatolisib",
        polyexponential(
            OneCompartment(cl="0.35 L/h", v="1 L"),
            "2 mg IV bolus q12h x 3",
            conc_unit="nM",
            mw=1000.0,
        )[0],
    ),
    "vistusertib 2 h infusion q8h": (
        "vistusertib",
        polyexponential(
            OneCompartment(cl="0.35 L/h", v="1 L"),
            "0.5 mg IV over 2 h q8h x 5",
            conc_unit="nM",
            mw=1000.0,
        )[0],
    ),
}


@pytest.mark.parametrize("case", list(COURSES))
def test_default_tolerance_matches_exact_on_courses(net, case):
    # default: rtol 1e-5 across the doses; exact=True: rtol 1e-7; bar 0.1 percentage point
    drug, course = COURSES[case]
    a = net.simulate({drug: course}, t_end=36.0, dt=0.5).readouts.to_numpy()
    b = net.simulate({drug: course}, t_end=36.0, dt=0.5, exact=True).readouts.to_numpy()
    np.testing.assert_allclose(a[:, 1:], b[:, 1:], rtol=0, atol=0.1)
    assert np.ptp(b[:, 1:], axis=0).max() > 20.0


def test_course_runs_conserve_protein_and_leave_nothing_behind(net):
    two = TwoCompartmentOral(
        cl="0.3 L/h/kg", v1="1 L/kg", q="0.2 L/h/kg", v2="2 L/kg", ka="2 1/h", fu=0.1
    )
    course = polyexponential(
        two, "5 mg/kg PO QD x 2", weight=0.025, free=True, conc_unit="nM", mw=450.0
    )[0]
    res = net.simulate({"everolimus": course, "trametinib": 3.0}, t_end=30.0, dt=1.0)
    _check_totals(net, res.species)
    assert res.species.drop(columns="time").to_numpy().min() > -1e-9
    # the base model (no exponential terms) runs as before, from the untreated state
    after = net.simulate(t_end=2.0)
    np.testing.assert_allclose(after.readouts[list(READOUTS)].to_numpy(), 100.0, rtol=1e-6)


def test_course_in_a_mass_unit_needs_the_drug_mw(net):
    ng = polyexponential(MODEL, "15 mg/kg PO BID x 3", weight=0.025, free=True)[0]  # ng/mL
    bare = Drug("x", "mtor_kinase", 80.0, potency="cellular")
    with pytest.raises(UnitError, match="mass concentration"):
        net.readouts_at([(bare, ng)], 6.0)
    with_mw = Drug("x", "mtor_kinase", 80.0, potency="cellular", extra={"mw": 462.5})
    nm = Drug("x", "mtor_kinase", 80.0, potency="cellular")
    np.testing.assert_allclose(
        net.readouts_at([(with_mw, ng)], 6.0),
        net.readouts_at([(nm, ng.to("nM", mw=462.5))], 6.0),
        rtol=1e-9,
    )


def test_course_must_cover_time_zero(net):
    late = Polyexponential([1.0], [10.0], [[0.0]], [0.1], "nM")
    with pytest.raises(ModelError, match="starts at 1 h"):
        net.simulate({"vistusertib": late}, t_end=2.0)


def test_exponential_input_variant():
    text = with_exponential_inputs(model_text(), {"mtor_kinase": 2, "mek": 1})
    eng = engine(text)
    assert {"a0_mtor_kinase", "r1_mtor_kinase", "a0_mek"} <= set(eng.parameter_ids)
    assert "a1_mek" not in eng.parameter_ids
    with pytest.raises(ModelError, match="no generated input rule"):
        with_exponential_inputs("model m\n  x = 1\nend\n", {"mek": 1})


def test_importing_the_pathway_does_not_load_the_pk_package():
    # scan workers import kinetor.pathway; kinetor.pk (fitting, scipy.optimize) costs ~0.5 s
    import subprocess
    import sys

    code = "import sys, kinetor.pathway.analysis; print('kinetor.pk' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_two_courses_with_different_dose_times(net):
    # the segment bounds are the union of both courses' doses; each slot re-based at each
    evero = COURSES["everolimus 2-cmt oral QD"][1]  # doses at 0, 24 h
    vist = polyexponential(
        MODEL, "15 mg/kg PO q8h x 4", weight=0.025, free=True, conc_unit="nM", mw=462.5
    )[0]  # doses at 0, 8, 16, 24 h
    t = np.arange(0.0, 30.0 + 1e-9, 1 / 30)
    ref = net.simulate(
        {"everolimus": (t, evero(t)), "vistusertib": (t, vist(t))}, t_end=30.0, dt=0.5, exact=True
    ).readouts.to_numpy()
    res = net.simulate(
        {"everolimus": evero, "vistusertib": vist}, t_end=30.0, dt=0.5, exact=True
    ).readouts.to_numpy()
    np.testing.assert_allclose(res[:, 1:], ref[:, 1:], rtol=0, atol=0.05)
