"""Tumour response with cell kill: closed forms, mass balance, growth laws, signals."""

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.errors import ModelError
from kinetor.translate.response import (
    closed_form_exponential,
    fit_vehicle_growth,
    kill_drive,
    signal_names,
    simulate_response,
)
from kinetor.translate.tumors import get_tumor


@pytest.mark.parametrize("n_transit", [1, 3, 5])
def test_constant_kill_with_transit_matches_the_erlang_closed_form(n_transit):
    days = np.array([0.0, 0.5, 3.0, 10.0, 21.0])
    _, st = simulate_response(
        np.array([150.0]),
        "exponential",
        np.array([0.12]),
        0.0,
        0.0,
        days=days,
        death_rate=0.02,
        kill_rate=0.25,
        transit_rate=0.8,
        n_transit=n_transit,
        kill=1.0,
    )
    for k, t in enumerate(days):
        ref = closed_form_exponential(150.0, 0.12, 0.25, 0.8, n_transit, t, death_rate=0.02)
        np.testing.assert_allclose(st[0, :, k], ref, rtol=2e-6, atol=1e-9)
    # hand value, one transit compartment at t = 10: lam = -0.15, s = 0.65,
    # x2 = 0.25 150 / 0.65 e^{-1.5} (1 - e^{-6.5}) = 12.8484...
    if n_transit == 1:
        x2 = 0.25 * 150 / 0.65 * math.exp(-1.5) * (1 - math.exp(-6.5))
        assert st[0, 1, 3] == pytest.approx(x2, rel=1e-6)


def test_transit_chain_conserves_mass():
    # no growth: x1 + transit + eliminated = V0, eliminated = k_tr * integral of x_last
    t = np.linspace(0.0, 15.0, 3001)
    vol, st = simulate_response(
        np.array([200.0]),
        "exponential",
        np.array([0.1]),
        0.0,
        0.0,
        days=t,
        kill_rate=0.4,
        transit_rate=0.7,
        n_transit=3,
        proliferation=0.0,
        kill=1.0,
    )
    out = 0.7 * np.concatenate(
        [[0.0], np.cumsum((st[0, -1, 1:] + st[0, -1, :-1]) / 2 * np.diff(t))]
    )
    np.testing.assert_allclose(vol[0] + out, 200.0, rtol=1e-5)
    np.testing.assert_allclose(st[0, 0], 200.0 * np.exp(-0.4 * t), rtol=1e-6)


def test_high_kill_shrinks_the_tumour_after_the_transit_delay():
    vol, _ = simulate_response(
        np.array([175.0]),
        "exponential",
        np.array([math.log(2) / 7]),
        0.0,
        0.0,
        days=np.array([0.0, 1.0, 21.0]),
        kill_rate=0.5,
        transit_rate=1.0,
        n_transit=3,
        kill=1.0,
    )
    assert vol[0, 2] < 175.0 / 2


@pytest.mark.parametrize(
    ("law", "extra"), [("gompertz", {"vmax": 2000.0}), ("logistic", {"vmax": 2000.0})]
)
def test_vehicle_growth_laws_match_closed_forms(law, extra):
    r = math.log(2) / 5.0
    t = np.array([0.0, 5.0, 20.0, 60.0])
    vol, _ = simulate_response(
        np.array([100.0]), law, np.array([r]), extra["vmax"], 0.0, days=t, n_transit=0
    )
    if law == "gompertz":  # kg = r / ln(vmax/v0) = 0.138629/ln 20 = 0.0462760
        kg = r / math.log(20.0)
        ref = 2000.0 * np.exp(np.log(100.0 / 2000.0) * np.exp(-kg * t))
    else:  # kg = r / (1 - v0/vmax) = 0.138629/0.95
        kg = r / 0.95
        ref = 2000.0 * 100.0 / (100.0 + 1900.0 * np.exp(-kg * t))
    np.testing.assert_allclose(vol[0], ref, rtol=1e-6)


def test_exponential_linear_turns_linear():
    # lambda0 0.3 /d, lambda1 100 mm^3/d: linear beyond 333 mm^3
    vol, _ = simulate_response(
        np.array([50.0]),
        "exponential_linear",
        np.array([0.3]),
        0.0,
        100.0,
        days=np.array([20.0, 30.0]),
        n_transit=0,
    )
    assert (vol[0, 1] - vol[0, 0]) / 10.0 == pytest.approx(100.0, rel=1e-3)


def test_signal_names_detect_readouts():
    assert signal_names(["pS6_S235_236", "growth"]) == ("growth", None)
    assert signal_names(["growth", "proliferation", "apoptosis"]) == ("proliferation", "apoptosis")
    with pytest.raises(ModelError, match="proliferation"):
        signal_names(["pS6_S235_236"])


def test_kill_drive_threshold_and_apoptosis():
    np.testing.assert_allclose(
        kill_drive(np.array([100.0, 60.0, 25.0]), None, 0.5), [0.0, 0.0, 0.5]
    )
    np.testing.assert_allclose(
        kill_drive(np.array([25.0, 25.0]), np.array([90.0, 250.0]), 0.5), [0.0, 1.5]
    )


@pytest.mark.parametrize("law", ["exponential", "gompertz", "logistic"])
def test_fit_vehicle_growth_recovers_parameters(law):
    t = np.repeat([0.0, 4.0, 8.0, 12.0, 16.0, 20.0, 24.0], 3)
    v, _ = simulate_response(
        np.array([120.0]),
        law,
        np.array([math.log(2) / 6.0]),
        3000.0,
        0.0,
        days=np.unique(t),
        n_transit=0,
    )
    df = pd.DataFrame({"day": t, "volume": np.repeat(v[0], 3)})
    fit = fit_vehicle_growth(df, law)
    assert fit["converged"]
    assert fit["doubling_time"] == pytest.approx(6.0, rel=1e-3)
    assert fit["v0"] == pytest.approx(120.0, rel=1e-3)
    if law != "exponential":
        assert fit["vmax"] == pytest.approx(3000.0, rel=1e-2)
        spec = get_tumor(
            {
                "base": "MCF7",
                "growth_law": law,
                "vmax": fit["vmax"],
                "doubling_time": fit["doubling_time"],
                "v0": fit["v0"],
            }
        )
        assert spec.growth_law == law


def test_tumor_spec_rejects_bad_response_parameters():
    with pytest.raises(ModelError, match="vmax"):
        get_tumor({"base": "MCF7", "growth_law": "gompertz"})
    with pytest.raises(ModelError, match="kill_threshold"):
        get_tumor({"base": "MCF7", "kill_threshold": 1.2})
    with pytest.raises(ModelError, match="growth_law"):
        get_tumor({"base": "MCF7", "growth_law": "cubic"})


def test_study_with_kill_regresses_at_high_dose():
    import kinetor as kt

    arms = ["High=vistusertib:150 mg/kg PO QD x 14 days"]
    kw = {
        "arms": arms,
        "n_animals": 1,
        "seed": 0,
        "pk_variability": None,
        "tumor_variability": False,
        "noise": False,
    }
    base = kt.run_study(None, "mouse", {"base": "PTEN_null"}, **kw)
    kill = kt.run_study(None, "mouse", {"base": "PTEN_null", "kill_rate": 0.6}, **kw)
    t0 = base.tgi.set_index("arm").loc["High", "tgi_pct"]
    t1 = kill.tgi.set_index("arm").loc["High", "tgi_pct"]
    assert t1 > t0
    assert kill.settings["tumor_response"]["kill_rate_per_day"] == 0.6
    assert (
        "growth" in kill.settings["tumor_response"]["proliferation_readout"]
        or "proliferation" in kill.settings["tumor_response"]["proliferation_readout"]
    )


@pytest.mark.parametrize("n_transit", [0, 3])
def test_grid_method_matches_the_ode(n_transit):
    rng = np.random.default_rng(3)
    grid = np.concatenate(
        [np.linspace(0.0, 14.0, 14 * 24 + 1), np.linspace(14.0, 21.0, 7 * 24 + 1)]
    )  # a jump at day 14
    p = rng.uniform(0.2, 1.0, (4, grid.size))
    k = rng.uniform(0.0, 1.0, (4, grid.size))
    days = np.array([0.0, 3.0, 7.0, 14.0, 21.0])
    kw = {
        "days": days,
        "death_rate": 0.01,
        "kill_rate": np.array([0.0, 0.2, 0.4, 0.6]),
        "transit_rate": 0.9,
        "n_transit": n_transit,
        "grid_days": grid,
        "proliferation": p,
        "kill": k,
    }
    v0, r = np.full(4, 150.0), np.full(4, 0.1)
    fast, sf = simulate_response(v0, "exponential", r, 0.0, 0.0, method="grid", **kw)
    ode, so = simulate_response(v0, "exponential", r, 0.0, 0.0, method="ode", **kw)
    np.testing.assert_allclose(sf[:, 0], so[:, 0], rtol=1e-7)  # x1 exact
    np.testing.assert_allclose(fast, ode, rtol=3e-5)


def test_grid_method_needs_hourly_steps_with_kill():
    grid = np.array([0.0, 7.0, 14.0])
    kw = {
        "days": grid,
        "kill_rate": 0.3,
        "n_transit": 3,
        "grid_days": grid,
        "proliferation": 1.0,
        "kill": 1.0,
    }
    with pytest.raises(ModelError, match="1 h"):
        simulate_response(
            np.array([100.0]), "exponential", np.array([0.1]), 0.0, 0.0, method="grid", **kw
        )
    _, st = simulate_response(
        np.array([100.0]), "exponential", np.array([0.1]), 0.0, 0.0, **kw
    )  # auto: falls back to the ODE
    np.testing.assert_allclose(
        st[0, :, -1], closed_form_exponential(100.0, 0.1, 0.3, 1.0, 3, 14.0), rtol=1e-6
    )


def test_tumor_table_reads_growth_law_ranges_and_response_parameters(tmp_path, monkeypatch):
    import kinetor.translate.tumors as tumors

    src = tumors.TUMOR_FILE.read_text(encoding="utf-8")
    extra = """
[[tumor]]
name = "GOMP"
lesions = ["PTEN_loss"]
growth_law = "gompertz"
doubling_time = { value = 6.0, unit = "day", source = "test", status = "assumption", low = 4.0, high = 9.0 }
v0 = { value = 150.0, unit = "mm^3", source = "test", status = "assumption" }
v0_cv = { value = 0.0, unit = "1", source = "test", status = "assumption" }
growth_cv = { value = 0.0, unit = "1", source = "test", status = "assumption" }
death_rate = { value = 0.0, unit = "1/day", source = "test", status = "assumption" }
caliper_cv = { value = 0.1, unit = "1", source = "test", status = "assumption" }
vmax = { value = 2500.0, unit = "mm^3", source = "test", status = "assumption" }
kill_rate = { value = 0.2, unit = "1/day", source = "test", status = "assumption" }
n_transit = { value = 2, unit = "1", source = "test", status = "assumption" }
"""
    path = tmp_path / "tumors.toml"
    path.write_text(src + extra, encoding="utf-8")
    monkeypatch.setattr(tumors, "TUMOR_FILE", path)
    tumors._library.cache_clear()
    try:
        t = tumors.get_tumor("GOMP")
        assert (t.growth_law, t.vmax, t.kill_rate, t.n_transit) == ("gompertz", 2500.0, 0.2, 2)
        assert t.ranges == {"doubling_time": (4.0, 9.0)}
        assert t.transit_rate == 1.0  # not in the entry: the default
        assert tumors.get_tumor("MCF7").growth_law == "exponential"
    finally:
        tumors._library.cache_clear()
