"""Train/test splits for QSAR validation: random, Bemis-Murcko scaffold and Butina cluster.

Scaffold and cluster splits keep every group (one scaffold, one cluster) inside one fold, so
the test compounds of a fold share no scaffold/cluster with its training compounds: the
honest estimate for a new chemical series (Bemis & Murcko 1996 J Med Chem 39:2887,
doi:10.1021/jm9602928; Butina 1999 J Chem Inf Comput Sci 39:747, doi:10.1021/ci9803381).
Groups are shuffled with ``seed`` and dealt largest first to the currently smallest fold,
which keeps the folds within one large group of equal size.

Examples
--------
>>> groups = scaffold_groups(["c1ccccc1CC", "c1ccccc1CCC", "C1CCNCC1C", "CCO"])
>>> groups
['c1ccccc1', 'c1ccccc1', 'C1CCNCC1', '']
>>> folds = group_kfold(groups, n_folds=2, seed=0)
>>> bool(folds[0] == folds[1])
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

__all__ = ["SPLITS", "butina_groups", "group_kfold", "make_folds", "scaffold_groups"]

SPLITS = ("random", "scaffold", "generic_scaffold", "butina")


def scaffold_groups(mols_or_smiles: Sequence[Any], generic: bool = False) -> list[str]:
    """Bemis-Murcko scaffold SMILES of each molecule ('' for acyclic molecules).

    ``generic=True`` gives the generic (graph) framework: all atoms carbon, all bonds single.
    """
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    out = []
    for item in mols_or_smiles:
        mol = Chem.MolFromSmiles(item) if isinstance(item, str) else item
        if mol is None:
            raise ValueError(f"cannot parse {item!r}")
        core = MurckoScaffold.GetScaffoldForMol(mol)
        if generic and core.GetNumAtoms():
            core = MurckoScaffold.MakeScaffoldGeneric(core)
        out.append(Chem.MolToSmiles(core) if core.GetNumAtoms() else "")
    return out


def butina_groups(X, threshold: float = 0.6) -> np.ndarray:
    """Butina clusters of fingerprint rows ``X`` at Tanimoto *distance* ``threshold``.

    Two rows are neighbours when their distance ``1 - T`` is at most ``threshold`` (as in
    Butina 1999 and RDKit's ``Butina.ClusterData``), compared with a 1e-12 tolerance so that a
    pair exactly at the cut-off stays a pair (``1 - 0.7`` is 0.30000000000000004 in floating
    point). Centroids are taken in order of decreasing neighbour count, ties by the *lowest*
    row index; RDKit breaks such ties by the highest index, so the two partitions can differ.

    Returns an integer cluster label per row. Memory grows with n^2 (one dense similarity
    matrix), fine for ~20,000 compounds.
    """
    from kinetor.qsar.features import tanimoto_kernel

    n = X.shape[0]
    sim = tanimoto_kernel(X, X)
    neigh = (1.0 - sim) <= threshold + 1e-12
    labels = np.full(n, -1, dtype=np.int64)
    counts = neigh.sum(axis=1)
    label = 0
    # centroids in order of decreasing neighbour count (ties by index), as in Butina 1999
    for c in np.lexsort((np.arange(n), -counts)):
        if labels[c] >= 0:
            continue
        members = neigh[c] & (labels < 0)
        labels[members] = label
        labels[c] = label
        label += 1
    return labels


def group_kfold(
    groups: Sequence[Any], n_folds: int = 5, seed: int | np.random.Generator = 0
) -> np.ndarray:
    """Fold index (0..n_folds-1) per item, each group wholly inside one fold."""
    rng = np.random.default_rng(seed)
    keys, inverse, sizes = np.unique(
        np.asarray(groups, dtype=str), return_inverse=True, return_counts=True
    )
    if len(keys) < n_folds:
        raise ValueError(f"{len(keys)} groups cannot fill {n_folds} folds")
    order = rng.permutation(len(keys))
    order = order[np.argsort(-sizes[order], kind="stable")]
    fold_of_group = np.empty(len(keys), dtype=np.int64)
    load = np.zeros(n_folds, dtype=np.int64)
    for g in order:
        f = int(np.argmin(load))
        fold_of_group[g] = f
        load[f] += sizes[g]
    return fold_of_group[inverse]


def make_folds(
    mols: Sequence[Any],
    split: Literal["random", "scaffold", "generic_scaffold", "butina"] = "scaffold",
    n_folds: int = 5,
    seed: int | np.random.Generator = 0,
    X=None,
    butina_threshold: float = 0.6,
) -> np.ndarray:
    """Fold index per molecule for the named split.

    Parameters
    ----------
    mols : sequence of rdkit.Chem.Mol or SMILES
    split : {"random", "scaffold", "generic_scaffold", "butina"}
    n_folds : int
    seed : int or numpy.random.Generator
    X : matrix, optional
        Fingerprints for ``butina`` (ECFP4 bits computed when not given).
    butina_threshold : float
        Tanimoto distance cut-off of the Butina clustering.
    """
    if split == "random":
        rng = np.random.default_rng(seed)
        return rng.permutation(np.arange(len(mols)) % n_folds)
    if split in ("scaffold", "generic_scaffold"):
        return group_kfold(
            scaffold_groups(mols, generic=split == "generic_scaffold"), n_folds, seed
        )
    if split == "butina":
        if X is None:
            from rdkit import Chem

            from kinetor.qsar.features import featurize

            ms = [Chem.MolFromSmiles(m) if isinstance(m, str) else m for m in mols]
            X = featurize(ms, "ecfp4_bits")
        return group_kfold(butina_groups(X, butina_threshold), n_folds, seed)
    raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
