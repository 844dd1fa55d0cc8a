"""Plasma chamber volumes of an equilibrium dialysis table (``binding_table``), per row.

The volume shift :math:`V_\\mathrm{plasma,final}/V_\\mathrm{plasma,initial}` needs both
volumes: a row giving one of them without the other is a ``DataError`` naming the row and
the empty column (it was read as no shift). A row leaving both empty has no shift (1). The
volume of spiked plasma loaded, :math:`V_\\mathrm{plasma,0}` of the recovery, is
``v_plasma_initial`` where the row gives it, else that row's ``v_plasma``.

>>> num = {"v_plasma_initial": np.array([0.2, np.nan]),
...        "v_plasma_final": np.array([0.25, np.nan]), "v_plasma": np.array([0.2, 0.2])}
>>> shift, v0, problems = plasma_volumes(num, np.array([2, 3]), "d.csv", set())
>>> shift.tolist(), v0.tolist(), problems
([1.25, 1.0], [0.2, 0.2], [])
"""

from __future__ import annotations

import numpy as np

from kinetor.errors import Problem

__all__ = ["plasma_volumes"]

_PAIR = ("v_plasma_initial", "v_plasma_final")


def plasma_volumes(
    num: dict[str, np.ndarray], rows: np.ndarray, file: str, reported: set
) -> tuple[np.ndarray, np.ndarray | None, list[Problem]]:
    """(volume shift per row, plasma volume loaded per row or None, problems).

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
    v_plasma = num.get("v_plasma")
    v0 = None if v_plasma is None else np.where(np.isfinite(initial), initial, v_plasma)
    return shift, v0, problems
