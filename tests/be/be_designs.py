"""A simulated 2x2 crossover for the BE tests (one generator for every test file).

ln AUC = 5 + subject effect (SD 0.3) + ``effect`` for the test treatment + ``period`` x
period number + within-subject noise (SD ``sd``); sequences alternate TR, RT. The draws come
in the same order for every setting, so each test file's data are what they were when it
wrote its expected values (from hand calculations on these data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def two_by_two(
    n: int, seed: int, *, effect: float = 0.0, period: float = 0.0, sd: float = 0.15
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        seq = "TR" if i % 2 == 0 else "RT"
        subj = rng.normal(0, 0.3)
        for p, trt in enumerate(seq, start=1):
            y = np.exp(5 + subj + effect * (trt == "T") + period * p + rng.normal(0, sd))
            rows.append(
                {"subject": i + 1, "period": p, "sequence": seq, "treatment": trt, "AUC": float(y)}
            )
    return pd.DataFrame(rows)
