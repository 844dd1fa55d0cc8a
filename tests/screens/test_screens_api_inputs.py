"""Hostile inputs to the screens Python API: every one is a DataError/ModelError naming the
parameter or column and the fix; never a raw numpy/pandas error, a leaked RuntimeWarning or
a silently accepted value."""

import warnings

import numpy as np
import pandas as pd
import pytest

import kinetor.screens as ks
from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


# -- CountTable.from_frame with numeric counts --------------------------------------


def test_from_frame_accepts_numeric_counts(demo1):
    frame = demo1.to_frame()  # float columns, as pandas gives them
    assert frame["HL60.initial"].dtype == float
    again = ks.CountTable.from_frame(frame)
    assert again.samples == demo1.samples
    np.testing.assert_array_equal(again.counts, demo1.counts)
    np.testing.assert_array_equal(again.guides, demo1.guides)
    # integers and a text column mixed are read the same way
    mixed = pd.DataFrame({"sgRNA": ["g1", "g2"], "Gene": ["A", "B"], "T0": [3, 4], "T1": ["5", 6]})
    assert ks.CountTable.from_frame(mixed).counts.tolist() == [[3.0, 5.0], [4.0, 6.0]]


def test_from_frame_names_bad_cells():
    frame = pd.DataFrame(
        {"sgRNA": ["g1", "g2"], "Gene": ["A", None], "T0": [3.0, -1.0], "T1": [np.nan, 2.0]}
    )
    with pytest.raises(DataError) as err:
        ks.CountTable.from_frame(frame)
    where = {(p.row, p.column) for p in err.value.problems}
    assert where == {(3, "Gene"), (3, "T0"), (2, "T1")}
    with pytest.raises(DataError, match="must be a pandas DataFrame, not list"):
        ks.CountTable.from_frame([[1, 2]])


# -- size_factors ---------------------------------------------------------------


def test_size_factors_refuses_negative_counts_without_warnings():
    with pytest.raises(DataError) as err:
        ks.size_factors(np.array([[-1.0, 20.0], [5.0, 40.0]]))
    (p,) = err.value.problems
    assert (p.row, p.column) == (2, "sample 1") and "-1" in p.message and p.fix
    with pytest.raises(DataError, match="nan"):
        ks.size_factors(np.array([[np.nan, 20.0], [5.0, 40.0]]))
    with pytest.raises(DataError, match="shape"):
        ks.size_factors(np.array([1.0, 2.0]))
    with pytest.raises(DataError, match="control mask"):
        ks.size_factors(np.ones((3, 2)), "control", control=np.array([True]))


def test_size_factors_median_by_hand():
    # reference of guide i = sqrt((c_i1 + 1)(c_i2 + 1)) = 10 sqrt 2, 20 sqrt 2, 30 sqrt 2;
    # sample 1 ratios 0.90, 0.95, 0.967 (/ sqrt 2), upper median (element 3 // 2 = 1)
    # 0.95 / sqrt 2; sample 2: 1.90, 1.95, 1.967 (/ sqrt 2) -> 1.95 / sqrt 2
    c = np.array([[9.0, 19.0], [19.0, 39.0], [29.0, 59.0]])
    f, used = ks.size_factors(c)
    assert used == "median"
    assert f == pytest.approx([np.sqrt(2) / 0.95, np.sqrt(2) / 1.95])


# -- mle design matrix and options ---------------------------------------------


def _small():
    # 3 genes of 4 guides; only G0 changes (4x down in "drug"), so the median-ratio size
    # factors come from G1/G2 (the upper median, element 12 // 2 = 6, is never a G0 guide)
    # and normalise every unaffected guide to the same value in all samples
    base = np.linspace(250.0, 330.0, 12)[:, None]
    counts = np.hstack([base, base * 1.1, base, base])
    counts[:4, 2] *= 0.25
    ct = ks.CountTable(
        np.array([f"g{i}" for i in range(12)]),
        np.repeat(["G0", "G1", "G2"], 4),
        ["t0a", "t0b", "drugA", "ctlA"],
        counts,
    )
    design = pd.DataFrame(
        {"baseline": 1.0, "drug": [0, 0, 1.0, 0], "ctl": [0, 0, 0, 1.0]},
        index=["t0a", "t0b", "drugA", "ctlA"],
    )
    return ct, design


def test_mle_valid_design_runs():
    ct, design = _small()
    res = ks.mle(ct, design)
    assert res.conditions == ["drug", "ctl"]
    beta = res.genes.set_index("gene")["drug|beta"]
    assert beta["G0"] == pytest.approx(np.log(0.25), abs=0.05)  # natural log, as MAGeCK
    assert beta[["G1", "G2"]].abs().max() < 0.05


def _cell(design, sample, column, value):
    out = design.astype(object)
    out.loc[sample, column] = value
    return out


@pytest.mark.parametrize(
    ("edit", "column", "text"),
    [
        (lambda d: d.iloc[:3], "ctl", "has no sample"),  # ctlA dropped: ctl all 0
        (lambda d: d.assign(dup=d["drug"]), "dup", "collinear"),
        (lambda d: d.iloc[:, 1:], "drug", "baseline"),
        (lambda d: _cell(d, "t0a", "drug", "yes"), "drug", "'yes'"),
        (lambda d: _cell(d, "drugA", "baseline", np.nan), "baseline", "missing"),
    ],
)
def test_mle_bad_design_is_named(edit, column, text):
    ct, design = _small()
    with pytest.raises(DataError, match=text) as err:
        ks.mle(ct, edit(design))
    assert column in {p.column for p in err.value.problems}
    assert all(p.fix for p in err.value.problems)


def test_mle_design_repeated_sample_and_type():
    ct, design = _small()
    twice = pd.concat([design, design.iloc[[2]]])
    with pytest.raises(DataError, match="listed twice") as err:
        ks.mle(ct, twice)
    assert err.value.problems[0].row == 6  # the 5th sample row, header = row 1
    with pytest.raises(DataError, match="not a DataFrame"):
        ks.mle(ct, design.to_numpy())
    with pytest.raises(DataError, match="not a CountTable"):
        ks.mle(ct.to_frame(), design)


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"n_iter": 0}, "n_iter"),
        ({"n_iter": 2.5}, "n_iter"),
        ({"permutation_rounds": -1}, "permutation_rounds"),
    ],
)
def test_mle_options(kw, name):
    ct, design = _small()
    with pytest.raises(ModelError, match=f"{name}="):
        ks.mle(ct, design, **kw)


def test_mle_design_file_is_named(fixtures, demo1):
    design = ks.read_design(fixtures / "leukemia_designmat.txt", demo1.samples)
    with pytest.raises(DataError) as err:
        ks.mle(demo1, design.iloc[:3])  # KBM7.final left out: condition KBM7 has no sample
    (p,) = err.value.problems
    assert p.file.endswith("leukemia_designmat.txt") and p.column == "KBM7"


def test_cli_mle_bad_design_exit_3(fixtures, tmp_path, capsys):
    bad = tmp_path / "design.txt"
    bad.write_text("Samples\tbaseline\tHL60\tdup\nHL60.initial\t1\t0\t0\nHL60.final\t1\t1\t1\n")
    out = tmp_path / "o"
    code = main(
        [
            "screen",
            "mle",
            str(fixtures / "demo1_count_table.txt"),
            "-d",
            str(bad),
            "--out",
            str(out),
        ]
    )
    assert code == 3 and not out.exists()
    assert "design.txt" in capsys.readouterr().err


# -- rra --------------------------------------------------------------------------


def test_rra_lengths_and_alpha():
    with pytest.raises(DataError, match="3 genes but 4 values"):
        ks.rra(np.array(["a", "a", "b"]), np.array([0.1, 0.2, 0.5, 0.9]), alpha=0.25)
    with pytest.raises(ModelError, match=r"alpha=1\.5"):
        ks.rra(np.array(["a", "a", "b", "b"]), np.array([0.1, 0.2, 0.5, 0.9]), alpha=1.5)
    with pytest.raises(DataError, match="not finite"):
        ks.rra(np.array(["a", "b"]), np.array([0.1, np.nan]), alpha=0.25)
    with pytest.raises(DataError, match="control"):
        ks.rra(np.array(["a", "b"]), np.array([0.1, 0.2]), alpha=0.25, control=np.array([True]))
    with pytest.raises(ModelError, match="permutations=0"):
        ks.rra(np.array(["a", "b"]), np.array([0.1, 0.2]), alpha=0.25, permutations=0)


# -- screen_test options and hits(fdr) --------------------------------------------


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"fdr_threshold": 2}, "fdr_threshold"),
        ({"fdr_threshold": 0}, "fdr_threshold"),
        ({"permutations": 0}, "permutations"),
        ({"pvalue": "poisson"}, "pvalue"),
        ({"remove_zero": "all"}, "remove_zero"),
    ],
)
def test_screen_test_options(demo1, kw, name):
    with pytest.raises(ModelError, match=f"{name}="):
        ks.screen_test(demo1, treatment="HL60.final", control="HL60.initial", **kw)


def test_hits_fdr_range(demo1_result):
    for bad in (-1, 0, 1.5, float("nan"), "0.05"):
        with pytest.raises(ModelError, match="fdr="):
            demo1_result.hits(fdr=bad)
    with pytest.raises(ModelError, match="side="):
        demo1_result.hits(side="down")
    assert sorted(demo1_result.hits(fdr=0.05)["gene"]) == ["ACIN1", "ACTR8"]


def test_cli_test_fdr_checked_before_output(fixtures, tmp_path):
    out = tmp_path / "o"
    args = ["screen", "test", str(fixtures / "demo1_count_table.txt"), "-t", "HL60.final"]
    assert main([*args, "-c", "HL60.initial", "--fdr", "2", "--out", str(out)]) == 2
    assert not out.exists()


# -- bh_fdr and gini ---------------------------------------------------------------


def test_bh_fdr_range_and_nan():
    with pytest.raises(DataError, match=r"value 2 \(position 1\) is not a p-value in \[0, 1\]"):
        ks.bh_fdr([0.01, 2.0, 0.03])
    with pytest.raises(DataError, match="not a p-value"):
        ks.bh_fdr([0.01, -0.1])
    # NaN stays in place; the others are adjusted among the 2 finite ones:
    # 0.01 * 2 / 1 = 0.02, 0.03 * 2 / 2 = 0.03
    out = ks.bh_fdr([0.01, np.nan, 0.03])
    assert np.isnan(out[1]) and out[[0, 2]] == pytest.approx([0.02, 0.03])
    # without NaN: p * n / rank, then the running minimum from the top
    assert ks.bh_fdr([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])


def test_gini_refuses_negative_values():
    with pytest.raises(DataError, match="-1"):
        ks.gini([-1.0, 1.0, 2.0])
    with pytest.raises(DataError, match="nan"):
        ks.gini([np.nan, 1.0])
    assert ks.gini([3.0, 1.0]) == pytest.approx(0.5)  # 1 - 2 (2 - 7/4) / 1
