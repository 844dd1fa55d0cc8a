"""Audit fixes in kinetor.adme: metabolite ratios on the parent's unit basis."""

import pandas as pd
import pytest

from kinetor.adme import metabolite_ratios


def _table(units, values):
    return pd.DataFrame(
        {
            "subject": "S",
            "analyte": ["P", "M"],
            "PPTESTCD": "AUCIFO",
            "value": values,
            "unit": units,
        }
    )


@pytest.mark.parametrize("mw", [None, {"P": 400.0, "M": 500.0}, {"P": 400.0, "M": 400.0}])
def test_molar_parent_gives_a_molar_ratio_with_or_without_weights(mw):
    # parent 1000 h*nM, metabolite 250 h*nM: 250 / 1000 = 0.25 on the molar basis of the
    # parent's unit; the weights do not enter (both AUCs are already molar)
    out = metabolite_ratios(_table(["h*nM", "h*nM"], [1000.0, 250.0]), "P", mw=mw)
    assert out["unit"].iloc[0] == "h*nM"
    assert out["ratio"].iloc[0] == pytest.approx(0.25, rel=1e-12)
    assert out["ratio_molar"].iloc[0] == pytest.approx(0.25, rel=1e-12)


def test_molar_parent_mass_metabolite_is_converted_to_the_molar_basis():
    # metabolite 125 h*ng/mL at 500 g/mol = 0.25 h*uM = 250 h*nM; parent 1000 h*nM
    out = metabolite_ratios(
        _table(["h*nM", "h*ng/mL"], [1000.0, 125.0]), "P", mw={"P": 400.0, "M": 500.0}
    )
    assert out["value_metabolite"].iloc[0] == pytest.approx(250.0, rel=1e-12)
    assert out["ratio"].iloc[0] == pytest.approx(0.25, rel=1e-12)
    assert out["ratio_molar"].iloc[0] == pytest.approx(0.25, rel=1e-12)


def test_mass_parent_keeps_the_mass_ratio():
    # parent 400 h*ng/mL (1000 h*nM at 400 g/mol), metabolite 125 h*ng/mL (250 h*nM at 500):
    # mass ratio 125 / 400 = 0.3125, molar 0.3125 * 400 / 500 = 0.25
    out = metabolite_ratios(
        _table(["h*ng/mL", "h*ng/mL"], [400.0, 125.0]), "P", mw={"P": 400.0, "M": 500.0}
    )
    assert out["ratio"].iloc[0] == pytest.approx(0.3125, rel=1e-12)
    assert out["ratio_molar"].iloc[0] == pytest.approx(0.25, rel=1e-12)
