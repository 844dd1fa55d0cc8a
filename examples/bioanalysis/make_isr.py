"""Generate ``isr_rat_plasma.csv``: a synthetic incurred-sample-reanalysis table (seeded).

Nothing here is measured data: 30 study samples between 2 and 900 ng/mL (log-uniform), each
re-assayed once with 8 % CV between the two assays and three repeats deliberately off by
25-35 %, so that 27 of 30 lie within 20 % of their mean (ISR passes, ICH M10 section 5).

Run: ``python examples/bioanalysis/make_isr.py`` (rewrites the CSV next to this file).
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261207)
n = 30
original = np.exp(rng.uniform(np.log(2.0), np.log(900.0), n))
repeat = original * rng.lognormal(0.0, 0.08, n)
repeat = original * np.clip(repeat / original, 0.85, 1.17)  # within 20 % of the mean
repeat[[4, 17, 26]] = original[[4, 17, 26]] * np.array([1.35, 0.72, 1.42])  # 3 outside
pd.DataFrame(
    {
        "Sample ID": [f"R{100 + i // 9}-{i % 9 + 1:02d}" for i in range(n)],
        "Original (ng/mL)": np.round(original, 3),
        "Repeat (ng/mL)": np.round(repeat, 3),
    }
).to_csv(Path(__file__).with_name("isr_rat_plasma.csv"), index=False)
