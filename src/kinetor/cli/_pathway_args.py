"""Option values of ``kinetor pathway simulate`` and ``dose-response`` read into what
:class:`kinetor.pathway.Network` takes (the commands are in :mod:`kinetor.cli.pathway`).

Examples
--------
>>> lesion_option(["PTEN_loss;KRAS_mut"]), lesion_option(["PTEN_loss", "KRAS_mut"])
(['PTEN_loss', 'KRAS_mut'], ['PTEN_loss', 'KRAS_mut'])
>>> lesion_option(None)
[]
"""

from __future__ import annotations

import typer

__all__ = ["lesion_option"]


def lesion_option(items: list[str] | None) -> list[str]:
    """The lesion names of repeated ``--lesion`` options, each one name or several joined
    by ``;`` or ``,`` (``--lesion "PTEN_loss;KRAS_mut"``, as ``Network`` reads a string);
    an empty name is a usage error (``Network`` would read it as no lesion). Unknown or
    repeated names are left to ``Network`` (a ModelError naming them)."""
    names = []
    for item in items or []:
        parts = [p.strip() for p in item.replace(",", ";").split(";")]
        if not all(parts):
            raise typer.BadParameter(
                f"an empty name in {item!r}; e.g. --lesion PTEN_loss or "
                "--lesion 'PTEN_loss;KRAS_mut'",
                param_hint="--lesion",
            )
        names += parts
    return names
