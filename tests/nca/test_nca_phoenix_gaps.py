"""Phoenix WinNonlin / PKNCA conventions that kinetor follows, each checked by hand.

Units h, mg/L, mg unless a test says otherwise.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca

FIX = Path(__file__).parent / "fixtures"
UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}


def theoph_subject(subject: int) -> Study:
    df = pd.read_csv(FIX / "theoph.csv")
    df = df[df.Subject == subject]
    conc = pd.DataFrame({"subject": df.Subject.astype(str), "time": df.Time, "conc": df.conc})
    doses = pd.DataFrame(
        {"subject": [str(subject)], "time": [0.0], "dose": [320.0], "route": ["PO"]}
    )
    return Study(conc, doses, units=UNITS)


def value(res, code, start=None, end=None):
    p = res.parameters
    sel = p.PPTESTCD == code
    if start is not None:
        sel &= (p.start == start) & (p.end == end)
    row = p[sel]
    assert len(row) == 1, (code, len(row))
    return float(row["value"].iloc[0])


def test_partial_auc_wholly_after_tlast_uses_predicted_ends():
    # Phoenix: an interval [a, b] after Tlast integrates between C*(a) and C*(b) predicted
    # by lambda_z. Theoph subject 6 (Tlast 23.85 h): WinNonlin's lambda_z and AUCINF_pred
    # give CLSTP = (AUCINF_pred - AUClast) lambda_z; AUC(30, 48) = (C*(30) - C*(48))/lambda_z.
    ref = pd.read_csv(FIX / "wnl_theoph_log.csv").set_index("Subject").loc[6]
    lz = ref.Lambda_z
    clstp = (ref.AUCINF_pred - ref.AUClast) * lz
    c30 = clstp * math.exp(-lz * (30 - ref.Tlast))
    c48 = clstp * math.exp(-lz * (48 - ref.Tlast))
    expected = (c30 - c48) / lz
    assert expected == pytest.approx(4.96155, abs=5e-6)
    iv = pd.DataFrame({"start": [30.0, 30.0], "end": [48.0, np.inf], "kind": "partial"})
    res = nca(theoph_subject(6), intervals=iv)
    assert value(res, "AUCINT", 30.0, 48.0) == pytest.approx(expected, rel=1e-7)
    # to infinity: C*(30)/lambda_z
    assert value(res, "AUCINT", 30.0, np.inf) == pytest.approx(c30 / lz, rel=1e-7)


def blq_study():
    # BLQ at 0 (first), 3 (middle, after Tmax) and 12, 24 (last); Tmax = 1
    conc = pd.DataFrame(
        {
            "subject": "b1",
            "time": [0.0, 1, 2, 3, 4, 8, 12, 24],
            "conc": [np.nan, 8, 4, np.nan, 2, 1, np.nan, np.nan],
            "blq": [True, False, False, True, False, False, True, True],
            "lloq": 0.5,
        }
    )
    doses = pd.DataFrame({"subject": ["b1"], "time": [0.0], "dose": [10.0], "route": ["PO"]})
    return Study(conc, doses, units=UNITS)


@pytest.mark.parametrize(
    "rule, expected",
    [
        # PKNCA's default is first=keep, middle=drop, last=keep (BLQ = 0)
        ("pknca", 4 + 6 + 2 * 3 + 4 * 1.5 + 4 * 0.5 + 12 * 0),
        ({"first": "keep", "middle": "drop", "last": "keep"}, 4 + 6 + 2 * 3 + 6 + 2),
        # middle as a number: the 3 h sample enters at 0.25
        (
            {"first": "keep", "middle": 0.25, "last": "drop"},
            4 + 6 + (4 + 0.25) / 2 + (0.25 + 2) / 2 + 6,
        ),
        # last as a number extends AUCall and AUClast (0.5 is > 0: Tlast moves to 24 h)
        ("first=drop,middle=drop,last=0.5", None),
        (
            {"before_tmax": "keep", "after_tmax": 0.1},
            4 + 6 + (4 + 0.1) / 2 + (0.1 + 2) / 2 + 6 + 4 * (1 + 0.1) / 2 + 12 * 0.1,
        ),
    ],
)
def test_pknca_blq_shapes_linear_auc(rule, expected):
    res = nca(blq_study(), blq_rule=rule, auc_method="linear")
    got = value(res, "AUCALL")
    if expected is None:
        # first dropped: no dose-time sample, so one is inserted at C = 0 (same area);
        # middle dropped; last = 0.5 at 12 and 24 h
        expected = 4 + 6 + 2 * 3 + 6 + 4 * (1 + 0.5) / 2 + 12 * 0.5
        assert value(res, "TLST") == 24.0
    assert got == pytest.approx(expected, rel=1e-12)


def test_blq_shape_errors_name_the_problem():
    from kinetor.errors import KinetorError

    with pytest.raises(KinetorError, match="first, middle and last"):
        nca(blq_study(), blq_rule={"first": "keep", "middle": "drop"})
    with pytest.raises(KinetorError, match="'keep', 'drop' or a concentration"):
        nca(blq_study(), blq_rule="first=keep,middle=half,last=keep")


LN2 = math.log(2.0)


def ev_study():
    # extravascular, lambda_z = ln2/4 from t = 4; a measured 0 at 24 h
    conc = pd.DataFrame(
        {
            "subject": "s1",
            "time": [0.0, 1, 2, 4, 8, 12, 24],
            "conc": [0.0, 8, 10, 5, 2.5, 1.25, 0.0],
        }
    )
    doses = pd.DataFrame({"subject": ["s1"], "time": [0.0], "dose": [100.0], "route": ["PO"]})
    return Study(conc, doses, units=UNITS)


def ss_study(route="PO", duration=0.0):
    # doses of 100 mg at 0, 12, 24 h; the third interval sampled; k = ln2/2 from t = 26
    conc = pd.DataFrame(
        {"subject": "s1", "time": [24.0, 25, 26, 28, 32, 36], "conc": [1.5, 10, 8, 4, 1, 0.25]}
    )
    doses = pd.DataFrame(
        {
            "subject": "s1",
            "time": [0.0, 12.0, 24.0],
            "dose": 100.0,
            "route": route,
            "duration": duration,
        }
    )
    return Study(conc, doses, units=UNITS)


def test_single_dose_new_parameters_by_hand():
    res = nca(ev_study(), auc_method="linear")
    w = res.to_wide().iloc[0]
    auclst = 4 + 9 + 15 + 15 + 7.5  # linear trapezoids to 12 h = 50.5
    aumclst = (
        1 * 8 / 2 + 1 * (8 + 20) / 2 + 2 * (20 + 20) / 2 + 4 * (20 + 20) / 2 + 4 * (20 + 15) / 2
    )  # = 208
    assert w.AUCLST == pytest.approx(auclst) and w.AUMCLST == pytest.approx(aumclst)
    # AUMCALL adds the 12-24 h segment to the measured 0: 12 * (12*1.25 + 24*0)/2 = 90
    assert w.AUMCALL == pytest.approx(aumclst + 90, rel=1e-12)
    assert w.AUCALL == pytest.approx(auclst + 12 * 1.25 / 2, rel=1e-12)
    assert (w.TFIRST, w.CSTART, w.TOTDOSE) == (1.0, 0.0, 100.0)
    assert (w.NCONC, w.NCONCMS) == (7, 5)  # 7 samples used, 5 above 0
    # PKNCA cl.last and cl.all: dose / AUClast and dose / AUCall (mg / (h*mg/L) = L/h)
    assert w.CLFLST == pytest.approx(100 / auclst, rel=1e-12)
    assert w.CLFALL == pytest.approx(100 / (auclst + 7.5), rel=1e-12)
    # AUC above the predose concentration (0): AUCall
    assert w.AUCAPRED == pytest.approx(auclst + 7.5, rel=1e-12)
    units = res.parameters.set_index("PPTESTCD")["unit"]
    assert (units["AUMCALL"], units["TOTDOSE"], units["CLFLST"]) == ("h^2*mg/L", "mg", "L/h")


def test_partial_aumc_inside_and_after_tlast():
    from scipy.integrate import quad

    iv = pd.DataFrame({"start": [0.0, 16.0], "end": [12.0, 20.0], "kind": "partial"})
    conc = ev_study().conc.iloc[:-1]  # last sample 12 h (1.25 mg/L)
    st = Study(conc, ev_study().doses, units=UNITS)
    res = nca(st, intervals=iv, auc_method="linear")
    assert value(res, "AUMCINT", 0.0, 12.0) == pytest.approx(208.0, rel=1e-12)  # AUMClast
    k = LN2 / 4
    expected = quad(lambda t: t * 1.25 * math.exp(-k * (t - 12)), 16, 20)[0]
    assert value(res, "AUMCINT", 16.0, 20.0) == pytest.approx(expected, rel=1e-9)


def test_steady_state_new_parameters_by_hand():
    res = nca(
        ss_study(), intervals=pd.DataFrame({"start": [24.0], "end": [36.0]}), auc_method="linear"
    )
    w = res.to_wide().iloc[0]
    auctau, aumctau, tau, k = 39.25, 120.0, 12.0, LN2 / 2
    cavg = auctau / tau
    assert w.CAVGD == pytest.approx(cavg / 100, rel=1e-12)
    assert w.CMIND == pytest.approx(0.25 / 100, rel=1e-12)
    assert w.CTROUGHD == pytest.approx(0.25 / 100, rel=1e-12)
    assert w.CSTART == 1.5 and w.TOTDOSE == 100.0
    # PKNCA aucabove.predose.all: C - 1.5 clipped at 0 = 0, 8.5, 6.5, 2.5, 0, 0 (linear)
    assert w.AUCAPRED == pytest.approx(8.5 / 2 + 15 / 2 + 2 * 9 / 2 + 4 * 2.5 / 2, rel=1e-12)
    # above the trough 0.25: 1.25, 9.75, 7.75, 3.75, 0.75, 0
    assert w.AUCATRGH == pytest.approx(
        11 / 2 + 17.5 / 2 + 2 * 11.5 / 2 + 4 * 4.5 / 2 + 4 * 0.75 / 2, rel=1e-12
    )
    # effective half-life and Kel from the steady-state MRT (PKNCA thalf.eff, kel)
    mrt = (aumctau + tau * (auctau + 0.25 / k - auctau)) / auctau
    assert w.EFFHL == pytest.approx(LN2 * mrt, rel=1e-10)
    assert w.KEL == pytest.approx(1 / mrt, rel=1e-10)


def test_steady_state_vss_uses_the_tau_corrected_mrt():
    res = nca(
        ss_study(route="IV"),
        intervals=pd.DataFrame({"start": [24.0], "end": [36.0]}),
        auc_method="linear",
    )
    w = res.to_wide().iloc[0]
    auctau, aumctau, tau, k = 39.25, 120.0, 12.0, LN2 / 2
    mrt = (aumctau + tau * (0.25 / k)) / auctau  # Phoenix: + tau (AUCinf - AUCtau)
    assert w.MRTIVIFO == pytest.approx(mrt, rel=1e-10)
    assert w.VSSO == pytest.approx(mrt * 100 / auctau, rel=1e-10)  # MRT x CLss, L


def test_ceoi_and_totdose_over_several_doses():
    res = nca(
        ss_study(route="IV infusion", duration=1.0),
        intervals=pd.DataFrame({"start": [24.0, 0.0], "end": [36.0, 36.0]}),
    )
    p = res.parameters
    assert value(res, "CEOI", 24.0, 36.0) == 10.0  # the sample 1 h after the 24 h dose
    assert value(res, "TOTDOSE", 0.0, 36.0) == 300.0  # doses at 0, 12 and 24 h
    assert value(res, "TOTDOSE", 24.0, 36.0) == 100.0
    assert "CEOI" not in set(nca(ev_study()).parameters.PPTESTCD)
    assert len(p)
