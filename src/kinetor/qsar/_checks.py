"""Input checks of :func:`kinetor.qsar.curate` (and of prediction inputs): the structures
curation drops (attachment points, inorganic structures, oversized molecules) and the
columns it reads, each of which must be the only one of its name.

Examples
--------
>>> from rdkit import Chem
>>> structure_problem(Chem.MolFromSmiles("[Na+].[Cl-]"))[0]
'no organic fragment (no carbon atom): an inorganic structure'
>>> structure_problem(Chem.MolFromSmiles("*c1ccccc1"))[0][:10]
'dummy atom'
>>> size_problem(Chem.MolFromSmiles("C" * 201))
'201 heavy atoms, above the limit of 200 for a small-molecule inhibitor'
>>> structure_problem(Chem.MolFromSmiles("CCO")) is None
True
>>> smiles_text_problem("c1ccccc1 C(=O)O")[0][:28]
'a space or tab inside SMILES'
"""

from __future__ import annotations

import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = [
    "MAX_HEAVY_ATOMS",
    "check_single_columns",
    "size_problem",
    "smiles_text_problem",
    "structure_problem",
]


#: Heavy atoms of a structure's largest fragment above which it is refused: the largest
#: compounds of the shipped mTOR extracts (bivalent rapamycin conjugates, 1,890 Da) have
#: 135, so 200 (about 2,800 Da) leaves room above them, while a polymer or a run-on SMILES,
#: whose fingerprints cost seconds to minutes (docs/qsar.md, section 2), stops here.
MAX_HEAVY_ATOMS = 200


def size_problem(mol) -> str | None:
    """Why a parsed structure is too large to featurise (see :data:`MAX_HEAVY_ATOMS`)."""
    if mol.GetNumHeavyAtoms() <= MAX_HEAVY_ATOMS:
        return None
    from rdkit import Chem

    n = max(sum(mol.GetAtomWithIdx(i).GetAtomicNum() > 1 for i in f) for f in Chem.GetMolFrags(mol))
    if n <= MAX_HEAVY_ATOMS:
        return None
    return f"{n} heavy atoms, above the limit of {MAX_HEAVY_ATOMS} for a small-molecule inhibitor"


def structure_problem(mol) -> tuple[str, str] | None:
    """Why curation drops a parsed structure, and the fix: a dummy atom (``*``, an
    attachment point), no organic fragment (no carbon atom) or too many heavy atoms."""
    atoms = [a.GetAtomicNum() for a in mol.GetAtoms()]
    if 0 in atoms:
        return (
            "dummy atom '*' (an attachment point or R group): not a whole structure",
            "give the whole molecule, or remove the row",
        )
    if 6 not in atoms:
        return (
            "no organic fragment (no carbon atom): an inorganic structure",
            "remove the row (curation keeps the largest organic fragment)",
        )
    why = size_problem(mol)
    return (
        (why, "check the structure (a polymer or a run-on SMILES?), or remove the row")
        if why
        else None
    )


def check_single_columns(frame: pd.DataFrame, columns, file: str) -> None:
    """Each column the curation reads must be the only one of its name (pandas renames a
    repeated header ``IC50`` to ``IC50.1``: :func:`~kinetor.qsar.io.read_activity_table`
    keeps the repeated names in ``attrs``)."""
    repeated = dict(frame.attrs.get("duplicate_columns", {}))
    repeated.update(frame.columns[frame.columns.duplicated()].value_counts().add(1).to_dict())
    bad = [c for c in dict.fromkeys(columns) if c is not None and c in repeated]
    if bad:
        raise DataError(
            [
                Problem(
                    f"{repeated[c]} columns named {c!r}: which one is meant is not guessed",
                    file=file,
                    row=1,
                    column=c,
                    fix="rename or remove all but one of them",
                )
                for c in bad
            ]
        )


def smiles_text_problem(text) -> tuple[str, str] | None:
    """Why a SMILES text (a table cell, a query) is refused before parsing: a space or tab
    inside it (RDKit reads what follows as the molecule's name, so ``c1ccccc1 C(=O)O``
    would silently be benzene). Leading and trailing blanks are not a problem."""
    if isinstance(text, str) and any(ch.isspace() for ch in text.strip()):
        return (
            f"a space or tab inside SMILES {text.strip()!r}: the text after it would be "
            "read as a name, not as part of the structure",
            "remove the space (or put a name in its own column)",
        )
    return None
