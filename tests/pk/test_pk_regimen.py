"""The dosing mini-language, dose tables, NONMEM records, round trips, errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetor.errors import DataError, KinetorError, ModelError
from kinetor.pk import Regimen, RegimenError


def table(text):
    return Regimen.parse(text).to_table()


def test_qd_for_21_days():
    t = table("15 mg/kg PO QD x 21 days")
    # 21 daily doses at 0, 24, ..., 480 h
    assert t["time"].tolist() == [24.0 * k for k in range(21)]
    assert set(t["amount"]) == {15.0} and set(t["unit"]) == {"mg/kg"}
    assert set(t["route"]) == {"extravascular"} and set(t["route_raw"]) == {"PO"}


def test_bid_two_days_on_five_off_for_four_weeks():
    t = table("125 mg PO BID 2 days on/5 days off x 4 weeks")
    # each week: days 0 and 1 twice a day -> 0, 12, 24, 36 h + 168 k
    expected = [168.0 * w + h for w in range(4) for h in (0, 12, 24, 36)]
    assert t["time"].tolist() == expected
    assert set(t["amount"]) == {125.0} and set(t["unit"]) == {"mg"}


def test_single_iv_bolus():
    t = table("10 mg/kg IV bolus single")
    assert t[["time", "amount", "unit", "route", "duration"]].values.tolist() == [
        [0.0, 10.0, "mg/kg", "iv_bolus", 0.0]
    ]


def test_rate_infusion_q24h_x5():
    t = table("5 mg/kg/h IV infusion over 30 min q24h x 5")
    # 5 mg/kg/h for 0.5 h = 2.5 mg/kg per dose
    assert t["time"].tolist() == [0.0, 24.0, 48.0, 72.0, 96.0]
    assert set(t["amount"]) == {2.5} and set(t["duration"]) == {0.5}
    assert set(t["route"]) == {"iv_infusion"}


def test_loading_dose_then_maintenance():
    t = table("loading 20 mg/kg then 10 mg/kg PO QD x 7 days")
    # loading at 0; maintenance starts one interval later: 24 ... 168 h (7 doses)
    assert t["time"].tolist() == [0.0] + [24.0 * k for k in range(1, 8)]
    assert t["amount"].tolist() == [20.0] + [10.0] * 7
    assert set(t["route"]) == {"extravascular"}  # the loading dose inherits PO


@pytest.mark.parametrize(
    "text,times",
    [
        ("100 mg PO q8h x 3", [0.0, 8.0, 16.0]),
        ("100 mg PO TID x 1 day", [0.0, 8.0, 16.0]),
        ("100 mg PO QID x 1 day", [0.0, 6.0, 12.0, 18.0]),
        ("1 mg/kg IV QW x 3 weeks", [0.0, 168.0, 336.0]),
        ("1 mg/kg IV Q2W x 3", [0.0, 336.0, 672.0]),
        ("2 mg/kg IP QOD x 3", [0.0, 48.0, 96.0]),
        ("2 mg/kg SC every 12 h for 2 days", [0.0, 12.0, 24.0, 36.0]),
        ("2 mg PO once daily x 2", [0.0, 24.0]),
        ("2 mg PO twice daily x 1 day", [0.0, 12.0]),
        (
            "480 mg PO BID 4 on/3 off x 2 cycles",
            [
                0.0,
                12.0,
                24.0,
                36.0,
                48.0,
                60.0,
                72.0,
                84.0,
                168.0,
                180.0,
                192.0,
                204.0,
                216.0,
                228.0,
                240.0,
                252.0,
            ],
        ),
        ("10 mg PO QD x 2 then 20 mg PO QD x 2", [0.0, 24.0, 48.0, 72.0]),
        ("at 6 h 10 mg IV single", [6.0]),
        ("10 umol/kg IP x21d QD", [24.0 * k for k in range(21)]),
    ],
)
def test_frequencies_and_lengths(text, times):
    assert table(text)["time"].tolist() == times


def test_units_are_canonical():
    t = table("500 ug/kg PO single then at 24 h 2 mg/m2 IV single then at 48 h 3 umol/kg IV single")
    # 500 ug/kg = 0.5 mg/kg
    assert t["amount"].tolist() == [0.5, 2.0, 3.0]
    assert t["unit"].tolist() == ["mg/kg", "mg/m2", "umol/kg"]


def test_steady_state_flag():
    t = table("100 mg PO QD ss")
    assert t[["time", "ss", "ii"]].values.tolist() == [[0.0, 1, 24.0]]
    t = table("100 mg PO QD x 3 doses ss")
    assert t["ss"].tolist() == [1, 0, 0] and t["ii"].tolist() == [24.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "text,bad",
    [
        ("15 mg/kg PO QX x 21 days", "QX"),
        ("15 mg/kg XYZ QD x 21 days", "XYZ"),
        ("15 mgg/kg PO QD x 2", "mgg/kg"),
        ("15 L PO QD x 2", "L"),
        ("fifteen mg PO single", "fifteen"),
        ("5 mg/kg/h IV infusion q24h x 5", "mg/kg/h"),
        ("125 mg PO BID 2 days on/5 days of x 4 weeks", "of"),
        ("100 mg PO QD x 3 days x 4 days", "x"),
    ],
)
def test_errors_point_at_the_word(text, bad):
    with pytest.raises(RegimenError) as err:
        Regimen.parse(text)
    msg = str(err.value)
    line, caret = msg.splitlines()[-2:]
    assert line.strip() == text
    start = caret.index("^")
    # the caret sits under the offending word (the message indents both lines equally)
    assert line[start : start + len(bad)] == bad
    assert isinstance(err.value, ModelError) and isinstance(err.value, KinetorError)


def test_error_messages_say_what_to_write():
    with pytest.raises(RegimenError, match="needs a length"):
        Regimen.parse("15 mg/kg PO QD")
    with pytest.raises(RegimenError, match="no route"):
        Regimen.parse("loading 20 mg/kg")
    with pytest.raises(RegimenError, match="empty"):
        Regimen.parse("   ")


@pytest.mark.parametrize(
    "text",
    [
        "15 mg/kg PO QD x 21 days",
        "125 mg PO BID 2 days on/5 days off x 4 weeks",
        "10 mg/kg IV bolus single",
        "5 mg/kg/h IV infusion over 30 min q24h x 5",
        "loading 20 mg/kg then 10 mg/kg PO QD x 7 days",
        "100 mg PO q8h x 3 then 50 mg oral gavage QD x 2",
        "2 mg/m2 IV over 1 h Q3W x 4 doses",
        "100 mg PO QD x 3 doses ss",
        "at 6 h 3 umol/kg SC q36h x 3",
    ],
)
def test_canonical_text_round_trip(text):
    reg = Regimen.parse(text)
    again = Regimen.parse(str(reg))
    assert again == reg
    assert str(again) == str(reg)  # the canonical text is a fixed point


def test_table_round_trip():
    reg = Regimen.parse(
        "loading 20 mg/kg IV bolus then 10 mg/kg PO BID x 3 days then 5 mg/kg IV over 2 h QD x 2"
    )
    back = Regimen.from_table(reg.to_table())
    assert back == reg
    assert Regimen.parse(str(back)) == reg


@settings(max_examples=60, deadline=None)
@given(
    amount=st.floats(0.01, 1000).map(lambda x: float(f"{x:.4g}")),
    unit=st.sampled_from(["mg", "mg/kg", "mg/m2", "umol/kg"]),
    route=st.sampled_from(["PO", "IV bolus", "IP", "SC"]),
    tau=st.sampled_from(["QD", "BID", "TID", "q6h", "QW", "q36h"]),
    n=st.integers(1, 12),
    onoff=st.sampled_from(["", "2 days on/5 days off", "4 on/3 off"]),
    second=st.booleans(),
)
def test_round_trip_property(amount, unit, route, tau, n, onoff, second):
    if onoff and tau in ("QW", "q36h"):
        onoff = ""
    text = f"{amount} {unit} {route} {tau} {onoff} x {n}"
    if second:
        text += f" then {amount * 2} {unit} IV over 1 h QD x 2"
    reg = Regimen.parse(text)
    assert Regimen.parse(str(reg)) == reg
    assert Regimen.from_table(reg.to_table()) == reg


def test_from_table_with_addl_and_rate_and_subjects():
    df = pd.DataFrame(
        {
            "subject": ["a", "a", "b"],
            "time": [0.0, 48.0, 0.0],
            "dose": [10.0, 20.0, 5.0],
            "route": ["PO", "IV", "IV"],
            "rate": [0.0, 10.0, 0.0],
            "addl": [1, 0, 2],
            "ii": [24.0, 0.0, 12.0],
        }
    )
    regs = Regimen.from_table(df, unit="mg")
    a, b = regs["a"].to_table(), regs["b"].to_table()
    assert a["time"].tolist() == [0.0, 24.0, 48.0]
    # 20 mg at 10 mg/h: a 2 h infusion
    assert a["route"].tolist() == ["extravascular", "extravascular", "iv_infusion"]
    assert a["duration"].tolist() == [0.0, 0.0, 2.0]
    assert b["time"].tolist() == [0.0, 12.0, 24.0]


def test_from_table_reports_every_bad_row():
    df = pd.DataFrame(
        {
            "time": [0, 1, 2, 3],
            "amount": [1.0, -1.0, 1.0, 1.0],
            "route": ["PO", "PO", "teleport", "IV infusion"],
        }
    )
    with pytest.raises(DataError) as err:
        Regimen.from_table(df, unit="mg")
    rows = sorted(p.row for p in err.value.problems)
    assert rows == [3, 4, 5]  # header is row 1: data rows 2..5; row 2 is fine


def test_from_nonmem_addl_ss_and_reset():
    nm = pd.DataFrame(
        {
            "ID": [1, 1, 1, 2, 2, 2],
            "TIME": [0.0, 2.0, 72.0, 0.0, 0.0, 10.0],
            "AMT": [100.0, 0.0, 50.0, 80.0, 40.0, 0.0],
            "EVID": [1, 0, 1, 1, 1, 0],
            "CMT": [1, 2, 2, 2, 2, 2],
            "RATE": [0.0, 0.0, 25.0, 0.0, 0.0, 0.0],
            "ADDL": [2, 0, 0, 0, 0, 0],
            "II": [24.0, 0.0, 0.0, 0.0, 12.0, 0.0],
            "SS": [0, 0, 0, 0, 1, 0],
        }
    )
    regs = Regimen.from_nonmem(nm, dose_unit="mg")
    one = regs["1"].to_table()
    # ADDL 2 every 24 h, then 50 mg at 25 mg/h into CMT 2: a 2 h infusion
    assert one["time"].tolist() == [0.0, 24.0, 48.0, 72.0]
    assert one["route"].tolist() == ["extravascular"] * 3 + ["iv_infusion"]
    assert one["duration"].tolist() == [0.0, 0.0, 0.0, 2.0]
    two = regs["2"].to_table()
    # SS=1 resets: the 80 mg dose before it is dropped
    assert two[["time", "amount", "ss", "ii"]].values.tolist() == [[0.0, 40.0, 1, 12.0]]


def test_from_nonmem_rejects_modelled_rates():
    nm = pd.DataFrame({"TIME": [0.0], "AMT": [10.0], "EVID": [1], "RATE": [-2]})
    with pytest.raises(DataError, match="not supported"):
        Regimen.from_nonmem(nm, dose_unit="mg")


def test_amounts_need_weight_and_are_never_guessed():
    reg = Regimen.parse("15 mg/kg PO QD x 2 then 100 mg PO single")
    with pytest.raises(ModelError, match="body weight"):
        reg.amounts_mg()
    # 15 mg/kg x 0.025 kg = 0.375 mg; the mg dose is unchanged
    np.testing.assert_allclose(reg.amounts_mg(weight=0.025), [0.375, 0.375, 100.0])
    many = reg.amounts_mg(weight=np.array([0.02, 0.03]))
    np.testing.assert_allclose(many, [[0.3, 0.3, 100.0], [0.45, 0.45, 100.0]])
    molar = Regimen.parse("2 umol/kg IV single")
    # 2 umol/kg x 10 kg x 500 g/mol = 10,000 ug = 10 mg
    np.testing.assert_allclose(molar.amounts_mg(weight=10.0, mw=500.0), [10.0])
    with pytest.raises(ModelError, match="molecular weight"):
        molar.amounts_mg(weight=10.0)
