"""Re-audit s21 (rebs): how ``normalise_bands`` pairs the target and reference blots
(replicate column, blot names) and ``summary='blots'`` with named blots. Expected ratios
are worked out by hand from the volumes written here."""

import numpy as np
import pandas as pd
import pytest

from kinetor.assays import normalise_bands
from kinetor.errors import DataError

SAMPLES = ("veh", "veh", "lo", "lo")
TV = {"b1": [100.0, 100, 60, 40], "b2": [200.0, 200, 90, 110]}
RV = {"b1": [50.0, 50, 50, 50], "b2": [100.0, 100, 100, 100], "b3": [10.0, 10, 10, 10]}


def _tab(vols, blot, replicate=None):
    d = {
        "blot": blot,
        "lane": np.arange(1, 5),
        "sample": list(SAMPLES),
        "volume": vols,
        "saturated": [False] * 4,
    }
    if replicate is not None:
        d["replicate"] = replicate
    return pd.DataFrame(d)


def _both(table, blots, reps=None):
    reps = reps or [None] * len(blots)
    return pd.concat(
        [_tab(table[b], b, r) for b, r in zip(blots, reps, strict=True)], ignore_index=True
    )


def test_replicate_column_in_the_target_only_is_a_data_error():
    t = _both(TV, ["b1", "b2"], [1, 2])
    r = _both(RV, ["b1", "b2"])
    with pytest.raises(DataError, match="'replicate' column in the target table only"):
        normalise_bands(t, r, control="veh")


def test_partly_shared_blot_names_are_refused_naming_them():
    t = _both(TV, ["b1", "b2"])
    r = _both(RV, ["b2", "b3"])
    with pytest.raises(DataError, match="share only") as e:
        normalise_bands(t, r, control="veh")
    assert "'b1'" in str(e.value) and "'b3'" in str(e.value)


def test_disjoint_names_pair_by_order_and_equal_names_by_name():
    # no shared name: target b1 with reference b1x (first), b2 with b2x (second)
    t = _both(TV, ["b1", "b2"])
    r = _both({"b1x": RV["b1"], "b2x": RV["b2"]}, ["b1x", "b2x"])
    rel = normalise_bands(t, r, control="veh")["relative"].to_numpy()
    # b1: ratios 2,2,1.2,0.8 / 2; b2: 2,2,0.9,1.1 / 2
    np.testing.assert_allclose(rel, [1, 1, 0.6, 0.4, 1, 1, 0.45, 0.55])


def test_replicate_that_disagrees_with_the_blot_names_is_refused():
    t = _both(TV, ["b1", "b2"], [1, 2])
    r = _both(RV, ["b2", "b1"], [1, 2])  # replicate 1 is b1 in target, b2 in reference
    with pytest.raises(DataError, match="disagrees with the blot names"):
        normalise_bands(t, r, control="veh")
    # the same numbering in both tables is used as given
    ok = normalise_bands(t, _both(RV, ["b1", "b2"], [1, 2]), control="veh")
    np.testing.assert_allclose(ok["relative"], [1, 1, 0.6, 0.4, 1, 1, 0.45, 0.55])


def test_summary_blots_uses_the_blot_names_without_a_replicate_column():
    t = _both(TV, ["b1", "b2"])
    r = _both(RV, ["b1", "b2"])
    out = normalise_bands(t, r, control="veh", summary="blots")
    s = out.attrs["summary"].set_index("sample")
    # per blot mean of lo: b1 (0.6 + 0.4) / 2 = 0.5, b2 (0.45 + 0.55) / 2 = 0.5 -> n = 2 blots
    assert int(s.loc["lo", "n"]) == 2 and s.loc["lo", "n_of"] == "blots"
    assert s.loc["lo", "relative_mean"] == pytest.approx(0.5)
    assert s.loc["lo", "relative_sd"] == pytest.approx(0.0, abs=1e-12)
    one = _tab(TV["b1"], "b1").drop(columns="blot")
    with pytest.raises(DataError, match="or a 'blot' column in both tables"):
        normalise_bands(one, _tab(RV["b1"], "b1").drop(columns="blot"), summary="blots")
