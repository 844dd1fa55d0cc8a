"""Generate ``volumes.csv`` and ``exposure.csv``: a synthetic xenograft study (seeded).

Nothing here is measured data. Tumour growth follows the Simeoni et al. 2004 model
(exponential-linear growth, psi = 20, three transit compartments, kill k2 * c * x1),
integrated here with scipy (not with kinetor), volumes in mm^3, time in days:

    lambda0 = 0.273 /day, k1 = 0.968 /day, k2 = 6.29e-4 mL/ng/day (Simeoni 2004 Table 2,
    paclitaxel in A2780, as in nlmixr2lib; status likely), lambda1 = 100 mm^3/day and
    v0 = 120 mm^3 (illustrative choices, so that growth turns linear near 370 mm^3).

Groups: Vehicle and Drug, 8 animals each; calipers on days 0, 3, 7, 10, 14, 17, 21; each
animal's initial volume varies log-normally (SD 0.15), each measurement carries 10 %
log-normal error. Drug: a constant 500 ng/mL from day 0 to day 14 (an osmotic-pump-like
exposure), none afterwards; the vehicle group has concentration 0.

Run: ``python examples/pd/make_pd.py`` (rewrites both CSVs next to this file).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp

rng = np.random.default_rng(20140101)
L0, L1, K1, K2, PSI, V0 = 0.273, 100.0, 0.968, 6.29e-4, 20.0, 120.0
CONC, STOP = 500.0, 14.0
DAYS = np.array([0, 3, 7, 10, 14, 17, 21], float)


def rhs(t, x, conc):
    w = x.sum()
    growth = L0 * x[0] / (1 + (L0 * w / L1) ** PSI) ** (1 / PSI)
    kill = K2 * conc * x[0]
    return [growth - kill, kill - K1 * x[1], K1 * (x[1] - x[2]), K1 * (x[2] - x[3])]


def volumes(v0, conc):
    """Total volume on DAYS; the drug phase and the washout are integrated separately."""
    x0 = [v0, 0.0, 0.0, 0.0]
    kw = {"method": "DOP853", "rtol": 1e-10, "atol": 1e-8}
    first = solve_ivp(rhs, (0, STOP), x0, t_eval=DAYS[DAYS <= STOP], args=(conc,), **kw)
    rest = solve_ivp(
        rhs, (STOP, DAYS[-1]), first.y[:, -1], t_eval=DAYS[DAYS > STOP], args=(0.0,), **kw
    )
    return np.concatenate([first.y.sum(0), rest.y.sum(0)])


rows = []
for group, conc, prefix in (("Vehicle", 0.0, "V"), ("Drug", CONC, "D")):
    for i in range(1, 9):
        v = volumes(V0 * rng.lognormal(0.0, 0.15), conc) * rng.lognormal(0.0, 0.10, DAYS.size)
        rows += [(f"{prefix}{i:02d}", group, d, round(x, 1)) for d, x in zip(DAYS, v, strict=True)]
vol = pd.DataFrame(rows, columns=["animal", "group", "day", "volume (mm3)"])
vol["day"] = vol["day"].astype(int)
here = Path(__file__).parent
vol.to_csv(here / "volumes.csv", index=False)
exposure = pd.DataFrame(
    {
        "group": ["Vehicle"] * 2 + ["Drug"] * 4,
        "day": [0, 21, 0, STOP, STOP, 21],
        "conc": [0.0, 0.0, CONC, CONC, 0.0, 0.0],
    }
)
exposure.to_csv(here / "exposure.csv", index=False)
print(vol.groupby(["group", "day"])["volume (mm3)"].mean().unstack().round(1).to_string())
