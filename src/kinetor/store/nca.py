"""NCA on stored studies: read uploaded bytes safely, run, pack the outputs as blobs.

Used by the browser app and its worker processes. An upload's
name never becomes a path: the bytes are written to a private temporary folder as
``upload.<ext>`` (the extension from an allow-list); a SEND/SDTM ``.zip`` is unpacked
member by member under sanitised base names, with a cap on the unpacked size.
Problems found in the data are reported under the name the user gave the file.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from kinetor.errors import DataError, Problem
from kinetor.store._results import safe_name

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xpt", ".zip")
MAX_UNZIPPED = 200 * 2**20


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
    total = 0
    out = folder / "study"
    out.mkdir()
    for info in zf.infolist():
        if info.is_dir():
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
        msg, fix = (str(x).replace(temp, name) if x else x for x in (p.message, p.fix))
        probs.append(Problem(msg, file=f, row=p.row, column=p.column, fix=fix))
    return DataError(probs)


def read_upload(data: bytes, name: str, settings: dict[str, Any] | None = None):
    """A validated ``Study`` from uploaded bytes.

    ``settings``: ``units`` (time/conc/dose), ``roles`` (role -> column), ``route``,
    ``sheet``, ``time`` (actual/nominal). Raises ``DataError`` naming ``name``.
    """
    from kinetor.data import read_study

    settings = settings or {}
    suffix = _suffix(name)
    with tempfile.TemporaryDirectory(prefix="kinetor-upload-") as tmp:
        folder = Path(tmp)
        if suffix == ".zip":
            path = _unzip(data, folder, name)
        else:
            path = folder / f"upload{suffix}"
            path.write_bytes(data)
        try:
            return read_study(
                str(path),
                units=settings.get("units") or None,
                roles=settings.get("roles") or None,
                route=settings.get("route") or None,
                sheet=settings.get("sheet"),
                time=settings.get("time", "actual"),
            )
        except DataError as err:
            raise _renamed(err, tmp, name) from None


def nca_options(options: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :func:`kinetor.nca.nca` from stored options (JSON-friendly:
    ``lambda_z_exclude`` as a list of {subject, time})."""
    import pandas as pd

    kw = {k: v for k, v in options.items() if k in ("auc_method", "blq_rule", "time", "sparse")}
    excl = options.get("lambda_z_exclude") or []
    if excl:
        kw["lambda_z_exclude"] = pd.DataFrame(excl, columns=["subject", "time"])
    if options.get("intervals"):
        kw["intervals"] = pd.DataFrame(options["intervals"], columns=["start", "end"])
    return kw


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
