"""Column roles: the alias table that maps a lab's column names onto kinetor's roles.

A column name is compared after normalisation: lower case, a unit in brackets removed
(``"Conc (ng/mL)"`` -> ``conc`` with unit ``ng/mL``), spaces, dots, dashes and slashes
turned into ``_``. A trailing unit token also counts (``time_h``, ``weight_kg``,
``conc_ng_ml``). Within a role the first alias in the table wins, then the leftmost
column. ``roles={"subject": "Animal"}`` overrides any guess.

>>> roles, units, _ = guess_roles(["Animal", "Time (h)", "Conc (ng/mL)", "Dose_mg_kg"])
>>> roles["subject"], roles["time"], units["conc"], units["dose"]
('Animal', 'Time (h)', 'ng/mL', 'mg/kg')
"""

from __future__ import annotations

import re

from kinetor.errors import Problem

__all__ = [
    "ALIASES",
    "UNIT_ROLES",
    "guess_roles",
    "lookalike_columns",
    "normalise_name",
    "split_header",
]

# role -> accepted names (normalised). Order matters: earlier names win.
ALIASES: dict[str, tuple[str, ...]] = {
    "subject": (
        "subject",
        "subject_id",
        "subjid",
        "usubjid",
        "id",
        "animal",
        "animal_id",
        "animalid",
        "animal_no",
        "animal_number",
        "animal_num",
        "mouse",
        "mouse_id",
        "rat",
        "rat_id",
        "patient",
        "patient_id",
        "individual",
        "subj",
    ),
    "time": (
        "time",
        "actual_time",
        "atime",
        "afrlt",
        "time_after_first_dose",
        "tafd",
        "time_after_dose",
        "tad",
        "elapsed_time",
        "hours",
        "hour",
        "hr",
        "t",
        "start_time",
        "collection_start",
        "start_of_collection",
    ),
    "end_time": ("end_time", "collection_end", "end_of_collection", "stop_time", "end"),
    "volume": ("volume", "urine_volume", "collection_volume", "sample_volume", "vol"),
    "nominal_time": (
        "nominal_time",
        "nominal",
        "nom_time",
        "ntime",
        "nfrlt",
        "planned_time",
        "scheduled_time",
        "nominal_time_point",
    ),
    "conc": (
        "conc",
        "concentration",
        "dv",
        "aval",
        "cp",
        "plasma_conc",
        "plasma_concentration",
        "result",
        "value",
        "pcstresn",
    ),
    "dose": ("dose", "amt", "dosea", "exdose", "dose_level", "dose_amount", "dose_mg_kg"),
    "dose_time": ("dose_time", "time_of_dose", "tdose", "dosing_time"),
    "route": ("route", "exroute", "admin_route", "route_of_administration", "administration"),
    "duration": ("duration", "infusion_duration", "dur", "tinf", "infusion_time"),
    "group": (
        "group",
        "grp",
        "arm",
        "treatment",
        "treatment_group",
        "cohort",
        "dose_group",
        "setcd",
        "trt",
    ),
    "analyte": ("analyte", "compound", "paramcd", "pctestcd", "test", "analyte_name"),
    "matrix": ("matrix", "specimen", "pcspec", "sample_type", "sample_matrix", "tissue", "parcat1"),
    "lloq": ("lloq", "loq", "lloq_value", "pclloq", "alloq", "lower_limit"),
    "blq": ("blq", "bql", "blq_flag", "blqfl", "below_lloq", "cens", "censored"),
    "exclude": ("exclude", "excluded", "exclusion", "exclude_reason", "exclusion_reason"),
    "species": ("species",),
    "sex": ("sex", "gender"),
    "weight": ("weight", "bw", "body_weight", "bodyweight", "wt", "weight_bl", "weightbl"),
    "route_raw": ("route_raw",),
    "ss": ("ss", "steady_state"),
    "ii": ("ii", "interdose_interval", "tau"),
    "addl": ("addl", "additional_doses"),
    "conc_unit": (
        "conc_unit",
        "conc_units",
        "concu",
        "avalu",
        "pcstresu",
        "dv_unit",
        "dvu",
        "concentration_unit",
    ),
    "time_unit": ("time_unit", "time_units", "timeu", "frltu", "tunit"),
    "dose_unit": ("dose_unit", "dose_units", "doseu", "exdosu", "amt_unit", "amtu"),
    "weight_unit": ("weight_unit", "weight_units", "bw_unit", "wtu"),
}

# roles whose header may carry a unit, and the unit role it fills
UNIT_ROLES = {
    "time": "time",
    "nominal_time": "time",
    "conc": "conc",
    "dose": "dose",
    "lloq": "lloq",
    "weight": "weight",
    "duration": "duration",
    "dose_time": "dose_time",
    "ii": "ii",
    "end_time": "time",
    "volume": "volume",
}

_SUFFIX_UNITS = {
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "min": "min",
    "d": "day",
    "day": "day",
    "days": "day",
    "ng_ml": "ng/mL",
    "ug_ml": "ug/mL",
    "mg_l": "mg/L",
    "ug_l": "ug/L",
    "nm": "nM",
    "um": "uM",
    "mg_kg": "mg/kg",
    "mg": "mg",
    "ug": "ug",
    "kg": "kg",
    "g": "g",
    "umol_kg": "umol/kg",
}
_BRACKET = re.compile(r"^(?P<base>.*?)\s*[(\[]\s*(?P<unit>[^()\[\]]+?)\s*[)\]]\s*$")


def normalise_name(name: str) -> str:
    """``"Conc. (ng/mL)"`` -> ``"conc"``: the form compared against the alias table."""
    base, _ = split_header(name)
    return re.sub(r"[^0-9a-zµμ]+", "_", base.lower()).strip("_")


def split_header(name: str) -> tuple[str, str | None]:
    """Split ``"Conc (ng/mL)"`` into ``("Conc", "ng/mL")``; no bracket -> ``(name, None)``."""
    m = _BRACKET.match(str(name))
    if m and m.group("base").strip():
        return m.group("base").strip(), m.group("unit").strip()
    return str(name).strip(), None


def _match(norm: str, aliases: tuple[str, ...]) -> tuple[int, str | None] | None:
    for rank, alias in enumerate(aliases):
        if norm == alias:
            return rank, None
        if norm.startswith(alias + "_"):
            unit = _SUFFIX_UNITS.get(norm[len(alias) + 1 :])
            if unit:
                return rank, unit
    return None


def guess_roles(
    columns, roles: dict[str, str] | None = None, allowed: tuple[str, ...] | None = None
):
    """Assign columns to roles.

    Returns ``(roles, header_units, problems)``: role -> column, role -> unit written in
    the header, and problems (an override naming a column that does not exist).
    """
    columns = [str(c) for c in columns]
    problems: list[Problem] = []
    chosen: dict[str, str] = {}
    units: dict[str, str] = {}
    taken: set[str] = set()
    for role, col in (roles or {}).items():
        if col not in columns:
            problems.append(
                Problem(
                    f"roles maps {role!r} to column {col!r}, which is not in the file",
                    column=col,
                    fix=f"use one of: {', '.join(columns)}",
                )
            )
            continue
        chosen[role] = col
        taken.add(col)
    norms = {c: normalise_name(c) for c in columns}
    for role, aliases in ALIASES.items():
        if role in chosen or (allowed is not None and role not in allowed):
            continue
        best = None
        for pos, col in enumerate(columns):
            if col in taken:
                continue
            hit = _match(norms[col], aliases)
            if hit is not None and (best is None or (hit[0], pos) < best[0]):
                best = ((hit[0], pos), col, hit[1])
        if best is not None:
            chosen[role] = best[1]
            taken.add(best[1])
            if best[2]:
                units[role] = best[2]
    for role, col in chosen.items():
        unit = split_header(col)[1]
        if unit and role in UNIT_ROLES:
            units[role] = unit
    return chosen, units, problems


def lookalike_columns(columns, chosen: dict[str, str], allowed=None) -> list[tuple[str, str, str]]:
    """``(column, role, alias)`` for each column no role took whose name closely resembles
    an alias of a role no column took (a typo such as ``Tmie (h)``): difflib ratio >= 0.85,
    or >= 0.75 with the same letters (two letters swapped). Said in a note, never guessed.

    >>> lookalike_columns(["Animal", "Tmie (h)", "Conc"], {"subject": "Animal", "conc": "Conc"})
    [('Tmie (h)', 'time', 'time')]
    """
    from difflib import SequenceMatcher

    taken = set(chosen.values())
    names = {c: normalise_name(c) for c in map(str, columns) if c not in taken}
    names = {c: n for c, n in names.items() if len(n) >= 3}
    best: dict[str, tuple[float, str, str]] = {}
    m = SequenceMatcher()
    for role, aliases in ALIASES.items():
        if role in chosen or (allowed is not None and role not in allowed):
            continue
        for alias in aliases:
            m.set_seq2(alias)  # the costly half, once per alias (as get_close_matches)
            for col, name in names.items():
                if not 0.6 * len(alias) <= len(name) <= len(alias) / 0.6:
                    continue  # 2 min(len) / (sum of lengths), the bound of the ratio, < 0.75
                m.set_seq1(name)
                if m.quick_ratio() < 0.75:
                    continue
                r = m.ratio()
                if (r >= 0.85 or (r >= 0.75 and sorted(name) == sorted(alias))) and r > best.get(
                    col, (0.0,)
                )[0]:
                    best[col] = (r, role, alias)
    return [(c, best[c][1], best[c][2]) for c in names if c in best]
