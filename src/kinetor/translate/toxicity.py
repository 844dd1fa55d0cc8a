r"""On-target toxicity from the same exposure: hyperglycaemia and the insulin feedback.

PI3K-alpha, AKT and mTOR kinase inhibitors block insulin signalling in liver and muscle as
well as in the tumour: plasma glucose rises, the pancreas secretes more insulin, and the
insulin rise re-activates PI3K signalling in the tumour (Hopkins et al. 2018 Nature
560:499, doi:10.1038/s41586-018-0343-4, status likely: the feedback shown in mice for
PI3K inhibitors).

**Glucose-insulin model.** Topp et al. 2000 J Theor Biol 206:605 (doi:10.1006/jtbi.2000.2150):

.. math::

    \frac{dG}{dt} &= R_0 - (E_{G0} + S_I (1 - E(t))\, I)\, G \\
    I &= \frac{\beta\,\sigma\, G^2}{k\,(\alpha + G^2)} \quad
    \text{(insulin at quasi-steady state: clearance } k = 432/\text{day)} \\
    \frac{d\beta}{dt} &= (-d_0 + r_1 G - r_2 G^2)\, \beta

:math:`E(t) \in [0, 1]` is the loss of insulin action in the host: the inhibition of an
insulin-signalling readout of a wild-type cell in the pathway network at the unbound
plasma concentration (``tox_readout``; default p-PRAS40 T246 for AKT inhibitors, p-AKT S473
otherwise), :math:`E = \max(0, 1 - R/100)`. Parameters (:data:`TOPP_2000`, per day,
mg/dL, uU/mL, mg): :math:`R_0` 864, :math:`E_{G0}` 1.44, :math:`S_I` 0.72, :math:`\sigma`
43.2, :math:`\alpha` 20,000, :math:`k` 432, :math:`d_0` 0.06, :math:`r_1` 0.84e-3,
:math:`r_2` 0.24e-5. Status **unverified**: recalled from Topp 2000 Table 1 (no copy of the
table was available to re-read). They are internally consistent: the
untreated steady state is :math:`G` = 100 mg/dL, :math:`I` = 10 uU/mL, :math:`\beta` = 300
mg (tested), the paper's normal fasting state. They describe a human; the mouse chain uses
them as a surrogate (assumption): the constraint is best read as a relative rise.

**Feedback into the tumour.** The tumour network's ``growth_factor`` context input is
multiplied by :math:`1 + w\,(I(t)/I_0 - 1)` (``insulin_feedback`` :math:`w`, 0 = off, 1 =
the whole growth-factor input follows insulin; :math:`I_0` = 10 uU/mL). In quasi-steady mode
the readouts are tabulated at growth-factor multipliers 0.5-8 (:class:`InsulinTables`) and
interpolated linearly, expressed in % of the untreated tumour at the baseline context.

Examples
--------
>>> import numpy as np
>>> g, ins, beta = glucose_insulin(np.array([0.0, 24.0]), np.zeros((1, 2)))
>>> np.round([g[0, -1], ins[0, -1], beta[0, -1]], 6).tolist()
[100.0, 10.0, 300.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kinetor.errors import ModelError

__all__ = [
    "CTCAE_GRADE3_GLUCOSE",
    "TOPP_2000",
    "InsulinTables",
    "glucose_insulin",
    "insulin_readout",
    "metabolic_summary",
]

TOPP_2000: dict[str, Any] = {
    "R0": 864.0,
    "EG0": 1.44,
    "SI": 0.72,
    "sigma": 43.2,
    "alpha": 20000.0,
    "k": 432.0,
    "d0": 0.06,
    "r1": 0.84e-3,
    "r2": 0.24e-5,
    "units": {
        "R0": "mg/dL/day",
        "EG0": "1/day",
        "SI": "mL/uU/day",
        "sigma": "uU/mL/day/mg",
        "alpha": "mg^2/dL^2",
        "k": "1/day",
        "d0": "1/day",
        "r1": "dL/mg/day",
        "r2": "dL^2/mg^2/day",
    },
    "source": "Topp et al. 2000 J Theor Biol 206:605, doi:10.1006/jtbi.2000.2150, Table 1",
    "status": "unverified (recalled; consistent with the paper's steady state G 100 mg/dL, "
    "I 10 uU/mL, beta 300 mg)",
}
G0, I0, BETA0 = 100.0, 10.0, 300.0
# Fasting glucose > 250 mg/dL is grade 3 hyperglycaemia in CTCAE v4.03 (status likely).
CTCAE_GRADE3_GLUCOSE = 250.0
_LEVELS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)


def insulin_readout(mechanism: str) -> str:
    """The host readout whose inhibition is taken as the loss of insulin action."""
    return "pPRAS40_T246" if "akt" in str(mechanism).lower() else "pAKT_S473"


def glucose_insulin(
    times_h: np.ndarray,
    inhibition: np.ndarray,
    params: Mapping[str, float] | None = None,
    beta_dynamics: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Glucose (mg/dL), insulin (uU/mL) and beta-cell mass (mg) for ``n`` animals.

    Parameters
    ----------
    times_h : (T,) array
        Study grid in hours (starts at 0, the untreated steady state).
    inhibition : (n, T) array
        Loss of insulin action :math:`E(t)` in [0, 1] on the grid (linear between points).
    params : dict, optional
        Replacements for :data:`TOPP_2000`.
    beta_dynamics : bool
        Let the beta-cell mass adapt (False: fixed at 300 mg).

    Returns
    -------
    glucose, insulin, beta : (n, T) arrays
    """
    from kinetor.pd._rhs import solve
    from kinetor.translate._response_rhs import glucose_rhs

    p = {**TOPP_2000, **dict(params or {})}
    t = np.asarray(times_h, float) / 24.0
    e = np.clip(np.asarray(inhibition, float), 0.0, 1.0)
    if e.ndim != 2 or e.shape[1] != t.size:
        raise ModelError(f"inhibition must be (animals, {t.size}), got {e.shape}")
    n = e.shape[0]
    row = [p[k] for k in ("R0", "EG0", "SI", "sigma", "alpha", "k", "d0", "r1", "r2")]
    if not beta_dynamics:
        row[6:] = [0.0, 0.0, 0.0]
    params_arr = np.tile(np.asarray(row, float), (n, 1))
    y0 = np.tile([G0, BETA0], (n, 1)).astype(float)
    out, status = solve(
        glucose_rhs,
        params_arr,
        y0,
        t,
        t,
        np.ascontiguousarray(e[:, None, :]),
        t0=float(t[0]),
        rtol=1e-7,
    )
    if np.any(status):
        raise ModelError(
            f"glucose-insulin integration failed for animals {np.flatnonzero(status).tolist()}"
        )
    g, beta = out[:, 0, :], out[:, 1, :]
    ins = beta * p["sigma"] * g**2 / (p["alpha"] + g**2) / p["k"]
    return g, ins, beta


def metabolic_summary(
    times_h: np.ndarray, glucose: np.ndarray, threshold: float = 200.0
) -> dict[str, np.ndarray]:
    """Per animal: peak glucose (mg/dL), hours above ``threshold`` (linear between grid
    points, crossings counted exactly) and time-averaged glucose."""
    t = np.asarray(times_h, float)
    g = np.asarray(glucose, float)
    a, b = g[:, :-1] - threshold, g[:, 1:] - threshold
    dt = np.diff(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(
            (a > 0) & (b > 0),
            1.0,
            np.where((a > 0) != (b > 0), np.where(a > 0, a, b) / np.abs(a - b), 0.0),
        )
    hours = np.sum(np.nan_to_num(frac) * dt, axis=1)
    mean = np.trapezoid(g, t, axis=1) / max(t[-1] - t[0], 1e-12)
    return {"peak_glucose_mg_dL": g.max(axis=1), "hours_above": hours, "mean_glucose_mg_dL": mean}


class InsulinTables:
    """Tumour readouts (% of the untreated tumour at the baseline context) as a function
    of drug concentration and the insulin-driven growth-factor multiplier."""

    def __init__(
        self,
        lesions: Sequence[str],
        context: Mapping[str, float] | None,
        drugs: tuple,
        parameters: Mapping[str, float] | None = None,
        levels: Sequence[float] = _LEVELS,
        cache=None,
    ):
        from kinetor.translate.signaling import network
        from kinetor.translate.tables import quasi_steady_table

        base = dict(context or {})
        gf0 = float(base.get("growth_factor", 1.0))
        self.levels = np.asarray(levels, float)
        ref0 = self._reference(network(lesions, base, parameters))
        self.tables, self.scales = [], []
        for lv in self.levels:
            ctx = {**base, "growth_factor": gf0 * lv}
            self.tables.append(quasi_steady_table(lesions, ctx, drugs, parameters, cache))
            ref = self._reference(network(lesions, ctx, parameters))
            self.scales.append(ref / ref0)

    @staticmethod
    def _reference(net) -> np.ndarray:
        from kinetor.translate.signaling import readout_names

        res = net.simulate_pairs([], t_end=1.0)
        return np.array([res.reference_values[r] for r in readout_names()])

    def __call__(
        self,
        concs: Sequence[np.ndarray],
        multiplier: np.ndarray,
        columns: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Readouts ``(n, T, R)`` for concentrations and growth-factor multipliers
        ``(n, T)`` (clipped to the tabulated 0.5-8)."""
        cols = list(range(len(self.scales[0]))) if columns is None else list(columns)
        m = np.clip(np.asarray(multiplier, float), self.levels[0], self.levels[-1])
        k = np.clip(np.searchsorted(self.levels, m, side="right") - 1, 0, self.levels.size - 2)
        w = (m - self.levels[k]) / (self.levels[k + 1] - self.levels[k])
        out = np.zeros((*m.shape, len(cols)))
        for j in np.unique(k):
            sel = k == j
            lo = self.tables[j](concs, columns=cols) * self.scales[j][cols]
            hi = self.tables[j + 1](concs, columns=cols) * self.scales[j + 1][cols]
            ww = w[..., None]
            out = np.where(sel[..., None], (1 - ww) * lo + ww * hi, out)
        return out
