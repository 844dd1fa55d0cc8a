"""Tissue matrices in ng/g: analysed as they are; ng/mL only with an explicit density."""

from __future__ import annotations

import pandas as pd
import pytest

from kinetor.data import read_study, tissue_to_volume
from kinetor.errors import KinetorError
from kinetor.nca import nca


def brain():
    df = pd.DataFrame(
        {
            "subject": 1,
            "time": [0.0, 1, 2, 4, 8],
            "conc": [0.0, 40, 30, 15, 5],
            "matrix": "BRAIN",
            "dose": 10.0,
            "route": "PO",
        }
    )
    return read_study(df, units={"time": "h", "conc": "ng/g", "dose": "mg/kg"})


def test_tissue_concentrations_are_accepted_in_ng_per_g():
    res = nca(brain(), auc_method="linear")
    p = res.parameters.set_index("PPTESTCD")
    assert p.loc["AUCLST", "value"] == pytest.approx(20 + 35 + 45 + 40, rel=1e-12)
    assert p.loc["AUCLST", "unit"] == "h*ng/g"
    assert pd.isna(p.loc["CLFO", "value"]) and "tissue concentration" in p.loc["CLFO", "exclude"]


def test_conversion_to_ng_per_ml_needs_an_explicit_density():
    st = tissue_to_volume(brain(), density=1.04)
    assert st.units["conc"] == "ng/mL"
    assert st.conc["conc"].tolist() == pytest.approx([0.0, 41.6, 31.2, 15.6, 5.2])
    with pytest.raises(KinetorError, match="density"):
        tissue_to_volume(brain(), density=0)
    with pytest.raises(KinetorError, match="already per volume"):
        tissue_to_volume(st, density=1.04)
