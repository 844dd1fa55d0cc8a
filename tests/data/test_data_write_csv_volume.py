"""write_csv keeps the unit of urine collection volumes (and the route of a Study built in
Python), so the study reads back whole.

By hand: urine 100, 40, 10 ug/mL in 0.1, 0.1, 0.2 mL -> Ae 10 + 4 + 2 = 16 ug over 0-12 h.
"""

import pandas as pd
import pytest

from kinetor.data import Study, read_study, write_csv
from kinetor.nca import nca


def _urine_study(volume_unit="mL"):
    urine = pd.DataFrame(
        {
            "time": [0.0, 4, 8],
            "end_time": [4.0, 8, 12],
            "conc": [100.0, 40, 10],
            "volume": [0.1, 0.1, 0.2],
            "matrix": "URINE",
        }
    )
    plasma = pd.DataFrame(
        {"time": [0.0, 1, 2, 4, 8, 12], "conc": [0.0, 10, 8, 4, 1, 0.25], "matrix": "PLASMA"}
    )
    conc = pd.concat([plasma, urine], ignore_index=True).assign(subject="r1")
    doses = pd.DataFrame({"subject": ["r1"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    units = {"time": "h", "conc": "ug/mL", "dose": "mg", "volume": volume_unit}
    return Study(conc, doses, pd.DataFrame({"subject": ["r1"]}), units=units)


def _ae(study) -> float:
    """Ae over 0-12 h in ug."""
    p = nca(study).parameters
    row = p[(p["matrix"] == "URINE") & (p["PPTESTCD"] == "RCAMINT")].iloc[0]
    return float(row["value"]) * {"ug": 1.0, "mg": 1e3}[row["unit"]]


@pytest.mark.parametrize("target", ["folder", "single.csv"])
@pytest.mark.parametrize(("unit", "ae_ug"), [("mL", 16.0), ("L", 16000.0)])
def test_volumes_read_back_in_their_unit(tmp_path, target, unit, ae_ug):
    study = _urine_study(unit)
    assert _ae(study) == pytest.approx(ae_ug)
    write_csv(study, tmp_path / target)
    back = read_study(tmp_path / target)
    assert back.units["volume"] == unit
    urine = back.conc[back.conc["matrix"] == "URINE"]
    assert urine["volume"].tolist() == [0.1, 0.1, 0.2]
    assert _ae(back) == pytest.approx(ae_ug)
    # a Study built in Python holds the route as written ("PO"): the single table wrote it
    # empty and could not be read back
    assert back.doses["route_raw"].tolist() == ["PO"]
