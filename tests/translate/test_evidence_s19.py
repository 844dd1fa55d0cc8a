"""``kinetor evidence``: the split rule in ``evidence check``, and ``evidence show
--compound`` through the compound library's names."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.translate import evidence as ev


def _studies(tmp_path, **edits):
    """A copy of the shipped studies table with ``{row: {column: text}}`` edits (row as in
    the file, header = 1)."""
    df = pd.read_csv(ev.DATA_DIR / "xenograft_studies.csv", dtype=str, keep_default_na=False)
    for row, cells in edits.items():
        for col, text in cells.items():
            df.loc[int(row[1:]) - 2, col] = text
    p = tmp_path / "studies.csv"
    df.to_csv(p, index=False)
    return p, df


def _problems(capsys):
    out = json.loads(capsys.readouterr().out)
    return {(p["row"], p["column"]) for p in out["problems"]}, out["problems"]


def test_the_shipped_studies_follow_the_split_rule(tmp_path):
    p, df = _studies(tmp_path)
    years = df["authors_year"].str.extract(r"\b((?:19|20)\d\d)\b")[0].astype(int)
    assert ((years >= 2015) == (df["split"] == "heldout")).all()
    assert main(["--quiet", "evidence", "check", str(p), "--table", "studies"]) == 0


def test_check_flags_a_split_against_the_publication_year(tmp_path, capsys):
    p, df = _studies(tmp_path)
    # a 2009 paper held out, a 2015 paper fitted, a year missing (each paper's studies
    # edited together, so the one-paper-one-split check stays quiet)
    raynaud = [i + 2 for i in range(len(df)) if df.loc[i, "study_id"].startswith("raynaud2009")]
    bosch = 2 + int(df.index[df["study_id"] == "bosch2015_er_pik3ca"][0])
    boulay = 2 + int(df.index[df["study_id"] == "boulay2004_ca20948"][0])
    edits = {f"r{r}": {"split": "heldout"} for r in raynaud}
    edits[f"r{bosch}"] = {"split": "fit"}
    edits[f"r{boulay}"] = {"authors_year": "Boulay et al. Cancer Res"}
    p, _ = _studies(tmp_path, **edits)
    assert main(["--json", "evidence", "check", str(p), "--table", "studies"]) == 3
    got, problems = _problems(capsys)
    want = {(r, "split") for r in raynaud} | {(bosch, "split"), (boulay, "authors_year")}
    assert got == want
    assert all(q["file"] == "studies.csv" and q["fix"] for q in problems)
    fixes = {q["row"]: q["fix"] for q in problems}
    assert fixes[raynaud[0]].startswith("set split to fit")
    assert fixes[bosch].startswith("set split to heldout")


def test_check_of_arms_applies_the_rule_to_their_studies(tmp_path, capsys):
    _, df = _studies(tmp_path)
    bosch = 2 + int(df.index[df["study_id"] == "bosch2015_er_pik3ca"][0])
    p, _ = _studies(tmp_path, **{f"r{bosch}": {"split": "fit"}})
    arms = str(ev.DATA_DIR / "xenograft_arms.csv")
    assert main(["--json", "evidence", "check", arms, "--table", "arms", "--studies", str(p)]) == 3
    got, _ = _problems(capsys)
    assert (bosch, "split") in got


def _rows(table: str, names: set[str]) -> int:
    """Usable rows of a shipped table naming any of ``names`` (read from the CSV here)."""
    files = {"arms": "xenograft_arms.csv", "pk": "pk_sets.csv"}
    df = pd.read_csv(ev.DATA_DIR / files[table], dtype=str, keep_default_na=False)
    col = "compounds" if "compounds" in df.columns else "compound"
    hit = df[col].str.lower().str.split("+").apply(lambda cs: bool(set(cs) & names))
    return int((hit & (df["status"] != "unverified")).sum())


@pytest.mark.parametrize(
    ("table", "given", "written"),
    [
        ("arms", "AZD2014", {"vistusertib"}),
        ("arms", "rapamycin", {"sirolimus"}),
        ("arms", "RAD001", {"everolimus"}),
        ("pk", "Afinitor", {"everolimus"}),
        ("pk", "GDC-0941", {"pictilisib"}),
    ],
)
def test_show_finds_a_compound_by_any_library_name(tmp_path, capsys, table, given, written):
    want = _rows(table, written)
    assert want > 0
    assert main(["--json", "evidence", "show", table, "--compound", given]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == want


def test_show_says_when_no_row_comes_back(capsys):
    assert main(["evidence", "show", "arms", "--compound", "nosuchdrug"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "no arms rows naming 'nosuchdrug'" in err
    assert "not in the compound library" in err
