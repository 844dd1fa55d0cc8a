r"""The explicit step from cell-line potency to in vivo: a potency shift per compound and
readout, from a published in vivo EC50.

The network's potency comes from cell-line assays (serum-containing medium, short
exposure). A published in vivo concentration-effect relation (tumour biomarker vs plasma
concentration) gives the in vivo potency directly. With the unbound fraction,

.. math::

    EC_{50,u}^{in\,vivo} = f_u \, EC_{50,total}^{in\,vivo}, \qquad
    s = \frac{C_{50,u}^{network}}{EC_{50,u}^{in\,vivo}},

where :math:`C_{50,u}^{network}` is the unbound concentration at which the network's
readout (quasi-steady, the study's genotype) falls to 50 % of control. The chain then
multiplies the compound's unbound concentrations by :math:`s` (equivalently, divides its
network potencies by :math:`s`): ``run_study(exposure_scale={compound: s})``, or
``validate(invivo_shift=True)``.

Uncertainty (both assumptions, stated): an approximate published EC50 (``~``) is taken as
known within a factor of 2, and an unbound fraction from another species within a factor
of 3; the interval of :math:`s` is the product, reported as ``shift_lo``/``shift_hi``.

Examples
--------
>>> readout_for("pPRAS40 EC50 vs total plasma concentration")
'pPRAS40_T246'
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import ModelError

__all__ = ["invivo_potency_shift", "invivo_shifts", "readout_for"]

_READOUTS = {
    "pras40": "pPRAS40_T246",
    "ps6k": "pS6K1_T389",
    "ps6": "pS6_S235_236",
    "pakt": "pAKT_S473",
    "p4ebp1": "p4EBP1_T37_46",
    "pgsk3": "pGSK3B_S9",
}
APPROX_FACTOR = 2.0  # assumption: an '~' EC50 known within 2-fold
OTHER_SPECIES_FU = 3.0  # assumption: fu from another species known within 3-fold


def readout_for(text: str) -> str | None:
    """The network readout named in a biomarker description, or None."""
    t = "".join(ch for ch in str(text).lower() if ch not in " -_")
    for key, name in _READOUTS.items():
        if key in t:
            return name
    return None


def _c50(compound: str, readout: str, tumor: str) -> float:
    from kinetor.pathway.drugs import resolve_drug
    from kinetor.translate.signaling import QuasiSteadyTable, readout_names
    from kinetor.translate.tumors import get_tumor

    names = list(readout_names())
    tab = QuasiSteadyTable(get_tumor(tumor).lesions, None, (resolve_drug(compound),))
    c = np.logspace(-2, 6, 801)
    r = tab([c[None, :]], columns=[names.index(readout)])[0, :, 0]
    below = np.nonzero(r <= 50.0)[0]
    if below.size == 0:
        raise ModelError(
            f"{compound}: the network's {readout} never falls to 50 % of "
            f"control in {tumor} (minimum {r.min():.1f} %)"
        )
    i = int(below[0])
    if i == 0:
        return float(c[0])
    # log-linear interpolation between the grid points around 50 %
    x0, x1, y0, y1 = math.log(c[i - 1]), math.log(c[i]), r[i - 1], r[i]
    return float(math.exp(x0 + (50.0 - y0) * (x1 - x0) / (y1 - y0)))


def invivo_potency_shift(
    compound: str,
    readout: str,
    ec50_total_nM: float,
    tumor: str,
    species: str = "mouse",
    approx: bool = True,
    source: str = "",
) -> dict[str, Any]:
    """The in vivo potency shift of ``compound`` for ``readout`` (see the module docstring).

    The unbound fraction is the library's for ``species``, else the human one (flagged).
    """
    from kinetor import compounds

    comp = compounds.get(compound)
    fu_v = comp.fu(species)
    fu_species = species
    if fu_v is None:
        fu_v, fu_species = comp.fu("human"), "human"
    if fu_v is None:
        raise ModelError(f"{comp.name}: no unbound fraction for {species} or human")
    fu = float(fu_v.central)
    c50 = _c50(comp.name, readout, tumor)
    ec50u = fu * float(ec50_total_nM)
    shift = c50 / ec50u
    spread = (APPROX_FACTOR if approx else 1.0) * (
        OTHER_SPECIES_FU if fu_species != species else 1.0
    )
    return {
        "compound": comp.name,
        "readout": readout,
        "tumor": tumor,
        "ec50_total_nM": float(ec50_total_nM),
        "fu": fu,
        "fu_species": fu_species,
        "fu_source": f"{fu_v.source} [{fu_v.status}]",
        "ec50_unbound_nM": ec50u,
        "c50_network_nM": c50,
        "shift": shift,
        "shift_lo": shift / spread,
        "shift_hi": shift * spread,
        "source": source,
    }


def invivo_shifts(species: str = "mouse") -> pd.DataFrame:
    """One shift per usable ``EC50`` row of ``evidence/pkpd_invivo.csv`` for ``species``."""
    from kinetor.translate.evidence import load_pkpd
    from kinetor.translate.validation import tumor_for_study

    rows = []
    df = load_pkpd()
    for _, r in df.iterrows():
        what = str(r["analyte_or_readout"])
        if "ec50" not in what.lower() or str(r["species"]).lower() != species:
            continue
        if not bool(r.get("usable", True)):
            continue
        readout = readout_for(what)
        tumor = tumor_for_study(str(r["model"]), "")
        if readout is None or tumor is None or str(r["unit"]) not in ("uM", "nM"):
            continue
        ec50 = float(r["value"]) * (1000.0 if str(r["unit"]) == "uM" else 1.0)
        rows.append(
            invivo_potency_shift(
                str(r["compound"]),
                readout,
                ec50,
                tumor,
                species,
                approx=str(r["uncertainty_kind"]) == "approx",
                source=f"{r['study_id']} ({r['doi']}; {r['figure_table']})",
            )
        )
    return pd.DataFrame(rows)
