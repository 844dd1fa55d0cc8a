"""The browser app with hostile or careless input: every bad field refused with a message
(never replaced by a default), library errors reworded for the page, NCA shows IV CL/V."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kinetor.web import forms, tasks
from kinetor.web.forms import FieldError
from kinetor.web.page_models import pathway_args, pk_args
from kinetor.web.page_study import xenograft_args

IV_UNITS = {"units": {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}}
# C = 16 * 2^-t after a 1 mg/kg IV bolus, a measured 0 at t=0: k = ln 2 / h
IV_CSV = b"subject,time,conc,dose,route\n1,0,0,1,IV\n1,1,8,,\n1,2,4,,\n1,4,1,,\n1,6,0.25,,\n1,8,0.0625,,\n"


def test_nca_summary_shows_iv_clearance_and_volume():
    res = tasks.nca_job(IV_CSV, "iv.csv", IV_UNITS, {})
    df = pd.DataFrame(res["summary"]).set_index("PPTESTCD")
    # the 0 at the dose time gives way to C0 back-extrapolated from 8 and 4: 16 (PKNCA's
    # c0 uses a dose-time value only when it is > 0); AUC 0-1 log-down (16 - 8)/ln2, 1-8
    # log-down (8 - 0.0625)/ln2, tail 0.0625/ln2 -> 16/ln2 (the exact area)
    auc_inf = 16 / math.log(2)
    cl = 1e6 / auc_inf / 1000  # 1 mg/kg over ng*h/mL -> L/h/kg
    assert df.loc["CLO", "mean"] == pytest.approx(cl, rel=1e-3)  # 43.32
    assert df.loc["VZO", "mean"] == pytest.approx(cl / math.log(2), rel=1e-3)  # 62.50


@pytest.mark.parametrize("text", ["abc", "-1-5", "0-24-48", "24-0", "5-5", "0-", "1e999-2e999"])
def test_bad_interval_is_refused(text):
    with pytest.raises(FieldError, match="START-END"):
        forms.parse_interval(text)


def test_good_interval_and_none():
    assert forms.parse_interval(" 0 - 24 ") == [{"start": 0.0, "end": 24.0}]
    assert forms.parse_interval("") is None


def test_subject_without_positive_concentrations_has_a_message():
    lz = [
        {"subject": "A", "time": 1.0, "conc": 8.0, "used": True},
        {"subject": "B", "time": 1.0, "conc": 0.0, "used": False},
        {"subject": "B", "time": 2.0, "conc": 0.0, "used": False},
    ]
    with pytest.raises(FieldError, match="subject B has no concentrations above zero to plot"):
        forms.lz_points(lz, "B", [])
    pts = forms.lz_points(lz, "A", [{"subject": "A", "time": 1}])
    assert len(pts["gone"]) == 1 and len(pts["used"]) == 1


def test_pathway_result_carries_its_time_and_any_failure_is_a_message(monkeypatch):
    import kinetor.pathway as kp

    res = tasks.pathway_job([], {"everolimus": 10.0}, 2.0, ["pS6_S235_236"])
    assert res["t_end"] == 2.0  # the plot's title uses the run's time, not the live field

    def boom(*a, **k):
        raise RuntimeError("CVODE Error: CV_CONV_FAILURE: Convergence test failures")

    monkeypatch.setattr(kp.Network, "simulate", boom)
    res = tasks.pathway_job([], {"everolimus": 10.0}, 24.0, ["pS6_S235_236"])
    assert "did not complete" in res["error"] and "CVODE" not in res["error"]


def test_negative_concentration_problem_reaches_the_page():
    res = tasks.pathway_job([], {"everolimus": -1.0}, 24.0, ["pS6_S235_236"])
    assert res["problems"] and "-1" in res["problems"][0]["problem"]
    assert res["problems"][0]["fix"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("t_end", 0),
        ("t_end", -5),
        ("t_end", None),
        ("n", 0),
        ("n", 6000),
        ("n", 2.5),
        ("n", None),
        ("cv", -30),
        ("cv", None),
        ("weight", 0),
        ("model", "Nope"),
    ],
)
def test_pk_form_refuses_instead_of_defaulting(field, value):
    args = dict(
        model="OneCompartmentOral",
        params="cl=0.5 L/h/kg, v=2 L/kg, ka=1 1/h",
        regimen="15 mg/kg PO",
        t_end=24,
        n=200,
        cv=30,
        weight=0.025,
    )
    assert pk_args(**args)[3:] == (24.0, 200, 30.0, 0.025)
    with pytest.raises(FieldError):
        pk_args(**{**args, field: value})


@pytest.mark.parametrize(
    "field, value",
    [
        ("conc1", None),
        ("t_end", 0),
        ("t_end", None),
        ("readouts", ["pNOPE"]),
        ("readouts", []),
        ("lesions", ["NOPE_loss"]),
        ("drug1", "<img src=x>"),
    ],
)
def test_pathway_form_checks_numbers_and_menus(field, value):
    args = dict(
        lesions=[],
        drug1="everolimus",
        conc1=10,
        drug2="",
        conc2=0,
        t_end=24,
        readouts=["pS6_S235_236"],
    )
    assert pathway_args(**args) == ([], {"everolimus": 10.0}, 24.0, ["pS6_S235_236"])
    with pytest.raises(FieldError):
        pathway_args(**{**args, field: value})


@pytest.mark.parametrize(
    "field, value",
    [
        ("arms_text", "  \n "),
        ("n_animals", 0),
        ("n_animals", None),
        ("seed", -1),
        ("n_replicates", 1),
        ("tumor", "NOPE"),
    ],
)
def test_xenograft_form_says_why_it_does_not_run(field, value):
    args = dict(
        arms_text="a=vistusertib:15 mg/kg PO QD x 21 days",
        tumor="MCF7",
        n_animals=8,
        n_replicates=40,
        seed=0,
        tumors=["MCF7"],
    )
    assert xenograft_args(**args)[2:] == (8, 40, 0)
    with pytest.raises(FieldError):
        xenograft_args(**{**args, field: value})


def test_single_replicate_has_no_interval():
    res = tasks.xenograft_tgi(["v=vistusertib:15 mg/kg PO QD x 21 days"], "MCF7", 3, 1, 0)
    assert set(res["summary"]["tgi_lo_pct"]) == {"one replicate: no interval"}


def test_library_messages_are_worded_for_the_page():
    res = tasks.pk_job(
        "OneCompartment", {"cl": "0.5 L/h/kg", "v": "2 L/kg"}, "15 mg/kg PO", 24, 1, 0, 0.025
    )
    assert not res["error"].startswith("ModelError")
    assert "command line" not in res["error"] and "ka=... in Parameters" in res["error"]
    up = tasks.validate(b"subject,time,conc,dose,route\n1,0,0,5,IV\n1,1,3,,\n", "x.csv", {})
    fixes = " ".join(p["fix"] for p in up["problems"])
    assert "Concentration unit menu" in fixes and "--conc-unit" not in fixes
    assert "in Python" not in fixes
    text = forms.web_text("is not an Excel .xlsx workbook (BadZipFile: File is not a zip file)")
    assert text == "is not an Excel .xlsx workbook"
    assert forms.web_text("RegimenError: cannot read 'QX'") == "cannot read 'QX'"
    pk = forms.web_text("unknown compound 'x' and no PK parameters given: pass pk={'model': 1}")
    assert "pk=" not in pk and "compound library" in pk


def test_sparse_option_pools_animals_per_group():
    # serial sacrifice: one sample per animal, two animals per time -> one profile of means
    rows = ["subject,time,conc,dose,route,group", "a,0,0,1,IV,G", "b,0,0,1,IV,G"]
    for i, (t, c) in enumerate([(1, 7), (1, 9), (2, 3), (2, 5), (4, 1), (4, 1)]):
        rows.append(f"s{i},{t},{c},1,IV,G")
    data = ("\n".join(rows) + "\n").encode()
    res = tasks.nca_job(data, "sparse.csv", IV_UNITS, {"sparse": True})
    assert res["profiles"] == 1
    means = {p["time"]: p["conc"] for p in res["lz"]}
    assert means[1.0] == pytest.approx(8.0) and means[2.0] == pytest.approx(4.0)
