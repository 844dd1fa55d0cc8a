"""``kinetor screen ...`` through the real entry point."""

import json

import pandas as pd

from kinetor.cli.main import main


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
