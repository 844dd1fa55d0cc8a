"""Gene columns of :func:`kinetor.screens.mle`: Wald and permutation tests, then the
copy-number correction of the reported beta.

The order follows ``mageck2`` 0.3.0 (``mlemageck.py``, read in its source): z, the Wald
p-values, the permutation p-values and the FDRs are computed from the fitted betas, and
only then does ``betascore_piecewisenorm`` shift the betas for copy number. The correction
therefore changes the reported ``COND|beta`` and nothing else; ``COND|beta_uncorrected``
keeps the fitted value that every test used. Testing the corrected beta instead would test
it against a null that was not corrected (the permutation null) or against 0, which the
corrected betas are not centred on: the shift ``model(1) - model(CN)`` moves every gene
with CN above 1 (MAGeCK's convention, kept here), so null genes would come out significant.

Examples
--------
>>> import numpy as np, pandas as pd
>>> out = pd.DataFrame({"gene": ["a", "b"], "num": [4, 4]})
>>> beta, se = np.array([[-2.0], [0.0]]), np.array([[1.0], [1.0]])
>>> _ = gene_columns(out, beta, se, ["X"], None, None, None)
>>> out["X|z"].tolist(), np.round(out["X|p_twosided"], 4).tolist()
([-2.0, 0.0], [0.0455, 1.0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from kinetor.screens.guides import _bh
from kinetor.screens.mle_perm import cnv_correct, empirical_p

__all__ = ["gene_columns"]


def gene_columns(
    out: pd.DataFrame,
    beta: np.ndarray,
    se: np.ndarray,
    conds: list[str],
    null: dict | None,
    cnv: pd.DataFrame | None,
    cell_lines,
) -> np.ndarray:
    """Add ``COND|beta``, ``|se``, ``|z``, Wald and (with ``null``) permutation p-values and
    FDRs to ``out`` (genes in the rows of ``beta``), all from the fitted ``beta``; with
    ``cnv`` the reported ``COND|beta`` is the corrected one and ``COND|beta_uncorrected``
    the fitted one. Returns the reported betas."""
    z = beta / se
    num = out["num"].to_numpy()
    shown = (
        beta if cnv is None else cnv_correct(out["gene"].to_numpy(), beta, conds, cnv, cell_lines)
    )
    for k, c in enumerate(conds):
        pn, pp = special.ndtr(z[:, k]), special.ndtr(-z[:, k])
        two = 2 * np.minimum(pn, pp)
        out[f"{c}|beta"] = shown[:, k]
        if cnv is not None:
            out[f"{c}|beta_uncorrected"] = beta[:, k]
        out[f"{c}|se"], out[f"{c}|z"] = se[:, k], z[:, k]
        out[f"{c}|p_neg"], out[f"{c}|p_pos"], out[f"{c}|p_twosided"] = pn, pp, two
        out[f"{c}|fdr"] = np.minimum(_bh(two), 1.0)
    for k, c in enumerate(conds if null is not None else []):
        qn, qp = empirical_p(beta[:, k], num, null, k)
        out[f"{c}|p_perm_neg"], out[f"{c}|p_perm_pos"] = qn, qp
        out[f"{c}|p_perm"] = np.minimum(2 * np.minimum(qn, qp), 1.0)
        out[f"{c}|fdr_perm"] = np.minimum(_bh(out[f"{c}|p_perm"].to_numpy()), 1.0)
    return shown
