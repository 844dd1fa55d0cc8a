"""Mechanisms added to the network: S473-dependent FOXO, FOXO -> RTK re-expression with a
delay, HER3, PI3K isoforms, 4E-BP1 in two steps, slow rapalog off-rate, ERK feedbacks, the
ER arm, proliferation/apoptosis, MTOR resistance mutations.

Each test states the published behaviour it checks (the source is in the comment and in
``mtor.ant``); thresholds are our reading of qualitative statements, never values read
off this model.
"""

import numpy as np
import pytest

from kinetor.pathway import Drug, Network


@pytest.fixture(scope="module")
def net():
    return Network()


def _at(net, drug, conc, t):
    return net.simulate({drug: conc}, t_end=t, dt=t).readouts.iloc[-1]


def test_basal_akt_phospho_stoichiometry_is_not_vanishing(net):
    # both sites partly phosphorylated in growing cells (S473 no longer ~1 %)
    sp = net.steady_state_species()
    s473 = (sp["AKT_S473"] + sp["AKT_pp"]) / 1.0
    t308 = (sp["AKT_T308"] + sp["AKT_pp"]) / 1.0
    assert 0.1 < s473 < 0.6 and 0.1 < t308 < 0.6


def test_mtorc2_null_cells_lose_s473_and_foxo_control_but_keep_t308_and_gsk3(net):
    # Jacinto 2006 Cell 127:125; Guertin 2006 Dev Cell 11:859: in Sin1/Rictor-null cells
    # (steady state) S473 is lost and FOXO phosphorylation falls (FOXO enters the
    # nucleus) while T308 and GSK3 phosphorylation are kept
    parental = net.steady_state()
    null = Network(parameters={"mTORC2_tot": 0.0}).steady_state()
    assert null["pAKT_S473"] < 0.05 * parental["pAKT_S473"]
    assert null["pAKT_T308"] > 0.8 * parental["pAKT_T308"]
    assert null["pGSK3B_S9"] > 0.7 * parental["pGSK3B_S9"]
    assert null["FOXO_nuclear"] > 1.5 * parental["FOXO_nuclear"]


def test_tor_kinase_inhibitor_dips_t308_transiently_and_releases_foxo(net):
    # Rodrik-Outmezguine 2011 Cancer Discov 1:248: a TOR kinase inhibitor removes S473 and
    # causes a rapid but transient loss of T308 (pS473 primes T308 phosphorylation by PDK1,
    # Sarbassov 2005 Science 307:1098), T308 returning as RTK relief raises PI3K input
    res = net.simulate({"vistusertib": 1000.0}, times=[1.0, 2.0, 24.0], t_end=24)
    r = res.readouts.set_index("time")
    assert r.loc[2.0, "pAKT_S473"] < 30 and r.loc[2.0, "FOXO_nuclear"] > 150
    assert r.loc[1.0, "pAKT_T308"] < 80
    assert r.loc[24.0, "pAKT_T308"] > r.loc[1.0, "pAKT_T308"] + 15
    # and the consequence is real: p-PRAS40 is no longer pinned at ~100 %
    assert r.loc[2.0, "pPRAS40_T246"] < 97


def test_without_s473_priming_t308_ignores_an_mtorc2_block():
    # the priming term is what makes T308 fall: with hm_t308 = 1 (no priming) the acute
    # TOR kinase inhibitor leaves T308 at or above baseline, as before the mechanism
    flat = Network(parameters={"hm_t308": 1.0})
    r = flat.simulate({"vistusertib": 1000.0}, t_end=1.0, dt=1.0).readouts.iloc[-1]
    assert r["pAKT_T308"] > 95


def test_foxo_drives_her3_with_an_hours_delay(net):
    # Chandarlapaty 2011 Cancer Cell 19:58: AKT inhibition -> FOXO -> HER3 rises over
    # 24-48 h, not within 1 h
    res = net.simulate({"capivasertib": 1000.0}, times=[1.0, 24.0, 48.0], t_end=48)
    her3 = res.readouts.set_index("time")["HER3"]
    assert her3[1.0] < 102
    assert her3[24.0] > 110 and her3[48.0] >= her3[24.0]
    assert res.readouts.set_index("time")["FOXO_nuclear"][1.0] > 120  # FOXO moves first


def test_her2_amplified_cells_signal_through_her3_and_rebound(net):
    # Sergina 2007 Nature 445:437: HER2 kinase inhibition in HER2-amplified cells drops
    # p-HER3 and p-AKT, then HER3 re-expression buffers it
    her2 = Network(["HER2_amp"])
    res = her2.simulate({"lapatinib": 1000.0}, times=[2.0, 48.0], t_end=48)
    r = res.readouts.set_index("time")
    assert r.loc[2.0, "pAKT_S473"] < 60 and r.loc[2.0, "pHER3_Y1289"] < 20
    assert r.loc[48.0, "HER3"] > 130
    assert r.loc[48.0, "pAKT_S473"] > r.loc[2.0, "pAKT_S473"]


def test_pi3k_isoform_dependence_follows_genotype():
    # Jia 2008 Nature 454:776; Wee 2008 PNAS 105:13057: PTEN-null cells depend on p110beta;
    # PIK3CA-mutant cells on p110alpha
    alpha = Drug("alpha-selective", "pi3k_alpha", 10.0, potency="cellular")
    beta = Drug("beta-selective", "pi3k_beta", 10.0, potency="cellular")

    def akt(lesions, drug):
        return _at(Network(lesions), drug, 100.0, 2.0)["pAKT_S473"]

    assert akt(["PTEN_loss"], beta) < akt(["PTEN_loss"], alpha)
    assert akt(["PIK3CA_mut"], alpha) < akt(["PIK3CA_mut"], beta)


def test_pip3_does_not_saturate_in_pten_null_cells():
    pten = Network(["PTEN_loss"])
    sp = pten.steady_state_species()
    assert sp["PIP3"] / (sp["PIP2"] + sp["PIP3"]) < 0.5
    # a pan-PI3K inhibitor now lowers p-AKT in PTEN-null cells
    assert _at(pten, "buparlisib", 1000.0, 2.0)["pAKT_S473"] < 90


def test_4ebp1_two_steps_rapalog_acts_mainly_on_s65(net):
    # Gingras 1999/2001 Genes Dev: T37/46 priming then S65/T70 release; Choo 2008 PNAS:
    # rapamycin blocks S65 more than T37/46, a TOR kinase inhibitor both
    rapa = _at(net, "everolimus", 10.0, 24.0)
    tor = _at(net, "vistusertib", 1000.0, 2.0)
    assert rapa["p4EBP1_S65"] < rapa["p4EBP1_T37_46"] - 10
    assert tor["p4EBP1_S65"] < 20 and tor["p4EBP1_T37_46"] < 30
    # S65 phosphorylation releases eIF4E: free eIF4E follows p-S65 down
    assert rapa["eIF4E_free"] < 100 and tor["eIF4E_free"] < rapa["eIF4E_free"]


def test_rapalog_inhibition_outlasts_washout_torki_does_not(net):
    # FKBP12-rapalog-FRB complex dissociates slowly: p-S6K1 stays down hours after washout;
    # an ATP-site inhibitor's effect ends with the drug
    wash = ([0.0, 2.0, 2.01, 10.0], [1.0, 1.0, 0.0, 0.0])  # x conc, set per drug below
    rapa = net.simulate(
        {"everolimus": (wash[0], [50.0 * c for c in wash[1]])}, times=[2.0, 8.0], t_end=8
    )
    tor = net.simulate(
        {"vistusertib": (wash[0], [3000.0 * c for c in wash[1]])}, times=[2.0, 8.0], t_end=8
    )
    r, k = rapa.readouts.set_index("time"), tor.readouts.set_index("time")
    assert r.loc[2.0, "pS6K1_T389"] < 30 and k.loc[2.0, "pS6K1_T389"] < 30
    assert r.loc[8.0, "pS6K1_T389"] < 50
    assert k.loc[8.0, "pS6K1_T389"] > 70


def test_mek_inhibition_raises_pi3k_signalling_rapalog_raises_erk(net):
    # Turke 2012 Cancer Res 72:3228 (ERK -| EGFR/HER2 relieved by MEK inhibition);
    # Carracedo 2008 J Clin Invest 118:3065 (mTORC1 inhibition activates MAPK via PI3K)
    mek = _at(net, "trametinib", 10.0, 24.0)
    assert mek["pERK"] < 40 and mek["pHER3_Y1289"] > 105 and mek["pAKT_S473"] > 100
    rapa = _at(net, "everolimus", 10.0, 24.0)
    assert rapa["pERK"] > 100


def test_er_arm_pi3k_inhibition_raises_er_serd_lowers_it(net):
    # Bosch 2015 Sci Transl Med 7:283ra51: PI3K inhibition enhances ER function
    assert _at(net, "alpelisib", 1000.0, 48.0)["ER_activity"] > 110
    # fulvestrant (SERD) antagonises and degrades ER; letrozole lowers oestradiol
    assert _at(net, "fulvestrant", 100.0, 24.0)["ER_activity"] < 30
    assert _at(net, "letrozole", 1000.0, 24.0)["ER_activity"] < 60
    # ER-negative cells have no ER activity to lose (reference 0: NaN readout)
    er_neg = Network(["ER_negative"]).steady_state()
    assert er_neg["ER_activity"] == pytest.approx(0.0, abs=1e-9)


def test_growth_is_proliferation_minus_apoptosis_and_akt_loss_is_not_lethal(net):
    ss = net.steady_state()
    assert ss["growth"] == pytest.approx(ss["proliferation"] - ss["apoptosis"], rel=1e-9)
    mk = _at(net, "MK-2206", 1000.0, 24.0)
    assert mk["apoptosis"] > 150 and mk["growth"] > 1  # slowed, not killed by construction


def test_full_mtorc1_block_lowers_proliferation_below_the_old_38_percent_floor(net):
    assert _at(net, "rapalink-1", 100.0, 24.0)["proliferation"] < 38


@pytest.mark.xfail(
    strict=True,
    reason="with the output constants fitted (K_tr at its upper bound: proliferation nearly "
    "linear in translation) everolimus lowers growth in every genotype and KRAS/BRAF raise "
    "it in PTEN-null cells by 0.3-0.6 points only (direction kept; > 1.5 asserted); "
    "docs/pathway.md section 7",
)
def test_kras_braf_blunt_everolimus_in_pten_null_cells():
    # Di Nicolantonio 2010 J Clin Invest 120:2858: KRAS/BRAF co-mutation abrogates the
    # everolimus sensitivity of PTEN/PIK3CA-altered cells (here through ERK -> MNK -> eIF4E,
    # translation that does not need the rapalog-sensitive S6K1 arm). The model does not
    # reproduce PTEN loss itself sensitising (docs/pathway.md, section 7).
    def growth(les):
        return _at(Network(les), "everolimus", 10.0, 24.0)["growth"]

    pten = growth(["PTEN_loss"])
    assert growth(["PTEN_loss", "KRAS_mut"]) > pten + 1.5
    assert growth(["PTEN_loss", "BRAF_mut"]) > pten + 1.5


def test_mtor_resistance_mutations_and_rapalink():
    # Rodrik-Outmezguine 2016 Nature 534:272: FRB F2108L resists rapalogs, not TORKi;
    # kinase M2327I resists TORKi, not rapalogs; RapaLink-1 inhibits both
    frb, kin = Network(["MTOR_FRB_mut"]), Network(["MTOR_kinase_mut"])
    s6k = "pS6K1_T389"
    assert _at(frb, "everolimus", 10.0, 24.0)[s6k] > 90
    assert _at(frb, "vistusertib", 1000.0, 2.0)[s6k] < 30
    assert _at(kin, "vistusertib", 1000.0, 2.0)[s6k] > 60
    assert _at(kin, "everolimus", 10.0, 24.0)[s6k] < 40
    for n in (frb, kin):
        assert _at(n, "rapalink-1", 30.0, 24.0)[s6k] < 20


def test_mtorc1_represses_pdgfr_in_fibroblasts_and_rapamycin_restores_it():
    # Zhang 2003 J Clin Invest 112:1223: Tsc2-null MEFs have markedly less PDGFR and a
    # weaker Akt response; Zhang 2007 J Clin Invest 117:730: rapamycin restores PDGFR
    # expression and Akt activation in Tsc-null cells, PTEN deletion also lowers PDGFR.
    # The default (epithelial) cell expresses no PDGFR: its steady state is unchanged.
    mef = {"PDGFR_expr": 1.0}

    def pdgfr(sp):
        return sp["PDGFR"] + sp["PDGFR_p"]

    wt = Network(parameters=mef).steady_state_species()
    tsc = Network(["TSC2_loss"], parameters=mef)
    pten = Network(["PTEN_loss"], parameters=mef).steady_state_species()
    assert pdgfr(tsc.steady_state_species()) < 0.6 * pdgfr(wt)
    assert pdgfr(pten) < pdgfr(wt)
    assert pdgfr(Network().steady_state_species()) < 1e-12
    # rapamycin: PDGFR and p-AKT come back over a day, not within the first hour
    res = tsc.simulate({"rapamycin": 10.0}, times=[1.0, 24.0], t_end=24)
    sp = res.species.set_index("time")
    assert pdgfr(sp.loc[24.0]) > 1.5 * pdgfr(sp.loc[1.0])
    akt = res.readouts.set_index("time")["pAKT_S473"]
    assert akt[24.0] > akt[1.0]


def test_tsc_complex_supports_mtorc2_independently_of_mtorc1():
    # Huang 2008 Mol Cell Biol 28:4104; Huang 2009 Cancer Res 69:6107: TSC-null cells have
    # attenuated mTORC2 activity and S473 phosphorylation, beyond the mTORC1 feedbacks;
    # the parental cell is unaffected by the link
    def s473_ratio(extra):
        wt = Network(parameters=extra).steady_state()["pAKT_S473"]
        return Network(["TSC2_loss"], parameters=extra).steady_state()["pAKT_S473"] / wt

    assert s473_ratio({}) < s473_ratio({"w_tsc_m2": 0.0}) - 0.1
    np.testing.assert_allclose(
        Network(parameters={"w_tsc_m2": 0.0}).steady_state()["pAKT_S473"],
        Network().steady_state()["pAKT_S473"],
        rtol=1e-9,
    )


def test_totals_conserved_with_the_new_cycles(net):
    res = net.simulate({"wortmannin-rapamycin-7c": 100.0, "trametinib": 10.0}, t_end=24, dt=4.0)
    sp = res.species
    for forms in (
        ["FOXO_n", "FOXO_c"],
        ["GSK3", "GSK3_p"],
        ["EBP1", "EBP1_eIF4E", "EBP1_p", "EBP1_p_eIF4E", "EBP1_pp"],
        ["PI3Ka", "PI3Ka_a"],
        ["PI3Kb", "PI3Kb_a"],
    ):
        np.testing.assert_allclose(sp[forms].sum(axis=1), 1.0, rtol=1e-6, err_msg=str(forms))
    np.testing.assert_allclose(
        sp[["eIF4E", "EBP1_eIF4E", "EBP1_p_eIF4E"]].sum(axis=1), 0.5, rtol=1e-6
    )


def test_eif4e_survival_constants_are_the_parental_state_they_claim():
    # mtor.ant (step 4): eif4e_ref is the parental untreated free eIF4E and w_4e_surv equals
    # AKT's survival share there, AKT_act/(AKT_act + K_surv); a change elsewhere that moves
    # the parental state must re-derive them (and K_apo) or parental apoptosis shifts
    net = Network()
    s, p = net.steady_state_species(), net.engine.defaults
    assert s["eIF4E"] == pytest.approx(p["eif4e_ref"], rel=2e-3)
    akt = s["AKT_pp"] + p["a_t308"] * s["AKT_T308"]
    assert p["w_4e_surv"] == pytest.approx(akt / (akt + p["K_surv"]), rel=2e-3)


def test_erk_receptor_block_of_step_5_keeps_the_parental_state_it_claims():
    # mtor.ant (step 5): K_erk_rtk 0.5 -> 0.15 with the EGFR and HER2 on-rates scaled by
    # erk_rtk(0.5)/erk_rtk(0.15) at the parental ERK level, so the serum-fed parental steady
    # state is the one the earlier constants gave, while the most that MEK inhibition can
    # relieve, 1/erk_rtk = 1 + ERK_p/K_erk_rtk (closed form), goes from ~1.7- to ~3.3-fold
    new = Network()
    old = Network(parameters={"K_erk_rtk": 0.5, "k_egf_on": 6.0, "k_her2_on": 5.0})
    a, b = new.steady_state_species(), old.steady_state_species()
    np.testing.assert_allclose(a.to_numpy(), b.loc[a.index].to_numpy(), rtol=2e-3, atol=1e-9)
    erk, p = a["ERK_p"], new.engine.defaults
    scale = (1 + erk / p["K_erk_rtk"]) / (1 + erk / 0.5)
    assert p["k_egf_on"] == pytest.approx(6.0 * scale, rel=2e-3)
    assert p["k_her2_on"] == pytest.approx(5.0 * scale, rel=2e-3)
    assert 1 + erk / p["K_erk_rtk"] == pytest.approx(3.3, abs=0.05)
    assert 1 + erk / 0.5 == pytest.approx(1.7, abs=0.05)
    # and the relief is there: a MEK block raises EGFR activation more than it did
    mek = [("trametinib", 9.2)]
    up_new = new.simulate_pairs(mek, t_end=2.0).species["EGFR_p"].iloc[-1] / a["EGFR_p"]
    up_old = old.simulate_pairs(mek, t_end=2.0).species["EGFR_p"].iloc[-1] / b["EGFR_p"]
    assert up_new > up_old > 1.0
