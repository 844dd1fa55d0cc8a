"""Excretion and mass balance: cumulative amount and % of dose over collection intervals.

Input: one row per subject x matrix x collection interval with ``subject, matrix, start,
end`` and either ``amount`` (amount excreted in the interval) or ``conc`` and ``volume``
(amount = conc x volume, units combined with pint). For each subject and matrix, in
interval order:

.. math::

    A_{e,i} = \\text{amount}_i, \\qquad
    \\%\\text{dose}_i = 100\\,\\frac{A_{e,i}}{\\text{Dose}}, \\qquad
    \\text{cum}_k = \\sum_{i \\le k} A_{e,i}

and the total recovery of a subject is the sum over all matrices (``URINE``, ``FAECES``,
``CAGE_WASH``, ``BILE``, ...) of the cumulative amount at the last interval. Radioactivity works the
same way when amount and dose share a unit (``dpm``, ``uCi``, ``ng-eq`` written
identically): identical unit strings are never converted. Counter output in ``dpm`` with
a dose in ``uCi`` (or ``MBq``) is converted: ``dpm`` is in the unit registry (1 uCi =
2.22e6 dpm).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"subject": "R1", "matrix": ["urine", "urine", "faeces"],
...                   "start": [0, 24, 0], "end": [24, 48, 48],
...                   "amount": [0.01, 0.01, 0.85]})
>>> res = cumulative_excretion(d, dose=1.0, amount_unit="mg", dose_unit="mg")
>>> res.intervals["cum_pct_dose"].round(6).tolist()
[85.0, 1.0, 2.0]
>>> res.recovery.set_index("matrix")["pct_dose"].round(6).to_dict()
{'FAECES': 85.0, 'URINE': 2.0, 'TOTAL': 87.0}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.adme._excretion_checks import (
    amounts,
    conc_volume_amounts,
    excretion_notes,
    numeric,
    per_subject,
)
from kinetor.adme._excretion_units import amount_unit_of, conc_volume_factor, dose_factor
from kinetor.adme._inputs import source_rows
from kinetor.errors import DataError, Problem, UnitError

__all__ = ["ExcretionResult", "cumulative_excretion", "normalise_matrix"]

_MATRIX = {
    "urine": "URINE",
    "faeces": "FAECES",
    "feces": "FAECES",
    "faecal": "FAECES",
    "fecal": "FAECES",
    "stool": "FAECES",
    "cage_wash": "CAGE_WASH",
    "cagewash": "CAGE_WASH",
    "cage_rinse": "CAGE_WASH",
    "bile": "BILE",
    "expired_air": "EXPIRED_AIR",
    "carcass": "CARCASS",
}


def normalise_matrix(name: str) -> str:
    """Canonical matrix name: ``URINE``, ``FAECES`` (feces, stool), ``CAGE_WASH``, ...

    >>> normalise_matrix("Feces"), normalise_matrix("cage wash"), normalise_matrix("GI")
    ('FAECES', 'CAGE_WASH', 'GI')
    """
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    return _MATRIX.get(key, str(name).strip().upper())


@dataclass
class ExcretionResult:
    """Cumulative excretion tables.

    Attributes
    ----------
    intervals : DataFrame
        Per subject, matrix and interval: ``amount, pct_dose, cum_amount, cum_pct_dose,
        dose_amount, amount_unit`` (the unit of the amounts).
    recovery : DataFrame
        Per subject and matrix (plus ``TOTAL``): amount (``amount_unit``) and % of dose
        recovered.
    summary : DataFrame
        Per matrix (plus ``TOTAL``): n, mean, SD, min, max of % dose recovered.
    amount_unit : str
    notes : list of str
        Warnings that do not stop the calculation: a gap between two collection
        intervals of a subject and matrix (the amount excreted then was not collected),
        a total recovery outside 90-110 % of the dose.
    """

    intervals: pd.DataFrame
    recovery: pd.DataFrame
    summary: pd.DataFrame
    amount_unit: str
    notes: list[str] = field(default_factory=list)

    def write(self, out: str | Path, plot: bool = True) -> list[Path]:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in ("intervals", "recovery", "summary"):
            p = out / f"excretion_{name}.csv"
            getattr(self, name).to_csv(p, index=False)
            paths.append(p)
        if plot:
            from kinetor._figures import save_figure
            from kinetor.adme.plot import plot_excretion

            paths.append(
                save_figure(plot_excretion(self), out / "cumulative_excretion.png", dpi=120)
            )
        return paths


def cumulative_excretion(
    data: pd.DataFrame,
    dose: float | None = None,
    amount_unit: str | None = None,
    dose_unit: str | None = None,
    conc_unit: str | None = None,
    volume_unit: str | None = None,
    file: str = "<DataFrame>",
) -> ExcretionResult:
    """Cumulative amount and % of dose excreted per subject and matrix.

    Parameters
    ----------
    data : DataFrame
        ``subject, matrix, start, end`` and ``amount`` (or ``conc`` and ``volume``);
        optional ``dose`` (per subject, in ``dose_unit``) and ``weight`` (kg, needed for
        a per-kg dose).
    dose : float, optional
        Dose of every subject in ``dose_unit`` (else the ``dose`` column); must be > 0.
    amount_unit : str, optional
        Unit of ``amount`` and of the outputs (for conc x volume: the output unit); else
        the ``amount_unit`` column (one unit per file). A conflict between the two is a
        ``DataError``.
    dose_unit : str
        Unit of the dose: an amount (``mg``, ``uCi``) or a per-kg dose (``mg/kg``).
    conc_unit, volume_unit : str, optional
        Units of ``conc`` and ``volume`` when amounts are given that way; else the
        ``conc_unit`` and ``volume_unit`` columns (one unit per file, as ``amount_unit``).
    file : str
        Name used in messages.

    Returns
    -------
    ExcretionResult

    Raises
    ------
    DataError
        Listing every bad row (negative amounts, end <= start, overlapping intervals,
        missing dose or weight). ``UnitError`` for missing or incompatible units.
    """
    df = data.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    if len(df) == 0:
        raise DataError(
            Problem(
                "no data rows (only a header)",
                file=file,
                row=1,
                fix="add one row per subject, matrix and collection interval",
            )
        )
    amount_unit = amount_unit_of(df, amount_unit, file)
    if not amount_unit:
        raise UnitError(
            "no amount unit (units are never guessed): give --amount-unit or an "
            "'amount_unit' column (amount_unit= in Python), e.g. ug"
        )
    if not dose_unit:
        raise UnitError(
            "no dose unit (units are never guessed): give the dose with its unit, "
            "--dose '10 mg', or --dose-unit for the file's dose column (dose_unit= in "
            "Python), e.g. mg/kg"
        )
    if dose is not None and not (np.isfinite(dose) and dose > 0):
        raise DataError(
            Problem(
                f"dose {dose:g} {dose_unit} is not > 0",
                file=file,
                column="dose",
                fix="give a positive dose: --dose '10 mg' (dose= in Python)",
            )
        )
    problems: list[Problem] = []
    use_conc = "amount" not in df.columns and {"conc", "volume"} <= set(df.columns)
    need = ["subject", "matrix", "start", "end"] + (["conc", "volume"] if use_conc else ["amount"])
    for col in need:
        if col not in df.columns:
            problems.append(
                Problem(
                    f"no '{col}' column",
                    file=file,
                    column=col,
                    fix="add it (amount, or conc and volume, per interval)",
                )
            )
    if problems:
        raise DataError(problems)
    start = numeric(df, "start", file, problems, "collection interval's start time")
    end = numeric(df, "end", file, problems, "collection interval's end time")
    if use_conc:
        f = conc_volume_factor(df, conc_unit, volume_unit, amount_unit, file)
        amount = conc_volume_amounts(df, f, file, problems)
    else:
        amount = amounts(df, "amount", numeric(df, "amount", file, problems), file, problems)
    rows = source_rows(df)
    for i in np.flatnonzero(~(end > start) & np.isfinite(start) & np.isfinite(end)):
        problems.append(
            Problem(
                f"interval end {end[i]:g} is not after start {start[i]:g}",
                file=file,
                row=int(rows[i]),
                column="end",
                fix="end > start",
            )
        )
    df["subject"] = df["subject"].astype("string").fillna("").str.strip()
    df["matrix"] = [normalise_matrix(m) for m in df["matrix"].astype("string").fillna("")]
    for col in ("subject", "matrix"):
        for i in np.flatnonzero((df[col] == "").to_numpy()):
            problems.append(
                Problem(
                    f"empty {col}",
                    file=file,
                    row=int(rows[i]),
                    column=col,
                    fix=f"fill in the {col}",
                )
            )
    factor, per_kg = dose_factor(dose_unit, amount_unit)
    if dose is not None:
        dose_v = np.full(len(df), float(dose))
        if "dose" in df.columns:  # never override the file silently
            given = numeric(df, "dose", file, problems)
            differs = np.isinf(given) | (np.isfinite(given) & ~np.isclose(given, float(dose)))
            for i in np.flatnonzero(differs):
                problems.append(
                    Problem(
                        f"the file's dose {given[i]:g} differs from the dose given ({float(dose):g})",
                        file=file,
                        row=int(rows[i]),
                        column="dose",
                        fix="give the dose once: leave out --dose (dose= in Python) to use "
                        "the file's column, or remove the column",
                    )
                )
    elif "dose" in df.columns:
        dose_v = numeric(df, "dose", file, problems)
        per_subject(df, "dose", dose_v, file, problems)
    else:
        raise DataError(
            Problem(
                "no dose: neither --dose nor a 'dose' column",
                file=file,
                column="dose",
                fix="give the administered dose: --dose '10 mg' (dose= in Python) or a "
                "'dose' column with --dose-unit",
            )
        )
    if per_kg:
        if "weight" not in df.columns:
            raise DataError(
                Problem(
                    f"a per-kg dose ({dose_unit}) needs body weights",
                    file=file,
                    column="weight",
                    fix="add a 'weight' column in kg",
                )
            )
        weight = numeric(df, "weight", file, problems)
        per_subject(df, "weight", weight, file, problems)
        dose_v = dose_v * weight
    dose_amt = dose_v * factor
    for i in np.flatnonzero(~(dose_amt > 0)):
        problems.append(
            Problem(
                "dose (x weight) missing or not > 0",
                file=file,
                row=int(rows[i]),
                column="weight" if per_kg else "dose",
                fix="give a positive dose (and weight for per-kg doses)",
            )
        )
    df["start"], df["end"], df["amount"], df["dose_amount"] = start, end, amount, dose_amt
    df["source_row"] = rows
    df = df.sort_values(["subject", "matrix", "start"], kind="stable")
    grp = df.groupby(["subject", "matrix"], sort=False)
    prev_end = grp["end"].shift(1)
    for r, s, pe in zip(df["source_row"], df["start"], prev_end, strict=True):
        if np.isfinite(pe) and s < pe - 1e-12:
            problems.append(
                Problem(
                    f"interval starting at {s:g} overlaps the previous one (ending at {pe:g})",
                    file=file,
                    row=int(r),
                    column="start",
                    fix="collection intervals of one subject and matrix must not overlap",
                )
            )
    if problems:
        raise DataError(problems)
    df["pct_dose"] = 100.0 * df["amount"] / df["dose_amount"]
    df["amount_unit"] = amount_unit
    df["cum_amount"] = grp["amount"].cumsum()
    df["cum_pct_dose"] = 100.0 * df["cum_amount"] / df["dose_amount"]
    intervals = df[
        [
            "subject",
            "matrix",
            "start",
            "end",
            "amount",
            "pct_dose",
            "cum_amount",
            "cum_pct_dose",
            "dose_amount",
            "amount_unit",
            "source_row",
        ]
    ].reset_index(drop=True)
    last = intervals.groupby(["subject", "matrix"], sort=True).agg(
        end=("end", "max"), amount=("cum_amount", "last"), pct_dose=("cum_pct_dose", "last")
    )
    last = last.reset_index()
    total = (
        last.groupby("subject", sort=True)
        .agg(end=("end", "max"), amount=("amount", "sum"), pct_dose=("pct_dose", "sum"))
        .reset_index()
    )
    total["matrix"] = "TOTAL"
    recovery = pd.concat([last, total[last.columns]], ignore_index=True)
    recovery.insert(recovery.columns.get_loc("amount") + 1, "amount_unit", amount_unit)
    recovery["_total"] = recovery["matrix"] == "TOTAL"  # TOTAL last within a subject
    recovery = (
        recovery.sort_values(["subject", "_total", "matrix"], kind="stable")
        .drop(columns="_total")
        .reset_index(drop=True)
    )
    summary = (
        recovery.groupby("matrix", sort=False)["pct_dose"]
        .agg(n="size", mean="mean", sd="std", min="min", max="max")
        .reset_index()
    )
    summary = summary.rename(columns={c: f"pct_dose_{c}" for c in ("mean", "sd", "min", "max")})
    return ExcretionResult(
        intervals, recovery, summary, amount_unit, excretion_notes(intervals, recovery, file)
    )
