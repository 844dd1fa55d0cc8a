"""Audit s22 (QSAR curation): a relation column beside a concentration column is not read
for a p-scale potency; unreadable SDF records carry RDKit's reason; SDF row numbers are
record numbers; a nameless .smi line is named row<N>; a bound consistent with an exact
value is no conflict. Expected values are worked by hand (-log10 of the molar value)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from rdkit import Chem

from kinetor.errors import DataError
from kinetor.qsar import curate
from kinetor.qsar.io import read_activity_table, read_molecules

BENZAMIDE = "CCN(CC)c1ccc(C(=O)Nc2ccccc2)cc1"
SMILES = ["c1ccccc1O", "CCOc1ccccc1", "CCN(C)c1ccccc1", "Cc1ccc(O)cc1", "OCc1ccccc1"]


def _p(nanomolar: float) -> float:
    """pIC50 of a concentration in nM, by hand: -log10(X nM * 1e-9 M/nM)."""
    return -math.log10(nanomolar * 1e-9)


def _rel_table(path: Path) -> Path:
    # IC50, relation, units, pIC50 (TeachOpenCADD-like): the relation bounds IC50
    rows = [
        ("k1", "c1ccccc1O", 10000.0, ">", "nM"),  # IC50 > 10 uM: pIC50 < 5
        ("k2", "CCOc1ccccc1", 1.0, "<", "nM"),  # IC50 < 1 nM: pIC50 > 9
        ("k3", "Cc1ccc(O)cc1", 200.0, "=", "nM"),
        ("c1", BENZAMIDE, 10000.0, ">", "nM"),
        ("c1b", BENZAMIDE, 30000.0, ">", "nM"),
    ]
    frame = pd.DataFrame(
        rows, columns=["molecule_chembl_id", "smiles", "IC50", "relation", "units"]
    )
    frame["pIC50"] = [_p(v) for v in frame["IC50"]]
    frame.to_csv(path, index=False)
    return path


def _by_smiles(data: pd.DataFrame, smiles: str) -> pd.Series:
    return data.set_index("smiles").loc[Chem.CanonSmiles(smiles)]


def test_a1_cli_p_scale_value_does_not_read_concentration_relation(tmp_path):
    from kinetor.cli._qsar_curation import curated

    path = _rel_table(tmp_path / "rel.csv")
    cur = curated(path, None, "pIC50", "p", None, None, None, False)
    k1 = _by_smiles(cur.data, "c1ccccc1O")
    # the '>' describes IC50; read unflipped it made pIC50 5.0 '>' (wrong direction)
    assert k1["relation"] == "=" and k1["p_value"] == pytest.approx(5.0)
    c1 = _by_smiles(cur.data, BENZAMIDE)
    assert c1["relation"] == "="
    assert c1["p_value"] == pytest.approx((5.0 + (5.0 - math.log10(3.0))) / 2)
    # the concentration column with its relation: IC50 > 30 uM is pIC50 < 4.5229
    cur = curated(path, None, "IC50", None, None, None, None, False)
    c1 = _by_smiles(cur.data, BENZAMIDE)
    assert c1["relation"] == "<"
    assert c1["p_value"] == pytest.approx(9 - math.log10(30000.0))
    assert _by_smiles(cur.data, "CCOc1ccccc1")["relation"] == ">"


def test_a1_named_relation_for_p_scale_beside_concentration_is_refused(tmp_path):
    from kinetor.cli._qsar_curation import curated

    path = _rel_table(tmp_path / "rel.csv")
    with pytest.raises(DataError) as err:
        curated(path, None, "pIC50", "p", None, "relation", None, False)
    assert err.value.problems[0].column == "relation"
    frame = pd.read_csv(path)
    with pytest.raises(DataError) as err:
        curate(frame, value="pIC50", default_unit="p", relation="relation")
    prob = err.value.problems[0]
    assert prob.column == "relation" and "units" in prob.message and "IC50" in prob.fix
    # left out, every pIC50 counts as '=' (as the command line does by itself)
    data = curate(frame, value="pIC50", default_unit="p", relation=None).data
    assert set(data["relation"]) == {"="}


def test_a1_p_scale_relation_without_concentration_column_still_read():
    # no concentration column beside it: the relation is the pIC50's own (unchanged)
    frame = pd.DataFrame(
        {"smiles": ["c1ccccc1O", "CCOc1ccccc1"], "pIC50": [5.0, 7.0], "relation": [">", "="]}
    )
    data = curate(frame, value="pIC50", default_unit="p").data
    assert _by_smiles(data, "c1ccccc1O")["relation"] == ">"


def _write_sdf(path: Path, potencies, bad: dict[int, str], units: bool = True) -> Path:
    """An SDF of len(potencies) records; record k (1-based) in ``bad`` is broken:
    'counts' (a counts line RDKit cannot parse) or 'valence' (a pentavalent carbon)."""
    blocks = []
    for k, value in enumerate(potencies, start=1):
        smiles = SMILES[(k - 1) % len(SMILES)] + "C" * ((k - 1) // len(SMILES))
        if bad.get(k) == "valence":
            mol = Chem.MolFromSmiles("CC(C)(C)(C)C", sanitize=False)
            block = Chem.MolToMolBlock(mol, kekulize=False)
        else:
            block = Chem.MolToMolBlock(Chem.MolFromSmiles(smiles))
        lines = block.split("\n")
        lines[0] = f"m{k}"
        if bad.get(k) == "counts":
            lines[3] = "  xx yy" + lines[3][6:]
        props = f">  <IC50>\n{value}\n\n" + (">  <units>\nnM\n\n" if units else "")
        blocks.append("\n".join(lines).rstrip("\n") + "\n" + props + "$$$$\n")
    path.write_text("".join(blocks))
    return path


@pytest.mark.parametrize(("kind", "words"), [("counts", "parse"), ("valence", "valence")])
def test_b1_unreadable_sdf_record_is_dropped_with_its_reason(tmp_path, kind, words):
    path = _write_sdf(tmp_path / "t.sdf", [20.0, 30.0, 40.0, 50.0, 60.0, 70.0], {3: kind})
    frame = read_activity_table(path)
    # before: curate stopped on "unknown potency unit ''" (the record's empty unit cell)
    res = curate(frame, value="IC50", unit="units", file=path.name)
    assert len(res.data) == 5  # the other five records train
    (prob,) = res.problems
    assert prob.row == 3
    assert prob.message.startswith("unreadable SDF record 3: ")
    assert words in prob.message.lower()
    # the same record where the structures are read for screening
    _, problems = read_molecules(path, keep_invalid=True)
    assert [(p.row, p.message) for p in problems] == [(3, "unreadable SDF record")]
    # without a unit property (a unit for the whole table) the reason is the same
    path = _write_sdf(tmp_path / "n.sdf", [20.0, 30.0, 40.0, 50.0], {2: kind}, units=False)
    res = curate(read_activity_table(path), value="IC50", default_unit="nM")
    assert [p.row for p in res.problems] == [2]
    assert res.problems[0].message.startswith("unreadable SDF record 2: ")


def test_b2_sdf_rows_are_record_numbers(tmp_path):
    values = [20.0, 30.0, 40.0, 50.0, "abc", 70.0]
    path = _write_sdf(tmp_path / "r.sdf", values, {})
    res = curate(read_activity_table(path), value="IC50", unit="units")
    assert [p.row for p in res.problems] == [5]  # the 5th record, as screen names it
    mols, _ = read_molecules(path)
    assert mols["row"].tolist() == [1, 2, 3, 4, 5, 6]
    ids = curate(read_activity_table(path), value="IC50", unit="units", id_col=None)
    assert ids.report.loc[ids.report["action"] == "dropped", "id"].tolist() == ["row5"]


def test_b3_smi_line_without_name_is_row_n(tmp_path):
    path = tmp_path / "lib.smi"
    path.write_text("CCOc1ccccc1 first\nc1ccccc1O\n\nCc1ccc(O)cc1 third\n")
    mols, _ = read_molecules(path)
    assert mols["id"].tolist() == ["first", "row2", "third"]


def test_b4_bound_consistent_with_exact_value_is_no_conflict():
    frame = pd.DataFrame(
        {
            "smiles": ["CCOc1ccccc1"] * 2 + ["c1ccccc1O"] * 2 + ["Cc1ccc(O)cc1"] * 2,
            # IC50 < 10 uM is pIC50 > 5; 500 nM is pIC50 6.30: consistent
            # IC50 < 10 uM and 200 uM (pIC50 3.70, 1.30 below the bound): conflict
            # two exact values 100 nM and 50 uM (7.0 and 4.30): conflict
            "value": [10.0, 0.5, 10.0, 200.0, 0.1, 50.0],
            "unit": "uM",
            "relation": ["<", "=", "<", "=", "=", "="],
        }
    )
    data = curate(frame).data
    e = _by_smiles(data, "CCOc1ccccc1")
    assert e["p_value"] == pytest.approx(_p(500.0)) and e["relation"] == "="
    assert e["spread"] == pytest.approx(_p(500.0) - 5.0)  # 1.30: all values, as before
    assert not e["conflict"]
    assert _by_smiles(data, "c1ccccc1O")["conflict"]
    assert _by_smiles(data, "Cc1ccc(O)cc1")["conflict"]


def test_b4_opposite_bounds_conflict_only_when_contradicting():
    frame = pd.DataFrame(
        {
            "smiles": ["CCOc1ccccc1"] * 2 + ["c1ccccc1O"] * 2,
            # pIC50 > 7 and pIC50 < 5 (IC50 < 100 nM, IC50 > 10 uM): contradict by 2
            # pIC50 > 5 and pIC50 < 7: an interval, no conflict (spread 2)
            "value": [100.0, 10000.0, 10000.0, 100.0],
            "unit": "nM",
            "relation": ["<", ">", "<", ">"],
        }
    )
    data = curate(frame).data
    assert _by_smiles(data, "CCOc1ccccc1")["conflict"]
    assert not _by_smiles(data, "c1ccccc1O")["conflict"]


def test_note_relation_written_in_the_value_cell_points_to_a_relation_column():
    frame = pd.DataFrame({"smiles": ["CCO", "CCN"], "value": ["<5", "6"], "unit": "p"})
    res = curate(frame)
    (prob,) = res.problems
    assert prob.row == 2 and "relation column" in prob.fix
