"""Population simulation: BSV, correlations, covariates, residual error, tables, units."""

import numpy as np
import pandas as pd
import pytest

import kinetor as kt
from kinetor.errors import ModelError, UnitError
from kinetor.pk import (
    OneCompartment,
    OneCompartmentOral,
    ResidualError,
    TwoCompartmentOral,
    Variability,
    simulate,
)

MODEL = TwoCompartmentOral(cl="5 L/h", v1="20 L", q="3 L/h", v2="50 L", ka="1 1/h", f=0.5)


def test_design_md_example_runs():
    reg = kt.Regimen.parse("125 mg PO BID 2 days on/5 days off x 4 weeks")
    sim = kt.simulate(
        MODEL, reg, np.arange(0, 673.0), n_subjects=50, variability={"cl": 0.3}, seed=1
    )
    assert sim.conc.shape == (50, 673) and sim.params.shape[0] == 50
    assert np.all(sim.conc >= 0)


def test_lognormal_bsv_matches_cv_and_is_reproducible():
    n = 20000
    sim = simulate(
        MODEL, "10 mg PO single", [1.0], n_subjects=n, variability={"cl": 0.3, "v1": 0.5}, seed=7
    )
    lcl = np.log(sim.params["cl"] / 5.0)
    # omega = sqrt(ln(1 + CV^2)): 0.2936 for CV 30%, 0.4724 for CV 50%;
    # SE of an SD estimate ~ omega / sqrt(2n) = 0.0015 and 0.0024: allow 4 SE
    assert np.std(lcl) == pytest.approx(np.sqrt(np.log(1.09)), abs=0.006)
    assert np.std(np.log(sim.params["v1"] / 20.0)) == pytest.approx(np.sqrt(np.log(1.25)), abs=0.01)
    assert abs(np.median(lcl)) < 0.01  # the typical value is the median
    assert np.all(sim.params["q"] == 3.0)  # no variability requested on q
    again = simulate(
        MODEL, "10 mg PO single", [1.0], n_subjects=n, variability={"cl": 0.3, "v1": 0.5}, seed=7
    )
    np.testing.assert_array_equal(again.conc, sim.conc)


def test_correlated_etas():
    var = Variability(omega={"cl": 0.3, "v1": 0.2}, corr={("cl", "v1"): 0.6})
    sim = simulate(MODEL, "10 mg PO single", [1.0], n_subjects=20000, variability=var, seed=2)
    r = np.corrcoef(np.log(sim.params["cl"]), np.log(sim.params["v1"]))[0, 1]
    assert r == pytest.approx(0.6, abs=0.02)  # SE of r ~ (1 - r^2)/sqrt(n) = 0.0045


def test_logit_normal_bioavailability_stays_in_unit_interval():
    sim = simulate(
        MODEL,
        "10 mg PO single",
        [1.0],
        n_subjects=5000,
        variability=Variability(omega={"f": 1.0}),
        seed=3,
    )
    f = sim.params["f"].to_numpy()
    assert np.all((f > 0) & (f < 1))
    assert np.median(f) == pytest.approx(0.5, abs=0.03)  # logit 0 is the median
    with pytest.raises(ModelError, match="omega"):
        simulate(MODEL, "10 mg PO single", [1.0], n_subjects=2, variability={"f": 0.2})


def test_allometry_and_per_kg_parameters():
    weights = np.array([35.0, 70.0, 140.0])
    sim = simulate(
        OneCompartment(cl="7 L/h", v="70 L"),
        "100 mg IV single",
        [1.0],
        weight=weights,
        allometry={"cl": 0.75, "v": 1.0},
    )
    # cl = 7 (W/70)^0.75: 7 x 0.5^0.75 = 4.16222, 7, 7 x 2^0.75 = 11.77294
    np.testing.assert_allclose(sim.params["cl"], [7 * 0.5**0.75, 7.0, 7 * 2**0.75])
    np.testing.assert_allclose(sim.params["v"], [35.0, 70.0, 140.0])
    perkg = simulate(
        OneCompartment(cl="0.1 L/h/kg", v="1 L/kg"),
        "100 mg IV single",
        [0.0],
        weight=20.0,
        conc_unit="mg/L",
    )
    assert perkg.params["cl"].iloc[0] == pytest.approx(2.0)
    assert perkg.conc[0, 0] == pytest.approx(100 / 20.0)
    with pytest.raises(ModelError, match="body weight"):
        simulate(OneCompartment(cl="0.1 L/h/kg", v="1 L/kg"), "100 mg IV single", [0.0])


def test_mg_per_kg_dose_needs_weight():
    with pytest.raises(ModelError, match="never guessed"):
        simulate(MODEL, "15 mg/kg PO QD x 3", [1.0])
    # mouse of 25 g: 15 mg/kg -> 0.375 mg; same as a 0.375 mg dose
    a = simulate(MODEL, "15 mg/kg PO QD x 3", [30.0], weight=0.025).conc
    b = simulate(MODEL, "0.375 mg PO QD x 3", [30.0]).conc
    np.testing.assert_allclose(a, b, rtol=1e-13)


def test_individual_parameter_table():
    params = pd.DataFrame({"subject": ["a", "b"], "cl": [2.0, 4.0], "v": [10.0, 20.0]})
    sim = simulate(
        OneCompartment(cl=1.0, v=1.0),
        "10 mg IV single",
        [0.0, 5.0],
        params=params,
        conc_unit="mg/L",
    )
    # C = 10/V exp(-CL/V t): both subjects have k = 0.2
    np.testing.assert_allclose(sim.conc, [[1.0, np.exp(-1.0)], [0.5, 0.5 * np.exp(-1.0)]])
    assert sim.subjects == ["a", "b"]
    frame = sim.to_frame()
    assert frame.columns.tolist() == ["subject", "time", "conc", "unit"]
    assert frame["subject"].tolist() == ["a", "a", "b", "b"] and set(frame["unit"]) == {"mg/L"}
    with pytest.raises(ModelError, match="not parameters"):
        simulate(
            OneCompartment(cl=1.0, v=1.0),
            "10 mg IV single",
            [0.0],
            params=pd.DataFrame({"clearance": [1.0]}),
        )


def test_residual_error_models():
    n = 40000
    base = simulate(
        OneCompartment(cl=2.0, v=10.0),
        "10 mg IV single",
        [2.0],
        n_subjects=n,
        residual={"prop": 0.1},
        seed=4,
        conc_unit="mg/L",
    )
    ratio = base.conc[:, 0] / base.ipred[:, 0] - 1.0
    assert np.std(ratio) == pytest.approx(0.1, rel=0.02)
    add = simulate(
        OneCompartment(cl=2.0, v=10.0),
        "10 mg IV single",
        [2.0],
        n_subjects=n,
        residual=ResidualError(add=0.05),
        seed=4,
        conc_unit="mg/L",
    )
    assert np.std(add.conc[:, 0] - add.ipred[:, 0]) == pytest.approx(0.05, rel=0.02)
    # combined: variance adds: sqrt(0.05^2 + (0.1 x 0.670320)^2) = 0.083637
    comb = simulate(
        OneCompartment(cl=2.0, v=10.0),
        "10 mg IV single",
        [2.0],
        n_subjects=n,
        residual={"add": 0.05, "prop": 0.1},
        seed=4,
        conc_unit="mg/L",
    )
    assert np.std(comb.conc[:, 0] - comb.ipred[:, 0]) == pytest.approx(0.083637, rel=0.02)
    assert "ipred" in comb.to_frame().columns


def test_free_concentration_and_units():
    m = OneCompartmentOral(cl=2.0, v=10.0, ka=1.0, fu=0.05)
    sim = simulate(m, "100 mg PO single", [1.0, 2.0])
    np.testing.assert_allclose(sim.free, 0.05 * sim.conc)
    ug = simulate(m, "100 mg PO single", [1.0, 2.0], conc_unit="ug/mL")
    np.testing.assert_allclose(sim.conc, 1000 * ug.conc)  # ng/mL = 1000 x ug/mL
    nm = simulate(m, "100 mg PO single", [1.0, 2.0], conc_unit="nM", mw=500.0)
    np.testing.assert_allclose(nm.conc, sim.conc / 500.0 * 1000)  # ng/mL / (g/mol) -> nM
    with pytest.raises(UnitError):
        simulate(m, "100 mg PO single", [1.0], conc_unit="nM")


def test_quantity_times_and_summary():
    from kinetor.units import Q

    sim = simulate(
        MODEL,
        "10 mg PO QD x 2",
        Q(np.array([0.0, 60.0, 120.0]), "minute"),
        n_subjects=100,
        variability={"cl": 0.3},
        seed=1,
    )
    np.testing.assert_allclose(sim.times, [0.0, 1.0, 2.0])
    s = sim.summary()
    assert s.columns.tolist() == ["time", "q5", "q50", "q95", "mean", "unit"]
    assert np.all(s["q5"] <= s["q50"]) and np.all(s["q50"] <= s["q95"])
    e = sim.exposure()
    assert len(e) == 100 and np.all(e["CMAX"] >= e["CMIN"])


def test_model_parameter_errors():
    with pytest.raises(ModelError, match="needs ka"):
        TwoCompartmentOral(cl=1, v1=1, q=1, v2=1)
    with pytest.raises(UnitError):
        OneCompartment(cl="2 L", v="10 L")
    with pytest.raises(ModelError, match="no parameter"):
        OneCompartment(cl=1, v=1, vmax=3)
    with pytest.raises(ModelError, match="has no ka"):
        simulate(OneCompartment(cl=1, v=1), "10 mg PO single", [1.0])
    with pytest.raises(ModelError, match="inconsistent"):
        simulate(
            OneCompartment(cl=1, v=1), "10 mg IV single", [1.0], n_subjects=3, weight=[1.0, 2.0]
        )


def test_per_subject_regimens():
    regs = {"low": kt.Regimen.parse("10 mg IV single"), "high": kt.Regimen.parse("20 mg IV single")}
    sim = simulate(OneCompartment(cl=2.0, v=10.0), regs, [0.0], conc_unit="mg/L")
    assert sim.subjects == ["low", "high"]
    np.testing.assert_allclose(sim.conc[:, 0], [1.0, 2.0])
