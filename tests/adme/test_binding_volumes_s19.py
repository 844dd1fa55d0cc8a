"""Dialysis recovery from the volumes a row gives: the plasma chamber volume at the end
(``v_plasma``, else ``v_plasma_final``) and the volume loaded (``v_plasma_initial``, else
``v_plasma``). Expected values by hand from the mass balance
100 (C_buffer V_buffer + C_plasma V_plasma,end) / (C0 V_plasma,0)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from kinetor.adme import binding_table
from kinetor.errors import DataError

TEXT = """compound,c_buffer,c_plasma,c0,v_buffer,v_plasma,v_plasma_initial,v_plasma_final
A,30,800,1000,0.35,0.20,,
A,28,820,1000,0.35,,0.20,0.24
A,31,790,,,,,
"""


def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_recovery_from_the_chamber_volumes_without_v_plasma():
    rep, summ = binding_table(_frame(TEXT), file="bind.csv")
    # row 2: 100 (30 x 0.35 + 800 x 0.20) / (1000 x 0.20) = 100 x 170.5 / 200 = 85.25
    # row 3: 100 (28 x 0.35 + 820 x 0.24) / (1000 x 0.20) = 100 x 206.6 / 200 = 103.3
    # row 4: no c0, no volumes: no recovery
    assert rep["recovery_pct"].iloc[:2].tolist() == pytest.approx([85.25, 103.3])
    assert rep["recovery_pct"].isna().tolist() == [False, False, True]
    assert int(summ["recovery_n"].iloc[0]) == 2
    assert summ["recovery_pct_mean"].iloc[0] == pytest.approx((85.25 + 103.3) / 2)
    # the shift of row 3 (D = 0.24 / 0.20 = 1.2) still corrects its fu:
    # fu_app = 28 / 820; fu = (1/1.2) / ((1/fu_app - 1) + 1/1.2)
    fu_app = 28 / 820
    assert rep["fu"].iloc[1] == pytest.approx((1 / 1.2) / ((1 / fu_app - 1) + 1 / 1.2))


def test_recovery_with_only_the_final_chamber_volume_column():
    # no v_plasma column at all: the end volume comes from v_plasma_final
    text = """c_buffer,c_plasma,c0,v_buffer,v_plasma_initial,v_plasma_final
20,400,1000,0.35,0.2,0.25
"""
    rep, _ = binding_table(_frame(text))
    # 100 (20 x 0.35 + 400 x 0.25) / (1000 x 0.2) = 100 x 107 / 200 = 53.5
    assert rep["recovery_pct"].tolist() == pytest.approx([53.5])


def test_v_plasma_and_v_plasma_final_that_disagree_are_refused():
    text = (
        "compound,replicate,c_buffer,c_plasma,v_plasma_initial,v_plasma_final,c0,v_buffer,v_plasma\n"
        "B,1,20,400,0.2,0.24,1000,0.35,0.20\n"
    )
    with pytest.raises(DataError) as err:
        binding_table(pd.read_csv(io.StringIO(text), dtype=str), file="d.csv")
    (p,) = err.value.problems
    assert (p.row, p.column) == (2, "v_plasma") and "disagree" in p.message
