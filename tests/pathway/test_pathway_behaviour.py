"""The network reproduces the published drug and lesion behaviours (science.md, seed 001).

Thresholds are our reading of qualitative statements (e.g. "only partly down" = stays above
40 %); the source of each statement is in the comment. Many of these behaviours are also
calibration targets (calibration/targets.csv; all 27 are fitted): for them the test checks
the shipped fit, not an independent prediction (docs/pathway.md, section 6, has the
leave-one-out predictions).
"""

import numpy as np
import pytest

from kinetor.pathway import Network, dose_response


@pytest.fixture(scope="module")
def net():
    return Network()


def _at(net, drug, conc, t):
    return net.simulate({drug: conc}, t_end=t, dt=t).readouts.iloc[-1]


def test_rapalog_s6k1_down_4ebp1_partly(net):
    # Choo 2008 PNAS 105:17414 (a training publication of pathway/evidence). The feedback
    # rises of p-AKT, IRS1 (O'Reilly 2006) and p-ERK (Carracedo 2008) come from HELD-OUT
    # publications: they are reported by `kinetor pathway validate`, not asserted here.
    r = _at(net, "everolimus", 10.0, 24.0)
    assert r["pS6K1_T389"] < 25
    assert 40 < r["p4EBP1_T37_46"] < 100


def test_torki_inhibits_both_complexes_but_keeps_t308(net):
    # Chresta 2010 Cancer Res 70:288; Rodrik-Outmezguine 2011 Cancer Discov 1:248
    r = _at(net, "vistusertib", 1000.0, 24.0)
    assert r["pAKT_S473"] < 30 and r["pS6_S235_236"] < 50 and r["p4EBP1_T37_46"] < 30
    assert r["pAKT_T308"] > 80  # maintained through relieved feedback
    # TORKi blocks 4EBP1 far more than a rapalog at near-complete S6K1 inhibition (seed 001)
    rapa = _at(net, "everolimus", 10.0, 24.0)
    assert r["p4EBP1_T37_46"] < rapa["p4EBP1_T37_46"] - 30


def test_dual_pi3k_mtor_lowers_both_akt_sites(net):
    # science.md s.2, dual PI3K/mTOR row
    r = _at(net, "gedatolisib", 100.0, 2.0)
    assert r["pAKT_T308"] < 30 and r["pAKT_S473"] < 30 and r["pS6K1_T389"] < 30


def test_atp_competitive_akt_raises_pakt_allosteric_lowers_it(net):
    # science.md s.2 (AKT row); pathway-model.md (MK-2206 prevents membrane recruitment)
    capi = _at(net, "capivasertib", 3000.0, 2.0)
    mk = _at(net, "MK-2206", 1000.0, 2.0)
    assert capi["pAKT_S473"] > 110 and capi["pPRAS40_T246"] < 50
    assert mk["pAKT_S473"] < 50 and mk["pPRAS40_T246"] < 50


def test_pten_loss_high_basal_akt_and_gf_uncoupled_mtorc1():
    # seed 001: PTEN loss activates AKT and uncouples mTORC1 from growth factors
    pten, par = Network(["PTEN_loss"]), Network()
    assert pten.steady_state()["pAKT_S473"] > 2 * par.steady_state()["pAKT_S473"]

    def starved(les):
        return (
            Network(les, {"growth_factor": 0.0}).steady_state()["pS6_S235_236"]
            / Network(les).steady_state()["pS6_S235_236"]
        )

    assert starved(["PTEN_loss"]) > 0.6
    # margin 0.15 (our reading; was 0.25, then 0.2): p110beta carries a serum-independent
    # GPCR tone, so the parental cell keeps ~50 % p-S6 when starved; with the evidence
    # calibration (rapalog_shift, k_pras) PTEN-null keeps 0.70 vs parental 0.50
    assert starved(["PTEN_loss"]) > starved([]) + 0.15


def test_lkb1_loss_keeps_mtorc1_on_under_energy_stress():
    # seed 001: LKB1 mutations permit mTORC1 activation despite nutrient deprivation
    def stressed(les):
        return (
            Network(les, {"energy_stress": 1.0}).steady_state()["pS6_S235_236"]
            / Network(les).steady_state()["pS6_S235_236"]
        )

    assert stressed([]) < 0.5
    assert stressed(["LKB1_loss"]) > 0.9


def test_tsc2_loss_mtorc1_on_and_rapalog_sensitive():
    # seed 001: TSC1/2 loss activates mTORC1; TSC tumours respond to rapalogs
    tsc = Network(["TSC2_loss"])
    assert tsc.steady_state()["pS6K1_T389"] > 1.5 * Network().steady_state()["pS6K1_T389"]
    r = tsc.simulate({"everolimus": 10.0}, t_end=24, dt=24).readouts.iloc[-1]
    assert r["pS6K1_T389"] < 30
    # and mTORC1 depends far less on growth factors than in the parental cell (TSC2 is the
    # integrator of AKT/ERK/RSK input; PRAS40 and RSK-Raptor remain)

    def starved(les):
        return (
            Network(les, {"growth_factor": 0.0}).steady_state()["pS6K1_T389"]
            / Network(les).steady_state()["pS6K1_T389"]
        )

    assert starved(["TSC2_loss"]) > starved([]) + 0.2


def test_p53_loss_uncouples_dna_damage():
    # seed 001 ref 29: DNA damage -> p53 -> AMPK -> TSC2; lost with p53
    def damaged(les):
        return (
            Network(les, {"dna_damage": 1.0}).steady_state()["pS6_S235_236"]
            / Network(les).steady_state()["pS6_S235_236"]
        )

    assert damaged([]) < 0.6 and damaged(["TP53_loss"]) > 0.95


def test_metformin_needs_lkb1(net):
    # seed 001 ref 55: metformin activates AMPK via LKB1
    assert _at(net, "metformin", 2e6, 24)["pS6_S235_236"] < 80
    lkb1 = Network(["LKB1_loss"]).simulate({"metformin": 2e6}, t_end=24, dt=24)
    assert lkb1.readouts["pS6_S235_236"].iloc[-1] == pytest.approx(100.0, abs=0.5)


def test_kras_abrogates_everolimus_benefit_of_pten_loss():
    # Di Nicolantonio 2010 J Clin Invest 120:2858: PTEN loss sensitises to everolimus,
    # KRAS/BRAF mutation abrogates it
    def growth(les):
        net = Network(les)
        return net.simulate({"everolimus": 10.0}, t_end=24, dt=24).readouts["growth"].iloc[-1]

    assert growth(["PTEN_loss", "KRAS_mut"]) > growth(["PTEN_loss"])
    assert growth(["PTEN_loss", "BRAF_mut"]) > growth(["PTEN_loss"])
    assert growth(["PTEN_loss"]) < growth([]) - 5


def test_mek_inhibition_relieves_erk_feedback(net):
    # ERK -| SOS: Ras-GTP rises when MEK is blocked (MAPK reactivation loop)
    res = net.simulate({"trametinib": 10.0}, t_end=24, dt=24)
    ras0 = net.steady_state_species()["Ras_GTP"]
    assert res.species["Ras_GTP"].iloc[-1] > 1.5 * ras0
    # < 30 (was < 20): ERK now also induces its phosphatase DUSP6, whose loss under MEK
    # inhibition lets p-ERK partly recover (MAPK reactivation)
    assert res.readouts["pERK"].iloc[-1] < 30


@pytest.mark.parametrize(
    "drug,readouts",
    [
        ("vistusertib", ["pAKT_S473", "pS6K1_T389", "pS6_S235_236", "p4EBP1_T37_46", "growth"]),
        ("everolimus", ["pS6K1_T389", "pS6_S235_236", "eIF4E_free"]),
        ("gedatolisib", ["pAKT_T308", "pAKT_S473", "pS6K1_T389", "growth"]),
        ("trametinib", ["pERK"]),
        ("MK-2206", ["pAKT_S473", "pAKT_T308", "pPRAS40_T246"]),
    ],
)
def test_dose_responses_are_monotonic(net, drug, readouts):
    dr = dose_response(net, drug, np.logspace(-2, 5, 15), t=24.0)
    for r in readouts:
        assert np.all(np.diff(dr[r].to_numpy()) <= 1e-6), r
    # and the rapalog-induced p-AKT rise grows with dose
    if drug == "everolimus":
        assert np.all(
            np.diff(dose_response(net, drug, [0.1, 1, 10], t=24.0)["pAKT_S473"].to_numpy()) > 0
        )
