"""Sparse (serial-sacrifice / destructive sampling) NCA: composite profiles and the
Bailer / Nedelman-Jia standard error of AUClast.

Each group (group columns x analyte x matrix) becomes one composite profile: the mean
concentration at each nominal time (actual time where no nominal time is given). With
``sparse_mean="arithmetic, <=50% BLQ"`` (PKNCA's default) a time at which more than half
of the samples are BLQ has mean 0. The composite goes through the normal engine (all
parameters), and ``SPARSEAL`` (PKNCA's code), its standard error ``AUCLSTSE`` and degrees
of freedom ``AUCLSTDF`` are added, with the same for the first moment (``SPARSEMA``,
``AUMLSTSE``: the weights :math:`w_i` become :math:`w_i t_i`):

.. math::

    \\widehat{AUC} = \\sum_i w_i \\bar C_i,\\qquad
    w_i = \\frac{t_{i+1} - t_{i-1}}{2}\\ (t_{-1} = t_0,\\ t_{m+1} = t_m)

    \\mathrm{Var}(\\widehat{AUC}) = \\sum_i \\frac{w_i^2 s_i^2}{r_i}
      + 2 \\sum_{i<j} \\frac{w_i w_j r_{ij} s_{ij}}{r_i r_j}

(Bailer 1988; Nedelman & Jia 1998 eq. 7), with :math:`s_{ij}` Holder's (2001, eq. A3)
covariance from the :math:`r_{ij}` animals sampled at both times,

.. math::

    s_{ij} = \\frac{\\sum_k (x_{ik} - \\bar x_i)(x_{jk} - \\bar x_j)}
      {(r_{ij} - 1) + (1 - r_{ij}/r_i)(1 - r_{ij}/r_j)},

clipped to the Cauchy-Schwarz bound. The estimator is unbiased for :math:`r_{ij} = 1` too,
so every pair of times sharing an animal enters (PKNCA's ``cov_holder`` skips
:math:`r_{ij} = 1`); only a pair with :math:`r_{ij} = 1` and a time sampled in one animal
(denominator 0) is left out, and the SE is NaN there anyway (no variance at that time).
The Satterthwaite degrees of freedom (Nedelman et al. 1995, eq. 6a) assume independent
samples: they are NaN whenever an animal contributes two or more samples to the nodes.
Nodes run from the dose to the composite's Tlast; an unsampled dose-time node enters
with mean C0 and no variance.

Examples
--------
>>> import pandas as pd
>>> t = [0, 0, 1, 1, 2, 2]
>>> df = pd.DataFrame({"key": "g", "animal": list("abcdef"), "time": t,
...                    "conc": [0, 0, 4.0, 6.0, 2.0, 4.0]})
>>> auc, se, dof = bailer(df, "key", "animal")
>>> # weights 0.5, 1, 0.5; AUC = 1*5 + 0.5*3 = 6.5; Var = 1*2/2 + 0.25*2/2 = 1.25
>>> round(float(auc.iloc[0]), 6), round(float(se.iloc[0]) ** 2, 6)
(6.5, 1.25)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.nca.profiles import KEYS, expand_doses

__all__ = ["bailer", "composite", "repeated_animals", "sparse_table"]

_REPEATED = (
    "Satterthwaite df assumes one sample per animal; an animal gives several samples "
    "(the SE accounts for them)"
)


def _label(df: pd.DataFrame, groups: list[str]) -> pd.Series:
    if not groups:
        return pd.Series("composite", index=df.index)
    label = df[groups[0]].astype(str)
    for g in groups[1:]:
        label = label + " / " + df[g].astype(str)
    return label.where(label.str.strip(" /") != "", "composite")


def composite(rows: pd.DataFrame, study, options):
    """Mean profiles per group: returns (composite rows, composite doses, animal rows,
    notes). The animal rows keep ``_key`` (the composite subject) for the SE."""
    groups = [g for g in study.groups if g in rows.columns]
    rows = rows.copy()
    nominal = rows["nominal_time"] if "nominal_time" in rows.columns else None
    if nominal is not None and nominal.notna().all():
        rows["time"] = nominal.astype(float)
    rows["_key"] = _label(rows, groups).to_numpy()
    rows["_animal"] = rows["subject"].astype(str)
    by = ["_key", "analyte", "matrix", "time"]
    rows["_zero"] = rows["conc"].to_numpy(float) == 0  # BLQ samples enter as 0
    g = rows.groupby(by, sort=True, observed=True)
    comp = g.agg(conc=("conc", "mean"), n=("conc", "size"), n_blq=("_zero", "sum")).reset_index()
    if options.sparse_mean == "arithmetic, <=50% BLQ":
        comp.loc[comp["n_blq"] / comp["n"] > 0.5, "conc"] = 0.0
    first = rows.drop_duplicates("_key").set_index("_key")
    for c in groups:
        comp[c] = comp["_key"].map(first[c])
    comp["subject"] = comp["_key"]
    comp["lz_excl"] = False
    comp["source_row"] = 0
    # one dose schedule per group: the animals' doses averaged per time
    doses = expand_doses(study)
    animal_key = rows.drop_duplicates("_animal").set_index("_animal")["_key"]
    doses = doses[doses["subject"].astype(str).isin(animal_key.index)].copy()
    doses["subject"] = doses["subject"].astype(str).map(animal_key)
    notes = []
    spread = doses.groupby(["subject", "time"])["dose"].agg(["min", "max"])
    differing = spread[spread["max"] > spread["min"] * (1 + 1e-9)]
    notes = [
        f"sparse group {key!r}: animals got different doses at time {time:g}; the "
        "composite uses their mean"
        for key, time in differing.index
    ]
    cdoses = doses.groupby(["subject", "analyte", "time"], as_index=False).agg(
        dose=("dose", "mean"),
        route=("route", "first"),
        duration=("duration", "mean"),
        source_row=("source_row", "min"),
    )
    keep = [*KEYS, *groups, "time", "conc", "lz_excl", "source_row"]
    return comp[keep], cdoses, rows, notes


def bailer(
    samples: pd.DataFrame,
    key: str,
    animal: str,
    tmax_node: pd.Series | None = None,
    c0: pd.Series | None = None,
    moment: int = 0,
):
    """AUClast (linear trapezoids on means), its standard error and degrees of freedom.

    ``moment=1`` gives the same for AUMClast: each node's weight is multiplied by its
    time (the linear-trapezoid AUMC is :math:`\\sum_i w_i t_i \\bar C_i`).

    ``samples`` has one row per animal sample (``key``, ``animal``, ``time``, ``conc``);
    ``tmax_node`` (per key) keeps nodes up to that time (the composite Tlast); ``c0`` (per
    key) adds a fixed dose-time node where no sample was taken at time 0.
    Returns three Series indexed by key; the df is NaN where an animal gives several
    samples (:func:`repeated_animals`) or a node has one animal.
    """
    s = _nodes_samples(samples, key, animal, tmax_node)
    node = s.groupby([key, "time"], sort=True)["conc"].agg(["mean", "var", "size"])
    node = node.rename(columns={"size": "r"}).reset_index()
    if c0 is not None:
        keys_wo_zero = set(node[key]) - set(node.loc[node["time"] == 0, key])
        add = pd.DataFrame({key: sorted(keys_wo_zero)})
        if len(add):
            add = add.assign(time=0.0, mean=add[key].map(c0).fillna(0.0).to_numpy(), var=0.0, r=1)
            node = pd.concat([node, add], ignore_index=True).sort_values([key, "time"])
    node = node.reset_index(drop=True)
    gk = node.groupby(key, sort=False)["time"]
    prev = gk.shift(1).fillna(node["time"])
    nxt = gk.shift(-1).fillna(node["time"])
    node["w"] = (nxt - prev) / 2.0 * node["time"] ** moment
    auc = (node["w"] * node["mean"]).groupby(node[key], sort=False).sum()
    diag = node["w"] ** 2 * node["var"] / node["r"]
    undefined = diag.isna().groupby(node[key], sort=False).any()  # a node with one animal
    var = diag.groupby(node[key], sort=False).sum().where(~undefined)
    # pairs of samples from the same animal at two times (Holder covariance)
    m = s.merge(node[[key, "time", "mean", "var", "r", "w"]], on=[key, "time"])
    m["dev"] = m["conc"] - m["mean"]
    pair = m.merge(m, on=[key, animal], suffixes=("_i", "_j"))
    pair = pair[pair["time_i"] < pair["time_j"]]
    if len(pair):
        pair = pair.assign(prod=pair["dev_i"] * pair["dev_j"])
        pg = pair.groupby([key, "time_i", "time_j"], sort=False)
        cov = pg.agg(
            sp=("prod", "sum"),
            rij=("prod", "size"),
            ri=("r_i", "first"),
            rj=("r_j", "first"),
            wi=("w_i", "first"),
            wj=("w_j", "first"),
            vi=("var_i", "first"),
            vj=("var_j", "first"),
        ).reset_index()
        # Holder's denominator vanishes only for r_ij = 1 with r_i = 1 or r_j = 1
        cov = cov[(cov["rij"] > 1) | ((cov["ri"] > 1) & (cov["rj"] > 1))]
        denom = (cov["rij"] - 1) + (1 - cov["rij"] / cov["ri"]) * (1 - cov["rij"] / cov["rj"])
        sij = cov["sp"] / denom
        bound = np.sqrt(cov["vi"] * cov["vj"])
        sij = np.clip(sij, -bound, bound)
        term = 2 * cov["wi"] * cov["wj"] * cov["rij"] * sij / (cov["ri"] * cov["rj"])
        var = var.add(term.groupby(cov[key]).sum(), fill_value=0.0)
    num = diag.groupby(node[key], sort=False).sum() ** 2
    den = (
        (node["w"] ** 4 * node["var"] ** 2 / (node["r"] ** 2 * (node["r"] - 1)))
        .where(node["var"] > 0, 0.0)
        .groupby(node[key], sort=False)
        .sum()
    )
    repeated = repeated_animals(s, key, animal).reindex(num.index, fill_value=False)
    dof = (num / den).where(~repeated & ~undefined)
    return auc, np.sqrt(var.reindex(auc.index)), dof.reindex(auc.index)


def _nodes_samples(samples, key, animal, tmax_node=None) -> pd.DataFrame:
    s = samples[[key, animal, "time", "conc"]].copy()
    if tmax_node is not None:
        s = s[s["time"] <= s[key].map(tmax_node).to_numpy()]
    return s


def repeated_animals(samples, key, animal, tmax_node=None) -> pd.Series:
    """Per key: whether an animal gives two or more of the samples up to ``tmax_node``
    (then the samples are not independent and the Satterthwaite df is not defined)."""
    s = _nodes_samples(samples, key, animal, tmax_node)
    return s.groupby([key, animal], sort=False).size().gt(1).groupby(level=0).any()


def sparse_table(animal_rows: pd.DataFrame, prof, units_by_analyte) -> pd.DataFrame:
    """SPARSEAL / AUCLSTSE / AUCLSTDF / SPARSEMA / AUMLSTSE rows for the composites."""
    meta = prof.meta[prof.meta["kind"] == "single"]
    out = []
    for (an, mx), part in animal_rows.groupby(["analyte", "matrix"], sort=False, observed=True):
        sub = meta[(meta["analyte"] == an) & (meta["matrix"] == mx)]
        if not len(sub):
            continue
        pid = sub["pid"].to_numpy()
        T, C, obs = prof.T[pid], prof.C[pid], prof.obs[pid]
        pos = obs & (np.nan_to_num(C) > 0)
        ilast = T.shape[1] - 1 - np.argmax(pos[:, ::-1], axis=1)
        tlast = pd.Series(
            np.where(pos.any(axis=1), T[np.arange(len(pid)), ilast], -1.0),
            index=sub["subject"].to_numpy(),
        )
        c0 = pd.Series(C[:, 0], index=sub["subject"].to_numpy())
        origin = pd.Series(sub["origin"].to_numpy(float), index=sub["subject"].to_numpy())
        samples = part.assign(
            time=part["time"].to_numpy(float) - part["_key"].map(origin).to_numpy(float)
        )
        auc, se, dof = bailer(samples, "_key", "_animal", tmax_node=tlast, c0=c0)
        aumc, aumc_se, _ = bailer(samples, "_key", "_animal", tmax_node=tlast, c0=c0, moment=1)
        u = units_by_analyte[str(an)].units
        single = "a time point with a single animal"
        keys = sub["subject"].to_numpy()
        repeated = repeated_animals(samples, "_key", "_animal", tlast)
        no_se = np.isnan(se.reindex(keys).to_numpy(float))
        why_df = np.where(
            repeated.reindex(keys, fill_value=False).to_numpy(bool),
            _REPEATED,
            np.where(no_se, single, "not computable (no between-animal variance)"),
        )
        for code, series, unit, why in (
            ("SPARSEAL", auc, u["auc"], "not computable"),
            ("AUCLSTSE", se, u["auc"], single),
            ("AUCLSTDF", dof, "", why_df),
            ("SPARSEMA", aumc, u["aumc"], "not computable"),
            ("AUMLSTSE", aumc_se, u["aumc"], single),
        ):
            vals = series.reindex(keys).to_numpy(float)
            frame = sub[["subject", *prof.groups, "analyte", "matrix", "start", "end"]].copy()
            frame["PPTESTCD"] = code
            frame["value"] = vals
            frame["unit"] = unit
            frame["exclude"] = np.where(np.isnan(vals), why, "")
            out.append(frame)
    if not out:
        return pd.DataFrame()
    return pd.concat(out, ignore_index=True)
