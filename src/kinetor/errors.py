"""One error hierarchy for kinetor.

``KinetorError`` is the root; ``DataError`` (bad user data), ``ModelError`` (a model that
cannot be built or solved as asked) and ``UnitError`` (unknown or incompatible units)
derive from it. The CLI turns any ``KinetorError`` into a message without a traceback.

A ``DataError`` carries every problem found, not just the first: each ``Problem`` names the
file, the row (1-based, as a spreadsheet user counts it, header = row 1), the column, what is
wrong and how to fix it.

Examples
--------
>>> err = DataError([Problem("negative concentration -1.0", file="pk.csv", row=3,
...                          column="conc", fix="concentrations must be >= 0")])
>>> print(err)
1 problem in the data:
  pk.csv row 3, column 'conc': negative concentration -1.0 (fix: concentrations must be >= 0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DataError", "KinetorError", "ModelError", "Problem", "UnitError"]


class KinetorError(Exception):
    """Base class of every error kinetor raises on purpose."""


class ModelError(KinetorError):
    """A model cannot be built, parameterised or solved as requested."""


class UnitError(KinetorError, ValueError):
    """A unit is unknown, or two quantities have incompatible dimensions."""


@dataclass(frozen=True)
class Problem:
    """One violation found in user data.

    Parameters
    ----------
    message : str
        What is wrong, with the offending value.
    file : str, optional
        File name (or ``"<DataFrame>"``).
    row : int, optional
        1-based row number in the file, header counted as row 1 for delimited text.
    column : str, optional
        Column name as written in the file.
    fix : str, optional
        How to fix it.
    """

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    fix: str | None = None

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        where = " ".join(parts)
        if self.column:
            where = f"{where}, column '{self.column}'" if where else f"column '{self.column}'"
        return where

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} (fix: {self.fix})" if self.fix else text

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "problem": self.message,
            "fix": self.fix,
        }


class DataError(KinetorError, ValueError):
    """Malformed input data; lists every problem found.

    Parameters
    ----------
    problems : iterable of Problem or str
        All violations found. A plain string is wrapped into a ``Problem``.
    """

    def __init__(self, problems: Iterable[Problem | str] | Problem | str):
        if isinstance(problems, Problem | str):
            problems = [problems]
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(str(p)) for p in problems
        ]
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the data:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def to_frame(self):
        """The problems as a DataFrame (file, row, column, problem, fix)."""
        import pandas as pd

        return pd.DataFrame(
            [p.as_dict() for p in self.problems],
            columns=["file", "row", "column", "problem", "fix"],
        )
