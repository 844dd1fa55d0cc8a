"""Bad and borderline inputs of ``kinetor assay ...``: each is refused with the file, the
column and the fix before anything is written, or handled as documented (found by an
exploratory test of the commands)."""

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.assays import DoseResponseFit, clonogenic, synergy
from kinetor.cli.main import main
from kinetor.errors import DataError


def _err(capsys):
    out = capsys.readouterr()
    return out.out + out.err


def test_header_only_table_is_a_data_error(tmp_path, capsys):
    f = tmp_path / "hdr.csv"
    f.write_text("compound,dose,viability\n")
    rc = main(
        ["assay", "dose-response", str(f), "--response", "viability", "--out", str(tmp_path / "o")]
    )
    assert rc == 3 and "no data rows" in _err(capsys)


def _matrix(scale=100.0):
    d = [0.0, 0.3, 1.0, 3.0]
    rows = [
        {"d1": a, "d2": b, "v": scale * (1 / (1 + a)) * (1 / (1 + b / 2))} for a in d for b in d
    ]
    return pd.DataFrame(rows)


def test_synergy_refuses_a_response_scale_that_contradicts_the_vehicle():
    frac = _matrix(1.0)  # fractions (vehicle 1) read as percent
    with pytest.raises(DataError, match="average 1: the responses look like fractions"):
        synergy(frac, dose1="d1", dose2="d2", response="v", scale="percent")
    pct = _matrix(100.0)
    with pytest.raises(DataError, match="average 100: the responses look like percent"):
        synergy(pct, dose1="d1", dose2="d2", response="v", scale="fraction")
    # the stated scale gives the same scores either way (Bliss of an independent pair is 0)
    a = synergy(frac, dose1="d1", dose2="d2", response="v", scale="fraction", methods=["bliss"])
    b = synergy(pct, dose1="d1", dose2="d2", response="v", methods=["bliss"])
    assert np.allclose(a.cells["bliss"], 0, atol=1e-9) and np.allclose(
        b.cells["bliss"], 0, atol=1e-9
    )


def test_synergy_names_the_missing_dose_pair_and_the_vehicle():
    m = _matrix()
    with pytest.raises(DataError, match=r"1 of 16 dose pairs have no well: d1=1 \+ d2=3 \(fix"):
        synergy(m[~((m.d1 == 1) & (m.d2 == 3))], dose1="d1", dose2="d2", response="v")
    with pytest.raises(DataError, match=r"d1=0 \+ d2=0 \(the vehicle\)"):
        synergy(m[~((m.d1 == 0) & (m.d2 == 0))], dose1="d1", dose2="d2", response="v")


def test_dose_response_on_fractions_needs_the_absolute_level():
    x = np.array([0.01, 0.1, 1.0, 10.0, 100.0])
    df = pd.DataFrame({"dose": x, "response": 1 / (1 + x)})  # fraction of vehicle, IC50 1
    with pytest.raises(DataError, match="look like fractions of vehicle"):
        DoseResponseFit().fit(df)
    res = DoseResponseFit(absolute_level=0.5).fit(df).results_
    assert res["abs_ic50"].iloc[0] == pytest.approx(1.0, rel=1e-6)


def test_dose_response_on_raw_signal_reports_no_absolute_ic50_without_a_level():
    # luminescence 50,000 (vehicle) down to 500: the relative IC50 (halfway between top and
    # bottom, 1 here) needs no level, but the default absolute level 50 (percent) lies below
    # every response ("IC50 > top dose" was reported): abs_ic50 NaN with the reason
    x = np.array([0.01, 0.1, 1.0, 10.0, 100.0])
    df = pd.DataFrame({"dose": x, "response": 500 + 49_500 / (1 + x)})
    res = DoseResponseFit().fit(df).results_
    assert res["ic50"].iloc[0] == pytest.approx(1.0, rel=1e-6)
    assert np.isnan(res["abs_ic50"].iloc[0]) and np.isnan(res["absolute_level"].iloc[0])
    assert res["abs_ic50_text"].iloc[0].startswith("absolute IC50 not computed: a response")
    # half the vehicle signal minus the floor: 500 + 49,500 / (1 + x) = 25,250 at x = 1
    res = DoseResponseFit(absolute_level=25_250).fit(df).results_
    assert res["abs_ic50"].iloc[0] == pytest.approx(1.0, rel=1e-6)
    # percent data that rise above the vehicle are read at 50 as before
    pct = pd.DataFrame({"dose": x, "response": 20 + 180 / (1 + x)})  # 200 % to 21.8 %
    assert DoseResponseFit().fit(pct).results_["abs_ic50"].notna().all()


def test_a_converged_step_between_two_doses_is_reported_as_steep():
    x = np.array([0.1, 0.3, 1.0, 3.0, 10.0])
    y = 100 / (1 + (x / 2.0) ** 15)  # Hill 15, IC50 2: the drop lies between 1 and 3
    res = DoseResponseFit(fix={"top": 100, "bottom": 0}).fit(
        pd.DataFrame({"dose": x, "response": y})
    )
    r = res.results_.iloc[0]
    assert r["status"] == "steep" and r["ic50_text"] == "1 < IC50 < 3"


def test_clonogenic_intervals_are_on_the_log_scale_and_beta_below_zero_has_no_mid():
    rows = []
    for dose, n, sf in ((0, 200, 1.0), (2, 400, 0.5), (4, 1000, 0.3), (6, 4000, 0.22)):
        for wiggle in (0.95, 1.05):
            rows.append(
                {"group": "g", "dose": dose, "seeded": n, "colonies": n * 0.5 * sf * wiggle}
            )
    data = pd.DataFrame(rows)
    fit = clonogenic(data)["fits"].iloc[0]
    assert fit["beta"] < 0 and math.isinf(fit["MID"])
    assert math.isnan(fit["MID_ci_low"]) and "MID infinite" in fit["note"]
    # SF2: exp(log SF2 -/+ t * SE(log SF2)), SE from the OLS covariance by hand
    d = data.assign(sf=data.colonies / data.seeded / 0.5)
    d = d[d.dose > 0]
    X = np.c_[d.dose, d.dose**2]
    yv = -np.log(d.sf.to_numpy())
    theta, *_ = np.linalg.lstsq(X, yv, rcond=None)
    dof = len(yv) - 2
    cov = (yv - X @ theta) @ (yv - X @ theta) / dof * np.linalg.inv(X.T @ X)
    g = np.array([-2.0, -4.0])
    from scipy import stats

    t = stats.t.ppf(0.975, dof)
    sf2 = math.exp(-2 * theta[0] - 4 * theta[1])
    se_log = math.sqrt(g @ cov @ g)
    assert fit["SF2"] == pytest.approx(sf2, rel=1e-9)
    assert fit["SF2_ci_low"] == pytest.approx(sf2 * math.exp(-t * se_log), rel=1e-5)
    assert fit["SF2_ci_high"] == pytest.approx(sf2 * math.exp(t * se_log), rel=1e-5)


@pytest.fixture
def blot_file(tmp_path):
    import tifffile
    from blot_synth import blot

    img, _, _ = blot([1000, 2000, 3000], shape=(120, 130))
    tifffile.imwrite(tmp_path / "b.tif", img)
    tifffile.imwrite(tmp_path / "blank.tif", np.full((50, 60), 100, np.uint16))
    return tmp_path


@pytest.mark.parametrize(
    ("args", "rc", "text"),
    [
        (["--band", "200:300"], 3, "band rows (200, 300) are outside the image height 120"),
        (["--band", "30:10"], 3, "band rows (30, 10) are reversed or empty"),
        (["--lanes", "44:20"], 3, "lane 1 (44, 20) is reversed or empty"),
        (["--loads", "5,a,10"], 2, "write the loaded amounts as numbers"),
        (["--kind", "bogus"], 2, "loading, total_protein, phospho/total"),
    ],
)
def test_western_option_errors(blot_file, capsys, args, rc, text):
    out = blot_file / "o"
    assert main(["assay", "western", str(blot_file / "b.tif"), *args, "--out", str(out)]) == rc
    msg = " ".join(_err(capsys).split())  # the table may wrap the message
    assert text in msg
    if rc == 3:
        assert "b.tif" in msg  # the image is named


def test_western_on_a_blank_image_says_no_lanes(blot_file, capsys):
    out = blot_file / "o"
    assert main(["assay", "western", str(blot_file / "blank.tif"), "--out", str(out)]) == 3
    assert "no lanes detected" in " ".join(_err(capsys).split())


def test_compare_network_needs_a_concentration_unit_before_anything_is_written(tmp_path, capsys):
    f = tmp_path / "d.csv"
    pd.DataFrame(
        {"compound": "capivasertib", "dose": [0.0, 1.0], "response": [100.0, 60.0]}
    ).to_csv(f, index=False)
    out = tmp_path / "o"
    base = ["assay", "dose-response", str(f), "--by", "compound", "--compare-network"]
    assert main([*base, "capivasertib:MCF7", "--out", str(out)]) == 2
    assert "needs the dose unit" in _err(capsys) and not out.exists()
    assert main([*base, "capivasertib:MCF7", "--unit", "furlongs", "--out", str(out)]) == 2
    assert "'furlongs' is not a concentration" in _err(capsys) and not out.exists()


def test_colony_layout_is_checked_before_counting(tmp_path, capsys):
    from colony_synth import plate
    from skimage import io

    img, _ = plate(12, seed=3)
    io.imsave(tmp_path / "p0.png", img, check_contrast=False)
    io.imsave(tmp_path / "p1.png", img, check_contrast=False)
    lay = tmp_path / "layout.csv"
    out = tmp_path / "o"
    cmd = ["assay", "colonies", str(tmp_path / "p0.png"), str(tmp_path / "p1.png")]
    lay.write_text("image,group,dose,seeded\np0.png,ctrl,0,abc\n")
    assert main([*cmd, "--layout", str(lay), "--out", str(out)]) == 3
    msg = " ".join(_err(capsys).split())
    assert "non-numeric value 'abc'" in msg and "['p1.png'] are not in the layout" in msg
    assert not out.exists()  # nothing counted or written
    lay.write_text("image,group,dose,seeded\np0.png,ctrl,0,5\np1.png,ctrl,2,100\n")
    assert main([*cmd, "--radius", "7", "--layout", str(lay), "--out", str(out)]) == 3
    assert "12 colonies from 5 cells" in " ".join(_err(capsys).split())


def test_bad_unit_and_n_boot_are_usage_errors_before_anything_is_written(tmp_path, capsys):
    f = tmp_path / "d.csv"
    pd.DataFrame({"dose": [0.0, 1.0, 10.0], "response": [100.0, 60.0, 20.0]}).to_csv(f, index=False)
    out = tmp_path / "o"
    assert main(["assay", "dose-response", str(f), "--unit", "kg", "--out", str(out)]) == 2
    assert "--unit" in _err(capsys) and not out.exists()
    m = tmp_path / "m.csv"
    _matrix().to_csv(m, index=False)
    args = ["assay", "synergy", str(m), "--dose1", "d1", "--dose2", "d2", "--response", "v"]
    assert main([*args, "--n-boot", "-1", "--out", str(out)]) == 2
    assert "--n-boot" in _err(capsys) and not out.exists()


def test_results_at_a_level_reads_raw_signal_there():
    x = np.array([0.01, 0.1, 1.0, 10.0, 100.0])
    fit = DoseResponseFit().fit(pd.DataFrame({"dose": x, "response": 500 + 49_500 / (1 + x)}))
    assert fit.results_at(25_250)["abs_ic50"].iloc[0] == pytest.approx(1.0, rel=1e-6)
