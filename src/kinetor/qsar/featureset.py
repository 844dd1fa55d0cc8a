"""The feature bundle of a set of molecules and the model kernel on it.

Parsing and standardising SMILES (:func:`parse_smiles`), computing the :class:`Features`
bundle once per set of molecules (:func:`compute_features`; :func:`featurize_smiles` in
worker processes for large libraries), and the model kernel: the mean Tanimoto (MinMax)
similarity of the ECFP6, FCFP6 and atom-pair counts (:func:`kernel`,
:class:`KernelReference`). The learners of :mod:`kinetor.qsar.models` consume these.

Examples
--------
>>> mols, ok, problems = parse_smiles(["CCO.Cl", "not a smiles", "c1ccccc1O"])
>>> ok.tolist(), [p.row for p in problems]
([0, 2], [3])
>>> F = compute_features(mols, tab=False)
>>> len(F), sorted(F.fps)
(2, ['atompair_count', 'ecfp6_chiral_count', 'fcfp6_chiral_count'])
>>> kernel(F, F).round(3).tolist()
[[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kinetor.errors import DataError, Problem

__all__ = [
    "KERNEL_FINGERPRINTS",
    "Features",
    "KernelReference",
    "compute_features",
    "featurize_smiles",
    "kernel",
    "parse_smiles",
]


#: Count fingerprints whose Tanimoto (MinMax) kernels are averaged into the model kernel;
#: the circular ones stereo-aware, so that the stereoisomers the curation keeps apart are
#: told apart (models saved before this used the plain kinds and keep them: see
#: ``compute_features(kinds=)``).
KERNEL_FINGERPRINTS: tuple[str, ...] = (
    "ecfp6_chiral_count",
    "fcfp6_chiral_count",
    "atompair_count",
)


@dataclass
class Features:
    """Feature matrices of one set of molecules (rows aligned).

    ``fps`` maps each of :data:`KERNEL_FINGERPRINTS` to its sparse hashed counts (kernel
    input); ``tab`` holds folded ECFP6 counts next to fast RDKit descriptors (tree input).
    """

    fps: dict[str, Any]
    tab: Any

    def __len__(self) -> int:
        return next(iter(self.fps.values())).shape[0]

    def subset(self, idx) -> Features:
        return Features(
            {k: v[idx] for k, v in self.fps.items()}, None if self.tab is None else self.tab[idx]
        )


class KernelReference:
    """The reference side of :func:`kernel` (one prepared
    :class:`~kinetor.qsar.kernels.TanimotoReference` per fingerprint), built once per fitted
    model so that predicting in chunks does not prepare the training set again."""

    def __init__(self, F: Features):
        from kinetor.qsar.kernels import TanimotoReference

        self.refs = {kind: TanimotoReference(X) for kind, X in F.fps.items()}

    def __call__(self, A: Features, out: np.ndarray | None = None) -> np.ndarray:
        """The model kernel of ``A`` against the reference, written into ``out`` if given
        (a reused C-contiguous ``float64`` block: no fresh pages for every chunk)."""
        shape = (len(A), next(iter(self.refs.values())).shape[0])
        K = np.zeros(shape) if out is None else out
        if out is not None:
            if out.shape != shape:
                raise ValueError(f"out must have shape {shape}, not {out.shape}")
            K.fill(0.0)
        for kind, ref in self.refs.items():
            ref.similarity(A.fps[kind], out=K, weight=1.0 / len(self.refs))
        return K


def kernel(A: Features, B: Features | KernelReference) -> np.ndarray:
    """The model kernel: mean Tanimoto (MinMax) similarity over the count fingerprints.

    A mean of kernels is a kernel; each fingerprint sees the molecules differently (ECFP6
    atom environments, FCFP6 pharmacophoric environments, atom pairs the global shape).
    ``B`` may be a prepared :class:`KernelReference`.
    """
    return (B if isinstance(B, KernelReference) else KernelReference(B))(A)


def parse_smiles(
    smiles: Sequence[str], file: str = "<input>", column: str = "smiles", standardize: bool = True
) -> tuple[list[Any], np.ndarray, list[Problem]]:
    """Parse (and standardise) SMILES; empty and unparsable ones and those curation drops
    (a dummy atom, no carbon atom, more than :data:`~kinetor.qsar._checks.MAX_HEAVY_ATOMS`
    heavy atoms: :func:`~kinetor.qsar._checks.structure_problem`) are reported, the rest kept.

    Returns the molecules, the indices of the parsed inputs and one
    :class:`~kinetor.errors.Problem` per unparsable entry (row = index + 2, as in a CSV
    with a header).
    """
    from rdkit import Chem, rdBase

    from kinetor.qsar._checks import smiles_text_problem, structure_problem
    from kinetor.qsar.curation import _CHARGED, _standardizer

    _quiet = rdBase.BlockLogs()
    chooser, uncharger, _ = _standardizer(False)
    mols, ok, problems = [], [], []
    for i, s in enumerate(smiles):
        empty = not isinstance(s, str) or not s.strip()
        mol = None if empty else Chem.MolFromSmiles(s)
        why = ("empty SMILES" if empty else f"unparsable SMILES {s!r}") if mol is None else None
        # as curation: no attachment points, no inorganic structures, no huge molecules
        # (their fingerprints take minutes)
        found = (
            (why, "correct the structure or remove it")
            if why
            else smiles_text_problem(s) or structure_problem(mol)
        )
        if found:
            problems.append(Problem(found[0], file=file, row=i + 2, column=column, fix=found[1]))
            continue
        if standardize and "." in s:
            mol = chooser.choose(mol)
        if standardize and _CHARGED.search(s):
            mol = uncharger.uncharge(mol)
        mols.append(mol)
        ok.append(i)
    return mols, np.asarray(ok, dtype=np.int64), problems


def compute_features(
    mols: Sequence[Any],
    n_bits_kernel: int = 2**20,
    n_bits_tab: int = 2048,
    tab: bool = True,
    kinds: Sequence[str] | None = None,
) -> Features:
    """The :class:`Features` bundle of parsed molecules (``tab=False``: kernel input only,
    enough for the kernel learners)."""
    from scipy import sparse

    from kinetor.qsar.features import featurize

    kinds = tuple(kinds or KERNEL_FINGERPRINTS)  # a saved model's own fingerprints
    fps = {kind: featurize(mols, kind, n_bits=n_bits_kernel) for kind in kinds}
    if not tab:
        return Features(fps, None)
    folded = fps[kinds[0]].copy()
    folded = sparse.csr_matrix(
        (folded.data, folded.indices % n_bits_tab, folded.indptr),
        shape=(folded.shape[0], n_bits_tab),
    )
    folded.sum_duplicates()
    desc = featurize(mols, "rdkit2d_fast")
    table = sparse.hstack(
        [folded, sparse.csr_matrix(np.nan_to_num(desc))], format="csr", dtype=np.float32
    )
    return Features(fps, table)


def _featurize_chunk(smiles, start, file, column, tab, kinds=None):
    mols, ok, problems = parse_smiles(smiles, file=file, column=column)
    problems = [
        Problem(p.message, file=p.file, row=p.row + start, column=p.column, fix=p.fix)
        for p in problems
    ]
    return (
        (compute_features(mols, tab=tab, kinds=kinds) if len(mols) else None),
        ok + start,
        problems,
    )


def featurize_smiles(
    smiles: Sequence[str],
    tab: bool = True,
    n_jobs: int = 1,
    file: str = "<input>",
    column: str = "smiles",
    chunk: int = 10_000,
    kinds: Sequence[str] | None = None,
) -> tuple[Features | None, np.ndarray, list[Problem]]:
    """Parse, standardise and featurise SMILES, in ``n_jobs`` processes for large inputs.

    ``kinds``: the kernel fingerprints (default :data:`KERNEL_FINGERPRINTS`; a fitted
    model passes those it was trained on). Returns the features of the parsable entries
    (``None`` if there are none), their indices and the problems of the others.
    """
    from scipy import sparse

    smiles = list(smiles)
    starts = list(range(0, len(smiles), chunk)) or [0]
    if n_jobs > 1 and len(starts) > 1:
        from kinetor.numerics.executor import Executor

        parts = Executor(n_jobs).map(
            _featurize_chunk,
            [(smiles[s : s + chunk], s, file, column, tab, kinds) for s in starts],
        )
    else:
        parts = [
            _featurize_chunk(smiles[s : s + chunk], s, file, column, tab, kinds) for s in starts
        ]
    feats = [f for f, _, _ in parts if f is not None]
    ok = np.concatenate([o for _, o, _ in parts]).astype(np.int64)
    problems = [p for _, _, ps in parts for p in ps]
    if not feats:
        return None, ok, problems
    fps = {k: sparse.vstack([f.fps[k] for f in feats], format="csr") for k in feats[0].fps}
    table = sparse.vstack([f.tab for f in feats], format="csr") if tab else None
    return Features(fps, table), ok, problems


def _as_features(X) -> Features:
    if isinstance(X, Features):
        return X
    mols, _, problems = parse_smiles(list(X))
    if problems:
        raise DataError(problems)
    return compute_features(mols)


def _cached_reference(owner, attr: str) -> KernelReference:
    """The :class:`KernelReference` of ``owner.<attr>`` (Features), built on first use and
    kept in memory (not pickled: see ``_NoPickleCache``)."""
    cache = owner.__dict__.setdefault("_refs", _NoPickleCache())
    if attr not in cache:
        cache[attr] = KernelReference(getattr(owner, attr))
    return cache[attr]


class _NoPickleCache(dict):
    """A dict that pickles empty (prepared kernel references are rebuilt after loading)."""

    def __reduce__(self):
        return (_NoPickleCache, ())
