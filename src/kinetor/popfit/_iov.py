r"""Inter-occasion variability (IOV) in a population fit.

Occasions are rows of the data set (subjects as read) that belong to one individual: the
periods of a crossover read with ``occasions=True`` (subjects ``"<ID>/<k>"``, the original
ID in ``nonmem_id``) or subjects grouped by a column the user names. Each occasion has its
own time axis and doses: nothing carries over from one occasion to the next (a reset). On
occasion :math:`k` of individual :math:`i`

.. math::

    \log P_{ikp} = \log\theta_p + \text{covariate terms}_{ikp} + \eta_{ip} + \kappa_{ikp},
    \qquad \eta_i \sim N(0, \Omega),\quad \kappa_{ik} \sim N(0, \Pi)

with :math:`\Pi` diagonal, the same on every occasion and the :math:`\kappa` of different
occasions independent (Karlsson & Sheiner 1993, doi:10.1007/BF01113502; NONMEM's
``$OMEGA BLOCK(1) SAME``). The FOCE-I objective of individual :math:`i` integrates over
:math:`b_i = (\eta_i, \kappa_{i1}, \ldots, \kappa_{iK})` together: the EBE search, the
FOCE-I Hessian and the Laplace term are those of :mod:`kinetor.popfit._engine` over
:math:`b_i` with :math:`\Omega_i = \mathrm{diag}(\Omega, \Pi, \ldots, \Pi)`. An individual
with fewer occasions than the most (``n_occ``) is padded with occasions without data:
their :math:`\kappa` has no data, its EBE is 0, and its terms :math:`\log|\Pi|` (in
:math:`\log|\Omega_i|`) and :math:`\log|\Pi^{-1}|` (in :math:`\log|H_i|`) cancel, so the
padding leaves the objective unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.linalg import block_diag

from kinetor.errors import DataError, ModelError, Problem
from kinetor.popfit._data import PopData
from kinetor.popfit._mapping import Design, predict

__all__ = ["IOVDesign", "occasion_slots"]


def _individual_column(study, individual: str | None) -> tuple[pd.Series, str]:
    """Each subject's individual, from ``study.subjects`` or (constant per subject)
    ``study.conc``; by default the ``nonmem_id`` of occasions read from NONMEM data."""
    name = individual or "nonmem_id"
    for table in ("subjects", "conc"):
        frame = getattr(study, table)
        if name in frame.columns:
            values = frame[["subject", name]].astype({name: str})
            varying = values.groupby("subject")[name].nunique()
            if (varying > 1).any():
                s = varying.index[varying > 1][0]
                raise DataError(
                    Problem(
                        f"subject {s} has more than one value of {name!r}",
                        file=study.files.get(table, study.source),
                        column=name,
                        fix=f"give each subject (occasion) one {name}",
                    )
                )
            return values.drop_duplicates("subject").set_index("subject")[name], table
    raise ModelError(
        f"inter-occasion variability needs the individual of each occasion: no column "
        f"{name!r} in the study"
        + (
            ""
            if individual
            else " (NONMEM data read with occasions=True, --occasions, have it only when "
            "some subject's TIME restarts at a reset (EVID 3/4); without such a restart "
            "every subject has one occasion. Otherwise name the column that groups "
            "subjects into individuals with individual=..., --individual)"
        )
    )


def occasion_slots(study, data: PopData, individual: str | None):
    """Individuals (in order of appearance) and ``slot (I, n_occ)``: the row of ``data``
    of each of their occasions (-1 where an individual has fewer)."""
    col, table = _individual_column(study, individual)
    ind = col.reindex(data.subjects)
    missing = ind.isna() | ind.isin(["", "nan"])
    if missing.all():
        raise DataError(
            Problem(
                f"no subject has a value of {col.name!r}",
                file=study.files.get(table, study.source),
                column=str(col.name),
                fix="name the column that gives each occasion's individual (individual=..., "
                "--individual)",
            )
        )
    if missing.any():
        raise DataError(
            [
                Problem(
                    f"subject {s} has no value of {col.name!r}",
                    file=study.files.get(table, study.source),
                    column=str(col.name),
                    fix=f"give the individual of subject {s}",
                )
                for s in ind.index[missing]
            ]
        )
    codes, individuals = pd.factorize(ind.to_numpy())
    counts = np.bincount(codes)
    if counts.max() < 2:
        raise ModelError(
            f"every individual has one occasion ({col.name!r} differs between all "
            f"{len(codes)} subjects): inter-occasion variability cannot be told from "
            "between-subject variability; fit without iov"
        )
    slot = np.full((individuals.size, int(counts.max())), -1)
    seen = np.zeros(individuals.size, int)
    for row, i in enumerate(codes):
        slot[i, seen[i]] = row
        seen[i] += 1
    return np.asarray(individuals, dtype=object), slot


def _view(data: PopData, individuals: np.ndarray, slot: np.ndarray) -> PopData:
    """One row per individual: the occasions' observation columns side by side."""
    fill = np.where(slot >= 0, slot, slot[:, :1])
    empty = (slot < 0)[:, :, None]
    n = slot.shape[0]

    def side(a, pad):
        return np.where(empty, pad, a[fill]).reshape(n, -1)

    first = fill[:, 0]
    return PopData(
        individuals,
        data.t[fill].reshape(n, -1),  # padding keeps finite times (masked by obs)
        side(data.dv, 0.0),
        side(data.lloq, np.nan),
        side(data.obs, False),
        side(data.blq, False),
        side(data.row, -1),
        data.ev_t[first],
        data.ev_amt[first],
        data.ev_kind[first],
        data.covariates.iloc[first],
        data.frame,
        data.conc_factor,
        data.units,
        data.has_depot,
        list(data.notes),
        None if data.ev_until is None else data.ev_until[first],
    )


class IOVDesign(Design):
    """A ``Design`` whose objective rows are individuals and whose random effects are
    :math:`b_i = (\\eta_i, \\kappa_{i1}, \\ldots, \\kappa_{i,n_{occ}})`."""

    def __init__(self, model, occ: PopData, offsets, Z, beta_names, individuals, slot):
        super().__init__(model, _view(occ, individuals, slot), offsets, Z, beta_names)
        self.occ = occ
        self.slot = slot
        self.fill = np.where(slot >= 0, slot, slot[:, :1])
        self.n_occ = slot.shape[1]
        self.iov_idx = np.array([model.params.index(p) for p in model.iov], int)
        self.r = self.iov_idx.size
        self.q = self.q_bsv + self.n_occ * self.r
        self.n_omega += self.r
        self.n_x += self.r
        self.width = self.n_occ * self.K
        K = self.K
        M = np.zeros((self.n_occ * K, self.q))
        for k in range(self.n_occ):
            M[k * K + self.eta_idx, np.arange(self.q_bsv)] = 1.0
            M[k * K + self.iov_idx, self.q_bsv + k * self.r + np.arange(self.r)] = 1.0
        self.M = M
        # each row of occ: its individual and occasion slot
        ii, kk = np.nonzero(slot >= 0)
        self.where = np.empty((occ.n_subjects, 2), int)
        self.where[slot[ii, kk]] = np.column_stack([ii, kk])

    # Omega_i = diag(Omega, Pi, ..., Pi); Pi's log SDs follow Omega's parameters
    def _omega(self, w: np.ndarray) -> np.ndarray:
        om = super()._omega(w[: self.n_omega_bsv])
        with np.errstate(over="ignore"):  # a trial step far out: inf, refused downstream
            pi = np.diag(np.exp(2.0 * w[self.n_omega_bsv :]))
        return block_diag(om, *([pi] * self.n_occ))

    def _omega_w(self, omega: np.ndarray) -> np.ndarray:
        qb = self.q_bsv
        pi = np.diag(omega)[qb : qb + self.r]
        if not np.all(pi > 0):
            raise np.linalg.LinAlgError("an inter-occasion variance is not > 0")
        return np.concatenate([super()._omega_w(omega[:qb, :qb]), np.log(np.sqrt(pi))])

    def natural_omega(self, omega: np.ndarray) -> np.ndarray:
        qb = self.q_bsv
        return np.concatenate(
            [super().natural_omega(omega[:qb, :qb]), np.diag(omega)[qb : qb + self.r]]
        )

    def variance_slots(self) -> list[tuple[str, list[int]]]:
        qb, r = self.q_bsv, self.r
        return super().variance_slots() + [
            (f"iov_{p}", [qb + k * r + j for k in range(self.n_occ)])
            for j, p in enumerate(self.model.iov)
        ]

    def apply(self, base: np.ndarray, eta: np.ndarray) -> np.ndarray:
        return base + eta @ self.M.T

    def shift(self, j: int) -> np.ndarray:
        return self.M[:, j]

    def typical_log(self, mu, beta) -> np.ndarray:
        """(I, n_occ * K): the log typical parameters of each individual's occasions."""
        occ = Design.typical_log(self, mu, beta)
        return occ[self.fill].reshape(self.fill.shape[0], -1)

    def occasion_log(self, mu, beta, eta: np.ndarray | None = None) -> np.ndarray:
        if eta is None:
            return Design.typical_log(self, mu, beta)
        ind = self.apply(self.typical_log(mu, beta), eta)
        ind = ind.reshape(eta.shape[0], self.n_occ, self.K)
        return ind[self.where[:, 0], self.where[:, 1]]

    def kappa(self, eta: np.ndarray) -> np.ndarray:
        """(S_occ, r): the kappa EBEs of every row of ``occ``."""
        kap = eta[:, self.q_bsv :].reshape(eta.shape[0], self.n_occ, self.r)
        return kap[self.where[:, 0], self.where[:, 1]]

    def ebe_frame(self, mu, beta, eta: np.ndarray) -> pd.DataFrame:
        ind = self.occasion_log(mu, beta, eta)
        i, k = self.where[:, 0], self.where[:, 1]
        out = pd.DataFrame(
            {"subject": self.occ.subjects, "individual": self.data.subjects[i], "occasion": k + 1}
        )
        for j, p in enumerate(self.model.eta):
            out[f"eta_{p}"] = eta[i, j]
        kap = self.kappa(eta)
        for j, p in enumerate(self.model.iov):
            out[f"kappa_{p}"] = kap[:, j]
        for m, p in enumerate(self.model.params):
            out[p] = np.exp(ind[:, m])
        return out

    def f(self, logp: np.ndarray, rep: int = 1, idx: np.ndarray | None = None) -> np.ndarray:
        N = logp.shape[0]
        rows = np.arange(N // rep) if idx is None else np.asarray(idx)
        rows = np.repeat(rows, rep) if rep > 1 else rows
        occ_rows = self.fill[rows].reshape(-1)
        d = self.occ
        out = predict(
            self.model.n_cmt,
            logp.reshape(N * self.n_occ, self.K),
            self.model.params,
            d.t[occ_rows],
            d.ev_t[occ_rows],
            d.ev_amt[occ_rows],
            d.ev_kind[occ_rows],
            d.conc_factor,
            self.model.oral,
            None if d.ev_until is None else d.ev_until[occ_rows],
        )
        return out.reshape(N, -1)
