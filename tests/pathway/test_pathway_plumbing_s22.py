"""Pathway plumbing (audit s22): PathwayResult.at, to_frame columns, the parental
reference with knock-downs, late profiles, CLI usage errors, scan slot clashes, output
times, empty lesion names and lesion/override clashes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import kinetor.pathway as kp
from kinetor.cli.main import app
from kinetor.errors import DataError, ModelError


@pytest.fixture(scope="module")
def net():
    return kp.Network()


def test_at_refuses_times_between_and_outside_output_times(net):
    coarse = net.simulate({"everolimus": "10 nM"}, t_end=24, dt=6)
    fine = net.simulate({"everolimus": "10 nM"}, times=[1.0])
    # the model value at 1 h, simulated; a line between the 0 h and 6 h rows is far off
    truth = float(fine.readouts.iloc[-1]["pS6K1_T389"])
    interp = float(np.interp(1.0, [0, 6], coarse.readouts["pS6K1_T389"].iloc[:2]))
    assert abs(interp - truth) > 50
    for t in (1.0, 30.0, -5.0):
        with pytest.raises(ModelError, match=r"times=|finer dt"):
            coarse.at(t)
    # exact output times work as before: the row itself
    assert coarse.at(6.0)["pS6K1_T389"] == coarse.readouts["pS6K1_T389"].iloc[1]
    assert coarse.at(6.0 + 1e-12)["pS6K1_T389"] == coarse.readouts["pS6K1_T389"].iloc[1]


def test_output_times_are_the_decimals_meant(net):
    res = net.simulate({}, t_end=1, dt=0.1)
    assert res.readouts["time"].tolist() == [k / 10 for k in range(11)]
    assert (res.readouts["time"] == 0.9).sum() == 1
    assert res.at(0.3)["pAKT_S473"] == pytest.approx(100.0)


def test_to_frame_names_inputs_context_and_parameters():
    res = kp.Network(context={"growth_factor": 0.5}, parameters={"AKT_tot": 0.5}).simulate(
        {"everolimus": "10 nM", "capivasertib": "1 uM"}, t_end=1, dt=1
    )
    long = res.to_frame()
    assert {"context", "parameters"} <= set(long.columns)
    assert set(long["drugs"]) == {"everolimus 10 nM; capivasertib 1 uM"}
    assert "growth_factor=0.5" in long["context"].iloc[0]
    assert set(long["parameters"]) == {"AKT_tot=0.5"}
    assert set(long["lesions"]) == {"none"}  # not "parental": AKT is knocked down
    plain = kp.Network().simulate({"trametinib": 10}, t_end=1, dt=1).to_frame()
    assert set(plain["drugs"]) == {"trametinib 10 nM"}
    assert set(plain["lesions"]) == {"parental"} and set(plain["parameters"]) == {"none"}


def test_parental_reference_leaves_knockdowns_out():
    kd = kp.Network(parameters={"TSC_tot": 0.0})
    res = kd.simulate({}, t_end=1, reference="parental")
    # independent: the ratio of the two drug-free steady states
    expected = 100 * kd.steady_state()["pS6K1_T389"] / kp.Network().steady_state()["pS6K1_T389"]
    assert expected > 150
    assert res.readouts["pS6K1_T389"].iloc[-1] == pytest.approx(expected, rel=1e-6)
    assert any("TSC_tot" in n for n in res.notes)
    # a kinetic override stays in the parental reference: no drug, no lesion -> 100 %
    kin = kp.Network(parameters={"k_s6k_rictor": 0.0}).simulate({}, t_end=1, reference="parental")
    assert kin.readouts["pS6K1_T389"].iloc[-1] == pytest.approx(100.0, rel=1e-6)


def test_late_profile_is_noted(net):
    res = net.simulate({"everolimus": ([2.0, 4.0], [10.0, 10.0])}, t_end=4, dt=1)
    assert any("starts at 2 h" in n and "0 h" in n for n in res.notes)
    ok = net.simulate({"everolimus": ([0.0, 4.0], [10.0, 10.0])}, t_end=4, dt=1)
    assert ok.notes == ()


def test_cli_keeps_the_names_given(tmp_path):
    r = CliRunner().invoke(
        app,
        [
            "pathway",
            "simulate",
            "--out",
            str(tmp_path / "o"),
            "--hours",
            "1",
            "--drug",
            "everolimus:10nM",
            "--drug",
            "RAD001:5nM",
        ],
    )
    said = r.output + str(r.exception)
    assert "everolimus and RAD001 (everolimus)" in said
    assert "everolimus and everolimus" not in said


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["simulate", "--reference", "foo"], "--reference"),
        (["validate", "--split", "foo"], "--split"),
        (["simulate", "--drug", "capivasertib"], "--drug"),
        (["simulate", "--context", "growth_factor"], "--context"),
        (["simulate", "--context", "growth_factor=-1"], "--context"),
    ],
)
def test_cli_usage_errors_exit_2_naming_the_option(tmp_path, args, option):
    r = CliRunner().invoke(app, ["pathway", *args, "--out", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    assert option in r.output


def test_cli_title_names_context_and_notes_late_profile(tmp_path):
    prof = tmp_path / "p.csv"
    prof.write_text("time_h,conc_nM\n2,10\n4,10\n")
    out = tmp_path / "o"
    r = CliRunner().invoke(
        app,
        [
            "pathway",
            "simulate",
            "--out",
            str(out),
            "--hours",
            "4",
            "--dt",
            "1",
            "--drug",
            f"everolimus:{prof}",
            "--context",
            "growth_factor=0",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "starts at 2 h" in r.output
    html = (out / "report.html").read_text()
    assert "growth_factor=0" in html
    assert "% of untreated control" not in html


def test_scan_lists_a_slot_clash_with_row_and_column():
    bad = pd.DataFrame(
        {"drug": ["everolimus"], "conc_nM": [10], "drug2": ["RAD001"], "conc2_nM": [5]}
    )
    with pytest.raises(DataError) as exc:
        kp.scan(bad)
    (p,) = exc.value.problems
    assert (p.row, p.column) == (2, "drug2")


def test_empty_lesion_names_and_lesion_override_clash_refused():
    for lesions in ("PTEN_loss;;", ["PTEN_loss", ""], ";"):
        with pytest.raises(ModelError, match="empty name"):
            kp.Network(lesions=lesions)
    assert kp.Network(lesions="").lesions == ()
    with pytest.raises(ModelError, match=r"PTEN_loss.*PTEN_tot"):
        kp.Network(lesions=["PTEN_loss"], parameters={"PTEN_tot": 0.5})
    # a knock-down of an amplified gene is a real experiment: kept, with a note
    her2 = kp.Network(lesions=["HER2_amp"], parameters={"HER2_tot": 1.6})
    assert any("HER2_tot" in n for n in her2.notes)


def test_combination_grid_refuses_an_empty_axis(net):
    with pytest.raises(DataError, match="concs_a"):
        kp.combination_grid(net, "everolimus", [], "capivasertib", [1.0], t=1)
