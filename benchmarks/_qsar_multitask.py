"""Multi-task (intrinsic coregionalisation) kernel model for one target with a second
target's measurements as auxiliary data: a development variant (docs/qsar.md section 4).

The kernel of a (compound, task) pair is

    K((x, s), (x', t)) = K_x(x, x') * B[s, t],    B = [[1, rho], [rho, 1]],

K_x the model kernel (mean Tanimoto/MinMax of ECFP6, FCFP6 and atom-pair counts) and
rho in [0, 1] the task correlation; B is positive semidefinite for |rho| <= 1, so the
product (a Schur product of two PSD kernels) is a kernel: the intrinsic coregionalisation
model (Bonilla, Chai & Williams, "Multi-task Gaussian process prediction", NIPS 20, 2007,
papers.nips.cc/paper/3189, firm; Alvarez, Rosasco & Lawrence, "Kernels for vector-valued
functions: a review", arXiv:1106.6251, firm). With rho = 0 the kernel is
block diagonal: the primary task's GP is the single-task GP with the same noise (the SVR
shares one intercept between the tasks, so it is coupled even then); rho = 1 pools the two
sets with a mean per task (a task offset). Each task's potencies are
centred on their own training mean; the SVR (C 5, epsilon 0.1) and the GP (noise by
profile marginal likelihood) of the default ``consensus`` are fitted on the precomputed
multi-task kernel, and only the primary task is predicted. Stacking weights and the
conformal calibration come from an inner scaffold 5-fold split of the primary training
compounds, as in :class:`kinetor.qsar.predictor.PotencyPredictor`.

Leakage rules (held-out set T of the primary task):

- an auxiliary compound whose Bemis-Murcko scaffold occurs in T, or whose standardised
  SMILES (the curation's) is a structure of T, is removed from the auxiliary data, so the
  test chemistry is unseen on both tasks and no test compound's auxiliary label is used;
- rho is estimated from the training data only: the Pearson correlation of the two
  targets' potencies on training compounds measured on both (after the removal above),
  clipped to [0, 0.99];
- the inner calibration folds apply the same removal for their own held-out compounds.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from kinetor.qsar.conformal import NormalizedConformal, difficulty_features
from kinetor.qsar.featureset import Features
from kinetor.qsar.models import QSARModel
from kinetor.qsar.predictor import _spread, stacking_weights
from kinetor.qsar.splits import make_folds


def icm_kernel(K_pp, K_pa, K_aa, rho: float) -> np.ndarray:
    """Training kernel of primary rows (first) and auxiliary rows (after) under B(rho)."""
    n_p, n_a = K_pp.shape[0], K_aa.shape[0]
    K = np.empty((n_p + n_a, n_p + n_a))
    K[:n_p, :n_p] = K_pp
    K[:n_p, n_p:] = rho * K_pa
    K[n_p:, :n_p] = rho * K_pa.T
    K[n_p:, n_p:] = K_aa
    return K


def aux_mask(aux_scaffolds, aux_smiles, test_scaffolds, test_smiles) -> np.ndarray:
    """True for auxiliary rows usable when the test compounds are held out: scaffold not
    among the test compounds' scaffolds and structure not a test structure."""
    bad_s, bad_m = set(test_scaffolds), set(test_smiles)
    return np.array(
        [s not in bad_s and m not in bad_m for s, m in zip(aux_scaffolds, aux_smiles, strict=True)],
        dtype=bool,
    )


def overlap_rho(smi_p, y_p, smi_a, y_a, min_pairs: int = 10) -> tuple[float, int]:
    """Pearson correlation of the two tasks' potencies on compounds measured on both,
    clipped to [0, 0.99] (0 with fewer than ``min_pairs`` shared compounds)."""
    where = {s: j for j, s in enumerate(smi_a)}
    pairs = [(i, where[s]) for i, s in enumerate(smi_p) if s in where]
    if len(pairs) < min_pairs:
        return 0.0, len(pairs)
    i, j = np.array(pairs).T
    r = float(np.corrcoef(np.asarray(y_p)[i], np.asarray(y_a)[j])[0, 1])
    return float(np.clip(r, 0.0, 0.99)), len(pairs)


def _dummy(n: int) -> Features:
    """A Features stand-in of n rows (the learners use the precomputed kernel only)."""
    return Features({"rows": sparse.csr_matrix((n, 1))}, None)


def icm_members(params, K_pp, K_pa, K_aa, y_p, y_a, K_qp, K_qa, rho):
    """Member predictions (primary task) of queries with kernels ``K_qp``, ``K_qa`` to the
    primary and auxiliary training rows; returns (members, fitted model)."""
    mu_p, mu_a = float(np.mean(y_p)), float(np.mean(y_a)) if len(y_a) else 0.0
    yc = np.r_[np.asarray(y_p) - mu_p, np.asarray(y_a) - mu_a]
    K = icm_kernel(K_pp, K_pa, K_aa, rho)
    model = QSARModel(**params).fit(_dummy(len(yc)), yc, K=K)
    del K
    Kq = np.ascontiguousarray(np.hstack([K_qp, rho * K_qa]))
    members = model.predict_members(_dummy(Kq.shape[0]), K_test=Kq)
    return {k: v + mu_p for k, v in members.items()}, model


def multitask_fold(P, A, tr, te, alpha=0.1, seed=0, n_inner=5, rho_method="overlap", log=print):
    """Fit on primary rows ``tr`` (+ filtered auxiliary data) and predict primary rows
    ``te``. ``P``/``A``: dicts with ``smiles``, ``y``, ``scaffold``, ``mols`` (P only) and
    the kernels ``P["K"]`` (P x P), ``P["KA"]`` (P x A), ``A["K"]`` (A x A).
    ``rho_method``: ``overlap`` (:func:`overlap_rho`), ``likelihood``
    (:func:`likelihood_rho`, which also fixes the GP noise) or ``pooled`` (rho = 1: both
    tasks' compounds pooled, each task centred on its own mean, i.e. a task offset)."""
    keep = np.flatnonzero(aux_mask(A["scaffold"], A["smiles"], P["scaffold"][te], P["smiles"][te]))
    rho, n_pairs = overlap_rho(P["smiles"][tr], P["y"][tr], A["smiles"][keep], A["y"][keep])
    KPP, KPA, KAA = P["K"], P["KA"], A["K"]
    params = QSARModel("consensus", seed=seed).get_params()
    if rho_method == "pooled":
        rho = 1.0
    elif rho_method == "likelihood":
        rho, params["gp_noise"], table = likelihood_rho(
            KPP[np.ix_(tr, tr)],
            KPA[np.ix_(tr, keep)],
            KAA[np.ix_(keep, keep)],
            P["y"][tr],
            A["y"][keep],
        )
        log("  profile NLL by rho: " + ", ".join(f"{k}: {v:.1f}" for k, v in table.items()))

    def fit_predict(ptr, pte, akeep, prm):
        return icm_members(
            prm,
            KPP[np.ix_(ptr, ptr)],
            KPA[np.ix_(ptr, akeep)],
            KAA[np.ix_(akeep, akeep)],
            P["y"][ptr],
            A["y"][akeep],
            KPP[np.ix_(pte, ptr)],
            KPA[np.ix_(pte, akeep)],
            rho,
        )

    members, model = fit_predict(tr, te, keep, params)
    noise = model.members_["gp"].noise_
    # inner scaffold folds of the primary training compounds: stacking and calibration
    inner = make_folds([P["mols"][i] for i in tr], "scaffold", n_inner, seed=seed)
    oof = {name: np.full(len(tr), np.nan) for name in members}
    nn_oof = np.full(len(tr), np.nan)
    for g in np.unique(inner):
        itr, ite = tr[inner != g], tr[inner == g]
        ok = aux_mask(A["scaffold"][keep], A["smiles"][keep], P["scaffold"][ite], P["smiles"][ite])
        m_g, _ = fit_predict(itr, ite, keep[ok], {**params, "gp_noise": noise})
        for name, v in m_g.items():
            oof[name][inner == g] = v
        nn_oof[inner == g] = KPP[np.ix_(ite, itr)].max(axis=1)
    model.weights = stacking_weights(P["y"][tr], oof)
    pred_oof = model.combine(oof)
    conf = NormalizedConformal(alpha).fit(
        P["y"][tr] - pred_oof, difficulty_features(nn_oof, _spread(oof))
    )
    pred = model.combine(members)
    nn = KPP[np.ix_(te, tr)].max(axis=1)
    lo, hi = conf.interval(pred, difficulty_features(nn, _spread(members)))
    log(
        f"  rho {rho:.3f} ({n_pairs} shared training compounds), auxiliary {len(keep)} of "
        f"{len(A['y'])}, GP noise {noise}, weights {model.weights}"
    )
    return pred, lo, hi, {"rho": rho, "n_pairs": n_pairs, "n_aux": len(keep), "w": model.weights}


def likelihood_rho(K_pp, K_pa, K_aa, y_p, y_a, rhos=(0.25, 0.5, 0.75, 0.9), noises=None):
    """rho (and GP noise) maximising the GP profile marginal likelihood of the training
    data (both tasks, each centred on its mean) over a small grid; returns (rho, noise,
    {rho: best negative log likelihood})."""
    from kinetor.qsar.models import profile_nll

    noises = noises or (0.02, 0.05, 0.1)
    r = np.r_[np.asarray(y_p) - np.mean(y_p), np.asarray(y_a) - np.mean(y_a)]
    n = len(r)
    best, table = None, {}
    for rho in rhos:
        for s in noises:
            A = icm_kernel(K_pp, K_pa, K_aa, rho)
            A[np.diag_indices(n)] += s
            nll = profile_nll(A, r)[0]
            table[rho] = min(table.get(rho, np.inf), nll)
            if best is None or nll < best[0]:
                best = (nll, rho, s)
    return best[1], best[2], table
