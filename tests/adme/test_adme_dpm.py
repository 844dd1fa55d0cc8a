"""[14C] mass balance from counter output: amounts in dpm, dose in uCi."""

from __future__ import annotations

import pandas as pd
import pytest

from kinetor.adme.excretion import cumulative_excretion
from kinetor.units import convert


def test_dpm_is_defined_in_the_unit_registry():
    # 1 Ci = 3.7e10 Bq (definition); 1 uCi = 3.7e4 decays/s = 2.22e6 decays/min
    assert convert(1.0, "uCi", "dpm") == pytest.approx(2.22e6, rel=1e-12)
    assert convert(60.0, "dpm", "Bq") == pytest.approx(1.0, rel=1e-12)
    assert convert(1.0, "DPM", "dpm") == 1.0


def test_mass_balance_in_dpm_with_a_dose_in_uci():
    # 10 uCi = 2.22e7 dpm; urine 0-24 h 1.11e7 dpm (50 %), faeces 0-48 h 6.66e6 (30 %)
    d = pd.DataFrame(
        {
            "subject": "r1",
            "matrix": ["urine", "feces"],
            "start": [0.0, 0.0],
            "end": [24.0, 48.0],
            "amount": [1.11e7, 6.66e6],
        }
    )
    res = cumulative_excretion(d, dose=10.0, amount_unit="dpm", dose_unit="uCi")
    rec = res.recovery.set_index("matrix")["pct_dose"]
    assert rec.loc["URINE"] == pytest.approx(50.0, rel=1e-12)
    assert rec.loc["FAECES"] == pytest.approx(30.0, rel=1e-12)
    assert rec.loc["TOTAL"] == pytest.approx(80.0, rel=1e-12)
