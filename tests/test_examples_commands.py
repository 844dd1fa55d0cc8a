"""The documented example commands run on the shipped files of ``examples/``.

Each test runs one command of README.md / docs/assays.md / docs/screens.md / docs/pd.md
through the real entry point on ``examples/assays``, ``examples/screens`` or
``examples/pd`` and checks its exit code and one or two numbers computed here
independently (numpy/scipy on the input files, or the true values of the simulation that
made them; see each folder's README.md).
"""

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import curve_fit

from kinetor.cli.main import main

EX = Path(__file__).resolve().parents[1] / "examples"
AS, SC, PD = EX / "assays", EX / "screens", EX / "pd"


def run(*args):
    return main(["--quiet", *map(str, args)])


def _fit_ic50(x, y, fix_top=None):
    """Least-squares 4PL (top fixed or free), scipy from a sensible start: IC50."""

    def f4(d, top, bottom, logc, h):
        return bottom + (top - bottom) / (1 + 10 ** (h * (np.log10(d) - logc)))

    if fix_top is None:
        p, _ = curve_fit(f4, x, y, p0=[100, 0, np.log10(np.median(x)), 1], maxfev=20000)
        return 10 ** p[2]
    p, _ = curve_fit(
        lambda d, b, c, h: f4(d, fix_top, b, c, h), x, y, p0=[0, np.log10(np.median(x)), 1]
    )
    return 10 ** p[1]


# --- assays -------------------------------------------------------------------------------


def test_dose_response_from_plate_and_map(tmp_path):
    out = tmp_path / "drc"
    assert run("assay", "dose-response", AS / "plate.csv", "--map", AS / "map.csv",
               "--unit", "uM", "--out", out) == 0  # fmt: skip
    res = pd.read_csv(out / "dose_response.csv").set_index("compound")
    # by hand: percent of vehicle from the plate's control columns, then a 4PL per compound
    raw = pd.read_csv(AS / "plate.csv", skiprows=2, index_col=0)
    veh, pos = raw["1"].mean(), raw["12"].mean()
    pct = 100 * (raw - pos) / (veh - pos)
    wells = pd.read_csv(AS / "map.csv").query("role == 'sample'")
    for comp, truth in (("cmpdA", 0.1), ("cmpdB", 1.0)):
        w = wells[wells["compound"] == comp]
        y = [pct.loc[s[0], str(int(s[1:]))] for s in w["well"]]
        ic50 = _fit_ic50(w["concentration"].to_numpy(float), np.array(y))
        assert res.loc[comp, "ic50"] == pytest.approx(ic50, rel=1e-4)
        assert res.loc[comp, "ic50_ci_low"] < truth < res.loc[comp, "ic50_ci_high"]


def test_dose_response_tidy_profile(tmp_path):
    out = tmp_path / "drc"
    assert run("assay", "dose-response", AS / "drc.csv", "--dose", "conc", "--response",
               "viability", "--by", "compound", "--model", "4pl", "--fix", "top=100",
               "--ci", "profile", "--out", out) == 0  # fmt: skip
    res = pd.read_csv(out / "dose_response.csv").set_index("compound")
    data = pd.read_csv(AS / "drc.csv")
    for comp, truth in (("cmpdA", 0.3), ("cmpdB", 3.0)):
        d = data[data["compound"] == comp]
        ic50 = _fit_ic50(d["conc"].to_numpy(float), d["viability"].to_numpy(float), 100.0)
        assert res.loc[comp, "ic50"] == pytest.approx(ic50, rel=1e-4)
        assert res.loc[comp, "ic50_ci_low"] < truth < res.loc[comp, "ic50_ci_high"]


def _bliss_hsa_observed():
    """Bliss and HSA excess on the observed single-agent wells, by hand (percent points)."""
    m = pd.read_csv(AS / "matrix.csv")
    m["r"] = m[["r1", "r2"]].mean(axis=1)
    e1 = m[m["d2"] == 0].set_index("d1")["r"]
    e2 = m[m["d1"] == 0].set_index("d2")["r"]
    c = m[(m["d1"] > 0) & (m["d2"] > 0)]
    a, b = e1.loc[c["d1"]].to_numpy(), e2.loc[c["d2"]].to_numpy()
    obs = c["r"].to_numpy()
    return np.mean(a * b / 100 - obs), np.mean(np.minimum(a, b) - obs)


def test_synergy_commands(tmp_path):
    # the documented full command, with fewer bootstrap resamples to keep the test short
    out = tmp_path / "syn"
    assert run("assay", "synergy", AS / "matrix.csv", "--dose1", "d1", "--dose2", "d2",
               "--response", "r1", "--response", "r2", "--methods",
               "bliss,hsa,loewe,zip,musyc", "--n-boot", 4, "--seed", 1, "--out", out) == 0  # fmt: skip
    s = pd.read_csv(out / "synergy_summary.csv").set_index("method")
    assert s.loc["bliss", "mean"] > 0 and s.loc["loewe_ci", "mean"] < 1  # planted synergy
    assert (out / "musyc_parameters.csv").exists()
    out = tmp_path / "syn_obs"
    assert run("assay", "synergy", AS / "matrix.csv", "--dose1", "d1", "--dose2", "d2",
               "--response", "r1", "--response", "r2", "--reference", "observed",
               "--out", out) == 0  # fmt: skip
    s = pd.read_csv(out / "synergy_summary.csv").set_index("method")
    bliss, hsa = _bliss_hsa_observed()
    assert s.loc["bliss", "mean"] == pytest.approx(bliss, abs=1e-9)
    assert s.loc["hsa", "mean"] == pytest.approx(hsa, abs=1e-9)


def test_western_commands(tmp_path):
    out = tmp_path / "wb"
    assert run("assay", "western", AS / "pAKT.tif", "--reference", AS / "AKT.tif", "--kind",
               "phospho/total", "--lanes", "20:44,56:80,92:116", "--labels", "veh,low,high",
               "--control", "veh", "--out", out) == 0  # fmt: skip
    r = pd.read_csv(out / "ratios.csv").set_index("sample")["relative"]
    # simulated amplitudes: pAKT 1000, 600, 300 over AKT 2000, 2000, 2500
    np.testing.assert_allclose(r.loc[["veh", "low", "high"]], [1, 0.6, 0.24], rtol=0.03)

    out = tmp_path / "wb_dil"
    assert run("assay", "western", AS / "dilution.tif", "--lanes", "20:44,56:80,92:116",
               "--loads", "5,10,20", "--out", out) == 0  # fmt: skip
    lin = pd.read_csv(out / "linear_range.csv")
    assert lin["in_range"].all()
    # band volume = amplitude x sum of the Gaussian row profile x lane width (24 px)
    per_load = 250 * np.exp(-0.5 * ((np.arange(120) - 60) / 3.0) ** 2).sum() * 24 / 5
    np.testing.assert_allclose(lin["volume"], per_load * np.array([5, 10, 20]), rtol=0.03)

    out = tmp_path / "wb_reps"
    assert run("assay", "western", AS / "pS6_r1.tif", AS / "pS6_r2.tif", "--reference",
               AS / "S6_r1.tif", "--reference", AS / "S6_r2.tif", "--kind", "phospho/total",
               "--labels", "veh,lo,hi", "--control", "veh", "--design", AS / "lanes.csv",
               "--dose-unit", "nM", "--compare-network", "everolimus:MCF7", "--readout",
               "pS6_S235_236", "--summary", "blots", "--out", out) == 0  # fmt: skip
    wide = pd.read_csv(out / "replicate_ratios.csv", index_col="sample")
    np.testing.assert_allclose(wide.loc["lo"], [0.6, 0.5], rtol=0.03)
    np.testing.assert_allclose(wide.loc["hi"], [0.3, 0.25], rtol=0.03)
    t = pd.read_csv(out / "measured_vs_predicted.csv").set_index("dose")
    assert t.loc[10, "measured_mean"] == pytest.approx(100 * 0.275, rel=0.03)


def test_clonogenic_command(tmp_path):
    out = tmp_path / "cfa"
    assert run("assay", "clonogenic", AS / "cfa.csv", "--control", "vehicle", "--out", out) == 0
    fits = pd.read_csv(out / "lq_fits.csv").set_index("group")
    # by hand: PE = mean plating fraction at 0 Gy; -ln SF = alpha D + beta D^2 over dishes
    d = pd.read_csv(AS / "cfa.csv")
    for group, sub in d.groupby("group"):
        pf = sub["colonies"] / sub["seeded"]
        sf = pf / pf[sub["dose"] == 0].mean()
        u = sub["dose"] > 0
        x = np.column_stack([sub["dose"][u], sub["dose"][u] ** 2]).astype(float)
        (a, b), *_ = np.linalg.lstsq(x, -np.log(sf[u].to_numpy()), rcond=None)
        assert fits.loc[group, "alpha"] == pytest.approx(a, rel=1e-9)
        assert fits.loc[group, "SF2"] == pytest.approx(np.exp(-2 * a - 4 * b), rel=1e-9)
        d10 = (-a + np.sqrt(a * a - 4 * b * np.log(0.1))) / (2 * b)
        assert fits.loc[group, "D10"] == pytest.approx(d10, rel=1e-9)


def test_colonies_command(tmp_path):
    out = tmp_path / "col"
    plates = sorted(AS.glob("plate*.png"))
    assert run("assay", "colonies", *plates, "--radius", 8, "--layout", AS / "layout.csv",
               "--out", out) == 0  # fmt: skip
    cfa = pd.read_csv(out / "clonogenic_input.csv").set_index("image")
    planted = {"plate_0Gy.png": 90, "plate_2Gy.png": 60, "plate_4Gy.png": 30, "plate_6Gy.png": 12}
    assert cfa["colonies"].to_dict() == planted


# --- tumour volumes -------------------------------------------------------------------------


def test_tgi_commands(tmp_path):
    v = pd.read_csv(PD / "volumes.csv")
    m = v.groupby(["group", "day"])["volume (mm3)"].mean()
    tgi = 100 * (1 - (m["Drug", 21] - m["Drug", 0]) / (m["Vehicle", 21] - m["Vehicle", 0]))
    for extra in ([], ["--formula", "delta"]):
        out = tmp_path / f"tgi{len(extra)}"
        assert run("tgi", PD / "volumes.csv", "--control", "Vehicle", "--day", 21, *extra,
                   "--out", out) == 0  # fmt: skip
        res = pd.read_csv(out / "tgi.csv").set_index("group")
        assert res.loc["Drug", "tgi_pct"] == pytest.approx(tgi, rel=1e-9)


def test_pd_fit_simeoni_command(tmp_path):
    out = tmp_path / "fit"
    assert run("pd", "fit", PD / "volumes.csv", "--model", "simeoni", "--exposure",
               PD / "exposure.csv", "--by", "pooled", "--out", out) == 0  # fmt: skip
    p = pd.read_csv(out / "parameters.csv").set_index("parameter")
    assert p["converged"].all()
    truth = {"v0": 120.0, "l0": 0.273, "l1": 100.0, "k1": 0.968, "k2": 6.29e-4}
    for name, value in truth.items():  # the values the study was simulated with
        assert p.loc[name, "ci_lower"] < value < p.loc[name, "ci_upper"], name


# --- screens ---------------------------------------------------------------------------------


def _reads(path):
    with gzip.open(path, "rt") as f:
        return f.read().splitlines()[1::4]


def _count_by_hand(reads, lib, offsets, mismatches):
    """First offset with an exact match, else (mismatches=1) the first unique 1-substitution."""
    exact = dict(zip(lib["sequence"], lib["id"], strict=True))
    variants: dict[str, set] = {}
    if mismatches:
        for s, g in exact.items():
            for i in range(len(s)):
                for b in "ACGTN":
                    if b != s[i]:
                        variants.setdefault(s[:i] + b + s[i + 1 :], set()).add(g)
    one = {k: next(iter(g)) for k, g in variants.items() if len(g) == 1 and k not in exact}
    n = len(next(iter(exact)))
    counts = dict.fromkeys(lib["id"], 0)
    for r in reads:
        hit = next((exact[r[o : o + n]] for o in offsets if r[o : o + n] in exact), None)
        if hit is None:
            hit = next((one[r[o : o + n]] for o in offsets if r[o : o + n] in one), None)
        if hit is not None:
            counts[hit] += 1
    return pd.Series(counts)


def test_screen_count_qc_commands(tmp_path):
    lib = pd.read_csv(SC / "library.txt", sep="\t")
    fastq = [SC / f"T{i}.fastq.gz" for i in range(3)]
    assert run("screen", "count", fastq[0], "-l", SC / "library.txt", "--trim-5",
               "24,25,26,27", "--out", tmp_path / "cnt_staggered") == 0  # fmt: skip
    got = pd.read_csv(tmp_path / "cnt_staggered" / "screen.count.txt", sep="\t")
    hand = _count_by_hand(_reads(fastq[0]), lib, [24, 25, 26, 27], 0)
    assert got.set_index("sgRNA")["T0"].to_dict() == hand.to_dict()

    cnt = tmp_path / "cnt"
    assert run("screen", "count", *fastq, "-l", SC / "library.txt", "--trim-5", "auto",
               "--mismatches", 1, "--out", cnt) == 0  # fmt: skip
    mapping = pd.read_csv(cnt / "mapping.csv").set_index("sample")
    # adapter offsets 24-27 in shares 40/30/20/10 %: MAGeCK's AUTO rule keeps 24, 25, 26
    assert set(mapping.loc["T0", "trim5"].split(",")) == {"24", "25", "26"}
    hand = _count_by_hand(_reads(fastq[1]), lib, [24, 25, 26], 1)
    assert mapping.loc["T1", "mapped"] == hand.sum()

    out = tmp_path / "qc"
    assert run("screen", "qc", cnt / "screen.count.txt", "--control-sgrna", SC / "ctrl.txt",
               "--essential", SC / "ess.txt", "-t", "T1,T2", "-c", "T0", "--out", out) == 0  # fmt: skip
    table = pd.read_csv(cnt / "screen.count.txt", sep="\t")
    qc = pd.read_csv(out / "qc_samples.csv").set_index("sample")
    assert qc["reads"].to_dict() == table[["T0", "T1", "T2"]].sum().to_dict()
    assert pd.read_csv(out / "qc_checks.csv")["passed"].all()


def test_screen_mle_commands(tmp_path):
    assert run("screen", "mle", SC / "counts.csv", "-d", SC / "designmat.txt",
               "--out", tmp_path / "mle") == 0  # fmt: skip
    b = pd.read_csv(tmp_path / "mle" / "beta.csv").set_index("gene")["HL60|beta"]
    planted = {f"GENE{i:03d}" for i in range(1, 21)}  # simulated with beta -1.5
    assert len(planted & set(b.nsmallest(20).index)) >= 18

    out = tmp_path / "mle_full"
    assert run("screen", "mle", SC / "counts.csv", "-d", SC / "designmat.txt",
               "--update-efficiency", "--permutation-round", 10,
               "--cnv-norm", SC / "cnv.txt", "--cell-line", "HL60",
               "--out", out) == 0  # fmt: skip
    beta = pd.read_csv(out / "beta.csv").set_index("gene")
    cnv = pd.read_csv(SC / "cnv.txt", sep="\t").set_index("SYMBOL")["HL60"]
    null = cnv.index[30:]  # genes without a planted effect
    cn = np.minimum(2.0 ** cnv[null].to_numpy(), 4.0)
    # simulated cutting toxicity: -0.4 per copy above 1, up to 4 copies
    slope_raw = np.polyfit(cn, beta.loc[null, "HL60|beta_uncorrected"], 1)[0]
    slope_cor = np.polyfit(cn, beta.loc[null, "HL60|beta"], 1)[0]
    assert slope_raw == pytest.approx(-0.4, abs=0.1)
    assert abs(slope_cor) < 0.1
