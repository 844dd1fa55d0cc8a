"""The one lazy-import shim of kinetor's packages.

``import kinetor`` (and ``import kinetor.qsar``) must stay fast and must not need the
optional dependencies, so their public names are resolved on first use. A package calls
:func:`attach` once and binds the two functions it returns as its module ``__getattr__``
and ``__dir__`` (PEP 562), in the manner of the Scientific Python ``lazy_loader`` (SPEC 1).
``dir()`` then lists exactly the public names that can be imported: the eager ones, the
lazy ones, and the submodules that exist.

>>> import kinetor as kt
>>> "read_study" in dir(kt) and "importlib" not in dir(kt)
True
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(
    package: str,
    names: Mapping[str, str] | None = None,
    submodules: Iterable[str] = (),
    eager: Iterable[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``.

    Parameters
    ----------
    package : the package's ``__name__``.
    names : public name -> module that defines it (loaded on first access).
    submodules : subpackages/modules reachable as attributes (imported on first access).
    eager : public names the package defines itself (listed by ``dir``).
    """
    lazy = dict(names or {})
    subs = frozenset(submodules)
    listed = frozenset(eager)

    def __getattr__(name: str) -> Any:
        if name in lazy:
            value = getattr(importlib.import_module(lazy[name]), name)
        elif name in subs:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)  # later look-ups skip the shim
        return value

    def __dir__() -> list[str]:
        present = {s for s in subs if importlib.util.find_spec(f"{package}.{s}") is not None}
        return sorted(listed | set(lazy) | present)

    return __getattr__, __dir__
