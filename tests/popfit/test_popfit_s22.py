"""s22 popfit fixes: units on every estimate and output; --init/--eta name errors exit 2."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.cli.main import main
from kinetor.data import Study
from kinetor.popfit import popfit


def _study(time_unit="h", dose_unit="mg"):
    rng = np.random.default_rng(1)
    t = np.array([0.5, 1, 2, 4, 8, 12.0])
    ids = np.repeat(np.arange(8).astype(str), t.size)
    cl = np.repeat(2.0 * np.exp(rng.normal(0, 0.3, 8)), t.size)
    tt = np.tile(t, 8)
    conc = 100 / 20 * np.exp(-cl / 20 * tt) * np.exp(rng.normal(0, 0.05, tt.size))
    conc = conc + rng.normal(0, 0.02, tt.size)
    conc_t = pd.DataFrame({"subject": ids, "time": tt, "conc": conc})
    doses = pd.DataFrame(
        {"subject": np.arange(8).astype(str), "time": 0.0, "dose": 100.0, "route": "iv_bolus"}
    )
    units = {"time": time_unit, "conc": "mg/L", "dose": dose_unit}
    return Study(conc_t, doses, units=units), conc_t, doses


def test_summary_and_sigma_carry_units():
    st, _, _ = _study("min", "mg/kg")
    fit = popfit(st, "1cmt-iv", eta=["cl"], error="combined", npde=False, cov_method="none")
    s = fit.summary().set_index("parameter")["unit"]
    # by hand: dose mg/kg over conc mg/L is L/kg; per min for a clearance
    assert s["cl"] == "L/min/kg" and s["v"] == "L/kg"
    assert s["omega_cl"] == ""  # variance of a log-scale eta: unitless
    assert s["add_sd"] == "mg/L" and s["prop_sd"] == ""  # additive: conc unit; prop: fraction
    assert fit.sigma.set_index("parameter")["unit"].to_dict() == {"add_sd": "mg/L", "prop_sd": ""}


def _nonmem(tmp_path):
    _, c, d = _study()
    rows = [[s, 0.0, 0.0, 100.0, 1, 1] for s in d["subject"]]
    rows += [[s, t, v, 0.0, 0, 1] for s, t, v in c[["subject", "time", "conc"]].to_numpy()]
    f = tmp_path / "nm.csv"
    df = pd.DataFrame(rows, columns=["ID", "TIME", "DV", "AMT", "EVID", "CMT"])
    df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False]).to_csv(f, index=False)
    return f


UNITS = ["--time-unit", "min", "--conc-unit", "mg/L", "--dose-unit", "mg/kg"]


def test_cli_files_carry_units(tmp_path):
    f, out = _nonmem(tmp_path), tmp_path / "out"
    args = ["popfit", str(f), "--model", "1cmt-iv", "--eta", "cl", "--vpc", "0", "--cov", "none"]
    assert main([*args, *UNITS, "--out", str(out)]) == 0
    est = pd.read_csv(out / "estimates.csv", keep_default_na=False).set_index("parameter")
    assert est.loc["cl", "unit"] == "L/min/kg" and est.loc["v", "unit"] == "L/kg"
    assert est.loc["add_sd", "unit"] == "mg/L" and est.loc["omega_cl", "unit"] == ""
    ebe = pd.read_csv(out / "ebe.csv")
    assert list(ebe.columns) == ["subject", "eta_cl", "cl (L/min/kg)", "v (L/kg)"]
    assert "L/min/kg" in (out / "report.html").read_text(encoding="utf-8")


def test_cli_unknown_init_name_is_a_usage_error(tmp_path, capsys):
    f = _nonmem(tmp_path)
    args = ["popfit", str(f), "--model", "1cmt-iv", *UNITS, "--init", "foo=3"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--init" in err and "foo" in err and "omega_v" in err and "add_sd" in err


def test_cli_unknown_eta_name_is_a_usage_error(tmp_path, capsys):
    f = _nonmem(tmp_path)
    args = ["popfit", str(f), "--model", "1cmt-iv", *UNITS, "--eta", "cl,foo"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--eta" in err and "foo" in err and "cl" in err
