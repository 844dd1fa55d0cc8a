"""Assay fixes of audit s21: GR metrics of flat curves and GR_inf within [-1, 1], GR plates
without time-zero wells, band ratios of several blots, the Western --design file, plate map
names and semicolon files, repeated colony layout rows, float blots without a ceiling,
negative band volumes and clonogenic levels. Expected values come from hand arithmetic or
an independent scipy computation in the test."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from assay_synth import grid_csv, map_rows, plate_values
from scipy.optimize import least_squares

from kinetor.assays import (
    clonogenic,
    fit_gr,
    merge_plate_map,
    normalise_bands,
    quantify_blot,
    read_plate,
    read_plate_map,
)
from kinetor.assays.compare import compare_network
from kinetor.cli.main import main
from kinetor.errors import DataError

X0, XC = 1000.0, 4000.0
DOSES = np.array([0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0])


def _count(gr):
    # inverse of GR = 2^(log2(x/x0) / log2(xc/x0)) - 1 (Hafner 2016)
    return X0 * 2 ** (np.log2(np.asarray(gr) + 1) * np.log2(XC / X0))


# -- A1: GR metrics ------------------------------------------------------------------------


def test_gr_flat_cytotoxic_curve_reports_the_flat_fit_as_gr_metrics_does():
    # GR -0.58 in replicate 1 and -0.62 in replicate 2 at every dose: no dose-response.
    # gr_metrics (datarail) reports the flat fit: GRinf = mean GR = -0.6, GEC50 0, h 0.01;
    # GRmax here is the observed mean at the highest dose, (-0.58 - 0.62) / 2 = -0.6
    gr = np.r_[np.full(7, -0.58), np.full(7, -0.62)]
    data = pd.DataFrame(
        {"dose": np.tile(DOSES, 2), "count": _count(gr), "count_control": XC, "count_t0": X0}
    )
    r = fit_gr(data).iloc[0]
    assert r["status"] == "flat"
    assert r["GRinf"] == pytest.approx(-0.6, abs=1e-9)
    assert r["GEC50"] == 0.0 and r["h_GR"] == 0.01
    assert r["GRmax"] == pytest.approx(-0.6, abs=1e-9)


def test_gr_inf_is_fitted_within_minus_one_and_one():
    # a curve still falling at the highest dose (true GR_inf -1, GEC50 3, h 1): unbounded,
    # the fit extrapolates GR_inf below -1, which GR cannot reach. Reference: scipy
    # least squares of the same 3-parameter curve with GR_inf bounded to [-1, 1]
    rng = np.random.default_rng(2)
    dose, gr = [], []
    for _rep in range(3):
        for c in DOSES:
            dose.append(c)
            gr.append(max(-1 + 2 / (1 + (c / 3.0)) + rng.normal(0, 0.03), -0.999))
    dose, gr = np.array(dose), np.array(gr)
    data = pd.DataFrame({"dose": dose, "count": _count(gr), "count_control": XC, "count_t0": X0})
    r = fit_gr(data).iloc[0]

    def resid(p):
        ginf, lge, h = p
        return ginf + (1 - ginf) / (1 + (dose / 10**lge) ** h) - gr

    ref = least_squares(resid, [-0.5, 0.0, 1.0], bounds=([-1, -6, 0.01], [1, 6, 10]))
    assert ref.x[0] == pytest.approx(-1.0, abs=1e-6)  # the bound is active
    assert -1.0 <= r["GRinf"] <= 1.0
    assert r["GRinf"] == pytest.approx(ref.x[0], abs=1e-4)
    assert r["GEC50"] == pytest.approx(10 ** ref.x[1], rel=1e-3)
    assert r["h_GR"] == pytest.approx(ref.x[2], rel=1e-3)


# -- B1: GR plates without time-zero wells -------------------------------------------------


def _gr_plates(tmp_path, t0_values=(X0, X0), t0_on=("endA", "endB")):
    """Two plates: column 1 vehicle (4000), column 12 time zero (or empty), samples."""
    text, rows = "", ["plate,well,role,compound,concentration"]
    for p, t0 in zip(("endA", "endB"), t0_values, strict=True):
        grid = np.full((8, 12), _count(0.5))
        grid[:, 0], grid[:, 11] = XC, t0
        text += grid_csv(grid, label=p, header_lines=())
        for r in "ABCDEFGH":
            rows.append(f"{p},{r}01,vehicle,,")
            rows.append(f"{p},{r}12,{'time_zero' if p in t0_on else 'empty'},,")
            for c in range(2, 12):
                rows.append(f"{p},{r}{c:02d},sample,X,{0.001 * 3**c}")
    (tmp_path / "plate.csv").write_text(text)
    (tmp_path / "map.csv").write_text("\n".join(rows) + "\n")
    args = ["assay", "dose-response", str(tmp_path / "plate.csv"), "--map"]
    return [*args, str(tmp_path / "map.csv"), "--unit", "uM", "--out", str(tmp_path / "o")]


def _problems(capsys) -> list[dict]:
    """The problems of a DataError printed by ``kinetor --json``."""
    out = json.loads(capsys.readouterr().out)
    assert out["error"] == "DataError"
    return out["problems"]


def test_gr_plate_without_time_zero_wells_is_named(tmp_path, capsys):
    assert main(["--json", *_gr_plates(tmp_path, t0_on=("endA",))]) == 3
    (p,) = _problems(capsys)
    assert "plate endB" in p["problem"] and "has no time_zero wells" in p["problem"]
    assert p["column"] == "role" and "time_zero" in p["fix"] and p["row"] is None


def test_gr_plate_whose_control_did_not_grow_is_named(tmp_path, capsys):
    # endB: time-zero wells 5000 > vehicle 4000
    assert main(["--json", *_gr_plates(tmp_path, t0_values=(X0, 5000.0))]) == 3
    (p,) = _problems(capsys)
    assert "plate endB" in p["problem"] and "control did not grow" in p["problem"]
    assert "5000" in p["problem"] and "4000" in p["problem"]


# -- B2 and B6: band ratios ----------------------------------------------------------------


def _bands(blot, vols, labels=("veh", "lo", "hi")):
    return pd.DataFrame(
        {"blot": blot, "lane": [1, 2, 3], "sample": list(labels), "volume": vols}
    ).assign(saturated=False)


def test_two_blots_without_replicate_column_pair_lane_by_lane_within_each_blot():
    t = pd.concat([_bands("b1", [100, 50, 20]), _bands("b2", [300, 150, 60])], ignore_index=True)
    r = pd.concat([_bands("b1", [10, 10, 10]), _bands("b2", [30, 30, 30])], ignore_index=True)
    n = normalise_bands(t, r, control="veh")
    # by hand: ratios 10, 5, 2 on both blots; relative to veh 1, 0.5, 0.2; SD 0
    assert len(n) == 6
    np.testing.assert_allclose(n["ratio"], [10, 5, 2, 10, 5, 2])
    np.testing.assert_allclose(n["relative"], [1, 0.5, 0.2, 1, 0.5, 0.2])
    s = n.attrs["summary"].set_index("sample")
    np.testing.assert_allclose(s["relative_sd"], 0.0, atol=1e-12)
    assert (s["n"] == 2).all()


def test_reference_blots_with_other_names_pair_by_order():
    t = pd.concat([_bands("p1", [100, 50, 20]), _bands("p2", [300, 150, 60])], ignore_index=True)
    r = pd.concat([_bands("t1", [10, 10, 10]), _bands("t2", [30, 30, 30])], ignore_index=True)
    n = normalise_bands(t, r)
    assert len(n) == 6 and list(n["blot_ref"]) == ["t1"] * 3 + ["t2"] * 3
    np.testing.assert_allclose(n["ratio"], [10, 5, 2, 10, 5, 2])


def test_repeated_blot_and_lane_is_refused():
    t = pd.concat([_bands("b1", [100, 50, 20]), _bands("b1", [300, 150, 60])], ignore_index=True)
    r = _bands("b1", [10, 10, 10])
    with pytest.raises(DataError, match="repeated"):
        normalise_bands(t, r)


def test_negative_target_volume_gives_nan_with_note_and_is_left_out_of_the_mean():
    t = pd.concat([_bands("b1", [100, 50, 20]), _bands("b2", [300, -15, 60])], ignore_index=True)
    r = pd.concat([_bands("b1", [10, 10, 10]), _bands("b2", [30, 30, 30])], ignore_index=True)
    n = normalise_bands(t, r)
    assert np.isnan(n.loc[4, "ratio"]) and "below its background" in n.loc[4, "note"]
    s = n.attrs["summary"].set_index("sample")
    # by hand: lo has one usable ratio, 50 / 10 = 5
    assert s.loc["lo", "n"] == 1 and s.loc["lo", "ratio_mean"] == pytest.approx(5.0)


def test_float_blot_without_saturation_flags_no_lane():
    img = np.zeros((40, 60))
    img[15:25, 5:25], img[15:25, 35:55] = 1000.0, 2000.0
    kw = {"lanes": [(5, 25), (35, 55)], "band": (10, 30), "background": "none"}
    t = quantify_blot(img, **kw)
    # no ceiling is known: nothing is clipped (the brightest lane was flagged before)
    assert not t["saturated"].any()
    assert any("saturation=" in note for note in t.attrs["notes"])
    # with the detector's ceiling given, the 2000 lane reaches it
    t2 = quantify_blot(img, saturation=2000.0, **kw)
    assert list(t2["saturated"]) == [False, True]


def test_band_below_background_is_flagged():
    img = np.full((40, 30), 100.0)
    img[15:25, 5:25] = 60.0
    t = quantify_blot(img, lanes=[(5, 25)], band=(15, 25), background="lane", saturation=1e4)
    # by hand: (60 - 100) x 10 rows x 20 columns = -8000
    assert t.loc[0, "volume"] == pytest.approx(-8000.0)
    assert "below its background" in t.loc[0, "flag"]


# -- B3: the Western --design file ----------------------------------------------------------


@pytest.fixture
def western_args(tmp_path):
    import tifffile
    from blot_synth import blot, lanes

    tifffile.imwrite(tmp_path / "ps6.tif", blot([1000, 600, 300], shape=(120, 130), seed=1)[0])
    tifffile.imwrite(tmp_path / "s6.tif", blot([2000, 2000, 2000], shape=(120, 130), seed=2)[0])
    spec = ",".join(f"{a}:{b}" for a, b in lanes(3))
    return [
        *("assay", "western", str(tmp_path / "ps6.tif"), "--reference"),
        *(str(tmp_path / "s6.tif"), "--kind", "phospho/total", "--lanes", spec),
        *("--band", "45:76", "--background", "lane", "--labels", "veh,lo,hi"),
        *("--control", "veh", "--compare-network", "everolimus:MCF7", "--dose-unit", "uM"),
        *("--readout", "pS6_S235_236", "--out", str(tmp_path / "w"), "--design"),
    ]


@pytest.mark.parametrize(
    ("text", "row", "column", "what"),
    [
        ("sample,dose\nveh,0\nlo,1 mg\nhi,10\n", 3, "dose", "not a number in uM"),
        ("sample,dose,time\nveh,0,24\nlo,1,24\nlo,1,24\nhi,10,24\n", 4, "sample", "twice"),
        ("sample,dose,time\nveh,0,24\nlo,-1,24\nhi,10,24\n", 3, "dose", "negative"),
        ("sample,dose,time\nveh,0,24\nlo,1,24\nhi,10,\n", 4, "time", "blank time"),
    ],
)
def test_bad_design_rows_are_refused_with_row_and_column(
    western_args, tmp_path, capsys, text, row, column, what
):
    design = tmp_path / "design.csv"
    design.write_text(text)
    assert main(["--json", *western_args, str(design)]) == 3
    (p,) = _problems(capsys)
    assert (p["file"], p["row"], p["column"]) == ("design.csv", row, column)
    assert what in p["problem"]


def test_design_dose_with_a_unit_is_converted_to_the_dose_unit(tmp_path):
    from kinetor.cli._assay_common import read_design

    design = tmp_path / "design.csv"
    design.write_text("sample,dose\nveh,0\nlo,1000 nM\nhi,10\n")
    # 1000 nM = 1 uM by hand
    np.testing.assert_allclose(read_design(design, "uM")["dose"], [0.0, 1.0, 10.0])


def test_compare_network_refuses_a_negative_dose_and_a_blank_time():
    d = pd.DataFrame({"dose": [0.0, -1.0], "response": [100.0, 80.0]})
    with pytest.raises(DataError, match="dose"):
        compare_network(d, drug="everolimus", cell_line="MCF7", dose_unit="uM", t_end=2.0)
    d = pd.DataFrame({"dose": [0.0, 1.0], "response": [100.0, 80.0], "time": [2.0, np.nan]})
    with pytest.raises(DataError, match="time"):
        compare_network(d, drug="everolimus", cell_line="MCF7", dose_unit="uM", time="time")


# -- B4 and C1: plate maps -------------------------------------------------------------------


def test_map_rows_for_a_plate_name_not_in_the_plate_file_are_refused(tmp_path):
    plate = tmp_path / "plate.csv"
    plate.write_text(grid_csv(plate_values(), label="plate1"))
    rows = map_rows()
    # every well for '*', and one plate-specific layout written 'Plate1'
    pmap = [rows[0] + ",plate"] + [f"{r},*" for r in rows[1:]]
    pmap += [f"{r},Plate1" for r in rows[1:]]
    (tmp_path / "map.csv").write_text("\n".join(pmap) + "\n")
    with pytest.raises(DataError) as e:
        merge_plate_map(read_plate(plate), read_plate_map(tmp_path / "map.csv"))
    msg = str(e.value)
    assert "Plate1" in msg and "plate1" in msg


def test_semicolon_plate_and_map_read_as_the_comma_files(tmp_path):
    plate, pmap = tmp_path / "p.csv", tmp_path / "m.csv"
    plate.write_text(grid_csv(plate_values()))
    pmap.write_text("\n".join(map_rows()) + "\n")
    (tmp_path / "ps.csv").write_text(plate.read_text().replace(",", ";"))
    (tmp_path / "ms.csv").write_text(pmap.read_text().replace(",", ";"))
    a = merge_plate_map(read_plate(plate), read_plate_map(pmap))
    b = merge_plate_map(read_plate(tmp_path / "ps.csv"), read_plate_map(tmp_path / "ms.csv"))
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 96


# -- B5: colony layout ------------------------------------------------------------------------


def test_colony_layout_with_a_repeated_image_is_refused(tmp_path):
    from kinetor.cli._assay_survival import _read_layout

    lay = tmp_path / "layout.csv"
    lay.write_text(
        "image,group,dose,seeded\na.png,veh,0,200\nb.png,veh,2,300\nc.png,veh,4,500\n"
        "b.png,veh,2,300\n"
    )
    with pytest.raises(DataError) as e:
        _read_layout(lay, [Path("a.png"), Path("b.png"), Path("c.png")])
    p = e.value.problems[0]
    assert p.row == 5 and p.column == "image" and "twice" in p.message


# -- B7: clonogenic levels ----------------------------------------------------------------


CLONO = pd.DataFrame(
    {
        "dose": [0, 0, 2, 2, 4, 4, 6, 6] * 2,
        "seeded": [100, 100, 200, 200, 500, 500, 1000, 1000] * 2,
        "colonies": [50, 52, 60, 58, 60, 62, 40, 42, 50, 50, 50, 48, 40, 42, 20, 22],
        "group": ["veh"] * 8 + ["drug"] * 8,
    }
)


@pytest.mark.parametrize(
    "kw",
    [{"level": 95}, {"level": 0.0}, {"levels": (1.5,)}, {"levels": (0.0,)}, {"levels": (1,)}],
)
def test_clonogenic_refuses_levels_outside_zero_one(kw):
    with pytest.raises(DataError, match="level"):
        clonogenic(CLONO, control="veh", **kw)
