"""Hostile inputs to ``kinetor.pathway`` and ``kinetor pathway``: each is refused with a
usage error (exit 2) or a DataError naming the file, row and column (exit 3), never an
internal error, and nothing is written."""

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError, UnitError
from kinetor.pathway import Network, dose_response, fit_hill
from kinetor.pathway._profile_file import read_profile

ROOT = Path(__file__).resolve().parents[2]


def _json_problems(capsys, argv):
    capsys.readouterr()
    code = main(["--json", *argv])
    return code, json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------ API: times


@pytest.mark.parametrize("dt", [0.0, -1.0, float("nan")])
def test_simulate_refuses_a_step_that_is_not_positive(dt):
    with pytest.raises(ModelError, match="dt must be > 0 h"):
        Network().simulate(None, t_end=1, dt=dt)


@pytest.mark.parametrize("t", [0.0, -1.0])
def test_dose_response_refuses_a_readout_time_that_is_not_positive(t):
    with pytest.raises(ModelError, match="t must be > 0 h"):
        dose_response(Network(), "everolimus", [1, 10], t=t)


def test_a_bare_number_as_concentration_asks_for_a_unit_in_nm():
    with pytest.raises(UnitError, match=r"'10 nM'"):
        Network().simulate({"everolimus": "10"}, t_end=1)


# ------------------------------------------------------------------ 4PL notes


def test_fit_hill_reports_the_covariance_warning_in_its_note_not_on_the_terminal():
    # four points of a step: the 4PL passes through them but its covariance is undefined
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leaked OptimizeWarning fails the test
        fit = fit_hill([1, 10, 100, 1000], [100, 100, 0, 0])
    assert "Covariance of the parameters could not be estimated" in fit.note
    assert fit.reason == ""
    assert 10 < fit.ic50 < 100  # the step lies between 10 and 100 nM


def test_fit_hill_of_clean_data_has_no_note():
    c = np.logspace(-1, 3, 9)
    fit = fit_hill(c, 10 + 90 / (1 + (c / 20.0) ** 1.5))
    assert fit.note == "" and round(fit.ic50, 3) == 20.0


# ------------------------------------------------------------------ profile files


def _write(path, text):
    path.write_text(text)
    return path


def test_profile_text_cell_names_file_row_column_and_value(tmp_path):
    p = _write(tmp_path / "prof_text.csv", "time_h,conc_nM\n0,0\n1,abc\n12,20\n")
    with pytest.raises(DataError) as err:
        read_profile(p)
    (prob,) = err.value.problems
    assert (prob.file, prob.row, prob.column) == ("prof_text.csv", 3, "conc_nM")
    assert "'abc'" in prob.message


def test_profile_rows_are_file_rows_blank_lines_counted(tmp_path):
    # header row 1, 0 h row 2, blank row 3, 1 h row 4, repeated 1 h on row 5
    p = _write(tmp_path / "dup.csv", "time_h,conc_nM\n0,0\n\n1,500\n1,200\n12,20\n")
    with pytest.raises(DataError) as err:
        read_profile(p)
    (prob,) = err.value.problems
    assert (prob.file, prob.row, prob.column) == ("dup.csv", 5, "time_h")
    assert "row 4" in prob.message


def test_profile_every_bad_cell_is_listed(tmp_path):
    p = _write(tmp_path / "bad.csv", "time_h,conc_nM\n0,-3\nx,\n")
    with pytest.raises(DataError) as err:
        read_profile(p)
    got = {(q.row, q.column) for q in err.value.problems}
    assert got == {(2, "conc_nM"), (3, "time_h"), (3, "conc_nM")}


def test_profile_header_only_and_empty_files(tmp_path):
    with pytest.raises(DataError, match="no data rows"):
        read_profile(_write(tmp_path / "hdr.csv", "time_h,conc_nM\n"))
    with pytest.raises(DataError, match="the file is empty") as err:
        read_profile(_write(tmp_path / "empty.csv", ""))
    assert err.value.problems[0].file == "empty.csv"


def test_profile_missing_column_names_the_header(tmp_path):
    with pytest.raises(DataError) as err:
        read_profile(_write(tmp_path / "ng.csv", "time_h,conc_ng_mL\n0,0\n"))
    (prob,) = err.value.problems
    assert (prob.row, prob.column) == (1, "conc_nM") and "conc_ng_mL" in prob.message


def test_cli_empty_profile_is_a_data_error_naming_the_file(tmp_path, capsys):
    p = _write(tmp_path / "prof_empty.csv", "")
    code, doc = _json_problems(
        capsys, ["pathway", "simulate", "--drug", f"vistusertib:{p}", "--out", str(tmp_path / "x")]
    )
    assert code == 3 and doc["problems"][0]["file"] == "prof_empty.csv"
    assert not (tmp_path / "x").exists()


def test_cli_profile_writes_its_exposure(tmp_path):
    p = tmp_path / "prof.csv"
    pd.DataFrame({"time_h": [0, 1, 4], "conc_nM": [0, 500, 200]}).to_csv(p, index=False)
    out = tmp_path / "o"
    argv = ["--quiet", "pathway", "simulate", "--drug", f"vistusertib:{p}"]
    assert main([*argv, "--hours", "5", "--dt", "0.5", "--out", str(out)]) == 0
    ex = pd.read_csv(out / "exposure.csv").set_index("time_h")["free_conc_nM"]
    # linear between rows (0.5 h: 250 nM; 2.5 h: 500 - 300 * 1.5 / 3 = 350 nM), then held
    assert ex[0.5] == pytest.approx(250.0)
    assert ex[2.5] == pytest.approx(350.0)
    assert ex[5.0] == pytest.approx(200.0)


# ------------------------------------------------------------------ CLI options


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["simulate", "--dt", "0"], "--dt"),
        (["simulate", "--dt", "-1"], "--dt"),
        (["simulate", "--hours", "0"], "--hours"),
        (["simulate", "--drug", "everolimus:10"], "--drug"),
        (["dose-response", "--drug", "vistusertib", "--hours", "0"], "--hours"),
        (["dose-response", "--drug", "vistusertib", "--hours", "-1", "--n", "5"], "--hours"),
        (["dose-response", "--drug", "vistusertib", "--min", "0"], "--min"),
        (["dose-response", "--drug", "vistusertib", "--max", "0.001"], "--max"),
        (["dose-response", "--drug", "vistusertib", "--n", "0"], "--n"),
        (["dose-response", "--drug", "vistusertib", "--n", "3"], "--n"),
    ],
)
def test_cli_bad_option_is_a_usage_error_and_writes_nothing(tmp_path, capsys, argv, option):
    out = tmp_path / "o"
    assert main(["pathway", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert option in err and "internal error" not in err
    assert not out.exists()


def test_cli_bare_number_drug_gives_concentration_and_regimen_examples(tmp_path, capsys):
    main(["pathway", "simulate", "--drug", "everolimus:10", "--out", str(tmp_path / "o")])
    err = " ".join(capsys.readouterr().err.split())
    assert "everolimus:10 nM" in err and "everolimus:10 mg/kg PO QD" in err


def test_cli_export_to_a_folder_is_refused(tmp_path, capsys):
    assert main(["pathway", "export", "--out", str(tmp_path)]) == 2
    assert "is a folder" in " ".join(capsys.readouterr().err.split())


def test_cli_export_json_reports_the_file_and_counts(tmp_path, capsys):
    path = tmp_path / "e.xml"
    capsys.readouterr()
    assert main(["--json", "pathway", "export", "--out", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["path"] == str(path) and doc["format"] == "sbml"
    # docs/pathway.md section 2: 102 reactions, 71 species + 4 fixed enzymes
    assert (doc["species"], doc["fixed_species"], doc["reactions"]) == (71, 4, 102)
    assert path.read_text().count("<species ") == 75


def test_cli_dose_response_ic50_table_has_a_note_column(tmp_path):
    out = tmp_path / "d"
    argv = ["-q", "pathway", "dose-response", "--drug", "vistusertib", "--n", "4"]
    assert main([*argv, "--out", str(out)]) == 0
    assert "note" in pd.read_csv(out / "ic50.csv").columns


# ------------------------------------------------------------------ documented counts


def _rows(pattern: str) -> list[pd.DataFrame]:
    folder = ROOT / "src" / "kinetor" / "pathway" / "evidence"
    return [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(folder.glob(pattern))]


def test_docs_state_the_evidence_counts_of_the_tables():
    n_obs = sum(len(df) for df in _rows("observations_*.csv"))
    n_pubs = len({p for df in _rows("publications_*.csv") for p in df["publication_id"]})
    n_d = sum(len(df) for df in _rows("observations_d.csv"))
    text = " ".join((ROOT / "docs" / "pathway.md").read_text().split())
    assert f"holds {n_obs:,} published observations from {n_pubs:,} publications" in text
    assert re.search(rf"\*\*part D\*\* \(`\*_d.csv`, `README_d.md`\): {n_d} observations", text)


def test_simulate_help_says_which_drugs_get_an_exposure_file(capsys):
    assert main(["pathway", "simulate", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "exposure.csv" in text and "NAME:FILE.csv profile" in text


@pytest.mark.parametrize("conc", [1e10, 1e300, "1e30 nM"])
def test_a_concentration_above_one_molar_is_refused_before_the_solver(conc):
    # 1e300 nM made CVODE fail with a raw solver error (the rapalog occupancy turns stiff)

    with pytest.raises(DataError, match=r"from 0 to 1e\+09 nM \(1 M\)"):
        Network().simulate({"everolimus": conc}, t_end=1)
