"""The study data model: concentrations, doses and subjects over tidy DataFrames.

A ``Study`` holds three tables with canonical (snake_case) columns and a unit record.
Readers (``read_study``) map CSV, Excel, CDISC and NONMEM files onto it; everything
downstream (NCA, fitting, reports) reads only these columns.

``conc`` — one row per sample (nothing is ever dropped; excluded rows keep a reason):

=================  ======  ===============================================================
column             dtype   meaning
=================  ======  ===============================================================
subject            str     subject (animal) id; for pooled SEND samples the POOLID
time               float   actual time after the subject's first dose (units.time);
                           the readers fill it from the nominal time where no actual
                           time exists, and say so in ``Study.notes``
nominal_time       float   planned time after the first dose (NaN if unknown)
conc               float   measured concentration (units.conc); NaN when BLQ or missing
blq                bool    below the lower limit of quantification
lloq               float   LLOQ in units.conc (NaN if not given)
analyte            str     analyte (parent, metabolite); one value when not given
matrix             str     PLASMA, BLOOD, SERUM, URINE, TUMOR...
exclude            str     "" when included, otherwise the reason it is excluded
source_row         int     row in the source file (1-based, header = 1 for text files)
=================  ======  ===============================================================

``doses`` — one row per administered dose: ``subject, time, dose, route, duration,
analyte, ss, ii, addl, route_raw, source_row``. ``route`` is ``iv_bolus``,
``iv_infusion`` or ``extravascular``; ``duration`` (units.time) is 0 for bolus and
extravascular doses; ``ss``/``ii``/``addl`` follow NONMEM (0/0/0 for a single dose).

``subjects`` — one row per subject: ``subject, species, sex, weight, group`` plus any
covariate columns. ``weight`` is in kg.

``units`` — ``{"time": "h", "conc": "ng/mL", "dose": "mg/kg"}`` (strings pint reads).

Examples
--------
>>> import pandas as pd
>>> conc = pd.DataFrame({"subject": ["1", "1", "1"], "time": [0.5, 1.0, 2.0],
...                      "conc": [10.0, 8.0, 4.0]})
>>> doses = pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [5.0],
...                       "route": ["iv_bolus"]})
>>> st = Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"})
>>> st.n_subjects, list(st.conc.columns[:4])
(1, ['subject', 'time', 'nominal_time', 'conc'])
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from kinetor.data._buffers import (
    cached,
    column_array,
    digest_column,
    is_text,
    listed_ids,
    same_buffers,
    same_memory,
)
from kinetor.data._checks import check_tables, numeric_column, study_notes
from kinetor.data._factorize import factorize, row_codes
from kinetor.errors import DataError, Problem

__all__ = ["CONC_COLUMNS", "DOSE_COLUMNS", "SUBJECT_COLUMNS", "Study"]

CONC_COLUMNS = {
    "subject": "string",
    "time": "float64",
    "nominal_time": "float64",
    "conc": "float64",
    "blq": "bool",
    "lloq": "float64",
    "analyte": "string",
    "matrix": "string",
    "exclude": "string",
    "source_row": "int64",
}
DOSE_COLUMNS = {
    "subject": "string",
    "time": "float64",
    "dose": "float64",
    "route": "string",
    "duration": "float64",
    "analyte": "string",
    "ss": "int64",
    "ii": "float64",
    "addl": "int64",
    "route_raw": "string",
    "source_row": "int64",
}
SUBJECT_COLUMNS = {
    "subject": "string",
    "species": "string",
    "sex": "string",
    "weight": "float64",
    "group": "string",
}
_DEFAULTS = {
    "nominal_time": np.nan,
    "blq": False,
    "lloq": np.nan,
    "analyte": "ANALYTE",
    "matrix": "PLASMA",
    "exclude": "",
    "duration": 0.0,
    "ss": 0,
    "ii": 0.0,
    "addl": 0,
    "species": "",
    "sex": "",
    "weight": np.nan,
    "group": "",
}
_REQUIRED_UNITS = ("time", "conc", "dose")


def _canonical(df: pd.DataFrame, schema: dict[str, str], table: str) -> pd.DataFrame:
    df = df.copy(deep=False)  # copy-on-write: nothing here writes into the caller's arrays
    missing = [c for c in ("subject",) if c not in df.columns]
    if table == "conc":
        missing += [c for c in ("conc",) if c not in df.columns]
        if "time" not in df.columns and "nominal_time" not in df.columns:
            missing.append("time")
    if table == "doses":
        missing += [c for c in ("time", "dose", "route") if c not in df.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"the {table} table has no '{c}' column",
                    column=c,
                    fix=f"add a '{c}' column or map one with roles={{...}}",
                )
                for c in missing
            ]
        )
    if "source_row" not in df.columns:
        df["source_row"] = np.arange(1, len(df) + 1)
    if table == "conc" and "time" not in df.columns:
        df["time"] = np.nan
    if table == "doses" and "route_raw" not in df.columns:
        df["route_raw"] = df["route"]
    for col, dtype in schema.items():
        if col not in df.columns:
            df[col] = _DEFAULTS[col]
        if dtype == "string":
            df[col] = _as_string(df[col], col != "subject")
        elif df[col].dtype == dtype:  # already so (the readers' numbers): kept as is
            continue
        elif dtype == "bool":
            df[col] = df[col].fillna(False).astype(bool)
        else:
            df[col] = numeric_column(df, col, dtype, table)
    extra = [c for c in df.columns if c not in schema]
    return df[[*schema, *extra]].reset_index(drop=True)


def _as_string(s: pd.Series, fill: bool) -> pd.Series:
    """A column as pandas' string dtype, missing cells as "" (``fill``) or NA (a column
    of str only, what the readers build, is recognised by one C pass: nothing to fill)."""
    out = s.astype("string")
    if pd.api.types.infer_dtype(out.to_numpy(object), skipna=False) == "string":
        return out
    return out.fillna("") if fill else out.fillna(pd.NA)


@dataclass
class Study:
    """A PK study: concentrations, doses, subjects, units and provenance.

    Parameters
    ----------
    conc, doses : DataFrame
        Canonical tables (see module docstring). Missing optional columns get defaults.
    subjects : DataFrame, optional
        One row per subject; built from the subject ids when not given.
    units : dict
        ``time``, ``conc`` and ``dose`` unit strings. Required: units are never guessed.
    groups : list of str
        Columns (of ``subjects`` or ``conc``) that define treatment groups, e.g.
        ``["group"]``; the analyte is always a grouping level of its own.
    source : str
        Where the data came from (file name), used in messages.
    roles : dict
        The column-role map used by the reader: role -> column name in the source.
    mw : dict
        Molecular weight (g/mol) per analyte, when known (for molar conversion).
    notes : list of str
        What the reader did that a user should know (unit conversions, encodings, time
        shifts, columns kept as covariates). Never a substitute for an error.
    files : dict
        The file each table came from (``conc``, ``doses``, ``subjects``), for messages.
    """

    conc: pd.DataFrame
    doses: pd.DataFrame
    # None on input; __post_init__ always builds the table
    subjects: pd.DataFrame = None
    units: dict[str, str] = field(default_factory=dict)
    groups: list[str] = field(default_factory=lambda: ["group"])
    source: str = "<DataFrame>"
    roles: dict[str, str] = field(default_factory=dict)
    mw: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    # (shallow copies of the tables, units, digest) of the last input_hash()
    _hashed: tuple | None = field(default=None, init=False, repr=False, compare=False)
    # conc id columns' factorizations: name -> (shallow copies of the columns, result)
    _codes: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self):  # the caches are not pickled (they would double the tables)
        return {k: v for k, v in self.__dict__.items() if k not in ("_hashed", "_codes")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._hashed = None
        self._codes = {}

    def __post_init__(self) -> None:
        check_tables(self)  # DataFrames and a dict (doses None: no doses, with a note)
        missing = [u for u in _REQUIRED_UNITS if not self.units.get(u)]
        if missing:
            raise DataError(
                [
                    Problem(
                        f"no {u} unit given",
                        file=self.source,
                        fix=f"pass units={{'{u}': ...}} (e.g. "
                        f"{ {'time': 'h', 'conc': 'ng/mL', 'dose': 'mg/kg'}[u]!r})",
                    )
                    for u in missing
                ]
            )
        from kinetor.units import parse_unit

        for text in self.units.values():
            parse_unit(text)  # raises UnitError naming the text
        self.conc = _canonical(self.conc, CONC_COLUMNS, "conc")
        self.doses = _canonical(self.doses, DOSE_COLUMNS, "doses")
        if self.subjects is None:
            ids = pd.unique(pd.concat([self.conc["subject"], self.doses["subject"]]))
            self.subjects = pd.DataFrame({"subject": ids})
        self.subjects = _canonical(self.subjects, SUBJECT_COLUMNS, "subjects").drop(
            columns="source_row"
        )
        self.groups = [
            g for g in self.groups if g in self.subjects.columns or g in self.conc.columns
        ]
        study_notes(self)  # samples without a value: excluded with a reason; unused doses

    # ------------------------------------------------------------------ views
    @property
    def n_subjects(self) -> int:
        return int(self.subjects["subject"].nunique())

    @property
    def analytes(self) -> list[str]:
        return sorted(self.conc["analyte"].unique().tolist())

    def included(self) -> pd.DataFrame:
        """Concentration rows without an exclusion reason."""
        return self.conc[self.conc["exclude"] == ""]

    def conc_with_subjects(self) -> pd.DataFrame:
        """``conc`` joined with the subject table (species, sex, weight, groups)."""
        extra = [c for c in self.subjects.columns if c not in self.conc.columns or c == "subject"]
        return self.conc.merge(self.subjects[extra], on="subject", how="left", validate="m:1")

    def _cached(self, name: str, columns: tuple[str, ...], compute):
        """``compute()`` on conc ``columns``, kept while they are unchanged (see
        ``kinetor.data._buffers.cached``)."""
        return cached(self._codes, name, [self.conc[c] for c in columns], compute)

    def _subject_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """``factorize`` of the conc subject column (integer codes -1 for missing, and the
        ids in order of first appearance), computed once while the column is unchanged."""
        return self._cached(
            "subject", ("subject",), lambda: factorize(self.conc["subject"].to_numpy(object))
        )

    def _seed_subject_codes(self, values: np.ndarray, result) -> None:
        """Keep ``result``, ``factorize(values)`` computed by the reader, as the subject
        codes when ``values`` is the very array of the conc subject column (the same
        memory, both alive: the same cells); otherwise they are computed when asked."""
        self._seed_codes("subject", values, result)

    def _seed_codes(self, column: str, values: np.ndarray, result) -> None:
        """``_seed_subject_codes`` for the conc text ``column`` (analyte, matrix...)."""
        s = self.conc[column]
        if same_memory(column_array(s), values):
            self._codes[column] = ((s.copy(deep=False),), result)

    def _conc_codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``factorize`` of a conc column of text (``analyte``, ``matrix``...), kept."""
        return self._cached(
            column, (column,), lambda: factorize(self.conc[column].to_numpy(object))
        )

    def _key_codes(self) -> np.ndarray:
        """One integer per (subject, analyte, matrix) of the conc rows, in order of first
        appearance: ``row_codes`` of the three columns' codes (integers compare faster
        than strings; the same partition of the rows, so the same codes)."""
        keys = ("subject", "analyte", "matrix")
        return self._cached(
            "keys",
            keys,
            lambda: row_codes(
                [self._subject_codes()[0], *(self._conc_codes(k)[0] for k in keys[1:])]
            ),
        )

    def input_hash(self) -> str:
        """SHA-256 of the canonical tables: the provenance key of any result.

        Kept until a table changes: the tables are held as shallow copies beside the
        digest, so under pandas' copy-on-write any later write into a table (``loc``,
        ``[] =``, a replaced table) gives it new buffers, and the digest is recomputed
        (a write past pandas, into an array taken out with ``to_numpy``, is not seen).
        """
        tables = (self.conc, self.doses, self.subjects)
        units = repr(sorted(self.units.items()))
        if self._hashed is not None:
            held, held_units, digest = self._hashed
            if held_units == units and all(
                same_buffers(a, b) for a, b in zip(tables, held, strict=True)
            ):
                return digest
        h = hashlib.sha256()
        for name, df in zip(("conc", "doses", "subjects"), tables, strict=True):
            h.update(f"\x1e{name}:{len(df)}".encode())
            for col in df.columns:
                s = df[col]
                codes = None
                if (
                    name == "conc"
                    and col in ("subject", "analyte", "matrix", "exclude")
                    and is_text(s)
                ):
                    codes = self._subject_codes() if col == "subject" else self._conc_codes(col)
                elif col == "subject" and is_text(s):  # doses, subjects: the conc ids?
                    codes = listed_ids(s.to_numpy(object), self._subject_codes()[1])
                digest_column(h, str(col), s, codes)
        h.update(units.encode())
        digest = h.hexdigest()
        self._hashed = (tuple(df.copy(deep=False) for df in tables), units, digest)
        return digest

    def summary(self) -> pd.DataFrame:
        """Per group x analyte (natural order): subjects, samples, BLQ, excluded, doses."""
        conc = self.conc_with_subjects()
        by = [g for g in self.groups if g in conc.columns] + ["analyte"]
        doses = self.doses.merge(
            self.subjects[["subject", *[g for g in self.groups if g in self.subjects.columns]]],
            on="subject",
            how="left",
        )
        out = conc.groupby(by, dropna=False, sort=True).agg(
            subjects=("subject", "nunique"),
            samples=("conc", "size"),
            blq=("blq", "sum"),
            excluded=("exclude", lambda s: int((s != "").sum())),
            tmin=("time", "min"),
            tmax=("time", "max"),
        )
        out = out.reset_index()
        dby = [g for g in self.groups if g in doses.columns]
        if dby:
            d = doses.groupby(dby, dropna=False).agg(
                doses=("dose", lambda s: ", ".join(f"{v:g}" for v in sorted(s.unique()))),
                routes=("route", lambda s: ", ".join(sorted(s.unique()))),
            )
            out = out.merge(d.reset_index(), on=dby, how="left")
        from kinetor.numerics.formatting import natural_key  # "PO 3.75" before "PO 15"

        return out.sort_values(by, key=lambda c: c.map(natural_key), ignore_index=True)

    def to_csv(self, path):
        """Write the canonical tables as CSV (see ``kinetor.data.write_csv``)."""
        from kinetor.data.writers import write_csv

        return write_csv(self, path)

    def to_cdisc(self, directory, standard: Literal["send", "sdtm"] = "send", **options):
        """SEND/SDTM PC, EX, DM (and BW) CSVs; ``options`` as ``kinetor.data.write_cdisc``."""
        from kinetor.data.writers import write_cdisc

        return write_cdisc(self, directory, standard=standard, **options)

    def __repr__(self) -> str:
        return (
            f"Study(source={self.source!r}, subjects={self.n_subjects}, "
            f"samples={len(self.conc)}, doses={len(self.doses)}, "
            f"analytes={self.analytes}, units={self.units})"
        )
