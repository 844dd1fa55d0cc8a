"""Bioavailability from an NCA result: F% from dose-normalised exposure.

.. math::

    F\\% = 100 \\cdot \\frac{\\overline{AUC_{test}/D_{test}}}{\\overline{AUC_{ref}/D_{ref}}}

by group means (arithmetic means of the dose-normalised AUCs, the usual preclinical
estimate with different animals per route) and, where the same subject has both
treatments, paired per subject (:math:`F_i = 100 (AUC_{t,i}/D_{t,i}) / (AUC_{r,i}/D_{r,i})`,
summarised by the arithmetic and geometric mean).

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> from kinetor.nca import nca
>>> conc = pd.DataFrame({"subject": ["iv"] * 3 + ["po"] * 3, "time": [1.0, 2, 4] * 2,
...                      "conc": [8.0, 4, 1, 2.0, 2, 0.5]})
>>> doses = pd.DataFrame({"subject": ["iv", "po"], "time": 0.0, "dose": [1.0, 2.0],
...                       "route": ["iv", "po"]})
>>> subjects = pd.DataFrame({"subject": ["iv", "po"], "group": ["IV", "PO"]})
>>> st = Study(conc, doses, subjects, units={"time": "h", "conc": "mg/L", "dose": "mg"})
>>> f = bioavailability(nca(st), test="PO", reference="IV", parameter="AUCLST")
>>> # IV: C0 = 16 (log back-extrapolation), AUClast = (8+4)/ln2 + 6/ln4 = 15/ln2;
>>> # PO: AUClast = 1 + 2 + 3/ln4; F = 100 (3 + 1.5/ln2)/2 / (15/ln2) = 10 (3 ln2 + 1.5)/3
>>> round(float(f.loc[f.method == "group means", "F_percent"].iloc[0]), 4)
11.9315
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import KinetorError

__all__ = ["bioavailability"]


def bioavailability(
    res,
    test,
    reference,
    parameter: str = "AUCIFO",
    by: str = "group",
    include_excluded: bool = False,
) -> pd.DataFrame:
    """F% of ``test`` relative to ``reference`` (values of column ``by``).

    Parameters
    ----------
    res : NCAResult
    test, reference : str
        Values of ``by`` (a group column of the result, or ``"route"``). Routes are
        compared as kinds (``iv_bolus``, ``iv_infusion``, ``extravascular``); the
        spellings users type name them (``"PO"``, ``"SC"`` -> extravascular, ``"IV"`` ->
        iv_bolus), so two extravascular routes are told apart by a group column.
    parameter : {"AUCIFO", "AUCLST", "AUCIFP", "AUCTAU"}
        The exposure parameter (dose-normalised here with each profile's dose).
    include_excluded : bool
        Keep values that carry an exclusion reason (dropped by default).

    Returns
    -------
    DataFrame
        ``method`` (``"group means"``, ``"paired mean"``, ``"paired geometric mean"``
        or ``"subject"``), ``analyte``, ``subject``, ``n_test``, ``n_reference``,
        ``test``, ``reference`` (dose-normalised values or means), ``F_percent``.
    """
    prm = res.parameters
    keys = ["subject", "analyte", "matrix", "start", "end"]
    sel = prm[prm["PPTESTCD"] == parameter]
    if not include_excluded:
        sel = sel[sel["exclude"] == ""]
    prof = res.profiles
    if by not in prof.columns:
        raise KinetorError(
            f"cannot split by {by!r}: the result has columns {', '.join(map(str, prof.columns))}"
        )
    extra = [c for c in dict.fromkeys(["dose", "route", by]) if c not in sel.columns]
    d = sel.merge(prof[[*keys, *extra]].drop_duplicates(keys), on=keys)
    d = d.assign(dn=d["value"] / d["dose"])
    d = d[np.isfinite(d["dn"])]
    labels = {"test": test, "reference": reference}
    if by == "route":  # the spellings users type (PO, IV, oral...) name the stored routes
        from kinetor.data.routes import normalise_route

        labels = {k: normalise_route(v) or v for k, v in labels.items()}
    arms = {name: d[d[by].astype(str) == str(value)] for name, value in labels.items()}
    for name, part in arms.items():
        if part.empty:
            have = ", ".join(repr(str(v)) for v in pd.unique(prof[by].astype(str)))
            raise KinetorError(
                f"no usable {parameter} for {name} {by}={labels[name]!r}: the {by} values "
                f"of the result are {have} (with {parameter} values: "
                f"{', '.join(repr(str(v)) for v in pd.unique(d[by].astype(str))) or 'none'}); "
                f"give one of them as {name}= (by='route' also takes PO, IV, ...)"
            )
    out = []
    for analyte in sorted(set(arms["test"]["analyte"]) & set(arms["reference"]["analyte"])):
        t = arms["test"][arms["test"]["analyte"] == analyte]
        r = arms["reference"][arms["reference"]["analyte"] == analyte]
        out.append(
            {
                "method": "group means",
                "analyte": analyte,
                "subject": "",
                "n_test": len(t),
                "n_reference": len(r),
                "test": t["dn"].mean(),
                "reference": r["dn"].mean(),
                "F_percent": 100.0 * t["dn"].mean() / r["dn"].mean(),
            }
        )
        pair = (
            t.groupby("subject")["dn"]
            .mean()
            .to_frame("test")
            .join(r.groupby("subject")["dn"].mean().rename("reference"), how="inner")
        )
        if len(pair):
            f = 100.0 * pair["test"] / pair["reference"]
            per = (
                pair.assign(F_percent=f, method="subject", analyte=analyte, n_test=1, n_reference=1)
                .rename_axis("subject")
                .reset_index()
            )
            out.extend(per.to_dict("records"))
            g_mean = float(np.exp(np.log(f).mean())) if (f > 0).all() else np.nan
            for method, f_pct in (
                ("paired mean", float(f.mean())),
                ("paired geometric mean", g_mean),
            ):
                out.append(
                    {
                        "method": method,
                        "analyte": analyte,
                        "subject": "",
                        "n_test": len(f),
                        "n_reference": len(f),
                        "test": np.nan,
                        "reference": np.nan,
                        "F_percent": f_pct,
                    }
                )
    return pd.DataFrame(
        out,
        columns=[
            "method",
            "analyte",
            "subject",
            "n_test",
            "n_reference",
            "test",
            "reference",
            "F_percent",
        ],
    )
