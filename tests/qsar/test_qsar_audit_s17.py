"""Input checks of QSAR curation and of ``kinetor qsar train/cv``: p-scale values outside
(0, 14], the relation column found by its usual names, and the curation report of ``cv``.
Expected values are hand arithmetic on hand-made tables. (That the shared ChEMBL training
files curate exactly as before these checks was verified once against the previous code;
those files live outside the repository, so no test reads them.)"""

from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.qsar import curate

FIX = Path(__file__).parent / "fixtures"


def _table(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    smiles = ["CCO", "CCN", "CCC", "CCCl", "CCBr", "CCCO", "CCCN", "CCCC"][:n]
    return pd.DataFrame({"smiles": smiles, **cols})


# --- p-scale values outside (0, 14] --------------------------------------------------------


def test_p_values_outside_0_14_are_a_data_error_naming_rows_and_values():
    raw = _table(value=["3.6", "1500", "-2", "0"])
    with pytest.raises(DataError) as exc:
        curate(raw, unit=None, relation=None, default_unit="p", file="t.csv")
    probs = exc.value.problems
    # header = row 1: 1500, -2 and 0 are rows 3, 4, 5; 3.6 (row 2) is plausible
    assert [p.row for p in probs] == [3, 4, 5]
    assert all(p.file == "t.csv" and p.column == "value" for p in probs)
    assert ["1500" in probs[0].message, "-2" in probs[1].message, " 0 " in probs[2].message] == [
        True,
        True,
        True,
    ]
    assert all("(0, 14]" in p.message for p in probs)


def test_a_concentration_that_converts_to_pic50_29_is_refused():
    # 1e-20 nM = 1e-29 M, so pIC50 = 29; 5 nM is pIC50 8.30 and fine
    raw = _table(value=[1e-20, 5.0])
    with pytest.raises(DataError) as exc:
        curate(raw, unit=None, relation=None, default_unit="nM")
    (p,) = exc.value.problems
    assert p.row == 2 and "is 29 on the p scale" in p.message


def test_range_ends_and_the_molar_extremes():
    # p 14 (10 fM) is kept, p 0.0 (1 M) is not; 1e8 nM = 0.1 M is pIC50 1; 1e10 nM = 10 M is -1
    ok = curate(_table(value=[14.0, 0.5]), unit=None, relation=None, default_unit="p")
    assert sorted(ok.data["p_value"]) == [0.5, 14.0]
    ok = curate(_table(value=[1e8]), unit=None, relation=None, default_unit="nM")
    assert ok.data["p_value"].iloc[0] == pytest.approx(1.0)
    for value, unit in ((0.0, "p"), (1e10, "nM")):
        with pytest.raises(DataError, match=r"outside the plausible \(0, 14\]"):
            curate(_table(value=[value]), unit=None, relation=None, default_unit=unit)


def test_nm_values_given_as_p_name_nm_in_the_fix(tmp_path, capsys):
    # 6 of 8 values (above 14) cannot be pIC50s: they look like IC50s in nM
    values = [0.5, 3.0, 20.0, 150.0, 800.0, 2500.0, 40000.0, 100000.0]
    with pytest.raises(DataError) as exc:
        curate(_table(value=values), unit=None, relation=None, default_unit="p")
    assert len(exc.value.problems) == 6
    assert "6 of 8 values" in exc.value.problems[0].fix
    assert "--unit nM" in exc.value.problems[0].fix
    # the command line: exit 3, nothing trained
    path = tmp_path / "raw.csv"
    _table(value=values).to_csv(path, index=False)
    out = tmp_path / "m"
    assert main(["qsar", "train", str(path), "--target", "x", "--unit", "p", "-o", str(out)]) == 3
    assert "--unit nM" in capsys.readouterr().err.replace("\n", " ").replace("│", "")
    assert not (out / "x.joblib").exists()


# --- relation column found by its usual names ------------------------------------------------


def _chembl_like(tmp_path, rel_name: str | None, extra: str | None = None) -> Path:
    """40 fixture compounds, IC50 in nM = 10^(9 - pIC50); rows 2-6 (the first five) '>'."""
    mtor = pd.read_csv(FIX / "mtor_subset.csv").head(40)
    t = pd.DataFrame(
        {
            "smiles": mtor["canonical_smiles"],
            "value": 10 ** (9.0 - mtor["pIC50"]),
            "unit": "nM",
        }
    )
    rel = [">"] * 5 + ["="] * 35
    if rel_name:
        t[rel_name] = rel
    if extra:
        t[extra] = "="
    path = tmp_path / "chembl.csv"
    t.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("name", ["Standard Relation", "standard_relation", "relation"])
def test_relation_column_found_by_its_usual_names_and_said(tmp_path, capsys, name):
    path = _chembl_like(tmp_path, name)
    out = tmp_path / "cv"
    argv = ["qsar", "cv", str(path), "--learner", "svr", "--folds", "2", "-o", str(out)]
    assert main(argv) == 0
    cur = pd.read_csv(out / "curation_report.csv")
    # five '>' IC50s (rows 2-6): flagged censored, '<' on the p scale
    flagged = cur[cur["action"] == "flagged"]
    assert flagged["row"].tolist() == [2, 3, 4, 5, 6]
    assert flagged["reason"].str.startswith("censored value (<").all()
    assert f"relation column {name!r} used" in capsys.readouterr().out


def test_two_relation_columns_or_a_missing_named_one_are_data_errors(tmp_path, capsys):
    path = _chembl_like(tmp_path, "standard_relation", extra="relation")
    assert main(["qsar", "train", str(path), "--target", "x", "-o", str(tmp_path / "m")]) == 3
    err = capsys.readouterr().err
    assert "standard_relation" in err and "relation columns" in err
    path = _chembl_like(tmp_path, None)
    argv = ["qsar", "train", str(path), "--target", "x", "--relation-col", "Relation"]
    assert main([*argv, "-o", str(tmp_path / "m2")]) == 3
    assert "no column 'Relation'" in capsys.readouterr().err


# --- cv reports its curation -------------------------------------------------------------------


def test_cv_writes_the_curation_report_and_prints_its_counts(tmp_path, capsys):
    mtor = pd.read_csv(FIX / "mtor_subset.csv").head(30)
    smiles = mtor["canonical_smiles"].tolist()
    p = mtor["pIC50"].tolist()
    # 30 rows + a hydrochloride of row 2's compound + a repeat of row 3's + an unparsable one
    rows = [*zip(smiles, p, strict=True), (smiles[0] + ".Cl", p[0]), (smiles[1], p[1])]
    rows.append(("not_a_smiles", 6.0))
    path = tmp_path / "t.csv"
    pd.DataFrame(rows, columns=["smiles", "value"]).to_csv(path, index=False)
    out = tmp_path / "cv"
    argv = ["qsar", "cv", str(path), "--unit", "p", "--learner", "svr", "--folds", "2"]
    assert main([*argv, "-o", str(out)]) == 0
    text = capsys.readouterr().out
    # 33 rows: 1 dropped, 32 kept as 30 compounds (two pairs of 2 rows merged), 1 salt stripped
    assert "33 rows -> 30 compounds" in text
    assert "1 row dropped" in text
    assert "1 standardised (largest fragment kept 1)" in text
    assert "4 rows merged into 2 compounds" in text
    rep = pd.read_csv(out / "curation_report.csv")
    assert rep.loc[rep["action"] == "dropped", "row"].tolist() == [34]
    assert rep.loc[rep["action"] == "changed", "row"].tolist() == [32]
    assert sorted(rep.loc[rep["action"] == "merged", "row"]) == [2, 3, 32, 33]
