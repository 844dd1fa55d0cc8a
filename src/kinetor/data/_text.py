"""Raw table input: sniff encoding and delimiter; read delimited text, Excel and SAS XPT.

Every reader starts from a ``RawTable``: all cells as stripped strings (``""`` when empty;
a DataFrame's columns of numbers stay numbers, see ``frame_to_raw``), the columns as
written, and for every data row its row number in the file (1-based, header = row 1 for
text and Excel; the observation number for XPT). Row numbers count physical lines, so
comment or blank lines before the header shift them as a spreadsheet user would expect.

Excel sheets are read by ``kinetor.data._excel``.

Sniffing rules (documented in docs/data.md):

* encoding: a UTF-16 byte-order mark -> UTF-16; else UTF-8 (with or without BOM); else
  cp1252; else latin-1 (which decodes any byte);
* delimiter: of ``, ; TAB |`` the one whose header splits into the most named columns,
  with at least half of the rows fitting them (trailing empty cells aside); when the
  header splits but the rows fit no delimiter, the one that splits it best (the rows of
  the wrong width are then problems); whitespace only when none splits the header
  (NONMEM style);
* decimal comma: in a non-comma file, cells like ``1,5`` (and no ``1.5``) are read as 1.5;
  both marks in number columns are a problem (``kinetor.data._read_decimal``).

>>> raw = read_raw_text(b"Animal;Time (h);Conc\\nR1;0,5;1,2\\n", "x.csv")
>>> raw.frame.to_dict("records"), raw.rows.tolist()
([{'Animal': 'R1', 'Time (h)': '0.5', 'Conc': '1.2'}], [2])
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.data._factorize import factorize
from kinetor.data._read_decimal import decimal_comma
from kinetor.errors import DataError, Problem

__all__ = [
    "RawTable",
    "cells_as_text",
    "frame_to_raw",
    "is_number_column",
    "read_raw",
    "read_raw_text",
]

_DELIMITERS = (",", ";", "\t", "|")
_EXCEL = {".xlsx", ".xlsm", ".xltx", ".xltm"}
_NA_TEXT = {"nan", "NaN", "None", "<NA>", "NaT", "none"}
_LINE_END = re.compile(r"\r\n|\n|\r")


@dataclass
class RawTable:
    """A table as read from a file: string cells, source row numbers, a label for messages."""

    frame: pd.DataFrame
    rows: np.ndarray
    file: str
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # column -> (its cells, codes, distinct texts): what frame_to_raw hashed (_Ctx.codes)
    codes: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.frame)

    def text(self, column: str) -> pd.Series:
        """A column as stripped text cells (``""`` where empty), whatever its dtype."""
        s = self.frame[column]
        return cells_as_text(s) if is_number_column(s) else s

    def as_text(self) -> RawTable:
        """This table with every cell as text (for readers that work on text only)."""
        if not any(is_number_column(self.frame[c]) for c in self.frame.columns):
            return self
        frame = pd.DataFrame(
            {c: self.text(c) for c in self.frame.columns}, index=range(len(self.frame))
        )
        return RawTable(frame, self.rows, self.file, self.notes, self.problems)


def _decode(data: bytes, label: str, notes: list[str]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        notes.append(f"{label}: read as UTF-16")
        return data.decode("utf-16")
    head = data[:4000]
    if len(head) >= 4 and head.count(b"\0") * 3 > len(head):
        # UTF-16 without a byte-order mark: every other byte of ASCII text is a zero
        enc = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            raise DataError(
                Problem(
                    "the file is binary or in an unknown encoding",
                    file=label,
                    fix="save it as CSV in UTF-8",
                )
            ) from None
        notes.append(f"{label}: no byte-order mark; read as {enc.upper()}")
        return text
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc != "utf-8-sig":
            notes.append(f"{label}: not UTF-8, read as {enc}")
        return text
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _split(lines: list[str], delimiter: str | None) -> list[list[str]]:
    if delimiter is None:
        return [ln.split() for ln in lines]
    return list(csv.reader(lines, delimiter=delimiter))


def _extent(cells: list[str]) -> int:
    """The number of cells up to the last non-empty one (trailing empty cells dropped)."""
    n = len(cells)
    while n and not cells[n - 1].strip():
        n -= 1
    return n


def _sniff(lines: list[str]) -> str | None:
    """The delimiter, or None for whitespace-separated text.

    A line fits the header when the reader takes it as it is: no non-empty cell beyond
    the header's cells and none of the header's named columns missing, so trailing empty
    cells (``a,b,`` under ``a,b`` or ``a,b`` under ``a,b,``) do not count against a delimiter.
    A header that a delimiter splits is never read as whitespace-separated: rows that fit
    no delimiter (a cell short on every row) keep that delimiter and are reported by width.
    """
    sample = lines[:60]
    best, best_score = None, (0.0, 0)
    split_any: dict[str, tuple[float, int]] = {}
    for d in _DELIMITERS:
        split = [r for r in _split(sample, d) if r]
        named = _extent(split[0]) if split else 0
        if named < 2:
            continue
        width = len(split[0])
        same = sum(_extent(r) <= width and len(r) >= named for r in split) / len(split)
        score = (round(same, 2), named)
        split_any[d] = score
        if same >= 0.5 and score > best_score:
            best, best_score = d, score
    if best is None and split_any:
        # the header splits, the rows do not fit it: that delimiter still (the rows of
        # the wrong width are then problems naming them), never whitespace
        return max(split_any, key=lambda k: split_any[k])
    if best is None and sample and len(sample[0].split()) > 1:
        return None
    return best or ","


def read_raw_text(data: bytes, label: str) -> RawTable:
    """Parse delimited text (bytes) into a ``RawTable`` with physical row numbers."""
    notes: list[str] = []
    problems: list[Problem] = []
    text = _decode(data, label, notes)
    # only CR/LF end a line: str.splitlines() also breaks at \x1c-\x1e, \x85 and \u2028,
    # which can stand inside a cell and would shift every row number after them
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    start = 0
    while start < len(lines) and (
        not lines[start].strip() or lines[start].lstrip().startswith("#")
    ):
        start += 1
    if start == len(lines):
        raise DataError(
            Problem(
                "the file is empty", file=label, fix="give a file with a header row and data rows"
            )
        )
    body = lines[start:]
    delim = _sniff([ln for ln in body if ln.strip()])
    if delim is None:
        notes.append(f"{label}: whitespace-separated columns")
        parsed = [(i, ln.split()) for i, ln in enumerate(body)]
    else:
        if delim != ",":
            notes.append(f"{label}: delimiter {delim!r}")
        reader = csv.reader(io.StringIO("\n".join(body)), delimiter=delim)
        parsed = []
        prev = 0
        for rec in reader:
            parsed.append((prev, rec))  # line index where this record started
            if reader.line_num - prev > 1:
                # a quote opened a cell that ran over line ends: every row it swallowed
                # would otherwise vanish into one cell
                problems.append(
                    Problem(
                        f"a double quote opens a cell that runs over {reader.line_num - prev} "
                        f"lines (rows {start + prev + 1}-{start + reader.line_num})",
                        file=label,
                        row=start + prev + 1,
                        fix="remove the stray '\"' or close the quoted cell on the same line",
                    )
                )
            prev = reader.line_num
    header = [h.strip() for h in parsed[0][1]]
    records, rows = [], []
    n_comment = 0
    for idx, rec in parsed[1:]:
        if not rec or all(not c.strip() for c in rec):
            continue
        if rec[0].lstrip().startswith("#") and not any(c.strip() for c in rec[1:]):
            # a whole-line comment; a row with cells after '#1' or '#N/A' is data
            n_comment += 1
            continue
        line_no = start + idx + 1
        cells = [c.strip() for c in rec]
        if len(cells) != len(header):
            problems += _width_problem(cells, header, label, line_no)
            cells = (cells + [""] * len(header))[: len(header)]
        records.append(cells)
        rows.append(line_no)
    if n_comment:
        notes.append(f"{label}: {n_comment} comment line(s) starting with '#' skipped")
    if not records:
        raise DataError(
            Problem(
                "the file has a header row but no data rows",
                file=label,
                row=start + 1,
                fix="add the data rows under the header",
            )
        )
    frame = pd.DataFrame(records, columns=_unique(header, label, notes), dtype=object)
    frame = _drop_empty_columns(frame)
    if delim != ",":
        frame = decimal_comma(frame, label, notes, problems, rows)
    return RawTable(frame, np.asarray(rows, dtype=np.int64), label, notes, problems)


def _width_problem(cells: list[str], header: list[str], label: str, row: int) -> list[Problem]:
    """A row with cells beyond the header, or fewer cells than the header's named columns
    (its last cells lost: the row would be read with the wrong cells blank). Empty cells
    written as separators (``a,b,,``) count; so does an unnamed trailing header column."""
    named = max((i + 1 for i, h in enumerate(header) if h.strip()), default=0)
    if any(cells[len(header) :]):
        fix = "remove the extra cells or add a header for them"
    elif len(cells) < named:
        fix = "add the missing cells (an empty cell still takes its separator) or remove the row"
    else:
        return []
    n = len(header) if len(cells) > len(header) else named
    msg = f"{len(cells)} cells but the header has {n} columns"
    return [Problem(msg, file=label, row=row, fix=fix)]


def _unique(header: list[str], label: str, notes: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header):
        name = h or f"_unnamed_{i + 1}"
        if name in seen:
            seen[name] += 1
            notes.append(
                f"{label}: column {name!r} appears twice; the second is {name}.{seen[name]}"
            )
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _drop_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    drop = [c for c in frame.columns if c.startswith("_unnamed_") and (frame[c] == "").all()]
    return frame.drop(columns=drop)


def is_number_column(s: pd.Series) -> bool:
    """A DataFrame column of real numbers (float or int, plain or nullable; not bool)."""
    dt = s.dtype
    return (
        pd.api.types.is_numeric_dtype(dt)
        and not pd.api.types.is_bool_dtype(dt)
        and not pd.api.types.is_complex_dtype(dt)
    )


def cells_as_text(s: pd.Series, keep: dict | None = None) -> pd.Series:
    """One column as stripped text cells, ``""`` where missing (NaN, None, ``"nan"``...).

    Columns of strings are converted through their distinct values (a study column holds
    few: subject ids, routes, units), so the per-cell work is a hash lookup in C.
    """
    s = s.reset_index(drop=True)
    if isinstance(s.dtype, pd.StringDtype) or (
        s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
    ):
        codes, uniq = factorize(s.to_numpy(object))
        clean = np.array([*map(str.strip, uniq), ""], dtype=object)  # str cells (NA: -1)
        if not _NA_TEXT.isdisjoint(clean.tolist()):
            clean[np.isin(clean, list(_NA_TEXT))] = ""
        if keep is not None:  # the cells are clean[codes] (``keep``: a caller's store)
            keep["codes"] = (codes, clean)
        return pd.Series(clean[codes], dtype=object)  # code -1 (missing) -> ""
    text = s.astype(str).str.strip()
    text[s.isna().to_numpy() | text.isin(_NA_TEXT).to_numpy()] = ""
    return text.astype(object)


def frame_to_raw(df: pd.DataFrame, label: str = "<DataFrame>", first_row: int = 2) -> RawTable:
    """A DataFrame as a ``RawTable``.

    Text columns become stripped text cells; columns of numbers (float or int dtype) are
    kept as numbers, so that a numeric DataFrame is never written out to text and parsed
    back (``RawTable.text`` gives any column as text, exactly as ``str`` writes it).
    """
    cols: dict[str, pd.Series] = {}
    kept: dict[str, dict] = {}
    for col in df.columns:
        s, name = df[col].reset_index(drop=True), str(col).strip()
        cols[name] = s if is_number_column(s) else cells_as_text(s, kept.setdefault(name, {}))
    out = pd.DataFrame(cols, index=range(len(df)), copy=False)  # copy-on-write: shared
    raw = RawTable(out, np.arange(first_row, first_row + len(df), dtype=np.int64), label)
    raw.codes = {c: (out[c].to_numpy(object), *k["codes"]) for c, k in kept.items() if k}
    return raw


def read_raw(source, sheet=None) -> RawTable:
    """Read a path (text, Excel, XPT) or a DataFrame into a ``RawTable``."""
    if isinstance(source, pd.DataFrame):
        return frame_to_raw(source)
    path = Path(source)
    if not path.is_file():
        what, fix = ("a folder, not a file", "give the data file's path inside it")
        if not path.is_dir():
            what, fix = "no such file", "check the path"
        raise DataError(Problem(f"{what}: {path}", file=str(path), fix=fix))
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError(
            Problem(
                "old .xls workbooks are not read",
                file=path.name,
                fix="save the sheet as .xlsx or CSV",
            )
        )
    try:
        if suffix in _EXCEL:
            from kinetor.data._excel import read_excel  # imports this module

            return read_excel(path, sheet)
        if suffix == ".xpt":
            df = pd.read_sas(path, format="xport", encoding="latin-1")
            return frame_to_raw(df, path.name, first_row=1)
        data = path.read_bytes()
    except DataError:
        raise
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        from kinetor.data._excel import unreadable  # only the binary readers raise

        raise DataError(unreadable(path, suffix, sheet, exc)) from None  # ValueError...
    return read_raw_text(data, path.name)
