"""Wrong arguments to the Python API of ``kinetor.pd``: a DataError naming the argument,
the position and the fix, never a broadcast, a negative volume or a silent 0."""

import numpy as np
import pandas as pd
import pytest

import kinetor.pd as kpd
from kinetor.errors import DataError

# control 100 -> 400 mm^3 (both animals), treated 100 -> 200 mm^3, days 0 and 10
VOLUMES = pd.DataFrame(
    {
        "animal": [1, 1, 2, 2, 3, 3, 4, 4],
        "group": ["V", "V", "V", "V", "T", "T", "T", "T"],
        "day": [0, 10] * 4,
        "volume": [100, 400, 100, 400, 100, 200, 100, 200.0],
    }
)


def test_caliper_volume_by_hand_and_a_missing_diameter_stays_missing():
    # 10 x 8^2 / 2 = 320; 12 x 9^2 / 2 = 486; NaN (not measured) -> NaN
    out = kpd.caliper_volume([10.0, 12.0, np.nan], [8.0, 9.0, 5.0])
    assert out[:2].tolist() == [320.0, 486.0] and np.isnan(out[2])


def test_caliper_volume_refuses_a_negative_diameter():
    with pytest.raises(DataError) as err:
        kpd.caliper_volume([10.0, -10.0], [5.0, 5.0])
    (prob,) = err.value.problems
    assert (prob.row, prob.column) == (2, "length")


def test_caliper_volume_refuses_lists_of_two_lengths():
    with pytest.raises(DataError, match=r"2 length\(s\) but 1 width\(s\)"):
        kpd.caliper_volume([10, 8], [5])


def test_caliper_volume_refuses_text_with_a_unit():
    with pytest.raises(DataError, match="length holds text"):
        kpd.caliper_volume(["10 mm"], ["5 mm"])


@pytest.mark.parametrize("threshold", [-300, 0, float("nan"), "big"])
def test_growth_delay_refuses_a_threshold_that_is_not_a_volume(threshold):
    with pytest.raises(DataError, match="is not a volume > 0"):
        kpd.growth_delay(VOLUMES, control="V", threshold=threshold)


def test_growth_delay_refuses_an_unknown_statistic():
    with pytest.raises(DataError, match="unknown stat 'mode'"):
        kpd.growth_delay(VOLUMES, control="V", threshold=300, stat="mode")


def test_growth_delay_by_hand():
    # log-linear between day 0 and 10: V = 100 * 4^(d/10) reaches 200 at day 5 (control);
    # treated V = 100 * 2^(d/10) reaches 200 at day 10: TGD = 5 days
    out = kpd.growth_delay(VOLUMES, control="V", threshold=200).set_index("group")
    assert out.loc["T", "tgd"] == pytest.approx(5.0)


def test_tgi_refuses_an_evaluation_day_before_the_start_day():
    with pytest.raises(DataError, match="day 0 is not after the start day 10"):
        kpd.tgi(VOLUMES, control="V", start_day=10, day=0)


def test_tgi_default_day_not_after_the_start_day_gives_a_reason():
    out = kpd.tgi(VOLUMES, control="V", start_day=10)
    assert out["tgi_pct"].isna().all()
    assert out["reason"].str.contains("after day 10").all()


def test_tgi_by_hand_is_unchanged():
    # delta: 1 - (200 - 100) / (400 - 100) = 66.67 %
    out = kpd.tgi(VOLUMES, control="V").set_index("group")
    assert out.loc["T", "tgi_pct"] == pytest.approx(100 * (1 - 100 / 300))
