"""Wrong arguments to the Python API of ``kinetor.pathway``: each gives a ModelError or a
DataError naming the argument (and, for a table, the row and column) with the fix, never
a raw TypeError/KeyError/ValueError from numpy or libroadrunner, and no input is dropped
or changed silently."""

import numpy as np
import pandas as pd
import pytest

import kinetor.pathway as kp
from kinetor.errors import DataError, ModelError, UnitError


@pytest.fixture(scope="module")
def net():
    return kp.Network()


# ------------------------------------------------------------------ scan conditions


def test_scan_refuses_an_unknown_key_of_a_condition_dict():
    with pytest.raises(DataError) as err:
        kp.scan([{"drugz": {"everolimus": 1}}], t=2)
    (prob,) = err.value.problems
    assert prob.column == "drugz" and "condition 1" in prob.message


def test_scan_refuses_a_concentration_column_without_a_drug_column():
    with pytest.raises(DataError) as err:
        kp.scan(pd.DataFrame({"conc_nM": [1.0]}), t=2)
    (prob,) = err.value.problems
    assert (prob.file, prob.row, prob.column) == ("<DataFrame>", 1, "conc_nM")
    assert "no 'drug' column" in prob.message


def test_scan_names_a_misnamed_concentration_column():
    with pytest.raises(DataError) as err:
        kp.scan(pd.DataFrame({"drug": ["everolimus"], "conc": [1]}), t=2)
    assert {p.column for p in err.value.problems} == {"drug", "conc"}


def test_scan_names_the_bad_key_of_a_dict_that_uses_conc():
    with pytest.raises(DataError) as err:
        kp.scan([{"drug": "everolimus", "conc": 1}], t=2)
    assert {p.column for p in err.value.problems} == {"drug", "conc"}


def test_scan_names_row_and_column_of_a_concentration_that_is_text():
    df = pd.DataFrame({"drug": ["everolimus", "everolimus"], "conc_nM": [1, "ten"]})
    with pytest.raises(DataError) as err:
        kp.scan(df, t=2)
    (prob,) = err.value.problems
    assert (prob.row, prob.column) == (3, "conc_nM")  # header = row 1, second data row
    assert "'ten'" in prob.message


def test_scan_reads_an_empty_lesions_cell_as_none(net):
    df = pd.DataFrame({"lesions": [np.nan], "drug": ["everolimus"], "conc_nM": [1.0]})
    res = kp.scan(df, network=net, t=2)
    expected = net.readouts_at([("everolimus", 1.0)], 2.0)
    assert res["pS6K1_T389"].iloc[0] == pytest.approx(expected[2], rel=1e-9)


def test_scan_lists_every_unknown_drug_and_lesion_with_its_row():
    df = pd.DataFrame(
        {"lesions": ["PTEN", ""], "drug": ["everolimus", "everolimuss"], "conc_nM": [1, 2]}
    )
    with pytest.raises(DataError) as err:
        kp.scan(df, t=2)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "lesions"), (3, "drug")]


def test_scan_refuses_a_second_concentration_without_its_drug():
    df = pd.DataFrame(
        {"drug": ["everolimus"], "conc_nM": [1.0], "drug2": [np.nan], "conc2_nM": [100.0]}
    )
    with pytest.raises(DataError) as err:
        kp.scan(df, t=2)
    (prob,) = err.value.problems
    assert (prob.row, prob.column) == (2, "conc2_nM")


def test_scan_keeps_label_columns():
    df = pd.DataFrame({"id": ["a"], "drug": ["everolimus"], "conc_nM": [1.0]})
    assert kp.scan(df, t=2)["id"].tolist() == ["a"]


# ------------------------------------------------------------------ combination grid


def test_combination_grid_refuses_a_negative_concentration(net):
    with pytest.raises(DataError) as err:
        kp.combination_grid(net, "everolimus", [-1], "capivasertib", [100], t=2)
    (prob,) = err.value.problems
    assert (prob.row, prob.column) == (1, "concs_a")


def test_bliss_excess_is_exactly_zero_where_one_drug_is_absent(net):
    g = kp.combination_grid(net, "everolimus", [10], "capivasertib", [300], t="2 h")
    single = (g["conc_a_nM"] == 0) | (g["conc_b_nM"] == 0)
    assert (g.loc[single, "bliss_excess"] == 0.0).all()
    y = g.set_index(["conc_a_nM", "conc_b_nM"])["growth"]
    ea, eb = 1 - y[(10.0, 0.0)] / 100, 1 - y[(0.0, 300.0)] / 100
    both = g[~single].iloc[0]
    assert both["bliss_expected"] == pytest.approx(ea + eb - ea * eb, abs=1e-9)
    assert both["bliss_excess"] == pytest.approx(
        1 - y[(10.0, 300.0)] / 100 - both["bliss_expected"]
    )


# ------------------------------------------------------------------ Network arguments


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, "abc"])
def test_network_refuses_a_parameter_that_is_not_a_finite_number_ge_0(value):
    with pytest.raises(ModelError, match="parameter PTEN_tot"):
        kp.Network(parameters={"PTEN_tot": value})


def test_network_refuses_lesions_that_are_not_names():
    with pytest.raises(ModelError, match="lesions must be lesion names"):
        kp.Network(lesions=5)


def test_network_refuses_a_lesion_given_twice():
    with pytest.raises(ModelError, match="'PTEN_loss' is given twice"):
        kp.Network(lesions=["PTEN_loss", "PTEN_loss"])


def test_simulate_refuses_a_list_of_drug_names(net):
    with pytest.raises(ModelError, match="drugs must be a mapping"):
        net.simulate(["everolimus"])


def test_drug_refuses_a_potency_with_a_unit():
    with pytest.raises(ModelError, match="ic50_nM must be a number"):
        kp.Drug("x", "mek", "10 nM")


# ------------------------------------------------------------------ times and durations


def test_readouts_at_reads_a_duration_text_and_a_mapping(net):
    ref = net.readouts_at([("everolimus", 10)], 2)
    np.testing.assert_array_equal(net.readouts_at([("everolimus", 10)], "2 h"), ref)
    np.testing.assert_array_equal(net.readouts_at({"everolimus": 10}, "120 min"), ref)


@pytest.mark.parametrize(
    ("t", "error", "match"),
    [
        ([2, 3], ModelError, "one duration"),
        (None, ModelError, "one duration"),
        ("2 kg", UnitError, "not a duration"),
        (0, ModelError, "must be > 0 h"),
    ],
)
def test_readouts_at_refuses_a_time_that_is_not_one_duration(net, t, error, match):
    with pytest.raises(error, match=match):
        net.readouts_at([("everolimus", 10)], t)


def test_dose_response_and_grid_read_a_duration_text(net):
    a = kp.dose_response(net, "everolimus", [1, 10], t="2 h")
    b = kp.dose_response(net, "everolimus", [1, 10], t=2)
    pd.testing.assert_frame_equal(a, b)


def test_simulate_reads_a_step_as_a_duration_text(net):
    res = net.simulate({}, t_end=1, dt="15 min")
    assert res.readouts["time"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_a_numeric_string_duration_is_the_number_of_hours(net):
    assert net.simulate({}, t_end="2", dt=1).readouts["time"].tolist() == [0.0, 1.0, 2.0]


def test_simulate_returns_exactly_the_requested_times_after_0(net):
    res = net.simulate({"everolimus": 10}, times=[0.5, 1, 2])
    assert res.readouts["time"].tolist() == [0.0, 0.5, 1.0, 2.0]  # no t_end row added
    res = net.simulate({"everolimus": 10}, times=[0.5, 1, 2], t_end=5)
    assert res.readouts["time"].tolist() == [0.0, 0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("times", "t_end", "match"),
    [
        ([2, 1, 0.5], None, "increase strictly"),
        ([1, 1, 2], None, "increase strictly"),
        ([0.5, 5], 1, "beyond t_end"),
        ([np.nan, 1], None, "finite"),
        ([], None, "non-empty"),
        ([-1, 1], None, ">= 0"),
        ([0], None, "beyond 0 h"),
    ],
)
def test_simulate_refuses_output_times_it_would_have_to_change(net, times, t_end, match):
    with pytest.raises(ModelError, match=match):
        net.simulate({"everolimus": 10}, times=times, t_end=t_end)


# ------------------------------------------------------------------ dose-response, fit


def test_dose_response_reads_concentrations_with_units(net):
    a = kp.dose_response(net, "everolimus", ["1 nM", "1 uM"], t=2)
    b = kp.dose_response(net, "everolimus", [1.0, 1000.0], t=2)
    assert a["conc_nM"].tolist() == pytest.approx([1.0, 1000.0], rel=1e-12)
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


@pytest.mark.parametrize("concs", [10, None, "10 nM"])
def test_dose_response_refuses_concentrations_that_are_not_a_list(net, concs):
    with pytest.raises(ModelError, match="concs must be a list"):
        kp.dose_response(net, "everolimus", concs, t=2)


def test_dose_response_refuses_something_that_is_not_a_network():
    with pytest.raises(ModelError, match=r"network must be a kinetor\.pathway\.Network"):
        kp.dose_response(None, "everolimus", [1, 10], t=2)


def test_fit_hill_refuses_lists_of_different_lengths():
    c = np.array([1, 3, 10, 30, 100, 300, 1000.0])
    y = 10 + 90 / (1 + (c / 50) ** 1.5)
    with pytest.raises(DataError, match="7 concentrations but 6 responses"):
        kp.fit_hill(c, y[:-1])


def test_fit_hill_refuses_negative_concentrations():
    with pytest.raises(DataError) as err:
        kp.fit_hill([-1, 1, 10, 100, 1000], [100, 90, 50, 10, 5])
    (prob,) = err.value.problems
    assert (prob.row, prob.column) == (1, "conc")
