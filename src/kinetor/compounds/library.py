"""The compound library: load every ``data/*.toml`` file, validate it, look compounds up.

Files are read with :mod:`tomllib` and validated at load; every schema violation in every
file is collected and raised together as one :class:`~kinetor.errors.DataError`. Names
and synonyms are matched ignoring case, spaces, dashes and dots, and must be unique
across the library.

Examples
--------
>>> import kinetor as kt
>>> kt.compounds.get("azd-2014").name
'vistusertib'
>>> kt.compounds.get("MLN0128").name
'sapanisertib'
>>> [c.name for c in kt.compounds.search(target="AKT1")]
['capivasertib', 'ipatasertib', 'mk-2206']
>>> "vistusertib" in set(kt.compounds.list()["name"])
True
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from kinetor.compounds import _vocab as V
from kinetor.compounds.compound import Compound, parse_compound
from kinetor.errors import DataError, ModelError, Problem

__all__ = [
    "DATA_DIR",
    "Library",
    "UnknownCompoundError",
    "get",
    "list_compounds",
    "load_library",
    "parse_toml",
    "search",
]

DATA_DIR = Path(__file__).parent / "data"


class UnknownCompoundError(ModelError, KeyError):
    """A name that is no compound of the library (a :class:`~kinetor.errors.ModelError`;
    also a ``KeyError``, which this lookup raised before)."""

    __str__ = Exception.__str__  # the message as written, not KeyError's repr of it


def parse_toml(text: str, file: str = "<string>") -> Compound:
    """Parse and validate one compound from TOML text (raises ``DataError`` on problems).

    >>> c = parse_toml('''
    ... schema_version = 1
    ... name = "demo"
    ... drug_class = "mek"
    ... [[targets]]
    ... name = "MEK1"
    ... role = "primary"
    ... mechanism = "allosteric"
    ... source = "hand-built example"
    ... status = "unverified"
    ... ''')
    >>> c.name, c.pathway_mechanism
    ('demo', 'mek')
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError([Problem(f"not valid TOML: {exc}", file=file)]) from exc
    compound, problems = parse_compound(data, file)
    if problems:
        raise DataError(problems)
    return compound


class Library:
    """All compounds of one data directory, indexed by every name and synonym."""

    def __init__(self, compounds: list[Compound]):
        self.compounds = sorted(compounds, key=lambda c: c.name)
        self._index: dict[str, Compound] = {}
        problems: list[Problem] = []
        for c in self.compounds:
            for n in c.names:
                key = V.name_key(n)
                other = self._index.get(key)
                if other is not None and other is not c:
                    problems.append(
                        Problem(
                            f"name {n!r} of {c.name} is already used by {other.name}",
                            file=Path(c.file).name,
                            column="synonyms",
                            fix="names and synonyms must be unique across the library",
                        )
                    )
                self._index[key] = c
        if problems:
            raise DataError(problems)

    def __len__(self) -> int:
        return len(self.compounds)

    def __iter__(self):
        return iter(self.compounds)

    def get(self, name: str) -> Compound:
        """The compound with this name or synonym (case/dash/space-insensitive).

        Raises :class:`UnknownCompoundError` (a ``ModelError``, and a ``KeyError`` for
        older callers) naming the closest names.
        """
        if not isinstance(name, str):
            raise UnknownCompoundError(f"a compound name must be text, got {name!r}")
        c = self._index.get(V.name_key(name))
        if c is None:
            import difflib

            close = difflib.get_close_matches(V.name_key(name), list(self._index), n=3)
            hint = (
                f"; did you mean {', '.join(close)}?"
                if close
                else f"; no close name (all {len(self)}: kinetor.compounds.list(), "
                "or `kinetor compounds list`)"
            )
            raise UnknownCompoundError(f"no compound {name!r} in the library{hint}")
        return c

    def search(
        self,
        target: str | None = None,
        drug_class: str | None = None,
        mechanism: str | None = None,
        name: str | None = None,
    ) -> list[Compound]:
        """Compounds matching all given filters.

        ``target`` matches a target name or gene (case-insensitive, exact, e.g. ``'mTOR'``,
        ``'PIK3CA'``; ``role`` ignored); ``drug_class`` and ``mechanism`` are exact
        vocabulary words (``mechanism`` is the pathway mechanism); ``name`` is a substring
        of any name or synonym.
        """
        out = []
        for c in self.compounds:
            if target is not None and not any(
                target.lower() in (t.name.lower(), t.gene.lower()) for t in c.targets
            ):
                continue
            if drug_class is not None and c.drug_class != drug_class:
                continue
            if mechanism is not None and c.pathway_mechanism != mechanism:
                continue
            if name is not None and not any(V.name_key(name) in V.name_key(n) for n in c.names):
                continue
            out.append(c)
        return out

    def frame(self):
        """One row per compound: name, synonyms, class, mechanism, primary targets, MW,
        counts of potencies and PK sets, species with a PK model, and number of gaps."""
        import pandas as pd

        rows = []
        for c in self.compounds:
            rows.append(
                {
                    "name": c.name,
                    "synonyms": ", ".join(c.synonyms),
                    "drug_class": c.drug_class,
                    "mechanism": c.pathway_mechanism or "",
                    "targets": ", ".join(t.name for t in c.targets if t.role == "primary"),
                    "mw": c.mw,
                    "n_potency": len(c.potency),
                    "n_pk_sets": len(c.pk),
                    "pk_model_species": ", ".join(
                        sorted({s.species for s in c.pk if s.kind == "model"})
                    ),
                    "stage": c.development["stage"].text() if "stage" in c.development else "",
                    "n_gaps": len(c.gaps),
                }
            )
        return pd.DataFrame(rows)


def _load_dir(directory: Path) -> Library:
    problems: list[Problem] = []
    compounds: list[Compound] = []
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise DataError([Problem("no *.toml compound files", file=str(directory))])
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(f"not valid TOML: {exc}", file=path.name))
            continue
        c, probs = parse_compound(data, str(path))
        problems.extend(
            Problem(p.message, file=path.name, row=p.row, column=p.column, fix=p.fix) for p in probs
        )
        if c.name and path.stem != c.name:
            problems.append(
                Problem(
                    f"file name {path.name!r} differs from name {c.name!r}",
                    file=path.name,
                    column="name",
                    fix=f"rename the file to {c.name}.toml",
                )
            )
        compounds.append(c)
    if problems:
        raise DataError(problems)
    return Library(compounds)


@lru_cache(maxsize=4)
def _cached(directory: str) -> Library:
    return _load_dir(Path(directory))


def load_library(directory: str | Path | None = None) -> Library:
    """Load and validate the library (cached per directory; the packaged one by default)."""
    return _cached(str(Path(directory or DATA_DIR).resolve()))


def get(name: str) -> Compound:
    """``kt.compounds.get("AZD2014")``: a compound by name or synonym."""
    return load_library().get(name)


def search(
    target: str | None = None,
    drug_class: str | None = None,
    mechanism: str | None = None,
    name: str | None = None,
) -> list[Compound]:
    """Compounds by target, class, pathway mechanism or part of a name (see
    :meth:`Library.search`)."""
    return load_library().search(
        target=target, drug_class=drug_class, mechanism=mechanism, name=name
    )


def list_compounds():
    """The library as a DataFrame, one row per compound (see :meth:`Library.frame`)."""
    return load_library().frame()
