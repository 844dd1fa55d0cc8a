"""Command-line inputs of pd fit, tgi, popfit, simulate-pk, fih human-cl and store add-user
that used to run on nonsense (an infinite concentration, a parameter fixed at NaN, a text
cell in a column of ages, a password read from nowhere...), and the write_cdisc target
checks. Expected values of the runs that must still work are worked by hand."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


# -- pd fit: concentrations, --fix / --init ------------------------------------------------
def _imax_csv(tmp_path, bad: str):
    lines = ["animal,time,value,conc", "A1,0,100.9,0", "A1,0.1,95.9,1", "A1,0.2,93.5,3"]
    lines += [f"A1,0.5,90,{bad}", "A1,1,76.7,10", "A1,2,66.6,30", "A1,3,49.4,100"]
    path = tmp_path / "pd.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("bad", ["inf", "-5", ""])
def test_pd_fit_refuses_a_concentration_that_is_not_finite_and_non_negative(tmp_path, capsys, bad):
    data = _imax_csv(tmp_path, bad)
    out = tmp_path / "out"
    code = main(["--json", "pd", "fit", str(data), "--model", "imax", "--out", str(out)])
    assert code == 3
    (problem,) = _json(capsys)["problems"]
    # the fifth line of the file (header = row 1) at time 0.5
    assert (problem["file"], problem["row"], problem["column"]) == ("pd.csv", 5, "conc")
    assert "time 0.5" in problem["problem"] and problem["fix"]
    assert not out.exists()


def test_an_exposure_table_with_a_negative_or_missing_concentration_or_infinite_time():
    data = pd.DataFrame({"animal": "a", "time": [0.0, 1, 2, 3], "value": [100, 80, 60, 50.0]})
    exposure = pd.DataFrame(
        {"animal": "a", "time": [0.0, 1, np.inf, 3], "conc": [0.0, -1.0, 3.0, np.nan]}
    )
    from kinetor.pd import fit_pd

    with pytest.raises(DataError) as info:
        fit_pd(data, "idr1", exposure=exposure)
    # rows as a file would count them (header = row 1)
    got = [(p.row, p.column) for p in info.value.problems]
    assert got == [(3, "conc"), (4, "time"), (5, "conc")]


def test_a_direct_model_table_from_python_names_the_bad_concentrations():
    from kinetor.pd import fit_pd

    df = pd.DataFrame(
        {"time": [0.0, 1, 2, 3], "value": [100, 80, 60, 50.0], "conc": [0, 1, np.inf, -2]}
    )
    with pytest.raises(DataError) as info:
        fit_pd(df, "imax")
    msgs = [p.message for p in info.value.problems]
    assert len(msgs) == 2 and "inf at time 2" in msgs[0] and "-2 at time 3" in msgs[1]


@pytest.mark.parametrize(
    "args",
    [["--fix", "ic50=nan"], ["--init", "hill=inf"], ["--fix", "ic50=5", "--init", "ic50=6"]],
)
def test_pd_fit_fix_and_init_usage_errors(tmp_path, capsys, args):
    data = _imax_csv(tmp_path, "5")
    cmd = ["pd", "fit", str(data), "--model", "imax", "--out", str(tmp_path / "o"), *args]
    assert main(cmd) == 2
    err = capsys.readouterr().err
    assert args[0] in err


def test_a_fitter_refuses_a_parameter_fixed_at_nan():
    from kinetor.pd import fit_pd

    df = pd.DataFrame({"time": 0.0, "value": [100, 80, 60, 50.0], "conc": [0, 1, 3, 10.0]})
    with pytest.raises(ModelError, match="fixed ic50 = nan is not a finite number"):
        fit_pd(df, "imax", fixed={"ic50": float("nan")})


# -- tgi: --volume-unit against the header, --day without data -----------------------------
@pytest.fixture
def volumes_mm3(tmp_path):
    # Vehicle means 110 -> 440 (dC = 330); Drug 90 -> 120 (dT = 30): TGI = 90.909 %
    rows = [
        ("c1", "Vehicle", [100, 200, 400]),
        ("c2", "Vehicle", [120, 240, 480]),
        ("t1", "Drug", [100, 120, 150]),
        ("t2", "Drug", [80, 100, 90]),
    ]
    lines = ["animal,group,day,Volume (mm3)"]
    for a, g, vs in rows:
        lines += [f"{a},{g},{d},{v}" for d, v in zip((0, 7, 14), vs, strict=True)]
    path = tmp_path / "volumes.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_tgi_refuses_a_volume_unit_that_contradicts_the_header(volumes_mm3, tmp_path, capsys):
    base = ["tgi", str(volumes_mm3), "--control", "Vehicle", "--out", str(tmp_path / "o")]
    assert main(["--json", *base, "--volume-unit", "mL"]) == 3
    (problem,) = _json(capsys)["problems"]
    assert (problem["row"], problem["column"]) == (1, "volume")
    assert "'mm3'" in problem["problem"] and "--volume-unit" in problem["fix"]
    # the same unit under another name (1 uL = 1 mm^3) agrees with the header
    assert main(["--quiet", *base, "--volume-unit", "uL", "--day", "14"]) == 0
    res = pd.read_csv(tmp_path / "o" / "tgi.csv").set_index("group")
    assert res.loc["Drug", "tgi_pct"] == pytest.approx(100 * (1 - 30 / 330))


def test_tgi_on_a_day_without_measurements_names_the_days(volumes_mm3, tmp_path, capsys):
    cmd = ["--json", "tgi", str(volumes_mm3), "--control", "Vehicle", "--day", "100"]
    assert main([*cmd, "--out", str(tmp_path / "o")]) == 3
    (problem,) = _json(capsys)["problems"]
    assert "day 100" in problem["problem"] and "0, 7, 14" in problem["fix"]


# -- popfit: text in a column of numbers, unitless weight, --eta twice ---------------------
def _pop_csv(tmp_path, ages, weight_header="Weight (kg)"):
    lines = [f"Subject,Time (h),Conc (mg/L),Dose (mg),Route,{weight_header},Sex,Age"]
    times, concs = (0.5, 2, 8, 24), (1.4, 2.1, 1.0, 0.3)
    for i, age in enumerate(ages, start=1):
        sex = "M" if i % 2 else "F"
        lines += [
            f"S{i},{t},{c},100,PO,{60 + i},{sex},{age}" for t, c in zip(times, concs, strict=True)
        ]
    path = tmp_path / "pop.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_popfit_refuses_text_in_a_column_of_ages(tmp_path, capsys):
    data = _pop_csv(tmp_path, [67, 23, "old", 42, 56])
    cmd = ["--json", "popfit", str(data), "--vpc", "0", "--covariate", "cl~age"]
    assert main([*cmd, "--out", str(tmp_path / "o")]) == 3
    (problem,) = _json(capsys)["problems"]
    # subject S3's samples are lines 10-13 of the file
    assert (problem["row"], problem["column"]) == (10, "Age")
    assert "'old'" in problem["problem"] and "cl~age:cat" in problem["fix"]


def test_text_covariates_categorical_by_choice_or_by_the_column(tmp_path):
    from kinetor.data import read_study
    from kinetor.popfit._covariates import text_in_numbers
    from kinetor.popfit.model import PopModel

    study = read_study(_pop_csv(tmp_path, [67, 23, "old", 42, 56]))
    # ':cat' says the column is categorical: no problem
    cat = PopModel("1cmt-oral", covariates=["cl~age:cat"]).covariates
    assert text_in_numbers(study, cat) == ([], [])
    # a column of text (sex) stays categorical, with a note saying so
    problems, notes = text_in_numbers(study, PopModel("1cmt-oral", covariates=["v~sex"]).covariates)
    assert problems == [] and len(notes) == 1 and "categorical" in notes[0]


def test_popfit_refuses_a_unitless_weight_column_of_a_csv(tmp_path, capsys):
    data = _pop_csv(tmp_path, [67, 23, 30, 42, 56], weight_header="Weight")
    cmd = ["--json", "popfit", str(data), "--vpc", "0", "--covariate", "cl~weight"]
    assert main([*cmd, "--out", str(tmp_path / "o")]) == 3
    (problem,) = _json(capsys)["problems"]
    assert problem["column"] == "Weight" and "--weight-unit kg" in problem["fix"]


def test_popfit_eta_given_twice_is_a_usage_error(tmp_path, capsys):
    data = _pop_csv(tmp_path, [67, 23, 30, 42, 56])
    assert main(["popfit", str(data), "--eta", "cl,CL", "--out", str(tmp_path / "o")]) == 2
    assert "--eta" in capsys.readouterr().err


# -- simulate-pk: parameters the simulation does not have or use ---------------------------
def _sim(tmp_path, model, regimen, *params):
    cmd = ["--quiet", "simulate-pk", "--model", model, "--param", "cl=5", "--param", "v=20"]
    for p in params:
        cmd += ["--param", p]
    return main([*cmd, "--regimen", regimen, "--hours", "4", "--out", str(tmp_path / "s")])


def test_simulate_pk_refuses_parameters_the_simulation_would_not_use(tmp_path, capsys):
    assert _sim(tmp_path, "1cmt", "10 mg IV", "ka=1") == 2
    assert "ka" in capsys.readouterr().err
    assert _sim(tmp_path, "1cmt", "10 mg IV", "foo=1") == 2
    assert "foo" in capsys.readouterr().err
    # the optional ka of 1cmt with an oral regimen still works:
    # C(2 h) = D ka / (V (ka - k)) (e^-k t - e^-ka t), k = CL/V = 0.25 /h, ng/mL
    assert _sim(tmp_path, "1cmt", "10 mg PO", "ka=1") == 0
    conc = pd.read_csv(tmp_path / "s" / "pk_conc.csv").set_index("time")["conc"]
    expected = 1000 * 10 * 1 / (20 * 0.75) * (math.exp(-0.5) - math.exp(-2))
    assert conc.loc[2.0] == pytest.approx(expected, rel=1e-9)


# -- fih human-cl: weights without clearance, human as an animal, exponents ----------------
@pytest.mark.parametrize(
    "args, option",
    [
        (["--cl", "rat=5", "--method", "fixed_exponent", "--exponent", "5"], "--exponent"),
        (["--cl", "rat=5", "--cl", "dog=3", "--cl", "human=5"], "--cl"),
        (["--cl", "rat=5", "--cl", "dog=3", "--cl", "mouse=1", "--weight", "cat=3"], "--weight"),
    ],
)
def test_fih_human_cl_usage_errors(capsys, args, option):
    assert main(["fih", "human-cl", *args]) == 2
    assert option in capsys.readouterr().err


def test_fixed_exponent_range_and_human_weight(capsys):
    from kinetor.pk import predict_human_cl

    with pytest.raises(ModelError, match="exponent"):
        predict_human_cl({"rat": 5.0}, method="fixed_exponent", exponent=5.0)
    out = predict_human_cl({"rat": 5.0}, method="fixed_exponent", exponent=1.3)
    assert out["cl"] == pytest.approx(5.0 * (70 / 0.25) ** 1.3, rel=1e-12)
    cmd = ["--json", "fih", "human-cl", "--cl", "rat=5", "--method", "fixed_exponent"]
    assert main([*cmd, "--weight", "human=80"]) == 0
    assert _json(capsys)["cl"] == pytest.approx(5.0 * (80 / 0.25) ** 0.75, rel=1e-12)


# -- store add-user: no password read, --reset, blank passwords ----------------------------
def _add_user(args, stdin_text, env_password=None):
    env = {k: v for k, v in os.environ.items() if k != "KINETOR_PASSWORD"}
    if env_password is not None:
        env["KINETOR_PASSWORD"] = env_password
    # a new session has no controlling terminal: the prompt reads the (ending) stdin
    return subprocess.run(
        [sys.executable, "-c", "from kinetor.cli.main import _entry; _entry()", *args],
        input=stdin_text,
        capture_output=True,
        text=True,
        env=env,
        start_new_session=True,
        timeout=120,
    )


@pytest.mark.parametrize("typed", ["", "first-pass-1\nother-pass-2\n"])
def test_add_user_without_a_password_to_read_is_a_usage_error(tmp_path, typed):
    url = str(tmp_path / "s.sqlite")
    run = _add_user(["store", "add-user", "zed", "--store", url], typed)
    assert run.returncode == 2
    assert "KINETOR_PASSWORD" in run.stderr
    run = _add_user(["--json", "store", "add-user", "zed", "--store", url], typed)
    assert run.returncode == 2
    assert json.loads(run.stdout)["error"] == "UsageError"


def test_add_user_reset_of_a_missing_account_and_blank_passwords(tmp_path, monkeypatch, capsys):
    from kinetor.store import Store, StoreError

    url = str(tmp_path / "s.sqlite")
    monkeypatch.setenv("KINETOR_PASSWORD", "long-enough-2")
    assert main(["store", "add-user", "nobody", "--reset", "--store", url]) == 3
    assert "--reset" in capsys.readouterr().err
    monkeypatch.setenv("KINETOR_PASSWORD", " " * 8)
    assert main(["store", "add-user", "spaces", "--store", url]) == 3
    st = Store(url)
    assert st.password_hash("nobody") is None and st.password_hash("spaces") is None
    with pytest.raises(StoreError, match="only spaces"):
        st.add_user("ana", "\t" + " " * 9)
    st.close()


# -- write_cdisc: the folder and the reference date-time -----------------------------------
def test_write_cdisc_target_checks(tmp_path):
    from kinetor.data._cdisc_write import check_target

    a_file = tmp_path / "some.csv"
    a_file.write_text("x")
    with pytest.raises(DataError, match="is a file, not a folder") as info:
        check_target(a_file, "2000-01-01T08:00:00")
    assert "give a folder" in info.value.problems[0].fix
    with pytest.raises(DataError, match="reference='not a date'") as info:
        check_target(tmp_path / "new", "not a date")
    assert "2000-01-01T08:00:00" in info.value.problems[0].fix
    assert not (tmp_path / "new").exists()
    folder, ref = check_target(tmp_path / "new", "2001-02-03T04:05:06")
    assert folder.is_dir() and ref == pd.Timestamp(2001, 2, 3, 4, 5, 6)


def test_write_cdisc_checks_its_folder_and_reference_before_writing(tmp_path):
    from kinetor.data import Study, write_cdisc

    conc = pd.DataFrame({"subject": ["1", "1"], "time": [1.0, 2.0], "conc": [5.0, 3.0]})
    doses = pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [10.0], "route": ["IV"]})
    study = Study(conc, doses, pd.DataFrame({"subject": ["1"]}),
                  units={"time": "h", "conc": "ng/mL", "dose": "mg"})  # fmt: skip
    a_file = tmp_path / "urine.csv"
    a_file.write_text("x")
    with pytest.raises(DataError, match="is a file, not a folder"):
        write_cdisc(study, a_file)
    with pytest.raises(DataError, match="not a date-time"):
        write_cdisc(study, tmp_path / "out", reference="not a date")
    assert not (tmp_path / "out").exists()


def test_popfit_in_python_refuses_text_in_a_column_of_ages(tmp_path):
    from kinetor.data import read_study
    from kinetor.popfit import popfit

    study = read_study(_pop_csv(tmp_path, [67, 23, "old", 42, 56]))
    with pytest.raises(DataError) as info:
        popfit(study, "1cmt-oral", covariates=["cl~age"], npde=False)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (10, "Age") and "'old'" in problem.message


def test_predict_human_cl_refuses_a_human_clearance_among_the_animals():
    from kinetor.errors import ModelError
    from kinetor.pk import predict_human_cl

    with pytest.raises(ModelError, match="human is the species predicted"):
        predict_human_cl({"rat": 0.4, "dog": 8.0, "Human": 5.0})
