"""Curation of potency tables: standardised structures, one potency scale, one row per
compound, and a report of everything changed, merged, flagged or dropped.

Steps (after Fourches, Muratov & Tropsha 2010 J Chem Inf Model 50:1189,
doi:10.1021/ci100176x):

1. parse the SMILES; an empty or unparsable one drops its row, named in the report, and
   so does a structure with a dummy atom (``*``, an attachment point), without an organic
   fragment (no carbon atom: ``[Na+].[Cl-]``, cisplatin) or with more than
   :data:`MAX_HEAVY_ATOMS` heavy atoms in its largest fragment;
2. standardise with RDKit ``rdMolStandardize``: keep the largest organic fragment (salts
   and solvents go), neutralise charges that can be neutralised, optionally take the
   canonical tautomer; stereochemistry is kept, so enantiomers stay separate compounds;
3. put potencies on the negative-log molar scale, :math:`pX = -\\log_{10}(X / \\mathrm{M})`
   (nM, uM, mM, pM, M, or values already on the p scale); an unknown unit, or a length
   such as ``nm``, is a :class:`~kinetor.errors.DataError` (no guessed units), and so is a
   potency outside ``(0, 14]`` on the p scale (a unit or entry mistake, not a measurement),
   a concentration unit for a column named as a p-scale quantity (``pIC50``, ``pKi``), or
   a unit column under another usual name (``units``) passed over for ``default_unit``;
4. keep censored values (``<``, ``>``; on the p scale the direction flips: IC50 > 10 uM is
   pIC50 < 5) and flag them; a relation column for a p-scale potency beside a
   concentration column is a DataError (:func:`check_p_relation`);
5. merge duplicates of one standardised structure: the mean of the exact values (censored
   ones only when no exact value exists), with the spread and a conflict flag when the
   exact values spread over more than ``conflict_threshold`` log units or a bound
   contradicts them by more than it (:mod:`kinetor.qsar._merge`).

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"smiles": ["CCO.Cl", "CCO", "C[NH3+]", "xx"],
...                     "value": [100.0, 1000.0, 10.0, 5.0], "unit": "nM",
...                     "relation": ["=", "=", ">", "="]})
>>> res = curate(raw)
>>> res.data[["smiles", "p_value", "relation", "n", "spread", "conflict"]]
  smiles  p_value relation  n  spread  conflict
0    CCO      6.5        =  2     1.0     False
1     CN      8.0        <  1     0.0     False
>>> res.report[["row", "action", "reason"]].head(3)
   row   action                                         reason
0    2  changed                          largest fragment kept
1    2   merged  2 measurements merged (spread 1.00 log units)
2    3   merged  2 measurements merged (spread 1.00 log units)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.qsar._checks import (
    MAX_HEAVY_ATOMS,
    check_single_columns,
    size_problem,
    smiles_text_problem,
    structure_problem,
)
from kinetor.qsar._merge import _aggregate
from kinetor.qsar._units import _P_UNITS, UNIT_FACTORS, _p_values, check_p_range, units_of

__all__ = [
    "MAX_HEAVY_ATOMS",
    "UNIT_FACTORS",
    "CurationResult",
    "curate",
    "size_problem",
    "standardize_smiles",
    "structure_problem",
]

_FLIP = {"=": "=", "~": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_CHARGED = re.compile(r"\[[^\]]*[+-]")


@dataclass
class CurationResult:
    """Curated table and the record of what curation did.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per standardised structure: ``smiles``, ``id``, ``p_value``, ``relation``
        (on the p scale), ``censored``, ``n`` (measurements merged), ``spread`` (max - min
        of the merged values), ``conflict``.
    report : pandas.DataFrame
        One row per input row that was dropped, changed, merged or flagged: ``row``
        (1-based, header = row 1; an SDF's record number, ``attrs['first_row']`` of
        :func:`~kinetor.qsar.io.read_activity_table`), ``id``, ``smiles_in``, ``action``,
        ``reason`` (an unreadable SDF record: RDKit's reason).
    problems : list of Problem
        The dropped rows as :class:`~kinetor.errors.Problem` (file, row, column, fix).
    options : dict
        The options used.
    """

    data: pd.DataFrame
    report: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Counts for a model card: input rows, compounds, and each action/reason."""
        rep = self.report
        reasons = rep.groupby(["action", "reason"]).size() if len(rep) else pd.Series(dtype=int)
        return {
            "rows_in": int(self.options.get("rows_in", 0)),
            "compounds": len(self.data),
            "censored": int(self.data["censored"].sum()),
            "conflicts": int(self.data["conflict"].sum()),
            "actions": {f"{a}: {r}": int(n) for (a, r), n in reasons.items()},
            "data_sha256": data_hash(self.data),
        }


def data_hash(data: pd.DataFrame) -> str:
    """SHA-256 of the curated (smiles, p_value, relation) table (model-card provenance)."""
    cols = data[["smiles", "p_value", "relation"]].to_csv(index=False).encode()
    return hashlib.sha256(cols).hexdigest()


def _standardizer(tautomer: bool):
    from rdkit.Chem.MolStandardize import rdMolStandardize

    chooser = rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
    uncharger = rdMolStandardize.Uncharger()
    taut = rdMolStandardize.TautomerEnumerator() if tautomer else None
    return chooser, uncharger, taut


def standardize_smiles(
    smiles: str, tautomer: bool = False, _tools=None
) -> tuple[str | None, list[str]]:
    """Standardised canonical SMILES and the list of changes made (``None`` if unparsable).

    Examples
    --------
    >>> standardize_smiles("CC(=O)[O-].[Na+]")
    ('CC(=O)O', ['largest fragment kept', 'charges neutralised'])
    >>> standardize_smiles("C[C@H](N)O")
    ('C[C@H](N)O', [])
    """
    from rdkit import Chem, rdBase

    _quiet = rdBase.BlockLogs()
    mol = _parse(smiles)
    if mol is None:
        return None, []
    mol, changes = _standardize(mol, _tools or _standardizer(tautomer))
    return Chem.MolToSmiles(mol), changes


def _parse(smiles):
    from rdkit import Chem, rdBase

    _quiet = rdBase.BlockLogs()  # a bad SMILES is reported by the caller, not on stderr
    return Chem.MolFromSmiles(smiles) if isinstance(smiles, str) and smiles.strip() else None


def _standardize(mol, tools):
    from rdkit import Chem

    chooser, uncharger, taut = tools
    changes = []
    before = Chem.MolToSmiles(mol)
    if "." in before:
        mol = chooser.choose(mol)
        changes.append("largest fragment kept")
    if _CHARGED.search(Chem.MolToSmiles(mol)):
        smi = Chem.MolToSmiles(mol)
        mol = uncharger.uncharge(mol)
        if Chem.MolToSmiles(mol) != smi:
            changes.append("charges neutralised")
    if taut is not None:
        smi = Chem.MolToSmiles(mol)
        mol = taut.Canonicalize(mol)
        if Chem.MolToSmiles(mol) != smi:
            changes.append("canonical tautomer")
    return mol, changes


def curate(
    frame: pd.DataFrame,
    smiles: str = "smiles",
    value: str = "value",
    unit: str | None = "unit",
    relation: str | None = "relation",
    id_col: str | None = None,
    default_unit: str | None = None,
    tautomer: bool = False,
    conflict_threshold: float = 1.0,
    file: str = "<DataFrame>",
) -> CurationResult:
    """Curate a potency table (see the module docstring for the steps).

    Parameters
    ----------
    frame : pandas.DataFrame
        Raw rows, one measurement each.
    smiles, value : str
        Column names of the structure and the potency.
    unit : str or None
        Column of the potency unit (nM, uM, ..., or ``p`` for pIC50-like values); when the
        column is absent, ``default_unit`` is used and must be given, unless the table has
        a unit column under another usual name (``units``, ``Standard Units``: a
        :class:`~kinetor.errors.DataError`; name it here). ``None``: no unit column.
    relation : str or None
        Column with ``=``, ``<``, ``>``, ``<=``, ``>=`` (``~`` counts as ``=``; one pair of
        single quotes around them, as in ChEMBL downloads (``'='``), is removed; missing
        column: all ``=``). It bounds the ``value`` column as written (flipped on the p
        scale for a concentration); for a p-scale ``value`` (``pIC50``) beside a
        concentration column (a unit column not read for it) it is a DataError: pass
        ``relation=None``, or curate the concentration column.
    id_col : str, optional
        Compound identifier column (row number otherwise).
    default_unit : str, optional
        Unit of every value when the table has no unit column; with a unit column, every
        unit cell must agree with it (a conflict is a :class:`~kinetor.errors.DataError`,
        an unknown unit a :class:`~kinetor.errors.ModelError`).
    tautomer : bool
        Also take RDKit's canonical tautomer (slow: ~30 ms per molecule).
    conflict_threshold : float
        Spread (log units) of merged values above which a compound is flagged.
    file : str
        Name used in problem reports.
    """
    missing = [c for c in (smiles, value) if c not in frame.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"missing column {c!r} (have: {', '.join(map(str, frame.columns))})",
                    file=file,
                    column=c,
                    fix="name the column or pass it as an option",
                )
                for c in missing
            ]
        )
    n = len(frame)
    check_single_columns(frame, (smiles, value, unit, relation, id_col), file)
    check_p_relation(frame, value, unit, relation, file)
    first = int(frame.attrs.get("first_row", 2))  # 1 for an SDF's records (no header)
    # unreadable SDF records (read_activity_table): dropped with RDKit's reason, and
    # left out of the unit and range checks (their cells are empty)
    bad = {int(k): str(w) for k, w in (frame.attrs.get("unreadable") or {}).items()}
    readable = frame.iloc[[i for i in range(n) if i not in bad]] if bad else frame
    units = units_of(readable, unit, default_unit, value, file)
    if bad:
        units = pd.Series(
            [units.iloc[k] if k >= 0 else "" for k in _positions(n, bad)], index=frame.index
        )
    rel = (
        frame[relation]
        .fillna("=")
        .astype(str)
        .str.strip()
        # ChEMBL's web downloads quote the relation: '=', '<', '>' (one pair stripped)
        .str.replace(r"^'(.*)'$", r"\1", regex=True)
        .str.strip()
        .replace({"": "="})
        if relation is not None and relation in frame.columns
        else pd.Series(["="] * n, index=frame.index)
    )
    ids = (
        frame[id_col].astype(str)
        if id_col is not None and id_col in frame.columns
        else pd.Series([f"row{i + first}" for i in range(n)], index=frame.index)
    )
    numeric = pd.to_numeric(readable[value], errors="coerce")
    ok_units = units.iloc[[i for i in range(n) if i not in bad]] if bad else units
    ok_p = _p_values(
        numeric, ok_units.reset_index(drop=True).set_axis(numeric.index), file, unit or "unit"
    )
    check_p_range(
        ok_p, readable[value].reset_index(drop=True), ok_units.reset_index(drop=True), file, value
    )
    pvals = np.array([ok_p[k] if k >= 0 else np.nan for k in _positions(n, bad)])
    from rdkit import Chem, rdBase

    _quiet = rdBase.BlockLogs()  # bad structures are reported row by row, not on stderr
    tools = _standardizer(tautomer)
    report, problems, keep = [], [], []
    for i, (s_in, v_raw, r, p, ident) in enumerate(
        zip(frame[smiles], frame[value], rel, pvals, ids, strict=True)
    ):
        row = i + first

        def drop(reason, column, fix, s_in=s_in, row=row, ident=ident):
            report.append((row, ident, s_in, "dropped", reason))
            problems.append(Problem(reason, file=file, row=row, column=column, fix=fix))

        if i in bad:
            drop(bad[i], None, "correct the record's mol block or remove the record")
            continue
        if r not in _FLIP:
            drop(f"unknown relation {r!r}", relation, "use =, <, >, <= or >=")
            continue
        if not np.isfinite(p):
            drop(
                f"potency {v_raw!r} is not a positive number",
                value,
                "give a positive concentration (or a p-scale value)"
                + (
                    "; a bound written in the cell ('<5') goes to a relation column"
                    if isinstance(v_raw, str) and v_raw.strip()[:1] in ("<", ">", "~")
                    else ""
                ),
            )
            continue
        gap = smiles_text_problem(s_in)
        if gap:
            drop(gap[0], smiles, gap[1])
            continue
        mol = _parse(s_in)
        if mol is None:
            empty = not isinstance(s_in, str) or not s_in.strip()
            what = "empty SMILES" if empty else f"unparsable SMILES {s_in!r}"
            drop(what, smiles, "correct the structure or remove the row")
            continue
        refused = structure_problem(mol)
        if refused:
            drop(refused[0], smiles, refused[1])
            continue
        mol, changes = _standardize(mol, tools)
        std = Chem.MolToSmiles(mol)
        for c in changes:
            report.append((row, ident, s_in, "changed", c))
        is_p = str(units.iloc[i]).strip().lower() in _P_UNITS
        keep.append((row, ident, std, float(p), r if is_p else _FLIP[r]))
    data, merged = _aggregate(keep, conflict_threshold)
    report.extend(merged)
    rep = pd.DataFrame(report, columns=["row", "id", "smiles_in", "action", "reason"])
    rep = rep.sort_values("row", kind="stable").reset_index(drop=True)
    options = {
        "tautomer": tautomer,
        "conflict_threshold": conflict_threshold,
        "rows_in": n,
        "file": file,
    }
    return CurationResult(data, rep, problems, options)


def check_p_relation(frame, value: str, unit: str | None, relation: str | None, file: str):
    """A relation column for a p-scale potency (``pIC50``) beside a concentration column
    (a unit column, ``units``, that is not read for it) is a DataError: whether its ``>``
    bounds the concentration (IC50 > 10 uM, i.e. pIC50 < 5) or the pIC50 is not guessed."""
    from kinetor.qsar._units import p_scale_name, unit_columns

    if relation is None or relation not in frame.columns or not p_scale_name(value):
        return
    beside = [c for c in unit_columns(frame.columns) if c != unit]
    if beside:
        raise DataError(
            Problem(
                f"relation column {relation!r} with the p-scale {value!r}, beside a "
                f"concentration column (its unit column {beside[0]!r} is not read for "
                f"{value!r}): whether {relation!r} bounds the concentration (IC50 > 10 uM "
                "is pIC50 < 5) or the p value is not guessed",
                file=file,
                row=1,
                column=relation,
                fix="curate the concentration column, whose relation it is (value='IC50', "
                f"unit={beside[0]!r}; --value-col IC50 on the command line), or leave the "
                "relation out (relation=None; no --relation-col): every p value counts as '='",
            )
        )


def _positions(n: int, bad) -> list[int]:
    """For each of ``n`` rows, its position among the readable rows (-1: unreadable)."""
    out, k = [], 0
    for i in range(n):
        out.append(-1 if i in bad else k)
        k += i not in bad
    return out
