"""Wrong arguments to ``kinetor.mirna.simulate_mirna_change``: a DataError naming the
missing column and what to pass instead, never a KeyError."""

import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.mirna import simulate_mirna_change


def test_a_differential_table_instead_of_protein_changes_names_the_missing_columns():
    de = pd.DataFrame({"mirna": ["hsa-miR-21-5p"], "log2fc": [2.0], "fdr": [0.01]})
    with pytest.raises(DataError) as err:
        simulate_mirna_change(de)
    assert [p.column for p in err.value.problems] == ["target", "protein_fraction"]
    assert "protein_changes" in err.value.problems[0].fix


def test_a_protein_fraction_that_is_not_a_number_names_its_row():
    changes = pd.DataFrame({"target": ["PTEN", "AKT1"], "protein_fraction": [0.5, -1.0]})
    with pytest.raises(DataError) as err:
        simulate_mirna_change(changes)
    (prob,) = err.value.problems
    assert (prob.row, prob.column) == (3, "protein_fraction")


def test_changes_that_are_not_a_table_are_refused():
    with pytest.raises(DataError, match="changes must be a DataFrame"):
        simulate_mirna_change([("PTEN", 0.5)])
