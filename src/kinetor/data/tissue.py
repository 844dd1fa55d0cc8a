"""Tissue concentrations (ng/g) to concentrations per volume (ng/mL), with a density.

Tissue matrices (tumour, brain, liver homogenates) are reported per gram of tissue. They
are analysed as they are (AUC in h*ng/g; clearances and volumes are not defined and say
so); a conversion to ng/mL is done only when asked, with an explicit density — no
density is ever assumed.

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> conc = pd.DataFrame({"subject": "a", "time": [1.0, 2.0], "conc": [10.0, 5.0],
...                      "matrix": "BRAIN"})
>>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
>>> st = Study(conc, doses, units={"time": "h", "conc": "ng/g", "dose": "mg/kg"})
>>> out = tissue_to_volume(st, density=1.04)
>>> out.units["conc"], out.conc["conc"].round(2).tolist()
('ng/mL', [10.4, 5.2])
"""

from __future__ import annotations

from dataclasses import replace

from kinetor.errors import KinetorError
from kinetor.units import Q, parse_unit

__all__ = ["tissue_to_volume"]


def tissue_to_volume(study, density: float, density_unit: str = "g/mL"):
    """A copy of ``study`` with per-mass concentrations (ng/g, nmol/g) converted to per
    volume (ng/mL, nmol/mL): C_vol = C_mass x density. ``density`` is required (no
    default: a tissue's density is the caller's to state)."""
    unit = study.units.get("conc", "")
    cq = Q(1.0, parse_unit(unit))
    dim = str(cq.dimensionality)
    if dim not in ("dimensionless", "[substance] / [mass]"):
        raise KinetorError(f"conc unit {unit!r} is already per volume; nothing to convert")
    if not (density is not None and float(density) > 0):
        raise KinetorError("give the tissue density (> 0), e.g. density=1.04 (g/mL)")
    per_vol = cq * Q(float(density), parse_unit(density_unit))
    base = unit.split("/")[0].strip()  # ng/g -> ng/mL, nmol/g -> nmol/mL
    new_unit = f"{base}/mL"
    factor = float(per_vol.to(parse_unit(new_unit)).magnitude)
    conc = study.conc.copy()
    for col in ("conc", "lloq", "conc_reported"):
        if col in conc.columns:
            conc[col] = conc[col].astype(float) * factor
    units = {**study.units, "conc": new_unit}
    notes = [
        *study.notes,
        f"tissue concentrations converted from {unit} to {new_unit} with "
        f"density {float(density):g} {density_unit}",
    ]
    return replace(study, conc=conc, units=units, notes=notes)
