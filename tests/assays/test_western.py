"""Densitometry on synthetic blots with known volumes, noise and a background gradient."""

import numpy as np
import pandas as pd
import pytest
import tifffile
from blot_synth import blot, lanes

from kinetor.assays import linear_range, normalise_bands, quantify_blot, read_blot
from kinetor.errors import DataError

AMPS = [1000, 2000, 4000, 500, 3000, 1500, 6000, 800]


@pytest.mark.slow
@pytest.mark.parametrize("background", ["rolling_ball", "lane"])
def test_band_ratios_within_two_percent(background):
    img, truth, _ = blot(AMPS)
    t = quantify_blot(img, lanes=lanes(8), band=(45, 76), background=background, radius=40)
    got = t["volume"].to_numpy()
    ratios, expect = got / got[0], truth / truth[0]
    assert np.max(np.abs(ratios / expect - 1)) < 0.02
    assert not t["saturated"].any()


@pytest.mark.slow
def test_detected_lanes_and_band_match_the_layout():
    img, truth, _ = blot(AMPS, gradient=(0.5, 0.5))
    t = quantify_blot(img, n_lanes=8, background="rolling_ball", radius=40)
    for (a, b), (x0, x1) in zip(lanes(8), zip(t["x0"], t["x1"], strict=True), strict=True):
        assert abs(x0 - a) <= 2 and abs(x1 - b) <= 2
    assert t["y0"].iat[0] < 60 - 2 * 3 and t["y1"].iat[0] > 60 + 2 * 3
    got = t["volume"].to_numpy() / (t["x1"] - t["x0"]).to_numpy()
    exp = truth / 24
    assert np.max(np.abs(got / got[0] / (exp / exp[0]) - 1)) < 0.02
    with pytest.raises(DataError, match="found 8 lanes where 6 were expected"):
        quantify_blot(img, n_lanes=6)


def test_dark_bands_8_bit():
    img, truth, _ = blot(
        AMPS[:4], shape=(100, 170), dtype=np.uint8, offset=40, gradient=(0.1, 0.1), noise=1.0
    )
    amps = np.array(AMPS[:4]) / 40  # fit 8 bits
    img, truth, _ = blot(
        list(amps), shape=(100, 170), dtype=np.uint8, offset=40, gradient=(0.1, 0.1), noise=1.0
    )
    film = (255 - img).astype(np.uint8)  # dark bands on a light background
    t = quantify_blot(film, lanes=lanes(4), band=(45, 76), background="lane", dark_bands=True)
    got = t["volume"].to_numpy()
    assert np.max(np.abs(got / got[0] / (truth / truth[0]) - 1)) < 0.02


def test_saturated_band_is_flagged_and_kept_out_of_ratios(tmp_path):
    img, _, clipped = blot([1000, 70000, 2000], shape=(120, 130))
    assert clipped == [False, True, False]
    path = tmp_path / "b.tif"
    tifffile.imwrite(path, img)
    t = quantify_blot(
        read_blot(path),
        lanes=lanes(3),
        band=(45, 76),
        background="lane",
        labels=["veh", "high", "drug"],
    )
    assert t["saturated"].tolist() == [False, True, False]
    assert "saturated pixels" in t.loc[1, "flag"]
    load = t.assign(volume=1e5, saturated=False, n_saturated=0)
    r = normalise_bands(t, load, control="veh")
    assert np.isnan(r.loc[1, "ratio"]) and r.loc[1, "note"] == "target band saturated"
    assert r.loc[2, "relative"] == pytest.approx(t.loc[2, "volume"] / t.loc[0, "volume"])


def test_phospho_total_ratio_over_replicate_blots():
    rows_p, rows_t = [], []
    for rep, scale in enumerate([1.0, 1.3]):
        pimg, _, _ = blot([1000 * scale, 500 * scale, 250 * scale], shape=(120, 130), seed=rep)
        timg, _, _ = blot([2000, 2000, 2000], shape=(120, 130), seed=10 + rep)
        kw = {
            "lanes": lanes(3),
            "band": (45, 76),
            "background": "lane",
            "labels": ["veh", "low", "high"],
        }
        rows_p.append(quantify_blot(pimg, name="p-AKT", **kw).assign(replicate=rep))
        rows_t.append(quantify_blot(timg, name="AKT", **kw).assign(replicate=rep))
    r = normalise_bands(
        pd.concat(rows_p, ignore_index=True),
        pd.concat(rows_t, ignore_index=True),
        control="veh",
        kind="phospho/total",
    )
    s = r.attrs["summary"].set_index("sample")
    assert s.loc["low", "relative_mean"] == pytest.approx(0.5, rel=0.02)
    assert s.loc["high", "relative_mean"] == pytest.approx(0.25, rel=0.03)
    assert s.loc["high", "n"] == 2


def test_linear_range_of_a_dilution_series():
    loads = [2.5, 5, 10, 20, 40, 80]
    # linear to 20 ug, then the signal bends (film/detector saturation)
    vols = [100.0, 200.0, 401.0, 795.0, 1200.0, 1500.0]
    t = linear_range(loads, vols)
    assert t["in_range"].tolist() == [True, True, True, True, False, False]
    assert t.attrs["max_linear_load"] == 20.0
    # the line through the origin fitted to the lowest three loads, held
    assert t.attrs["slope"] == pytest.approx(
        np.dot(loads[:3], vols[:3]) / np.dot(loads[:3], loads[:3])
    )
    with pytest.raises(DataError, match=">= 3 loads"):
        linear_range([1, 2], [1, 2])


def test_a_saturated_lane_does_not_bias_the_others():
    img, truth, clipped = blot([1000, 70000, 500, 2500], shape=(120, 170))
    t = quantify_blot(img, n_lanes=4, band=(45, 76), radius=40)
    ok = ~np.array(clipped)
    assert t["saturated"].tolist() == clipped
    assert np.max(np.abs(t["volume"].to_numpy()[ok] / truth[ok] - 1)) < 0.02
