"""Activity cliffs as defined by MoleculeACE, and the error on cliff compounds.

Two compounds form an activity cliff when they are structurally similar and their
potencies differ more than ``potency_fold`` (10-fold, i.e. > 1 log unit). Similar means at
least one of three similarities reaches ``similarity`` (0.9): Tanimoto on ECFP4 bits
(1024), Tanimoto on ECFP4 bits of the generic graph framework of the molecule (every atom
carbon, every bond single), or the normalised Levenshtein similarity of the SMILES as given, :math:`1 - d(s_1, s_2) / \\max(|s_1|,|s_2|)`
(van Tilborg, Alenicheva & Grisoni 2022 J Chem Inf Model 62:5938,
doi:10.1021/acs.jcim.2c01073, Methods; their ``cliffs.py``). A cliff compound belongs to at
least one cliff pair; the cliff RMSE is the RMSE over the test compounds that are cliff
compounds.

Examples
--------
>>> levenshtein_similarity(["CCCCCCCCCO", "CCCCCCCCCN", "c1ccccc1"]).round(2)
array([[1. , 0.9, 0. ],
       [0.9, 1. , 0. ],
       [0. , 0. , 1. ]])
>>> cliff_compounds(["CCCCCCCCCO", "CCCCCCCCCN", "c1ccccc1"], [5.0, 7.0, 5.0])
array([ True,  True, False])
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

__all__ = ["cliff_compounds", "cliff_pairs", "cliff_rmse", "levenshtein_similarity"]


@numba.njit(cache=True)
def _lev(a, b):  # pragma: no cover
    n, m = len(a), len(b)
    prev = np.arange(m + 1)
    cur = np.empty(m + 1, dtype=prev.dtype)
    for i in range(1, n + 1):
        cur[0] = i
        for j in range(1, m + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        prev, cur = cur, prev
    return prev[m]


@numba.njit(cache=True)
def _lev_matrix(codes, starts, lengths, min_sim, out):  # pragma: no cover
    n = len(lengths)
    for i in range(n):
        out[i, i] = 1.0
        a = codes[starts[i] : starts[i] + lengths[i]]
        for j in range(i + 1, n):
            longest = max(lengths[i], lengths[j])
            # |len_i - len_j| <= distance, so short-cut pairs that cannot reach min_sim
            if longest == 0 or 1.0 - abs(lengths[i] - lengths[j]) / longest < min_sim:
                continue
            d = _lev(a, codes[starts[j] : starts[j] + lengths[j]])
            out[i, j] = out[j, i] = 1.0 - d / longest


def levenshtein_similarity(smiles: Sequence[str], min_similarity: float = 0.0) -> np.ndarray:
    """Normalised Levenshtein similarity matrix of SMILES strings.

    Pairs whose length difference alone keeps them below ``min_similarity`` are left at 0.
    """
    codes = [np.frombuffer(s.encode(), dtype=np.uint8) for s in smiles]
    lengths = np.array([len(c) for c in codes], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    flat = np.concatenate(codes) if codes else np.zeros(0, np.uint8)
    out = np.zeros((len(smiles), len(smiles)))
    _lev_matrix(flat, starts, lengths, float(min_similarity), out)
    return out


def cliff_pairs(
    smiles: Sequence[str],
    p_values: Sequence[float],
    similarity: float = 0.9,
    potency_fold: float = 10.0,
) -> np.ndarray:
    """Boolean matrix: ``[i, j]`` is an activity-cliff pair (symmetric, diagonal False)."""
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    from kinetor.qsar.features import featurize
    from kinetor.qsar.kernels import tanimoto

    mols = [Chem.MolFromSmiles(s) for s in smiles]
    if any(m is None for m in mols):
        bad = [s for s, m in zip(smiles, mols, strict=True) if m is None]
        raise ValueError(f"unparsable SMILES: {bad[:5]}")
    frames = []
    for m in mols:
        # MoleculeACE takes the generic graph framework of the whole molecule (side chains
        # kept), not of its Murcko scaffold
        try:
            frames.append(MurckoScaffold.MakeScaffoldGeneric(m))
        except (ValueError, RuntimeError):  # rare valence failures: plain scaffold, as there
            frames.append(MurckoScaffold.GetScaffoldForMol(m))
    fp = featurize(mols, "ecfp4_bits", n_bits=1024)
    sfp = featurize(frames, "ecfp4_bits", n_bits=1024)
    similar = (
        (tanimoto(fp, fp) >= similarity)
        | (tanimoto(sfp, sfp) >= similarity)
        | (levenshtein_similarity(list(smiles), similarity) >= similarity)
    )
    p = np.asarray(p_values, float)
    cliff = similar & (np.abs(p[:, None] - p[None, :]) > np.log10(potency_fold))
    np.fill_diagonal(cliff, False)
    return cliff


def cliff_compounds(
    smiles: Sequence[str],
    p_values: Sequence[float],
    similarity: float = 0.9,
    potency_fold: float = 10.0,
) -> np.ndarray:
    """Boolean per compound: member of at least one activity-cliff pair."""
    return cliff_pairs(smiles, p_values, similarity, potency_fold).any(axis=1)


def cliff_rmse(y_true, y_pred, is_cliff) -> float:
    """RMSE over the cliff compounds (NaN when there are none).

    Examples
    --------
    >>> cliff_rmse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0], [False, True, True])
    1.4142135623730951
    """
    mask = np.asarray(is_cliff, bool)
    if not mask.any():
        return float("nan")
    err = np.asarray(y_true, float)[mask] - np.asarray(y_pred, float)[mask]
    return float(np.sqrt(np.mean(err**2)))
