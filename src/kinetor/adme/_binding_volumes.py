"""Plasma chamber volumes of an equilibrium dialysis table (``binding_table``), per row.

The volume shift :math:`V_\\mathrm{plasma,final}/V_\\mathrm{plasma,initial}` needs both
volumes: a row giving one of them without the other is a ``DataError`` naming the row and
the empty column (it was read as no shift). A row leaving both empty has no shift (1).

The recovery :math:`100 (C_\\mathrm{buffer} V_\\mathrm{buffer} + C_\\mathrm{plasma}
V_\\mathrm{plasma}) / (C_0 V_\\mathrm{plasma,0})` needs the plasma chamber volume at the
end of dialysis, :math:`V_\\mathrm{plasma}` (``v_plasma``, else ``v_plasma_final``), and
the volume of spiked plasma loaded, :math:`V_\\mathrm{plasma,0}` (``v_plasma_initial``,
else ``v_plasma``: a row without a shift loaded what it ends with). A row with neither end
volume, or no loaded volume, has no recovery (NaN).

>>> num = {"v_plasma_initial": np.array([0.2, np.nan, 0.2]),
...        "v_plasma_final": np.array([0.25, np.nan, 0.24]),
...        "v_plasma": np.array([0.25, 0.2, np.nan])}
>>> shift, v_end, v0, problems = plasma_volumes(num, np.array([2, 3, 4]), "d.csv", set())
>>> shift.tolist(), v_end.tolist(), v0.tolist(), problems
([1.25, 1.0, 1.2], [0.25, 0.2, 0.24], [0.2, 0.2, 0.2], [])
"""

from __future__ import annotations

import numpy as np

from kinetor.errors import Problem

__all__ = ["plasma_volumes"]

_PAIR = ("v_plasma_initial", "v_plasma_final")


def plasma_volumes(
    num: dict[str, np.ndarray], rows: np.ndarray, file: str, reported: set
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, list[Problem]]:
    """(volume shift per row, plasma chamber volume at the end per row, plasma volume
    loaded per row, problems); a volume is None where no column could give it.

    ``num`` holds the numeric columns present (an empty cell NaN); ``reported`` the
    ``(row, column)`` pairs already refused (a cell that is not a number), not judged again.
    """
    n = len(rows)
    empty = np.full(n, np.nan)
    initial, final = (num.get(c, empty) for c in _PAIR)
    problems: list[Problem] = []
    if any(c in num for c in _PAIR):
        has_i, has_f = np.isfinite(initial), np.isfinite(final)
        for i in np.flatnonzero(has_i != has_f):
            given, missing = _PAIR if has_i[i] else _PAIR[::-1]
            if (int(rows[i]), given) in reported or (int(rows[i]), missing) in reported:
                continue
            problems.append(
                Problem(
                    f"{given} given without {missing}: the volume shift needs both",
                    file=file,
                    row=int(rows[i]),
                    column=missing,
                    fix=f"fill in {missing} (the plasma chamber volume "
                    f"{'after' if missing.endswith('final') else 'before'} dialysis), or "
                    "leave both plasma chamber volumes empty for no shift (the recovery "
                    "then uses v_plasma)",
                )
            )
    both = np.isfinite(initial) & np.isfinite(final)
    shift = np.where(both, final / np.where(both, initial, 1.0), 1.0)
    v_plasma = num.get("v_plasma", empty)
    both_end = np.isfinite(v_plasma) & np.isfinite(final)
    clash = both_end & ~np.isclose(v_plasma, np.where(both_end, final, 0.0), rtol=1e-9, atol=0)
    for i in np.flatnonzero(clash):
        problems.append(
            Problem(
                f"v_plasma = {v_plasma[i]:g} and v_plasma_final = {final[i]:g} disagree: both "
                "are the plasma chamber volume at the end of dialysis (the recovery's V_plasma)",
                file=file,
                row=int(rows[i]),
                column="v_plasma",
                fix="give the same volume in v_plasma and v_plasma_final, or leave v_plasma "
                "empty (the recovery then uses v_plasma_final)",
            )
        )
    v_end = np.where(np.isfinite(v_plasma), v_plasma, final)
    v0 = np.where(np.isfinite(initial), initial, v_plasma)
    known = "v_plasma" in num or "v_plasma_final" in num
    return shift, v_end if known else None, v0 if known else None, problems
