r"""Internal-consistency checks of the compound library.

Reported values are kept as stated; a check only *flags* what cannot all be true (or is
implausible) and says why. The rules and their arithmetic are in docs/compounds.md.

The AUC rule: for linear PK with first-order absorption and elimination, one dose gives

.. math::

    \frac{AUC_\infty}{C_{max}} = \frac{r^{1/(r-1)}}{\lambda_z}
    \le \frac{e}{\lambda_z} = \frac{e\, t_{1/2}}{\ln 2} \approx 3.92\, t_{1/2},
    \qquad r = \frac{\max(k_a, k)}{\min(k_a, k)} \ge 1,

whichever of the two rates is the slower (flip-flop included), so an AUC above
:math:`3.92\,t_{1/2}\,C_{max}` cannot follow from the stated Cmax and half-life.

Examples
--------
>>> import kinetor as kt
>>> f = kt.compounds.check_library()
>>> bool(((f.compound == "vistusertib") & (f.check == "auc_vs_cmax_half_life")).any())
True
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict

from kinetor.compounds import _vocab as V
from kinetor.compounds._unit_checks import check_pk_units
from kinetor.compounds.compound import Compound
from kinetor.compounds.dimensions import _central, _dims, _fraction, _unit_ok, formula_weight
from kinetor.compounds.schema import PKSet
from kinetor.errors import UnitError

__all__ = [
    "AUC_CMAX_FACTOR",
    "HALF_LIFE_TOLERANCE",
    "check_compound",
    "check_library",
    "formula_weight",
]

AUC_CMAX_FACTOR = math.e / math.log(2)  # AUC/Cmax <= 3.92 t1/2 (see module docstring)
HALF_LIFE_TOLERANCE = 1.25  # t1/2 vs ln2*V/CL: flagged outside a factor 1.25 either way
_COLUMNS = ["compound", "file", "check", "severity", "field", "stated", "finding"]


class _Findings:
    def __init__(self, c: Compound):
        self.c, self.rows = c, []

    def add(self, check: str, severity: str, field: str, stated: str, finding: str) -> None:
        from pathlib import Path

        row = (self.c.name, Path(self.c.file).name, check, severity, field, stated, finding)
        self.rows.append(dict(zip(_COLUMNS, row, strict=True)))


def _check_units(c: Compound, out: _Findings) -> None:
    if "mw" in c.identity and not _unit_ok(c.identity["mw"], "mw"):
        out.add(
            "units",
            "unit",
            "identity.mw",
            c.identity["mw"].text(),
            "molecular weight must be in g/mol",
        )
    for i, p in enumerate(c.potency):
        if p.value.is_numeric and not _unit_ok(p.value, "conc"):
            out.add(
                "potency_unit",
                "unit",
                f"potency[{i}]",
                p.value.text(),
                f"{p.measure} unit {p.value.unit!r} is not a concentration",
            )
        r = p.value.range()
        if r is not None and r[0] <= 0:
            out.add(
                "potency_value",
                "implausible",
                f"potency[{i}]",
                p.value.text(),
                f"{p.measure} must be > 0",
            )
    check_pk_units(c.pk, out.add)


def _check_fractions(c: Compound, out: _Findings) -> None:
    for i, b in enumerate(c.binding):
        r = _fraction(b.fu)
        if r is None:
            out.add(
                "units",
                "unit",
                f"binding[{i}].fu",
                b.fu.text(),
                "fu must be a fraction ('1') or '%'",
            )
        elif r[0] <= 0 or r[1] > 1:
            out.add(
                "fu_range", "implausible", f"binding[{i}].fu", b.fu.text(), "fu must lie in (0, 1]"
            )
    for i, s in enumerate(c.pk):
        f = s.parameters.get("f")
        r = None if f is None else _fraction(f)
        if r is not None and r[1] > 1:
            out.add(
                "f_above_100",
                "implausible",
                f"pk[{i}].f ({s.species} {s.route})",
                f.text(),
                "bioavailability above 100% (kept as stated; often nonlinear PK "
                "or dose-normalisation across IV and oral studies)",
            )


def _half_life(c: Compound, s: PKSet) -> tuple[float, str] | None:
    """Longest stated t1/2 (h) from the same set, else the same species, else any species,
    with a description of every half-life considered (the longest is the lenient choice)."""
    tiers = [[s], [x for x in c.pk if x.species == s.species], c.pk]
    for tier in tiers:
        found = []
        for x in tier:
            v = x.parameters.get("t_half")
            if v is not None and v.is_numeric and _unit_ok(v, "time"):
                found.append((v.to("h")[1], f"{x.species} {v.text()}"))
        if found:
            best = max(found)[0]
            cross = (
                ""
                if tier is not c.pk
                or all(x.species == s.species for x in tier if "t_half" in x.parameters)
                else ", cross-species"
            )
            return best, "; ".join(label for _, label in found) + cross
    return None


def _check_auc(c: Compound, out: _Findings) -> None:
    from kinetor.units import convert

    for i, s in enumerate(c.pk):
        if s.kind != "nca" or "cmax" not in s.parameters:
            continue
        cmax = s.parameters["cmax"]
        hl = _half_life(c, s)
        for name in ("auc", "auc_inf", "auc_last", "auc_tau"):
            auc = s.parameters.get(name)
            if (
                auc is None
                or hl is None
                or not (_unit_ok(auc, "conc_time") and _unit_ok(cmax, "conc"))
            ):
                continue
            try:
                a = [float(convert(x, auc.unit, f"({cmax.unit})*h", mw=c.mw)) for x in auc.range()]
            except UnitError:
                continue
            cm = cmax.range()
            bound = AUC_CMAX_FACTOR * hl[0]
            dose_range = s.dose is not None and s.dose.low is not None
            pairs = [(a[0], cm[0]), (a[1], cm[1])] if dose_range else [(a[0], cm[1])]
            ratios = [x / y for x, y in pairs]
            if max(ratios) <= bound:
                continue
            how = (
                "lowest and highest dose paired, as both rise with dose"
                if dose_range
                else "most lenient pairing"
            )
            msg = (
                f"AUC/Cmax = {' and '.join(f'{r:.3g} h' for r in ratios)} ({how}); with "
                f"the longest t1/2 stated ({hl[0]:g} h; stated: {hl[1]}) linear PK allows at most e*t1/2/ln2 = "
                f"{bound:.3g} h: the AUC cannot follow from the stated Cmax and half-life"
            )
            if c.mw and "[substance]" in _dims(auc.unit):
                # x ng*h/mL / MW g/mol = x/MW umol*h/L
                alt = [float(convert(x / c.mw, "uM*h", auc.unit)) for x in auc.range()]
                msg += (
                    f". Read as ng*h/mL the numbers would be {alt[0]:.3g}-{alt[1]:.3g} "
                    f"{auc.unit} (a possible unit slip; not corrected)"
                )
            out.add(
                "auc_vs_cmax_half_life",
                "inconsistent",
                f"pk[{i}].{name} ({s.species} {s.route})",
                f"{name} {auc.text()}; cmax {cmax.text()}",
                msg,
            )


def _check_dose(c: Compound, out: _Findings) -> None:
    groups: dict[tuple, list[tuple[int, PKSet]]] = defaultdict(list)
    for i, s in enumerate(c.pk):
        if s.kind == "nca" and s.dose is not None:
            groups[(s.species, s.route, s.strain)].append((i, s))
        if s.dose is not None and s.dose.low is not None and s.dose.low > 0:
            d_ratio = s.dose.high / s.dose.low
            for name in ("cmax", "auc", "auc_inf"):
                v = s.parameters.get(name)
                r = None if v is None else v.range()
                if r and r[0] > 0 and r[0] != r[1] and r[1] / r[0] > 2 * d_ratio:
                    out.add(
                        "dose_proportionality",
                        "note",
                        f"pk[{i}].{name}",
                        f"{name} {v.text()} over dose {s.dose.text()}",
                        f"{name} spans {r[1] / r[0]:.3g}-fold over a {d_ratio:.3g}-fold "
                        f"dose range: far more than dose-proportional (nonlinear PK, "
                        f"pooled studies or a typo); kept as stated",
                    )
    for (species, route, _), sets in groups.items():
        pts = []
        for i, s in sets:
            cm = s.parameters.get("cmax")
            if cm is not None and cm.central is not None and s.dose.central is not None:
                try:
                    pts.append(
                        (
                            s.dose.to(sets[0][1].dose.unit)[0],
                            cm.to("nM", mw=c.mw) or cm.range(),
                            i,
                            s,
                        )
                    )
                except UnitError:
                    continue
        pts.sort(key=lambda t: t[0])
        for (d0, c0, _i0, s0), (d1, c1, i1, s1) in itertools.pairwise(pts):
            if d1 > d0 and c1[1] < c0[0]:
                out.add(
                    "cmax_vs_dose",
                    "implausible",
                    f"pk[{i1}].cmax ({species} {route})",
                    f"{s0.dose.text()}: {s0.parameters['cmax'].text()}; "
                    f"{s1.dose.text()}: {s1.parameters['cmax'].text()}",
                    "Cmax falls as the dose rises",
                )


def _check_half_life(c: Compound, out: _Findings) -> None:
    for i, s in enumerate(c.pk):
        p = s.parameters
        th = p.get("t_half")
        if th is None or not th.is_numeric or not _unit_ok(th, "time"):
            continue
        for cl_name, v_name in (("cl", "vz"), ("cl", "v"), ("cl_f", "vz_f"), ("cl_f", "v_f")):
            cl, vol = p.get(cl_name), p.get(v_name)
            if cl is None or vol is None or not (_unit_ok(cl, "flow") and _unit_ok(vol, "volume")):
                continue
            per_kg = (_dims(cl.unit).get("[mass]", 0), _dims(vol.unit).get("[mass]", 0))
            if per_kg[0] != per_kg[1]:  # a units finding (_unit_checks), no t1/2 to compare
                continue
            vu, cu = ("L/kg", "L/h/kg") if per_kg[0] else ("L", "L/h")
            t_calc = math.log(2) * _central(vol, vu) / _central(cl, cu)
            t_stated = _central(th, "h")
            ratio = t_stated / t_calc
            if not 1 / HALF_LIFE_TOLERANCE <= ratio <= HALF_LIFE_TOLERANCE:
                out.add(
                    "half_life_vs_cl_v",
                    "inconsistent",
                    f"pk[{i}] ({s.species})",
                    f"t_half {th.text()}; {cl_name} {cl.text()}; {v_name} {vol.text()}",
                    f"ln2*{v_name}/{cl_name} = {t_calc:.3g} h but t1/2 is stated "
                    f"{t_stated:.3g} h (outside a factor {HALF_LIFE_TOLERANCE})",
                )


def _check_model_sets(c: Compound, out: _Findings) -> None:
    for i, s in enumerate(c.pk):
        if s.kind != "model" or s.model not in V.PK_MODELS:
            continue
        kind = "iv" if s.route.startswith("iv") else "ev"
        missing = [p for p in V.MODEL_REQUIRED[(s.model, kind)] if p not in s.parameters]
        if missing:
            out.add(
                "model_incomplete",
                "incomplete",
                f"pk[{i}] ({s.species} {s.route})",
                s.model,
                f"a {s.model} {kind} model needs {', '.join(missing)}",
            )
        for name, v in s.parameters.items():
            r = v.range()
            if r is not None and r[0] <= 0 and name != "tlag":
                out.add(
                    "model_values",
                    "implausible",
                    f"pk[{i}].{name}",
                    v.text(),
                    "model parameters must be > 0",
                )


def _check_identity(c: Compound, out: _Findings) -> None:
    f, mw = c.identity.get("formula"), c.identity.get("mw")
    if f is not None and mw is not None and isinstance(f.value, str) and mw.central:
        try:
            fw = formula_weight(f.value)
        except UnitError as exc:
            out.add("mw_vs_formula", "unit", "identity.formula", f.value, str(exc))
            return
        if abs(fw - mw.central) > 0.5:
            out.add(
                "mw_vs_formula",
                "inconsistent",
                "identity.mw",
                f"{mw.text()}; {f.value}",
                f"the formula weighs {fw:.2f} g/mol, {abs(fw - mw.central):.2f} away",
            )


# a citation that says the value was not read in a primary source; "recalled" counts
# unless it is a detail of the citation ("authors recalled": the abstract was read)
_NOT_READ = re.compile(
    r"unverified|not re-read|vendor page|wikipedia mirror|(?<!authors )\brecalled\b", re.I
)
_STATUS_FIX = (
    "'firm' means read in the cited source, but the source says it was not (recalled, a "
    "vendor page, a Wikipedia mirror, not re-read): set the status to 'unverified', or "
    "'likely' where the secondary source itself was read"
)


def _cited(c: Compound):
    """``(field, item)`` of every cited item; PK parameters only where not inherited."""
    for sec in ("identity", "development", "adme"):
        yield from ((f"{sec}.{k}", v) for k, v in getattr(c, sec).items())
    yield from ((f"potency[{i}]", p.value) for i, p in enumerate(c.potency))
    yield from ((f"binding[{i}].fu", b.fu) for i, b in enumerate(c.binding))
    for sec in ("targets", "schedules", "pk"):
        for i, r in enumerate(getattr(c, sec)):
            yield f"{sec}[{i}]", r
            for k, v in {**getattr(r, "parameters", {}), "dose": getattr(r, "dose", None)}.items():
                if v is not None and (v.status, v.source) != (r.status, r.source):
                    yield f"{sec}[{i}].{k}", v


def _check_status(c: Compound, out: _Findings) -> None:
    for field, r in _cited(c):  # a source's citations: split at ';' outside parentheses
        if r.status == "firm" and all(
            _NOT_READ.search(x) for x in re.split(r";\s*(?![^()]*\))", r.source or "")
        ):
            out.add("status_vs_source", "inconsistent", field, f"firm: {r.source}", _STATUS_FIX)


def check_compound(c: Compound) -> list[dict]:
    """All findings for one compound (list of dicts with the columns of
    :func:`check_library`)."""
    out = _Findings(c)
    for rule in (
        _check_identity,
        _check_units,
        _check_fractions,
        _check_auc,
        _check_dose,
        _check_half_life,
        _check_model_sets,
        _check_status,
    ):
        rule(c, out)
    return out.rows


def check_library(library=None):
    """Findings for every compound: ``compound, file, check, severity, field, stated,
    finding``. Severities: ``inconsistent`` (cannot all be true), ``implausible``,
    ``unit``, ``incomplete``, ``note``. Findings are facts about the data, not errors."""
    import pandas as pd

    from kinetor.compounds.library import load_library

    lib = load_library() if library is None else library
    rows = [r for c in lib for r in check_compound(c)]
    return pd.DataFrame(rows, columns=_COLUMNS)
