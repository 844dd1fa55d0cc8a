"""The BLQ rule applied within each analysed interval (PKNCA ``conc.blq`` per interval).

:func:`kinetor.nca.rows.usable_rows` applies the rule over a subject's whole timeline (it
validates the rows and serves urine and sparse designs). A multiple-dose profile needs it
per interval: a BLQ trough at 12 h ends the first dosing interval (*last* there) and
starts the next (*first* there), where the whole timeline calls it *middle* and the
``"pknca"`` rule drops it. ``per_interval_blq`` therefore re-applies the rule to the
samples of each (row, profile) pair, from the measured values and the BLQ flags (the
rows the whole-timeline rule dropped come along, marked ``_blq_drop``).

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> rows = pd.DataFrame({"time": [0.0, 1, 12, 13, 24], "conc": [0.0, 5, np.nan, 4, 0],
...                      "blq": [True, False, True, False, True], "lloq": 1.0})
>>> meta = pd.DataFrame({"origin": [0.0, 12.0], "tau": [12.0, 12.0]})
>>> r_idx, r_pid = np.array([0, 1, 2, 2, 3, 4]), np.array([0, 0, 0, 1, 1, 1])
>>> keep, conc, at_end = per_interval_blq(rows, meta, r_idx, r_pid, "pknca")
>>> conc.tolist()   # 12 h: last of the first interval, first of the second -> 0 twice
[0.0, 5.0, 0.0, 0.0, 4.0, 0.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data.blq import apply_blq_rule

__all__ = ["per_interval_blq"]


def per_interval_blq(rows: pd.DataFrame, meta: pd.DataFrame, r_idx, r_pid, rule):
    """``(keep, conc, blq_at_end)`` for the (row, profile) pairs ``r_idx``, ``r_pid``.

    ``keep`` marks the pairs the rule keeps in their profile, ``conc`` their concentration
    (the measured value, or the rule's value of a BLQ sample), ``blq_at_end`` (P,) the
    profiles whose sample at the end of the dosing interval (t = tau) is BLQ and dropped
    by the rule."""
    blq = rows["blq"].to_numpy(bool)[r_idx]
    conc = rows["conc"].to_numpy(float)[r_idx]
    at_end = np.zeros(len(meta), bool)
    if not blq.any():
        return ~np.isnan(conc), conc, at_end
    t = rows["time"].to_numpy(float)[r_idx] - meta["origin"].to_numpy(float)[r_pid]
    lloq = rows["lloq"].to_numpy(float)[r_idx] if "lloq" in rows.columns else np.nan
    pairs = pd.DataFrame(
        {
            "subject": r_pid,  # one profile = one "subject" of the rule
            "time": t,
            "conc": np.where(blq, np.nan, conc),
            "blq": blq,
            "lloq": lloq,
            "exclude": "",
        }
    )
    used = apply_blq_rule(pairs, rule)["conc_used"].to_numpy(float)
    keep = ~np.isnan(used)
    tau = meta["tau"].to_numpy(float)[r_pid]
    with np.errstate(invalid="ignore"):
        end = np.abs(t - tau) <= 1e-9 * np.maximum(1.0, np.abs(tau))
    at_end[r_pid[blq & ~keep & end]] = True
    return keep, used, at_end
