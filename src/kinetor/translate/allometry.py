r"""Allometric PK: a labelled *assumption* for species the compound library has no set for.

Where no mouse (or rat) PK was found in the sources, :func:`allometric_pk` scales the
library's human model set by body weight with the usual exponents,

.. math::

    CL_{animal} = CL_{human} \left(\frac{W_{animal}}{W_{human}}\right)^{0.75}, \qquad
    V_{animal} = V_{human} \frac{W_{animal}}{W_{human}},

keeps the absorption rate constant and F of the human set (apparent parameters stay
apparent), and carries over the **human** unbound fraction (no mouse binding in the
sources). The result is a ``pk=`` dict for :func:`~kinetor.translate.run_study` whose
``status`` is ``assumption`` and whose ``source`` says all of this; nothing calls it
unless asked (``kinetor translate validate --allometric-pk``). Simple allometry is known
to mispredict rodent clearance by several-fold for many kinase inhibitors; docs/translate.md
gives the sensitivity of TGI to it.

Examples
--------
>>> p = allometric_pk("alpelisib", "mouse")
>>> p["model"], p["status"], p["v"][:5]
('1cmt', 'assumption', '1.542')
"""

from __future__ import annotations

from typing import Any

from kinetor.errors import ModelError

__all__ = ["CL_EXPONENT", "V_EXPONENT", "allometric_pk", "library_pk_dict"]

CL_EXPONENT = 0.75
V_EXPONENT = 1.0


def allometric_pk(
    compound: str,
    species: str = "mouse",
    from_species: str = "human",
    cl_exponent: float = CL_EXPONENT,
    v_exponent: float = V_EXPONENT,
) -> dict[str, Any]:
    """A ``pk=`` dict for ``compound`` in ``species`` scaled from the ``from_species`` set.

    Raises
    ------
    ModelError
        A species not in :data:`kinetor.pk.SPECIES` (names are case-insensitive), an
        exponent that is not a finite number > 0, no model set for ``from_species`` in the
        library, a two-compartment set (only one-compartment sets are scaled here), or no
        unbound fraction.
    """
    import math
    import numbers

    from kinetor import compounds
    from kinetor.errors import KinetorError
    from kinetor.pk import SPECIES

    names = {}
    for role, name in (("species", species), ("from_species", from_species)):
        key = str(name).strip().lower()
        if key not in SPECIES:
            raise ModelError(f"{role} {name!r} has no reference weight: use {', '.join(SPECIES)}")
        names[role] = key
    species, from_species = names["species"], names["from_species"]
    for role, b in (("cl_exponent", cl_exponent), ("v_exponent", v_exponent)):
        if isinstance(b, bool) or not isinstance(b, numbers.Real) or not 0 < b < math.inf:
            raise ModelError(f"{role} = {b!r}: give a finite number > 0 (usual: cl 0.75, v 1.0)")
    try:
        comp = compounds.get(compound)
    except (KinetorError, KeyError, LookupError) as exc:
        raise ModelError(f"{compound}: not in the compound library ({exc})") from exc
    p = comp.pk_params(from_species)
    if p["model"] != "1cmt":
        raise ModelError(
            f"{comp.name}: only one-compartment sets are scaled, the "
            f"{from_species} set is {p['model']}"
        )
    if p.get("fu") is None:
        raise ModelError(f"{comp.name}: no {from_species} unbound fraction to carry over")
    w_to = float(SPECIES[species]["weight"])
    w_from = float(SPECIES[from_species]["weight"])
    cl = p["cl"] * (w_from if p["per_kg"] else 1.0)
    v = p["v"] * (w_from if p["per_kg"] else 1.0)
    cl_to = cl * (w_to / w_from) ** cl_exponent / w_to
    v_to = v * (w_to / w_from) ** v_exponent / w_to
    src = (
        f"allometric scaling of the {from_species} set of {comp.name} to {species} "
        f"(CL x W^{cl_exponent:g}, V x W^{v_exponent:g}, ka and F unchanged, "
        f"{from_species} fu carried over) [assumption]; {from_species} set: {p['source']} "
        f"[{p['status']}]"
    )
    return {
        "model": "1cmt",
        "cl": f"{cl_to!r} L/h/kg",
        "v": f"{v_to!r} L/kg",
        "ka": f"{p['ka']!r} 1/h",
        "f": float(p["f"]),
        "fu": float(p["fu"]),
        "mw": float(p["mw"]),
        "source": src,
        "status": "assumption",
    }


def library_pk_dict(compound: str, species: str) -> dict:
    """The library's model set of ``compound`` in ``species`` as a ``pk=`` dict."""
    from kinetor import compounds

    p = compounds.get(compound).pk_params(species)
    units = p.get("units", {})
    out = {
        "model": p["model"],
        "fu": p["fu"],
        "mw": p["mw"],
        "source": p["source"],
        "status": p["status"],
    }
    for k in ("cl", "v", "v1", "q", "v2", "ka", "tlag", "f"):
        if p.get(k) is not None:
            u = units.get(k, "")
            out[k] = float(p[k]) if u in ("", "fraction") else f"{p[k]!r} {u}"
    return out
