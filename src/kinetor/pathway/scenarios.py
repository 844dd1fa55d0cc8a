"""Published observations as simulations of the network (``evidence/scenarios.csv``).

Each row of ``evidence/scenarios.csv`` says, for one observation ``id``, how the network
reproduces the experiment: the cell (``lesions``: library lesion names; ``parameters``:
knock-downs and point mutants as ``name=value`` model parameters), the ``context``
(``growth_factor=0``, ``hypoxia=1``, ...), the ``drugs`` (compound-library names, ``;``
separated), the model ``readout`` to compare, the comparison (``level``: % of the baseline;
``ic50``: IC50 in nM; ``ic50_ratio``: IC50 in % of the baseline cell's IC50) and the
baseline experiment (``same``: the treated row's value; ``none``/``parental``/``default``:
no drug, no lesion, default context; or an explicit value). Concentrations (nM) and times
(h) come from the observation row; where it has none, from the scenario (``conc_nM`` as
``drug=nM`` pairs, with ``conc_source`` saying where in the paper they were read; a
combination's concentrations always come from the scenario). Where neither states them,
a fixed rule supplies them (:func:`rule_conc_nM`: 10 x the compound's cellular potency;
:func:`rule_time_h`: 2 h for phosphorylation, 24 h for expression, 72 h for phenotypes),
and the row's ``conditions`` is ``rule`` instead of ``stated``; pass rates are reported for
both groups. The rule was fixed before any calibration and is not tuned. A row that cannot
be simulated says ``simulable = no`` and why (``reason``): in vivo and patient rows (mg/kg
doses: the cell network would need the PK -> free-concentration chain of
``kinetor.translate``), cell-free enzyme assays, drugs not in the compound library or not
named, readouts the network does not have.

The cell-line table (:data:`CELL_LINES`, from :mod:`kinetor.pathway.cell_lines`) maps named
lines to lesions.

Examples
--------
>>> sc = load_scenarios()
>>> bool(sc["id"].is_unique)
True
>>> s = build_scenarios().set_index("id").loc["A-harrington2004-03"]
>>> s["scenario"].lesions, s["baseline"].lesions
(('TSC2_loss',), ())
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kinetor.errors import DataError, ModelError, Problem
from kinetor.pathway._engine import READOUT_VARS
from kinetor.pathway.cell_lines import CELL_LINES
from kinetor.pathway.drugs import resolve_drug
from kinetor.pathway.evidence import EVIDENCE_DIR, load_observations
from kinetor.pathway.evidence._reading import read_table
from kinetor.pathway.lesions import CONTEXTS, LESIONS

__all__ = [
    "CELL_LINES",
    "COMPARES",
    "SCENARIOS_FILE",
    "SCENARIO_COLUMNS",
    "Scenario",
    "build_scenarios",
    "load_scenarios",
    "rule_conc_nM",
    "rule_time_h",
]

SCENARIOS_FILE = EVIDENCE_DIR / "scenarios.csv"
SCENARIO_COLUMNS = (
    "id",
    "simulable",
    "reason",
    "lesions",
    "context",
    "parameters",
    "drugs",
    "conc_nM",
    "conc_source",
    "time_h",
    "readout",
    "compare",
    "baseline_lesions",
    "baseline_context",
    "baseline_parameters",
    "baseline_drugs",
    "baseline_conc_nM",
    "note",
)
COMPARES = ("level", "ic50", "ic50_ratio")


@dataclass(frozen=True)
class Scenario:
    """One simulated experiment: cell, context, parameter overrides, drugs (nM), time (h).

    ``time_h`` is ``None`` for a drug-free comparison of steady states.
    """

    lesions: tuple[str, ...] = ()
    context: tuple[tuple[str, float], ...] = ()
    parameters: tuple[tuple[str, float], ...] = ()
    drugs: tuple[tuple[str, float], ...] = ()
    time_h: float | None = None

    def cell_key(self) -> tuple:
        return (self.lesions, self.context, self.parameters)

    def label(self) -> str:
        les = "+".join(self.lesions) or "parental"
        dr = " + ".join(f"{d} {c:g} nM" for d, c in self.drugs) or "no drug"
        extra = ";".join(f"{k}={v:g}" for k, v in self.context + self.parameters)
        when = "steady state" if self.time_h is None else f"{self.time_h:g} h"
        return f"{les}{' [' + extra + ']' if extra else ''}, {dr}, {when}"


@dataclass
class _Row:
    sid: str
    problems: list[Problem] = field(default_factory=list)


def load_scenarios(path: str | Path | None = None) -> pd.DataFrame:
    """``scenarios.csv`` checked: columns, unique ids, yes/no, compare, lesion names."""
    path = Path(path) if path is not None else SCENARIOS_FILE
    df = read_table(path)
    problems: list[Problem] = []
    missing = [c for c in SCENARIO_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"missing columns {missing}",
                    file=path.name,
                    row=1,
                    fix=f"use: {', '.join(SCENARIO_COLUMNS)}",
                )
            ]
        )
    for i, r in df.iterrows():
        where = {"file": path.name, "row": int(i) + 2}
        if r["simulable"] not in ("yes", "no"):
            problems.append(
                Problem(
                    f"simulable {r['simulable']!r}", column="simulable", fix="yes or no", **where
                )
            )
        if r["simulable"] == "no" and not r["reason"]:
            problems.append(
                Problem(
                    "simulable = no without a reason",
                    column="reason",
                    fix="say why the row cannot be simulated",
                    **where,
                )
            )
        if r["compare"] not in COMPARES:
            problems.append(
                Problem(
                    f"compare {r['compare']!r}",
                    column="compare",
                    fix=f"one of {', '.join(COMPARES)}",
                    **where,
                )
            )
        for col in ("lesions", "baseline_lesions"):
            for name in _split(r[col]):
                if name not in LESIONS and name not in ("same", "parental"):
                    problems.append(
                        Problem(
                            f"unknown lesion {name!r}",
                            column=col,
                            fix=f"one of {', '.join(LESIONS)}",
                            **where,
                        )
                    )
    dup = df["id"][df["id"].duplicated()]
    for sid in dup:
        problems.append(
            Problem(
                f"id {sid!r} repeated",
                file=path.name,
                column="id",
                fix="one scenario per observation",
            )
        )
    if problems:
        raise DataError(problems)
    return df


def _split(text: str) -> list[str]:
    return [p.strip() for p in str(text).split(";") if p.strip()]


def _pairs(text: str, what: str, row: _Row) -> dict[str, float]:
    out = {}
    for part in _split(text):
        key, _, value = part.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            row.problems.append(
                Problem(
                    f"{what} {part!r} is not name=number",
                    column=what,
                    fix="write name=value pairs separated by ';'",
                )
            )
    return out


def _drug_concs(
    names: list[str], text: str, obs_conc: float, what: str, row: _Row
) -> tuple[tuple[tuple[str, float], ...], bool]:
    """(drug, nM) pairs and whether any came from the rule: the observation's concentration
    for a single drug, else the scenario's ``drug=nM`` text, else :func:`rule_conc_nM`."""
    given = _pairs(text, what, row) if "=" in text else {}
    out, ruled = [], False
    for name in names:
        if len(names) == 1 and math.isfinite(obs_conc):
            out.append((name, float(obs_conc)))
        elif name in given:
            out.append((name, given[name]))
        else:
            out.append((name, rule_conc_nM(name)))
            ruled = True
    return tuple(out), ruled


def rule_conc_nM(drug: str) -> float:
    """The concentration rule for a paper that does not state one (fixed before any
    calibration): 10 x the compound's cellular on-target potency from the library
    (:meth:`~kinetor.pathway.drugs.Drug.cellular_k` of its first slot; a rapalog's with the
    ``mtor.ant`` prior of ``rapalog_shift``).

    Examples
    --------
    >>> rule_conc_nM("capivasertib") == 10 * resolve_drug("capivasertib").cellular_k()[0]
    True
    """
    from kinetor.pathway._model import prior_parameters

    first = resolve_drug(drug).slots()[0]
    return 10.0 * first.cellular_k(prior_parameters()["rapalog_shift"])[0]


def rule_time_h(readout: str) -> float:
    """The time rule for a paper that does not state one (fixed before any calibration):
    2 h for phosphorylation and other acute signalling readouts, 24 h for protein
    expression and transcriptional outputs, 72 h for proliferation, growth and apoptosis
    (and an antiproliferative IC50).

    Examples
    --------
    >>> rule_time_h("pAKT_S473"), rule_time_h("HER3"), rule_time_h("growth")
    (2.0, 24.0, 72.0)
    """
    if readout in _SLOW:
        return 24.0
    if readout in _PHENOTYPE:
        return 72.0
    return 2.0


_SLOW = ("HER3", "IRS1", "ER_activity")
_PHENOTYPE = ("proliferation", "growth", "apoptosis")


def build_scenarios(
    observations: pd.DataFrame | None = None, scenarios: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Join observations and scenarios: one row per observation with ``scenario`` and
    ``baseline`` (:class:`Scenario` or None), ``simulable`` (bool) and ``reason``."""
    obs = load_observations() if observations is None else observations
    sc = load_scenarios() if scenarios is None else scenarios
    sc = sc.set_index("id")
    rows = []
    for _, o in obs.iterrows():
        sid = o["id"]
        rec = {
            "id": sid,
            "scenario": None,
            "baseline": None,
            "readout_model": "",
            "compare": "level",
            "simulable": False,
            "reason": "",
            "note": "",
            "conditions": "",
        }
        if sid not in sc.index:
            rec["reason"] = "no row in scenarios.csv"
            rows.append(rec)
            continue
        s = sc.loc[sid]
        rec.update(readout_model=s["readout"], compare=s["compare"], note=s["note"])
        if s["simulable"] != "yes":
            rec["reason"] = s["reason"]
            rows.append(rec)
            continue
        if s["readout"] not in READOUT_VARS:  # a vocabulary readout the network lacks
            rec["reason"] = f"no model readout for {s['readout']}"
            rows.append(rec)
            continue
        row = _Row(sid)
        why = []
        drugs = _split(s["drugs"])
        unusable = _unusable([*drugs, *(d for d in _split(s["baseline_drugs"]) if d != "none")])
        if unusable:  # e.g. a dual inhibitor whose library entry lacks one of its potencies
            rec["reason"] = "drug cannot be simulated: " + "; ".join(unusable)
            rows.append(rec)
            continue
        conc, ruled = _drug_concs(drugs, s["conc_nM"], o["conc_nM"], "conc_nM", row)
        ruled = ruled and s["compare"] == "level"
        t_txt = str(o["time_h"]) if math.isfinite(o["time_h"]) else s["time_h"]
        time_h = float(t_txt) if t_txt else None
        if drugs and time_h is None:
            time_h = rule_time_h(s["readout"])
            ruled = True
        rec["conditions"] = "rule" if ruled else "stated"
        ctx = _pairs(s["context"], "context", row)
        bad_ctx = [k for k in ctx if k not in CONTEXTS]
        if bad_ctx:
            row.problems.append(Problem(f"unknown context {bad_ctx}", column="context"))
        params = _pairs(s["parameters"], "parameters", row)
        scen = Scenario(
            tuple(_split(s["lesions"])),
            tuple(sorted(ctx.items())),
            tuple(sorted(params.items())),
            conc if s["compare"] == "level" else tuple((d, 0.0) for d in drugs),
            time_h,
        )
        base = _baseline(s, scen, drugs, conc, row, why)
        if row.problems:
            raise DataError(
                [
                    Problem(
                        f"{sid}: {p.message}", file=SCENARIOS_FILE.name, column=p.column, fix=p.fix
                    )
                    for p in row.problems
                ]
            )
        rec.update(scenario=scen, baseline=base, simulable=not why, reason="; ".join(why))
        rows.append(rec)
    return pd.DataFrame(rows)


def _unusable(drugs: list[str]) -> list[str]:
    """What the library says for each drug it cannot turn into a network drug (empty: all
    usable)."""
    out = []
    for d in drugs:
        try:
            resolve_drug(d)
        except ModelError as exc:
            out.append(str(exc))
    return out


def _baseline(s, scen: Scenario, drugs: list[str], conc, row: _Row, why: list[str]) -> Scenario:
    def pick(col: str, same, empty: str, parse):
        text = s[col]
        if text == "same":
            return same
        if text == empty:
            return ()
        return parse(text)

    les = pick("baseline_lesions", scen.lesions, "parental", lambda t: tuple(_split(t)))
    ctx = pick(
        "baseline_context",
        scen.context,
        "default",
        lambda t: tuple(sorted(_pairs(t, "baseline_context", row).items())),
    )
    par = pick(
        "baseline_parameters",
        scen.parameters,
        "none",
        lambda t: tuple(sorted(_pairs(t, "baseline_parameters", row).items())),
    )
    bdrugs = [] if s["baseline_drugs"] in ("", "none") else _split(s["baseline_drugs"])
    given = _pairs(s["baseline_conc_nM"], "baseline_conc_nM", row) if s["baseline_conc_nM"] else {}
    same = dict(conc)
    bconc = []
    for d in bdrugs:
        if d in given:
            bconc.append((d, given[d]))
        elif d in same:
            bconc.append((d, same[d]))
        elif s["compare"] == "level":
            bconc.append((d, rule_conc_nM(d)))
    if s["compare"] != "level":
        return Scenario(les, ctx, par, tuple((d, 0.0) for d in drugs), scen.time_h)
    return Scenario(les, ctx, par, tuple(bconc), scen.time_h if bdrugs else None)
