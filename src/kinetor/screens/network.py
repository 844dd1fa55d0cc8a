"""From screen hits to the pathway network: map genes to nodes, simulate their loss.

Each gene that the network represents maps to the protein total(s) it contributes to, with
the share of that total it carries (a complex subunit carries all of it; one of several
isoforms a share). A knockdown that leaves a fraction ``r`` of the gene product sets

.. math::

    T' = T \\, (1 - s (1 - r))

for every total :math:`T` the gene maps to (share :math:`s`). Several genes on one total
combine by what they are to it: isoforms (share below 1) are shares of one pool, so the pool
left is :math:`T (1 - \\sum_i s_i (1 - r_i))`, floored at 0 (gains add too); subunits of a
complex (share 1) are each needed, so the complex is limited by the scarcest,
:math:`T \\min_j r_j`, the isoform pool counting as one more component where a total has both.
The new totals are :class:`kinetor.pathway.Network` ``parameters`` overrides on top of the
screened genotype's lesions; the steady state of that cell is compared with the same
genotype unperturbed (readouts and the growth drive in %). The network's species conserve
each total, so a knockdown lowers the sum of a protein's forms to :math:`T'` (tested).

Shares that are not a whole complex are assumptions (equal isoform shares, status
"assumed"). The model has separate p110-alpha and p110-beta pools (``PI3Ka_tot``,
``PI3Kb_tot``), so PIK3CA and PIK3CB each carry all of their own pool and PIK3R1 (p85, the
regulatory subunit of both) carries both. ESR1 scales the oestrogen-receptor expression
``ER_expr``. :func:`compare_hits` sets the simulated growth next to the screen's
effect and flags model gaps (a screen dependency the model does not predict) and
predicted dependencies the screen did not find.

Examples
--------
>>> m = map_genes(["mTOR", "RAPTOR", "GAPDH"])
>>> m["symbol"].tolist(), m["parameters"].iloc[0]
(['MTOR', 'RPTOR', ''], 'mTORC1_tot;mTORC2_tot')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.screens._network_nodes import ALIASES, NODES, Node

__all__ = [
    "ALIASES",
    "NODES",
    "Node",
    "compare_hits",
    "knockdown_parameters",
    "map_genes",
    "simulate_knockdowns",
]


def _symbol(gene: str) -> str | None:
    g = str(gene).strip().upper()
    if g in NODES:
        return g
    return ALIASES.get(g)


def map_genes(genes: Iterable[str]) -> pd.DataFrame:
    """Map gene names (HGNC symbols or aliases, any case) to network nodes.

    Returns a frame with ``query``, ``symbol`` ("" when not a node), ``parameters``
    (``;``-joined totals), ``note`` and ``status``.
    """
    rows = []
    for q in genes:
        s = _symbol(q)
        node = NODES.get(s) if s else None
        rows.append(
            {
                "query": q,
                "symbol": s if node else "",
                "parameters": ";".join(node.shares) if node else "",
                "note": node.note if node else "not a node of the network",
                "status": node.status if node else "",
            }
        )
    return pd.DataFrame(rows)


def knockdown_parameters(
    genes: Mapping[str, float] | Iterable[str], base: Mapping[str, float], remaining: float = 0.0
) -> dict[str, float]:
    """Parameter overrides for losing genes (``{gene: remaining fraction}`` or a list).

    Parameters
    ----------
    genes : mapping or iterable
        Genes (symbols or aliases) and the fraction of each product left (0 = knockout;
        above 1 for a gain, e.g. a target released from miRNA repression).
    base : mapping
        Current parameter values (totals, expression levels) of the genotype.
    remaining : float
        Fraction left when ``genes`` is a list.
    """
    if not isinstance(genes, Mapping):
        genes = {g: remaining for g in genes}
    left: dict[str, float] = {}  # symbol -> fraction left
    problems = []
    for gene, r in genes.items():
        s = _symbol(gene)
        if s is None:
            problems.append(
                Problem(
                    f"{gene!r} is not a node of the network",
                    fix=f"use one of {', '.join(sorted(NODES))}",
                )
            )
            continue
        try:
            rf = float(r)
        except (TypeError, ValueError):
            rf = float("nan")
        if not (np.isfinite(rf) and rf >= 0.0):
            problems.append(
                Problem(
                    f"remaining fraction {r!r} for {gene} is not a finite number >= 0",
                    fix="0 = knockout, 0.2 = 80 % knockdown, 1.5 = 50 % more",
                )
            )
            continue
        if left.get(s, rf) != rf:
            first = next(g for g in genes if _symbol(g) == s)
            problems.append(
                Problem(
                    f"{first!r} and {gene!r} are both {s}, with fractions {left[s]} and {rf}",
                    fix=f"give {s} once",
                )
            )
            continue
        left[s] = rf
    if problems:
        raise DataError(problems)
    return {p: float(base[p]) * f for p, f in _combine(left).items()}


def _combine(left: Mapping[str, float]) -> dict[str, float]:
    """Factor on each total: isoforms (share < 1) add within their pool (floored at 0),
    complex subunits (share 1) and the pool are each needed (the scarcest limits)."""
    lost: dict[str, float] = {}  # pool lost: sum of s (1 - r) over isoforms
    parts: dict[str, list[float]] = {}  # subunits' fractions left
    for s, r in left.items():
        for p, share in NODES[s].shares.items():
            if float(share) < 1.0:
                lost[p] = lost.get(p, 0.0) + float(share) * (1.0 - r)
            elif r != 1.0:  # an unchanged subunit changes nothing
                parts.setdefault(p, []).append(r)
    for p, x in lost.items():
        parts.setdefault(p, []).append(max(0.0, 1.0 - x))
    return {p: min(v) for p, v in parts.items()}


def simulate_knockdowns(
    genes: Iterable[str], lesions=None, context=None, remaining: float = 0.0, network=None
) -> pd.DataFrame:
    """Steady-state readouts (% of the unperturbed genotype) after losing each gene.

    Parameters
    ----------
    genes : iterable of str
        Genes that are network nodes (others are reported with ``in_model=False``).
    lesions, context
        The screened cell's genotype and culture context (:class:`kinetor.pathway.Network`).
    remaining : float
        Fraction of each gene product left (0 = knockout; CRISPR knockout ~0, shRNA ~0.2).
    network : kinetor.pathway.Network, optional
        A network to take model text, lesions and context from.

    Returns
    -------
    pandas.DataFrame
        ``gene``, ``symbol``, ``in_model``, ``parameters``, ``remaining``, then one column
        per readout in % (``growth`` among them), ``converged``, ``note`` (a gene given
        again, also as an alias such as FRAP1 for MTOR, is simulated once; its rows say so).
    """
    from kinetor.pathway import READOUTS, Network

    if network is None:
        network = Network(lesions=lesions, context=context)
    ref_net = Network(
        lesions=network.lesions,
        context=network.context,
        parameters=network.parameters,
        model_text=network.model_text,
    )
    base = {**ref_net.engine.defaults, **ref_net.model_parameters()}
    ref = ref_net.steady_state()
    rows, done = [], {}  # done: symbol -> its first row (a node is simulated once)
    for gene in genes:
        s = _symbol(gene)
        row = {
            "gene": gene,
            "symbol": s if s in NODES else None,
            "in_model": s in NODES,
            "remaining": remaining,
        }
        if s in done:
            row = {**done[s], "gene": gene}
        elif s in NODES:
            done[s] = row
            over = knockdown_parameters({s: remaining}, base)
            row["parameters"] = ";".join(f"{k}={v:.4g}" for k, v in over.items())
            net = Network(
                lesions=network.lesions,
                context=network.context,
                parameters={**network.parameters, **over},
                model_text=network.model_text,
            )
            try:
                ss = net.steady_state()
                with np.errstate(divide="ignore", invalid="ignore"):
                    pct = 100.0 * ss / ref.where(ref != 0)
                pct = pct.where(pct.abs() > 1e-9, 0.0)  # solver round-off around zero
                row.update({r: float(pct[r]) for r in READOUTS})
                row["converged"] = bool(np.isfinite(ss.to_numpy()).all())
            except Exception as exc:  # a failed steady state is reported, not raised
                row["converged"] = False
                row["reason"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    out = pd.DataFrame(rows)
    out["note"] = ""
    for s, names in out[out["in_model"]].groupby("symbol")["gene"] if rows else ():
        if len(names) > 1:  # a symbol and its alias (MTOR, FRAP1), or a gene given twice
            out.loc[names.index, "note"] = (
                f"{', '.join(map(str, names))} are one node ({s}): simulated once"
            )
    return out


def compare_hits(
    screen_genes: pd.DataFrame,
    lesions=None,
    context=None,
    remaining: float = 0.0,
    fdr: float = 0.05,
    growth_drop: float = 20.0,
    network=None,
) -> pd.DataFrame:
    """Set simulated knockdowns next to a screen's gene results and flag disagreements.

    Parameters
    ----------
    screen_genes : pandas.DataFrame
        ``gene``, ``neg_lfc``, ``neg_fdr``, ``pos_fdr`` (``ScreenTest.genes``), or
        ``gene``, ``lfc``, ``fdr``, ``direction`` (``ScreenTest.hits()``).
    lesions, context, remaining, network
        As :func:`simulate_knockdowns`.
    fdr : float
        Screen FDR for a dependency (depleted) or a suppressor (enriched).
    growth_drop : float
        Predicted growth loss (percentage points) that counts as a predicted dependency.

    Returns
    -------
    pandas.DataFrame
        Screen columns, simulated growth and readouts (%), ``call``: ``consistent``, ``model
        gap`` (a dependency with < ``growth_drop`` loss predicted), ``not seen in screen``,
        ``consistent (no effect)`` (neither), ``suppressor`` (enriched, no loss predicted),
        ``model gap (opposite sign)`` (enriched, loss predicted), ``not in model``.
    """
    g = screen_genes.copy()
    if "neg_fdr" not in g.columns:
        g["neg_fdr"] = np.where(g["direction"] == "neg", g["fdr"], 1.0)
        g["pos_fdr"] = np.where(g["direction"] == "pos", g["fdr"], 1.0)
        g["neg_lfc"] = g["lfc"]
    sim = simulate_knockdowns(g["gene"], lesions, context, remaining, network)
    out = pd.concat(
        [
            g[["gene", "neg_lfc", "neg_fdr", "pos_fdr"]].reset_index(drop=True),
            sim.drop(columns=["gene"]),
        ],
        axis=1,
    )
    calls = []
    for _, r in out.iterrows():
        if not r["in_model"]:
            calls.append("not in model")
            continue
        predicted = r.get("growth", np.nan) < 100.0 - growth_drop
        if r["neg_fdr"] < fdr:
            calls.append("consistent" if predicted else "model gap")
        elif r["pos_fdr"] < fdr:
            calls.append("suppressor" if not predicted else "model gap (opposite sign)")
        else:
            calls.append("not seen in screen" if predicted else "consistent (no effect)")
    out["call"] = calls
    return out
