"""``kinetor screen ...`` through the real entry point."""

import json

import pandas as pd
import pytest

from kinetor.cli.main import main


@pytest.mark.slow
def test_screen_test_writes_mageck_layout_and_report(fixtures, tmp_path):
    out = tmp_path / "o"
    code = main(["--quiet", "screen", "test", str(fixtures / "demo1_count_table.txt"),
                 "-t", "HL60.final,KBM7.final", "-c", "HL60.initial,KBM7.initial",
                 "--out", str(out)])
    assert code == 0
    ref = pd.read_csv(fixtures / "mageck2_demo1.gene_summary.txt.gz", sep="\t")
    mine = pd.read_csv(out / "screen.gene_summary.txt", sep="\t")
    assert list(mine.columns) == list(ref.columns)
    assert list(mine["id"][:5]) == list(ref["id"][:5])
    assert sorted(pd.read_csv(out / "hits.csv")["gene"]) == ["ACIN1", "ACTR8"]
    assert (out / "report.html").exists() and (out / "volcano.png").stat().st_size > 1000


def test_screen_test_unknown_sample_is_a_data_error(fixtures, tmp_path, capsys):
    code = main(["--json", "screen", "test", str(fixtures / "demo1_count_table.txt"),
                 "-t", "HL60.final,NOPE", "-c", "HL60.initial", "--out", str(tmp_path)])
    assert code == 3
    err = json.loads(capsys.readouterr().out)
    assert err["error"] == "DataError" and "NOPE" in err["problems"][0]["problem"]


def test_screen_test_zero_depth_sample(tmp_path, capsys):
    p = tmp_path / "c.txt"
    p.write_text("sgRNA\tGene\tA\tB\n" + "".join(f"g{i}\tG{i}\t{i + 1}\t0\n"
                                                 for i in range(20)))
    code = main(["--json", "screen", "test", str(p), "-t", "B", "-c", "A", "--out",
                 str(tmp_path / "o")])
    assert code == 3
    err = json.loads(capsys.readouterr().out)
    assert "sample 'B' has zero reads" in err["problems"][0]["problem"]


@pytest.mark.slow
def test_screen_qc_with_controls(fixtures, tmp_path):
    out = tmp_path / "qc"
    code = main(["--quiet", "screen", "qc", str(fixtures / "demo1_count_table.txt"),
                 "--control-sgrna", str(fixtures / "control_sgrna.txt"),
                 "-t", "HL60.final,KBM7.final", "-c", "HL60.initial,KBM7.initial",
                 "--out", str(out)])
    assert code == 0
    s = pd.read_csv(out / "qc_samples.csv")
    assert list(s["zero_guides"]) == [6, 5, 4, 3]
    assert (out / "qc_checks.csv").exists() and (out / "qc.png").exists()


@pytest.mark.slow
def test_screen_count_then_test(tmp_path):
    import gzip

    lib = tmp_path / "lib.txt"
    lib.write_text("".join(f"s{i}\t{seq}\tG{i // 2}\n" for i, seq in enumerate(
        ["ACGTACGTAA", "TTTTCCCCGG", "GATTACAGAT", "CCGGAATTCC"])))
    reads = {"T0": [0, 1, 2, 3] * 5, "T1": [0, 0, 1, 2, 3] * 4}
    paths = []
    seqs = ["ACGTACGTAA", "TTTTCCCCGG", "GATTACAGAT", "CCGGAATTCC"]
    for name, picks in reads.items():
        p = tmp_path / f"{name}.fq.gz"
        p.write_bytes(gzip.compress("".join(f"@r\nAA{seqs[k]}\n+\n{'I' * 12}\n"
                                            for k in picks).encode()))
        paths.append(str(p))
    out = tmp_path / "cnt"
    assert main(["--quiet", "screen", "count", *paths, "-l", str(lib), "--trim-5", "2",
                 "--sample-label", "T0,T1", "--out", str(out)]) == 0
    ct = pd.read_csv(out / "screen.count.txt", sep="\t")
    assert list(ct.columns) == ["sgRNA", "Gene", "T0", "T1"]
    assert ct["T1"].tolist() == [8, 4, 4, 4]
    assert pd.read_csv(out / "mapping.csv")["mapped_fraction"].tolist() == [1.0, 1.0]


def test_screen_count_label_mismatch(tmp_path, capsys):
    lib = tmp_path / "lib.txt"
    lib.write_text("s1\tACGT\tG\n")
    fq = tmp_path / "a.fq"
    fq.write_text("@r\nACGT\n+\nIIII\n")
    code = main(["--json", "screen", "count", str(fq), "-l", str(lib), "--sample-label",
                 "A,B", "--out", str(tmp_path / "o")])
    assert code == 3
    assert "2 sample labels for 1 FASTQ" in json.loads(capsys.readouterr().out)["problems"][0][
        "problem"]


@pytest.mark.slow
def test_screen_network_from_mageck_gene_summary(tmp_path):
    gs = tmp_path / "x.gene_summary.txt"
    pd.DataFrame({"id": ["RPTOR", "AKT1", "ZZZ"], "num": 4, "neg|lfc": [-2.0, -0.1, -1.0],
                  "neg|fdr": [0.001, 0.9, 0.01], "pos|fdr": [1.0, 0.9, 1.0]}).to_csv(
        gs, sep="\t", index=False)
    out = tmp_path / "net"
    assert main(["--quiet", "screen", "network", str(gs), "--lesions", "PTEN_loss",
                 "--out", str(out)]) == 0
    res = pd.read_csv(out / "network_hits.csv").set_index("gene")
    assert res.loc["RPTOR", "call"] == "consistent"
    assert res.loc["ZZZ", "call"] == "not in model"
    assert res.loc["AKT1", "growth"] < 100


def test_screen_test_library_mismatch(fixtures, tmp_path, capsys):
    lib = tmp_path / "lib.txt"
    lib.write_text("A1CF_m52595977\tACGTACGTACGTACGTACGT\tWRONG\n")
    code = main(["--json", "screen", "test", str(fixtures / "demo1_count_table.txt"),
                 "-t", "HL60.final", "-c", "HL60.initial", "-l", str(lib), "--out",
                 str(tmp_path / "o")])
    assert code == 3
    probs = json.loads(capsys.readouterr().out)["problems"]
    assert probs[0]["row"] == 2 and "'WRONG' in the library" in probs[0]["problem"]
    assert "is not in the library" in probs[1]["problem"]
