"""A volume table without any unit is read as mm^3 and says so (units are never silently assumed)."""

from __future__ import annotations

import pandas as pd

from kinetor.pd.volumes import read_volumes

ROWS = {"animal": ["1", "1"], "group": ["C", "C"], "day": [0, 7]}


def test_no_unit_anywhere_gives_a_note():
    out = read_volumes(pd.DataFrame({**ROWS, "volume": [100.0, 200.0]}), file="v.csv")
    assert out["volume"].tolist() == [100.0, 200.0]
    assert any("no volume unit given" in n and "mm^3" in n for n in out.attrs["kinetor_notes"])


def test_a_header_or_declared_unit_gives_no_such_note():
    a = read_volumes(pd.DataFrame({**ROWS, "Volume (mm3)": [100.0, 200.0]}))
    b = read_volumes(pd.DataFrame({**ROWS, "volume": [0.1, 0.2]}), unit="mL")
    assert b["volume"].tolist() == [100.0, 200.0]  # 0.1 mL = 100 mm^3
    for out in (a, b):
        assert not any("no volume unit given" in n for n in out.attrs["kinetor_notes"])
