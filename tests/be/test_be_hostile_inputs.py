"""Hostile inputs to ``be``, ``be-size`` and ``dose-prop``: each is refused with the file, row,
column and a fix (DataError, exit 3) or as a usage error (exit 2), never an internal error or
a silently changed result."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kinetor.be import be, dose_proportionality, power_tost, sample_size_tost
from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError

BE_CSV = """subject,sequence,period,treatment,AUC,CMAX
1,TR,1,T,100,10
1,TR,2,R,90,11
2,TR,1,T,120,12
2,TR,2,R,110,10
3,RT,1,R,80,9
3,RT,2,T,95,9.5
4,RT,1,R,105,11
4,RT,2,T,100,12
5,RT,1,R,70,8
5,RT,2,T,85,9
"""

DP_CSV = """subject,dose,AUC,CMAX
1,1,10,2
2,1,12,2.2
3,3,33,6.5
4,3,29,5.9
5,10,95,21
6,10,110,19
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _gmr_by_hand() -> float:
    """2x2 GMR from the period differences of BE_CSV (TR: subjects 1-2, RT: 3-5)."""
    tr = (np.log([90, 110]) - np.log([100, 120])) / 2  # period 2 - period 1, halved
    rt = (np.log([95, 100, 85]) - np.log([80, 105, 70])) / 2
    return 100 * float(np.exp(rt.mean() - tr.mean()))


# ------------------------------------------------------------------ be: data
def test_repeated_subject_period_is_refused_with_both_rows(tmp_path):
    clean = _write(tmp_path, "be.csv", BE_CSV)
    assert be(clean).table.loc[0, "ratio_pct"] == pytest.approx(_gmr_by_hand(), rel=1e-10)
    dup = _write(tmp_path, "dup.csv", BE_CSV + "5,RT,2,T,85,9\n")
    with pytest.raises(DataError) as err:
        be(dup)
    (p,) = err.value.problems
    assert (p.row, p.column) == (12, "period")
    assert "rows 11 and 12" in p.message and "subject 5" in p.message


@pytest.mark.parametrize("metrics", [None, ["AUC"]])
def test_text_in_a_metric_column_is_named(tmp_path, metrics):
    path = _write(tmp_path, "txt.csv", BE_CSV.replace("4,RT,2,T,100,12", "4,RT,2,T,abc,12"))
    with pytest.raises(DataError) as err:
        be(path, metrics)
    (p,) = err.value.problems
    assert (p.file, p.row, p.column) == (str(path), 9, "AUC")
    assert "'abc'" in p.message


def test_blank_metric_cell_is_left_out_and_counted(tmp_path):
    # documented: a row without a value is left out and counted in notes
    path = _write(tmp_path, "blank.csv", BE_CSV.replace("5,RT,2,T,85,9", "5,RT,2,T,,9"))
    res = be(path, ["AUC"])
    assert res.table.loc[0, "n_obs"] == 9
    assert res.notes == ["AUC: 1 row(s) without a value left out"]


def test_empty_and_header_only_files(tmp_path):
    with pytest.raises(DataError, match="empty file: no header and no rows"):
        be(_write(tmp_path, "empty.csv", ""))
    with pytest.raises(DataError) as err:
        be(_write(tmp_path, "hdr.csv", BE_CSV.splitlines()[0] + "\n"))
    assert "no data rows" in err.value.problems[0].message
    assert err.value.problems[0].row == 1


def test_no_metric_column_is_a_data_error():
    import pandas as pd

    d = pd.DataFrame({"subject": [1, 2], "treatment": ["T", "R"], "site": ["a", "b"]})
    with pytest.raises(DataError, match="no metric column"):
        be(d)


def test_alpha_outside_0_to_half_is_refused(tmp_path):
    with pytest.raises(ModelError, match=r"\(0, 0\.5\)"):
        be(_write(tmp_path, "be.csv", BE_CSV), alpha=0.7)


# ------------------------------------------------------------------ be: CLI
def test_cli_alpha_is_usage_error_before_any_output(tmp_path, capsys):
    data, out = _write(tmp_path, "be.csv", BE_CSV), tmp_path / "out"
    assert main(["be", str(data), "--alpha", "0.7", "--out", str(out)]) == 2
    assert not out.exists()
    assert "--alpha" in capsys.readouterr().err


def test_cli_unknown_treatment_names_the_options(tmp_path, capsys):
    data = _write(tmp_path, "be.csv", BE_CSV)
    assert main(["be", str(data), "--test", "A", "--out", str(tmp_path / "o")]) == 3
    err = capsys.readouterr().err
    assert "--test" in err and "--reference" in err and "test=..." not in err


def test_cli_json_is_strict_json(tmp_path, capsys):
    data = _write(tmp_path, "be.csv", BE_CSV)
    assert main(["--json", "be", str(data), "--out", str(tmp_path / "o")]) == 0

    def no_nan(text):
        raise AssertionError(f"{text} is not JSON")

    payload = json.loads(capsys.readouterr().out, parse_constant=no_nan)
    assert payload["be"][0]["cv_wr_pct"] is None  # no ABEL: no CVwR


# ------------------------------------------------------------------ be-size
@pytest.mark.parametrize(
    ("args", "option", "text"),
    [
        (["--cv", "0.3", "--power", "1.5"], "--power", "between"),
        (["--cv", "0.3", "--alpha", "0.6"], "--alpha", "(0, 0.5)"),
        (["--cv", "-0.2"], "--cv", "a CV must be > 0"),
        (["--cv", "30"], "--cv", "a CV is a fraction: 30 % is 0.30"),
        (["--cv", "0.3", "--design", "foo"], "--design", "2x2, parallel"),
        (["--cv", "0.3", "--theta0", "-1"], "--theta0", "> 0"),
    ],
)
def test_be_size_bad_options_are_usage_errors(args, option, text, capsys):
    assert main(["be-size", *args]) == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert option in err and text in err
    assert "n=" not in err  # n is no user input


def test_power_functions_check_their_inputs():
    with pytest.raises(ModelError, match=r"30 % is 0\.30"):
        sample_size_tost(30)
    with pytest.raises(ModelError, match="target"):
        sample_size_tost(0.3, target=1.5)
    with pytest.raises(ModelError, match="alpha"):
        power_tost(0.3, 40, alpha=0.6)
    with pytest.raises(ModelError, match="more than 2 subjects"):
        power_tost(0.3, 2)


# ------------------------------------------------------------------ dose-prop
def test_dose_prop_text_in_dose_or_metric(tmp_path):
    path = _write(tmp_path, "d.csv", DP_CSV.replace("1,1,10,2", "1,abc,10,2"))
    with pytest.raises(DataError) as err:
        dose_proportionality(path)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "dose")]
    path = _write(tmp_path, "m.csv", DP_CSV.replace("1,1,10,2", "1,1,abc,2"))
    with pytest.raises(DataError) as err:
        dose_proportionality(path)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "AUC")]


def test_dose_prop_unknown_metric_and_dose_column_name_the_options(tmp_path):
    path = _write(tmp_path, "d.csv", DP_CSV)
    with pytest.raises(DataError) as err:
        dose_proportionality(path, ["FOO"])
    assert "--metric" in err.value.problems[0].fix and "'AUC'" in err.value.problems[0].fix
    with pytest.raises(DataError) as err:
        dose_proportionality(path, dose="amount")
    assert "--dose" in err.value.problems[0].fix and "dose=..." not in err.value.problems[0].fix


def test_dose_prop_empty_and_header_only(tmp_path, capsys):
    for name, text, message in (
        ("e.csv", "", "empty file: no header and no rows"),
        ("h.csv", "subject,dose,AUC\n", "no data rows"),
    ):
        assert main(["dose-prop", str(_write(tmp_path, name, text))]) == 3
        assert message in capsys.readouterr().err


def test_dose_prop_cli_unknown_metric_is_not_internal(tmp_path, capsys):
    path = _write(tmp_path, "d.csv", DP_CSV)
    assert main(["dose-prop", str(path), "-m", "FOO", "--out", str(tmp_path / "o")]) == 3
    assert "internal error" not in capsys.readouterr().err
