"""Reporting of ``kinetor pathway calibrate`` and ``validate``, and the checks of a
fitted-parameter file.

A calibration that did not converge says so in every file it writes, in its report and
its exit code (4, as ``fit``, ``popfit`` and ``pd fit``); a single start claims no
agreement between starts. A fitted file's header is read in any case; swapped bounds are
named as such; a value above 1 for a fraction of ``mtor.ant`` is refused, and values
outside the package's own calibration bounds are noted. ``validate --split`` reports the
chosen split only."""

import html

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError


def _load(path):
    from kinetor.pathway.calibration import load_fitted

    return load_fitted(path)


def _write(tmp_path, text, name="f.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------ calibrate, not converged


@pytest.fixture(scope="module")
def not_converged(tmp_path_factory):
    """``calibrate --starts 1 --max-nfev 2`` on one candidate (rapalog_shift): two
    residual evaluations cannot meet the criterion (the Jacobian alone needs more)."""
    from kinetor.pathway.calibration.evidence import EVIDENCE_PARAMETERS_FILE

    d = tmp_path_factory.mktemp("cal")
    free = pd.read_csv(EVIDENCE_PARAMETERS_FILE, comment="#")
    free[free["name"] == "rapalog_shift"].to_csv(d / "f.csv", index=False)
    args = ["--quiet", "pathway", "calibrate", "--free", str(d / "f.csv"), "--starts", "1"]
    args += ["--jobs", "1", "--max-nfev", "2", "--no-profile", "--out", str(d / "c")]
    return main(args), d / "c"


def test_not_converged_calibration_exits_4_after_writing_its_files(not_converged):
    code, d = not_converged
    # before: 0, while fit/popfit/pd fit end with 4 when nothing converged
    assert code == 4
    assert "converged=False" in (d / "fitted_parameters.csv").read_text()
    assert (d / "report.html").is_file() and not pd.read_csv(d / "starts.csv")["converged"][0]


def test_parameters_say_not_converged_and_claim_no_agreement_of_one_start(not_converged):
    _, d = not_converged
    row = pd.read_csv(d / "parameters.csv").set_index("name").loc["rapalog_shift"]
    # before: status "fitted", note "... starts agree within 0.5 decade" from one start,
    # spread 0 and se_log10 without caveat
    assert row["status"] == "fitted, NOT CONVERGED"
    assert "starts agree" not in row["note"] and "one start" in row["note"]
    assert "NOT CONVERGED" in row["note"] and "se_log10" in row["note"]
    assert pd.isna(row["spread_log10"])  # one start has no spread


def test_summary_and_validation_say_the_fit_did_not_converge(not_converged):
    _, d = not_converged
    for name in ("summary.csv", "validation.csv"):
        tab = pd.read_csv(d / name)
        assert "fit_converged" in tab.columns and not tab["fit_converged"].any(), name


def test_report_shows_the_fitted_file_header(not_converged):
    _, d = not_converged
    page = html.unescape((d / "report.html").read_text())
    header = [ln for ln in (d / "fitted_parameters.csv").read_text().splitlines() if ln[:1] == "#"]
    assert len(header) == 2
    for line in header:  # before: read_table_csv dropped these comment lines
        assert line.lstrip("# ") in page
    assert "converged=False: NOT CONVERGED" in page  # under the title too


def test_fitted_note_of_one_converged_start_claims_no_agreement():
    from kinetor.pathway.calibration._evidence_table import fitted_note

    one = fitted_note(1, 1, True)
    assert "one start" in one and "agree" not in one.replace("agreement", "")
    assert "4 of 4 starts reach the best cost, agreeing" in fitted_note(4, 4, True)
    assert "only 1 of 3" in fitted_note(3, 1, False)


# ------------------------------------------------------------ the fitted file


@pytest.mark.parametrize(
    "header", ["Name,Value", "NAME,VALUE,Lower,Upper", " name , Value ,lower,UPPER"]
)
def test_header_names_are_read_in_any_case(tmp_path, header):
    # before: "no 'name' column (the header has Name, Value)"
    bounds = ",0.005,1" if header.count(",") == 3 else ""
    assert _load(_write(tmp_path, f"{header}\nrapalog_shift,0.03{bounds}\n")) == {
        "rapalog_shift": 0.03
    }


def test_a_column_given_twice_in_two_cases_is_refused(tmp_path):
    # before: "Value" was ignored and "value" used silently
    with pytest.raises(DataError) as err:
        _load(_write(tmp_path, "name,Value,value\nrapalog_shift,0.03,5\n"))
    (p,) = err.value.problems
    assert (p.row, p.column) == (1, "value") and "appears twice" in p.message


def test_swapped_bounds_are_named_as_swapped(tmp_path):
    body = "name,value,lower,upper\nrapalog_shift,0.03,1,0.001\n"
    with pytest.raises(DataError) as err:
        _load(_write(tmp_path, body))
    # before: two problems "value 0.03 is outside its stated bounds" (lower 1, upper 0.001),
    # though 0.03 lies between them
    (p,) = err.value.problems
    assert (p.row, p.column) == (2, "lower") and "swapped" in p.message
    assert "lower 0.001, upper 1" in p.fix


def test_swapped_bounds_and_a_value_outside_both_say_both(tmp_path):
    body = "name,value,lower,upper\nrapalog_shift,5,1,0.001\n"
    with pytest.raises(DataError) as err:
        _load(_write(tmp_path, body))
    assert [(p.column, "swapped" in p.message) for p in err.value.problems] == [
        ("lower", True),
        ("value", False),
    ]


def test_fractions_by_construction_are_read_from_the_model_text():
    from kinetor.pathway._fitted_file import fraction_parameters

    # mtor.ant, by hand: P_akt := 1 - akt_protect*th_akt_atp and
    # E2_eff := oestradiol*(1 - ai_share*th_aromatase), th_ a Hill occupancy (0 to 1);
    # translation := w_tr*... + (1 - w_tr)*(...) and k_irs_syn*(1 - w_er_irs + w_er_irs*ER_rel)
    # are weights of a two-part sum. sel_s6k (1 - sel_s6k*occ_rapa*rapa_frb) and w_tsc_m2
    # (1 - w_tsc_m2*(1 - TSC_tot)) depend on cell levels the text does not bound.
    assert set(fraction_parameters()) == {"akt_protect", "ai_share", "w_tr", "w_er_irs"}


@pytest.mark.parametrize(("name", "value"), [("akt_protect", "5"), ("w_tr", "1.2")])
def test_a_fraction_above_1_is_refused(tmp_path, name, value):
    # before: akt_protect 5 was used: 1 - 5*theta < 0 at theta > 0.2, failed simulations
    with pytest.raises(DataError) as err:
        _load(_write(tmp_path, f"# sens\nname,value\n{name},{value}\n"))
    (p,) = err.value.problems
    assert (p.row, p.column) == (3, "value") and "fraction" in p.message
    assert "between 0 and 1" in p.fix


def test_a_fraction_of_1_is_accepted(tmp_path):
    assert _load(_write(tmp_path, "name,value\nakt_protect,1\n")) == {"akt_protect": 1.0}


def test_values_outside_the_packaged_bounds_are_named_with_those_bounds():
    from kinetor.pathway._fitted_file import outside_packaged_bounds

    # k_pras: 5-400 in evidence_parameters.csv, 5-200 in free_parameters.csv -> 5-400;
    # akt_protect 0.1-0.9 in both; w_mnk 0.3-30 (output_parameters.csv); rapalog_shift 0.03
    # lies inside 0.005-1; k_irs_syn is in no calibration file
    far = outside_packaged_bounds(
        {"k_pras": 1e12, "akt_protect": 0.95, "rapalog_shift": 0.03, "w_mnk": 0.1}
        | {"k_irs_syn": 1e6}
    ).set_index("name")
    assert list(far.index) == ["k_pras", "akt_protect", "w_mnk"]
    assert tuple(far.loc["k_pras", ["lower", "upper"]]) == (5.0, 400.0)
    assert tuple(far.loc["akt_protect", ["lower", "upper"]]) == (0.1, 0.9)
    assert tuple(far.loc["w_mnk", ["lower", "upper"]]) == (0.3, 30.0)
    assert far.loc["w_mnk", "files"] == "output_parameters.csv"


# ------------------------------------------------------------ validate


def test_validate_notes_values_outside_the_packaged_bounds(tmp_path, capsys):
    fitted = _write(tmp_path, "name,value\nk_pras,450\n")
    capsys.readouterr()
    args = ["pathway", "validate", "--fitted", str(fitted), "--split", "train"]
    assert main([*args, "--out", str(tmp_path / "v")]) == 0
    text = capsys.readouterr().out
    # before: nothing said; a note (not an error) naming the value and the range 5-400
    assert "outside the bounds of every calibration" in text
    assert "k_pras" in text and "450" in text and "400" in text


def test_validate_reports_only_the_chosen_split(tmp_path, capsys):
    out = tmp_path / "v"
    capsys.readouterr()
    assert main(["pathway", "validate", "--split", "train", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    # before: three "heldout (...): 0/0 simulable observations pass (-)" lines
    assert "heldout" not in text and "train (all conditions)" in text
    assert set(pd.read_csv(out / "summary.csv")["split"]) == {"train"}
