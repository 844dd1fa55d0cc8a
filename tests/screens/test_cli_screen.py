"""``kinetor screen ...`` through the real entry point."""

import json

import pandas as pd
import pytest

from kinetor.cli.main import main


@pytest.mark.slow
def test_screen_test_writes_mageck_layout_and_report(fixtures, tmp_path):
    out = tmp_path / "o"
    code = main(
        [
            "--quiet",
            "screen",
            "test",
            str(fixtures / "demo1_count_table.txt"),
            "-t",
            "HL60.final,KBM7.final",
            "-c",
            "HL60.initial,KBM7.initial",
            "--variance",
            "mageck",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    ref = pd.read_csv(fixtures / "mageck2_demo1.gene_summary.txt.gz", sep="\t")
    mine = pd.read_csv(out / "screen.gene_summary.txt", sep="\t")
    assert list(mine.columns) == list(ref.columns)
    assert list(mine["id"][:5]) == list(ref["id"][:5])
    assert sorted(pd.read_csv(out / "hits.csv")["gene"]) == ["ACIN1", "ACTR8"]
    assert (out / "report.html").exists() and (out / "volcano.png").stat().st_size > 1000


def test_screen_test_unknown_sample_is_a_data_error(fixtures, tmp_path, capsys):
    code = main(
        [
            "--json",
            "screen",
            "test",
            str(fixtures / "demo1_count_table.txt"),
            "-t",
            "HL60.final,NOPE",
            "-c",
            "HL60.initial",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 3
    err = json.loads(capsys.readouterr().out)
    assert err["error"] == "DataError" and "NOPE" in err["problems"][0]["problem"]


def test_screen_test_zero_depth_sample(tmp_path, capsys):
    p = tmp_path / "c.txt"
    p.write_text("sgRNA\tGene\tA\tB\n" + "".join(f"g{i}\tG{i}\t{i + 1}\t0\n" for i in range(20)))
    code = main(
        ["--json", "screen", "test", str(p), "-t", "B", "-c", "A", "--out", str(tmp_path / "o")]
    )
    assert code == 3
    err = json.loads(capsys.readouterr().out)
    assert "sample 'B' has zero reads" in err["problems"][0]["problem"]


@pytest.mark.slow
def test_screen_qc_with_controls(fixtures, tmp_path):
    out = tmp_path / "qc"
    code = main(
        [
            "--quiet",
            "screen",
            "qc",
            str(fixtures / "demo1_count_table.txt"),
            "--control-sgrna",
            str(fixtures / "control_sgrna.txt"),
            "-t",
            "HL60.final,KBM7.final",
            "-c",
            "HL60.initial,KBM7.initial",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    s = pd.read_csv(out / "qc_samples.csv")
    assert list(s["zero_guides"]) == [6, 5, 4, 3]
    assert (out / "qc_checks.csv").exists() and (out / "qc.png").exists()


@pytest.mark.slow
def test_screen_count_then_test(tmp_path):
    import gzip

    lib = tmp_path / "lib.txt"
    lib.write_text(
        "".join(
            f"s{i}\t{seq}\tG{i // 2}\n"
            for i, seq in enumerate(["ACGTACGTAA", "TTTTCCCCGG", "GATTACAGAT", "CCGGAATTCC"])
        )
    )
    reads = {"T0": [0, 1, 2, 3] * 5, "T1": [0, 0, 1, 2, 3] * 4}
    paths = []
    seqs = ["ACGTACGTAA", "TTTTCCCCGG", "GATTACAGAT", "CCGGAATTCC"]
    for name, picks in reads.items():
        p = tmp_path / f"{name}.fq.gz"
        p.write_bytes(
            gzip.compress("".join(f"@r\nAA{seqs[k]}\n+\n{'I' * 12}\n" for k in picks).encode())
        )
        paths.append(str(p))
    out = tmp_path / "cnt"
    assert (
        main(
            [
                "--quiet",
                "screen",
                "count",
                *paths,
                "-l",
                str(lib),
                "--trim-5",
                "2",
                "--sample-label",
                "T0,T1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    ct = pd.read_csv(out / "screen.count.txt", sep="\t")
    assert list(ct.columns) == ["sgRNA", "Gene", "T0", "T1"]
    assert ct["T1"].tolist() == [8, 4, 4, 4]
    assert pd.read_csv(out / "mapping.csv")["mapped_fraction"].tolist() == [1.0, 1.0]


def test_screen_count_label_mismatch(tmp_path, capsys):
    lib = tmp_path / "lib.txt"
    lib.write_text("s1\tACGT\tG\n")
    fq = tmp_path / "a.fq"
    fq.write_text("@r\nACGT\n+\nIIII\n")
    code = main(
        [
            "--json",
            "screen",
            "count",
            str(fq),
            "-l",
            str(lib),
            "--sample-label",
            "A,B",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 3
    assert (
        "2 sample labels for 1 FASTQ"
        in json.loads(capsys.readouterr().out)["problems"][0]["problem"]
    )


@pytest.mark.slow
def test_screen_network_from_mageck_gene_summary(tmp_path):
    gs = tmp_path / "x.gene_summary.txt"
    pd.DataFrame(
        {
            "id": ["RPTOR", "AKT1", "ZZZ"],
            "num": 4,
            "neg|lfc": [-2.0, -0.1, -1.0],
            "neg|fdr": [0.001, 0.9, 0.01],
            "pos|fdr": [1.0, 0.9, 1.0],
        }
    ).to_csv(gs, sep="\t", index=False)
    out = tmp_path / "net"
    assert (
        main(["--quiet", "screen", "network", str(gs), "--lesions", "PTEN_loss", "--out", str(out)])
        == 0
    )
    res = pd.read_csv(out / "network_hits.csv").set_index("gene")
    assert res.loc["RPTOR", "call"] == "consistent"
    assert res.loc["ZZZ", "call"] == "not in model"
    assert res.loc["AKT1", "growth"] < 100


def test_screen_test_library_mismatch(fixtures, tmp_path, capsys):
    lib = tmp_path / "lib.txt"
    lib.write_text("A1CF_m52595977\tACGTACGTACGTACGTACGT\tWRONG\n")
    code = main(
        [
            "--json",
            "screen",
            "test",
            str(fixtures / "demo1_count_table.txt"),
            "-t",
            "HL60.final",
            "-c",
            "HL60.initial",
            "-l",
            str(lib),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 3
    probs = json.loads(capsys.readouterr().out)["problems"]
    assert probs[0]["row"] == 2 and "'WRONG' in the library" in probs[0]["problem"]
    assert "is not in the library" in probs[1]["problem"]


def test_screen_mle_with_em_permutation_and_cnv(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    rows, cn = [], {}
    for gi in range(60):
        effect = -1.5 if gi < 6 else 0.0
        cn[f"G{gi}"] = 1.0 if gi % 5 == 0 else 0.0
        for k in range(4):
            base = rng.gamma(4, 100)
            e = 0.0 if k == 0 else effect  # one inert guide per gene
            y = rng.poisson([base, base, base * np.exp(e), base * np.exp(e)])
            rows.append(f"g{gi}_{k}\tG{gi}\t" + "\t".join(map(str, y)))
    counts = tmp_path / "c.txt"
    counts.write_text("sgRNA\tGene\tt0a\tt0b\td1\td2\n" + "\n".join(rows) + "\n")
    design = tmp_path / "d.txt"
    design.write_text("Samples\tbaseline\tdrug\nt0a\t1\t0\nt0b\t1\t0\nd1\t1\t1\nd2\t1\t1\n")
    cnv = tmp_path / "cn.txt"
    cnv.write_text("SYMBOL\tLINE1\n" + "".join(f"{g}\t{v}\n" for g, v in cn.items()))
    eff = tmp_path / "eff.txt"
    eff.write_text("sgRNA score\n" + "".join(f"g{gi}_0 0.2\n" for gi in range(60)))
    out = tmp_path / "o"
    code = main(
        [
            "--quiet",
            "screen",
            "mle",
            str(counts),
            "-d",
            str(design),
            "--update-efficiency",
            "--sgrna-efficiency",
            str(eff),
            "--permutation-round",
            "3",
            "--cnv-norm",
            str(cnv),
            "--cell-line",
            "LINE1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    summ = pd.read_csv(out / "screen.gene_summary.txt", sep="\t").set_index("Gene")
    beta = pd.read_csv(out / "beta.csv").set_index("gene")
    np.testing.assert_allclose(summ["drug|p-value"], beta["drug|p_perm"], rtol=1e-5)
    assert "drug|beta_uncorrected" in beta.columns
    # the copy-number correction shifts beta only: p-values and FDR come from the fit
    # (with 3 rounds and 60 genes the 6 hits alone cannot reach FDR < 0.05; they did while
    # the correction made the copy-number-2 null genes look like hits too)
    assert (summ.loc[[f"G{i}" for i in range(6)], "drug|p-value"] < 0.02).all()
    assert (summ.loc[[f"G{i}" for i in range(10, 60, 5)], "drug|fdr"] > 0.05).all()
    e = pd.read_csv(out / "sgrna_efficiency.csv").set_index("guide")["efficiency"]
    hits = [f"g{i}_{k}" for i in range(6) for k in range(4)]
    assert e[hits[0::4]].max() < 0.01 and e[[h for h in hits if not h.endswith("_0")]].min() > 0.9
    bad = tmp_path / "bad_eff.txt"
    bad.write_text("g0_0 0.5\ng0_1 high\n")
    assert (
        main(
            [
                "--quiet",
                "screen",
                "mle",
                str(counts),
                "-d",
                str(design),
                "--sgrna-efficiency",
                str(bad),
                "--out",
                str(out),
            ]
        )
        == 3
    )


@pytest.mark.parametrize("bad", ["-1", "nan", "inf"])
def test_screen_network_remaining_is_checked_first(tmp_path, bad, capsys):
    gs = tmp_path / "genes.csv"
    pd.DataFrame(
        {"gene": ["RPTOR"], "neg_lfc": [-2.0], "neg_fdr": [0.001], "pos_fdr": [1.0]}
    ).to_csv(gs, index=False)
    out = tmp_path / "net"
    code = main(["screen", "network", str(gs), "--remaining", bad, "--out", str(out)])
    assert code == 2
    assert "--remaining" in capsys.readouterr().err
    assert not out.exists()
