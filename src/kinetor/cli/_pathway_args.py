"""Option values of ``kinetor pathway simulate``, ``dose-response`` and ``validate`` read into what
:class:`kinetor.pathway.Network` takes (the commands are in :mod:`kinetor.cli.pathway`).

Examples
--------
>>> lesion_option(["PTEN_loss;KRAS_mut"]), lesion_option(["PTEN_loss", "KRAS_mut"])
(['PTEN_loss', 'KRAS_mut'], ['PTEN_loss', 'KRAS_mut'])
>>> lesion_option(None)
[]
>>> context_option(["growth_factor=0", "amino_acids = 0.5"])
{'growth_factor': 0.0, 'amino_acids': 0.5}
"""

from __future__ import annotations

import typer

__all__ = ["context_option", "lesion_option", "reference_option", "split_option"]


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


def context_option(items: list[str] | None) -> dict[str, float]:
    """``--context NAME=LEVEL`` options as ``{name: level}``; a missing ``=``, a name given
    twice, an unknown name or a level that is not a finite number >= 0 is a usage error
    naming ``--context`` (exit 2)."""
    import math

    from kinetor.pathway.lesions import CONTEXTS

    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = (x.strip() for x in item.partition("="))
        if not sep:
            raise typer.BadParameter(
                f"{item!r}: write NAME=LEVEL, e.g. growth_factor=0", param_hint="--context"
            )
        if key not in CONTEXTS:
            raise typer.BadParameter(
                f"{item!r}: unknown input {key!r}; use one of {', '.join(CONTEXTS)}",
                param_hint="--context",
            )
        if key in out:
            raise typer.BadParameter(f"{key!r} given twice", param_hint="--context")
        try:
            level = float(value)
        except ValueError:
            level = math.nan
        if not (math.isfinite(level) and level >= 0):
            raise typer.BadParameter(
                f"{item!r}: the level must be a finite number >= 0 (nominal 0..1), e.g. {key}=0",
                param_hint="--context",
            )
        out[key] = level
    return out


def reference_option(value: str) -> str:
    """``--reference``: ``untreated`` or ``parental``, else a usage error (exit 2)."""
    if value not in ("untreated", "parental"):
        raise typer.BadParameter(
            f"{value!r}: use untreated (the same cell without drug) or parental (the cell "
            "without lesions or protein-total overrides)",
            param_hint="--reference",
        )
    return value


def split_option(value: str | None) -> str | None:
    """``validate --split``: ``train``, ``heldout`` or none, else a usage error (exit 2)."""
    if value not in (None, "train", "heldout"):
        raise typer.BadParameter(
            f"{value!r}: use train or heldout (or leave it out for both)", param_hint="--split"
        )
    return value
