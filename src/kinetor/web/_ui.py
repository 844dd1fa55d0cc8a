"""Helpers shared by the pages: escaped tables, the per-session context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


def table(df: pd.DataFrame, table_id: str | None = None, max_rows: int = 500):
    """A DataFrame as an HTML table; every cell and header is HTML-escaped."""
    from shiny import ui

    from kinetor.numerics.formatting import format_g

    df = df.head(max_rows)
    text = df.to_html(
        escape=True,
        index=False,
        na_rep="",
        border=0,
        classes="table table-sm table-striped",
        table_id=table_id,
        float_format=lambda v: format_g(v, 4),
    )
    return ui.HTML(text)


def problems_table(problems: list[dict[str, Any]]):
    """The validation problems as a table: file, row, column, problem, fix."""
    cols = ["file", "row", "column", "problem", "fix"]
    return table(pd.DataFrame(problems, columns=cols), table_id="problems-table")


def error_view(res: dict[str, Any] | None, element_id: str | None = None):
    """A worker's error for the page: its message and, when it has them, every problem
    (file, row, column, problem, fix); None when ``res`` holds no error."""
    from shiny import ui

    if not res or "error" not in res:
        return None
    return ui.div(
        ui.pre(res["error"], class_="text-danger"),
        problems_table(res["problems"]) if res.get("problems") else None,
        id=element_id,
    )


@dataclass
class Ctx:
    """What the pages of one browser session share."""

    user: str
    store: Any
    cfg: Any
    project: Any  # reactive.Value[int | None]: the chosen project
    study: Any  # reactive.Value[int | None]: the chosen study
    studies_changed: Any  # reactive.Value[int]: bumped when a study is stored
