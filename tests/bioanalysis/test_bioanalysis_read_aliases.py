"""Run tables with the headers instruments export are read through an alias table."""

from __future__ import annotations

import pandas as pd

from kinetor.bioanalysis.read import read_run


def test_instrument_headers_are_recognised():
    run = pd.DataFrame(
        {
            "Sample Name": ["b1", "s1", "s2", "q1"],
            "Sample Type": ["blank", "Standard", "Standard", "QC"],
            "Nominal Concentration (ng/mL)": ["", "1", "10", "5"],
            "Area": ["0", "100", "1000", "500"],
            "IS Area": ["1000", "1000", "1000", "1000"],
        }
    )
    df = read_run(run, min_levels=2)
    assert df["sample_id"].tolist() == ["b1", "s1", "s2", "q1"]
    assert df["sample_type"].tolist() == ["blank", "standard", "standard", "qc"]
    assert df["nominal_conc"].tolist()[1:] == [1.0, 10.0, 5.0]
    assert df["area_ratio"].tolist()[1:] == [0.1, 1.0, 0.5]
