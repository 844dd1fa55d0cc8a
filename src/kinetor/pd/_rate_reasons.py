"""Why a rate-based T/C is undefined: the animals without a growth rate, per group
(used by :func:`kinetor.pd.response.rate_based_tc`)."""

from __future__ import annotations

import pandas as pd

__all__ = ["animals_without_rate", "rate_reason"]


def animals_without_rate(rates: pd.DataFrame) -> dict[str, str]:
    """Per group, the animals whose growth rate is undefined, with why."""
    bad = rates[rates["reason"] != ""]
    return {
        str(grp): ", ".join(
            f"animal {a} ({r})" for a, r in zip(b["animal"], b["reason"], strict=True)
        )
        for grp, b in bad.groupby("group")
    }


def rate_reason(group: str, control: str, missing: dict[str, str]) -> str:
    """Why a group's rate-based T/C is NaN."""
    where = [f"group {g}: {missing[g]}" for g in dict.fromkeys([group, control]) if g in missing]
    if not where:
        return "no animal with a growth rate in the group or the control"
    text = "growth rate undefined in " + "; ".join(where)
    if "fewer than 2" in text:
        text += "; remove an animal measured once or widen the window"
    return text + " (an animal is not left out of its group's mean)"
