"""Command-line inputs of ``kinetor pathway``: the ``validate --fitted`` file is checked when
it is read, a failed simulation is reported as such (never a miss), ``simulate`` and
``dose-response`` apply kinetor.limits as usage errors, and profile files are read as
other user tables."""

import json

import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.limits import override
from kinetor.pathway._profile_file import read_profile

HEAD = "name,value,prior,lower,upper\n"


def _write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return path


def load_fitted(path):
    from kinetor.pathway.calibration import load_fitted as load

    return load(path)


def _where(exc: DataError) -> list[tuple]:
    return [(p.row, p.column) for p in exc.problems]


def _run_json(capsys, argv):
    capsys.readouterr()
    code = main(["--json", *argv])
    return code, json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------ the fitted file


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        ("rapalog_shift,-1,0.1,,\n", [(2, "value")], "'-1' is not a finite number >= 0"),
        ("rapalog_shift,nan,0.1,0.005,1\n", [(2, "value")], "'nan'"),
        ("rapalog_shift,inf,0.1,0.005,1\n", [(2, "value")], "'inf'"),
        ("no_such_param,0.03,0.1,0.005,1\n", [(2, "name")], "'no_such_param' is not a param"),
        ("Rapalog_Shift,0.03,0.1,0.005,1\n", [(2, "name")], "'Rapalog_Shift' is not a param"),
        # the second row of a name is named, with the row of the first
        ("k_pras,8,40,5,400\nrapalog_shift,0.03,,,\nk_pras,9,40,5,400\n", [(4, "name")], "row 2"),
        # 5 > upper 1; 0 < lower 0.005; 1e300 > upper 1 (the file's own bounds)
        ("rapalog_shift,5,0.1,0.005,1\n", [(2, "value")], "upper 1"),
        ("rapalog_shift,0,0.1,0.005,1\n", [(2, "value")], "lower 0.005"),
        ("rapalog_shift,1e300,0.1,0.005,1\n", [(2, "value")], "upper 1"),
        ("", [(1, None)], "no parameter rows"),
    ],
)
def test_fitted_file_bad_rows_are_listed_with_row_and_column(tmp_path, body, where, words):
    with pytest.raises(DataError) as err:
        load_fitted(_write(tmp_path / "f.csv", HEAD + body))
    assert _where(err.value) == where
    assert words in str(err.value) and err.value.problems[0].file == "f.csv"


def test_fitted_file_case_variant_fix_names_the_parameter(tmp_path):
    with pytest.raises(DataError) as err:
        load_fitted(_write(tmp_path / "f.csv", HEAD + "Rapalog_Shift,0.03,0.1,0.005,1\n"))
    assert "'rapalog_shift'" in err.value.problems[0].fix


def test_fitted_file_empty_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="the file is empty"):
        load_fitted(_write(tmp_path / "e.csv", ""))


def test_fitted_file_with_bom_comments_and_semicolons_is_read(tmp_path):
    text = "# fitted by hand\nname;value;lower;upper\nrapalog_shift;0,03;0,005;1\nk_pras;8;;\n"
    assert load_fitted(_write(tmp_path / "s.csv", "\ufeff" + text)) == {
        "rapalog_shift": 0.03,
        "k_pras": 8.0,
    }
    tab = "name\tvalue\nw_tr\t0.9\n"
    assert load_fitted(_write(tmp_path / "t.csv", tab, encoding="utf-8-sig")) == {"w_tr": 0.9}


def test_cli_validate_refuses_a_negative_fitted_value_before_simulating(tmp_path, capsys):
    f = _write(tmp_path / "neg.csv", "# c\n" + HEAD + "rapalog_shift,-1,0.1,0.005,1\n")
    out = tmp_path / "v"
    code, doc = _run_json(
        capsys, ["pathway", "validate", "--fitted", str(f), "--split", "train", "--out", str(out)]
    )
    assert code == 3 and doc["error"] == "DataError"
    (p,) = doc["problems"]
    assert (p["file"], p["row"], p["column"]) == ("neg.csv", 3, "value")
    assert not out.exists()


@pytest.mark.parametrize("what", ["folder", "missing"])
def test_cli_validate_fitted_folder_or_missing_file_is_a_data_error(tmp_path, capsys, what):
    path = tmp_path if what == "folder" else tmp_path / "nothere.csv"
    argv = ["pathway", "validate", "--fitted", str(path), "--out", str(tmp_path / "v")]
    code, doc = _run_json(capsys, argv)
    assert code == 3 and doc["error"] == "DataError" and doc["internal"] is False
    assert ("a folder" if what == "folder" else "no such file") in doc["problems"][0]["problem"]


# ------------------------------------------------------------------ failed simulations

IDS = ["A-harrington2004-03", "B010"]  # one held-out, one training row (evidence tables)


def test_a_failed_simulation_is_unsimulable_with_its_reason_not_a_miss():
    from kinetor.pathway.validation import validate

    # rapalog_shift = -1 is refused by Network (parameters >= 0): both simulations fail
    res = validate(ids=IDS, fitted={"rapalog_shift": -1.0})
    t = res.table.set_index("id")
    assert not t["simulable"].any() and t["simulation_failed"].all()
    assert t["reason"].str.startswith("simulation failed: ModelError").all()
    assert len(res.misses()) == 0 and len(res.unsimulable()) == 2
    s = res.summary().set_index(["split", "conditions"])
    for split in ("train", "heldout"):
        row = s.loc[(split, "all")]
        # 1 row per split: 0 simulable, 0 passed, 1 unsimulable, 1 failed
        assert (row["simulable"], row["passed"], row["unsimulable"]) == (0, 0, 1)
        assert row["failed_simulations"] == 1


def test_cli_validate_says_when_simulations_failed(tmp_path, capsys, monkeypatch):
    import kinetor.pathway.validation as validation

    obs = validation.load_observations()
    monkeypatch.setattr(validation, "load_observations", lambda: obs[obs["id"].isin(IDS)])
    # a value the file check accepts (no bounds given) but the solver cannot carry
    f = _write(tmp_path / "f.csv", "name,value\nk_pras,1e300\n")
    capsys.readouterr()
    assert main(["pathway", "validate", "--fitted", str(f), "--out", str(tmp_path / "v")]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "train (all conditions): 0/0 simulable observations pass" in text
    assert "1 simulation(s) FAILED" in text


# ------------------------------------------------------------------ limits and options


@pytest.mark.parametrize(
    ("limits", "argv", "option"),
    [
        ({"simulated_hours": 10}, ["simulate", "--hours", "20"], "--hours"),
        # 24 h every 0.25 h: 98 output times x (71 species + 2 x 18 readouts) > 1000
        ({"values": 1000}, ["simulate", "--hours", "24"], "--dt"),
        (
            {"simulated_hours": 10},
            ["dose-response", "--drug", "everolimus", "--hours", "20"],
            "--hours",
        ),
        # 60 concentrations x 2 h = 120 h simulated in all > 100
        ({"simulated_hours": 100}, ["dose-response", "--drug", "everolimus", "--n", "60"], "--n"),
    ],
)
def test_cli_limits_are_usage_errors_naming_the_option(tmp_path, capsys, limits, argv, option):
    out = tmp_path / "o"
    with override(**limits):
        assert main(["pathway", *argv, "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert option in err and "is above the limit" in err and "internal error" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--context", "growth_factor=0", "--context", "growth_factor=1"], "--context"),
        (["--dt", "48"], "--dt"),
        (["--lesion", ""], "--lesion"),
    ],
)
def test_cli_simulate_option_errors(tmp_path, capsys, argv, option):
    out = tmp_path / "o"
    assert main(["pathway", "simulate", "--hours", "24", *argv, "--out", str(out)]) == 2
    assert option in capsys.readouterr().err and not out.exists()


# ------------------------------------------------------------------ profile files


def test_profile_with_two_time_columns_is_refused(tmp_path):
    p = _write(tmp_path / "p.csv", "time_h,time_h,conc_nM\n0,5,10\n2,7,5\n")
    with pytest.raises(DataError, match="appears 2 times") as err:
        read_profile(p)
    assert _where(err.value) == [(1, "time_h")]


def test_profile_row_of_empty_cells_is_listed(tmp_path):
    p = _write(tmp_path / "p.csv", "time_h,conc_nM\n0,10\n2,5\n24,1\n,\n")
    with pytest.raises(DataError) as err:
        read_profile(p)
    assert _where(err.value) == [(5, "time_h"), (5, "conc_nM")]


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_profile_tab_or_semicolon_separated_is_read(tmp_path, sep):
    p = _write(tmp_path / "p.csv", f"time_h{sep}conc_nM\n0{sep}10\n2{sep}5\n24{sep}1\n")
    t, c = read_profile(p)
    assert t.tolist() == [0.0, 2.0, 24.0] and c.tolist() == [10.0, 5.0, 1.0]


def test_cli_profile_folder_is_named_as_a_folder(tmp_path, capsys):
    (tmp_path / "prof").mkdir()
    argv = ["pathway", "simulate", "--drug", f"everolimus:{tmp_path / 'prof'}"]
    code, doc = _run_json(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert code == 3 and "is a folder" in doc["problems"][0]["problem"]
