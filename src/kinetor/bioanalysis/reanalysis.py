"""Incurred sample reanalysis (ISR; ICH M10 (2022) section 5).

A study sample measured again in a later run is compared with its original result:

.. math::

    \\%\\mathrm{diff} = 100\\,\\frac{c_\\mathrm{repeat} - c_\\mathrm{original}}
                               {(c_\\mathrm{repeat} + c_\\mathrm{original})/2}

A repeat passes when :math:`|\\%\\mathrm{diff}| \\le 20` (chromatographic assays) or
:math:`\\le 30` (ligand-binding assays), inclusive (with the 1e-9 % float slack of the run
acceptance); the ISR passes when at least two thirds of the repeats pass. The guideline
asks for 10 % of the first 1000 study samples and 5 % of those above 1000
(:func:`required_repeats`, rounded up). Rules and sources: docs/bioanalysis.md.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"sample_id": ["A", "B", "C"], "original": [100.0, 90.0, 50.0],
...                   "repeat": [110.0, 110.0, 80.0]})
>>> res = isr(t)
>>> res.samples["diff_pct"].round(4).tolist(), res.samples["pass"].tolist()
([9.5238, 20.0, 46.1538], [True, True, False])
>>> res.passed, required_repeats(1500)
(True, 125)
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.bioanalysis._tables import sheet_table, source_rows
from kinetor.bioanalysis.acceptance import _EPS
from kinetor.errors import DataError, KinetorError, Problem

__all__ = ["ISR_ALIASES", "ISR_LIMITS", "IsrResult", "isr", "read_isr", "required_repeats"]

ISR_LIMITS: dict[str, float] = {"chromatographic": 20.0, "ligand-binding": 30.0}
SOURCE = "ICH M10 (2022) 5 incurred sample reanalysis"

# header aliases, compared after kinetor.data.aliases.normalise_name (lower case, a unit in
# brackets removed, which then counts as the unit of that column); a canonical name wins
ISR_ALIASES: dict[str, tuple[str, ...]] = {
    "sample_id": ("sample_id", "sample_name", "sample", "sample_no", "id", "name"),
    "original": tuple(
        "original original_conc original_concentration original_result original_value "
        "orig initial initial_conc conc_original".split()
    ),
    "repeat": tuple(
        "repeat repeat_conc repeat_concentration repeat_result repeat_value reanalysis "
        "reassay rerun isr isr_conc conc_repeat".split()
    ),
    "conc_unit": ("conc_unit", "unit", "units", "concentration_unit"),
    "original_unit": ("original_unit",),
    "repeat_unit": ("repeat_unit",),
}
_EMPTY = ("", "na", "nan", "n/a", "none", "null")
_PAIR_FIX = "a repeat pair needs two quantified results (> 0): remove the pair otherwise"
_HEADER_FIX = "give a header with sample_id, original and repeat (one row per repeat)"
_UNIT_FIX = (
    "give original and repeat in the same unit (the percent difference compares the "
    "numbers as they are; nothing is converted)"
)


def required_repeats(n_study: int) -> int:
    """Repeats M10 asks for: 10 % of the first 1000 study samples + 5 % of those above 1000,
    rounded up (exact integer arithmetic).

    >>> required_repeats(1000), required_repeats(3000), required_repeats(45)
    (100, 200, 5)
    """
    if isinstance(n_study, bool) or not isinstance(n_study, Integral) or n_study < 1:
        raise KinetorError(f"n_study={n_study!r}: the study's sample count, a whole number >= 1")
    n = int(n_study)
    tenths = 10 * min(n, 1000) + 5 * max(n - 1000, 0)  # in hundredths of a sample
    return -(-tenths // 100)


@dataclass
class IsrResult:
    """ISR outcome: ``samples`` (one row per repeat: ``sample_id, source_row, original,
    repeat, unit, mean, diff_pct, limit_pct, pass``) and ``summary`` (one row: ``method,
    limit_pct, n_repeats, n_pass, fraction_pass, min_fraction_pass, passed, n_study,
    n_required, enough_repeats, source``)."""

    samples: pd.DataFrame
    summary: pd.DataFrame
    source: str = "<DataFrame>"

    @property
    def passed(self) -> bool:
        """True when at least two thirds of the repeats are within the limit."""
        return bool(self.summary["passed"].iloc[0])

    def write(self, out: str | Path) -> list[Path]:
        """Write ``isr.csv`` (per sample) and ``isr_summary.csv`` into directory ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "isr.csv", out / "isr_summary.csv"]
        self.samples.to_csv(paths[0], index=False)
        self.summary.to_csv(paths[1], index=False)
        return paths


def _roles(columns: list[str]) -> dict[str, str]:
    from kinetor.data.aliases import normalise_name

    norm = {c: normalise_name(c) for c in columns}
    roles: dict[str, str] = {}
    for role, names in ISR_ALIASES.items():
        exact = [c for c in columns if str(c).strip().lower() == role]
        if exact:
            roles[role] = exact[0]
            continue
        for alias in names:
            hit = [c for c in columns if norm[c] == alias and c not in roles.values()]
            if hit:
                roles[role] = hit[0]
                break
    return roles


def _unit(text: str, file: str, row: int | None, column: str, problems: list[Problem]) -> str:
    """``text`` in its compact spelling if it is a concentration unit; else a problem."""
    from kinetor.bioanalysis._units import check_conc_unit

    try:
        return check_conc_unit(text)
    except (KinetorError, ValueError):
        problems.append(
            Problem(
                f"unit {text!r} is not a concentration unit",
                file=file,
                row=row,
                column=column,
                fix="use a concentration unit such as ng/mL or nM (molar units with a capital M)",
            )
        )
        return ""


def read_isr(
    source: str | Path | pd.DataFrame, file: str | None = None, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read and validate an ISR table (CSV path or DataFrame): one row per repeated sample.

    Columns (aliases in ``ISR_ALIASES``): ``sample_id``, ``original`` and ``repeat``
    concentrations, optional units (``conc_unit`` for both, or ``original_unit`` and
    ``repeat_unit``, or a unit in brackets in the headers, ``Original (ng/mL)``); extra
    columns are kept. Units are checked equal where given and never guessed. Every
    problem (missing columns or values, text, values <= 0 or not finite, empty or
    duplicated ids, units that differ or are no concentration) is one ``DataError``.

    ``sheet`` chooses the sheet of an .xlsx workbook (its name or 0-based number; default
    the first); missing columns then name the sheet read and list the workbook's sheets.

    Returns the canonical columns ``sample_id, original, repeat, unit, source_row`` plus
    the other input columns.
    """
    raw, file, sheets = sheet_table(
        source,
        file,
        sheet,
        what="ISR",
        header_fix=_HEADER_FIX,
        rows_fix="add one row per repeat",
        as_text=True,
    )
    rows = source_rows(raw)  # each row's line in the file (header: 1)
    raw.columns = [str(c).strip() for c in raw.columns]
    roles = _roles(list(raw.columns))
    missing = [r for r in ("sample_id", "original", "repeat") if r not in roles]
    if missing:
        raise DataError(
            [
                Problem(
                    f"no '{r}' column{sheets}",
                    file=file,
                    row=1,
                    column=r,
                    fix=_HEADER_FIX
                    + ", or choose the sheet with the data (--sheet)" * bool(sheets),
                )
                for r in missing
            ]
        )
    problems: list[Problem] = []
    text = {r: raw[c].astype("string").fillna("").str.strip() for r, c in roles.items()}
    values = {}
    for role in ("original", "repeat"):
        col = roles[role]
        t = text[role]
        v = pd.to_numeric(t.where(~t.str.lower().isin(_EMPTY)), errors="coerce").astype(float)
        for i in range(len(raw)):
            cell, x = t.iloc[i], v.iloc[i]
            if cell.lower() in _EMPTY:
                msg = f"no {role} concentration"
            elif np.isnan(x):
                msg = f"not a number: {cell!r} (a BLQ/ALQ result has no percent difference)"
            elif not np.isfinite(x):
                msg = f"{role} concentration {cell!r} is not finite"
            elif x < 0:
                msg = f"negative {role} concentration {x:g}"
            elif x == 0:
                msg = f"{role} concentration 0: no percent difference"
            else:
                continue
            problems.append(Problem(msg, file=file, row=int(rows[i]), column=col, fix=_PAIR_FIX))
        values[role] = v
    ids = text["sample_id"]
    for i in np.flatnonzero((ids == "").to_numpy()):
        problems.append(
            Problem(
                "empty sample_id",
                file=file,
                row=int(rows[i]),
                column=roles["sample_id"],
                fix="name every repeated sample",
            )
        )
    first: dict[str, int] = {}
    for i, sid in enumerate(ids):
        if sid and sid in first:
            problems.append(
                Problem(
                    f"sample {sid!r} repeated (first on row {first[sid]})",
                    file=file,
                    row=int(rows[i]),
                    column=roles["sample_id"],
                    fix="list each sample once (one table per analyte)",
                )
            )
        first.setdefault(sid, int(rows[i]))
    unit = _units(raw, roles, text, rows, file, problems)
    if problems:
        raise DataError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    out = pd.DataFrame(
        {
            "sample_id": ids.to_numpy(object),
            "original": values["original"].to_numpy(float),
            "repeat": values["repeat"].to_numpy(float),
            "unit": unit,
            "source_row": rows,
        }
    )
    used = set(roles.values())
    for c in raw.columns:
        if c not in used and c not in out.columns:
            out[c] = raw[c].to_numpy()
    out.attrs.update(source=file, validated=True)
    return out


def _units(raw, roles, text, rows, file, problems) -> np.ndarray:
    """One unit per row from the headers (``Original (ng/mL)``) and the unit columns.
    Original and repeat in different units, or a unit given for one of them only, is a
    problem: units are compared, never converted nor guessed."""
    from kinetor.data.aliases import split_header

    head = {}
    for role in ("original", "repeat"):
        u = split_header(roles[role])[1]
        head[role] = _unit(u, file, 1, roles[role], problems) if u else ""
    cells = {
        r: [
            _unit(t, file, int(rows[i]), roles[r], problems) if t else ""
            for i, t in enumerate(text[r])
        ]
        for r in ("conc_unit", "original_unit", "repeat_unit")
        if r in roles
    }
    out = np.full(len(raw), "", dtype=object)
    if len(_meanings([head["original"], head["repeat"]])) > 1:
        problems.append(
            Problem(
                f"units differ: original in {head['original']}, repeat in {head['repeat']}",
                file=file,
                row=1,
                column=roles["repeat"],
                fix=_UNIT_FIX,
            )
        )
        return out
    if not cells and bool(head["original"]) != bool(head["repeat"]):
        role = "repeat" if head["original"] else "original"
        problems.append(
            Problem(
                f"the {role} column has no unit; the other has one",
                file=file,
                row=1,
                column=roles[role],
                fix=f"write the unit in both headers, e.g. '{role.title()} (ng/mL)'",
            )
        )
        return out
    blank = [""] * len(raw)
    conc = cells.get("conc_unit", blank)
    for i in range(len(raw)):
        side = {
            r: _meanings([head[r], conc[i], cells.get(f"{r}_unit", blank)[i]])
            for r in ("original", "repeat")
        }
        found = _meanings(side["original"] + side["repeat"])
        if len(found) > 1:
            msg, fix = f"units differ: {', '.join(sorted(found))}", _UNIT_FIX
            col = next((roles[r] for r in ("repeat_unit", "conc_unit") if r in roles), "unit")
        elif bool(side["original"]) != bool(side["repeat"]):
            role = "repeat" if side["original"] else "original"
            msg = f"no unit for the {role} concentration; the other is in {found.pop()}"
            fix, col = f"fill in {role}_unit (or conc_unit for both)", f"{role}_unit"
            col = roles.get(col, col)
        else:
            out[i] = found[0] if found else ""
            continue
        problems.append(Problem(msg, file=file, row=int(rows[i]), column=col, fix=fix))
    return out


def _meanings(units: list[str]) -> list[str]:
    """The units, one per meaning (``ng/mL`` and ``ug/L`` are one), in order, "" dropped."""
    from kinetor.bioanalysis._units import _same_unit

    kept: list[str] = []
    for u in units:
        if u and not any(_same_unit(u, k) for k in kept):
            kept.append(u)
    return kept


def isr(
    table: str | Path | pd.DataFrame,
    method: str = "chromatographic",
    n_study: int | None = None,
    file: str | None = None,
) -> IsrResult:
    """Incurred sample reanalysis: per-sample % difference, pass/fail, ISR verdict.

    Parameters
    ----------
    table : path or DataFrame
        The ISR table (see :func:`read_isr`).
    method : {"chromatographic", "ligand-binding"}
        Limit of |% difference|: 20 % or 30 %.
    n_study : int, optional
        Number of study samples: adds the number of repeats M10 asks for
        (:func:`required_repeats`) and whether the table has that many.
    file : str, optional
        Name used in messages.

    Raises
    ------
    DataError
        Bad table (file, row, column, fix).
    KinetorError
        Unknown ``method``; ``n_study`` not a whole number >= 1, or fewer than the repeats.
    """
    if method not in ISR_LIMITS:
        raise KinetorError(f"method={method!r}: choose one of {', '.join(ISR_LIMITS)}")
    n_required = None if n_study is None else required_repeats(n_study)
    if not (isinstance(table, pd.DataFrame) and table.attrs.get("validated")):
        table = read_isr(table, file=file)
    source = file or table.attrs.get("source", "<DataFrame>")
    n = len(table)
    if n_study is not None and n_study < n:
        raise KinetorError(
            f"n_study={n_study}: fewer study samples than the {n} repeats in {source}"
        )
    limit = ISR_LIMITS[method]
    orig = table["original"].to_numpy(float)
    rep = table["repeat"].to_numpy(float)
    mean = (orig + rep) / 2.0
    diff = 100.0 * (rep - orig) / mean
    ok = np.abs(diff) <= limit + _EPS
    samples = table.assign(mean=mean, diff_pct=diff, limit_pct=limit)
    samples["pass"] = ok
    n_pass = int(ok.sum())
    summary = pd.DataFrame(
        [
            {
                "method": method,
                "limit_pct": limit,
                "n_repeats": n,
                "n_pass": n_pass,
                "fraction_pass": n_pass / n,
                "min_fraction_pass": "2/3",
                "passed": 3 * n_pass >= 2 * n,  # exact: no float for the 2/3 boundary
                "n_study": n_study,
                "n_required": n_required,
                "enough_repeats": None if n_required is None else n >= n_required,
                "source": SOURCE,
            }
        ]
    )
    return IsrResult(samples=samples, summary=summary, source=source)
