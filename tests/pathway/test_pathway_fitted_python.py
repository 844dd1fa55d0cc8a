"""The Python API reads a fitted-parameter file with the same checks as the command line
(``Network(fitted=path)``, ``validate(fitted=path)``, ``model_text(path)``): a bad value
is a DataError naming the file, row and column, never a silently used value or a
simulation that fails later."""

import pytest

from kinetor.errors import DataError
from kinetor.pathway import Network
from kinetor.pathway.validation import validate

HEAD = "name,value,prior,lower,upper\n"


def _file(tmp_path, body):
    path = tmp_path / "fitted.csv"
    path.write_text(HEAD + body)
    return path


@pytest.mark.parametrize(
    ("body", "row", "column", "words"),
    [
        # a name given twice: the second value was used silently
        ("rapalog_shift,0.03,,,\nrapalog_shift,0.5,,,\n", 3, "name", "given again"),
        # outside the file's own bounds (0.005-1): used silently
        ("rapalog_shift,5,0.1,0.005,1\n", 2, "value", "upper 1"),
        # not a number >= 0: a ModelError without a row, or a failed simulation
        ("rapalog_shift,-1,0.1,,\n", 2, "value", "not a finite number >= 0"),
    ],
)
def test_network_reads_a_fitted_file_with_its_checks(tmp_path, body, row, column, words):
    path = _file(tmp_path, body)
    with pytest.raises(DataError) as err:
        Network(fitted=path)
    (p,) = err.value.problems
    assert (p.file, p.row, p.column) == (path.name, row, column) and words in p.message


def test_validate_refuses_a_bad_fitted_file_before_simulating(tmp_path):
    # before: every simulation failed and the rows were reported as unsimulable
    path = _file(tmp_path, "rapalog_shift,-1,0.1,,\n")
    with pytest.raises(DataError, match="not a finite number >= 0"):
        validate(ids=["B010"], fitted=path)


def test_a_good_fitted_file_is_applied(tmp_path):
    net = Network(fitted=_file(tmp_path, "rapalog_shift,0.25,0.1,0.005,1\n"))
    assert net.engine.defaults["rapalog_shift"] == 0.25
