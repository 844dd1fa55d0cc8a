"""The unknowns of a run as a validated ``kinetor.data.Study`` (``RunResult.to_study``).

The concentration columns (``conc``, ``conc_reported``, ``lloq``, ``uloq``) are converted
from the run's unit to ``units["conc"]`` with ``kinetor.units.convert``: mass <-> molar
needs the molecular weight (``mw``), else a ``UnitError``; a run without a unit takes
``units["conc"]`` as its own. Route aliases of the doses (``PO``, ``IV``) become the
canonical routes as ``read_study`` makes them, and the Study is checked with
``validate_study`` as ``read_study`` checks it: every problem (a duplicate time in a
profile, an unknown route, a subject without a dose...) is one ``DataError`` naming the
rows.
"""

from __future__ import annotations

import pandas as pd

from kinetor.errors import DataError

__all__ = ["study_of"]

_CONC_COLS = ("conc", "conc_reported", "lloq", "uloq")


def study_of(
    conc: pd.DataFrame,
    doses: pd.DataFrame,
    units: dict[str, str],
    run_unit: str,
    source: str,
    mw: float | dict[str, float] | None = None,
    **kwargs,
):
    """A validated ``Study`` of ``conc`` (a run's concentrations, in ``run_unit``)."""
    from kinetor.data import Study, validate_study
    from kinetor.data.routes import normalise_route
    from kinetor.units import convert

    target = units.get("conc") if isinstance(units, dict) else None
    conc = conc.copy()
    if run_unit and target:
        for analyte, idx in conc.groupby("analyte", sort=False).groups.items():
            w = mw.get(analyte) if isinstance(mw, dict) else mw
            for col in _CONC_COLS:
                if col in conc.columns:
                    values = conc.loc[idx, col].to_numpy(float)
                    conc.loc[idx, col] = convert(values, run_unit, target, mw=w)
    if isinstance(doses, pd.DataFrame) and "route" in doses.columns:
        doses = doses.copy()
        if "route_raw" not in doses.columns:
            doses["route_raw"] = doses["route"]
        # an alias becomes its canonical route; an unknown route is kept for validation
        doses["route"] = [normalise_route(r) or r for r in doses["route"]]
    if mw is not None and not isinstance(mw, dict):
        mw = {a: float(mw) for a in pd.unique(conc["analyte"])}
    kwargs.setdefault("files", {"conc": source, "doses": "<doses>"})
    study = Study(conc, doses, units=units, source=source, mw=mw or {}, **kwargs)
    problems = validate_study(study)
    if problems:
        raise DataError(problems)
    return study
