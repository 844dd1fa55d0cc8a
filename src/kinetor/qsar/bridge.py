"""From predicted potencies to the pathway network: a :class:`~kinetor.pathway.Drug` per
prediction and the biomarker response at the interval ends.

A predicted pIC50 :math:`p` becomes a biochemical IC50 :math:`10^{9 - p}` nM (the network
shifts biochemical potencies of ATP-competitive drugs to cells itself). The mechanism
follows the predicted selectivity :math:`\\Delta = p_{mTOR} - p_{PI3K\\alpha}`: within
``dual_window`` log units both kinases count (``dual_pi3k_mtor``), otherwise the more
potent one (``mtor_kinase`` or ``pi3k_alpha``). The interval is propagated by simulating
three drugs: the point estimate and both interval ends (for a dual drug both potencies
move together).

Examples
--------
>>> d = drug_from_prediction("cpd1", {"mtor": 8.0})
>>> d.mechanism, d.ic50_nM
('mtor_kinase', 10.0)
>>> d = drug_from_prediction("cpd2", {"mtor": 8.0, "pi3ka": 8.5})
>>> d.mechanism, round(d.ic50_nM, 2), round(d.ic50_mtor_nM, 2)
('dual_pi3k_mtor', 3.16, 10.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import ModelError

__all__ = ["READOUTS_DEFAULT", "drug_from_prediction", "mechanism_for", "simulate_prediction"]

#: Readouts reported by :func:`simulate_prediction` by default.
READOUTS_DEFAULT: tuple[str, ...] = ("pS6_S235_236", "pAKT_S473")


def mechanism_for(p_values: Mapping[str, float], dual_window: float = 1.0) -> str:
    """Network mechanism of a compound from its predicted pIC50 per target.

    Examples
    --------
    >>> mechanism_for({"mtor": 9.0, "pi3ka": 6.0})
    'mtor_kinase'
    >>> mechanism_for({"mtor": 6.0, "pi3ka": 8.0})
    'pi3k_alpha'
    """
    known = {k: float(v) for k, v in p_values.items() if k in ("mtor", "pi3ka")}
    if not known:
        raise ModelError(
            f"no mTOR or PI3Kalpha prediction in {dict(p_values)!r}; give 'mtor' and/or 'pi3ka'"
        )
    if len(known) == 1:
        return "mtor_kinase" if "mtor" in known else "pi3k_alpha"
    delta = known["mtor"] - known["pi3ka"]
    if abs(delta) <= dual_window:
        return "dual_pi3k_mtor"
    return "mtor_kinase" if delta > 0 else "pi3k_alpha"


def _nM(p: float) -> float:
    return float(10.0 ** (9.0 - p))


def drug_from_prediction(
    name: str,
    p_values: Mapping[str, float],
    dual_window: float = 1.0,
    mechanism: str | None = None,
    source: str = "kinetor.qsar prediction",
):
    """A :class:`~kinetor.pathway.Drug` from predicted pIC50 values (``mtor``, ``pi3ka``).

    ``mechanism`` overrides the choice of :func:`mechanism_for`.
    """
    from kinetor.pathway import Drug

    mech = mechanism or mechanism_for(p_values, dual_window)
    if mech == "dual_pi3k_mtor":
        missing = [k for k in ("mtor", "pi3ka") if k not in p_values]
        if missing:
            raise ModelError(f"a dual drug needs both predictions; missing {missing}")
        return Drug(
            name,
            mech,
            ic50_nM=_nM(p_values["pi3ka"]),
            ic50_mtor_nM=_nM(p_values["mtor"]),
            potency="biochemical",
            source=source,
            status="unverified",
        )
    key = "mtor" if mech == "mtor_kinase" else "pi3ka"
    if key not in p_values:
        raise ModelError(f"mechanism {mech!r} needs a {key!r} prediction")
    return Drug(
        name,
        mech,
        ic50_nM=_nM(p_values[key]),
        potency="biochemical",
        source=source,
        status="unverified",
    )


def simulate_prediction(
    name: str,
    predictions: Mapping[str, Mapping[str, float]],
    conc_nM: float = 1000.0,
    lesions: Sequence[str] | str | None = None,
    t_end: float = 24.0,
    readouts: Sequence[str] = READOUTS_DEFAULT,
    dual_window: float = 1.0,
    network: Any = None,
) -> pd.DataFrame:
    """Simulate a predicted compound in the network at its point estimate and interval ends.

    Parameters
    ----------
    name : str
        Compound label.
    predictions : mapping
        ``{target: {"prediction": p, "lower": p_lo, "upper": p_hi}}`` for ``mtor`` and/or
        ``pi3ka`` (pIC50).
    conc_nM : float
        Free drug concentration (nM), held constant; default 1,000 nM (the CLI's ``--conc``
        default).
    lesions : sequence of str or str, optional
        Genotype of the cell (e.g. ``PTEN_loss``).
    t_end : float
        Time of the readout (h).
    readouts : sequence of str
        Readout columns to report (% of the untreated cell).
    network : kinetor.pathway.Network, optional
        A network to reuse (else one is built from ``lesions``).

    Returns
    -------
    pandas.DataFrame
        One row per potency case (``lower`` = least potent end, ``point``, ``upper`` = most
        potent end) with the mechanism, the IC50s and the readouts at ``t_end``.
    """
    from kinetor.pathway import READOUTS, Network

    bad = [r for r in readouts if r not in READOUTS]
    if bad:
        raise ModelError(f"unknown readouts {bad}; known: {', '.join(READOUTS)}")
    point = {t: float(v["prediction"]) for t, v in predictions.items()}
    mech = mechanism_for(point, dual_window)
    net = network if network is not None else Network(lesions=lesions)
    rows = []
    for case, key in (("lower", "lower"), ("point", "prediction"), ("upper", "upper")):
        p = {t: float(v[key]) for t, v in predictions.items()}
        drug = drug_from_prediction(f"{name} ({case})", p, mechanism=mech)
        values = net.readouts_at([(drug, float(conc_nM))], float(t_end))
        row = {
            "compound": name,
            "case": case,
            "mechanism": mech,
            "ic50_nM": drug.ic50_nM,
            "ic50_mtor_nM": drug.ic50_mtor_nM,
            "conc_nM": float(conc_nM),
            "t_h": float(t_end),
        }
        row.update({r: float(values[READOUTS.index(r)]) for r in readouts})
        rows.append(row)
    out = pd.DataFrame(rows)
    if not np.all(np.isfinite(out[list(readouts)].to_numpy())):
        raise ModelError(f"the network simulation of {name!r} gave non-finite readouts")
    return out
