"""Header aliases of the analytical run table (:func:`kinetor.bioanalysis.read.read_run`):
``RUN_ALIASES`` and the renaming of a run's columns onto their roles."""

from __future__ import annotations

import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["RUN_ALIASES"]

# header aliases (compared after kinetor.data.aliases.normalise_name: lower case, a unit
# in brackets removed), as the study reader's table; a canonical name present wins
RUN_ALIASES: dict[str, tuple[str, ...]] = {
    "sample_id": (
        "sample_id",
        "sample_name",
        "sample",
        "name",
        "filename",
        "injection",
        "injection_id",
        "sample_no",
    ),
    "sample_type": ("sample_type", "type", "sampletype", "sample_class"),
    "nominal_conc": (
        "nominal_conc",
        "nominal_concentration",
        "nominal",
        "expected_conc",
        "theoretical_conc",
        "actual_concentration",
        "spiked_conc",
    ),
    "analyte_area": ("analyte_area", "area", "analyte_peak_area", "peak_area"),
    "is_area": ("is_area", "istd_area", "is_peak_area", "internal_standard_area"),
    "area_ratio": ("area_ratio", "ratio", "peak_area_ratio", "analyte_is_ratio"),
    "dilution": ("dilution", "dilution_factor", "df", "dil"),
    "qc_level": ("qc_level", "level", "qc"),
    "subject": ("subject", "animal", "animal_id", "subject_id", "id"),
    "time": ("time", "timepoint", "time_point"),  # nominal_time stays nominal_time
    "injection_order": ("injection_order", "inj_order", "run_order", "acquisition_order"),
}


def _apply_aliases(raw: pd.DataFrame, header: list[str], file: str) -> pd.DataFrame:
    """Rename the columns to their roles (``RUN_ALIASES``). Two columns of one role
    (``Nominal Concentration (ng/mL)`` and ``nominal_conc``; ``Time`` and ``time``) are a
    ``DataError`` naming both: one is never silently chosen. Only ``sample_id`` keeps the
    first match (instrument exports carry both ``Sample Name`` and ``Sample ID``)."""
    from kinetor.data.aliases import normalise_name

    cols = [str(c) for c in raw.columns]
    norm = [normalise_name(c) for c in cols]
    new = list(cols)
    used: set[int] = set()
    problems: list[Problem] = []
    for role, names in RUN_ALIASES.items():
        hits = [
            i
            for i, c in enumerate(cols)
            if i not in used and (c == role or (norm[i] in names and c not in RUN_ALIASES))
        ]
        if not hits:
            continue
        if role == "sample_id":  # the canonical name, else the first alias in rank order
            exact = [i for i in hits if cols[i] == role]
            hits = exact or sorted(hits, key=lambda i: names.index(norm[i]))
        elif len(hits) > 1:
            problems.append(
                Problem(
                    f"columns {' and '.join(repr(header[i]) for i in hits)} all mean "
                    f"'{role}': which one holds the data is not guessed",
                    file=file,
                    row=1,
                    column=header[hits[1]],
                    fix=f"keep one of {', '.join(repr(header[i]) for i in hits)} "
                    "(rename or remove the other)",
                )
            )
        new[hits[0]] = role
        used.update(hits)
    if problems:
        raise DataError(problems)
    out = raw.copy()
    out.columns = new
    return out
