"""`kinetor popfit` on careless options: non-positive initial values, a VPC with too few
replicates or bins, and an empty input file, all refused before any fitting."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError

UNITS = ["--time-unit", "h", "--conc-unit", "mg/L", "--dose-unit", "mg", "--weight-unit", "kg"]


@pytest.mark.parametrize(
    ("extra", "hint", "text"),
    [
        (["--init", "cl=-1", "--vpc", "0"], "--init", "must be > 0"),
        (["--init", "omega_cl=0"], "--init", "must be > 0"),
        (["--init", "cl=abc"], "--init", "NAME=VALUE"),
        (["--vpc", "5"], "--vpc", "at least 20 replicates, or 0 for no VPC"),
        (["--vpc", "-3"], "--vpc", "at least 20 replicates"),
        (["--bins", "0"], "--bins", "1 or more time bins"),
    ],
)
def test_bad_options_are_usage_errors_before_the_fit(tmp_path, capsys, extra, hint, text):
    out = tmp_path / "pf"
    args = ["popfit", str(FIXTURES / "theoph.csv"), *UNITS, "--out", str(out), *extra]
    assert main(args) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert hint in err and text in err
    assert not out.exists()


def test_non_positive_init_in_python_is_a_model_error(theoph):
    from kinetor.popfit import popfit

    with pytest.raises(ModelError, match="must be > 0"):
        popfit(theoph, "1cmt-oral", init={"cl": -1.0}, npde=False, cov_method="none")


def test_an_empty_file_is_a_data_error(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert main(["--quiet", "popfit", str(empty), "--out", str(tmp_path / "pf")]) == 3
    from kinetor.data import read_study

    with pytest.raises(DataError, match="empty"):
        read_study(empty)
