"""TGI metrics on a small constructed study, every expected value computed by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetor.errors import DataError
from kinetor.pd import TGI_FORMULAS, caliper_volume, read_volumes, tc_ratio, tgi, volume_summary

# Vehicle means: day 0 (100+120)/2 = 110, day 7 220, day 14 (400+480)/2 = 440
# Drug means:    day 0 (100+80)/2 = 90,   day 7 110, day 14 (150+90)/2 = 120
# Strong means:  day 0 (100+120)/2 = 110, day 7 70,  day 14 (40+60)/2 = 50
VOLUMES = {
    "c1": ("Vehicle", [100.0, 200.0, 400.0]),
    "c2": ("Vehicle", [120.0, 240.0, 480.0]),
    "t1": ("Drug", [100.0, 120.0, 150.0]),
    "t2": ("Drug", [80.0, 100.0, 90.0]),
    "s1": ("Strong", [100.0, 60.0, 40.0]),
    "s2": ("Strong", [120.0, 80.0, 60.0]),
}


def study():
    rows = [
        (a, g, d, v) for a, (g, vs) in VOLUMES.items() for d, v in zip((0, 7, 14), vs, strict=True)
    ]
    return pd.DataFrame(rows, columns=["animal", "group", "day", "volume"])


def by_group(res, col):
    return res.set_index("group")[col]


def test_delta_tgi_by_hand():
    res = tgi(study(), control="Vehicle", day=14)
    # dC = 440 - 110 = 330; Drug dT = 120 - 90 = 30 -> TGI = (1 - 30/330) 100 = 90.9090...
    # Strong dT = 50 - 110 = -60 -> TGI = (1 + 60/330) 100 = 118.1818... (regression)
    tg = by_group(res, "tgi_pct")
    assert tg["Drug"] == pytest.approx(100.0 * (1 - 30 / 330))
    assert tg["Strong"] == pytest.approx(100.0 * (1 + 60 / 330))
    assert tg["Vehicle"] == 0.0
    assert by_group(res, "regression").to_dict() == {
        "Drug": False,
        "Strong": True,
        "Vehicle": False,
    }
    assert by_group(res, "treated_value")["Drug"] == pytest.approx(30.0)
    assert by_group(res, "control_value")["Drug"] == pytest.approx(330.0)
    assert set(res["method"]) == {"delta"}
    assert set(res["formula"]) == {TGI_FORMULAS["delta"]}
    assert (res["start_day"] == 0).all() and (res["day"] == 14).all()


def test_tc_ratio_by_hand():
    res = tc_ratio(study(), control="Vehicle", day=14)
    # 120 / 440 = 27.2727 %, 50 / 440 = 11.3636 %
    tc = by_group(res, "tc_pct")
    assert tc["Drug"] == pytest.approx(100 * 120 / 440)
    assert tc["Strong"] == pytest.approx(100 * 50 / 440)
    assert by_group(res, "tgi_pct")["Drug"] == pytest.approx(100 - 100 * 120 / 440)
    assert set(res["method"]) == {"tc_ratio"}


def test_rtv_by_hand():
    res = tgi(study(), control="Vehicle", day=14, formula="rtv")
    # Vehicle RTV 400/100 = 480/120 = 4; Drug (1.5 + 1.125)/2 = 1.3125; Strong (0.4 + 0.5)/2
    tc = by_group(res, "tc_pct")
    assert tc["Drug"] == pytest.approx(100 * 1.3125 / 4)
    assert tc["Strong"] == pytest.approx(100 * 0.45 / 4)


def test_geometric_by_hand():
    res = tgi(study(), control="Vehicle", day=14, formula="geometric")
    # GM ratio = sqrt(150*90 / (400*480)) = sqrt(13500/192000) = sqrt(0.0703125)
    tc = by_group(res, "tc_pct")
    assert tc["Drug"] == pytest.approx(100 * math.sqrt(0.0703125))
    assert tc["Strong"] == pytest.approx(100 * math.sqrt(2400 / 192000))
    assert set(res["formula"]) == {TGI_FORMULAS["geometric"]}


@pytest.mark.parametrize("formula", sorted(TGI_FORMULAS))
def test_vehicle_against_itself_is_zero(formula):
    df = study()
    veh = df[df["group"] == "Vehicle"]
    twin = veh.assign(group="Vehicle2", animal=veh["animal"] + "b")
    res = tgi(pd.concat([veh, twin]), control="Vehicle", day=14, formula=formula)
    np.testing.assert_allclose(res["tgi_pct"], 0.0, atol=1e-12)


def test_intermediate_day_and_default_day():
    res = tgi(study(), control="Vehicle", day=7)
    # dC = 220 - 110 = 110; Drug dT = 110 - 90 = 20 -> 81.8181...
    assert by_group(res, "tgi_pct")["Drug"] == pytest.approx(100 * (1 - 20 / 110))
    default = tgi(study(), control="Vehicle")
    assert (default["day"] == 14).all()


def test_missing_day_and_non_growing_control_give_nan_with_reason():
    df = study()
    df = df[~((df["group"] == "Drug") & (df["day"] == 14))]
    res = tgi(df, control="Vehicle", day=14).set_index("group")
    assert math.isnan(res.loc["Drug", "tgi_pct"]) and "day 14" in res.loc["Drug", "reason"]
    flat = study()
    flat.loc[flat["group"] == "Vehicle", "volume"] = 100.0
    res = tgi(flat, control="Vehicle", day=14).set_index("group")
    assert math.isnan(res.loc["Drug", "tgi_pct"])
    assert "did not grow" in res.loc["Drug", "reason"]


def test_unknown_control_and_formula_are_data_errors():
    with pytest.raises(DataError, match="Placebo"):
        tgi(study(), control="Placebo")
    with pytest.raises(DataError, match="formula"):
        tgi(study(), control="Vehicle", formula="median")


def test_zero_volume_and_geometric_mean():
    df = study()
    df.loc[(df["animal"] == "s1") & (df["day"] == 14), "volume"] = 0.0
    res = tgi(df, control="Vehicle", day=14, formula="geometric").set_index("group")
    assert math.isnan(res.loc["Strong", "tc_pct"]) and "geometric" in res.loc["Strong", "reason"]
    # the arithmetic formulas are still defined: mean(0, 60) = 30 -> 30 / 440
    assert tc_ratio(df, "Vehicle", 14).set_index("group").loc["Strong", "tc_pct"] == pytest.approx(
        100 * 30 / 440
    )


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(1e-3, 1e3), formula=st.sampled_from(sorted(TGI_FORMULAS)))
def test_tgi_does_not_depend_on_the_volume_unit(scale, formula):
    df = study()
    ref = tgi(df, "Vehicle", 14, formula=formula)["tgi_pct"].to_numpy()
    scaled = df.assign(volume=df["volume"] * scale)
    np.testing.assert_allclose(
        tgi(scaled, "Vehicle", 14, formula=formula)["tgi_pct"], ref, rtol=1e-9, atol=1e-9
    )


def test_caliper_volume_and_reading_from_diameters(tmp_path):
    # V = L W^2 / 2: 10 x 8^2 / 2 = 320; 12 x 9^2 / 2 = 486
    assert float(caliper_volume(10.0, 8.0)) == 320.0
    path = tmp_path / "cal.csv"
    path.write_text("animal,group,day,length,width\na,V,0,10,8\na,V,7,12,9\n")
    assert read_volumes(path)["volume"].tolist() == [320.0, 486.0]


def test_every_bad_row_is_reported():
    df = pd.DataFrame(
        {
            "animal": ["a", "a", "b", "b", "c", ""],
            "group": ["V", "V", "V", "D", "D", "D"],
            "day": [0, 0, 0, 7, "x", 3],
            "volume": [100, 110, -5, "big", 10, 10],
        }
    )
    with pytest.raises(DataError) as err:
        read_volumes(df, file="vol.csv")
    found = {(p.row, p.column) for p in err.value.problems}
    # header = row 1: duplicate day for 'a' (row 3), negative (row 4), text volume (row 5),
    # text day (row 6), empty animal (row 7), animal b in two groups (first row 4)
    assert {
        (3, "day"),
        (4, "volume"),
        (5, "volume"),
        (6, "day"),
        (7, "animal"),
        (4, "group"),
    } <= found
    assert all(p.file == "vol.csv" for p in err.value.problems)
    with pytest.raises(DataError, match="volume"):
        read_volumes(pd.DataFrame({"animal": ["a"], "group": ["V"], "day": [0]}))


def test_blank_volume_is_a_missing_measurement():
    df = study()
    df["volume"] = df["volume"].astype(object)
    df.loc[0, "volume"] = None  # c1 day 0 not measured
    res = tgi(df, "Vehicle", 14).set_index("group")
    assert res.loc["Vehicle", "n_start"] == 1
    # Vehicle start mean now 120: dC = 440 - 120 = 320; Drug dT = 30
    assert res.loc["Drug", "tgi_pct"] == pytest.approx(100 * (1 - 30 / 320))


def test_volume_summary_by_hand():
    s = volume_summary(study()).set_index(["group", "day"])
    # Vehicle day 14: mean 440, SD |480-400|/sqrt(2) = 56.5685, SEM 40, GM sqrt(192000)
    row = s.loc[("Vehicle", 14.0)]
    assert row["mean"] == pytest.approx(440.0)
    assert row["sem"] == pytest.approx(40.0)
    assert row["geo_mean"] == pytest.approx(math.sqrt(192000.0))
