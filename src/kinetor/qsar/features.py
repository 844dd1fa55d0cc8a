"""Molecular features: circular (ECFP/FCFP) and atom-pair counts or bits, MACCS keys and
RDKit 2D descriptors, plus the Tanimoto (MinMax) kernel on them.

Fingerprints are hashed into ``n_bits`` columns of a sparse CSR matrix (``float32``); the
kernel works on sparse matrices so unfolded-size hashes (``n_bits=2**20``) cost no more than
2048 columns. For count vectors the Tanimoto similarity is the MinMax (Ruzicka) similarity

.. math::

    T(a, b) = \\frac{\\sum_j \\min(a_j, b_j)}{\\sum_j \\max(a_j, b_j)}
            = \\frac{m}{|a| + |b| - m}, \\quad m = \\sum_j \\min(a_j, b_j)

(Ralaivola et al. 2005 Neural Netw 18:1093, doi:10.1016/j.neunet.2005.07.009); for bits it
is the usual Jaccard-Tanimoto. :math:`m` is computed exactly as a sum of sparse products
of the indicator matrices :math:`[a \\ge k]`, one per count level :math:`k`.

Examples
--------
>>> from rdkit import Chem
>>> mols = [Chem.MolFromSmiles(s) for s in ("CCO", "CCO", "c1ccccc1")]
>>> X = featurize(mols, "ecfp4_count", n_bits=2048)
>>> X.shape
(3, 2048)
>>> K = tanimoto_kernel(X, X)
>>> [round(float(v), 3) for v in K[0]]
[1.0, 1.0, 0.0]
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "DESCRIPTORS_FAST",
    "FEATURES",
    "FEATURE_SMARTS",
    "featurize",
    "max_similarity",
    "tanimoto_kernel",
]

#: Feature sets :func:`featurize` knows.
FEATURES: tuple[str, ...] = (
    "ecfp4_count",
    "ecfp4_bits",
    "ecfp6_count",
    "ecfp6_chiral_count",
    "fcfp4_count",
    "fcfp4_bits",
    "fcfp6_count",
    "fcfp6_chiral_count",
    "atompair_count",
    "maccs",
    "rdkit2d",
    "rdkit2d_fast",
)

#: Cheap RDKit 2D descriptors (each < 15 us per molecule), the default companion of counts.
DESCRIPTORS_FAST: tuple[str, ...] = (
    "exactmw",
    "lipinskiHBA",
    "lipinskiHBD",
    "NumHBD",
    "NumHeavyAtoms",
    "NumHeteroatoms",
    "NumAmideBonds",
    "FractionCSP3",
    "NumRings",
    "NumAromaticRings",
    "NumAliphaticRings",
    "NumSaturatedRings",
    "NumHeterocycles",
    "NumAromaticHeterocycles",
    "NumSaturatedHeterocycles",
    "NumAliphaticHeterocycles",
    "NumSpiroAtoms",
    "NumBridgeheadAtoms",
    "NumAtomStereoCenters",
    "labuteASA",
    "tpsa",
    "chi0v",
    "chi1v",
    "chi0n",
    "chi1n",
    "hallKierAlpha",
    "kappa1",
)


def _generator(kind: str):
    from rdkit.Chem import rdFingerprintGenerator as rfg

    if kind.startswith(("ecfp", "fcfp")):
        # FCFP: a plain Morgan generator fed RDKit's feature invariants (identical output to
        # GetMorganFeatureAtomInvGen, about a third faster). ``_chiral`` kinds add the
        # atoms' CIP tags (R/S) to their invariants, so stereoisomers (which the curation
        # keeps apart) get different fingerprints; the plain kinds are RDKit's defaults,
        # blind to stereochemistry.
        return rfg.GetMorganGenerator(radius=int(kind[4]) // 2, includeChirality="_chiral" in kind)
    if kind.startswith("atompair"):
        # no chiral kind: RDKit keeps atom-pair chirality in key bits above 2**20, which
        # the hashing folds away
        return rfg.GetAtomPairGenerator()
    raise ValueError(f"unknown fingerprint {kind!r}")


#: RDKit's pharmacophoric feature definitions for FCFP (``GetFeatureInvariants``, in its
#: order: donor, acceptor, aromatic, halogen, basic, acidic; bit i of an atom's invariant
#: is set when pattern i matches it). Matched here against patterns compiled once, which
#: gives the same invariants as RDKit's function (tested) without its per-call copy of
#: every pattern (FCFP6 ~20 % less CPU).
FEATURE_SMARTS: tuple[str, ...] = (
    "[$([N;!H0;v3,v4&+1]),$([O,S;H1;+0]),n&H1&+0]",
    "[$([O,S;H1;v2;!$(*-*=[O,N,P,S])]),$([O,S;H0;v2]),$([O,S;-]),$([N;v3;!$(N-*=[O,N,P,S])]),"
    "n&H0&+0,$([o,s;+0;!$([o,s]:n);!$([o,s]:c:n)])]",
    "[a]",
    "[F,Cl,Br,I]",
    "[#7;+,$([N;H2&+0][$([C,a]);!$([C,a](=O))]),$([N;H1&+0]([$([C,a]);!$([C,a](=O))])"
    "[$([C,a]);!$([C,a](=O))]),$([N;H0&+0]([C;!$(C(=O))])([C;!$(C(=O))])[C;!$(C(=O))])]",
    "[$([C,S](=[O,S,P])-[O;H1,-1])]",
)

_LOCAL = threading.local()  # compiled patterns per thread (a query holds match state)


def _feature_patterns() -> tuple:
    patterns = getattr(_LOCAL, "patterns", None)
    if patterns is None:
        from rdkit import Chem

        patterns = _LOCAL.patterns = tuple(Chem.MolFromSmarts(s) for s in FEATURE_SMARTS)
    return patterns


def _feature_invariants(mol) -> list[int]:
    """FCFP atom invariants of ``mol`` (= ``rdMolDescriptors.GetFeatureInvariants``)."""
    out = [0] * mol.GetNumAtoms()
    for bit, pattern in enumerate(_feature_patterns()):
        for (atom,) in mol.GetSubstructMatches(pattern, uniquify=True, maxMatches=1000):
            out[atom] |= 1 << bit
    return out


def _sparse_fp(mols: Sequence[Any], kind: str, n_bits: int):
    from scipy import sparse

    gen = _generator(kind)
    binary = kind.endswith("_bits")
    feature = kind.startswith("fcfp")
    count = gen.GetSparseCountFingerprint
    # one flat list of keys and counts and one row length per molecule, converted to arrays
    # once (per-molecule arrays cost more than the fingerprints of small molecules)
    keys: list[int] = []
    counts: list[int] = []
    lengths: list[int] = []
    for mol in mols:
        fp = count(mol, customAtomInvariants=_feature_invariants(mol)) if feature else count(mol)
        elements = fp.GetNonzeroElements()
        keys.extend(elements)
        counts.extend(elements.values())
        lengths.append(len(elements))
    indptr = np.zeros(len(mols) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    c = np.fromiter(keys, dtype=np.int64, count=len(keys)) % n_bits
    v = np.fromiter(counts, dtype=np.float32, count=len(counts))
    X = sparse.csr_matrix((v, c, indptr), shape=(len(mols), n_bits), dtype=np.float32)
    X.sum_duplicates()  # hash collisions add up, as in RDKit's folded count vectors
    if binary:
        X.data[:] = 1.0
    return X


def _descriptors(mols: Sequence[Any], names: Sequence[str] | None) -> np.ndarray:
    if names is None:
        from rdkit.Chem import Descriptors

        funcs = [f for _, f in Descriptors.descList]
        out = np.array([[f(m) for f in funcs] for m in mols], dtype=np.float64)
        out = out.reshape(len(mols), -1)
        # Ipc (Bonchev-Trinajstic information content) grows exponentially with size
        # (median 3.4e7 on the test fixtures; 87 % of them above the clip below): on the
        # log scale, log10(1 + Ipc), so that it is not flattened by the clip
        names_all = [n for n, _ in Descriptors.descList]
        if "Ipc" in names_all:
            j = names_all.index("Ipc")
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                out[:, j] = np.log10(1.0 + out[:, j])
    else:
        from rdkit.Chem import rdMolDescriptors

        props = rdMolDescriptors.Properties(list(names))
        out = np.array([list(props.ComputeProperties(m)) for m in mols], dtype=np.float64)
    out = out.reshape(len(mols), -1)
    out[~np.isfinite(out)] = np.nan
    # a guard against runaway values (none of the 217 RDKit descriptors reaches it on the
    # test fixtures once Ipc is on the log scale)
    return np.clip(out, -1e6, 1e6)


def featurize(mols: Sequence[Any], kind: str = "ecfp4_count", n_bits: int = 2048):
    """Feature matrix of RDKit molecules.

    Parameters
    ----------
    mols : sequence of rdkit.Chem.Mol
        Parsed (and standardised) molecules; none may be ``None``.
    kind : str
        One of :data:`FEATURES`. ``ecfp4``/``ecfp6`` are Morgan radius 2/3 (Rogers & Hahn
        2010 J Chem Inf Model 50:742, doi:10.1021/ci100050t), ``fcfp4``/``fcfp6`` the
        feature-invariant variants (``*_chiral_*``: the same with the atoms' R/S tags in
        their invariants), ``atompair`` Carhart atom pairs, ``maccs`` the 167 MACCS keys,
        ``rdkit2d`` all RDKit 2D descriptors in the order of ``Descriptors.descList`` (slow:
        ~30 ms per molecule; ``Ipc`` replaced by ``log10(1 + Ipc)``) and ``rdkit2d_fast``
        the cheap subset :data:`DESCRIPTORS_FAST`. Descriptor values that are not finite
        become NaN and values beyond +-1e6 are clipped to +-1e6.
    n_bits : int
        Number of hashed columns for fingerprints: column = RDKit's unfolded key mod
        ``n_bits``. For ECFP/FCFP this equals RDKit's folded fingerprint (``fpSize``); atom-pair
        keys use 23 bits (distance and two atom codes), and for any ``n_bits`` below 2^23
        (the default 2,048 and the model kernel's 2^20 included) the key mod ``n_bits``
        differs from RDKit's ``fpSize`` folding and merges some atom types (section 3 of
        docs/qsar.md).

    Returns
    -------
    scipy.sparse.csr_matrix or numpy.ndarray
        Sparse ``float32`` for fingerprints, dense ``float64`` for MACCS and descriptors.
    """
    if kind not in FEATURES:
        raise ValueError(f"unknown feature set {kind!r}; choose one of {', '.join(FEATURES)}")
    if kind == "maccs":
        from rdkit.Chem import MACCSkeys

        return np.array(
            [np.asarray(list(MACCSkeys.GenMACCSKeys(m)), dtype=np.float64) for m in mols]
        ).reshape(len(mols), 167)
    if kind == "rdkit2d":
        return _descriptors(mols, None)
    if kind == "rdkit2d_fast":
        return _descriptors(mols, DESCRIPTORS_FAST)
    return _sparse_fp(mols, kind, n_bits)


def _levels(X) -> list:
    """Indicator matrices ``[X >= k]`` for k = 1..max(X) (sparse, float32)."""
    from scipy import sparse

    X = sparse.csr_matrix(X, dtype=np.float32)
    top = int(X.data.max()) if X.nnz else 0
    out = []
    for k in range(1, top + 1):
        L = X.copy()
        L.data = (L.data >= k).astype(np.float32)
        L.eliminate_zeros()
        out.append(L)
    return out


def tanimoto_kernel(A, B) -> np.ndarray:
    """Tanimoto (MinMax for counts) similarity of every row of ``A`` to every row of ``B``.

    Parameters
    ----------
    A, B : sparse or dense matrices with non-negative integer entries, same columns.

    Returns
    -------
    numpy.ndarray
        ``(len(A), len(B))`` similarities in [0, 1]; two empty rows have similarity 0.
    """
    from scipy import sparse

    A = sparse.csr_matrix(A, dtype=np.float32)
    B = sparse.csr_matrix(B, dtype=np.float32)
    la, lb = _levels(A), _levels(B)
    inter = np.zeros((A.shape[0], B.shape[0]), dtype=np.float64)
    for a, b in zip(la, lb, strict=False):
        inter += (a @ b.T).toarray()
    na = np.asarray(A.sum(axis=1)).ravel()
    nb = np.asarray(B.sum(axis=1)).ravel()
    union = na[:, None] + nb[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        K = np.where(union > 0, inter / union, 0.0)
    return K


def max_similarity(A, B, chunk: int = 4096, exclude_self: bool = False) -> np.ndarray:
    """Largest Tanimoto similarity of each row of ``A`` to the rows of ``B`` (chunked).

    With ``exclude_self`` (``A`` is ``B``) the diagonal is ignored: each compound's nearest
    *other* neighbour.
    """
    from scipy import sparse

    A = sparse.csr_matrix(A)
    out = np.empty(A.shape[0])
    for start in range(0, A.shape[0], chunk):
        K = tanimoto_kernel(A[start : start + chunk], B)
        if exclude_self:
            idx = np.arange(start, min(start + chunk, A.shape[0]))
            K[idx - start, idx] = -1.0
        out[start : start + chunk] = K.max(axis=1) if K.shape[1] else 0.0
    return out
