"""A lab table being read by role: its columns found through the alias table, cells as
text, numbers or quantities in one unit, and every problem with its file, row and column.

Shared by the generic reader (concentrations, doses and subjects tables) and the NONMEM
reader.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._buffers import same_memory
from kinetor.data._factorize import factorize
from kinetor.data._text import RawTable, cells_as_text
from kinetor.data._units import resolve_unit
from kinetor.data.aliases import guess_roles, lookalike_columns
from kinetor.data.values import parse_numbers
from kinetor.errors import DataError, Problem

__all__ = ["_Ctx", "_require"]


class _Ctx:
    """The table being read, its roles and where problems go."""

    def __init__(
        self,
        raw: RawTable,
        roles,
        units,
        problems,
        notes,
        allowed=None,
        own_roles_only: bool = False,
    ):
        self.raw, self.f, self.rows, self.file = raw, raw.frame, raw.rows, raw.file
        if own_roles_only:  # a doses/subjects table: overrides that name its columns
            roles = {k: v for k, v in (roles or {}).items() if v in raw.frame.columns}
        self.roles, self.hunits, errs = guess_roles(raw.frame.columns, roles, allowed)
        problems += [Problem(p.message, file=raw.file, column=p.column, fix=p.fix) for p in errs]
        problems += raw.problems
        notes += raw.notes
        notes += [
            f"{raw.file}: column {col!r} is not used, but no {role} column was found and "
            f"it resembles {alias!r} (a typo?): if it is the {role}, rename it or map it with "
            f"--map {role}={col} (roles={{'{role}': '{col}'}} in Python)"
            for col, role, alias in lookalike_columns(raw.frame.columns, self.roles, allowed)
        ]
        self.declared = units or {}
        self.problems, self.notes = problems, notes

    def has(self, role: str) -> bool:
        return role in self.roles

    def col(self, role: str) -> pd.Series:
        return self.f[self.roles[role]]

    def text(self, role: str, default: str = "") -> np.ndarray:
        if not self.has(role):
            out = np.empty(len(self.f), dtype=object)
            out.fill(default)  # much faster than np.full for an object array
            return out
        s = self.raw.text(self.roles[role]).to_numpy(dtype=object)  # stripped text
        if default == "":  # nothing to fill in
            return s.copy()
        empty = s == ""
        return np.where(empty, default, s).astype(object) if empty.any() else s.copy()

    def codes(self, role: str) -> tuple[np.ndarray, np.ndarray]:
        """``factorize(self.text(role))`` (a role without a default), from the codes the
        table's reading kept when the cells are still those it made and no two distinct
        cells became one text (then the same codes, in the same order of appearance)."""
        hit = self.raw.codes.get(self.roles[role]) if self.has(role) else None
        if hit is not None:
            cells, codes, clean = hit
            s = self.f[self.roles[role]]
            if (
                s.dtype == object
                and same_memory(s.to_numpy(object), cells)
                and (codes >= 0).all()
                and len(set(clean[:-1].tolist())) == len(clean) - 1
            ):
                return codes.copy(), clean[:-1]
        return factorize(self.text(role))

    def cells(self, role: str, mask: np.ndarray) -> list[str]:
        """The cells of ``role`` on the rows of ``mask``, as written (for messages)."""
        if not np.asarray(mask).any():  # no problem to describe (the usual case)
            return []
        return cells_as_text(self.col(role)[mask]).tolist()

    def unit_col(self, role: str):
        return self.text(role) if self.has(role) else None

    def numbers(self, role: str, what: str, fix: str) -> np.ndarray:
        values, _, bad = parse_numbers(self.col(role))
        for r, v in zip(self.rows[bad], self.cells(role, bad), strict=True):
            self.problems.append(
                Problem(
                    f"{what} is not a finite number: {v!r}",
                    file=self.file,
                    row=int(r),
                    column=self.roles[role],
                    fix=fix,
                )
            )
        return values

    def quantity(self, role: str, what: str, unit_role: str, unit_name: str, **kw):
        """Numbers of a role converted to one unit: ``(values, unit)``."""
        values = self.numbers(role, what, f"write the {what} as a number")
        return resolve_unit(
            values,
            what=unit_name,
            column=self.roles[role],
            file=self.file,
            rows=self.rows,
            row_units=self.unit_col(unit_role),
            unit_column=self.roles.get(unit_role),
            header_unit=self.hunits.get(role),
            declared=self.declared.get(unit_name),
            notes=self.notes,
            problems=self.problems,
            **kw,
        )


def _require(ctx: _Ctx, needed: list[list[str]], what: str) -> None:
    missing = [alts for alts in needed if not any(ctx.has(r) for r in alts)]
    if missing:
        raise DataError(
            [
                Problem(
                    f"no {' or '.join(alts)} column found in the {what}",
                    file=ctx.file,
                    column=alts[0],
                    fix=f"name a column '{alts[0]}' or map one with --map "
                    f"{alts[0]}=YourColumn (Python: roles={{'{alts[0]}': 'YourColumn'}}); columns "
                    f"are: {', '.join(ctx.f.columns)}",
                )
                for alts in missing
            ]
            + ctx.problems
        )
