"""The virtual xenograft study end to end: vehicle, dose response, reproducibility, frames."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetor.errors import ModelError
from kinetor.translate import run_study, study_days

DET = {"pk_variability": None, "tumor_variability": False, "noise": False}


def test_vehicle_gives_no_inhibition():
    res = run_study(
        None,
        "mouse",
        "MCF7",
        None,
        n_animals=3,
        seed=0,
        vehicle=False,
        arms=["Vehicle=vehicle", "Vehicle 2=vehicle", "Zero=vistusertib:0 mg/kg PO QD x 21 days"],
        **DET,
    )
    bm = res.biomarkers
    np.testing.assert_allclose(bm["value"], 100.0, atol=1e-9)
    tgi = res.tgi.set_index("arm")
    assert res.control == "Vehicle"
    # the zero-dose arm integrates on the study grid (ODE rtol 1e-8), the vehicle without one
    np.testing.assert_allclose(tgi["tgi_pct"], 0.0, atol=1e-5)
    # vehicle growth: 175 mm3 x 2^(21/10)
    vol = res.tumor[res.tumor["arm"] == "Vehicle"]
    assert vol["volume"].iloc[-1] == pytest.approx(175.0 * 2**2.1, rel=1e-6)


def test_tgi_increases_with_dose():
    arms = [f"D{d}=vistusertib:{d} mg/kg PO QD x 21 days" for d in (3, 7.5, 15, 30, 60)]
    res = run_study(None, "mouse", "MCF7", None, n_animals=1, arms=arms, **DET)
    tgi = res.tgi.set_index("arm").loc[[a.split("=")[0] for a in arms], "tgi_pct"].to_numpy()
    assert np.all(np.diff(tgi) > 0) and tgi[0] > 0
    assert res.tgi["method"].eq("delta").all()
    assert res.tgi["formula"].str.contains("mean").all()


@settings(max_examples=12, deadline=None)
@given(st.floats(0.5, 100.0), st.floats(1.05, 3.0))
def test_tgi_monotone_in_dose_property(dose, factor):
    arms = [
        f"A=vistusertib:{dose:.4g} mg/kg PO QD x 14 days",
        f"B=vistusertib:{dose * factor:.4g} mg/kg PO QD x 14 days",
    ]
    res = run_study(None, "mouse", "PTEN_null", None, n_animals=1, arms=arms, **DET)
    t = res.tgi.set_index("arm")["tgi_pct"]
    assert t["B"] >= t["A"] - 1e-9


def test_reproducible_with_a_seed():
    kw = {"n_animals": 4, "arms": ["Low=vistusertib:5 mg/kg PO QD x 14 days"]}
    a = run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 14 days", seed=11, **kw)
    b = run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 14 days", seed=11, **kw)
    c = run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 14 days", seed=12, **kw)
    for name in ("pk", "biomarkers", "tumor", "tgi"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not np.allclose(a.tumor["volume"], c.tumor["volume"])
    assert a.settings["seed"] == 11


def test_frames_have_units_and_animals():
    res = run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 21 days", n_animals=3)
    assert [a.name for a in res.arms] == ["Vehicle", "vistusertib 15 mg/kg PO QD x 21 days"]
    tum = res.tumor
    assert tum["unit"].eq("mm^3").all()
    assert tum["day"].unique().tolist() == [0.0, 3.0, 7.0, 10.0, 14.0, 17.0, 21.0]
    assert tum.groupby("arm")["animal"].nunique().eq(3).all()
    assert tum["animal"].nunique() == 6  # unique across arms (TGI needs it)
    bm = res.biomarkers
    assert bm["unit"].eq("%").all() and bm["time"].max() == 504.0
    assert set(bm["readout"]) >= {"pS6_S235_236", "pAKT_S473", "growth"}
    s = res.summary().set_index("arm")
    assert s.loc["Vehicle", "mean_growth_pct"] == 100.0
    assert s.iloc[1]["mean_pS6_S235_236_pct"] < 100.0
    assert res.settings["compounds"]["vistusertib"]["pk_status"] == "assumption"


def test_study_days_and_bad_inputs():
    res = run_study(
        "vistusertib",
        "mouse",
        "MCF7",
        "10 mg/kg PO QD 2 days on/5 days off x 3 weeks",
        n_animals=1,
        tumor_growth=False,
    )
    assert res.settings["days"] == 21.0 and study_days(res.arms) == 21.0
    with pytest.raises(ModelError, match="pathway_mode"):
        run_study("vistusertib", regimen="1 mg/kg PO single", pathway_mode="fast")
    with pytest.raises(ModelError, match="control arm"):
        run_study("vistusertib", regimen="1 mg/kg PO single", control="Nope")
    with pytest.raises(ModelError, match="both compound and regimen"):
        run_study("vistusertib")
    with pytest.raises(ModelError, match="n_animals"):
        run_study("vistusertib", regimen="1 mg/kg PO single", n_animals=0)


def test_plots_and_save(tmp_path):
    res = run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 7 days", n_animals=2)
    files = res.save(tmp_path)
    names = {p.name for p in files}
    assert {
        "pk.csv",
        "biomarkers.csv",
        "tumor.csv",
        "tgi.csv",
        "summary.csv",
        "settings.json",
        "pk.png",
        "biomarkers.png",
        "tumor.png",
    } <= names
    assert (tmp_path / "tumor.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ModelError, match="unknown readout"):
        res.plot_biomarkers(["pS6"])
