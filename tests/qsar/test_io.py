"""Readers: CSV, SMILES and SDF files with bad rows named and the rest kept."""

import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.qsar.io import read_activity_table, read_molecules


def test_csv_with_a_bad_row(tmp_path):
    path = tmp_path / "lib.csv"
    pd.DataFrame({"Name": ["a", "b", "c"], "SMILES": ["CCO", "C1CC", "CCN"]}).to_csv(
        path, index=False
    )
    mols, problems = read_molecules(path)
    assert mols["id"].tolist() == ["a", "c"] and mols["row"].tolist() == [2, 4]
    assert len(problems) == 1 and problems[0].row == 3 and problems[0].column == "SMILES"


def test_smi_with_header(tmp_path):
    path = tmp_path / "lib.smi"
    path.write_text("smiles name\nCCO ethanol\nxyz bad\n")
    mols, problems = read_molecules(path)
    assert mols["id"].tolist() == ["ethanol"]
    assert problems[0].row == 3


def test_sdf_records(tmp_path):
    from rdkit import Chem

    path = tmp_path / "lib.sdf"
    writer = Chem.SDWriter(str(path))
    for smi, name in (("CCO", "ethanol"), ("c1ccccc1", "benzene")):
        mol = Chem.MolFromSmiles(smi)
        mol.SetProp("_Name", name)
        mol.SetProp("pIC50", "6.5")
        writer.write(mol)
    writer.close()
    # a third record that is not a molfile
    path.write_text(path.read_text() + "garbage\n\nnot a molfile\n$$$$\n")
    mols, problems = read_molecules(path)
    assert mols["id"].tolist() == ["ethanol", "benzene"]
    assert mols["pIC50"].tolist() == [6.5, 6.5]
    assert len(problems) == 1 and problems[0].row == 3
    assert problems[0].message == "unreadable SDF record"
    assert read_activity_table(path)["smiles"].iloc[0] == "CCO"


def test_missing_smiles_column_and_file(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame({"a": [1]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="no SMILES column"):
        read_molecules(path)
    with pytest.raises(DataError, match="no such file"):
        read_molecules(tmp_path / "nope.csv")
