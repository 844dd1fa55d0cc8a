"""The elementary ADME formulas and metabolite ratios on careless Python input: a zero denominator or dilution is a ``DataError`` naming the argument, never ``inf``,
``nan`` or a numpy RuntimeWarning; a parent AUC of 0 gives no ratio, with the reason."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kinetor import adme
from kinetor.adme import binding_table
from kinetor.errors import DataError


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: adme.fu_dialysis(5.0, 0.0), "c_plasma"),
        (lambda: adme.fu_dialysis(5.0, [100.0, 0.0]), "c_plasma"),
        (lambda: adme.fu_dialysis(-1.0, 100.0), "c_buffer"),
        (lambda: adme.fu_dialysis(5.0, 100.0, dilution=0), "dilution"),
        (lambda: adme.fu_dialysis(5.0, 100.0, volume_shift=0), "volume_shift"),
        (lambda: adme.fu_undiluted(0.5, dilution=0), "dilution"),
        (lambda: adme.fu_undiluted(0.5, dilution=np.inf), "dilution"),
        (lambda: adme.fu_undiluted("a", dilution=10), "fu_apparent"),
        (lambda: adme.fu_ultrafiltration(4.0, 0.0), "c_total"),
        (lambda: adme.blood_to_plasma(1.0, 0.0), "c_plasma"),
        (lambda: adme.dialysis_recovery(5.0, 90.0, 0.0, 0.2, 0.2), "c0"),
    ],
)
def test_a_zero_denominator_names_the_argument(call, name):
    with pytest.raises(DataError) as exc:
        call()
    assert exc.value.problems[0].message.startswith(name)


def test_valid_values_keep_their_hand_results():
    assert float(adme.fu_dialysis(5.0, 100.0)) == pytest.approx(0.05)
    assert float(adme.fu_undiluted(0.5, 10.0)) == pytest.approx(0.1 / 1.1)  # (1/D)/(1 + 1/D)
    assert float(adme.fu_undiluted(0.0, 10.0)) == 0.0  # fully bound stays fully bound
    out = adme.fu_dialysis([5.0, np.nan], [100.0, 100.0])  # a missing value stays missing
    assert out[0] == pytest.approx(0.05) and np.isnan(out[1])


def test_binding_table_names_a_zero_plasma_volume():
    df = pd.DataFrame(
        {"c_buffer": [5.0], "c_plasma": [100.0], "v_plasma_initial": [0.2], "v_plasma_final": [0.0]}
    )
    with pytest.raises(DataError) as exc:
        binding_table(df)
    (p,) = exc.value.problems
    assert (p.row, p.column) == (2, "v_plasma_final") and "zero" in p.message


def test_a_parent_auc_of_0_gives_no_ratio_and_says_why():
    m = pd.DataFrame(
        {
            "species": "rat",
            "analyte": ["P", "M1", "M2"],
            "PPTESTCD": "AUCIFO",
            "value": [0.0, 250.0, 100.0],
            "unit": "h*ng/mL",
        }
    )
    r = adme.metabolite_ratios(m, parent="P")
    assert r["ratio"].isna().all()
    assert (r["exclude"] == "parent AUCIFO is 0").all()
    r = adme.metabolite_ratios(m.assign(value=[1000.0, 250.0, 100.0]), parent="P")
    assert r["ratio"].tolist() == [0.25, 0.1] and (r["exclude"] == "").all()
