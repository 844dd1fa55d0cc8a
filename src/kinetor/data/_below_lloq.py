"""The note of ``read_study`` on samples kept as observations below their LLOQ."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["note_below_lloq"]


def note_below_lloq(conc: pd.DataFrame, notes: list[str]) -> None:
    """Name the rows kept as observations below their LLOQ (their BLQ flag says 0)."""
    if not {"conc", "lloq", "blq", "source_row"} <= set(conc.columns):
        return
    v, lloq = (pd.to_numeric(conc[c], errors="coerce").to_numpy(float) for c in ("conc", "lloq"))
    with np.errstate(invalid="ignore"):
        kept = ~conc["blq"].to_numpy(bool) & (v < lloq) & (v >= 0)
    rows = [str(r) for r in conc["source_row"].to_numpy()[kept]]
    if rows:
        notes.append(
            f"BLQ: {len(rows)} sample(s) below their LLOQ kept as observations: their BLQ "
            f"flag says 0 (rows {', '.join(rows[:20])}{', ...' if len(rows) > 20 else ''}); "
            "set the flag to 1 to treat them as BLQ"
        )
