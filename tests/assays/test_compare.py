"""Measured vs network-predicted dose-response."""

import numpy as np
import pandas as pd
import pytest

from kinetor.assays.compare import CELL_LINES, compare_network
from kinetor.cli.main import main
from kinetor.errors import DataError


def test_unknown_cell_line_or_compound_is_named():
    df = pd.DataFrame({"compound": "capivasertib", "dose": [0.0, 1.0], "response": [100, 50]})
    with pytest.raises(DataError, match="cell line 'HeLa-X' is not in the genotype table"):
        compare_network(df, drug="capivasertib", cell_line="HeLa-X", dose_unit="uM")
    with pytest.raises(DataError, match="no rows for compound 'alpelisib'"):
        compare_network(df, drug="alpelisib", cell_line="MCF7", dose_unit="uM")
    assert CELL_LINES["BT474"] == ("HER2_amp", "PIK3CA_mut")


@pytest.mark.slow
def test_cli_compare_network_matches_a_direct_simulation(tmp_path):
    from kinetor.pathway import Network

    x = np.array([0.0, 0.1, 1.0, 10.0])
    f = tmp_path / "drc.csv"
    pd.DataFrame(
        {
            "compound": "capivasertib",
            "dose": np.repeat(x, 2),
            "response": np.repeat(100 / (1 + x / 0.5), 2),
        }
    ).to_csv(f, index=False)
    out = tmp_path / "o"
    assert (
        main(
            [
                "--quiet",
                "assay",
                "dose-response",
                str(f),
                "--by",
                "compound",
                "--unit",
                "uM",
                "--compare-network",
                "capivasertib:MCF7",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    t = pd.read_csv(out / "measured_vs_predicted.csv")
    assert t["lesions"].iat[0] == "PIK3CA_mut" and t["predicted"].iat[0] == pytest.approx(100)
    direct = Network(lesions=["PIK3CA_mut"]).simulate(
        drugs={"capivasertib": "1.0 uM"}, t_end="72 h"
    )
    assert t["predicted"].iat[2] == pytest.approx(direct.readouts["growth"].iloc[-1])
    assert t["measured_mean"].iat[2] == pytest.approx(100 / 3)
    assert (out / "measured_vs_predicted.png").stat().st_size > 1000
