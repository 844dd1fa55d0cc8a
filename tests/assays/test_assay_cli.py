"""``kinetor assay ...`` through the real entry point, good and bad inputs."""

import numpy as np
import pandas as pd
import pytest
from assay_synth import grid_csv, map_rows, plate_values

from kinetor.cli.main import main


@pytest.mark.slow
def test_dose_response_from_plate_and_map(plate_files, tmp_path, capsys):
    plate, pmap = plate_files
    out = tmp_path / "out"
    assert (
        main(
            [
                "--quiet",
                "assay",
                "dose-response",
                str(plate),
                "--map",
                str(pmap),
                "--unit",
                "uM",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    res = pd.read_csv(out / "dose_response.csv").set_index("compound")
    assert res.loc["X", "ic50"] == np.float64(res.loc["X", "ic50"])
    assert abs(res.loc["X", "ic50"] / 0.1 - 1) < 1e-6 and abs(res.loc["Y", "ic50"] - 1) < 1e-6
    qc = pd.read_csv(out / "plate_qc.csv")
    assert qc["z_prime"].item() == 1.0
    for name in ("wells.csv", "points.csv", "curves.png", "plates.png", "report.html"):
        assert (out / name).stat().st_size > 0
    assert "curves.png" in (out / "report.html").read_text()


def test_dose_response_tidy_table(tmp_path):
    x = np.array([0.01, 0.1, 1, 10, 100.0])
    f = tmp_path / "t.csv"
    pd.DataFrame({"c": x, "v": 100 / (1 + x / 2)}).to_csv(f, index=False)
    out = tmp_path / "o"
    assert (
        main(
            [
                "--quiet",
                "assay",
                "dose-response",
                str(f),
                "--dose",
                "c",
                "--response",
                "v",
                "--fix",
                "bottom=0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert abs(pd.read_csv(out / "dose_response.csv")["ic50"].item() - 2) < 1e-6


def test_dose_response_bad_inputs(plate_files, tmp_path, capsys):
    plate, pmap = plate_files
    g = plate_values()
    g[0, 3] = np.nan  # a sample well without a reading
    bad_plate = tmp_path / "bad.csv"
    bad_plate.write_text(grid_csv(g))
    assert (
        main(
            [
                "assay",
                "dose-response",
                str(bad_plate),
                "--map",
                str(pmap),
                "--out",
                str(tmp_path / "o1"),
            ]
        )
        == 3
    )
    assert "no reading in sample well A04" in capsys.readouterr().err
    short_map = tmp_path / "short.csv"
    short_map.write_text("\n".join(r for r in map_rows() if not r.startswith("B07")) + "\n")
    assert (
        main(
            [
                "assay",
                "dose-response",
                str(plate),
                "--map",
                str(short_map),
                "--out",
                str(tmp_path / "o2"),
            ]
        )
        == 3
    )
    assert "well B07 of plate 'plate1' is not in the map" in capsys.readouterr().err
    tidy = tmp_path / "neg.csv"
    tidy.write_text("dose,response\n-1,50\n1,40\n")
    assert main(["assay", "dose-response", str(tidy), "--out", str(tmp_path / "o3")]) == 3
    assert "negative value" in capsys.readouterr().err
    assert (
        main(
            [
                "--quiet",
                "assay",
                "dose-response",
                str(tmp_path / "nope.csv"),
                "--out",
                str(tmp_path / "o4"),
            ]
        )
        == 3
    )
    assert (
        main(
            [
                "--quiet",
                "assay",
                "dose-response",
                str(tidy),
                "--model",
                "6pl",
                "--out",
                str(tmp_path / "o5"),
            ]
        )
        == 2
    )


def _matrix_csv(tmp_path, drop=None):
    d = np.r_[0, 0.1, 1, 10]
    d1, d2 = np.meshgrid(d, d, indexing="ij")
    e = 100 / ((1 + d1) * (1 + d2 / 2))
    df = pd.DataFrame({"a": d1.ravel(), "b": d2.ravel(), "r1": e.ravel(), "r2": e.ravel() + 1})
    if drop is not None:
        df = df.drop(index=drop)
    f = tmp_path / "m.csv"
    df.to_csv(f, index=False)
    return f


@pytest.mark.slow
def test_synergy_command(tmp_path):
    out = tmp_path / "s"
    f = _matrix_csv(tmp_path)
    assert (
        main(
            [
                "--quiet",
                "assay",
                "synergy",
                str(f),
                "--dose1",
                "a",
                "--dose2",
                "b",
                "--response",
                "r1",
                "--response",
                "r2",
                "--methods",
                "bliss,hsa,loewe",
                "--n-boot",
                "20",
                "--seed",
                "3",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    s = pd.read_csv(out / "synergy_summary.csv").set_index("method")
    assert set(s.index) == {"bliss", "hsa", "loewe", "loewe_ci"}
    assert s.loc["bliss", "unit"] == "percentage points"
    cells = pd.read_csv(out / "synergy_cells.csv")
    assert len(cells) == 16
    for name in (
        "heatmap_bliss.png",
        "surface_bliss.png",
        "heatmap_loewe_ci.png",
        "report.html",
        "monotherapy.csv",
    ):
        assert (out / name).stat().st_size > 0
    out2 = tmp_path / "mu"
    assert (
        main(
            [
                "--quiet",
                "assay",
                "synergy",
                str(f),
                "--dose1",
                "a",
                "--dose2",
                "b",
                "--response",
                "r1",
                "--response",
                "r2",
                "--methods",
                "musyc",
                "--out",
                str(out2),
            ]
        )
        == 0
    )
    pars = pd.read_csv(out2 / "musyc_parameters.csv").set_index("parameter")
    assert len(pars) == 15 and pars["converged"].all()
    # the surface is Bliss-additive (independent Hill drugs): alpha ~ 1 in both directions
    assert 0.5 < pars.loc["alpha12", "estimate"] < 2 and 0.5 < pars.loc["alpha21", "estimate"] < 2


def test_synergy_command_bad_inputs(tmp_path, capsys):
    f = _matrix_csv(tmp_path, drop=5)
    assert (
        main(
            [
                "assay",
                "synergy",
                str(f),
                "--dose1",
                "a",
                "--dose2",
                "b",
                "--response",
                "r1",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 3
    )
    assert "1 of 16 dose pairs have no well" in capsys.readouterr().err
    f = _matrix_csv(tmp_path)
    assert (
        main(
            [
                "assay",
                "synergy",
                str(f),
                "--dose1",
                "a",
                "--dose2",
                "b",
                "--response",
                "r9",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 3
    )
    assert "column 'r9' is missing" in capsys.readouterr().err
    assert (
        main(
            [
                "--quiet",
                "assay",
                "synergy",
                str(f),
                "--methods",
                "chou",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )


def test_western_command_with_reference_and_saturation(tmp_path, capsys):
    import tifffile
    from blot_synth import blot, lanes

    target, _, _ = blot([1000, 70000, 500], shape=(120, 130))
    load, _, _ = blot([2000, 2000, 2000], shape=(120, 130), seed=4)
    tifffile.imwrite(tmp_path / "pakt.tif", target)
    tifffile.imwrite(tmp_path / "gapdh.tif", load)
    spec = ",".join(f"{a}:{b}" for a, b in lanes(3))
    out = tmp_path / "w"
    assert (
        main(
            [
                "assay",
                "western",
                str(tmp_path / "pakt.tif"),
                "--reference",
                str(tmp_path / "gapdh.tif"),
                "--lanes",
                spec,
                "--band",
                "45:76",
                "--background",
                "lane",
                "--labels",
                "veh,hi,drug",
                "--control",
                "veh",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "1 saturated band(s)" in capsys.readouterr().err
    r = pd.read_csv(out / "ratios.csv")
    assert np.isnan(r.loc[1, "ratio"]) and r.loc[1, "note"] == "target band saturated"
    assert abs(r.loc[2, "relative"] - 0.5) < 0.02
    assert (out / "blot_annotated.png").stat().st_size > 1000
    rgb = tmp_path / "rgb.png"
    from skimage import io

    io.imsave(rgb, np.zeros((10, 10, 3), np.uint8), check_contrast=False)
    assert main(["assay", "western", str(rgb), "--out", str(out)]) == 3
    assert "expected one greyscale plane" in capsys.readouterr().err
    assert (
        main(["assay", "western", str(tmp_path / "pakt.tif"), "--lanes", "5-30", "--out", str(out)])
        == 2
    )


def test_clonogenic_command(tmp_path, capsys):
    rows = []
    for g, a in (("ctrl", 0.2), ("drug", 0.4)):
        for dose, n in ((0, 200), (2, 400), (4, 1000), (6, 4000)):
            for _ in range(3):
                rows.append(
                    {
                        "group": g,
                        "dose": dose,
                        "seeded": n,
                        "colonies": round(n * 0.5 * np.exp(-a * dose - 0.03 * dose**2)),
                    }
                )
    f = tmp_path / "cfa.csv"
    pd.DataFrame(rows).to_csv(f, index=False)
    out = tmp_path / "c"
    assert (
        main(["--quiet", "assay", "clonogenic", str(f), "--control", "ctrl", "--out", str(out)])
        == 0
    )
    fits = pd.read_csv(out / "lq_fits.csv").set_index("group")
    assert abs(fits.loc["ctrl", "alpha"] - 0.2) < 0.01
    ser = pd.read_csv(out / "ser.csv")
    assert (ser["ser"] > 1).all() and (out / "survival.png").exists()
    pd.DataFrame(rows).assign(colonies=-1).to_csv(f, index=False)
    assert main(["assay", "clonogenic", str(f), "--out", str(out)]) == 3
    assert "negative value -1" in capsys.readouterr().err


@pytest.mark.slow
def test_synergy_from_a_plate_with_a_matrix(tmp_path):
    # rows A-H x columns 2-9: drug P (rows) x drug Q (columns), Bliss-additive;
    # column 1 vehicle, column 12 positive, columns 10-11 empty
    c = np.r_[0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]
    grid = np.full((8, 12), 400.0)
    grid[:, 0], grid[:, 11] = 10000.0, 500.0
    frac = (1 / (1 + c[:, None] / 0.2)) * (1 / (1 + c[None, :] / 1.0))
    grid[:, 1:9] = 500 + 9500 * frac
    (tmp_path / "plate.csv").write_text(grid_csv(grid))
    rows = ["well,role,compound,concentration,compound2,concentration2"]
    for r, letter in enumerate("ABCDEFGH"):
        rows += [
            f"{letter}01,vehicle,,,,",
            f"{letter}12,positive,,,,",
            f"{letter}10,empty,,,,",
            f"{letter}11,empty,,,,",
        ]
        rows += [f"{letter}{k + 2:02d},sample,P,{c[r]},Q,{c[k]}" for k in range(8)]
    (tmp_path / "map.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "s"
    assert (
        main(
            [
                "--quiet",
                "assay",
                "synergy",
                str(tmp_path / "plate.csv"),
                "--map",
                str(tmp_path / "map.csv"),
                "--methods",
                "bliss,zip",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    cells = pd.read_csv(out / "synergy_cells.csv")
    assert len(cells) == 64 and set(cells["compound2"]) == {"Q"}
    assert cells["bliss"].abs().max() < 1e-6 and cells["zip"].abs().max() < 1e-4


def test_dose_response_on_the_oneil_slice_with_replicate_columns(tmp_path):
    from pathlib import Path

    f = Path(__file__).parent / "fixtures" / "oneil2016_viability_slice.csv"
    out = tmp_path / "o"
    args = [
        "--quiet",
        "assay",
        "dose-response",
        str(f),
        "--dose",
        "drug2dose",
        "--by",
        "combination_name",
        "--by",
        "cellid",
        "--fix",
        "top=1",
        "--absolute-level",
        "0.5",
        "--unit",
        "uM",
        "--out",
        str(out),
    ]
    for k in range(1, 5):
        args += ["--response", f"viability{k}"]
    assert main(args) == 0
    res = pd.read_csv(out / "dose_response.csv")
    assert len(res) == 15 and res["n"].max() == 16
    assert (
        res.loc[res["combination_name"] == "MK-2206 & MK-8669", "status"] == "too_few_doses"
    ).all()


def test_western_linear_range_from_a_dilution_blot(tmp_path, capsys):
    import tifffile
    from blot_synth import blot, lanes

    img, _, _ = blot([250, 500, 1000, 2000, 3000], shape=(120, 200))
    tifffile.imwrite(tmp_path / "dil.tif", img)
    spec = ",".join(f"{a}:{b}" for a, b in lanes(5))
    out = tmp_path / "w"
    assert (
        main(
            [
                "assay",
                "western",
                str(tmp_path / "dil.tif"),
                "--lanes",
                spec,
                "--band",
                "45:76",
                "--background",
                "lane",
                "--loads",
                "2.5,5,10,20,40",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    lr = pd.read_csv(out / "linear_range.csv")
    assert lr["in_range"].tolist() == [True, True, True, True, False]
    assert "linear up to 20" in capsys.readouterr().out
    assert (
        main(
            [
                "--quiet",
                "assay",
                "western",
                str(tmp_path / "dil.tif"),
                "--lanes",
                spec,
                "--loads",
                "1,2",
                "--out",
                str(out),
            ]
        )
        == 2
    )


@pytest.mark.slow
def test_gr_metrics_from_time_zero_wells(tmp_path):
    # row G, columns 2-11: time-zero counts of 2500; vehicle 10000 at the end
    g = plate_values()
    g[6, 1:11] = 2500.0
    (tmp_path / "plate.csv").write_text(grid_csv(g))
    rows = [
        r if not (r.startswith("G") and ",empty," in r) else r.replace(",empty,", ",time_zero,")
        for r in map_rows()
    ]
    (tmp_path / "map.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "o"
    assert (
        main(
            [
                "--quiet",
                "assay",
                "dose-response",
                str(tmp_path / "plate.csv"),
                "--map",
                str(tmp_path / "map.csv"),
                "--unit",
                "uM",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    gr = pd.read_csv(out / "gr_metrics.csv").set_index("compound")
    # X: count = 500 + 9500 / (1 + c/0.1); GR = sqrt(count / 2500) - 1 (control 4 x t0).
    # GR = 0.5 (GR50) at count 5625: c = 0.1 (9500 / 5125 - 1) = 0.0854 uM;
    # GR = 0 (GR100) at count 2500 = t0: c = 0.375 uM
    assert abs(gr.loc["X", "GR50"] / 0.0854 - 1) < 0.1
    assert abs(gr.loc["X", "GR100"] / 0.375 - 1) < 0.1
    assert gr.loc["X", "GRinf"] < 0 and gr.loc["X", "status"] == "ok"


@pytest.mark.slow
def test_western_replicate_blots_and_network_time_course(tmp_path):
    import tifffile
    from blot_synth import blot, lanes

    from kinetor.pathway import Network

    # two replicate p-S6 blots and their total-S6 blots; true relative p-S6/S6 of the
    # three samples: rep 1 1, 0.6, 0.3; rep 2 1, 0.5, 0.25 (totals differ between lanes)
    amps = {1: ([1000, 900, 300], [2000, 3000, 2000]), 2: ([1200, 900, 450], [2000, 3000, 3000])}
    args = ["--quiet", "assay", "western"]
    refs = []
    for r, (t, tot) in amps.items():
        tifffile.imwrite(tmp_path / f"ps6_{r}.tif", blot(t, shape=(120, 130), seed=r)[0])
        tifffile.imwrite(tmp_path / f"s6_{r}.tif", blot(tot, shape=(120, 130), seed=10 + r)[0])
        args.append(str(tmp_path / f"ps6_{r}.tif"))
        refs += ["--reference", str(tmp_path / f"s6_{r}.tif")]
    design = tmp_path / "design.csv"
    design.write_text("sample,dose,time\nveh,0,2\nlo,0.1,2\nhi,1,24\n")
    out = tmp_path / "w"
    spec = ",".join(f"{a}:{b}" for a, b in lanes(3))
    assert (
        main(
            [
                *args,
                *refs,
                "--kind",
                "phospho/total",
                "--lanes",
                spec,
                "--band",
                "45:76",
                "--background",
                "lane",
                "--labels",
                "veh,lo,hi",
                "--control",
                "veh",
                "--design",
                str(design),
                "--compare-network",
                "everolimus:MCF7",
                "--dose-unit",
                "uM",
                "--readout",
                "pS6_S235_236",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    wide = pd.read_csv(out / "replicate_ratios.csv", index_col="sample")
    np.testing.assert_allclose(wide.loc["lo"], [0.6, 0.5], rtol=0.02)
    np.testing.assert_allclose(wide.loc["hi"], [0.3, 0.25], rtol=0.02)
    summ = pd.read_csv(out / "ratio_summary.csv", index_col="sample")
    assert summ.loc["lo", "n"] == 2
    assert summ.loc["lo", "relative_mean"] == pytest.approx(wide.loc["lo"].mean())
    assert summ.loc["lo", "relative_sd"] == pytest.approx(wide.loc["lo"].std(ddof=1))
    assert summ.loc["lo", "relative_sem"] == pytest.approx(wide.loc["lo"].std(ddof=1) / 2**0.5)
    assert (out / "rep2_bands.csv").exists() and (out / "rep1_blot_annotated.png").exists()
    t = pd.read_csv(out / "measured_vs_predicted.csv").set_index("dose")
    assert t.loc[1.0, "time_h"] == 24 and t.loc[1.0, "measured_mean"] == pytest.approx(
        100 * wide.loc["hi"].mean()
    )
    direct = Network(lesions=["PIK3CA_mut"]).simulate(
        drugs={"everolimus": "1.0 uM"}, t_end=24.0, times=[24.0]
    )
    assert t.loc[1.0, "predicted"] == pytest.approx(direct.readouts["pS6_S235_236"].iloc[-1])
    assert t.loc[0.0, "predicted"] == pytest.approx(100)
    # a lane label without a design row, and a reference missing for one blot
    design.write_text("sample,dose,time\nveh,0,2\nlo,0.1,2\n")
    assert (
        main(
            [
                *args,
                *refs,
                "--lanes",
                spec,
                "--labels",
                "veh,lo,hi",
                "--control",
                "veh",
                "--design",
                str(design),
                "--compare-network",
                "everolimus:MCF7",
                "--dose-unit",
                "uM",
                "--out",
                str(out),
            ]
        )
        == 3
    )
    assert main([*args, refs[0], refs[1], "--lanes", spec, "--out", str(out)]) == 2
