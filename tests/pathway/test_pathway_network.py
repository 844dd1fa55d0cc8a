"""Network simulation: reset semantics, conservation, references, drug inputs, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetor.errors import DataError, ModelError, UnitError
from kinetor.pathway import LESIONS, READOUTS, Drug, Network
from kinetor.pathway._model import model_text
from kinetor.pathway.drugs import atp_factor

# protein -> (species forms, total parameter); IRS1, the FOXO-target receptors (IGF-1R/InsR,
# HER3), DUSP6 and ERalpha are synthesised/degraded (biology), the rest conserved
CYCLES = {
    "EGFR": (["EGFR", "EGFR_p"], "EGFR_tot"),
    "HER2": (["HER2", "HER2_p"], "HER2_tot"),
    "PI3Ka": (["PI3Ka", "PI3Ka_a"], "PI3Ka_tot"),
    "PI3Kb": (["PI3Kb", "PI3Kb_a"], "PI3Kb_tot"),
    "PIP": (["PIP2", "PIP3"], "PIP_tot"),
    "AKT": (["AKT", "AKT_T308", "AKT_S473", "AKT_pp"], "AKT_tot"),
    "PRAS40": (["PRAS40", "PRAS40_p"], "PRAS40_tot"),
    "TSC": (["TSC", "TSC_p"], "TSC_tot"),
    "GSK3": (["GSK3", "GSK3_p"], "GSK3_tot"),
    "FOXO": (["FOXO_n", "FOXO_c"], "FOXO_tot"),
    "Rheb": (["Rheb_GDP", "Rheb_GTP"], "Rheb_tot"),
    "mTORC1": (["mTORC1", "mTORC1_a"], "mTORC1_tot"),
    "mTORC2": (["mTORC2", "mTORC2_a"], "mTORC2_tot"),
    "S6K1": (["S6K1", "S6K1_p"], "S6K1_tot"),
    "S6": (["S6", "S6_p"], "S6_tot"),
    "4EBP1": (["EBP1", "EBP1_eIF4E", "EBP1_p", "EBP1_p_eIF4E", "EBP1_pp"], "EBP1_tot"),
    "eIF4E": (["eIF4E", "EBP1_eIF4E", "EBP1_p_eIF4E"], "eIF4E_tot"),
    "AMPK": (["AMPK", "AMPK_a"], "AMPK_tot"),
    "p53": (["p53", "p53_a"], "p53_tot"),
    "HIF1a": (["HIF1a", "HIF1a_s"], "HIF1a_tot"),
    "REDD1": (["REDD1", "REDD1_a"], "REDD1_tot"),
    "Ras": (["Ras_GDP", "Ras_GTP"], "Ras_tot"),
    "RAF": (["RAF", "RAF_a"], "RAF_tot"),
    "MEK": (["MEK", "MEK_p"], "MEK_tot"),
    "ERK": (["ERK", "ERK_p"], "ERK_tot"),
    "RSK": (["RSK", "RSK_p"], "RSK_tot"),
}
DRUGS = [
    "everolimus",
    "vistusertib",
    "gedatolisib",
    "alpelisib",
    "capivasertib",
    "MK-2206",
    "trametinib",
    "metformin",
    "fulvestrant",
    "lapatinib",
    "rapalink-1",
    "wortmannin-rapamycin-7c",
    "buparlisib",
]


@pytest.fixture(scope="module")
def net():
    return Network()


def _check_totals(net, species):
    params = {**net.engine.defaults, **net.model_parameters()}
    for name, (forms, total) in CYCLES.items():
        s = species[forms].sum(axis=1).to_numpy()
        np.testing.assert_allclose(s, params[total], rtol=1e-6, atol=1e-9, err_msg=name)


def test_two_runs_in_a_row_are_identical(net):
    a = net.simulate({"everolimus": 10.0}, t_end=12)
    b = net.simulate({"everolimus": 10.0}, t_end=12)
    np.testing.assert_array_equal(a.species.to_numpy(), b.species.to_numpy())


def test_a_drug_run_leaves_nothing_behind(net):
    fresh = Network(parameters={"k_s6k": 20.0}).simulate(t_end=6)
    Network(["PTEN_loss"], {"hypoxia": 1.0}).simulate(
        {"vistusertib": 300.0, "trametinib": 5.0}, t_end=6
    )
    again = Network(parameters={"k_s6k": 20.0}).simulate(t_end=6)
    np.testing.assert_allclose(again.species.to_numpy(), fresh.species.to_numpy(), rtol=1e-12)
    # untreated cell at steady state stays at 100 % (pre-equilibration worked)
    np.testing.assert_allclose(again.readouts[list(READOUTS)].to_numpy(), 100.0, rtol=1e-6)


def test_a_run_starts_as_after_a_full_reset(net):
    # a simulation sets the parameter vector of resetAll() + overrides + reset() in one
    # call (cached per genotype); the full reset must give the same numbers, bit for bit,
    # whatever ran before (other genotypes, overrides, drugs, a course variant)
    from kinetor.pathway._engine import _ENGINES

    t = np.arange(0.0, 25.0, 2.0)
    runs = [
        (Network(["HER2_amp"], {"growth_factor": 0.3}), [("lapatinib", 300.0)]),
        (Network(parameters={"k_s6k": 20.0}), [("rapamycin", 5.0), ("trametinib", (t, t))]),
        (Network(["PTEN_loss"]), [("wortmannin", 100.0)]),
        (Network(), []),
        (Network(["HER2_amp"], {"growth_factor": 0.3}), [("alpelisib", (t, 10.0 * t))]),
    ]

    def all_runs(fast):
        out = []
        for _ in range(2):
            for n, pairs in runs:
                for eng in _ENGINES.values():
                    eng._fast_start = fast
                out.append(n.simulate_pairs(pairs, t_end=24.0, dt=2.0).species.to_numpy())
        return out

    all_runs(True)  # every engine built (with its own setting) before it is switched
    shipped = {key: eng._fast_start for key, eng in _ENGINES.items()}
    try:
        full, fast = all_runs(False), all_runs(True)
    finally:
        for key, eng in _ENGINES.items():
            eng._fast_start = shipped.get(key, eng._fast_start)
    for a, b in zip(full, fast, strict=True):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=20, deadline=None)
@given(
    lesion=st.sampled_from([None, *LESIONS]), drug=st.sampled_from(DRUGS), log_conc=st.floats(-1, 6)
)
def test_total_protein_is_conserved(lesion, drug, log_conc):
    net = Network([lesion] if lesion else [])
    res = net.simulate({drug: 10.0**log_conc}, t_end=24, dt=2.0)
    _check_totals(net, res.species)
    assert res.species.drop(columns="time").to_numpy().min() > -1e-9


def test_time_zero_is_the_untreated_reference(net):
    res = net.simulate({"vistusertib": 1000.0}, t_end=2)
    assert res.readouts[list(READOUTS)].iloc[0].tolist() == pytest.approx([100.0] * len(READOUTS))
    assert res.reference == "untreated"


def test_parental_reference_divides_by_the_parental_cell():
    pten = Network(["PTEN_loss"])
    own = pten.simulate(t_end=1).readouts["pAKT_S473"].iloc[-1]
    par = pten.simulate(t_end=1, reference="parental").readouts["pAKT_S473"].iloc[-1]
    ratio = pten.steady_state()["pAKT_S473"] / Network().steady_state()["pAKT_S473"]
    assert own == pytest.approx(100.0)
    assert par == pytest.approx(100.0 * ratio)


def test_hill_occupancy_in_the_model(net):
    # cellular potency 10 nM, h = 2, C = 20 nM: theta = 20^2/(20^2 + 10^2) = 400/500 = 0.8
    d = Drug("x", "mtor_kinase", 10.0, hill=2.0, potency="cellular")
    net.simulate({d: 20.0}, t_end=1)
    assert net.engine.rr.getValue("th_mtor_kinase_eff") == pytest.approx(0.8)
    # a cell-free potency is converted with mTOR's ATP Km (Cheng-Prusoff): K = 10 * factor
    d2 = Drug("y", "mtor_kinase", 10.0, hill=1.0)
    shift = atp_factor("MTOR")
    net.simulate({d2: 10.0 * shift}, t_end=1)  # C = K -> theta = 1/2
    assert net.engine.rr.getValue("th_mtor_kinase_eff") == pytest.approx(0.5)


def test_piecewise_linear_input_matches_an_analytic_ramp(net):
    # ramp 0 -> 1000 nM over 10 h, then flat: as knots, and as one rule integrated in one go
    t, c = [0.0, 2.5, 5.0, 7.5, 10.0], [0.0, 250.0, 500.0, 750.0, 1000.0]
    knots = net.simulate({"vistusertib": (t, c)}, t_end=16, dt=1.0)
    line = "C_mtor_kinase := c0_mtor_kinase + sl_mtor_kinase*(time - t0_mtor_kinase)"
    text = model_text()
    assert line in text
    ramp = Network(
        model_text=text.replace(line, "C_mtor_kinase := piecewise(100*time, time < 10, 1000)")
    )
    ref = ramp.simulate({"vistusertib": 0.0}, t_end=16, dt=1.0)
    np.testing.assert_allclose(
        knots.species.to_numpy(), ref.species.to_numpy(), rtol=2e-4, atol=1e-7
    )


def test_constant_profile_equals_constant_concentration(net):
    a = net.simulate({"everolimus": ([0.0, 3.0, 7.0, 24.0], [8.0] * 4)}, t_end=24, dt=1.0)
    b = net.simulate({"everolimus": 8.0}, t_end=24, dt=1.0)
    np.testing.assert_allclose(a.readouts.to_numpy(), b.readouts.to_numpy(), rtol=1e-5)


def test_units_at_the_boundary(net):
    a = net.simulate({"vistusertib": "0.1 uM"}, t_end="2 h")
    b = net.simulate({"vistusertib": 100.0}, t_end=2.0)
    np.testing.assert_allclose(a.readouts.to_numpy(), b.readouts.to_numpy())
    # mass concentrations need a molecular weight: 50 ng/mL / 500 g/mol = 100 nM
    d = Drug("v", "mtor_kinase", 80.0, potency="cellular", extra={"mw": 500.0})
    c = net.simulate({d: "50 ng/mL"}, t_end=2.0)
    np.testing.assert_allclose(c.readouts.to_numpy(), b.readouts.to_numpy())
    with pytest.raises(UnitError):
        net.simulate({Drug("w", "mtor_kinase", 2.8): "10 ng/mL"}, t_end=1)
    with pytest.raises(UnitError):
        net.simulate({"vistusertib": "10"}, t_end=1)


def test_bad_profile_lists_every_bad_row(net):
    with pytest.raises(DataError) as err:
        net.simulate({"vistusertib": ([0.0, 2.0, 1.0, 5.0], [1.0, -1.0, 2.0, float("nan")])})
    rows = sorted(p.row for p in err.value.problems)
    assert rows == [2, 3, 4]


def test_configuration_errors():
    with pytest.raises(ModelError, match="unknown lesion"):
        Network(["PTEN_lost"])
    with pytest.raises(ModelError, match="unknown context"):
        Network(context={"glucose": 1})
    with pytest.raises(ModelError, match="share the mechanism"):
        Network().simulate({"vistusertib": 1.0, "AZD8055": 1.0})
    with pytest.raises(ModelError, match="unknown model parameter"):
        Network(parameters={"k_nothing": 1.0}).simulate(t_end=1)


def test_to_frame_is_long_and_tidy(net):
    res = net.simulate({"trametinib": 10.0}, t_end=1, dt=0.5)
    long = res.to_frame()
    assert list(long.columns)[:7] == [
        "time",
        "readout",
        "value",
        "unit",
        "reference",
        "lesions",
        "drugs",
    ]
    assert {"context", "parameters"} <= set(long.columns)
    assert len(long) == 3 * len(READOUTS)
    assert set(long["drugs"]) == {"trametinib 10 nM"}  # a bare number is nM
    # at() gives output times only (a nonlinear model is not interpolated)
    assert res.at(0.5)["pERK"] == res.readouts["pERK"].iloc[1]


def test_engine_caches_are_bounded_and_evictions_are_recomputed(net):
    # a fit tries thousands of parameter sets: the steady-state, readout and run-start
    # caches keep only the most recent ones, and an evicted entry is recomputed alike
    from kinetor.numerics.lru import LRUCache

    net.simulate_pairs([], t_end=1.0, dt=1.0)
    eng = net._engine
    saved = eng._ss
    eng._ss = LRUCache(2)
    try:
        sets = [{"k_s6k": v} for v in (8.0, 12.0, 16.0)]
        first = [eng.steady_state(p).copy() for p in sets]
        assert len(eng._ss) == 2 and eng._ss.keys()[0] == (("k_s6k", 12.0),)
        again = eng.steady_state(sets[0])  # evicted: solved again
        np.testing.assert_array_equal(again, first[0])
        assert eng._ss.misses == 4 and eng._ss.hits == 0
    finally:
        eng._ss = saved
    for cache in (eng._ss, eng._ro, eng._start):
        assert isinstance(cache, LRUCache) and cache.maxsize <= 512
    # and the compiled engines themselves, one per model text, at most 16 per process
    from kinetor.pathway._engine import _ENGINES

    assert isinstance(_ENGINES, LRUCache) and _ENGINES.maxsize == 16
    assert len(_ENGINES.items()) == len(_ENGINES) <= 16
