"""PD audit fixes: no animal silently left out of a T/C, fit errors naming the file's row,
exposure jumps and keys, caliper diameters in either order. Expected values by hand."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError
from kinetor.pd import caliper_volume, fit_pd, rate_based_tc, read_volumes, tgi
from kinetor.pd.fit import PDFitter

# group T: animal B 100 -> 50, animal C 100 -> 0 (a complete responder); V: A 100 -> 200
ZERO2 = "animal,group,day,volume\nA,V,0,100\nA,V,7,200\nB,T,0,100\nB,T,7,50\nC,T,0,100\nC,T,7,0\n"
# group T: animal B has a baseline of 0
ZERO = "animal,group,day,volume\nA,V,0,100\nA,V,7,200\nB,T,0,0\nB,T,7,50\nC,T,0,100\nC,T,7,120\n"


def _csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _json_run(capsys, args):
    code = main(["--json", *args])
    return code, json.loads(capsys.readouterr().out)


# -- 1: rate-based and RTV T/C never drop an animal silently ---------------------------------


def test_rate_based_tc_complete_responder_makes_the_group_nan(tmp_path):
    res = rate_based_tc(read_volumes(_csv(tmp_path, "z.csv", ZERO2)), "V").set_index("group")
    assert math.isnan(res.loc["T", "tc_pct"]) and math.isnan(res.loc["T", "mean_rate"])
    assert "animal C" in res.loc["T", "reason"] and "volume_floor" in res.loc["T", "reason"]
    assert res.loc["T", "n"] == 1  # animals with a growth rate
    assert res.loc["V", "tc_pct"] == pytest.approx(100.0)


def test_rate_based_tc_with_volume_floor_by_hand(tmp_path):
    # floor 1: rates ln(0.5)/7 and ln(0.01)/7, mean ln(0.005)/14; control ln(2)/7;
    # T/C = exp((r_T - r_C) 7) = sqrt(0.005) / 2
    d = read_volumes(_csv(tmp_path, "z.csv", ZERO2))
    res = rate_based_tc(d, "V", volume_floor=1.0).set_index("group")
    assert res.loc["T", "tc_pct"] == pytest.approx(100 * math.sqrt(0.005) / 2, rel=1e-12)
    assert res.loc["T", "n"] == 2 and res.loc["T", "reason"] == ""


def test_rate_based_tc_control_animal_without_rate_names_it(tmp_path):
    res = rate_based_tc(read_volumes(_csv(tmp_path, "z.csv", ZERO2)), "T").set_index("group")
    assert res["tc_pct"].isna().all()
    assert "animal C" in res.loc["V", "reason"]


def test_rtv_zero_baseline_makes_the_group_nan(tmp_path):
    res = tgi(read_volumes(_csv(tmp_path, "z.csv", ZERO)), "V", formula="rtv").set_index("group")
    assert math.isnan(res.loc["T", "tc_pct"]) and math.isnan(res.loc["T", "treated_value"])
    assert "B" in res.loc["T", "reason"] and "delta" in res.loc["T", "reason"]
    # a final volume of 0 is an RTV of 0 (defined): mean RTV (0.5 + 0) / 2 over 2
    res2 = tgi(read_volumes(_csv(tmp_path, "z2.csv", ZERO2)), "V", formula="rtv")
    assert res2.set_index("group").loc["T", "tc_pct"] == pytest.approx(12.5)


def test_tgi_cli_prints_the_rate_reason_and_takes_a_volume_floor(tmp_path, capsys):
    path, out = _csv(tmp_path, "z.csv", ZERO2), tmp_path / "o"
    assert main(["tgi", str(path), "-c", "V", "-o", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "rate-based T/C of T" in printed and "animal C" in printed
    assert (
        main(["--quiet", "tgi", str(path), "-c", "V", "--volume-floor", "1", "-o", str(out)]) == 0
    )
    rate = pd.read_csv(out / "rate_based_tc.csv").set_index("group")
    assert rate.loc["T", "tc_pct"] == pytest.approx(100 * math.sqrt(0.005) / 2, rel=1e-12)


# -- 2: fit data errors name the file's row ---------------------------------------------------

ROWNO = "animal,group,day,volume\nA,Z,0,0\nA,Z,7,200\nB,B,0,100\nB,B,7,50\nC,B,0,100\nC,B,7,80\n"
ROWNO2 = "animal,group,day,volume\nA,Z,0,100\nA,Z,7,200\nB,B,0,100\nB,B,7,0\nC,B,0,100\nC,B,7,80\n"


@pytest.mark.parametrize(("name", "text", "row"), [("r.csv", ROWNO, 2), ("r2.csv", ROWNO2, 5)])
def test_tumour_fit_error_names_the_file_row(tmp_path, name, text, row):
    path = _csv(tmp_path, name, text)
    with pytest.raises(DataError) as err:
        fit_pd(read_volumes(path), "exponential")
    (p,) = err.value.problems
    assert (p.file, p.row, p.column) == (name, row, "volume")


def test_tumour_fit_cli_error_names_the_file_row(tmp_path, capsys):
    path = _csv(tmp_path, "r.csv", ROWNO)
    code, doc = _json_run(
        capsys, ["pd", "fit", str(path), "-m", "exponential", "-o", str(tmp_path)]
    )
    (p,) = doc["problems"]
    assert code != 0 and (p["file"], p["row"], p["column"]) == ("r.csv", 2, "volume")


def test_biomarker_fit_cli_error_names_the_file_row(tmp_path, capsys):
    text = "conc,value\n0,10\n1,0\n3,30\n10,50\n30,60\n"  # value 0 on file row 3
    path = _csv(tmp_path, "b.csv", text)
    args = ["pd", "fit", str(path), "-m", "emax", "--error", "log", "-o", str(tmp_path)]
    code, doc = _json_run(capsys, args)
    (p,) = doc["problems"]
    assert code != 0 and (p["file"], p["row"], p["column"]) == ("b.csv", 3, "value")


def test_fitter_without_rows_names_no_row():
    class Line(PDFitter):
        param_names = ("a", "b")

        def _predict(self, params, t, data):
            p = self.per_observation(params)
            return p["a"] + p["b"] * t

    with pytest.raises(DataError) as err:
        Line(error="log").fit([0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 0.0, 4.0])
    (p,) = err.value.problems
    assert p.row is None and "time 2" in p.message  # the array position is no file row


# -- 3, 4: exposure jumps and keys --------------------------------------------------------------


def _bolus_case():
    # c = 0 to day 2, jumps to 10, linear to 0 at day 4, 0 after: dV/dt = (kg - k2 c) V,
    # V = v0 exp(kg t - k2 AUC(t)), AUC(1) = 0, AUC(3) = 7.5, AUC(10) = 10
    v0, kg, k2 = 100.0, 0.1, 0.05
    days = np.array([0.0, 1.0, 3.0, 10.0])
    expected = v0 * np.exp(kg * days - k2 * np.array([0.0, 0.0, 7.5, 10.0]))
    data = pd.DataFrame({"animal": "a", "group": "Tx", "day": days, "volume": expected * 1.01})
    ex = pd.DataFrame({"group": "Tx", "day": [0, 2, 2, 4, 10], "conc": [0, 0, 10, 0, 0.0]})
    return data, ex, {"v0": v0, "kg": kg, "k2": k2}, expected


def test_exposure_jump_is_a_bolus():
    data, ex, params, expected = _bolus_case()
    f = fit_pd(data, "exponential", exposure=ex, fixed=params)
    np.testing.assert_allclose(f.fitted_, expected, rtol=1e-6)


def test_three_exposure_rows_at_one_time_name_file_rows_and_fix(tmp_path, capsys):
    data, ex, _, _ = _bolus_case()
    vol = _csv(tmp_path, "v.csv", data.to_csv(index=False))
    ex = pd.concat([ex.iloc[:3], ex.iloc[[2]], ex.iloc[3:]])  # day 2 three times: rows 3-5
    exp = _csv(tmp_path, "e.csv", ex.to_csv(index=False))
    args = ["pd", "fit", str(vol), "-m", "exponential", "-e", str(exp), "-o", str(tmp_path)]
    code, doc = _json_run(capsys, args)
    assert code != 0 and sorted(p["row"] for p in doc["problems"]) == [3, 4, 5]
    assert {p["file"] for p in doc["problems"]} == {"e.csv"}
    assert all(p["fix"] for p in doc["problems"])


def test_exposure_key_matching_no_group_is_an_error():
    data, ex, params, _ = _bolus_case()
    with pytest.raises(DataError) as err:
        fit_pd(data, "exponential", exposure=ex.assign(group="tx"), fixed=params)
    (p,) = err.value.problems
    assert "'tx'" in p.message and "Tx" in p.message and "Tx" in p.fix


def test_vehicle_without_exposure_is_a_note(tmp_path, capsys):
    data, ex, params, _ = _bolus_case()
    veh = data.assign(animal="v", group="Vehicle")
    vol = _csv(tmp_path, "v.csv", pd.concat([data, veh]).to_csv(index=False))
    exp = _csv(tmp_path, "e.csv", ex.to_csv(index=False))
    fixes = [x for k, v in params.items() for x in ("--fix", f"{k}={v}")]
    args = ["pd", "fit", str(vol), "-m", "exponential", "-e", str(exp), *fixes, "-o", str(tmp_path)]
    code, doc = _json_run(capsys, args)
    # exact data (exit 4: the residual error collapses); the note is what is tested
    assert code == 4 and any("Vehicle" in n and "no drug" in n for n in doc["notes"])


# -- 5: caliper diameters in either order ------------------------------------------------------


def test_caliper_longer_diameter_is_the_length(tmp_path):
    # L = 10, W = 5 either way: 10 x 25 / 2 = 125
    np.testing.assert_allclose(caliper_volume([5.0, 10.0], [10.0, 5.0]), [125.0, 125.0])
    text = "animal,group,day,length,width\nA,V,0,5,10\nA,V,7,6,12\nB,T,0,10,5\nB,T,7,11,6\n"
    d = read_volumes(_csv(tmp_path, "cal.csv", text))
    assert d.set_index(["animal", "day"]).loc[("A", 7.0), "volume"] == pytest.approx(216.0)
    (note,) = d.attrs["kinetor_notes"]
    assert "cal.csv" in note and "2, 3" in note


# -- 6a: a shrinking tumour in an exponential growth fit fails fast -----------------------------


def test_exponential_fit_of_shrinking_tumours_fails_fast():
    # ln V falls in animals a and b (slopes ln(0.5)/7 and ln(0.9)/7 < 0): no animal can be
    # fitted, said before fitting. (Where some animals grow, the fit goes on and only the
    # shrinking ones end not converged: one animal must not stop the others.)
    data = pd.DataFrame(
        {
            "animal": ["a", "a", "b", "b"],
            "group": "T",
            "day": [0.0, 7.0] * 2,
            "volume": [100.0, 50.0, 100.0, 90.0],
        }
    )
    with pytest.raises(ModelError, match=r"<= 0 for a, b:"):
        fit_pd(data, "exponential", by="animal")


def test_pd_fit_exits_4_when_no_fit_converged(tmp_path, capsys):
    # a response that does not change with concentration: Emax and EC50 are not
    # identifiable, the one fit ends converged=False; outputs are written, exit code 4
    text = "conc,value\n0,10\n1,10\n3,10\n10,10\n30,10\n"
    path = _csv(tmp_path, "flat.csv", text)
    out = tmp_path / "o"
    assert main(["pd", "fit", str(path), "-m", "emax", "-o", str(out)]) == 4
    assert "NOT converged" in capsys.readouterr().out
    assert not pd.read_csv(out / "fit_statistics.csv")["converged"].any()
