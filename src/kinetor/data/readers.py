"""``read_study``: one entry point for every study layout.

Layouts (``format=``), detected from the column names when not given:

==========  ===============================================================================
format      recognised by
==========  ===============================================================================
``sdtm``    ``PCSTRESN``/``PCSTRESC``/``PCORRES``/``PCTESTCD`` (SDTM or SEND PC; ``send`` is
            the same reader); EX, DM and BW are picked up from the same folder (``ex.csv``
            next to ``pc.csv``), from a dict ``{"pc": ..., "ex": ..., "dm": ...}`` or a list
``adnca``   ``AVAL`` with ``AFRLT``/``NFRLT``/``ARRLT``/``NRRLT``/``PARAMCD`` (ADNCA, ADPC)
``nonmem``  ``ID``, ``TIME``, ``DV`` and one of ``AMT``, ``EVID``, ``MDV``, ``CMT``
``csv``     anything else: a generic lab table read through the alias table
``kinetor`` a folder written by ``write_csv`` (``conc.csv``, ``doses.csv``, ``subjects.csv``)
==========  ===============================================================================

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"Animal": ["R1", "R1", "R1"], "Time (h)": [0.5, 1, 2],
...                    "Conc (ng/mL)": ["12.1", "8.0", "BLQ"], "LLOQ": [1, 1, 1],
...                    "Dose (mg/kg)": [2, 2, 2], "Route": ["IV", "IV", "IV"]})
>>> st = read_study(df)
>>> st.conc[["subject", "time", "conc", "blq"]].values.tolist()
[['R1', 0.5, 12.1, False], ['R1', 1.0, 8.0, False], ['R1', 2.0, nan, True]]
>>> st.doses[["subject", "time", "dose", "route"]].values.tolist()
[['R1', 0.0, 2.0, 'iv_bolus']]
>>> st.units
{'time': 'h', 'conc': 'ng/mL', 'dose': 'mg/kg'}
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from kinetor.data._build import assemble
from kinetor.data._checks import check_call
from kinetor.data._text import _EXCEL, RawTable, read_raw
from kinetor.data.study import Study
from kinetor.errors import DataError, Problem

__all__ = ["detect_format", "read_study"]

Format = Literal["csv", "sdtm", "send", "adnca", "nonmem", "kinetor"]
_FORMATS = {
    "csv": "csv",
    "generic": "csv",
    "excel": "csv",
    "tsv": "csv",
    "txt": "csv",
    "sdtm": "sdtm",
    "send": "sdtm",
    "cdisc": "sdtm",
    "adnca": "adnca",
    "adpc": "adnca",
    "adam": "adnca",
    "nonmem": "nonmem",
    "kinetor": "kinetor",
}
_DOMAINS = ("pc", "ex", "dm", "bw", "pooldef")
_SUFFIXES = (".csv", ".xpt", ".xlsx", ".tsv", ".txt")


def detect_format(columns) -> str:
    """The layout a set of column names belongs to (see the module table)."""
    up = {str(c).upper() for c in columns}
    if up & {"PCSTRESN", "PCSTRESC", "PCORRES", "PCTESTCD"}:
        return "sdtm"
    if "EXDOSE" in up:
        return "ex"
    if "AVAL" in up and up & {"AFRLT", "NFRLT", "ARRLT", "NRRLT", "PARAMCD"}:
        return "adnca"
    if {"ID", "TIME", "DV"} <= up and up & {"AMT", "EVID", "MDV", "CMT"}:
        return "nonmem"
    return "csv"


def _domain_of(raw: RawTable) -> str | None:
    up = {c.upper() for c in raw.frame.columns}
    if detect_format(up) == "sdtm":
        return "pc"
    if "EXDOSE" in up:
        return "ex"
    if "BWSTRESN" in up or "BWORRES" in up:
        return "bw"
    if {"POOLID", "USUBJID"} <= up and len(up - {"STUDYID", "POOLID", "USUBJID"}) == 0:
        return "pooldef"
    if "USUBJID" in up and up & {"SEX", "SPECIES", "ARM", "ARMCD", "SETCD"}:
        return "dm"
    return None


def _sibling(path: Path, domain: str) -> Path | None:
    stem = path.stem
    low = stem.lower()
    if not low.endswith("pc"):
        return None
    for suffix in (path.suffix, *_SUFFIXES):
        for name in (stem[:-2] + domain, stem[:-2] + domain.upper()):
            cand = path.with_name(name + suffix)
            if cand.is_file():
                return cand
    return None


def _cdisc_tables(source, read) -> dict[str, RawTable]:
    if isinstance(source, dict):
        tables = {
            str(k).lower(): v if isinstance(v, RawTable) else read(v) for k, v in source.items()
        }
        unknown = set(tables) - set(_DOMAINS)
        if unknown:
            raise DataError(
                Problem(
                    f"unknown CDISC domain(s) {sorted(unknown)}",
                    fix="use the keys 'pc', 'ex', 'dm', 'bw', 'pooldef'",
                )
            )
        return tables
    if isinstance(source, list | tuple):
        tables = {}
        for item in source:
            raw = read(item)
            dom = _domain_of(raw)
            if dom is None or dom in tables:
                raise DataError(
                    Problem(
                        "cannot tell which CDISC domain this file is"
                        if dom is None
                        else f"two {dom.upper()} files given",
                        file=raw.file,
                        fix="pass a dict {'pc': ..., 'ex': ..., 'dm': ...}",
                    )
                )
            tables[dom] = raw
        return tables
    path = Path(source)
    if path.is_dir():
        tables = {}
        for f in sorted(path.iterdir()):
            dom = f.stem.lower()
            if dom in _DOMAINS and f.suffix.lower() in _SUFFIXES and dom not in tables:
                tables[dom] = read(f)
        return tables
    tables = {"pc": read(path)}
    for dom in ("ex", "dm", "bw", "pooldef"):
        sib = _sibling(path, dom)
        if sib is not None:
            tables[dom] = read(sib)
    return tables


def _sheet_unused(sheet, sources: list, label: str) -> None:
    """A ``sheet`` for sources none of which is an Excel workbook would be ignored."""
    paths = [Path(s) for s in sources if isinstance(s, str | Path)]
    if sheet is not None and not any(p.suffix.lower() in _EXCEL for p in paths):
        names = ", ".join(p.name for p in paths) or "DataFrames"
        msg = f"a sheet ({sheet!r}) was given but no Excel workbook is read ({names})"
        fix = "leave out --sheet (sheet= in Python): it applies to Excel .xlsx files only"
        raise DataError(Problem(msg, file=label, column="--sheet", fix=fix))


def _read_dir(path: Path) -> tuple[str, object]:
    names = {f.name.lower(): f for f in path.iterdir() if f.is_file()}
    if any(n.split(".")[0] == "pc" for n in names):
        return "sdtm", path
    if "conc.csv" in names:
        return "kinetor", path
    for key in ("adnca", "adpc"):
        hits = [f for n, f in names.items() if n.startswith(key)]
        if len(hits) == 1:
            return "adnca", hits[0]
    raise DataError(
        Problem(
            f"no study files found in folder {path}",
            file=str(path),
            fix="a folder must hold pc.csv (+ ex.csv, dm.csv), conc.csv "
            "(+ doses.csv, subjects.csv) or one adnca/adpc file",
        )
    )


def read_study(
    source,
    format: str | None = None,
    *,
    roles: dict[str, str] | None = None,
    units: dict[str, str] | None = None,
    sheet=None,
    groups=None,
    mw=None,
    time: Literal["actual", "nominal"] = "actual",
    doses=None,
    route: str | None = None,
    occasions: bool = False,
) -> Study:
    """Read study data into a validated ``Study``.

    Parameters
    ----------
    source : path, DataFrame, dict or list
        A CSV/TSV/TXT file (delimiter and encoding sniffed), an Excel ``.xlsx`` file
        (``sheet=``), a SAS ``.xpt`` file, a folder (CDISC ``pc``/``ex``/``dm``/``bw``
        files, or the output of ``write_csv``), a dict ``{"pc": ..., "ex": ..., "dm": ...}``
        or list of CDISC files, or a DataFrame.
    format : str, optional
        ``"csv"`` (generic), ``"sdtm"``/``"send"``, ``"adnca"``, ``"nonmem"`` or
        ``"kinetor"``; detected from the columns when None.
    roles : dict, optional
        Role -> column overrides for generic tables, e.g. ``{"subject": "Animal"}``
        (roles: see ``kinetor.data.aliases.ALIASES``).
    units : dict, optional
        ``time``, ``conc``, ``dose`` (and ``weight``) units: used where the file states
        none, and the target unit where it does (values are converted).
    groups : list of str, optional
        Columns that define treatment groups (default: the ``group`` column).
    mw : float or dict, optional
        Molecular weight (g/mol), per analyte as a dict, for mass <-> molar conversion.
    time : {"actual", "nominal"}
        Which time goes into ``conc.time``; the other is kept (``nominal_time``, or
        ``actual_time`` with ``"nominal"``). A missing one falls back to the other.
    doses : path or DataFrame, optional
        A separate doses table for a generic concentration table.
    route : str, optional
        Route of every dose that has none in the data (``"PO"``, ``"IV"``...; CLI
        ``--route``); a route given in the data is kept.
    occasions : bool
        NONMEM data only (CLI ``--occasions``): a reset (``EVID`` 3/4) that restarts
        ``TIME`` begins a new occasion, read as subject ``"<ID>/<k>"`` (original ``ID`` in
        ``nonmem_id``, ``k`` in ``occasion``); without it such a reset is refused.

    Raises
    ------
    DataError
        Listing every problem found (file, row, column, fix).

    Examples
    --------
    >>> import pandas as pd
    >>> nm = pd.DataFrame({"ID": [1, 1, 1], "TIME": [0, 1, 4], "DV": [".", 8.2, 3.1],
    ...                    "AMT": [5, 0, 0], "EVID": [1, 0, 0], "CMT": [1, 2, 2]})
    >>> st = read_study(nm, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    >>> st.doses[["time", "dose", "route"]].values.tolist()
    [[0.0, 5.0, 'extravascular']]
    >>> st.conc["conc"].tolist()
    [8.2, 3.1]
    """
    check_call(source, roles, sheet, units, doses)
    fmt = _FORMATS.get(format.lower()) if format else None
    if format and fmt is None:
        raise DataError(
            Problem(
                f"unknown format {format!r}", fix=f"use one of {', '.join(sorted(set(_FORMATS)))}"
            )
        )
    label = (
        "<DataFrame>"
        if isinstance(source, pd.DataFrame)
        else (str(source) if isinstance(source, str | Path) else "<files>")
    )
    kw = {"time": time, "groups": groups, "mw": mw}
    cdisc = {**kw, "sheet": sheet, "units": units, "roles": roles, "doses": doses, "route": route}
    if isinstance(source, str | Path) and Path(source).is_dir():
        found, source = _read_dir(Path(source))
        fmt = fmt or found
        if fmt != "sdtm":  # a kinetor folder, or the folder's one ADNCA file
            _sheet_unused(sheet, [source], label)
    if fmt == "kinetor" or (isinstance(source, dict) and "conc" in source):
        return _read_kinetor(source, label, roles, units, **kw)
    if isinstance(source, dict | list | tuple) or fmt == "sdtm":
        return _read_cdisc(source, label, **cdisc)
    raw = read_raw(source, sheet)
    label = raw.file
    found = detect_format(raw.frame.columns)
    fmt = fmt or found
    if fmt == "sdtm":
        return _read_cdisc(
            source if isinstance(source, str | Path) else {"pc": raw}, label, **cdisc
        )
    if doses is not None and fmt != "csv":
        raise DataError(
            Problem(
                f"doses= is for generic tables; a {fmt} file has its own dose records",
                file=raw.file,
                fix="leave out doses=",
            )
        )
    if found == "ex":
        raise DataError(
            Problem(
                "this is an EX (exposure) file",
                file=raw.file,
                fix="give the PC file (EX and DM are read next to it) or a "
                "dict {'pc': ..., 'ex': ..., 'dm': ...}",
            )
        )
    if fmt == "adnca":
        from kinetor.data._adnca import read_adnca

        parts = read_adnca(raw, units=units, mw=mw)
    elif fmt == "nonmem":
        from kinetor.data._nonmem import read_nonmem

        parts = read_nonmem(
            raw, units=units, roles=roles, mw=mw, groups=groups, occasions=occasions
        )
    else:
        from kinetor.data._generic import read_generic

        dose_raw = read_raw(doses) if doses is not None else None
        parts = read_generic(raw, roles=roles, units=units, groups=groups, mw=mw, doses=dose_raw)
    parts.notes.insert(0, f"format: {fmt}")
    _default_route(parts, route)
    return assemble(parts, source=label, **kw)


def _default_route(parts, route: str | None) -> None:
    """Give ``route`` to the doses that have none (a note says how many)."""
    if route is None or not len(parts.doses) or "route" not in parts.doses.columns:
        return
    from kinetor.data.routes import normalise_route

    canon = normalise_route(route)
    if canon is None:
        raise DataError(
            Problem(
                f"unknown route {route!r}",
                column="--route",
                fix="use IV, IV infusion, PO, SC, IP, IM...",
            )
        )
    empty = parts.doses["route"].astype(str).str.strip().isin(["", "nan", "None"]).to_numpy()
    if "route_raw" in parts.doses.columns:  # an unknown route text is reported, not replaced
        empty = empty & parts.doses["route_raw"].astype(str).str.strip().isin(["", "nan"]).values
    if empty.any():
        parts.doses.loc[empty, "route"] = canon
        if "route_raw" in parts.doses.columns:
            parts.doses.loc[empty, "route_raw"] = route
        parts.notes.append(f"route: {route} given to {int(empty.sum())} doses without one")
        if "duration" in parts.doses.columns:
            from kinetor.data.routes import infusion_note, iv_infusions

            raw = parts.doses.get("route_raw", parts.doses["route"]).to_numpy(object)
            new, converted, _ = iv_infusions(parts.doses["route"], raw, parts.doses["duration"])
            if converted.any():
                parts.doses["route"] = new
                rows = parts.doses.get("source_row", pd.Series(range(len(raw))) + 2)
                parts.notes.append(infusion_note(raw[converted], rows.to_numpy()[converted], route))


def _read_cdisc(source, label, *, sheet, units, roles, doses, route, time, groups, mw) -> Study:
    from kinetor.data._cdisc import read_cdisc

    read: list = []  # the sources read, for the sheet check

    def reader(item):
        read.append(item)
        return read_raw(item, sheet)

    tables = _cdisc_tables(source, reader)
    _sheet_unused(sheet, read, label)
    if "pc" not in tables:
        raise DataError(
            Problem(
                "no PC (concentration) table found",
                file=label,
                fix="give pc.csv (or .xpt) with ex.csv and dm.csv",
            )
        )
    parts = read_cdisc(tables, units=units, mw=mw, roles=roles, doses=doses)
    parts.notes.insert(0, f"format: sdtm/send ({', '.join(t.upper() for t in tables)})")
    _default_route(parts, route)
    return assemble(parts, source=tables["pc"].file, time=time, groups=groups, mw=mw)


def _read_kinetor(source, label, roles, units, *, time, groups, mw) -> Study:
    from kinetor.data._generic import read_generic

    if isinstance(source, dict):
        files = {k: source[k] for k in ("conc", "doses", "subjects") if k in source}
    else:
        names = {k: Path(source) / f"{k}.csv" for k in ("conc", "doses", "subjects")}
        files = {k: p for k, p in names.items() if p.is_file()}
    if "conc" not in files:
        raise DataError(Problem("no conc table", file=label, fix="give conc.csv"))
    raw = read_raw(files["conc"])
    other = {k: read_raw(files[k]) if k in files else None for k in ("doses", "subjects")}
    parts = read_generic(raw, roles=roles, units=units, groups=groups, mw=mw, **other)
    parts.notes.insert(0, "format: kinetor (write_csv)")
    return assemble(parts, source=raw.file, time=time, groups=groups, mw=mw)
