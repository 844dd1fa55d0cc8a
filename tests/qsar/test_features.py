"""Fingerprints and the Tanimoto/MinMax kernel against hand calculations."""

import numpy as np
import pytest
from scipy import sparse

from kinetor.qsar.features import FEATURES, featurize, max_similarity, tanimoto_kernel
from kinetor.qsar.kernels import tanimoto


def test_minmax_by_hand():
    a = sparse.csr_matrix([[3, 0, 1, 2]])
    b = sparse.csr_matrix([[1, 2, 1, 0]])
    # min-sum 1 + 0 + 1 + 0 = 2, max-sum 3 + 2 + 1 + 2 = 8
    assert tanimoto(a, b)[0, 0] == pytest.approx(0.25)
    assert tanimoto_kernel(a, b)[0, 0] == pytest.approx(0.25)


def test_numba_kernel_equals_reference(mtor_subset):
    from rdkit import Chem

    mols = [Chem.MolFromSmiles(s) for s in mtor_subset["canonical_smiles"][:60]]
    X = featurize(mols, "ecfp4_count", n_bits=2**20)
    np.testing.assert_allclose(tanimoto(X, X[:25]), tanimoto_kernel(X, X[:25]), atol=1e-12)
    assert np.allclose(np.diag(tanimoto(X, X)), 1.0)


def test_bits_and_counts_of_ethanol():
    from rdkit import Chem

    mol = Chem.MolFromSmiles("CCO")
    # ECFP4 of ethanol: 3 atoms at radius 0, 3 environments at radius 1, 1 at radius 2 with
    # duplicates removed -> 6 distinct ids (RDKit drops the radius-2 duplicate of the whole
    # molecule)
    counts = featurize([mol], "ecfp4_count", n_bits=2**20)
    assert counts.nnz == 6 and counts.sum() == 6
    bits = featurize([mol], "ecfp4_bits", n_bits=2**20)
    assert set(bits.data) == {1.0}


@pytest.mark.parametrize("kind", [k for k in FEATURES if k != "rdkit2d"])
def test_every_feature_set_has_one_row_per_molecule(kind):
    from rdkit import Chem

    mols = [Chem.MolFromSmiles(s) for s in ("CCO", "c1ccccc1N", "CC(=O)O")]
    X = featurize(mols, kind)
    assert X.shape[0] == 3
    if kind == "maccs":
        assert X.shape[1] == 167


def test_max_similarity_excludes_self():
    X = sparse.csr_matrix([[1, 1, 0], [1, 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(max_similarity(X, X, exclude_self=True), [1.0, 1.0, 0.0])
    np.testing.assert_allclose(max_similarity(X[2:], X[:2]), [0.0])


@pytest.mark.parametrize("dense_fraction", [0.0, 0.2, 0.5, 1.0])
def test_dense_sparse_split_is_exact(dense_fraction):
    rng = np.random.default_rng(5)
    # counts 0..6 with common and rare columns, as in fingerprints
    A = sparse.csr_matrix(rng.poisson(rng.uniform(0.05, 2.0, 40), size=(30, 40)))
    B = sparse.csr_matrix(rng.poisson(rng.uniform(0.05, 2.0, 40), size=(50, 40)))
    np.testing.assert_allclose(
        tanimoto(A, B, dense_fraction=dense_fraction), tanimoto_kernel(A, B), atol=1e-12
    )


def test_prepared_reference_serves_many_queries(mtor_subset):
    from rdkit import Chem

    from kinetor.qsar.kernels import TanimotoReference

    mols = [Chem.MolFromSmiles(s) for s in mtor_subset["canonical_smiles"][:70]]
    X = featurize(mols, "atompair_count", n_bits=2**20)
    ref = TanimotoReference(X[:40])
    for part in (X[40:55], X[55:], X[:3]):
        np.testing.assert_allclose(ref.similarity(part), tanimoto_kernel(part, X[:40]), atol=1e-12)
    with pytest.raises(ValueError, match="differ in length"):
        ref.similarity(sparse.csr_matrix((1, 5)))


@pytest.mark.parametrize("radius", [2, 3])
def test_fcfp_equals_rdkit_feature_invariant_generator(mtor_subset, radius):
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator as rfg

    gen = rfg.GetMorganGenerator(
        radius=radius, atomInvariantsGenerator=rfg.GetMorganFeatureAtomInvGen()
    )
    mols = [Chem.MolFromSmiles(s) for s in mtor_subset["canonical_smiles"][:40]]
    X = featurize(mols, f"fcfp{2 * radius}_count", n_bits=2**20)
    for i, mol in enumerate(mols):
        expected = {}
        for key, count in gen.GetSparseCountFingerprint(mol).GetNonzeroElements().items():
            expected[key % 2**20] = expected.get(key % 2**20, 0) + count
        assert dict(zip(X[i].indices.tolist(), X[i].data.tolist(), strict=True)) == expected


def _minmax_by_loops(A, B):
    """Straightforward reference: sum of minima over sum of maxima, pair by pair."""
    A, B = np.asarray(A, float), np.asarray(B, float)
    out = np.zeros((len(A), len(B)))
    for i, a in enumerate(A):
        for j, b in enumerate(B):
            den = np.maximum(a, b).sum()
            out[i, j] = np.minimum(a, b).sum() / den if den > 0 else 0.0
    return out


def test_packed_bits_tanimoto_of_known_bit_sets():
    # bits {0, 1, 2} vs {1, 2, 3}: 2 shared of 4 in the union -> 1/2; {0..69} vs {64..69}:
    # 6 of 70 (the indicators span two 64-bit words); disjoint sets -> 0; empty rows -> 0
    a = np.zeros((4, 70))
    a[0, [0, 1, 2]] = 1
    a[1, :] = 1
    a[2, [10, 11]] = 1
    b = np.zeros((3, 70))
    b[0, [1, 2, 3]] = 1
    b[1, 64:70] = 1
    expected = np.array(
        [[2 / 4, 0.0, 0.0], [3 / 70, 6 / 70, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    )
    for fraction in (0.0, 0.4, 1.0):  # all bits packed, some packed, none packed
        K = tanimoto(sparse.csr_matrix(a), sparse.csr_matrix(b), dense_fraction=fraction)
        np.testing.assert_allclose(K, expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.3, 1.0])
def test_packed_levels_match_loops_with_counts_over_64_levels(fraction):
    from kinetor.qsar.kernels import TanimotoReference

    rng = np.random.default_rng(11)
    A = rng.poisson(rng.uniform(0.02, 3.0, 25), size=(20, 25))
    B = rng.poisson(rng.uniform(0.02, 3.0, 25), size=(35, 25))
    A[:, 0] = rng.integers(60, 140, 20)  # one feature with more levels than a 64-bit word
    B[:, 0] = rng.integers(60, 140, 35)
    B[3] = 0  # an empty reference row
    ref = TanimotoReference(sparse.csr_matrix(B), dense_fraction=fraction)
    assert fraction > 0.0 or ref.n_words >= 3  # column 0 alone holds >= 120 packed levels
    expected = _minmax_by_loops(A, B)
    np.testing.assert_allclose(ref.similarity(sparse.csr_matrix(A)), expected, atol=1e-14)
    # accumulating into a given block: weight times the similarity added in place
    out = np.full((20, 35), 0.5)
    ref.similarity(sparse.csr_matrix(A), out=out, weight=0.25)
    np.testing.assert_allclose(out, 0.5 + 0.25 * expected, atol=1e-14)
    with pytest.raises(ValueError, match="C-contiguous"):
        ref.similarity(sparse.csr_matrix(A), out=np.zeros((35, 20)).T)


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        # bits: 1 donor, 2 acceptor, 4 aromatic, 8 halogen, 16 basic, 32 acidic
        ("c1ccccc1O", [4, 4, 4, 4, 4, 4, 1 | 2]),  # phenol OH donates and accepts
        ("CC(=O)O", [0, 32, 2, 1]),  # acid carbon; C=O accepts; the acid OH only donates
        ("CN(C)C", [0, 2 | 16, 0, 0]),  # tertiary amine: acceptor and basic
        ("ClCCBr", [8, 0, 0, 8]),
    ],
)
def test_feature_invariants_by_hand_and_as_rdkit(smiles, expected):
    from rdkit import Chem
    from rdkit.Chem import rdMolDescriptors

    from kinetor.qsar.features import _feature_invariants

    mol = Chem.MolFromSmiles(smiles)
    assert _feature_invariants(mol) == expected
    assert list(rdMolDescriptors.GetFeatureInvariants(mol)) == expected


def test_feature_invariants_equal_rdkit_on_the_fixtures(mtor_subset):
    from rdkit import Chem
    from rdkit.Chem import rdMolDescriptors

    from kinetor.qsar.features import _feature_invariants

    for s in mtor_subset["canonical_smiles"]:
        mol = Chem.MolFromSmiles(s)
        assert _feature_invariants(mol) == list(rdMolDescriptors.GetFeatureInvariants(mol))


@pytest.mark.parametrize("kind", ["ecfp6", "fcfp6"])
def test_chiral_kinds_tell_enantiomers_apart_and_nothing_else(kind):
    from rdkit import Chem

    # (S)- and (R)-3-methylmorpholine on a phenyl ring: the same graph, opposite R/S
    s, r = (Chem.MolFromSmiles(x) for x in ("C[C@H]1COCCN1c1ccccc1", "C[C@@H]1COCCN1c1ccccc1"))
    flat = Chem.MolFromSmiles("CC1COCCN1c1ccccc1")  # stereo unspecified
    plain = featurize([s, r, flat], f"{kind}_count", n_bits=2**20)
    chiral = featurize([s, r, flat], f"{kind}_chiral_count", n_bits=2**20)
    assert (plain[0] != plain[1]).nnz == 0  # RDKit's default kinds are blind to R/S
    assert (chiral[0] != chiral[1]).nnz > 0
    assert tanimoto_kernel(chiral[:1], chiral[1:2])[0, 0] < 1.0
    # a molecule without assigned stereocentres has the same fingerprint either way
    assert (plain[2] != chiral[2]).nnz == 0
