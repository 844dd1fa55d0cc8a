"""``kinetor tgi`` and ``kinetor pd fit`` through the real entry point."""

import pandas as pd
import pytest

from kinetor.cli.main import main


@pytest.fixture
def volumes_csv(tmp_path):
    # Vehicle means 110 -> 440 (dC = 330); Drug 90 -> 120 (dT = 30): TGI = 90.909 %
    rows = [
        ("c1", "Vehicle", [100, 200, 400]),
        ("c2", "Vehicle", [120, 240, 480]),
        ("t1", "Drug", [100, 120, 150]),
        ("t2", "Drug", [80, 100, 90]),
    ]
    lines = ["animal,group,day,volume"]
    for a, g, vs in rows:
        lines += [f"{a},{g},{d},{v}" for d, v in zip((0, 7, 14), vs, strict=True)]
    path = tmp_path / "volumes.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_tgi_command_writes_tables_and_plot(volumes_csv, tmp_path):
    out = tmp_path / "out"
    code = main(
        [
            "--quiet",
            "tgi",
            str(volumes_csv),
            "--control",
            "Vehicle",
            "--day",
            "14",
            "--formula",
            "delta",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    res = pd.read_csv(out / "tgi.csv").set_index("group")
    assert res.loc["Drug", "tgi_pct"] == pytest.approx(100 * (1 - 30 / 330))
    assert res.loc["Drug", "method"] == "delta"
    assert (out / "tumour_volumes.png").stat().st_size > 1000
    assert (out / "volume_summary.csv").exists() and (out / "rate_based_tc.csv").exists()


def test_tgi_command_rejects_bad_data_and_options(volumes_csv, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("animal,group,day,volume\na,V,0,-3\na,V,7,abc\n")
    assert main(["--quiet", "tgi", str(bad), "--control", "V", "--out", str(tmp_path)]) == 3
    assert (
        main(["--quiet", "tgi", str(volumes_csv), "--control", "Placebo", "--out", str(tmp_path)])
        == 3
    )
    assert (
        main(
            [
                "--quiet",
                "tgi",
                str(volumes_csv),
                "--control",
                "Vehicle",
                "--formula",
                "median",
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )


def test_pd_fit_command(tmp_path):
    # exponential growth, two animals, exact data: kg = ln 2 / 7
    lines = ["animal,group,day,volume"]
    for a, v0 in (("a1", 100.0), ("a2", 150.0)):
        lines += [f"{a},Vehicle,{d},{v0 * 2 ** (d / 7)}" for d in (0, 7, 14, 21)]
    path = tmp_path / "vol.csv"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "fit"
    assert (
        main(
            [
                "--quiet",
                "pd",
                "fit",
                str(path),
                "--model",
                "exponential",
                "--by",
                "animal",
                "--out",
                str(out),
            ]
        )
        == 4  # exact data: the residual error collapses, no fit is a statistical estimate
    )
    res = pd.read_csv(out / "parameters.csv")
    kg = res[res["parameter"] == "kg"]["estimate"].to_numpy()
    assert kg == pytest.approx([0.0990210257] * 2, rel=1e-6)
    assert (out / "observations.csv").exists() and (out / "fit_statistics.csv").exists()
    assert main(["--quiet", "pd", "fit", str(path), "--model", "nonsense", "--out", str(out)]) == 2
    assert (
        main(
            [
                "--quiet",
                "pd",
                "fit",
                str(path),
                "--model",
                "exponential",
                "--fix",
                "kg",
                "--out",
                str(out),
            ]
        )
        == 2
    )


def test_tgi_keeps_animal_ids_as_text(tmp_path):
    # '01' and '1' are two animals; read as numbers they merged silently
    rows = ["animal,group,day,volume"]
    for a, g in (("01", "Vehicle"), ("1", "Vehicle"), ("02", "Drug"), ("2", "Drug")):
        rows += [f"{a},{g},0,100", f"{a},{g},14,{400 if g == 'Vehicle' else 200}"]
    path = tmp_path / "v.csv"
    path.write_text("\n".join(rows) + "\n")
    from kinetor.pd import read_volumes

    df = read_volumes(path)
    assert sorted(df["animal"].unique()) == ["01", "02", "1", "2"]
    assert (
        main(
            [
                "--quiet",
                "tgi",
                str(path),
                "--control",
                "Vehicle",
                "--day",
                "14",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
