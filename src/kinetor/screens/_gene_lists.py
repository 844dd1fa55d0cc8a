"""Gene and guide lists (:func:`read_gene_list`): one id per line, or a column of a table.

Of a table the column is chosen by its header, compared without case, spaces, ``_``, ``-``
or ``.``: a guide column (``sgRNA``, ``guide``) first, then a gene-symbol column (``Gene
Symbol``, ``symbol``, ``HGNC symbol``, ``gene name``, ``gene``, ``target``...), then
``name``, and an id column (``id``, ``gene_id``, ``Entrez``...) only where there is none of
these. Which column was read is kept on the list (:class:`GeneList`).

Examples
--------
>>> import io
>>> genes = read_gene_list(io.StringIO("id,score,Gene Symbol\\n1,0.5,PTEN\\n2,0.1,MTOR\\n"))
>>> genes, genes.column, genes.position
(['PTEN', 'MTOR'], 'Gene Symbol', 3)
>>> read_gene_list(io.StringIO("PTEN\\nMTOR\\n")).position is None
True
"""

from __future__ import annotations

import re

from kinetor.errors import DataError, Problem
from kinetor.screens._text_tables import _delimiter, _name, _read_text

__all__ = ["GeneList", "read_gene_list"]

# header names (normalised: lower case, no spaces, "_", "-" or ".") in order of preference
_GUIDES = ("sgrna", "sgrnaid", "guide", "guideid")
_SYMBOLS = ("genesymbol", "symbol", "hgncsymbol", "officialsymbol", "officialgenesymbol")
_SYMBOLS += ("approvedsymbol", "hugosymbol", "genename", "externalgenename", "gene", "genes")
_SYMBOLS += ("hgnc", "targetgene", "targetsymbol", "target", "genenames", "name")
# the header R and pandas give a column of row names (normalised): write.csv's "" (read
# back as "X"), readr's "...1", pandas' "Unnamed: 0"; write.table leaves it out altogether
_ROW_NAMES = ("", "x", "1", "unnamed:0", "rownames", "index")
_IDS = ("id", "geneid", "entrez", "entrezid", "entrezgeneid", "ncbigeneid", "ensembl")
_IDS += ("ensemblid", "ensemblgeneid")
_RANK = {h: i for i, h in enumerate(_GUIDES + _SYMBOLS + _IDS)}
ACCEPTED = "'gene', 'symbol', 'gene symbol', 'HGNC symbol', 'gene name' or 'name' ('sgRNA' or "
ACCEPTED += "'guide' for guide ids; case, spaces, _ and - do not matter)"
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_NOT_ID = re.compile(r"[\"',;=\s]")


class GeneList(list):
    """The ids of a gene or guide list, with where they were read.

    Attributes
    ----------
    column : str or None
        Header of the column read (None: no header line).
    position : int or None
        1-based number of the column read (None: one id per line, no header).
    """

    column: str | None = None
    position: int | None = None


def _norm(header: str) -> str:
    return re.sub(r"[\s_.\-]+", "", header.lower())


def _cells(line: str, sep: str | None) -> list[str]:
    return [c.strip().strip("\"'").strip() for c in line.split(sep)]


def _gene_column(head: list[str], source: str, line: int) -> int | None:
    """Index of the best-named column of a header (None: no known name); two columns of
    that name are a DataError (which one holds the genes is not guessed)."""
    ranks = [_RANK.get(_norm(c)) for c in head]
    known = [r for r in ranks if r is not None]
    if not known:
        return None
    same = [j for j, r in enumerate(ranks) if r == min(known)]
    if len(same) > 1:
        names = [head[j] for j in same]
        raise DataError(
            Problem(
                f"{len(same)} columns are named as the gene column "
                f"({', '.join(map(repr, names))}): which one holds the ids is not guessed",
                file=source,
                row=line,
                column=", ".join(names),
                fix="keep one of them, or rename the others",
            )
        )
    return same[0]


def _unknown_header(head: list[str], source: str, line: int) -> DataError:
    return DataError(
        Problem(
            f"the header line {', '.join(head)!r} names no gene column",
            file=source,
            row=line,
            fix=f"name the gene column {ACCEPTED}, or give one gene per line without a header",
        )
    )


def _numbers_refused(ids: list[tuple[int, str]], column: str | None, j: int, source: str):
    name = f" {column!r}" if column else ""
    return DataError(
        Problem(
            f"column {j + 1}{name} read as the genes holds only numbers "
            f"({', '.join(g for _, g in ids[:3])}{', ...' if len(ids) > 3 else ''}): "
            "genes are not numbers",
            file=source,
            row=ids[0][0],
            column=column,
            fix=f"give the gene symbols in a column named {ACCEPTED}"
            if column
            else f"add a header line naming the gene column {ACCEPTED}",
        )
    )


def read_gene_list(path) -> GeneList:
    """Read a gene or guide list: one id per line, or one column of a table.

    Blank lines and ``#`` comments are skipped. A line with a tab, comma or semicolon makes
    the file a table (cells split at the first line's delimiter); without one the cells
    are split at spaces. The first line is a header when a cell of it names a column (see
    the module), when it holds no number but the next line does (``gene,score`` over
    ``PTEN,1``), or when the first cell of a table cannot be an id (``My genes,notes``). A
    header is never read as an id; the column it names is read, else the first column. A
    header naming no gene column is a DataError unless its first column holds row names (a
    blank, ``X``, ``...1`` or ``Unnamed: 0`` header, or a header one cell short, as R's
    ``write.table`` writes it): the gene names of a DESeq2 table, read from that column.

    Parameters
    ----------
    path : str, Path or text stream
        The list (plain or gzip).

    Returns
    -------
    GeneList
        The ids in file order; ``column`` and ``position`` say which column was read.

    Raises
    ------
    DataError
        A header naming no gene column, two columns of the gene name, a column read of a
        table (or under a header) that holds only numbers, an empty id or one with a
        quote, comma, semicolon, ``=`` or space (with its line).
    """
    source = _name(path)
    lines = [(n, s.strip()) for n, s in enumerate(_read_text(path).split("\n"), 1)]
    lines = [(n, s) for n, s in lines if s and not s.startswith("#")]
    if not lines:
        return GeneList()
    first, sep = lines[0], _delimiter(lines[0][1])
    rows = [(n, _cells(s, sep)) for n, s in lines]
    head = rows[0][1]
    if sep is None and _norm(first[1]) in _RANK:  # "Gene Symbol" over one gene per line
        head = [first[1]]
    col = _gene_column(head, source, first[0])
    over = len(rows) > 1 and any(map(_NUMBER.fullmatch, rows[1][1]))
    header = col is not None or (len(head) > 1 and not any(map(_NUMBER.fullmatch, head)) and over)
    header = header or (sep is not None and len(head) > 1 and bool(_NOT_ID.search(head[0])))
    # gene names as row names (DESeq2 results written by R or pandas): the first column
    short = len(rows) > 1 and len(head) == len(rows[1][1]) - 1
    row_names = header and col is None and (short or _norm(head[0]) in _ROW_NAMES)
    if header and col is None and not row_names:
        raise _unknown_header(head, source, first[0])
    j = col or 0
    ids = [(n, c[j] if j < len(c) else "") for n, c in (rows[1:] if header else rows)]
    if bad := [(n, g) for n, g in ids if not g or _NOT_ID.search(g)]:
        column = head[j] if header else None
        fix = "one id per line, or a table with a header (gene,score): its gene column is read"
        raise DataError([Problem(f"not a gene id: {g!r}", source, n, column, fix) for n, g in bad])
    table = header or len(head) > 1
    guides = header and not row_names and _RANK[_norm(head[j])] < len(_GUIDES)  # may be numbers
    if ids and table and not guides and all(_NUMBER.fullmatch(g) for _, g in ids):
        raise _numbers_refused(ids, head[j] if header else None, j, source)
    out = GeneList(g for _, g in ids)
    out.column = "(row names)" if row_names else head[j] if header else None
    out.position = j + 1 if table else None
    return out
