"""The bioanalysis Python API on careless input: a run file that does not
exist is a ``DataError`` (as ``read_study`` gives), and ``min_levels`` must be a whole
number >= 1."""

from __future__ import annotations

import pandas as pd
import pytest

from kinetor.bioanalysis import analyse_run, read_run
from kinetor.errors import DataError, KinetorError


def _run():
    return pd.DataFrame(
        {
            "sample_id": ["b1", "s1"],
            "sample_type": ["blank", "STD"],
            "nominal_conc": [None, 1.0],
            "area_ratio": [None, 0.01],
        }
    )


@pytest.mark.parametrize("call", [analyse_run, read_run])
def test_a_missing_run_file_is_a_data_error(call, tmp_path):
    path = tmp_path / "nonexistent.csv"
    with pytest.raises(DataError) as exc:
        call(path)
    (p,) = exc.value.problems
    assert "no such run file" in p.message and p.fix == "check the path"


def test_a_folder_is_no_run_file(tmp_path):
    with pytest.raises(DataError, match="no such run file"):
        read_run(tmp_path)


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "6"])
def test_min_levels_is_a_whole_number_of_at_least_1(n):
    with pytest.raises(KinetorError, match="min_levels"):
        read_run(_run(), min_levels=n)


def test_min_levels_1_reads_a_one_level_run():
    assert read_run(_run(), min_levels=1)["sample_type"].tolist() == ["blank", "standard"]
