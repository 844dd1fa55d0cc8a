"""A NONMEM WT column without a unit: kept as a covariate column (as the reader's note says),
and a body-weight covariate on it asks for the unit instead of saying every subject lacks one."""

from __future__ import annotations

from pathlib import Path

import pytest

from kinetor.data import read_study
from kinetor.errors import DataError
from kinetor.popfit import PopModel, popfit

FIXTURES = Path(__file__).parent / "fixtures"
UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}


def test_unitless_wt_stays_a_covariate_column():
    st = read_study(FIXTURES / "theoph.csv", units=UNITS)
    assert any("'WT' has no unit, so it is kept as a covariate" in n for n in st.notes)
    assert st.subjects["weight"].isna().all()  # not body weight without a unit
    # subject 1 weighs 79.6 in the file (every record of subject 1)
    assert set(st.conc.loc[st.conc["subject"] == "1", "WT"].astype(float)) == {79.6}


def test_weight_covariate_on_a_unitless_column_asks_for_its_unit():
    st = read_study(FIXTURES / "theoph.csv", units=UNITS)
    model = PopModel("1cmt-oral", covariates=["cl~weight"])
    with pytest.raises(DataError) as exc:
        popfit(st, model)
    (p,) = exc.value.problems
    assert p.column == "WT" and "no unit" in p.message and "--weight-unit kg" in p.fix
