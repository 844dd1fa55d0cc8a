"""Which potency record of a library compound the network takes (rules in
:mod:`kinetor.pathway.drugs`): a cellular target-engagement record on the most proximal
readout of the mechanism, else a cell-free record (enzyme, then unspecified ChEMBL rows).
"""

from __future__ import annotations

from kinetor.compounds._vocab import STATUS_RANK

# readouts that are not target engagement (a growth IC50 is far downstream of occupancy)
_NOT_ENGAGEMENT = ("prolif", "viab", "growth", "gi50", "survival", "colony")
# the most proximal cellular readout first, per mechanism
_PROXIMAL = {
    "mtor_kinase": ("s473", "4e-bp1", "4ebp1", "s6k"),
    "akt_atp": ("pras40", "gsk3"),
    # an allosteric (PH-domain) inhibitor blocks AKT's own phosphorylation at the membrane
    # (the network slot's action) before its kinase activity or a substrate
    "akt_allosteric": ("p-akt", "akt", "pras40"),
    "rapalog": ("s6k", "s6"),
    "bivalent_mtor": ("s6k", "4e-bp1"),
    # the two kinases of a dual PI3K/mTOR inhibitor, each on its own proximal readout
    "pi3k_dual": ("t308", "p-akt", "akt", "s473"),
    "mtor_dual": ("s6k", "4e-bp1", "4ebp1", "s6"),
}


def _usable(p) -> bool:
    return p.value.is_numeric and p.measure in ("IC50", "Ki", "Kd", "EC50")


def engagement_record(comp, mechanism: str, target: str | None):
    """The cellular target-engagement record of ``comp`` for ``mechanism`` (or None):
    proliferation/viability readouts do not count; the most proximal readout first, then
    the better status."""
    primary = {t.name.lower() for t in comp.targets if t.role == "primary"}
    want = {target.lower()} if target else primary
    cands = [
        p
        for p in comp.potency
        if p.assay == "cellular"
        and _usable(p)
        and p.target.lower() in want
        and not any(w in p.readout.lower() for w in _NOT_ENGAGEMENT)
    ]
    if not cands:
        return None
    keys = _PROXIMAL.get(mechanism, ())

    def rank(p):
        ro = p.readout.lower().replace(" ", "")
        hit = next((i for i, k in enumerate(keys) if k in ro), len(keys))
        return hit, STATUS_RANK.get(p.value.status, 9)

    return sorted(cands, key=rank)[0]


def cell_free_record(comp, target: str | None, readout: str | None = None):
    """The best cell-free record (enzyme, then unspecified) on ``target`` or a primary one."""
    primary = {t.name.lower() for t in comp.targets if t.role == "primary"}
    for assay in ("enzyme", "unspecified"):
        cands = [
            p
            for p in comp.potency
            if p.assay == assay
            and _usable(p)
            and (
                (target and p.target.lower() == target.lower())
                or (not target and p.target.lower() in primary)
            )
        ]
        if readout:
            cands = [
                p
                for p in cands
                if readout.lower() in f"{p.target} {p.readout}".lower().replace(" ", "")
            ]
        if cands:
            return sorted(cands, key=lambda p: STATUS_RANK.get(p.value.status, 9))[0]
    return None
