"""Result tables of a population fit: estimates with RSE, EBEs, PRED/IPRED, CWRES, NPDE.

CWRES follow Hooker, Staatz & Karlsson (2007, doi:10.1007/s11095-007-9361-x): the model is
linearised around the EBEs, :math:`E_i = f(\\hat\\eta_i) - a_i\\hat\\eta_i` (CPRED),
:math:`C_i = a_i\\Omega a_i^T + \\mathrm{diag}(V_i)`; each residual is scaled by its own
marginal SD, :math:`CWRES_{ij} = (y_{ij} - E_{ij})/\\sqrt{C_{i,jj}}` (the nlmixr2
convention; the full decorrelation :math:`C_i^{-1/2}` of the paper mixes time points).
NPDE follow Brendel et al. (2006, doi:10.1007/s11095-005-9045-3) and Comets
et al. (2008, doi:10.1016/j.cmpb.2007.12.002): observations and simulations are
decorrelated with the simulated mean and covariance of each subject, the prediction
discrepancy is the fraction of simulations below the observation and NPDE is its normal
quantile. BLQ samples have no CWRES/NPDE (NaN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from kinetor.popfit._boundary import BOUNDARY_DOFV, boundary_text
from kinetor.popfit._engine import Design, _f_and_jac

__all__ = ["assemble", "simulate_design"]

_LOG2PI = np.log(2.0 * np.pi)


def individual_predictions(des: Design, x: np.ndarray, eta: np.ndarray):
    """IPRED (S, T) and its eta-Jacobian at the EBEs."""
    mu, beta, _, _ = des.unpack(x)
    return _f_and_jac(des, des.typical_log(mu, beta), eta)


def n_log2pi(n_obs: int) -> float:
    return n_obs * _LOG2PI


def simulate_design(des: Design, x: np.ndarray, n: int, rng, residual: bool = True):
    """``n`` replicates of the data set's design: (n, S, T) observations and PRED-free IPRED."""
    mu, beta, omega, sig = des.unpack(x)
    S, q = des.data.n_subjects, des.q
    base = des.typical_log(mu, beta)
    eta = rng.multivariate_normal(np.zeros(q), omega, size=(n, S))
    logp = des.apply(np.tile(base, (n, 1)), eta.reshape(n * S, q))
    f = des.f(logp, idx=np.tile(np.arange(S), n)).reshape(n, S, -1)
    if not residual:
        return f, f
    y = f + np.sqrt(des.variance(f, sig)) * rng.standard_normal(f.shape)
    return y, f


def _npde(des: Design, x: np.ndarray, n: int, seed) -> np.ndarray:
    d = des.data
    rng = np.random.default_rng(seed)
    ysim, _ = simulate_design(des, x, n, rng)
    valid = d.obs & ~d.blq
    ysim = np.where(valid[None], ysim, 0.0)
    mean = ysim.mean(0)
    dev = ysim - mean[None]
    C = np.einsum("kst,ksu->stu", dev, dev) / (n - 1)
    T = C.shape[-1]
    eye = np.eye(T, dtype=bool)
    vv = valid[:, :, None] & valid[:, None, :]
    C = np.where(vv, C, np.where(eye[None], 1.0, 0.0))
    C = C + 1e-12 * np.eye(T)[None] * np.trace(C, axis1=1, axis2=2)[:, None, None] / T
    L = np.linalg.cholesky(C)
    obs = np.linalg.solve(L, np.where(valid, d.dv - mean, 0.0)[..., None])[..., 0]
    sims = np.linalg.solve(L[None], dev[..., None])[..., 0]
    pde = (sims < obs[None]).mean(0)
    pde = np.clip(pde, 1.0 / (2 * n), 1.0 - 1.0 / (2 * n))
    return np.where(valid, stats.norm.ppf(pde), np.nan)


def _cwres(des: Design, x: np.ndarray, eta: np.ndarray, f: np.ndarray, a: np.ndarray):
    d = des.data
    _, _, omega, sig = des.unpack(x)
    valid = d.obs & ~d.blq
    V = des.variance(f, sig)
    E = f - np.einsum("stq,sq->st", a, eta)
    # per-observation scaling by the linearised marginal SD (the nlmixr2 convention)
    var = np.einsum("stq,qr,str->st", a, omega, a) + V
    with np.errstate(divide="ignore", invalid="ignore"):  # BLQ before a lag time: var 0
        w = (d.dv - E) / np.sqrt(var)
    return np.where(valid, w, np.nan)


def _iov_rows(des: Design, omega: np.ndarray, eta: np.ndarray, se: np.ndarray) -> list[dict]:
    """Rows ``iov_<p>`` of the variance table (none without occasions); the shrinkage
    of the kappas is taken over the occasions that have data."""
    if not des.r:
        return []
    qb = des.q_bsv
    kap = des.kappa(eta)
    rows = []
    for j, p in enumerate(des.model.iov):
        var = omega[qb + j, qb + j]
        sd = kap[:, j].std(ddof=1) if kap.shape[0] > 1 else np.nan
        rows.append(
            {
                "parameter": f"iov_{p}",
                "variance": var,
                "se": se[j],
                "rse_pct": 100 * se[j] / var,
                "cv_pct": 100 * np.sqrt(np.expm1(var)),
                "shrinkage_pct": 100 * (1 - sd / np.sqrt(var)),
            }
        )
    return rows


def _ci(est, se, log: bool, level: float = 0.95):
    z = stats.norm.ppf(0.5 + level / 2)
    if log:
        return np.exp(np.log(est) - z * se), np.exp(np.log(est) + z * se)
    return est - z * se, est + z * se


def assemble(
    model,
    des: Design,
    x,
    eta,
    ofv,
    cov,
    cov_text,
    converged,
    reason,
    info,
    *,
    npde: bool,
    n_npde: int,
    seed,
    ci_level: float = 0.95,
    dofv: dict[str, float] | None = None,
):
    """The ``PopFitResult`` of estimates ``x``; ``dofv``: the OFV rise per variance set to
    ~0 (:mod:`kinetor.popfit._boundary`), into ``dofv_zero``, ``boundary`` and ``reason``."""
    from kinetor.popfit.fit import PopFitResult

    dofv = dofv or {}

    d = des.data
    mu, beta, omega, sig = des.unpack(x)
    K, nb, no = des.K, des.n_beta, des.n_omega
    se = np.sqrt(np.diag(cov)) if cov is not None else np.full(K + nb + no + sig.size, np.nan)
    units = d.units
    unit_of = {
        "cl": units["clearance"],
        "q": units["clearance"],
        "v": units["volume"],
        "v1": units["volume"],
        "v2": units["volume"],
        "ka": units["rate"],
        "tlag": units["time"],
    }
    typ = np.exp(mu)
    lo, hi = _ci(typ, se[:K], log=True, level=ci_level)
    theta = pd.DataFrame(
        {
            "parameter": list(model.params),
            "estimate": typ,
            "unit": [unit_of[p] for p in model.params],
            "se": typ * se[:K],
            "rse_pct": 100 * se[:K],
            "ci_low": lo,
            "ci_high": hi,
        }
    )
    if nb:
        blo, bhi = _ci(beta, se[K : K + nb], log=False, level=ci_level)
        theta = pd.concat(
            [
                theta,
                pd.DataFrame(
                    {
                        "parameter": des.beta_names,
                        "estimate": beta,
                        "unit": "",
                        "se": se[K : K + nb],
                        "rse_pct": 100 * se[K : K + nb] / np.abs(beta),
                        "ci_low": blo,
                        "ci_high": bhi,
                    }
                ),
            ],
            ignore_index=True,
        )
    names = list(model.eta)
    qb = des.q_bsv
    om_df = pd.DataFrame(omega[:qb, :qb], index=names, columns=names)
    sd_eta = eta[:, :qb].std(axis=0, ddof=1) if eta.shape[0] > 1 else np.full(qb, np.nan)
    shrink = 100 * (1 - sd_eta / np.sqrt(np.diag(omega)[:qb]))
    om_se = se[K + nb : K + nb + no]
    if des.block:
        ii, jj = np.tril_indices(qb)
        rows = [
            {
                "parameter": (f"omega_{names[i]}" if i == j else f"omega_{names[i]},{names[j]}"),
                "variance": omega[i, j],
                "se": om_se[n],
                "rse_pct": 100 * om_se[n] / abs(omega[i, j]),
                "cv_pct": 100 * np.sqrt(np.expm1(omega[i, i])) if i == j else np.nan,
                "shrinkage_pct": shrink[i] if i == j else np.nan,
            }
            for n, (i, j) in enumerate(zip(ii, jj, strict=True))
        ]
    else:
        rows = [
            {
                "parameter": f"omega_{p}",
                "variance": omega[i, i],
                "se": om_se[i],
                "rse_pct": 100 * om_se[i] / omega[i, i],
                "cv_pct": 100 * np.sqrt(np.expm1(omega[i, i])),
                "shrinkage_pct": shrink[i],
            }
            for i, p in enumerate(names)
        ]
    rows += _iov_rows(des, omega, eta, om_se[des.n_omega_bsv :])
    omega_table = pd.DataFrame(rows)
    # variances (and SDs) are positive with a skewed sampling distribution: their Wald
    # intervals are taken on the log scale, SE(log w) = SE(w)/w; covariances symmetric
    var = omega_table["variance"].to_numpy(float)
    diag = ~omega_table["parameter"].str.contains(",").to_numpy(bool)
    llo, lhi = _ci(
        np.abs(var), omega_table["se"].to_numpy(float) / np.abs(var), log=True, level=ci_level
    )
    slo, shi = _ci(var, omega_table["se"].to_numpy(float), log=False, level=ci_level)
    omega_table["ci_low"] = np.where(diag, llo, slo)
    omega_table["ci_high"] = np.where(diag, lhi, shi)
    omega_table["dofv_zero"] = omega_table["parameter"].map(dofv).astype(float)
    s_se = se[K + nb + no :]
    sig_lo, sig_hi = _ci(sig, s_se / sig, log=True, level=ci_level)
    sigma = pd.DataFrame(
        {
            "parameter": list(model.sigma_names),
            "estimate": sig,
            # an additive SD is in the concentration unit; a proportional one is a fraction
            "unit": [units["conc"] if n == "add_sd" else "" for n in model.sigma_names],
            "se": s_se,
            "rse_pct": 100 * s_se / sig,
            "ci_low": sig_lo,
            "ci_high": sig_hi,
            "dofv_zero": [dofv.get(n, np.nan) for n in model.sigma_names],
        }
    )
    variances = dict(zip(omega_table["parameter"], omega_table["variance"], strict=True))
    variances.update(zip(model.sigma_names, sig, strict=True))
    # predictions and residuals
    f, a = individual_predictions(des, x, eta)
    pred = des.f(des.typical_log(mu, beta))
    V = des.variance(f, sig)
    cwres = _cwres(des, x, eta, f, a)
    npde_v = _npde(des, x, n_npde, seed) if npde else np.full(f.shape, np.nan)
    m = d.obs
    frame = d.frame.iloc[d.row[m]].reset_index(drop=True)
    table = frame.assign(
        pred=pred[m],
        ipred=f[m],
        res=frame["dv"] - pred[m],
        iwres=(frame["dv"] - f[m]) / np.sqrt(V[m]),
        cwres=cwres[m],
        npde=npde_v[m],
    )
    ebe = des.ebe_frame(mu, beta, eta)
    n_unc = int((d.obs & ~d.blq).sum())
    n_par = des.n_x
    loglik = -0.5 * (ofv + n_log2pi(n_unc))
    return PopFitResult(
        model=model,
        theta=theta,
        omega=om_df,
        omega_table=omega_table,
        sigma=sigma,
        ofv=ofv,
        loglik=loglik,
        aic=-2 * loglik + 2 * n_par,
        bic=-2 * loglik + n_par * np.log(d.n_obs),
        n_obs=d.n_obs,
        n_subjects=d.n_subjects,
        n_occasions=des.occ.n_subjects if des.r else 0,
        eta_=eta,
        n_params=n_par,
        ebe=ebe,
        table=table,
        cov_method=cov_text,
        cov_=cov,
        converged=converged,
        reason=reason + boundary_text(dofv, variances),
        x_=x,
        units=units,
        data=des.occ,
        design=des,
        covariate_info=info,
        ci_level=ci_level,
        boundary=[n for n, d in dofv.items() if d < BOUNDARY_DOFV],
    )
