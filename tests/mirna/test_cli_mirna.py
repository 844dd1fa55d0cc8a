"""``kinetor mirna ...`` through the real entry point."""

import json

import pandas as pd
import pytest

from kinetor.cli.main import main


def _de(tmp_path):
    p = tmp_path / "de.csv"
    p.write_text(
        "mirna,log2FoldChange,padj\nhsa-miR-21-5p,2.5,0.0001\n"
        "hsa-miR-99a-5p,-2.0,0.001\nhsa-miR-16-5p,1.0,0.02\n"
    )
    return p


@pytest.mark.slow
def test_targets_enrich_simulate(tmp_path):
    assert main(["--quiet", "mirna", "targets", "--out", str(tmp_path / "t")]) == 0
    t = pd.read_csv(tmp_path / "t" / "targets.csv")
    assert t.loc[t["target"] == "PTEN", "in_model"].all()
    assert not t.loc[t["target"] == "PIK3R2", "in_model"].any()
    de = _de(tmp_path)
    assert main(["--quiet", "mirna", "enrich", str(de), "--out", str(tmp_path / "e")]) == 0
    en = pd.read_csv(tmp_path / "e" / "enrichment.csv")
    assert en.loc[0, "set"] == "all changed" and en.loc[0, "k"] == 2
    assert (
        main(
            [
                "--quiet",
                "mirna",
                "simulate",
                str(de),
                "--lesions",
                "KRAS_mut",
                "--out",
                str(tmp_path / "s"),
            ]
        )
        == 0
    )
    ch = pd.read_csv(tmp_path / "s" / "protein_changes.csv").set_index("target")
    assert ch.loc["PTEN", "protein_fraction"] < 1 < ch.loc["MTOR", "protein_fraction"]
    assert (tmp_path / "s" / "report.html").exists()


def test_bad_de_table(tmp_path, capsys):
    p = tmp_path / "de.csv"
    p.write_text("name,value\nx,1\n")
    assert main(["--json", "mirna", "enrich", str(p), "--out", str(tmp_path / "o")]) == 3
    assert "missing column" in json.loads(capsys.readouterr().out)["problems"][0]["problem"]
