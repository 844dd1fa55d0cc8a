"""Numeric columns of a plasma protein binding table (``binding_table``), checked row by row.

Every problem names file, row and column: text or an infinite number, a missing required
concentration, a negative concentration or volume, a zero plasma chamber volume, a zero
denominator concentration or ``c0`` (the recovery divides by it), an ``nsb`` outside
[0, 1), a ``recovery`` outside (0, 1], a ``dilution`` below 1, and a correction column
(``nsb``, ``recovery``, ``dilution``) filled for some rows only: an empty cell there would
silently mean "no correction" next to corrected rows, so it is refused (write 0 for no
NSB, 1 for full recovery or for undiluted plasma).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import Problem

__all__ = ["table_numbers"]

_NONE = {"nsb": "0 for no NSB", "recovery": "1 for full recovery", "dilution": "1 for undiluted"}


def table_numbers(
    df: pd.DataFrame, required: tuple[str, str], rows: np.ndarray, file: str, problems: list
) -> dict[str, np.ndarray]:
    """The numeric columns present (an empty optional cell NaN); problems appended."""
    num = {}
    optional = (
        "v_plasma_initial",
        "v_plasma_final",
        "c0",
        "v_buffer",
        "v_plasma",
        "nsb",
        "recovery",
        "dilution",
    )
    for col in (*required, *[c for c in optional if c in df.columns]):
        raw = df[col]
        v = pd.to_numeric(raw, errors="coerce").to_numpy(float)
        given = (raw.astype("string").fillna("").str.strip() != "").to_numpy()
        needed = col in required
        for i in np.flatnonzero(~np.isfinite(v) & (given | needed)):
            inf = "finite " * bool(np.isinf(v[i]))
            problems.append(
                Problem(
                    f"not a {inf}number: {str(raw.iloc[i])!r}" if given[i] else "missing value",
                    file=file,
                    row=int(rows[i]),
                    column=col,
                    fix="write a plain finite number",
                )
            )
        v = np.where(np.isinf(v), np.nan, v)  # reported above: not judged again
        for i in np.flatnonzero((v < 0) | ((v == 0) & col.startswith("v_plasma"))):
            problems.append(
                Problem(
                    f"{'negative' if v[i] < 0 else 'zero'} value {v[i]:g}",
                    file=file,
                    row=int(rows[i]),
                    column=col,
                    fix="concentrations and volumes are >= 0 (plasma chamber volumes > 0)",
                )
            )
        num[col] = v
    c_den = num[required[1]]
    for i in np.flatnonzero(c_den == 0):
        problems.append(
            Problem(
                "zero concentration in the denominator",
                file=file,
                row=int(rows[i]),
                column=required[1],
                fix="check the sample; fu needs a measurable total/plasma",
            )
        )
    for col, lo, hi in (("nsb", 0.0, 1.0), ("recovery", 0.0, 1.0)):
        if col in num:
            v = num[col]
            bad = ((v >= hi) if col == "nsb" else (v <= lo) | (v > hi)) & np.isfinite(v)
            for i in np.flatnonzero(bad):
                problems.append(
                    Problem(
                        f"{col} {v[i]:g} outside its range",
                        file=file,
                        row=int(rows[i]),
                        column=col,
                        fix=f"{col} is a fraction ({'0 <= NSB < 1' if col == 'nsb' else '0 < recovery <= 1'}), "
                        "not a percentage",
                    )
                )
    if "dilution" in num:
        for i in np.flatnonzero(num["dilution"] < 1):
            problems.append(
                Problem(
                    f"dilution factor {num['dilution'][i]:g} < 1",
                    file=file,
                    row=int(rows[i]),
                    column="dilution",
                    fix="write the factor (10 for 10 % plasma)",
                )
            )
    for col in ("c0", *_NONE):
        if col not in num:
            continue
        v = num[col]
        if col == "c0":
            for i in np.flatnonzero(v == 0):
                problems.append(
                    Problem(
                        "zero c0: the recovery divides by the initial concentration",
                        file=file,
                        row=int(rows[i]),
                        column="c0",
                        fix="give the spiked concentration (> 0), or leave the cell empty "
                        "for no recovery",
                    )
                )
            continue
        empty = np.isnan(v) & (df[col].astype("string").fillna("").str.strip() == "").to_numpy()
        if empty.any() and not empty.all():
            problems.append(
                Problem(
                    f"'{col}' is filled for some rows and empty on row(s) "
                    f"{', '.join(str(int(r)) for r in rows[empty])}: an empty cell would "
                    "silently mean no correction",
                    file=file,
                    row=int(rows[empty][0]),
                    column=col,
                    fix=f"fill in every row ({_NONE[col]}), or remove the column",
                )
            )
    return num
