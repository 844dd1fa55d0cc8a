"""Entry point of the ``kinetor`` command.

Exit codes
----------
0  success
1  unexpected internal error (a bug: please report it with ``--debug`` output)
2  usage error (unknown option, bad argument)
3  the data or the model were rejected (``DataError``, ``UnitError``, ``ModelError``)
4  the analysis ran and wrote its outputs, but no fit converged (each fit says
   ``converged=False`` and why): ``fit``, ``popfit``, ``pd fit``

With ``--json`` every error is one JSON object on stdout: ``error`` (the kind:
``UsageError``, ``DataError`` with its ``problems``, ``ModelError``...), ``message`` and
``internal`` (true only for exit code 1, with a ``fix``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from kinetor.cli import _common

app = typer.Typer(
    name="kinetor",
    help="Preclinical and translational pharmacology of PI3K/AKT/mTOR inhibitors: "
    "study data, NCA, PK models, pathway network, virtual xenografts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        import kinetor

        sys.stdout.write(f"kinetor {kinetor.__version__}\n")
        raise typer.Exit()


@app.callback()
def _global(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the kinetor version and exit.",
        is_eager=True,
        callback=_print_version,
    ),
) -> None:
    _common.STATE.update(debug=debug, quiet=quiet, json=json_out)


def _register_all() -> None:
    import kinetor.cli as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "main":
            continue
        module = importlib.import_module(f"kinetor.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (documented in this module's docstring)."""
    try:
        app(args=argv, standalone_mode=False)
    except SystemExit as exc:  # typer's own exits (--help, usage errors)
        return int(exc.code or 0)
    except Exception as exc:  # the one place where every error is rendered
        return _common.report_error(exc)
    return 0


def _entry() -> None:
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left before the last lines were flushed
        _common.report_error(BrokenPipeError())
    sys.exit(code)


if __name__ == "__main__":
    _entry()
