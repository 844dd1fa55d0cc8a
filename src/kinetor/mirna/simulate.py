"""miRNA change -> target protein change -> simulated network readouts and growth.

Repression model (adjustable; defaults stated with their source). A miRNA at level
:math:`m` (fold of its reference level) represses each validated target by a saturating
fraction :math:`E\\,m/(m + K)`; relative to the reference the target's protein is

.. math::

    P = \\prod_i \\frac{1 - E\\, m_i / (m_i + K)}{1 - E / (1 + K)},
    \\qquad m_i = 2^{\\log_2 FC_i},

over the changed miRNAs :math:`i` that target it (independent sites multiply). ``E`` is
the maximal repression and ``K`` the level (in units of the reference) giving half of it.
Defaults: ``E = 0.33`` and ``K = 1``: most targets are repressed modestly, and those
repressed by more than a third are the strongly affected minority (Baek et al. 2008,
Nature 455:64, doi:10.1038/nature07242, PMID 18668037, abstract; status likely for the
value 0.33 as a cap). With these defaults a miRNA that rises without bound lowers a
target to 80 % and one that is lost raises it to 120 %.

The protein changes of network nodes become total-protein overrides of
:class:`kinetor.pathway.Network` (:func:`kinetor.screens.network.knockdown_parameters`)
and the steady state is compared with the same genotype without the change.

Examples
--------
>>> round(float(protein_fraction([1.0])), 6)   # no change
1.0
>>> round(float(protein_fraction([10.0], efficacy=0.33, k=1.0)), 4)
0.8383
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["protein_changes", "protein_fraction", "simulate_mirna_change"]


def protein_fraction(
    fold_changes: Iterable[float], efficacy: float = 0.33, k: float = 1.0
) -> float:
    """Target protein relative to reference for miRNA fold changes (linear scale; ``inf``
    is a miRNA without bound, 0 one that is lost)."""
    m = np.asarray(list(fold_changes), dtype=float)
    with np.errstate(divide="ignore"):
        return _fraction(np.log2(m), efficacy, k)


def _fraction(log2fc, efficacy: float, k: float) -> float:
    """:func:`protein_fraction` from log2 fold changes: ``m/(m + K)`` is computed as
    ``1/(1 + K 2^-log2fc)``, finite for any log2fc (2000 gives the limit (1 - E)/(1 - E/(1 + K)))."""
    if not (0.0 <= efficacy < 1.0 and 0.0 < k < np.inf):
        raise DataError(
            Problem(
                f"efficacy {efficacy} must be in [0, 1) and K {k} a finite number > 0",
                fix="e.g. efficacy 0.33, K 1",
            )
        )
    lfc = np.asarray(log2fc, dtype=float)
    with np.errstate(over="ignore"):  # 2^-lfc overflows to inf for lfc << 0: bound -> 0
        bound = 1.0 / (1.0 + k * np.exp2(-lfc))
    rep = 1.0 - efficacy * bound
    ref = 1.0 - efficacy / (1.0 + k)
    return float(np.prod(rep / ref))


def protein_changes(targets: pd.DataFrame, efficacy: float = 0.33, k: float = 1.0) -> pd.DataFrame:
    """Per target gene: miRNAs, their log2 fold changes and the predicted protein fraction.

    ``targets`` is :func:`~kinetor.mirna.pathway_targets` output (``mirna``, ``target``,
    ``log2fc``); a miRNA listed twice for a target (two sources) counts once, and a network
    gene named by an alias (FRAP1 for MTOR) is merged under its symbol.
    """
    from kinetor.screens.network import _symbol

    # a gene under two names (FRAP1 and MTOR in a database export) is one mRNA: its miRNAs
    # act together, each counted once
    t = targets.assign(target=[_symbol(x) or str(x) for x in targets["target"]]).drop_duplicates(
        ["mirna", "target"]
    )
    rows = []
    for gene, g in t.groupby("target", sort=True):
        rows.append(
            {
                "target": gene,
                "mirnas": ";".join(g["mirna"]),
                "log2fc": ";".join(f"{v:.3g}" for v in g["log2fc"]),
                "protein_fraction": _fraction(g["log2fc"].to_numpy(), efficacy, k),
            }
        )
    return pd.DataFrame(rows, columns=["target", "mirnas", "log2fc", "protein_fraction"])


def simulate_mirna_change(changes: pd.DataFrame, lesions=None, context=None) -> pd.DataFrame:
    """Steady-state readouts (% of the unchanged genotype) with all protein changes at once.

    Parameters
    ----------
    changes : pandas.DataFrame
        :func:`protein_changes` output (``target``, ``protein_fraction``).
    lesions, context
        Genotype and culture context of the cells.

    Returns
    -------
    pandas.DataFrame
        One row per readout: ``readout``, ``percent`` of the unchanged cell, plus the
        parameter overrides used in ``attrs["parameters"]`` and the targets that are not
        network nodes in ``attrs["not_in_model"]``.
    """
    from kinetor.pathway import READOUTS, Network
    from kinetor.screens.network import NODES, _symbol, knockdown_parameters

    _check_changes(changes)
    net = Network(lesions=lesions, context=context)
    base = {**net.engine.defaults, **net.model_parameters()}
    genes: dict[str, float] = {}
    named: dict[str, str] = {}
    skipped = []
    for _, r in changes.iterrows():
        s = _symbol(r["target"])
        if s in NODES:
            if s in named:
                raise DataError(
                    Problem(
                        f"targets {named[s]!r} and {r['target']!r} are one gene ({s}) with "
                        "two protein fractions",
                        column="target",
                        fix="build the table with protein_changes(), which merges a gene's "
                        "aliases and counts each of its miRNAs once",
                    )
                )
            named[s] = str(r["target"])
            genes[s] = float(r["protein_fraction"])
        else:
            skipped.append(str(r["target"]))
    over = knockdown_parameters(genes, base) if genes else {}
    ref = net.steady_state()
    ss = Network(lesions=lesions, context=context, parameters=over).steady_state()
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * ss / ref.where(ref != 0)
    out = pd.DataFrame(
        {
            "readout": list(READOUTS),
            "percent": [float(pct[r]) for r in READOUTS],
            "converged": bool(np.isfinite(ss.to_numpy()).all()),
        }
    )
    out.attrs["parameters"] = over
    out.attrs["not_in_model"] = skipped
    return out


def _check_changes(changes) -> None:
    """A DataError naming what :func:`simulate_mirna_change` cannot read in ``changes``."""
    fix = "pass protein_changes(pathway_targets(...)) output: columns target, protein_fraction"
    if not isinstance(changes, pd.DataFrame):
        raise DataError(
            Problem(f"changes must be a DataFrame, got {type(changes).__name__}", fix=fix)
        )
    missing = [c for c in ("target", "protein_fraction") if c not in changes.columns]
    if missing:
        raise DataError(
            [
                Problem(f"no '{c}' column (columns: {list(changes.columns)})", column=c, fix=fix)
                for c in missing
            ]
        )
    frac = pd.to_numeric(changes["protein_fraction"], errors="coerce")
    bad = ~(np.isfinite(frac) & (frac >= 0))
    problems = [
        Problem(
            f"protein_fraction {changes['protein_fraction'].iloc[i]!r} is not a number >= 0",
            file="<DataFrame>",
            row=i + 2,
            column="protein_fraction",
            fix="a fraction of the reference protein level (1 = unchanged)",
        )
        for i in np.flatnonzero(bad.to_numpy())
    ]
    if problems:
        raise DataError(problems)
