"""Hostile or unusual inputs to the QSAR pipeline: ChEMBL web downloads (semicolon-separated,
quoted relations), a Butina pair exactly at the cut-off, runaway descriptors, the simulation
default."""

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.qsar.curation import curate
from kinetor.qsar.io import read_activity_table

# the layout of a ChEMBL activity download (web interface, "CSV"): ';'-separated, every
# field double-quoted, the relation itself in single quotes; free text may hold , and ;
_CHEMBL = (
    '"Molecule ChEMBL ID";"Molecule Name";"Smiles";"Standard Type";"Standard Relation";'
    '"Standard Value";"Standard Units";"pChEMBL Value";"Assay Description"\n'
    '"CHEMBL1";"";"CCO";"IC50";"\'=\'";"100.0";"nM";"7.00";"Inhibition of mTOR, in vitro"\n'
    '"CHEMBL2";"";"CCN";"IC50";"\'>\'";"10000.0";"nM";"";"Inhibition of mTOR; cell-free"\n'
    '"CHEMBL3";"";"Oc1ccccc1";"IC50";"\'<\'";"1.0";"nM";"";"Inhibition of mTOR"\n'
    '"CHEMBL4";"";"CCCl";"IC50";"\'>>\'";"50.0";"nM";"";"Inhibition of mTOR"\n'
)


def test_chembl_download_is_read_and_its_quoted_relations_kept(tmp_path):
    path = tmp_path / "chembl_mtor.csv"
    path.write_text(_CHEMBL)
    frame = read_activity_table(path)
    assert len(frame) == 4
    assert {"Smiles", "Standard Relation", "Standard Value", "Standard Units"} <= set(frame)
    res = curate(
        frame,
        smiles="Smiles",
        value="Standard Value",
        unit="Standard Units",
        relation="Standard Relation",
        id_col="Molecule ChEMBL ID",
        file=path.name,
    )
    d = res.data.set_index("id")
    # by hand: pIC50 = 9 - log10(IC50 / nM); IC50 > 10 uM is pIC50 < 5, IC50 < 1 nM is > 9
    assert d.loc["CHEMBL1", "p_value"] == pytest.approx(7.0)
    assert d.loc["CHEMBL1", "relation"] == "="
    assert d.loc["CHEMBL2", "p_value"] == pytest.approx(5.0)
    assert d.loc["CHEMBL2", "relation"] == "<"
    assert bool(d.loc["CHEMBL2", "censored"])
    assert d.loc["CHEMBL3", "p_value"] == pytest.approx(9.0)
    assert d.loc["CHEMBL3", "relation"] == ">"
    # '>>' is not a relation curate knows: the row is dropped and named, not guessed
    assert "CHEMBL4" not in d.index
    (p,) = res.problems
    assert (p.file, p.row, p.column) == ("chembl_mtor.csv", 5, "Standard Relation")
    assert "unknown relation '>>'" in p.message


def test_quoted_relations_in_a_dataframe():
    raw = pd.DataFrame(
        {
            "smiles": ["CCO", "CCN", "CCC"],
            "value": [10.0, 10000.0, 1.0],
            "unit": "nM",
            "relation": ["'='", " '>' ", "'<='"],
        }
    )
    res = curate(raw)
    assert res.problems == []
    d = res.data.set_index("smiles")
    assert d.loc["CCO", ["p_value", "relation"]].tolist() == [pytest.approx(8.0), "="]
    assert d.loc["CCN", ["p_value", "relation"]].tolist() == [pytest.approx(5.0), "<"]
    assert d.loc["CCC", ["p_value", "relation"]].tolist() == [pytest.approx(9.0), ">="]


def test_butina_keeps_a_pair_exactly_at_the_cut_off():
    from scipy import sparse

    from kinetor.qsar.splits import butina_groups

    rows = [range(0, 6), range(3, 10), (3, 4, 10)]
    X = sparse.csr_matrix(
        (np.ones(sum(map(len, rows))), np.concatenate(rows), np.cumsum([0, *map(len, rows)])),
        shape=(3, 11),
    )
    # by hand: T(0, 1) = 3 / (6 + 7 - 3) = 0.3, distance 0.7 = the cut-off (Butina: <=);
    # T(0, 2) = 2 / 7 (distance 0.714) and T(1, 2) = 2 / 8 are beyond it
    labels = butina_groups(X, threshold=0.7)
    assert labels[0] == labels[1] != labels[2]


def test_ipc_on_the_log_scale_not_clipped():
    from rdkit import Chem
    from rdkit.Chem import Descriptors

    from kinetor.qsar.features import featurize

    j = [n for n, _ in Descriptors.descList].index("Ipc")
    smiles = ["CC", "CCC", "C[C@@H]1COCCN1c1nc(N2CCOC[C@@H]2C)c2ccc(-c3cccc(C(=O)NC)c3)nc2n1"]
    X = featurize([Chem.MolFromSmiles(s) for s in smiles], "rdkit2d")
    # by hand, Ipc = sum|c| * H(|c|) of the characteristic-polynomial coefficients c:
    # ethane x^2 - 1: (1, 0, 1) -> 2 * 1 bit = 2; propane x^3 - 2x: (1, 0, 2, 0) -> 3 * H(1/3)
    h = -(1 / 3) * math.log2(1 / 3) - (2 / 3) * math.log2(2 / 3)
    assert X[0, j] == pytest.approx(math.log10(1 + 2.0))
    assert X[1, j] == pytest.approx(math.log10(1 + 3 * h))
    # a drug-sized molecule (Ipc ~7e7) is no longer flattened to the 1e6 clip
    ipc = Descriptors.Ipc(Chem.MolFromSmiles(smiles[2]))
    assert ipc > 1e6
    assert X[2, j] == pytest.approx(math.log10(1 + ipc))


def test_simulate_prediction_default_is_1000_nM():
    from kinetor.pathway import Network
    from kinetor.qsar.bridge import simulate_prediction

    net = Network(lesions="PTEN_loss")
    pred = {"mtor": {"prediction": 8.0, "lower": 7.0, "upper": 9.0}}
    default = simulate_prediction("cpd", pred, network=net)
    assert default["conc_nM"].tolist() == [1000.0] * 3
    pd.testing.assert_frame_equal(default, simulate_prediction("cpd", pred, 1000.0, network=net))
    at_100 = simulate_prediction("cpd", pred, 100.0, network=net)
    assert not np.allclose(default["pS6_S235_236"], at_100["pS6_S235_236"])


def test_curated_table_of_no_rows_keeps_its_columns():
    raw = pd.DataFrame({"smiles": ["xx", "yy"], "value": [1.0, 2.0], "unit": "nM"})
    res = curate(raw)
    assert len(res.problems) == 2
    # the CLI selects the uncensored rows with this mask; an untyped empty column selected
    # no columns at all (KeyError 'smiles', an internal error)
    use = res.data[~res.data["censored"]]
    assert use["smiles"].tolist() == []
    assert res.data["censored"].dtype == bool


@pytest.mark.parametrize(
    ("kw", "name"),
    [({"split": "xyz"}, "split"), ({"n_folds": 1}, "n_folds"), ({"n_folds": 0}, "n_folds")],
)
def test_cross_validate_names_a_bad_split_or_fold_count(kw, name):
    from kinetor.errors import ModelError
    from kinetor.qsar.validation import cross_validate

    with pytest.raises(ModelError, match=f"^{name}="):
        cross_validate(["CCO"] * 12, np.arange(12.0), **kw)


def test_cross_validate_with_more_folds_than_scaffolds_is_a_data_error():
    from kinetor.errors import DataError
    from kinetor.qsar.validation import cross_validate

    # 12 compounds in 3 scaffolds (benzene, pyridine, acyclic) cannot fill 5 scaffold folds
    smiles = [f"c1ccccc1{'C' * k}" for k in range(1, 5)]
    smiles += [f"c1ccncc1{'C' * k}" for k in range(1, 5)]
    smiles += ["C" * k + "O" for k in range(1, 5)]
    with pytest.raises(DataError, match="3 groups cannot fill 5 folds") as err:
        cross_validate(smiles, np.linspace(5.0, 8.0, 12), learner="svr", n_folds=5)
    assert "--folds" in err.value.problems[0].fix
