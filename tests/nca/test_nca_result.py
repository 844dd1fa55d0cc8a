"""NCAResult views: wide, CDISC PP, summary statistics, provenance; bioavailability."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kinetor
from kinetor.data import Study
from kinetor.errors import KinetorError
from kinetor.nca import bioavailability, nca

EV_T = [0.0, 1, 2, 4, 8, 12]
EV_C = np.array([0.0, 8, 10, 5, 2.5, 1.25])


def three_subjects():
    conc = pd.concat(
        [
            pd.DataFrame({"subject": s, "time": EV_T, "conc": EV_C * f})
            for s, f in (("a", 0.2), ("b", 0.4), ("c", 0.8))
        ]
    )
    doses = pd.DataFrame({"subject": ["a", "b", "c"], "time": 0.0, "dose": 10.0, "route": "PO"})
    subjects = pd.DataFrame({"subject": ["a", "b", "c"], "group": "G1"})
    return Study(conc, doses, subjects, units={"time": "h", "conc": "ng/mL", "dose": "mg"})


def test_summary_statistics_by_hand():
    res = nca(three_subjects())
    s = res.summary().set_index("PPTESTCD")
    cmax = s.loc["CMAX"]  # values 2, 4, 8
    assert cmax["n"] == 3 and cmax["n_missing"] == 0
    assert cmax["mean"] == pytest.approx(14 / 3, rel=1e-12)
    sd = math.sqrt(((2 - 14 / 3) ** 2 + (4 - 14 / 3) ** 2 + (8 - 14 / 3) ** 2) / 2)
    assert cmax["sd"] == pytest.approx(sd, rel=1e-12)
    assert cmax["cv_pct"] == pytest.approx(100 * sd / (14 / 3), rel=1e-12)
    # geometric mean (2*4*8)^(1/3) = 4; ln values ln2*(1,2,3) have SD ln2
    assert cmax["geomean"] == pytest.approx(4.0, rel=1e-12)
    assert cmax["geocv_pct"] == pytest.approx(
        100 * math.sqrt(math.exp(math.log(2) ** 2) - 1), rel=1e-12
    )
    assert (cmax["median"], cmax["min"], cmax["max"]) == (4.0, 2.0, 8.0)
    # PKNCA defaults: geometric for Cmax/AUC, median (range) for Tmax, mean (SD) for t1/2
    assert cmax["statistic"] == "geometric mean (geometric CV%)"
    assert cmax["display"] == "4.00 (78.5)"  # 100*sqrt(e^(ln2^2) - 1) = 78.53
    assert s.loc["TMAX", "display"] == "2 (2\u20132)"  # times as recorded
    assert s.loc["LAMZHL", "statistic"] == "mean (SD)"


def test_summary_excludes_flagged_values_only_when_asked():
    res = nca(three_subjects())
    # every subject: lambda_z from 3 points spanning 8 h = 2 half-lives -> not flagged;
    # AUC%extrap = 100 * (1.25/k) / AUCinf = 12.5 % -> not flagged: all values usable
    assert (res.parameters["exclude"] == "").all()
    assert (res.to_wide()["flag"] == "").all()
    res = nca(three_subjects(), max_aucpext=10.0)
    s = res.summary().set_index("PPTESTCD")
    assert s.loc["AUCIFO", "n"] == 3 and s.loc["AUCIFO", "n_flagged"] == 3
    s = res.summary(exclude_flagged=True).set_index("PPTESTCD")
    assert s.loc["AUCIFO", "n"] == 0 and s.loc["AUCIFO", "display"] == "NC"
    # the flag is a column of the long and the wide tables
    p = res.parameters.set_index(["subject", "PPTESTCD"])
    assert p.loc[("a", "AUCIFO"), "flag"] == "AUCPEO > 10%"
    assert p.loc[("a", "CMAX"), "flag"] == ""
    w = res.to_wide().set_index("subject")
    assert w.loc["a", "flag"] == "AUCPEO > 10%; AUCPEP > 10%"


def test_wide_and_cdisc_views():
    res = nca(three_subjects())
    w = res.to_wide()
    assert w["subject"].tolist() == ["a", "b", "c"]
    assert w["CMAX"].tolist() == [2.0, 4.0, 8.0]
    assert list(w.columns[:7]) == ["subject", "group", "analyte", "matrix", "start", "end", "CMAX"]
    pp = res.to_cdisc(studyid="S1")
    assert {
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        "PPSEQ",
        "PPTESTCD",
        "PPTEST",
        "PPCAT",
        "PPSCAT",
        "PPORRES",
        "PPORRESU",
        "PPSTRESC",
        "PPSTRESN",
        "PPSTRESU",
        "PPSPEC",
    } <= set(pp.columns)
    a = pp[pp.USUBJID == "a"]
    assert a["PPSEQ"].tolist() == list(range(1, len(a) + 1))
    row = a[a.PPTESTCD == "CMAX"].iloc[0]
    assert (row.PPTEST, row.PPORRES, row.PPSTRESN, row.PPSTRESU, row.PPSPEC, row.PPSCAT) == (
        "Max Conc",
        "2",
        2.0,
        "ng/mL",
        "PLASMA",
        "NON-COMPARTMENTAL",
    )
    assert row.PPSTINT == "PT0H" and row.PPENINT == ""
    assert a[a.PPTESTCD == "CLFO"].iloc[0].PPTEST == "Total CL Obs by F"
    assert (pp["PPTESTCD"].str.len() <= 8).all()


def test_nan_values_are_not_done_in_cdisc():
    conc = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2], "conc": [0.0, 3, 2]})
    doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    res = nca(Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"}))
    pp = res.to_cdisc().set_index("PPTESTCD")
    assert pp.loc["LAMZ", "PPSTAT"] == "NOT DONE"
    assert "fewer than 3" in pp.loc["LAMZ", "PPREASND"]
    assert pp.loc["LAMZ", "PPORRES"] == ""


def test_provenance():
    st = three_subjects()
    res = nca(st, auc_method="linear")
    prov = res.provenance
    assert prov["input_hash"] == st.input_hash()
    assert prov["kinetor_version"] == kinetor.__version__
    assert prov["options"]["auc_method"] == "linear"
    assert prov["options"]["blq_rule"] == "pknca"
    assert res.options.auc_method == "linear"


def crossover():
    # subject x: IV 1 mg at t=0 (profile 1..4 h), PO 2 mg at t=100 (profile 101..104 h)
    # subject y: IV only; subject z: PO only (different dose)
    t_iv, c_iv = [1.0, 2, 4], [8.0, 4, 1]
    t_po, c_po = [101.0, 102, 104], [2.0, 2, 0.5]
    conc = pd.concat(
        [
            pd.DataFrame({"subject": "x", "time": t_iv + t_po, "conc": c_iv + c_po}),
            pd.DataFrame({"subject": "y", "time": t_iv, "conc": [16.0, 8, 2]}),
            pd.DataFrame({"subject": "z", "time": [1.0, 2, 4], "conc": [4.0, 4, 1]}),
        ]
    )
    doses = pd.DataFrame(
        {
            "subject": ["x", "x", "y", "z"],
            "time": [0.0, 100, 0, 0],
            "dose": [1.0, 2, 2, 2],
            "route": ["IV", "PO", "IV", "PO"],
        }
    )
    st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
    iv = pd.DataFrame(
        {
            "subject": ["x", "x", "y", "z"],
            "start": [0.0, 100, 0, 0],
            "end": [100.0, np.inf, np.inf, np.inf],
            "kind": "single",
        }
    )
    return nca(st, intervals=iv)


def test_bioavailability_group_means_and_paired():
    res = crossover()
    f = bioavailability(
        res, test="extravascular", reference="iv_bolus", by="route", parameter="AUCLST"
    )
    # IV x: C0 16, AUClast = (16-8)/ln2 + (8-4)/ln2 + 2*(4-1)/ln4 = 15/ln2, dose 1
    # IV y: twice the concentrations, dose 2 -> the same 15/ln2 per mg
    # PO x: 1*2/2 + 1*2 + 2*1.5/ln4 = 3 + 3/ln4, dose 2; PO z: 2 + 4 + 6/ln4, dose 2
    ln2, ln4 = math.log(2), math.log(4)
    iv_dn = 15 / ln2
    po_x, po_z = (3 + 3 / ln4) / 2, (6 + 6 / ln4) / 2
    g = f[f.method == "group means"].iloc[0]
    assert (g.n_test, g.n_reference) == (2, 2)
    assert g.F_percent == pytest.approx(100 * ((po_x + po_z) / 2) / iv_dn, rel=1e-12)
    s = f[f.method == "subject"].set_index("subject")
    assert list(s.index) == ["x"]
    assert s.loc["x", "F_percent"] == pytest.approx(100 * po_x / iv_dn, rel=1e-12)
    assert f[f.method == "paired mean"].F_percent.iloc[0] == pytest.approx(
        100 * po_x / iv_dn, rel=1e-12
    )
    # by="route" compares route kinds: "PO"/"IV" name them; an infusion is absent here
    same = bioavailability(res, test="PO", reference="IV", by="route", parameter="AUCLST")
    assert same["F_percent"].tolist() == f["F_percent"].tolist()
    with pytest.raises(KinetorError, match=r"no usable.*'iv_bolus', 'extravascular'"):
        bioavailability(
            res, test="IV infusion", reference="iv_bolus", by="route", parameter="AUCLST"
        )


def test_kt_nca_is_callable_whatever_the_import_order():
    # `import kinetor.nca` binds the package to kinetor.nca; kt.nca(study) must still run
    import subprocess
    import sys

    code = (
        "import kinetor.nca, kinetor as kt, pandas as pd; "
        "c = pd.DataFrame({'subject': 'a', 'time': [0.0, 1, 2], 'conc': [0.0, 2, 1]}); "
        "d = pd.DataFrame({'subject': ['a'], 'time': [0.0], 'dose': [1.0], "
        "'route': ['po']}); "
        "st = kt.data.Study(c, d, units={'time': 'h', 'conc': 'mg/L', 'dose': 'mg'}); "
        "print(float(kt.nca(st, auc_method='linear').to_wide().AUCLST[0]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert float(out) == 2.5  # 0.5*1*(0+2) + 0.5*1*(2+1) = 1 + 1.5
