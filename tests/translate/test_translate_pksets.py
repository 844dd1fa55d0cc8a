"""Every PK model set the chain uses, simulated at its source's dose and compared with the
source's NCA values (Cmax, AUC, trough, tmax, t1/2) within the source's precision.

Expected values are the published numbers (hand-copied here with their source), never
outputs of the code under test. A documented miss is an ``xfail(strict=True)`` with the
reason, so that a fix is noticed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kinetor.pk import SPECIES, simulate
from kinetor.translate.arms import drug_model

MW = {"vistusertib": 462.554}


def _profile(compound, species, regimen, end_h, dt=0.01):
    dm = drug_model(compound, species)
    t = np.arange(0.0, end_h + 1e-9, dt)
    sim = simulate(
        dm.model,
        regimen,
        t,
        n_subjects=1,
        variability=None,
        weight=float(SPECIES[species]["weight"]),
        mw=dm.mw,
        conc_unit="ng/mL",
    )
    return t, np.asarray(sim.conc)[0]


def _terminal_half_life(t, c, start, end):
    sel = (t >= start) & (t <= end)
    slope = np.polyfit(t[sel], np.log(c[sel]), 1)[0]
    return math.log(2) / -slope


# ---- vistusertib, mouse (assumption set derived from seed 000's mouse PK table) ----------


@pytest.mark.parametrize("dose", [7.5, 15.0])
def test_vistusertib_mouse_cmax_inside_the_published_range(dose):
    # seed 000 PK table: SCID mice, 7.5-15 mg/kg PO, Cmax 1-16 uM (dose-dependent)
    _t, c = _profile("vistusertib", "mouse", f"{dose:g} mg/kg PO single", 24)
    cmax_um = c.max() / MW["vistusertib"]  # ng/mL / (g/mol) = umol/L
    assert 1.0 <= cmax_um <= 16.0


@pytest.mark.xfail(
    strict=True,
    reason=(
        "the BenchChem note's mouse AUC 220-5,042 uM*h cannot follow from its own Cmax 1-16 uM and t1/2 "
        "~4 h (AUC <= Cmax x 1.44 x t1/2 x ~2 ~ 180 uM*h); the set reproduces Cmax, not AUC"
    ),
)
def test_vistusertib_mouse_auc_inside_the_published_range():
    t, c = _profile("vistusertib", "mouse", "15 mg/kg PO single", 96)
    auc_umh = np.trapezoid(c, t) / MW["vistusertib"]
    assert 220.0 <= auc_umh <= 5042.0


# ---- alpelisib, human (population PK CL/F and V/F) ---------------------------------------


def test_alpelisib_human_half_life_matches_juric_2018():
    # Juric 2018 J Clin Oncol 36:1291: t1/2 7.6 h at 400 mg QD (independent of the popPK)
    t, c = _profile("alpelisib", "human", "400 mg PO single", 72)
    assert _terminal_half_life(t, c, 24, 72) == pytest.approx(7.6, rel=0.05)


def test_alpelisib_human_tmax_matches_james_2015():
    # James 2015 Cancer Chemother Pharmacol: tmax 2 h after a single 400 mg dose
    t, c = _profile("alpelisib", "human", "400 mg PO single", 24)
    assert t[np.argmax(c)] == pytest.approx(2.0, abs=0.25)


# ---- capivasertib, human (label AUC and a 10 h half-life; unverified) --------------------


def _capivasertib_week2():
    # 400 mg BID 4 days on/3 days off; steady state 'on the 3rd and 4th dosing day of each
    # week, starting week 2' (label): take the first dose of day 4 of week 2 (hours 240-252)
    t, c = _profile(
        "capivasertib", "human", "400 mg PO BID 4 days on/3 days off x 2 cycles", 14 * 24, dt=0.02
    )
    return t, c, (t >= 240.0) & (t <= 252.0)


def test_capivasertib_human_auc_tau_matches_the_label():
    # TRUQAP label 12.3: steady-state AUC (12 h interval) 8,069 h*ng/mL, CV 37 %
    t, c, sel = _capivasertib_week2()
    assert np.trapezoid(c[sel], t[sel]) == pytest.approx(8069.0, rel=0.10)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a one-compartment model with the 10 h terminal half-life spreads the dose over a large "
        "V/F (715 L) and predicts a steady-state peak of ~0.9 ug/mL, below the label's 1,371 "
        "ng/mL (CV 30 %): capivasertib's disposition is multi-compartmental (three-compartment "
        "population model), which a published set of CL, V1, Q, V2 would fix"
    ),
)
def test_capivasertib_human_cmax_ss_matches_the_label():
    _t, c, sel = _capivasertib_week2()
    assert c[sel].max() == pytest.approx(1371.0, rel=0.30)


def test_capivasertib_human_tmax_inside_the_label_range():
    t, c = _profile("capivasertib", "human", "400 mg PO single", 24)
    assert 1.0 <= t[np.argmax(c)] <= 2.0


# ---- everolimus, human (whole blood; t1/2 and trough) ------------------------------------


def test_everolimus_human_trough_inside_the_swog_interquartile_range():
    # SWOG S0931: whole-blood trough at 10 mg QD, quartile limits 9.0 / 12.9 / 22.8 ng/mL
    t, c = _profile("everolimus", "human", "10 mg PO QD x 15 days", 15 * 24, dt=0.05)
    trough = c[np.argmin(np.abs(t - 14 * 24 + 1e-3))]
    assert 9.0 <= trough <= 22.8
    assert trough == pytest.approx(12.9, rel=0.05)


def test_everolimus_human_half_life_inside_odonnell_range():
    # O'Donnell 2008: terminal half-life 30 h (range 26-38 h)
    t, c = _profile("everolimus", "human", "20 mg PO single", 168, dt=0.05)
    assert 26.0 <= _terminal_half_life(t, c, 48, 168) <= 38.0


def test_everolimus_human_tmax_inside_the_chinese_phase1_range():
    # J Hematol Oncol 2011 4:3: median tmax 2 h (range 0.9-6) at 10 mg/day (independent)
    t, c = _profile("everolimus", "human", "10 mg PO single", 24)
    assert 0.9 <= t[np.argmax(c)] <= 6.0
