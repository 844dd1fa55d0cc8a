"""`fit` and `simulate-pk` on careless input: an IV model on oral data, bad --init and
--estimate names, a zero dose, a CV given in percent, messages that name the CLI options,
fixing a parameter at its --init value, and the printed texts (no rich markup, the AUC
method said)."""

import json

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import ModelError
from kinetor.pk import OneCompartment, Regimen, fit_pk, simulate
from kinetor.pk._grammar import RegimenError

TIMES = [0.25, 0.5, 1, 2, 4, 6, 8, 12, 24]


def _oral_csv(tmp_path, n=3):
    """1-cmt oral profiles, CL 10 L/h, V 100 L, ka 1.2 /h, 100 mg, with 5 % noise."""
    rng = np.random.default_rng(7)
    k, ka, v, dose = 0.1, 1.2, 100.0, 100.0
    rows = []
    for s in range(1, n + 1):
        for t in TIMES:
            c = dose * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t)) * 1000
            rows.append((f"S{s}", t, c * np.exp(0.05 * rng.standard_normal()), 100, "PO"))
    df = pd.DataFrame(rows, columns=["Subject", "Time (h)", "Conc (ng/mL)", "Dose (mg)", "Route"])
    path = tmp_path / "po.csv"
    df.to_csv(path, index=False)
    return path


def _iv_csv(tmp_path):
    t = np.array([0.0, 1, 2, 4, 8, 12, 24])
    df = pd.DataFrame(
        {
            "Subject": "S1",
            "Time (h)": t,
            "Conc (ng/mL)": 10 * np.exp(-0.1 * t),
            "Dose (mg)": 100,
            "Route": "IV",
        }
    )
    path = tmp_path / "iv.csv"
    df.to_csv(path, index=False)
    return path


def test_fit_refuses_an_iv_model_on_oral_only_data(tmp_path, capsys):
    src = _oral_csv(tmp_path)
    out = tmp_path / "fit"
    assert main(["--json", "fit", str(src), "--model", "1cmt", "--out", str(out)]) == 3
    msg = json.loads(capsys.readouterr().out)["message"]
    assert "use an '-oral' model (1cmt-oral)" in msg and "no absorption" in msg
    assert not out.exists()  # refused before any output
    from kinetor.data import read_study

    with pytest.raises(ModelError, match="-oral"):
        fit_pk(read_study(src), "2cmt")


@pytest.mark.parametrize(
    ("extra", "hint", "text"),
    [
        (["--init", "cl=abc"], "--init", "'abc' is not a number"),
        (["--init", "cl=-5"], "--init", "cl must be > 0"),
        (["--init", "f=1.5"], "--init", "f must be in (0, 1]"),
        (["--estimate", "foo"], "--estimate", "unknown parameter foo"),
        (["--init", "vmax=3"], "--init", "unknown parameter vmax"),
    ],
)
def test_fit_options_are_usage_errors(tmp_path, capsys, extra, hint, text):
    src = _oral_csv(tmp_path)
    args = ["fit", str(src), "--model", "1cmt-oral", "--out", str(tmp_path / "o"), *extra]
    assert main(args) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert hint in err and text in err
    if "unknown" in text:
        assert "cl, v, ka, f, tlag" in err  # the model's parameters are listed


def test_a_parameter_in_init_but_not_estimated_is_held_fixed(tmp_path):
    src = _oral_csv(tmp_path)
    out = tmp_path / "fit"
    args = ["--quiet", "fit", str(src), "--model", "1cmt-oral", "--out", str(out)]
    assert main([*args, "--estimate", "cl", "--estimate", "v", "--init", "ka=1.2"]) == 0
    p = pd.read_csv(out / "pk_fit_parameters.csv")
    ka = p[p["parameter"] == "ka"]
    assert len(ka) == 3 and (ka["estimate"] == 1.2).all() and ka["fixed"].all()
    # with ka at its true value CL and V are close to the truth (10 L/h, 100 L)
    cl = p[p["parameter"] == "cl"]["estimate"]
    assert np.allclose(cl, 10.0, rtol=0.1)
    # an oral design with ka neither estimated nor fixed is refused, saying how to do either
    assert main([*args, "--estimate", "cl", "--estimate", "v"]) == 3


def test_estimate_takes_a_comma_separated_list(tmp_path):
    # '--estimate cl,v' was refused as the unknown parameter 'cl,v'; it is '--estimate cl
    # --estimate v', as popfit --eta takes lists
    src = _oral_csv(tmp_path)
    args = ["--quiet", "fit", str(src), "--model", "1cmt-oral", "--init", "ka=1.2"]
    assert main([*args, "--estimate", "cl,v", "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--estimate", "cl", "--estimate", "v", "--out", str(tmp_path / "b")]) == 0
    a, b = (pd.read_csv(tmp_path / d / "pk_fit_parameters.csv") for d in ("a", "b"))
    pd.testing.assert_frame_equal(a, b)
    assert main([*args, "--estimate", "cl,foo", "--out", str(tmp_path / "c")]) == 2


def test_fixed_parameters_in_python(tmp_path):
    from kinetor.data import read_study

    st = read_study(_oral_csv(tmp_path))
    res = fit_pk(st, "1cmt-oral", estimate=["cl", "v"], fixed={"ka": 1.2})
    ka = res.params[res.params["parameter"] == "ka"]
    assert (ka["estimate"] == 1.2).all()
    with pytest.raises(ModelError, match="unknown parameter"):
        fit_pk(st, "1cmt-oral", estimate=["cl", "foo"])
    with pytest.raises(ModelError, match="must be a number > 0"):
        fit_pk(st, "1cmt-oral", init={"cl": -5.0})


def test_not_converged_is_printed_as_text_not_markup(tmp_path, capsys):
    # noise-free data: the residual error collapses, the fit is reported as not converged
    src = _iv_csv(tmp_path)
    assert (
        main(["fit", str(src), "--model", "1cmt", "--out", str(tmp_path / "o")]) == 4
    )  # not converged: exit 4
    out = capsys.readouterr().out
    assert "NOT converged S1:" in out
    assert "[bold red]" not in out and "[/]" not in out


def test_a_negative_dose_is_refused_by_the_parser_and_zero_is_a_vehicle():
    with pytest.raises(RegimenError, match="a dose cannot be negative"):
        Regimen.parse("-5 mg IV")
    # 0 is a vehicle arm (translate's 'vistusertib:0 mg/kg PO QD x 21 days'): no exposure
    tab = Regimen.parse("0.0 mg/kg PO QD x 3").to_table()
    assert tab["time"].tolist() == [0.0, 24.0, 48.0] and (tab["amount"] == 0).all()


def _sim(tmp_path, *extra, regimen="10 mg IV"):
    return [
        "simulate-pk",
        "--model",
        "1cmt",
        "--param",
        "cl=10",
        "--param",
        "v=100",
        "--regimen",
        regimen,
        "--hours",
        "24",
        "--out",
        str(tmp_path / "sim"),
        *extra,
    ]


def test_simulate_pk_zero_dose_cv_in_percent_and_option_names(tmp_path, capsys):
    assert main(["--json", *_sim(tmp_path, regimen="-5 mg IV")]) == 3
    assert "a dose cannot be negative" in json.loads(capsys.readouterr().out)["message"]
    assert main(_sim(tmp_path, "--n-subjects", "5", "--cv", "cl=30")) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--cv" in err and "a CV is a fraction" in err
    assert main(["--json", *_sim(tmp_path, "--conc-unit", "nM")]) == 3
    assert "--mw" in json.loads(capsys.readouterr().out)["message"]
    assert main(["--json", *_sim(tmp_path, regimen="15 mg/kg IV")]) == 3
    assert "--weight" in json.loads(capsys.readouterr().out)["message"]
    assert not (tmp_path / "sim").exists()
    with pytest.raises(ModelError, match="a CV is a fraction"):
        simulate(
            OneCompartment(cl=10, v=100), "10 mg IV", [1.0], n_subjects=3, variability={"cl": 30}
        )


def test_a_zero_dose_simulates_zero_concentrations(tmp_path, capsys):
    # a vehicle regimen: it crashed drawing the semi-log panel of an all-zero profile
    assert main(["--json", *_sim(tmp_path, regimen="0 mg IV")]) == 0
    conc = pd.read_csv(tmp_path / "sim" / "pk_conc.csv")
    assert len(conc) > 0 and (conc["conc"] == 0).all()
    assert (tmp_path / "sim" / "pk_simulation_bands.png").stat().st_size > 0


def test_simulate_pk_says_how_the_auc_is_computed(tmp_path, capsys):
    assert main(["--json", *_sim(tmp_path)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["auc_method"] == "linear trapezoid on the --dt 1 h grid"
    # 10 mg IV bolus, CL 10 L/h, V 100 L: exact AUC(0-24) = 1000 (1 - e^-2.4) = 909.28
    # ng*h/mL; the trapezoid on the 1 h grid overestimates it (≈ 910.04)
    assert got["auc_median"] == pytest.approx(910.04, abs=0.05)
    assert main(_sim(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "AUC (trapezoid)" in out and "linear trapezoid on the --dt 1 h grid" in out
