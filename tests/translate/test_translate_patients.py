"""Virtual patients: human PK gap, user PK, clinical schedules."""

import pytest

from kinetor.errors import ModelError
from kinetor.translate import run_virtual_patients

HUMAN_PK = {"model": "1cmt", "cl": "20 L/h", "v": "100 L", "ka": "1 1/h", "f": 0.5}


def test_no_human_pk_raises_naming_the_gap():
    with pytest.raises(ModelError, match="vistusertib: no human PK") as err:
        run_virtual_patients("vistusertib", "50 mg PO BID x 7 days", n_patients=2)
    assert "pk=" in str(err.value)


def test_user_pk_and_clinical_schedules():
    vp = run_virtual_patients(
        "vistusertib",
        ["50 mg PO BID x 7 days", "125 mg PO BID 2 days on/5 days off x 1 week"],
        pk=HUMAN_PK,
        n_patients=20,
        seed=2,
        source="test values",
    )
    assert [a.name for a in vp.arms] == [
        "50 mg PO BID x 7 days",
        "125 mg PO BID 2 days on/5 days off x 1 week",
    ]
    assert vp.settings["species"] == "human" and vp.settings["weight_kg"] == 70.0
    assert vp.settings["compounds"]["vistusertib"]["pk_source"] == "test values"
    assert vp.tumor.empty and vp.tgi.empty
    # typical single-dose Cmax, 1-cmt oral: k = 0.2, ka = 1, tmax = ln5/0.8 = 2.0118 h,
    # Cmax = 0.5 x 50/100 x 1/0.8 x (e^-0.40236 - e^-2.0118) mg/L = 0.3125 x (0.66874 - 0.13375)
    # = 0.16718 mg/L = 167.2 ng/mL
    typ = run_virtual_patients(
        "vistusertib", "50 mg PO single", pk=HUMAN_PK, n_patients=1, pk_variability=None
    )
    c = typ.results[0].exposure.conc["vistusertib"][0]
    assert c.max() == pytest.approx(167.18, rel=0.01)
    bm = vp.biomarkers[vp.biomarkers["readout"] == "pS6_S235_236"]
    assert (bm.groupby("arm")["value"].min() < 90.0).all()
