"""Carry-over: the blank injected right after the highest calibration standard.

ICH M10 (2022, carry-over): carry-over in the blank sample following the highest
calibration standard should not be greater than 20 % of the analyte response at the LLOQ
and 5 % of the response of the internal standard. It needs the order of injection, which
an exported run table does not always keep: the optional ``injection_order`` column gives
it. For every standard at the highest nominal level, the next injection of the run is
taken; if it is a blank (or a zero sample, which carries IS by design: its analyte response
only), its analyte area is compared with the mean analyte area of the LLOQ standard(s) and
a blank's IS area with their mean IS area; the worst of each is reported. Informational,
as the selectivity checks (``required=False``): a contaminated blank does not reject a run
by itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.bioanalysis.acceptance import _EPS, Criteria, _at_level
from kinetor.bioanalysis.samples import _row, _user_exclude

__all__ = ["carry_over_rows"]

_SOURCE = "ICH M10 (2022) carry-over (blank after the highest standard)"


def _not_checked(key: str, why: str) -> list[dict]:
    return [
        _row(
            "carry-over after the highest standard",
            np.nan,
            "needs injection_order",
            False,
            required=False,
            source=_SOURCE,
            note=f"{why}: not checked",
            analyte=key,
        )
    ]


def carry_over_rows(
    run: pd.DataFrame, std: pd.DataFrame, key: str, lloq_nominal: float, crit: Criteria
) -> list[dict]:
    """Carry-over rows of analyte ``key`` (module docstring)."""
    order = run["injection_order"] if "injection_order" in run.columns else None
    if order is None or order.isna().all():
        return _not_checked(key, "no injection_order column")
    ranked = run[order.notna()].sort_values("injection_order", kind="stable")
    top = std["nominal_conc"].max()
    uloq_ids = set(std.loc[_at_level(std["nominal_conc"].to_numpy(), top), "sample_id"])
    ids = ranked["sample_id"].tolist()
    after = [ranked.iloc[i + 1] for i, s in enumerate(ids[:-1]) if s in uloq_ids]
    blanks = [
        r
        for r in after
        if r["sample_type"] in ("blank", "zero")
        and r["analyte"] in (key, "")
        and _user_exclude(r.to_frame().T)[0] == ""
    ]
    if not blanks:
        return _not_checked(key, "no blank injected right after a standard at the highest level")
    at_lloq = std[_at_level(std["nominal_conc"].to_numpy(), lloq_nominal)]
    names = ", ".join(str(b["sample_id"]) for b in blanks)
    rows = []
    ref = float(at_lloq["analyte_area"].mean())
    worst = max(float(b["analyte_area"]) for b in blanks)
    if np.isfinite(ref) and ref > 0 and np.isfinite(worst):
        pct = 100.0 * worst / ref
        rows.append(
            _row(
                "carry-over: analyte response after the highest standard",
                pct,
                f"<= {crit.blank_analyte_pct_lloq:g}% of LLOQ",
                pct <= crit.blank_analyte_pct_lloq + _EPS,
                required=False,
                source=_SOURCE,
                note=f"largest analyte area of {names} as % of mean LLOQ area",
                analyte=key,
            )
        )
    else:
        return _not_checked(key, "no analyte_area for the blank(s) or the LLOQ standards")
    pure = [b for b in blanks if b["sample_type"] == "blank"]
    is_ref = float(at_lloq["is_area"].mean())
    is_worst = max((float(b["is_area"]) for b in pure), default=np.nan)
    if pure and np.isfinite(is_ref) and is_ref > 0 and np.isfinite(is_worst):
        pct = 100.0 * is_worst / is_ref
        rows.append(
            _row(
                "carry-over: IS response after the highest standard",
                pct,
                f"<= {crit.blank_is_pct:g}% of LLOQ IS",
                pct <= crit.blank_is_pct + _EPS,
                required=False,
                source=_SOURCE,
                note="largest IS area of the blank(s) after the highest standard as % of "
                "the mean IS area of the LLOQ standard(s)",
                analyte=key,
            )
        )
    return rows
