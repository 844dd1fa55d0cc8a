r"""Uncertainty of a virtual study's TGI, and the animals per arm a real study would need.

:func:`replicate_tgi` repeats the same study design ``n_replicates`` times with independent
animals (PK variability, tumour variability, caliper noise) and, with
``parameter_uncertainty=True``, a fresh draw per replicate of every tumour parameter that
carries a range (``TumorSpec.ranges``: ``low``/``high`` in ``tumors.toml`` or ``ranges=`` in
a tumour dict; uniform between the bounds, shared by all arms of one replicate). Per arm it
reports

* ``tgi_typical_pct``: the typical animal (no variability, no noise, central parameters);
* ``tgi_population_mean_pct``: TGI of the population-mean volumes (all replicates pooled);
* ``tgi_median_pct`` and ``tgi_lo_pct``/``tgi_hi_pct``: the median and the central
  ``level`` interval (percentiles) of the TGI of a study of ``n_animals`` per arm: what one
  study of that size would show, 95 % of the time.

TGI is the delta formula of ``kinetor.pd.tgi`` on group means of measured volumes
(:math:`100 (1 - \Delta T / \Delta C)`, day 0 to the last day), computed for all replicates
at once. The replicates run in batches of ``batch`` studies through one vectorised
``run_study`` call each (quasi-steady pathway mode by default), in ``n_jobs`` processes;
batch ``b`` draws from ``SeedSequence([seed, b])``, so results do not depend on ``n_jobs``.

:func:`power` turns the simulated between-animal variability into a sample size: animals
per arm for a two-sided Welch t-test on the per-animal volume change
:math:`\Delta V_i = V_i(\text{end}) - V_i(0)` to detect a TGI difference :math:`\delta`
(percentage points; :math:`\delta\,\overline{\Delta V}_C / 100` on the volume scale) at
level :math:`\alpha` with power :math:`1 - \beta`. It is simulation-based
(:func:`sample_size`): animals are resampled from a large simulated pool per arm and the
test is run ``n_sim`` times per candidate ``n``. The normal-theory value
:math:`n = 2 (z_{1-\alpha/2} + z_{1-\beta})^2 \sigma^2 / \delta^2` is reported beside it.

Examples
--------
>>> import numpy as np
>>> def draw(n, n_sim, rng):            # normal endpoint, sigma 1, difference 1
...     return rng.normal(0, 1, (n_sim, n)), rng.normal(1, 1, (n_sim, n))
>>> ss = sample_size(draw, alpha=0.05, power=0.8, n_sim=4000, seed=1)
>>> 16 <= ss.n <= 18                       # closed form 15.7 (z-test); t-test ~ 17
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kinetor.translate._uncertainty_power import PowerResult, design_summary, power
from kinetor.translate._uncertainty_replicates import ReplicateResult, replicate_tgi
from kinetor.translate._uncertainty_sample_size import (
    SampleSize,
    normal_sample_size,
    sample_size,
)

__all__ = [
    "PowerResult",
    "ReplicateResult",
    "SampleSize",
    "design_summary",
    "normal_sample_size",
    "power",
    "replicate_tgi",
    "sample_size",
    "sensitivity",
]


def sensitivity(
    compound: str = "vistusertib",
    regimen: str = "15 mg/kg PO QD x 21 days",
    tumor: Any = "MCF7",
    species: str = "mouse",
    cases: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Typical-animal TGI under alternative assumptions, against the default chain.

    ``cases`` maps a label to ``run_study`` overrides (``{"tumor": {...}}`` entries are
    merged into the tumour, e.g. ``{"tumor": {"kill_rate": 0.3}}``). The default cases
    cover the assumptions left in the chain: mouse fu (0.05 vs 0.5: the network input is
    linear in fu, so fu x 10 is run as ``exposure="tumor", kp_uu=10``), Kp,uu, kill rate,
    kill threshold, growth law, doubling time and the insulin feedback.

    Returns
    -------
    DataFrame
        ``case, tgi_typical_pct, delta_vs_default_pct``.
    """
    from kinetor.translate.study import run_study
    from kinetor.translate.tumors import get_tumor

    base_t = get_tumor(tumor)
    if cases is None:
        cases = {
            "default (fu 0.05, Kp,uu 1, no kill, exponential, T_d as tabulated)": {},
            "mouse fu 0.5 instead of 0.05": {"exposure": "tumor", "kp_uu": 10.0},
            "Kp,uu 0.3": {"exposure": "tumor", "kp_uu": 0.3},
            "Kp,uu 3": {"exposure": "tumor", "kp_uu": 3.0},
            "kill rate 0.1 /day (threshold 0.5)": {"tumor": {"kill_rate": 0.1}},
            "kill rate 0.3 /day (threshold 0.5)": {"tumor": {"kill_rate": 0.3}},
            "kill rate 0.3 /day, threshold 0.2": {
                "tumor": {"kill_rate": 0.3, "kill_threshold": 0.2}
            },
            "Gompertz growth, vmax 2000 mm^3": {
                "tumor": {"growth_law": "gompertz", "vmax": 2000.0}
            },
            "logistic growth, vmax 2000 mm^3": {
                "tumor": {"growth_law": "logistic", "vmax": 2000.0}
            },
            "exponential-linear, lambda1 50 mm^3/day": {
                "tumor": {"growth_law": "exponential_linear", "linear_rate": 50.0}
            },
            "doubling time x 0.7": {"tumor": {"doubling_time": base_t.doubling_time * 0.7}},
            "doubling time x 1.4": {"tumor": {"doubling_time": base_t.doubling_time * 1.4}},
            "insulin feedback w = 1": {"insulin_feedback": 1.0},
        }
    rows = []
    for label, over in cases.items():
        over = dict(over)
        tum = {"base": base_t, **dict(over.pop("tumor", {}))}
        res = run_study(
            compound,
            species,
            tum,
            regimen,
            n_animals=1,
            seed=0,
            pk_variability=None,
            tumor_variability=False,
            noise=False,
            readouts=(),
            **over,
        )
        tgi = res.tgi.set_index("arm")["tgi_pct"].drop(res.control)
        rows.append({"case": label, "tgi_typical_pct": float(tgi.iloc[0])})
    out = pd.DataFrame(rows)
    out["delta_vs_default_pct"] = out["tgi_typical_pct"] - out["tgi_typical_pct"].iloc[0]
    return out
