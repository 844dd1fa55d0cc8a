"""Readers for structure files: CSV/TSV tables, SMILES files (``.smi``) and SDF.

A structure that cannot be parsed (or is empty, or too large) never stops the run: it is
kept out, named (file, row or SDF record, column) in the returned problems, and the rest
is processed.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "lib.smi").write_text("CCO ethanol\\nnot_a_smiles bad\\nc1ccccc1 benzene\\n")
>>> mols, problems = read_molecules(d / "lib.smi")
>>> mols["id"].tolist()
['ethanol', 'benzene']
>>> print(problems[0])
lib.smi row 2, column 'smiles': unparsable SMILES 'not_a_smiles' (fix: correct the structure or remove the row)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = [
    "RELATION_COLUMNS",
    "SMILES_COLUMNS",
    "read_activity_table",
    "read_molecules",
    "read_query",
    "smiles_column",
]

#: Column names recognised as SMILES (case-insensitive).
SMILES_COLUMNS = ("smiles", "canonical_smiles", "smi", "structure")
#: Column names the CLI reads as the relation (=, <, >) column (case-insensitive).
RELATION_COLUMNS = ("relation", "standard_relation", "standard relation")
_ID_COLUMNS = ("id", "name", "molecule_chembl_id", "compound", "compound_id")


def smiles_column(columns, given: str | None, file: str, repeated=()) -> str | None:
    """The structure column: ``given``, else the one column named as in
    :data:`SMILES_COLUMNS` (any case), else None. Two such columns (``smiles`` and
    ``SMILES``), or a structure column whose name is repeated, are a
    :class:`~kinetor.errors.DataError`: which one is meant is not guessed."""
    found = [str(c) for c in columns if str(c).strip().lower() in SMILES_COLUMNS]
    scol = given or (found[0] if found else None)
    if given is None and len(found) > 1:
        raise DataError(
            Problem(
                f"{len(found)} SMILES columns ({', '.join(map(repr, found))}): which one holds "
                "the structures is not guessed",
                file=file,
                row=1,
                column=found[0],
                fix="name one with --smiles-col (smiles_col= in Python), or remove the other",
            )
        )
    if scol is not None and scol in repeated:
        raise DataError(
            Problem(
                f"{repeated[scol]} columns named {scol!r}: which one holds the structures is "
                "not guessed",
                file=file,
                row=1,
                column=scol,
                fix="rename or remove all but one of them",
            )
        )
    return scol


def _find(columns, candidates) -> str | None:
    lower = {str(c).lower(): c for c in columns}
    for c in candidates:
        if c in lower:
            return lower[c]
    return None


def _text(path: Path) -> str:
    """A text file's content (:func:`kinetor.data._user_table.text_of_file`: a folder, an
    Excel workbook or a binary file is a :class:`~kinetor.errors.DataError` naming it)."""
    from kinetor.data._user_table import text_of_file

    return text_of_file(
        path,
        what="a CSV/TSV/SMILES/SDF text file",
        fix="save it as UTF-8 CSV (or TSV, .smi, .sdf)",
        file=path.name,
    )


def _read_table(path: Path) -> pd.DataFrame:
    import io

    suffix = path.suffix.lower()
    if suffix in (".sdf", ".sd", ".mol"):
        if not path.is_file():
            raise DataError(Problem("is a folder, not a file", file=str(path), fix="name the file"))
        return _read_sdf(path)
    text = _text(path)
    if suffix == ".smi":
        rows = []
        for line in text.splitlines():
            parts = line.split(maxsplit=1)
            rows.append(
                (parts[0], parts[1].strip())
                if len(parts) == 2
                else ((parts[0], "") if parts else ("", ""))
            )
        df = pd.DataFrame(rows, columns=["smiles", "id"])
        if len(df) and df["smiles"].iloc[0].lower() in SMILES_COLUMNS:
            df = df.iloc[1:]  # a header line; the index stays the file line number - 1
        if not (df["smiles"] != "").any():
            df = df.iloc[:0]  # blank lines only: no structures
        df.attrs["first_row"] = 1
        return df
    header = text.split("\n", 1)[0]
    # ';' when the header has more semicolons than commas (ChEMBL's web downloads)
    sep = (
        "\t"
        if suffix in (".tsv", ".tab")
        else ";"
        if header.count(";") > header.count(",")
        else ","
    )
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep)
    except pd.errors.EmptyDataError:
        raise DataError(
            Problem("the file is empty", file=path.name, fix="give a header row and data rows")
        ) from None
    except pd.errors.ParserError as exc:
        raise DataError(
            Problem(
                f"the table cannot be read ({str(exc).strip()})",
                file=path.name,
                fix="give every row the cells of the header (no stray separator or quote)",
            )
        ) from None
    df.attrs["first_row"] = 2
    # pandas renames a repeated header name (IC50, IC50 -> IC50, IC50.1): keep the names
    raw = pd.read_csv(io.StringIO(text), sep=sep, header=None, nrows=1, dtype=str).iloc[0]
    counts = raw.dropna().value_counts()
    df.attrs["duplicate_columns"] = {str(c): int(n) for c, n in counts[counts > 1].items()}
    return df


def _record_error(text: str) -> str:
    """RDKit's reason for an unreadable SDF record (its mol block ``text``): the
    sanitisation error (``Explicit valence for atom # 1 C, 5, is greater than permitted``),
    or that the mol block cannot be parsed (a broken counts or atom line: RDKit only logs
    the parser's message, and kinetor does not redirect RDKit's log)."""
    from rdkit import Chem, rdBase

    _quiet = rdBase.BlockLogs()
    mol = Chem.MolFromMolBlock(text, sanitize=False)
    if mol is None:
        return "RDKit cannot parse its mol block (counts, atom or bond lines)"
    try:
        Chem.SanitizeMol(mol)
    except Exception as exc:  # RDKit's MolSanitizeException and its kin
        return str(exc).strip() or type(exc).__name__
    return "RDKit cannot read it"


def _read_sdf(path: Path) -> pd.DataFrame:
    """An SDF's records as rows (``smiles``, ``id``, ``_record``, the properties). An
    unreadable record keeps its row, without a structure, and its reason in ``_unreadable``
    (``unreadable SDF record N: <RDKit's message>``)."""
    from rdkit import Chem, rdBase

    _quiet = rdBase.BlockLogs()  # reasons go to the rows, not to stderr
    supplier = Chem.SDMolSupplier(str(path), sanitize=True)
    rows: list[dict] = []
    for i, mol in enumerate(supplier):
        if mol is None:
            why = _record_error(supplier.GetItemText(i))
            rows.append(
                {
                    "smiles": None,
                    "_record": i + 1,
                    "_unreadable": f"unreadable SDF record {i + 1}: {why}",
                }
            )
            continue
        props = mol.GetPropsAsDict()
        name = mol.GetProp("_Name") if mol.HasProp("_Name") else ""
        rows.append(
            {
                "smiles": Chem.MolToSmiles(mol),
                "id": props.pop("id", name) or name,
                "_record": i + 1,
                **props,
            }
        )
    df = pd.DataFrame(rows)
    df.attrs["first_row"] = 1
    df.attrs["sdf"] = True
    return df


def read_molecules(
    path: str | Path,
    smiles_col: str | None = None,
    id_col: str | None = None,
    *,
    keep_invalid: bool = False,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a structure file into ``id, smiles`` (plus the file's other columns).

    Parameters
    ----------
    path : path
        ``.csv``, ``.tsv``, ``.smi`` (SMILES, whitespace, name; one per line) or ``.sdf``.
    smiles_col, id_col : str, optional
        Column names (detected when not given).
    keep_invalid : bool
        Keep the rows whose structure cannot be parsed (their ``smiles`` as written, or ``""``
        for an unreadable SDF record), so that a caller can report them in its output instead
        of dropping them.

    Returns
    -------
    (pandas.DataFrame, list of Problem)
        The parsable rows (all rows with ``keep_invalid``), with a 1-based ``row`` column
        (the file row or SDF record), and one problem per structure that is empty, could not
        be parsed or that curation drops (a dummy atom, no carbon atom, too large:
        :func:`~kinetor.qsar._checks.structure_problem`). Two
        SMILES columns (``smiles`` and ``SMILES``) are a :class:`DataError`.
    """
    from rdkit import Chem, rdBase

    from kinetor.qsar._checks import smiles_text_problem, structure_problem

    path = Path(path)
    if not path.exists():
        raise DataError([Problem("no such file", file=str(path), fix="check the path")])
    df = _read_table(path)
    if df.empty:
        raise DataError(
            Problem("no structures in the file", file=path.name, fix="give one structure a row")
        )
    first = df.attrs.get("first_row", 2)
    scol = (
        smiles_col or "smiles"  # an SDF's structures are its mol blocks
        if df.attrs.get("sdf")
        else smiles_column(df.columns, smiles_col, path.name, df.attrs.get("duplicate_columns", {}))
    )
    if scol is None or scol not in df.columns:
        raise DataError(
            [
                Problem(
                    f"no SMILES column (have: {', '.join(map(str, df.columns))})",
                    file=path.name,
                    column=smiles_col,
                    fix=f"name it one of {', '.join(SMILES_COLUMNS)} or pass --smiles-col",
                )
            ]
        )
    icol = id_col or _find(df.columns, _ID_COLUMNS)
    sdf = df.attrs.get("sdf", False)
    rows = df["_record"].to_numpy() if sdf else df.index.to_numpy() + first
    _quiet = rdBase.BlockLogs()
    problems, keep = [], []
    for k, (s, row) in enumerate(zip(df[scol], rows, strict=True)):
        empty = not isinstance(s, str) or not s.strip()
        mol = None if empty else Chem.MolFromSmiles(s)
        fix = "correct the structure or remove the row"
        found: tuple[str, str] | None
        if sdf and not isinstance(s, str):
            found = ("unreadable SDF record", fix)
        elif empty:
            found = ("empty SMILES", fix)
        else:  # as curation: no dummy atoms, inorganic structures or huge molecules
            found = smiles_text_problem(s) or (
                (f"unparsable SMILES {s!r}", fix) if mol is None else structure_problem(mol)
            )
        if found is None or keep_invalid:
            keep.append(k)
        if found is None:
            continue
        problems.append(
            Problem(
                found[0],
                file=path.name,
                row=int(row),
                column=None if sdf else str(scol),
                fix=found[1],
            )
        )
    out = df.iloc[keep].copy()
    out.insert(0, "row", rows[keep] if len(keep) else [])
    # another column already named smiles or id (when --smiles-col names a different one)
    # keeps its content under a name that says it was not read
    for col, role in ((scol, "smiles"), (icol, "id")):
        if col is not None and col != role and col in out.columns and role in out.columns:
            out = out.rename(columns={role: f"{role} (not read)"})
    out = out.rename(columns={scol: "smiles"})
    out["smiles"] = [v if isinstance(v, str) else "" for v in out["smiles"]]
    if icol is not None and icol in out.columns:
        out = out.rename(columns={icol: "id"})
    if "id" not in out.columns:
        out["id"] = ""
    # a row without a name (a .smi line with the SMILES alone, an empty id cell): row<N>
    out["id"] = [
        str(v).strip() if pd.notna(v) and str(v).strip() else f"row{r}"
        for v, r in zip(out["id"], out["row"], strict=True)
    ]
    out = out.drop(columns=["_record", "_unreadable"], errors="ignore")
    cols = ["id", "smiles", "row"] + [c for c in out.columns if c not in ("id", "smiles", "row")]
    return out[cols].reset_index(drop=True), problems


def read_query(smiles: str) -> tuple[pd.DataFrame, list[Problem]]:
    """One SMILES string, or a structure file (``.smi/.csv/.tsv/.sdf``) that exists, as
    :func:`read_molecules` with ``keep_invalid=True`` gives it. A single string that is not a
    structure is a :class:`DataError` (a lone query has no row to keep).
    """
    from rdkit import Chem, rdBase

    path = Path(smiles)
    if path.suffix.lower() in (".smi", ".csv", ".tsv", ".sdf", ".sd") and path.exists():
        return read_molecules(path, keep_invalid=True)
    from kinetor.qsar._checks import smiles_text_problem, structure_problem

    _quiet = rdBase.BlockLogs()  # RDKit stays silent while this lives
    if not smiles.strip():  # RDKit reads '' as a molecule without atoms
        raise DataError(
            Problem(
                "empty SMILES",
                column="SMILES",
                fix="give a SMILES string, or a .smi/.csv/.tsv/.sdf file that exists",
            )
        )
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise DataError(
            Problem(
                f"unparsable SMILES {smiles!r} (and no structure file of that name)",
                column="SMILES",
                fix="correct the SMILES, or give a .smi/.csv/.tsv/.sdf file that exists",
            )
        )
    found = smiles_text_problem(smiles) or structure_problem(mol)
    if found:
        raise DataError(Problem(found[0], column="SMILES", fix=found[1]))
    return pd.DataFrame({"id": ["query"], "smiles": [smiles], "row": [1]}), []


def read_activity_table(path: str | Path) -> pd.DataFrame:
    """Read a training table (CSV/TSV/SDF) as a DataFrame for :func:`~kinetor.qsar.curate`.

    SDF properties become columns; the structure is in ``smiles``. An unreadable SDF
    record keeps its row, without a structure; ``attrs['unreadable']`` maps its position
    to the reason (``unreadable SDF record N: <RDKit's message>``), which
    :func:`~kinetor.qsar.curate` reports when it drops the row, and ``attrs['first_row']``
    is the row number of the first row (1 for an SDF's first record, 2 under a header
    line). A ``.csv`` whose header
    line has more semicolons than commas is read as semicolon-separated, as ChEMBL's web
    download gives it (columns ``Smiles``, ``Standard Relation``, ``Standard Value``,
    ``Standard Units``, ...; name them to :func:`~kinetor.qsar.curate`, whose quoted
    relations such as ``'='`` it accepts).
    """
    path = Path(path)
    if not path.exists():
        raise DataError([Problem("no such file", file=str(path), fix="check the path")])
    df = _read_table(path)
    if df.empty:
        raise DataError(
            Problem(
                "the file has a header row but no data rows",
                file=path.name,
                row=1,
                fix="add one row per measurement under the header",
            )
        )
    bad = df["_unreadable"] if "_unreadable" in df.columns else pd.Series(dtype=object)
    out = df.drop(columns=["_record", "_unreadable"], errors="ignore").reset_index(drop=True)
    out.attrs["duplicate_columns"] = df.attrs.get("duplicate_columns", {})
    out.attrs["first_row"] = df.attrs.get("first_row", 2)
    out.attrs["unreadable"] = {i: str(w) for i, w in enumerate(bad.tolist()) if isinstance(w, str)}
    return out
