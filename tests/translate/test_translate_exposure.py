"""Exposure link: PK identical to kinetor.pk alone; seed 000 Cmax range; free conversion."""

import math

import numpy as np
import pytest

from kinetor.pk import OneCompartment, Regimen, simulate
from kinetor.translate import run_study
from kinetor.translate.exposure import POST_DOSE_OFFSETS, pk_seed, time_grid

MW = 462.554


def test_time_grid_hourly_plus_post_dose():
    g = time_grid(days=2, dose_times=[0.0, 24.0], dt=1.0)
    assert g[0] == 0.0 and g[-1] == 48.0
    for dose in (0.0, 24.0):
        for off in POST_DOSE_OFFSETS:
            assert np.any(np.isclose(g, round(dose + off, 4)))
    assert np.all(np.diff(g) > 0)
    # 49 hourly points + the offsets not on the hour (1/12, 1/6, .25, .5, .75, 1.25, 1.5,
    # 2.5 h: 8 per dose)
    assert g.size == 49 + 2 * 8


def test_study_pk_is_the_pk_module_alone():
    res = run_study(
        "vistusertib",
        "mouse",
        "MCF7",
        "15 mg/kg PO QD x 7 days",
        n_animals=6,
        seed=3,
        pathway_mode="quasi-steady",
    )
    # the library set, written out by hand (docs/compounds.md), and the documented stream
    model = OneCompartment(cl="0.2284 L/h/kg", v="1.318 L/kg", ka="2 1/h", f=0.29)
    sim = simulate(
        model,
        Regimen.parse("15 mg/kg PO QD x 7 days"),
        res.times,
        n_subjects=6,
        variability={"cl": 0.30, "v": 0.20},
        seed=np.random.default_rng([3, 1, 0, 0]),
        weight=0.025,
    )
    got = res.results[1].exposure.conc["vistusertib"]
    assert np.array_equal(got, sim.conc)
    assert pk_seed(3, 1, 0).random() == np.random.default_rng([3, 1, 0, 0]).random()
    pk = res.pk
    assert pk.attrs["units"]["conc"] == "ng/mL" and pk.attrs["units"]["free_conc"] == "nM"
    # free = fu x C x 1000 / MW (fu 0.05)
    np.testing.assert_allclose(pk["free_conc"], pk["conc"] * 0.05 * 1000 / MW, rtol=1e-12)
    assert set(pk["arm"]) == {res.arms[1].name}


@pytest.mark.parametrize(("dose", "expected_um"), [(7.5, 2.8288), (15.0, 5.6577)])
def test_mouse_cmax_matches_seed000_range(dose, expected_um):
    # Hand calculation, 1-cmt oral: k = 0.2284/1.318 = 0.173293 /h, ka = 2 /h,
    # tmax = ln(ka/k)/(ka-k) = 2.44592/1.826707 = 1.33898 h,
    # Cmax = F D/V ka/(ka-k) (e^-k tmax - e^-ka tmax) = 0.29 x 15/1.318 mg/L x 1.094867 x
    # (0.792921 - 0.068703) = 2.61700 mg/L at 15 mg/kg = 2617.0/462.554 uM = 5.6577 uM
    # (half at 7.5 mg/kg). Seed 000: 1-16 uM at 7.5-15 mg/kg.
    res = run_study(
        "vistusertib",
        "mouse",
        "MCF7",
        f"{dose} mg/kg PO QD x 7 days",
        n_animals=1,
        pk_variability=None,
        tumor_growth=False,
    )
    c = res.results[1].exposure.conc["vistusertib"][0]
    day0 = res.times <= 24.0
    cmax_um = c[day0].max() / MW
    assert cmax_um == pytest.approx(expected_um, rel=0.01)  # grid points 1.25/1.5 h
    assert 1.0 <= cmax_um <= 16.0
    pop = run_study(
        "vistusertib",
        "mouse",
        "MCF7",
        f"{dose} mg/kg PO QD x 7 days",
        n_animals=200,
        seed=1,
        tumor_growth=False,
    )
    cm = pop.results[1].exposure.conc["vistusertib"][:, day0].max(axis=1) / MW
    assert np.mean((cm >= 1.0) & (cm <= 16.0)) >= 0.95


def test_tumour_exposure_uses_kp_uu():
    kw = {"n_animals": 2, "seed": 0, "tumor_growth": False}
    p = run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 3 days", **kw)
    t = run_study(
        "vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 3 days", exposure="tumor", kp_uu=0.5, **kw
    )
    fp, ft = p.results[1].exposure, t.results[1].exposure
    np.testing.assert_array_equal(fp.conc["vistusertib"], ft.conc["vistusertib"])
    np.testing.assert_allclose(ft.site["vistusertib"], 0.5 * fp.free["vistusertib"])
    # lower site concentration: less inhibition of p-S6 at every time
    j = p.readout_names.index("pS6_S235_236")
    name = p.arms[1].name
    assert np.all(t.readout_array(name)[..., j] >= p.readout_array(name)[..., j] - 1e-9)
    assert math.isclose(t.settings["kp_uu"], 0.5)


def test_exact_courses_match_the_tabulated_site_concentrations():
    res = run_study(
        "vistusertib",
        "mouse",
        "MCF7",
        "15 mg/kg PO BID x 2 days",
        n_animals=3,
        seed=4,
        exposure="tumor",
        kp_uu=0.5,
        tumor_growth=False,
        pathway_mode="dynamic",
    )  # courses are built for the dynamic mode
    ex = res.results[1].exposure
    courses = ex.courses["vistusertib"]
    assert len(courses) == 3 and all(c.unit == "nM" for c in courses)
    for i, c in enumerate(courses):
        np.testing.assert_allclose(
            c(res.times),
            ex.site["vistusertib"][i],
            rtol=1e-12,
            atol=1e-12 * ex.site["vistusertib"][i].max(),
        )
        assert c.start.size == 4  # one piece per dose: the dynamic mode restarts only there


def test_nonlinear_pk_has_no_exact_course():
    from kinetor.pk import MichaelisMentenOral
    from kinetor.translate.arms import DrugModel
    from kinetor.translate.exposure import site_courses

    mm = MichaelisMentenOral(vmax="1 mg/h/kg", km="1 mg/L", v1="1 L/kg", ka="1 1/h")
    dm = DrugModel(compound="x", model=mm, fu=0.1, mw=400.0, drug=None)
    assert site_courses(dm, Regimen.parse("10 mg/kg PO single"), None, 0.025, 1.0) is None
