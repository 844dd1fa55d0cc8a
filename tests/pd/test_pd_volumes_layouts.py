"""Tumour-volume tables as labs write them: aliased headers, wide layout, NM cells."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.pd.volumes import read_volumes


def test_aliased_headers_and_not_measured_cells(tmp_path):
    path = tmp_path / "tv.csv"
    pd.DataFrame(
        {
            "Mouse": ["m1", "m1", "m2", "m2"],
            "Treatment": "Vehicle",
            "Study day": ["0", "7", "0", "7"],
            "Tumor Volume (mm3)": ["100", "NM", "120", ""],
        }
    ).to_csv(path, index=False)
    df = read_volumes(path)
    assert list(df[["animal", "group", "day"]].iloc[0]) == ["m1", "Vehicle", 0.0]
    assert df["volume"].tolist()[0] == 100.0
    assert np.isnan(df["volume"].tolist()[1]) and np.isnan(df["volume"].tolist()[3])


def test_wide_layout_one_column_per_day():
    wide = pd.DataFrame(
        {
            "Animal ID": ["m1", "m2"],
            "Group": ["Vehicle", "Drug"],
            "Day 0": ["100", "110"],
            "Day 7": ["200", "NM"],
            "D14": ["400", "150"],
        }
    )
    df = read_volumes(wide)
    m1 = df[df.animal == "m1"].set_index("day")["volume"]
    assert m1.to_dict() == {0.0: 100.0, 7.0: 200.0, 14.0: 400.0}
    m2 = df[df.animal == "m2"].set_index("day")["volume"]
    assert np.isnan(m2[7.0]) and m2[14.0] == 150.0
