"""NCA on stored studies: read uploaded bytes safely, run, pack the outputs as blobs.

Used by the browser app and its worker processes. An upload's
name never becomes a path: the bytes are written to a private temporary folder as
``upload.<ext>`` (the extension from an allow-list); a SEND/SDTM ``.zip`` is unpacked
member by member under sanitised base names, with caps on the unpacked size and the
number of members; members in different folders with the same name (``rat/pc.csv``,
``mouse/pc.csv``) are refused, never one written over the other.
Problems found in the data (and the reader's notes) name the file as the user gave it.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from kinetor.errors import DataError, Problem
from kinetor.store._results import safe_name

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xpt", ".zip")
MAX_UNZIPPED = 200 * 2**20
MAX_MEMBERS = 10_000
NCA_OPTIONS = ("auc_method", "blq_rule", "time", "sparse", "lambda_z_exclude", "intervals")
SETTINGS = ("units", "roles", "route", "sheet", "time")


def _suffix(name: str) -> str:
    suffix = Path(name.replace("\\", "/")).suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(
            Problem(
                f"file type {suffix or '(none)'!r} is not supported",
                file=name,
                fix="upload " + ", ".join(SUFFIXES) + " files",
            )
        )
    return suffix


def _unzip(data: bytes, folder: Path, name: str) -> Path:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataError(
            Problem(
                "not a readable zip archive",
                file=name,
                fix="zip the SEND/SDTM domain files (pc, ex, dm...)",
            )
        ) from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise DataError(
            Problem(
                f"the archive holds {len(infos)} entries, more than {MAX_MEMBERS}",
                file=name,
                fix="upload the study's domain files only",
            )
        )
    members: dict[str, list[str]] = {}
    for info in infos:
        path = info.filename.replace("\\", "/")
        if info.is_dir() or path.startswith("__MACOSX/"):  # macOS resource forks
            continue
        members.setdefault(safe_name(path.rsplit("/", 1)[-1]), []).append(info.filename)
    clash = {k: v for k, v in members.items() if len(v) > 1}
    if clash:
        raise DataError(
            Problem(
                "the archive holds files of the same name in different folders ("
                + "; ".join(", ".join(v) for v in clash.values())
                + "): the study is read from one folder, so one would replace the other",
                file=name,
                fix="zip one study's files without sub-folders (one upload per study)",
            )
        )
    total = 0
    out = folder / "study"
    out.mkdir()
    for info in infos:
        if info.is_dir() or info.filename.replace("\\", "/").startswith("__MACOSX/"):
            continue
        total += info.file_size
        if total > MAX_UNZIPPED:
            raise DataError(
                Problem(
                    f"the archive unpacks to more than {MAX_UNZIPPED // 2**20} MB",
                    file=name,
                    fix="upload the study's domain files only",
                )
            )
        base = safe_name(info.filename.replace("\\", "/").rsplit("/", 1)[-1])
        (out / base).write_bytes(zf.read(info))
    return out


def _renamed(err: DataError, temp: str, name: str) -> DataError:
    probs = []
    for p in err.problems:
        f = p.file
        if f and (temp in f or f.startswith("upload.") or f == "study"):
            f = name
        # the private temporary folder never reaches the user, in any text
        msg, fix = (_named(x, temp, name) if x else x for x in (p.message, p.fix))
        probs.append(Problem(msg, file=f, row=p.row, column=p.column, fix=fix))
    return DataError(probs)


def _named(text: str, temp: str, name: str) -> str:
    """``text`` with the temporary folder (or the study folder in it) as ``name``."""
    return str(text).replace(f"{temp}/study", name).replace(temp, name)


def _check_settings(settings: Any, name: str) -> dict[str, Any]:
    """``settings`` if it has the expected shape, else a DataError naming the field."""

    def bad(field: str, want: str, got: Any, message: str = "") -> DataError:
        return DataError(
            Problem(
                ("" if field == "settings" else "settings: ")
                + (message or f"{field} must be {want}, got {json.dumps(got, default=str)[:80]}"),
                file=name,
                column=field,
                fix='e.g. {"units": {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}, '
                '"roles": {"time": "Time (h)"}, "route": "PO"}; allowed keys: '
                + ", ".join(SETTINGS),
            )
        )

    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise bad("settings", "a JSON object", settings)
    unknown = ", ".join(sorted(map(str, set(settings) - set(SETTINGS))))
    if unknown:
        verb = "are not settings" if "," in unknown else "is not a setting"
        raise bad(unknown, "", None, f"{unknown} {verb}")
    for key in ("units", "roles"):
        v = settings.get(key)
        if v is not None and not (
            isinstance(v, dict) and all(isinstance(x, str) for x in (*v, *v.values()))
        ):
            raise bad(key, "an object of names to text", v)
    for key in ("route", "sheet"):
        v = settings.get(key)
        if v is not None and not isinstance(v, str | int):
            raise bad(key, "text", v)
    if settings.get("time", "actual") not in ("actual", "nominal"):
        raise bad("time", '"actual" or "nominal"', settings["time"])
    return settings


def read_upload(data: bytes, name: str, settings: dict[str, Any] | None = None):
    """A validated ``Study`` from uploaded bytes.

    ``settings``: ``units`` (time/conc/dose), ``roles`` (role -> column), ``route``,
    ``sheet``, ``time`` (actual/nominal). Raises ``DataError`` naming ``name``.
    """
    from kinetor.data import read_study

    settings = _check_settings(settings, name)
    suffix = _suffix(name)
    with tempfile.TemporaryDirectory(prefix="kinetor-upload-") as tmp:
        folder = Path(tmp)
        if suffix == ".zip":
            path = _unzip(data, folder, name)
        else:
            path = folder / f"upload{suffix}"
            path.write_bytes(data)
        try:
            study = read_study(
                str(path),
                units=settings.get("units") or None,
                roles=settings.get("roles") or None,
                route=settings.get("route") or None,
                sheet=settings.get("sheet"),
                time=settings.get("time", "actual"),
            )
        except DataError as err:
            raise _renamed(err, tmp, name) from None
        notes = [_named(n, tmp, name) for n in study.notes]
        if suffix != ".zip":  # the reader knew the file as upload.<ext>
            notes = [n.replace(path.name, name) for n in notes]
        study.notes[:] = notes
        study.source = name  # the provenance names the study, not the temporary file
        return study


def _option_error(field: str, message: str) -> DataError:
    return DataError(
        Problem(
            f"{field} {message}" if field == "options" else f"options: {field} {message}",
            column=field,
            fix='e.g. {"auc_method": "linear", "lambda_z_exclude": [{"subject": "1", '
            '"time": 24}], "intervals": [{"start": 0, "end": 24}]}; allowed keys: '
            + ", ".join(NCA_OPTIONS),
        )
    )


def _records(options: dict, key: str, fields: tuple[str, str], numeric: tuple[str, ...]):
    """A list of objects with ``fields`` (those in ``numeric`` finite numbers)."""
    rows = options.get(key) or []
    want = "must be a list of objects with " + " and ".join(fields)
    if not isinstance(rows, list):
        raise _option_error(key, f"{want}, got {json.dumps(rows, default=str)[:60]}")
    for i, r in enumerate(rows):
        ok = isinstance(r, dict) and set(r) == set(fields)
        ok = ok and all(
            isinstance(r[f], int | float) and not isinstance(r[f], bool) and math.isfinite(r[f])
            for f in numeric
        )
        if not ok:
            got = json.dumps(r, default=str)[:60]
            raise _option_error(key, f"{want} ({', '.join(numeric)} a number); item {i} is {got}")
    return rows


def nca_options(options: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :func:`kinetor.nca.nca` from stored options (JSON-friendly:
    ``lambda_z_exclude`` as a list of {subject, time}, ``intervals`` as a list of {start,
    end}). Another shape or an unknown key is a DataError naming it and what is allowed."""
    import pandas as pd

    if not isinstance(options, dict):
        raise _option_error("options", f"must be a JSON object, got {type(options).__name__}")
    unknown = sorted(map(str, set(options) - set(NCA_OPTIONS)))
    if unknown:
        raise _option_error(
            ", ".join(unknown), f"{'is not an option' if len(unknown) == 1 else 'are not options'}"
        )
    for key in ("auc_method", "blq_rule", "time"):
        if key in options and not isinstance(options[key], str):
            raise _option_error(key, "must be text")
    if not isinstance(options.get("sparse", False), bool):
        raise _option_error("sparse", "must be true or false")
    kw = {k: v for k, v in options.items() if k in ("auc_method", "blq_rule", "time", "sparse")}
    excl = _records(options, "lambda_z_exclude", ("subject", "time"), ("time",))
    if excl:
        kw["lambda_z_exclude"] = pd.DataFrame(excl, columns=["subject", "time"])
    intervals = _records(options, "intervals", ("start", "end"), ("start", "end"))
    if intervals:
        kw["intervals"] = pd.DataFrame(intervals, columns=["start", "end"])
    return kw


def resolved_options(options: dict[str, Any]) -> dict[str, Any]:
    """Stored NCA ``options`` (checked by :func:`nca_options`) with every key of
    ``NCA_OPTIONS``: those not given take the value :func:`kinetor.nca.nca` uses.

    >>> resolved_options({"auc_method": "linear"})["blq_rule"]
    'pknca'
    """
    from kinetor.nca.options import Options

    nca_options(options)
    defaults = Options().as_dict()
    out = {k: options.get(k, defaults[k]) for k in ("auc_method", "blq_rule", "time", "sparse")}
    return {**out, "lambda_z_exclude": [], "intervals": [], **options}


def nca_blobs(study, result, report: bool = False, workbook: bool = True) -> dict[str, bytes]:
    """The NCA outputs as files: the CSV tables, the provenance, the Excel workbook
    (``workbook=True``; it takes most of the time on large studies) and, with
    ``report=True``, the self-contained HTML report."""
    from kinetor.nca._result_tables import study_ids, to_cdisc, to_excel

    studyid = study_ids(study)  # STUDYID of the PP domain, as the CLI writes it
    out: dict[str, bytes] = {}
    for name, df in result.tables().items():
        if name == "cdisc_pp":
            df = to_cdisc(result, studyid)
        out[f"nca_{name}.csv"] = df.to_csv(index=False).encode()
    with tempfile.TemporaryDirectory(prefix="kinetor-nca-") as tmp:
        if workbook:
            path = Path(tmp) / "nca.xlsx"
            out["nca.xlsx"] = Path(to_excel(result, path, False, studyid)).read_bytes()
        if report:
            from kinetor.report import nca_report

            out["report.html"] = nca_report(study, result, out_dir=tmp).read_bytes()
    out["nca_provenance.json"] = json.dumps(result.provenance, indent=2, default=str).encode()
    return out
