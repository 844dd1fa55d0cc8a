"""NONMEM resets that restart TIME read as occasions (read_study(occasions=True),
--occasions): each period is a subject 'ID/k' with its own time axis, nothing dropped."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from kinetor.cli.main import main
from kinetor.data import read_study
from kinetor.errors import DataError
from kinetor.nca import nca

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}
# two periods per subject (a crossover), the second restarting TIME at an EVID 4 record;
# subject 2 has a single period
CROSSOVER = """
ID,TIME,DV,AMT,EVID,MDV,CMT,WT
1,0,.,100,1,1,1,70
1,1,10,.,0,0,2,70
1,2,8,.,0,0,2,70
1,4,5,.,0,0,2,70
1,0,.,50,4,1,1,70
1,1,6,.,0,0,2,70
1,2,4,.,0,0,2,70
1,4,2.5,.,0,0,2,70
2,0,.,100,1,1,1,80
2,1,9,.,0,0,2,80
2,2,7,.,0,0,2,80
2,4,4,.,0,0,2,80
"""


@pytest.fixture
def crossover(tmp_path):
    f = tmp_path / "nm.csv"
    f.write_text(textwrap.dedent(CROSSOVER).lstrip())
    return f


def test_refused_without_occasions(crossover):
    with pytest.raises(DataError) as err:
        read_study(crossover, units=UNITS)
    (p,) = [q for q in err.value.problems if "reset" in q.message]
    assert p.row == 6 and "--occasions" in p.fix


def test_each_period_is_an_occasion(crossover):
    st = read_study(crossover, units=UNITS, occasions=True)
    assert sorted(st.subjects["subject"]) == ["1/1", "1/2", "2"]
    doses = st.doses.set_index("subject")
    assert doses.loc["1/1", "dose"] == 100 and doses.loc["1/2", "dose"] == 50
    assert doses.loc["1/2", "time"] == 0.0 and bool(doses.loc["1/2", "reset"])
    c = st.conc
    assert c.groupby("subject").size().to_dict() == {"1/1": 3, "1/2": 3, "2": 3}
    assert c.loc[c["subject"] == "1/2", "time"].tolist() == [1.0, 2.0, 4.0]
    assert c.loc[c["subject"] == "1/2", "source_row"].tolist() == [7, 8, 9]
    assert set(c.loc[c["subject"].str.startswith("1/"), "nonmem_id"]) == {"1"}
    assert any("occasions" in n for n in st.notes)


def test_nca_per_occasion(crossover):
    res = nca(read_study(crossover, units=UNITS, occasions=True))
    w = res.to_wide().set_index("subject")
    assert w.loc["1/1", "CMAX"] == 10 and w.loc["1/2", "CMAX"] == 6
    # linear-up/log-down AUC 0-4 of period 2 by hand: 0 at t = 0 (pre-dose of a reset)
    # trapezoids 0-1 linear (0 -> 6), 1-2 and 2-4 log-down
    auc = 0.5 * 6 + (6 - 4) / np.log(6 / 4) * 1 + (4 - 2.5) / np.log(4 / 2.5) * 2
    assert w.loc["1/2", "AUCLST"] == pytest.approx(auc, rel=1e-9)


def test_cli_validate_occasions(crossover, capsys):
    assert (
        main(
            [
                "--json",
                "validate",
                str(crossover),
                "--time-unit",
                "h",
                "--conc-unit",
                "ng/mL",
                "--dose-unit",
                "mg",
                "--occasions",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert sum(row["subjects"] for row in doc["summary"]) == 3
