"""Exposure tables of the tumour fits: the order of a jump's rows, and the units of the
exposure's times and concentrations (`kinetor pd fit --exposure`, ``fit_pd``).

The expected estimates come from an independent closed form: exponential growth with a
kill, V(t) = v0 exp(kg t - k2 C(t)) with C(t) the integral of the exposure, is linear in
(ln v0, kg, k2) on the log scale, so the log-error fit is ordinary least squares of ln V.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.pd import fit_pd, read_volumes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pd"
VOLUMES = EXAMPLES / "volumes.csv"
# examples/pd/exposure.csv: Drug 500 ng/mL on days 0-14 (the jump at day 14), then 0
FORWARD = [("Vehicle", 0, 0), ("Vehicle", 21, 0), ("Drug", 0, 500)]
FORWARD += [("Drug", 14, 500), ("Drug", 14, 0), ("Drug", 21, 0)]


def _closed_form():
    """(v0, kg, k2 per ng/mL/day) by least squares of ln V on (1, t, -C(t)), with
    C(t) = 500 min(t, 14) for the Drug group and 0 for the vehicle."""
    v = pd.read_csv(VOLUMES)
    v.columns = ["animal", "group", "day", "volume"]
    t = v["day"].to_numpy(float)
    c = np.where(v["group"] == "Drug", 500.0 * np.minimum(t, 14.0), 0.0)
    x = np.column_stack([np.ones_like(t), t, -c])
    b = np.linalg.lstsq(x, np.log(v["volume"].to_numpy(float)), rcond=None)[0]
    return np.exp(b[0]), b[1], b[2]


def _csv(tmp_path, header, rows, name="expo.csv"):
    path = tmp_path / name
    lines = [",".join(header)] + [",".join(str(x) for x in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _fit(tmp_path, capsys, expo):
    out = tmp_path / "fit"
    capsys.readouterr()
    argv = ["--json", "pd", "fit", str(VOLUMES), "--model", "exponential"]
    code = main([*argv, "--exposure", str(expo), "--out", str(out)])
    return code, json.loads(capsys.readouterr().out)


def _api(header, rows):
    """``fit_pd`` of the example volumes (exponential growth with a kill) on an exposure
    DataFrame: the estimates and the unit of k2."""
    f = fit_pd(read_volumes(VOLUMES), "exponential", exposure=pd.DataFrame(rows, columns=header))
    assert f.converged_.all(), f.convergence_reason_
    return f.params_.iloc[0].to_dict(), f.param_units["k2"], f.exposure_notes_


def _params(payload):
    return {p["parameter"]: p for p in payload["parameters"]}


# -- a jump's rows: "before" then "after", so the course must be in ascending order ----------


def test_a_course_with_a_jump_written_in_descending_order_is_a_data_error(tmp_path, capsys):
    # the example file's rows reversed: read as sorted-with-ties-in-file-order it became
    # 500 -> 0 on days 0-14, a jump up to 500, 500 -> 0 on days 14-21 (a sawtooth), fitted
    # and "converged"; the order of the two day-14 rows cannot tell before from after
    rows = FORWARD[::-1]  # file rows 2..7: Drug 21, Drug 14 (0), Drug 14 (500), Drug 0, ...
    expo = _csv(tmp_path, ("group", "day", "conc"), rows)
    code, payload = _fit(tmp_path, capsys, expo)
    assert code == 3, payload
    (p,) = payload["problems"]
    assert (p["file"], p["row"], p["column"]) == ("expo.csv", 3, "day")
    assert "rows 3, 4 at day 14" in p["problem"] and "ascending" in p["problem"]
    assert "sort the rows of Drug by day" in p["fix"]
    assert not (tmp_path / "fit").exists()


def test_a_course_without_a_jump_may_come_in_any_order():
    # no jump: sorting by time is all there is to it (the vehicle's rows reversed): the
    # closed form of the forward table
    est, _, _ = _api(("group", "day", "conc"), [FORWARD[1], FORWARD[0], *FORWARD[2:]])
    for name, want in zip(("v0", "kg", "k2"), _closed_form(), strict=True):
        assert est[name] == pytest.approx(want, rel=1e-4), name


def test_the_api_names_the_table_position_of_a_reversed_jump():
    ex = pd.DataFrame(FORWARD[::-1], columns=["group", "day", "conc"])
    with pytest.raises(DataError, match="not in ascending day order") as err:
        fit_pd(read_volumes(VOLUMES), "exponential", exposure=ex)
    assert [p.row for p in err.value.problems] == [3]


# -- units of the concentrations --------------------------------------------------------------


def test_the_concentration_unit_is_read_and_named_in_k2(tmp_path, capsys):
    # the same exposure in ug/mL (0.5 instead of 500) with a unit column: k2 c is the
    # same, so k2 per ug/mL is 1000 times k2 per ng/mL, and its unit says so (it said
    # "conc unit", and a 'furlong' unit went through as well)
    rows = [(g, d, c / 1000.0, "ug/mL") for g, d, c in FORWARD]
    expo = _csv(tmp_path, ("group", "day", "conc", "unit"), rows)
    code, payload = _fit(tmp_path, capsys, expo)
    assert code == 0, payload
    k2 = _params(payload)["k2"]
    assert k2["estimate"] == pytest.approx(1000.0 * _closed_form()[2], rel=1e-4)
    assert k2["unit"] == "1/(ug/mL*day)"


def test_the_concentration_unit_of_the_header_is_read():
    # 'conc (ug/mL)' used to be refused as "no 'conc' column"
    rows = [(g, d, c / 1000.0) for g, d, c in FORWARD]
    est, unit, _ = _api(("group", "day", "conc (ug/mL)"), rows)
    assert est["k2"] == pytest.approx(1000.0 * _closed_form()[2], rel=1e-4)
    assert unit == "1/(ug/mL*day)"


def test_a_tissue_concentration_per_gram_is_a_concentration():
    # tumour drug levels are ng/g tissue: refused as "not a concentration" after units were
    # read; the unit is carried into k2's
    est, unit, _ = _api(("group", "day", "conc (ng/g)"), FORWARD)
    assert est["k2"] == pytest.approx(_closed_form()[2], rel=1e-4)
    assert unit == "1/(ng/g*day)"


@pytest.mark.parametrize(
    ("units", "row", "column", "text"),
    [
        (["furlong"] * 6, 2, "unit", "'furlong' is not a concentration"),
        (["nM", "nM", "ng/mL", "ng/mL", "ng/mL", "ng/mL"], 2, "unit", "more than one unit"),
        (["ng/mL", "ng/mL", "ug/mL", "ug/mL", "ug/mL", "ug/mL"], 2, "unit", "more than one"),
        (["ng/mL", "", "ng/mL", "ng/mL", "ng/mL", "ng/mL"], 3, "unit", "no concentration unit"),
    ],
)
def test_a_unit_that_is_no_concentration_or_mixed_units_are_refused(
    tmp_path, capsys, units, row, column, text
):
    rows = [(*r, u) for r, u in zip(FORWARD, units, strict=True)]
    code, payload = _fit(tmp_path, capsys, _csv(tmp_path, ("group", "day", "conc", "unit"), rows))
    assert code == 3, payload
    p = payload["problems"][0]
    assert (p["row"], p["column"]) == (row, column) and text in p["problem"], p


def test_a_header_unit_that_the_unit_column_contradicts_is_refused(tmp_path, capsys):
    rows = [(*r, "ug/mL") for r in FORWARD]
    expo = _csv(tmp_path, ("group", "day", "conc (ng/mL)", "unit"), rows)
    code, payload = _fit(tmp_path, capsys, expo)
    assert code == 3 and "more than one unit" in payload["problems"][0]["problem"]


# -- units of the times -----------------------------------------------------------------------


@pytest.mark.parametrize(("header", "per_day"), [("time (h)", 24), ("Time (min)", 1440)])
def test_exposure_times_with_a_unit_are_converted_to_the_days_of_the_data(header, per_day):
    # 'time (h)': 0, 336, 336, 504 h are days 0, 14, 14, 21 (it used to be refused with
    # "no 'day' column"); the fit is the closed form of the day table
    rows = [(g, per_day * d, c) for g, d, c in FORWARD]
    est, unit, notes = _api(("group", header, "conc"), rows)
    for name, want in zip(("v0", "kg", "k2"), _closed_form(), strict=True):
        assert est[name] == pytest.approx(want, rel=1e-4), name
    assert unit == "1/(conc unit*day)" and notes == []  # no conc unit given: none named


def test_a_time_column_without_a_unit_is_read_in_days_with_a_note(tmp_path, capsys):
    # hours written under a bare 'time' (0-504 beside data on days 0-21) are days to the
    # fit (as documented: a time without a unit is in the data's); the note says so and
    # that the exposure runs 24 times past the data
    rows = [(g, 24 * d, c) for g, d, c in FORWARD]
    code, payload = _fit(tmp_path, capsys, _csv(tmp_path, ("group", "time", "conc"), rows))
    assert code == 0, payload
    (note,) = [n for n in payload["notes"] if "exposure times" in n]
    assert "read in days" in note and "'time (h)'" in note and "24 times" in note


@pytest.mark.parametrize(
    ("header", "text"),
    [("time (mg)", "'mg' is not a time"), ("time (parsec)", "not a time"), ("day (h)", "in 'h'")],
)
def test_a_time_header_unit_that_is_no_time_or_contradicts_day_is_refused(
    tmp_path, capsys, header, text
):
    expo = _csv(tmp_path, ("group", header, "conc"), FORWARD)
    code, payload = _fit(tmp_path, capsys, expo)
    assert code == 3, payload
    p = payload["problems"][0]
    assert (p["row"], p["column"]) == (1, header) and text in p["problem"], p


# -- a rate the data cannot tell from 0 (relative SE above 100 %) ----------------------------


def test_a_rate_with_a_relative_se_above_100_pct_gets_a_note(tmp_path, capsys):
    # flat tumours (kg 0.001/day, 5 % log noise): the log-error exponential fit is least
    # squares of ln V on day, so kg and its SE are those of the straight line; RSE 129 %
    # is "converged" (below the 200 % limit), but its log-scale CI is no 95 % interval
    # (the Wald interval of kg itself includes 0)
    from scipy import stats

    t = np.tile([0.0, 3.0, 7.0, 10.0, 14.0], 6)
    lv = np.log(150.0) + 0.001 * t + np.random.default_rng(8).normal(0.0, 0.05, t.size)
    line = stats.linregress(t, lv)
    rse = 100.0 * line.stderr / line.slope
    assert 100.0 < rse < 200.0  # the case, independently of the code
    animals = np.repeat([f"F{i}" for i in range(6)], 5)
    frame = pd.DataFrame({"animal": animals, "group": "Vehicle", "day": t})
    frame["volume (mm3)"] = np.exp(lv)
    frame.to_csv(tmp_path / "flat.csv", index=False)
    capsys.readouterr()
    argv = ["--json", "pd", "fit", str(tmp_path / "flat.csv"), "--model", "exponential"]
    assert main([*argv, "--out", str(tmp_path / "fit")]) == 0
    payload = json.loads(capsys.readouterr().out)
    kg = _params(payload)["kg"]
    assert kg["estimate"] == pytest.approx(line.slope, rel=1e-4) and kg["converged"]
    (note,) = [n for n in payload["notes"] if "not distinguishable from 0" in n]
    assert note.startswith(f"kg (pooled): relative SE {rse:.3g} %")
    assert not any(n.startswith("v0") for n in payload["notes"])


def test_the_report_carries_the_notes(tmp_path, capsys):
    # the CLI and --json gave the notes (here: a time column without a unit, read in days),
    # the HTML report had none
    expo = _csv(tmp_path, ("group", "time", "conc"), FORWARD)
    code, payload = _fit(tmp_path, capsys, expo)
    assert code == 0 and payload["notes"]
    html = (tmp_path / "fit" / "report.html").read_text()
    assert "Notes" in html and "no unit" in html
