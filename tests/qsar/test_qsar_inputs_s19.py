"""Command-line and curation inputs of ``kinetor qsar``: the unit column found by its usual
names (and a p-scale column that takes no concentration unit), one SMILES and one value
column, empty SMILES, structures curation drops (inorganic, attachment points, oversized)
and constant potencies.

Expected values are hand arithmetic on hand-made tables: IC50 = 10^k nM is pIC50 9 - k,
and 10^k uM is pIC50 6 - k. (That the shared ChEMBL training files and the benchmark
splits curate exactly as before these checks was verified against the previous code;
those files live outside the repository, so no test reads them.)
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.qsar import curate
from kinetor.qsar.featureset import parse_smiles
from kinetor.qsar.io import read_molecules, read_query
from kinetor.qsar.predictor import PotencyPredictor
from kinetor.qsar.validation import regression_metrics

FIX = Path(__file__).parent / "fixtures"
# IC50 = 10^k nM for k = -1.0, -0.5, ..., 4.5: pIC50 = 9 - k, from 10.0 down to 4.5
K = np.arange(12) * 0.5 - 1.0


def _smiles(n: int = 12) -> list[str]:
    return pd.read_csv(FIX / "mtor_subset.csv")["canonical_smiles"].head(n).tolist()


def _write(tmp_path, name: str = "t.csv", **cols) -> Path:
    path = tmp_path / name
    pd.DataFrame({"smiles": _smiles(), **cols}).to_csv(path, index=False)
    return path


def _train(path, tmp_path, *args) -> int:
    out = tmp_path / "m"
    argv = ["qsar", "train", str(path), "--target", "x", "--learner", "svr", *args]
    return main([*argv, "-o", str(out)])


def _err(capsys) -> str:
    c = capsys.readouterr()
    return " ".join((c.out + c.err).split())


def _refused(path, tmp_path, capsys, *args) -> dict:
    """The one problem of a training run refused with exit 3 (``--json``), nothing written."""
    capsys.readouterr()
    out = tmp_path / "refused"
    argv = ["--json", "qsar", "train", str(path), "--target", "x", "--learner", "svr", *args]
    assert main([*argv, "-o", str(out)]) == 3
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert len(problems) == 1 and not (out / "x.joblib").exists()
    return problems[0]


# --- the unit column ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["units", "Standard Units", "UNIT"])
def test_unit_column_found_by_its_usual_names_and_used(tmp_path, capsys, name):
    path = _write(tmp_path, IC50=10.0**K, **{name: "nM"})
    assert _train(path, tmp_path, "--value-col", "IC50") == 0
    cur = pd.read_csv(tmp_path / "m" / "x_curated.csv")
    assert cur["p_value"].to_numpy() == pytest.approx(9.0 - K)
    assert f"unit column {name!r} used" in _err(capsys)


def test_a_unit_option_conflicting_with_the_units_column_is_refused(tmp_path, capsys):
    # before: --unit uM applied, every pIC50 3 lower than the file's nM say
    path = _write(tmp_path, IC50=10.0**K, units="nM")
    p = _refused(path, tmp_path, capsys, "--value-col", "IC50", "--unit", "uM")
    assert (p["file"], p["row"], p["column"]) == ("t.csv", 2, "units")
    assert "unit 'uM'" in p["problem"] and "conflicts with the file's unit 'nM'" in p["problem"]


def test_two_unit_columns_or_a_missing_named_one_are_data_errors(tmp_path, capsys):
    path = _write(tmp_path, IC50=10.0**K, units="nM", standard_units="nM")
    p = _refused(path, tmp_path, capsys, "--value-col", "IC50", "--unit", "nM")
    assert p["problem"].startswith("2 unit columns ('units', 'standard_units')")
    assert (p["row"], p["column"]) == (1, "units") and "--unit-col" in p["fix"]
    path = _write(tmp_path, IC50=10.0**K)
    argv = ["--value-col", "IC50", "--unit", "nM", "--unit-col", "Units"]
    p = _refused(path, tmp_path, capsys, *argv)
    assert p["problem"].startswith("no column 'Units' (--unit-col")


def test_python_curate_does_not_pass_over_a_units_column():
    raw = pd.DataFrame({"smiles": ["CCO", "CCN"], "value": [10.0, 100.0], "units": "nM"})
    with pytest.raises(DataError, match="no unit column 'unit', but the table has 'units'"):
        curate(raw, default_unit="uM", file="t.csv")
    # named, it is read: 10 nM is pIC50 8, 100 nM pIC50 7
    got = curate(raw, unit="units").data.set_index("smiles")["p_value"]
    assert got["CCO"] == pytest.approx(8.0) and got["CCN"] == pytest.approx(7.0)


def test_a_p_scale_column_takes_no_concentration_unit(tmp_path, capsys):
    # pIC50 5-10 declared nM would have become pIC50 8-8.7
    path = _write(tmp_path, pIC50=9.0 - K)
    p = _refused(path, tmp_path, capsys, "--value-col", "pIC50", "--unit", "nM")
    assert p["problem"].startswith("the potency column 'pIC50' is on the p scale by its name")
    assert (p["row"], p["column"]) == (1, "pIC50") and "--unit p" in p["fix"]
    raw = pd.DataFrame({"smiles": ["CCO", "CCN"], "pKi": [7.0, 8.0], "unit": "uM"})
    with pytest.raises(DataError, match="'pKi' is on the p scale") as exc:
        curate(raw, value="pKi", file="t.csv")
    assert (exc.value.problems[0].row, exc.value.problems[0].column) == (2, "unit")
    for name in ("pEC50", "pChEMBL Value", "pKd"):
        with pytest.raises(DataError, match="on the p scale by its name"):
            curate(raw.rename(columns={"pKi": name}), value=name, unit=None, default_unit="nM")


def test_a_p_scale_column_with_unit_p_leaves_the_concentration_units_column(tmp_path, capsys):
    # TeachOpenCADD layout (the shipped PI3Kalpha file): IC50 + units (nM) + pIC50
    path = _write(tmp_path, IC50=10.0**K, units="nM", pIC50=9.0 - K)
    assert _train(path, tmp_path, "--value-col", "pIC50", "--unit", "p") == 0
    cur = pd.read_csv(tmp_path / "m" / "x_curated.csv")
    assert cur["p_value"].to_numpy() == pytest.approx(9.0 - K)
    assert "'units' is not read for it" in _err(capsys)


# --- one SMILES column, one value column ------------------------------------------------------


def test_two_smiles_columns_are_a_data_error(tmp_path, capsys):
    path = _write(tmp_path, SMILES="CCO", IC50=10.0**K, unit="nM")
    p = _refused(path, tmp_path, capsys, "--value-col", "IC50")
    assert p["problem"].startswith("2 SMILES columns ('smiles', 'SMILES')")
    assert (p["row"], p["column"]) == (1, "smiles") and "--smiles-col" in p["fix"]
    with pytest.raises(DataError, match="2 SMILES columns"):
        read_molecules(path)
    # named, the other one is no question
    assert read_molecules(path, smiles_col="SMILES")[0]["smiles"].iloc[0] == "CCO"


def test_two_value_columns_of_one_name_are_a_data_error(tmp_path, capsys):
    path = tmp_path / "t.csv"
    rows = [f"{s},{10.0**k:g},1,nM" for s, k in zip(_smiles(), K, strict=True)]
    path.write_text("smiles,IC50,IC50,unit\n" + "\n".join(rows) + "\n")
    p = _refused(path, tmp_path, capsys, "--value-col", "IC50")
    assert p["problem"].startswith("2 columns named 'IC50'")
    assert (p["row"], p["column"]) == (1, "IC50")
    frame = pd.DataFrame([["CCO", 1.0, 2.0]], columns=["smiles", "value", "value"])
    with pytest.raises(DataError, match="2 columns named 'value'"):
        curate(frame, unit=None, default_unit="nM")


# --- empty SMILES ------------------------------------------------------------------------------


def test_an_empty_query_is_refused(tmp_path, capsys):
    for query in ("", "   "):
        with pytest.raises(DataError, match="empty SMILES"):
            read_query(query)
    models = tmp_path / "models"
    models.mkdir()
    pred = PotencyPredictor("svr", target="x").fit(_smiles(), 9.0 - K)
    from kinetor.qsar.card import save_model

    save_model(pred, models / "x.joblib")
    capsys.readouterr()
    argv = ["--json", "qsar", "predict", "", "--models", str(models), "-o", str(tmp_path / "p")]
    assert main(argv) == 3
    assert json.loads(capsys.readouterr().out)["problems"][0]["problem"] == "empty SMILES"
    assert not (tmp_path / "p" / "predictions.csv").exists()


def test_an_empty_smiles_cell_is_named_empty():
    raw = pd.DataFrame({"smiles": ["CCO", np.nan, "  "], "value": 7.0, "unit": "p"})
    res = curate(raw, file="t.csv")
    dropped = res.report[res.report["action"] == "dropped"].set_index("row")["reason"]
    assert dropped.to_dict() == {3: "empty SMILES", 4: "empty SMILES"}
    assert [p.message for p in parse_smiles(["CCO", ""])[2]] == ["empty SMILES"]


# --- structures curation drops -----------------------------------------------------------------


def test_inorganic_and_dummy_atom_structures_are_dropped_with_a_reason():
    smiles = ["[Na+].[Cl-]", "[Pt](Cl)(Cl)(N)N", "*c1ccccc1", "[*:1]CCO", "CCO.[Na+]", "O"]
    raw = pd.DataFrame({"smiles": smiles, "value": 7.0, "unit": "p"})
    res = curate(raw, file="t.csv")
    # only ethanol (the organic fragment of row 6) is left
    assert res.data["smiles"].tolist() == ["CCO"]
    dropped = res.report[res.report["action"] == "dropped"].set_index("row")["reason"]
    assert sorted(dropped.index) == [2, 3, 4, 5, 7]
    for row in (2, 3, 7):
        assert dropped[row].startswith("no organic fragment (no carbon atom)")
    for row in (4, 5):
        assert dropped[row].startswith("dummy atom")
    assert {p.column for p in res.problems} == {"smiles"}


def test_a_structure_above_200_heavy_atoms_is_dropped_and_refused():
    # n-alkanes: C200 has 200 heavy atoms (kept), C201 has 201 (dropped)
    raw = pd.DataFrame({"smiles": ["C" * 200, "C" * 201, "C" * 201 + ".Cl"], "value": 7.0})
    res = curate(raw, unit=None, default_unit="p", file="t.csv")
    assert res.data["smiles"].tolist() == ["C" * 200]
    dropped = res.report[res.report["action"] == "dropped"].set_index("row")["reason"]
    assert dropped[3].startswith("201 heavy atoms") and dropped[4].startswith("201 heavy atoms")
    with pytest.raises(DataError, match="3000 heavy atoms"):
        read_query("C" * 3000)
    _, ok, problems = parse_smiles(["CCO", "C" * 5000])
    assert ok.tolist() == [0] and problems[0].message.startswith("5000 heavy atoms")


def test_screen_reports_an_oversized_library_entry(tmp_path):
    lib = tmp_path / "lib.csv"
    lib.write_text(f"id,smiles\nok,CCO\nbig,{'C' * 300}\n")
    mols, problems = read_molecules(lib, keep_invalid=True)
    assert mols["id"].tolist() == ["ok", "big"]
    assert [(p.row, p.message[:15]) for p in problems] == [(3, "300 heavy atoms")]


@pytest.mark.parametrize(
    ("smiles", "words"),
    [("[Na+].[Cl-]", "no organic fragment"), ("*c1ccccc1", "dummy atom"), ("O", "no organic")],
)
def test_prediction_inputs_refuse_what_curation_drops(tmp_path, smiles, words):
    # a structure curation would drop got a prediction (with an out-of-domain flag) before
    with pytest.raises(DataError, match=words):
        read_query(smiles)
    _, ok, problems = parse_smiles(["CCO", smiles])
    assert ok.tolist() == [0] and problems[0].message.startswith(words)
    assert problems[0].row == 3
    lib = tmp_path / "lib.csv"
    lib.write_text(f"id,smiles\nok,CCO\nbad,{smiles}\n")
    mols, problems = read_molecules(lib, keep_invalid=True)
    assert mols["id"].tolist() == ["ok", "bad"]  # kept, with its reason, for the report
    assert [(p.row, p.message.startswith(words)) for p in problems] == [(3, True)]
    pred = PotencyPredictor("svr", target="x").fit(_smiles(), 9.0 - K)
    out = pred.predict(["CCO", smiles], strict=False)
    assert np.isfinite(out["prediction"][0]) and np.isnan(out["prediction"][1])
    assert out["error"][1].startswith(words)


# --- constant potencies ------------------------------------------------------------------------


def test_metrics_of_constant_potencies_are_nan_without_a_warning():
    # pytest turns warnings into errors: scipy's ConstantInputWarning would fail this
    m = regression_metrics([7.0, 7.0, 7.0, 7.0], [6.0, 7.0, 8.0, 7.5])
    assert np.isnan(m["r2"]) and np.isnan(m["spearman"])
    assert m["rmse"] == pytest.approx(np.sqrt((1 + 0 + 1 + 0.25) / 4))
    assert np.isnan(regression_metrics([5.0, 6.0, 7.0], [6.0, 6.0, 6.0])["spearman"])


def test_constant_potencies_are_refused_before_training(tmp_path, capsys):
    path = _write(tmp_path, IC50=100.0, unit="nM")
    p = _refused(path, tmp_path, capsys, "--value-col", "IC50")
    # 100 nM = pIC50 7
    assert p["problem"].startswith("all 12 potencies are equal (pX 7.000 after curation)")
    assert (p["file"], p["column"]) == ("t.csv", "IC50")
    with pytest.raises(DataError, match="all 12 training potencies are equal"):
        PotencyPredictor("svr", target="x").fit(_smiles(), np.full(12, 7.0))


def test_a_space_inside_a_smiles_cell_is_refused_not_cut(tmp_path):
    # RDKit reads 'c1ccccc1 C(=O)O' as benzene named 'C(=O)O': curated and predicted as
    # benzene before, silently
    raw = pd.DataFrame({"smiles": ["CCO", "c1ccccc1 C(=O)O", "CC\tC", " CCN "], "value": 7.0})
    res = curate(raw, unit=None, default_unit="p", file="t.csv")
    assert res.data["smiles"].tolist() == ["CCO", "CCN"]  # outer blanks are fine
    dropped = res.report[res.report["action"] == "dropped"].set_index("row")["reason"]
    assert sorted(dropped.index) == [3, 4]
    assert all(r.startswith("a space or tab inside SMILES") for r in dropped)
    _, ok, problems = parse_smiles(["CCO", "c1ccccc1 C(=O)O"])
    assert ok.tolist() == [0] and problems[0].message.startswith("a space or tab inside")
    with pytest.raises(DataError, match="a space or tab inside SMILES"):
        read_query("c1ccccc1 C(=O)O")
    lib = tmp_path / "lib.csv"
    lib.write_text("id,smiles\nok,CCO\nbad,c1ccccc1 C(=O)O\n")
    _, problems = read_molecules(lib, keep_invalid=True)
    assert [(p.row, p.message[:28]) for p in problems] == [(3, "a space or tab inside SMILES")]
    # a .smi file's 'SMILES name' lines are structures with their names
    smi = tmp_path / "lib.smi"
    smi.write_text("c1ccccc1 benzene\nCCO ethanol\n")
    mols, problems = read_molecules(smi, keep_invalid=True)
    assert problems == [] and mols["smiles"].tolist() == ["c1ccccc1", "CCO"]
