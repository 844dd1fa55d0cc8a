"""'x N cycles' with a plain dosing interval: the oncology
'Q3W x 4 cycles' is one dose a cycle; a short plain interval has no cycle length."""

from __future__ import annotations

import pytest

import kinetor as kt
from kinetor.pk._grammar import RegimenError


def test_q3w_x_4_cycles_is_four_doses_three_weeks_apart():
    for text in ("100 mg IV Q3W x 4 cycles", "100 mg IV x 4 cycles Q3W"):
        tab = kt.Regimen.parse(text).to_table()
        assert tab["time"].tolist() == [0.0, 504.0, 1008.0, 1512.0]  # 0, 21, 42, 63 days
        assert (tab["amount"] == 100.0).all()


def test_cycles_with_on_off_schedule_in_either_order():
    # BID 2 days on/5 days off: 4 doses at 0, 12, 24, 36 h per 7-day cycle
    a = kt.Regimen.parse("125 mg PO BID 2 days on/5 days off x 2 cycles").to_table()
    b = kt.Regimen.parse("125 mg PO BID x 2 cycles 2 days on/5 days off").to_table()
    expected = [0.0, 12.0, 24.0, 36.0, 168.0, 180.0, 192.0, 204.0]
    assert a["time"].tolist() == expected and b["time"].tolist() == expected


@pytest.mark.parametrize(
    "text, word",
    [
        ("100 mg PO QD x 4 cycles", "cycles"),
        ("100 mg PO QW x 4 cycles", "cycles"),
        ("100 mg IV Q3W x 2.5 cycles", "2.5"),
    ],
)
def test_cycles_without_a_cycle_length_are_refused(text, word):
    with pytest.raises(RegimenError) as info:
        kt.Regimen.parse(text)
    err = info.value
    assert err.text == text and text[err.position :].startswith(word)
