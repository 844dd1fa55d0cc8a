"""Shared CLI plumbing: global flags, output, and error rendering without tracebacks."""

from __future__ import annotations

import json
import math
import sys
import traceback
from pathlib import Path
from typing import Any

from kinetor.cli._study_options import read_with_weights, sheet_choice  # noqa: F401 (re-export)

STATE: dict[str, bool] = {"debug": False, "quiet": False, "json": False}

# the analysis ran and wrote its outputs, but no fit converged (each says why)
EXIT_NOT_CONVERGED = 4


def _width(stream) -> int | None:
    # a terminal sets its own width; in logs and pipes rich would squeeze tables to 80
    return None if stream.isatty() else 160


def _console_class():
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 here; the reader leaving (`kinetor ... | head`) is no error
            _silence_stdout()
            raise BrokenPipeError

    return _Console


def console():
    return _console_class()(stderr=False, highlight=False, soft_wrap=True, width=_width(sys.stdout))


def err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))


def info(message: str) -> None:
    """Print a status line unless ``--quiet`` or ``--json``. The line is plain text: user
    text in it (subject ids, file names) is never read as rich markup."""
    if not (STATE["quiet"] or STATE["json"]):
        console().print(message, markup=False)


def _json_safe(value: Any) -> Any:
    """NaN and infinities as null (strict JSON has no NaN), recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def emit_json(payload: Any) -> None:
    """Print a JSON document (``--json`` mode); NaN and infinities are written as null."""
    text = json.dumps(_json_safe(payload), indent=2, default=str, allow_nan=False)
    sys.stdout.write(text + "\n")


def print_frame(df, title: str | None = None, max_rows: int = 60) -> None:
    """Render a DataFrame as a rich table (or JSON records with ``--json``)."""
    if STATE["json"]:
        emit_json(
            {"title": title, "rows": json.loads(df.to_json(orient="records", double_precision=15))}
        )
        return
    if STATE["quiet"]:
        return
    from rich.table import Table
    from rich.text import Text

    # cells and headers are user text: rich.Text is never read as markup ('[/]' stays)
    table = Table(title=None if title is None else Text(title), show_lines=False)
    for col in df.columns:
        table.add_column(Text(str(col)), overflow="fold")
    for _, row in df.head(max_rows).iterrows():
        table.add_row(*[Text(_fmt(v)) for v in row.tolist()])
    console().print(table)
    if len(df) > max_rows:
        console().print(f"... {len(df) - max_rows} more rows")


def _fmt(value: Any) -> str:
    # floats through the one number formatter; integers and text unchanged (no 1e+05)
    if isinstance(value, float):
        from kinetor.numerics.formatting import format_g  # not at import: --help stays light

        return format_g(value, 4)
    return "" if value is None else str(value)


# output folder -> {file name: (mtime_ns, size)} of what was there before this command
_BEFORE: dict[Path, dict[str, tuple[int, int]]] = {}


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for p in folder.iterdir():
        if p.is_file():
            st = p.stat()
            out[p.name] = (st.st_mtime_ns, st.st_size)
    return out


def refuse_file_out(path: str | Path) -> None:
    """``--out`` names a folder: an existing file there is a ``DataError`` (every command)."""
    from kinetor.errors import DataError, Problem

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise DataError(
            Problem(
                f"--out {p} is a file, not a folder",
                file=str(p),
                fix="give a folder (it is created when absent)",
            )
        )


def out_dir(path: str | Path) -> Path:
    """Create the output folder (``--out``) and remember what it already held, so that the
    report shows only what this command writes (see :func:`html_report`)."""
    from kinetor.errors import DataError, Problem

    refuse_file_out(path)
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            Problem(
                f"cannot create the output folder: {exc.strerror}",
                file=str(p),
                fix="choose a folder you can write to",
            )
        ) from None
    _BEFORE[p.resolve()] = _listing(p)
    return p


def html_report(folder: str | Path, title: str, notes=()) -> Path:
    """Write ``folder/report.html`` from the CSV tables and PNG figures this command just
    wrote there, with a Notes section of ``notes`` (what the command printed as notes).
    Files the folder held before (another run's figures, unrelated tables) are left out and
    left alone; how many is said (``kinetor report DIR --rescan`` reports everything in a
    folder on purpose)."""
    from kinetor.report import write_report

    d = Path(folder)
    before = _BEFORE.get(d.resolve(), {})
    now = _listing(d)
    written = [n for n, sig in now.items() if before.get(n) != sig]
    path, rep = write_report(d, title=title, rescan=True, files=written)
    if notes:
        rep.add_section("Notes")
        for note in notes:
            rep.add_text(str(note))
        path = rep.save(path)
    old = [
        n
        for n in now
        if n not in written and n.lower().endswith((".csv", ".png")) and n != "report.html"
    ]
    if old:
        info(f"{len(old)} file(s) in {d} were not written by this run and are not in the report")
    return path


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def progress():
    """A rich progress bar (disabled with ``--quiet``/``--json``)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        disable=STATE["quiet"] or STATE["json"],
        transient=True,
    )


def report_error(exc: BaseException) -> int:
    """Render an exception for a user; returns the exit code."""
    from rich.markup import escape

    from kinetor.errors import DataError, KinetorError

    if isinstance(exc, BrokenPipeError):
        # the reader of our output left (`kinetor ... | head`): nothing to report
        _silence_stdout()
        return 0

    if STATE["debug"]:
        traceback.print_exception(exc)
    # click-style exceptions (typer vendors click in recent releases, so match by shape)
    if hasattr(exc, "show") and hasattr(exc, "exit_code"):
        if STATE["json"] and hasattr(exc, "format_message"):
            kind = "UsageError" if int(exc.exit_code) == 2 else type(exc).__name__
            emit_json({"error": kind, "message": exc.format_message(), "internal": False})
        else:
            exc.show()
        return int(exc.exit_code)
    if type(exc).__name__ == "Abort":
        return 1
    if isinstance(exc, DataError):
        if STATE["json"]:
            emit_json(
                {
                    "error": "DataError",
                    "message": str(exc),
                    "internal": False,
                    "problems": [p.as_dict() for p in exc.problems],
                }
            )
            return 3
        from rich.table import Table

        table = Table(title=f"{len(exc.problems)} problem(s) in the data", show_lines=False)
        for col in ("file", "row", "column", "problem", "fix"):
            table.add_column(col, overflow="fold")
        from rich.text import Text

        for p in exc.problems:
            table.add_row(
                *[
                    Text(x)
                    for x in (
                        p.file or "",
                        "" if p.row is None else str(p.row),
                        p.column or "",
                        p.message,
                        p.fix or "",
                    )
                ]
            )
        err_console().print(table)
        return 3
    if type(exc).__name__ == "EmptyDataError":  # pandas, on a 0-byte file a reader missed
        exc = KinetorError(
            f"an input file is empty (no header and no rows): check the file you named ({exc})"
        )
    if isinstance(exc, KinetorError | FileNotFoundError):
        if STATE["json"]:
            emit_json({"error": type(exc).__name__, "message": str(exc), "internal": False})
        else:
            err_console().print(f"[bold red]error:[/] {escape(str(exc))}")
        return 3
    if STATE["json"]:  # a bug: still one JSON object for a program reading the output
        emit_json(
            {
                "error": type(exc).__name__,
                "message": f"internal error: {exc}",
                "internal": True,
                "fix": "run again with --debug for the traceback and please report it",
            }
        )
        return 1
    err_console().print(
        f"[bold red]internal error:[/] {type(exc).__name__}: "
        f"{escape(str(exc))}\n"
        "Run again with --debug for the traceback and please report it."
    )
    return 1


def number_pairs(
    items: list[str] | None, option: str, *, positive: bool = False
) -> dict[str, float]:
    """``NAME=VALUE`` options (``--init cl=2 --init v=30``) as ``{name: float}``; a bad item,
    a name given twice or (``positive``) a value that is not finite and > 0 is a usage error
    naming the option. A name may hold spaces (``--noael "guinea pig=8"``)."""
    import typer

    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.rpartition("=")
        try:
            v = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise typer.BadParameter(f"write NAME=VALUE, got {item!r}", param_hint=option)
        if positive and not (math.isfinite(v) and v > 0):
            raise typer.BadParameter(f"{item!r}: the value must be a number > 0", param_hint=option)
        if name.strip() in out:
            raise typer.BadParameter(f"{name.strip()!r} given twice", param_hint=option)
        out[name.strip()] = v
    return out


def exit_if_none_converged(n_fits: int, n_converged: int) -> None:
    """End the command with exit code ``EXIT_NOT_CONVERGED`` (4) when it ran ``n_fits`` > 0
    fits and none converged. Call it after the outputs are written and printed: they stay
    (each fit says ``converged=False`` and why); some fits converged is success (0)."""
    if n_fits > 0 and n_converged == 0:
        raise SystemExit(EXIT_NOT_CONVERGED)  # typer.Exit's code is lost with standalone_mode=False


def choice(value: str, choices: tuple[str, ...], option: str) -> str:
    """``value`` if it is one of ``choices``, else a usage error naming the option."""
    import typer

    if value not in choices:
        raise typer.BadParameter(
            f"{value!r} is not one of: {', '.join(choices)}", param_hint=option
        )
    return value


def limit(name: str, value: float, what: str, option: str) -> None:
    """:func:`kinetor.limits.check` as a usage error naming the option."""
    import typer

    from kinetor.errors import ModelError
    from kinetor.limits import check

    try:
        check(name, value, what)
    except ModelError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def occasions_option():
    """The ``--occasions`` flag of the commands that read a study (NONMEM resets)."""
    import typer

    return typer.Option(
        "--occasions",
        help="NONMEM data: a reset (EVID 3/4) that restarts TIME begins a new occasion, "
        "read as subject ID/k (without it such a reset is refused).",
    )


def mw_option():
    """The ``--mw`` option of the commands that read a study (see :func:`molecular_weights`)."""
    import typer

    return typer.Option(
        "--mw",
        help="Molecular weight (g/mol) for mass <-> molar units: G_PER_MOL for every "
        "analyte, or NAME=G_PER_MOL repeated per analyte.",
    )


def molecular_weights(items: list[str] | None, option: str = "--mw") -> float | dict | None:
    """``--mw`` options as ``read_study``'s ``mw``: one bare ``G_PER_MOL`` for every analyte, or
    ``NAME=G_PER_MOL`` repeated per analyte (not both); each weight finite and > 0."""
    import math

    import typer

    bare: list[float] = []
    named: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.rpartition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not (math.isfinite(weight) and weight > 0) or (sep and not name.strip()):
            raise typer.BadParameter(
                f"{item!r}: write G_PER_MOL or NAME=G_PER_MOL with a weight > 0, e.g. "
                f"{option} 450.5 or {option} parent=450.5",
                param_hint=option,
            )
        if sep:
            named[name.strip()] = weight
        else:
            bare.append(weight)
    if bare and (named or len(bare) > 1):
        raise typer.BadParameter(
            "give one bare G_PER_MOL for every analyte, or NAME=G_PER_MOL per analyte, not both",
            param_hint=option,
        )
    return bare[0] if bare else (named or None)
