"""The network's plumbing: a conjugate's units, parameters the model computes, IC50s
beyond the tested range, the 0 h row, the ``--lesion`` option and a drug named twice."""

import numpy as np
import pandas as pd
import pytest

from kinetor import compounds
from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError, UnitError
from kinetor.pathway import READOUTS, Network, fit_hill, resolve_drug, scan
from kinetor.pk.course import Polyexponential

CONJUGATE = "wortmannin-rapamycin-7c"


@pytest.fixture(scope="module")
def net():
    return Network()


def _where(exc: DataError) -> list[tuple]:
    return sorted(((p.row or 0), p.column) for p in exc.problems)


# ------------------------------------------------------------------ a conjugate without mw


def test_conjugate_has_no_mw_in_the_library():
    # the premise of the two tests below: the library gives the conjugate no molecular
    # weight (its parts, rapamycin and wortmannin, have their own)
    assert compounds.get(CONJUGATE).mw is None
    assert compounds.get("rapamycin").mw == pytest.approx(914.187)


def test_conjugate_without_mw_refuses_a_mass_concentration(net):
    # docs/pathway.md section 6: a drug without mw is refused with a UnitError; before, the
    # conjugate's 10 ng/mL was converted with rapamycin's MW (10.94 nM)
    assert all("mw" not in part.extra for part in resolve_drug(CONJUGATE).slots())
    with pytest.raises(UnitError, match="mass concentration"):
        net.simulate({CONJUGATE: "10 ng/mL"}, t_end=1)
    # a molar unit is what it takes
    res = net.simulate({CONJUGATE: "10 nM"}, t_end=1, times=[0, 1])
    assert np.isfinite(res.readouts["pS6K1_T389"].iloc[-1])


def test_conjugate_without_mw_refuses_a_mass_unit_course(net):
    course = Polyexponential([0.0], [0.0], [[10.0]], [0.1], "ng/mL")
    with pytest.raises(UnitError, match="mass concentration"):
        net.simulate({CONJUGATE: course}, t_end=1)


# ------------------------------------------------------------------ computed variables


@pytest.mark.parametrize("name", ["pAKT_S473", "C_rapalog", "growth", "pERK"])
def test_a_variable_the_model_computes_is_not_a_parameter(name):
    # each is an assignment rule of mtor.ant; libroadrunner refused to set it with a raw
    # RuntimeError ("Could not set value ... assignment rule")
    with pytest.raises(ModelError, match=f"'{name}' is computed by the model, not settable"):
        Network(parameters={name: 1.0}).simulate(t_end=1)


def test_unknown_and_computed_parameters_are_listed_together():
    with pytest.raises(ModelError) as err:
        Network(parameters={"growth": 1.0, "k_nothing": 2.0}).simulate(t_end=1)
    assert "'growth' is computed" in str(err.value)
    assert "unknown model parameter 'k_nothing'" in str(err.value)


def test_scan_refuses_a_computed_parameter_column_before_running():
    conds = pd.DataFrame({"drug": ["vistusertib"], "conc_nM": [10], "param.growth": [1.0]})
    with pytest.raises(DataError) as err:
        scan(conds, t=1)
    assert _where(err.value) == [(1, "param.growth")]
    assert "computed by the model" in str(err.value)


def test_scan_lists_an_unknown_parameter_with_every_other_problem():
    # two problems: an unknown param. column (its header, row 1) and a negative context
    # level (row 2); before, only the second was listed and the first came later as a
    # ModelError without row or column
    conds = pd.DataFrame(
        {
            "drug": ["vistusertib"],
            "conc_nM": [10],
            "param.nosuch": [1.0],
            "growth_factor": [-1],
            "parameters": [{"pERK": 1.0}],
        }
    )
    with pytest.raises(DataError) as err:
        scan(conds, t=1)
    assert _where(err.value) == [(1, "param.nosuch"), (2, "growth_factor"), (2, "parameters")]


def test_scan_of_dicts_names_the_condition_and_key():
    conds = [
        {"drugs": {"everolimus": 1.0}},
        {"drugs": {"everolimus": 1.0}, "parameters": {"C_rapalog": 3.0}, "param.nosuch": 2.0},
    ]
    with pytest.raises(DataError) as err:
        scan(iter(conds), t=1)
    text = {p.column: p.message for p in err.value.problems}
    assert set(text) == {"parameters", "param.nosuch"}
    assert all(m.startswith("condition 2: ") for m in text.values())


def test_scan_of_a_generator_with_good_parameters_runs(net):
    conds = ({"drugs": {"everolimus": 1.0}, "parameters": {"PTEN_tot": 0.5}} for _ in range(1))
    out = scan(conds, t=1)
    direct = Network(parameters={"PTEN_tot": 0.5}).readouts_at({"everolimus": 1.0}, 1)
    assert out[list(READOUTS)].to_numpy()[0] == pytest.approx(direct, rel=1e-9, nan_ok=True)


# ------------------------------------------------------------------ IC50s beyond the range


def test_fit_hill_notes_an_ic50_beyond_the_tested_range():
    # y = 10 + 90 / (1 + C / 2e5): IC50 2e5 nM, absolute IC50 where 50 = 10 + 90/(1 + C/2e5),
    # C = 2e5 (90/40 - 1) = 2.5e5 nM; both above the highest tested 1e5 nM
    c = np.logspace(-2, 5, 22)
    fit = fit_hill(c, 10 + 90 / (1 + c / 2e5))
    assert fit.ic50 == pytest.approx(2e5, rel=1e-4)
    assert fit.abs_ic50 == pytest.approx(2.5e5, rel=1e-4)
    assert "IC50 2e+05 nM extrapolated beyond the tested range" in fit.note
    assert "absolute IC50 2.5e+05 nM extrapolated beyond the tested range" in fit.note


def test_fit_hill_notes_a_hill_at_its_bound():
    # a step between 10 and 30 nM: the 4PL's slope grows without end (to the bound 20)
    # and its midpoint is the geometric mean, sqrt(10 x 30) = 17.32 nM
    c = np.array([1.0, 3.0, 10.0, 30.0, 100.0, 300.0])
    fit = fit_hill(c, [100.0, 100.0, 100.0, 0.0, 0.0, 0.0])
    assert fit.hill == pytest.approx(20.0, rel=1e-3)
    assert fit.ic50 == pytest.approx(300**0.5, rel=1e-3)
    assert "hill at its bound 20" in fit.note
    assert "extrapolated" not in fit.note


def test_fit_hill_notes_an_absolute_ic50_on_one_point_below_50():
    # one concentration below 50 % (20 % at 100 nM), four above: Sebaugh 2011 (Pharm Stat
    # 10:128) asks for >= 2 on each side
    fit = fit_hill([1.0, 3.0, 10.0, 30.0, 100.0], [100.0, 100.0, 100.0, 100.0, 20.0])
    assert "4 point(s) above, 1 below 50 %" in fit.note


def test_fit_hill_adds_no_note_to_a_well_determined_fit():
    c = np.logspace(-1, 3, 9)
    fit = fit_hill(c, 10 + 90 / (1 + (c / 20.0) ** 1.5))
    assert fit.ic50 == pytest.approx(20.0, rel=1e-6) and fit.note == ""


def test_cli_dose_response_notes_metformin_extrapolated(tmp_path):
    out = tmp_path / "dr"
    argv = ["pathway", "dose-response", "--drug", "metformin", "--hours", "2", "--n", "8"]
    assert main([*argv, "--out", str(out)]) == 0
    dr = pd.read_csv(out / "dose_response.csv")
    fits = pd.read_csv(out / "ic50.csv").set_index("readout")
    # no tested concentration takes pS6 below 50 %: its absolute IC50 lies beyond 1e5 nM
    assert dr["pS6_S235_236"].min() > 50 and dr["conc_nM"].max() == pytest.approx(1e5)
    assert fits.loc["pS6_S235_236", "abs_ic50_nM"] > 1e5
    assert "extrapolated beyond the tested range" in str(fits.loc["pS6_S235_236", "note"])


# ------------------------------------------------------------------ the 0 h row


def test_zero_hour_row_is_the_drug_free_state_for_a_constant_and_a_profile(net):
    # 0 h is the reference row: the untreated steady state the drugs start from, 100 % of
    # the untreated reference by definition; a constant input and the identical constant
    # profile must agree there and everywhere after
    const = net.simulate({"capivasertib": 2000}, t_end=3, times=[0, 1, 2, 3])
    prof = net.simulate({"capivasertib": ([0, 3], [2000, 2000])}, t_end=3, times=[0, 1, 2, 3])
    first = const.readouts.iloc[0].drop("time").dropna()
    assert first.to_numpy() == pytest.approx(100.0, abs=1e-9)
    assert const.readouts.iloc[0].to_numpy() == pytest.approx(
        prof.readouts.iloc[0].to_numpy(), abs=1e-9, nan_ok=True
    )
    assert const.readouts.iloc[1:].to_numpy() == pytest.approx(
        prof.readouts.iloc[1:].to_numpy(), rel=1e-6, nan_ok=True
    )


def test_zero_hour_row_against_the_parental_reference():
    # with reference="parental" the 0 h row is the lesioned cell's untreated steady state in
    # % of the parental one, from the steady states alone (no drug)
    net = Network(lesions=["PTEN_loss"])
    res = net.simulate({"capivasertib": 2000}, t_end=1, times=[0, 1], reference="parental")
    expected = 100 * net.steady_state() / net.steady_state(parental=True)
    got = res.readouts.iloc[0].drop("time")
    assert got.to_numpy() == pytest.approx(expected[got.index].to_numpy(), rel=1e-9, nan_ok=True)


# ------------------------------------------------------------------ minor


def test_cli_lesion_takes_names_joined_by_semicolon(tmp_path):
    out = tmp_path / "s"
    argv = ["pathway", "simulate", "--lesion", "PTEN_loss;KRAS_mut", "--hours", "1", "--dt", "1"]
    assert main([*argv, "--out", str(out)]) == 0
    got = pd.read_csv(out / "readouts.csv")
    ref = Network(["PTEN_loss", "KRAS_mut"]).simulate(t_end=1, dt=1).readouts
    assert got.to_numpy() == pytest.approx(ref.to_numpy(), rel=1e-6, nan_ok=True)


def test_cli_lesion_refuses_an_empty_name_in_a_joined_list(tmp_path, capsys):
    out = tmp_path / "s"
    argv = ["pathway", "simulate", "--lesion", "PTEN_loss;", "--hours", "1"]
    assert main([*argv, "--out", str(out)]) == 2
    assert "--lesion" in capsys.readouterr().err and not out.exists()


def test_one_drug_under_two_names_is_named_as_given(net):
    # RAD001 is everolimus in the library: the message names both as the user gave them
    assert resolve_drug("RAD001").name == "everolimus"
    with pytest.raises(ModelError, match="share the mechanism 'rapalog'") as err:
        net.simulate({"everolimus": 1.0, "RAD001": 2.0}, t_end=1)
    assert "everolimus and RAD001 (everolimus)" in str(err.value)
    assert "given twice" in str(err.value)
