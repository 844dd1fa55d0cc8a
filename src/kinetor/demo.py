"""The flagship analysis (``kinetor demo`` / ``make demo``): raw data to decisions.

The bundled vistusertib (AZD2014) example studies go through every box of the chain:
(1) read and validate the rat IV/PO study (kinetor/examples/vistusertib_rat_iv_po.csv); (2) NCA
for IV and PO, and oral bioavailability F% from dose-normalised AUCs; (3) sparse
(serial-sacrifice) NCA of the mouse study at 3.75/7.5/15 mg/kg, with the Bailer standard
error of the composite AUC, and a population (FOCE-I) fit of the same mice compared with
naive pooling and the sparse NCA; (4) a two-compartment model fitted to the rat data (IV and PO
together); (5) the PI3K/AKT/mTOR network's biomarkers: TOR kinase inhibitor against
rapalog, and vistusertib's cellular IC50s; (6) mouse exposure for continuous and
intermittent regimens, as time above the network's p-S6 IC50; (7) a virtual MCF7
xenograft study: TGI with its interval over replicate studies, and mice per arm; ending
with one self-contained HTML report, CSV tables, and a short text summary.

The example data are simulated (kinetor/examples/README.md says how); compound facts come from the
compound library with their sources and status.

The module is over 400 lines because it is one narrative read top to bottom: seven short
stage functions and the report that joins them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DemoResult", "example_path", "run_demo"]

_EXAMPLES = ("vistusertib_rat_iv_po.csv", "vistusertib_mouse_sparse.csv")


def example_path(name: str) -> Path:
    """Path of an example file shipped inside the package (``kinetor/examples/``).

    The files are package data, so this works from a checkout and from an installed wheel
    alike; the repository's ``examples/`` folder links to the same files.

    >>> example_path("vistusertib_rat_iv_po.csv").name
    'vistusertib_rat_iv_po.csv'
    """
    from importlib.resources import files

    resource = files("kinetor").joinpath("examples", *name.split("/"))
    path = Path(str(resource))
    if not path.exists():
        from kinetor.errors import KinetorError

        shipped = sorted(
            p.name
            for p in Path(str(files("kinetor").joinpath("examples"))).iterdir()
            if p.suffix == ".csv"
        )
        raise KinetorError(
            f"example file {name!r} is not shipped with kinetor; "
            f"the examples are: {', '.join(shipped)}"
        )
    return path


@dataclass
class DemoResult:
    """What the demo produced: the report, the tables written, and the headline lines."""

    out_dir: Path
    report: Path
    tables: dict[str, Path] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Ctx:
    out: Path
    rep: Any
    tables: dict[str, Path] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        path = self.out / f"{name}.csv"
        df.to_csv(path, index=False)
        self.tables[name] = path
        return df


def _fmt(x: float, digits: int = 3) -> str:
    from kinetor.numerics.formatting import format_g

    return format_g(x, digits)


def _units(res) -> dict[str, str]:
    """Unit of each PPTESTCD of an NCA result (for ``"CODE (unit)"`` headers)."""
    p = res.parameters
    return dict(zip(p["PPTESTCD"].astype(str), p["unit"].astype(str), strict=True))


# ---------------------------------------------------------------------------- stages
def _molar(nm: float) -> str:
    """A concentration in nM written in the unit a biologist would use (nM or uM)."""
    return f"{_fmt(nm / 1000.0)} uM" if nm >= 1000.0 else f"{_fmt(nm)} nM"


def _stage_data(ctx: _Ctx) -> None:
    import kinetor as kt
    from kinetor.report.tables import study_table

    rat = kt.read_study(example_path(_EXAMPLES[0]))
    mouse = kt.read_study(example_path(_EXAMPLES[1]))
    ctx.state.update(rat=rat, mouse=mouse)
    ctx.rep.add_section("1. Study data")
    ctx.rep.add_text(
        f"Rat IV/PO study `{rat.source}`: {rat.n_subjects} rats, {len(rat.conc)} samples "
        f"({int(rat.conc['blq'].sum())} BLQ). Mouse serial-sacrifice study `{mouse.source}`: "
        f"{mouse.n_subjects} SCID mice, one sample each. Both read, validated (every row "
        "checked; nothing dropped) and summarised below."
    )
    for name, st in (("Rat", rat), ("Mouse", mouse)):
        ctx.table(f"{name.lower()}_study_summary", st.summary())
        ctx.rep.add_table(
            study_table(st),
            f"{name} study by group (tmin/tmax: first and last sample time; doses: the "
            "dose amounts given)",
        )
    n_ex = sum(int((st.conc["exclude"] != "").sum()) for st in (rat, mouse))
    ctx.summary.append(
        f"data: rat {rat.n_subjects} animals / {len(rat.conc)} samples, "
        f"mouse {mouse.n_subjects} animals (sparse); validation passed, "
        f"{n_ex} samples carry an exclusion reason"
    )


def _stage_nca(ctx: _Ctx) -> None:
    import kinetor as kt
    from kinetor.report import plot_mean_profiles, summary_table
    from kinetor.report.tables import with_units

    rat = ctx.state["rat"]
    res = kt.nca(rat)
    ctx.state["rat_nca"] = res
    ctx.table("rat_nca_parameters", res.parameters)
    summary = ctx.table("rat_nca_summary", res.summary())
    f = kt.bioavailability(res, test="extravascular", reference="iv_bolus", by="route")
    ctx.table("rat_bioavailability", f)
    f_pct = float(f.loc[f["method"] == "group means", "F_percent"].iloc[0])
    ctx.state["f_percent"] = f_pct
    ctx.rep.add_section("2. Rat NCA and oral bioavailability")
    ctx.rep.add_figure(
        plot_mean_profiles(rat),
        "Mean (SD) plasma concentration by group (semi-log: +SD only; n per time point)",
    )
    codes = ["CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL", "CLO", "VSSO", "CLFO", "VZFO"]
    ctx.rep.add_table(
        summary_table(summary, codes=codes),
        "NCA summary by group (PKNCA default statistics; lin-up/log-down AUC, BLQ rule 'pknca')",
    )
    unit = _units(res).get("AUCIFOD", "")
    ctx.rep.add_table(
        with_units(f, {"test": unit, "reference": unit}),
        "Oral bioavailability: F% = 100 x test / reference, where test (PO) and "
        "reference (IV) are the group means of the dose-normalised AUCIFO (AUCIFO / dose)",
    )
    hl = res.parameters.query("PPTESTCD == 'LAMZHL' and exclude == ''")["value"]
    ctx.summary.append(
        f"NCA (rat): F = {_fmt(f_pct)}% (simulated with 29%), terminal t1/2 "
        f"{_fmt(float(hl.mean()))} h (simulated with 4 h)"
    )


def _stage_sparse(ctx: _Ctx) -> None:
    import kinetor as kt
    from kinetor.report import plot_sparse_profile
    from kinetor.report.tables import with_units

    mouse = ctx.state["mouse"]
    res = kt.nca(mouse, sparse=True)
    wide = res.to_wide()
    ctx.table("mouse_sparse_nca", wide)
    # the Bailer SE belongs to SPARSEAL (linear trapezoid of the mean profile), so the two
    # stand side by side; AUCLST (lin-up/log-down) follows, labelled as the other AUC
    codes = ("CMAX", "TMAX", "SPARSEAL", "AUCLSTSE", "AUCLST", "AUCLSTD", "LAMZHL")
    keep = ["group", *(c for c in codes if c in wide.columns)]
    ctx.rep.add_section("3. Mouse sparse-sampling NCA")
    ctx.rep.add_figure(
        plot_sparse_profile(mouse),
        "Composite profiles: mean (SE) per nominal time, one sample per mouse",
    )
    ctx.rep.add_table(
        with_units(wide[keep], _units(res)),
        "Composite-profile NCA per dose group. SPARSEAL: AUClast of the mean profile by the "
        "linear trapezoid (Bailer); AUCLSTSE: the Bailer standard error of SPARSEAL (not of "
        "AUCLST); AUCLST: AUClast of the same mean profile by lin-up/log-down (no SE); "
        "AUCLSTD: AUCLST / dose",
    )
    mw = kt.compounds.get("vistusertib").mw
    cmax_um = wide.set_index("group")["CMAX"] / mw  # ng/mL / (g/mol) = umol/L
    ctx.state["mouse_cmax_uM"] = cmax_um
    ctx.summary.append(
        "NCA (mouse, sparse): Cmax "
        + ", ".join(f"{g} {_fmt(v, 2)} uM" for g, v in cmax_um.sort_values().items())
        + " (simulated typical animal: 1.5, 3.0 and 6.0 uM)"
    )


def _stage_popfit(ctx: _Ctx) -> None:
    from kinetor._figures import save_figure
    from kinetor.popfit import popfit, vpc
    from kinetor.popfit.compare import serial_sacrifice_comparison
    from kinetor.report.popfit import plot_vpc

    mouse = ctx.state["mouse"]
    fit = popfit(mouse, "1cmt-oral", eta=["cl", "v"], error="proportional", npde=False)
    comp = ctx.table("mouse_popfit_comparison", serial_sacrifice_comparison(mouse, fit=fit))
    truth = pd.read_csv(example_path("vistusertib_mouse_truth.csv"))
    gm = {
        "CL/F": np.exp(np.log(truth["CL (L/h/kg)"] / truth["F"]).mean()),
        "V/F": np.exp(np.log(truth["V (L/kg)"] / truth["F"]).mean()),
    }
    ctx.rep.add_section("3b. Mouse population fit (serial sacrifice)")
    ctx.rep.add_text(
        f"1-cmt oral FOCE-I fit of the {fit.n_subjects} mice (one sample each; BSV on CL/F "
        f"and V/F, proportional error): converged={fit.converged} ({fit.reason}). Compared "
        "with naive pooling and with the sparse NCA of each dose group; the simulation's "
        f"geometric-mean truth is CL/F {_fmt(gm['CL/F'])} L/h/kg, V/F {_fmt(gm['V/F'])} L/kg."
    )
    ctx.rep.add_table(comp.drop(columns="reason"), "CL/F and V/F by three methods (95 % CIs)")
    fig = plot_vpc(vpc(fit, 200, bins=6, pred_corr=True, seed=1), log=True)
    # the report embeds the file saved here (the same bytes), so a rescan of the folder
    # finds one image, not the file and a re-rendered copy
    png = save_figure(fig, ctx.out / "mouse_pcvpc.png", dpi=fig.dpi)
    ctx.rep.add_figure(png, "Prediction-corrected VPC of the population fit (200 replicates)")
    pop = comp[comp["method"] == "population (FOCE-I)"].set_index("parameter")["estimate"]
    ctx.summary.append(
        f"popfit (mouse, sparse): CL/F {_fmt(pop['CL/F'])} L/h/kg, V/F "
        f"{_fmt(pop['V/F'])} L/kg (simulated truth {_fmt(gm['CL/F'])}, "
        f"{_fmt(gm['V/F'])}); converged={fit.converged}"
    )


def _stage_pathway(ctx: _Ctx) -> None:
    import kinetor.pathway as kp
    from kinetor._figures import new_figure

    net = kp.Network(lesions=["PIK3CA_mut"])  # MCF7 carries PIK3CA E545K
    concs = np.logspace(-1, 4, 16)
    readouts = ["pS6_S235_236", "pAKT_S473", "pAKT_T308", "p4EBP1_T37_46"]
    rows = []
    for drug in ("vistusertib", "everolimus"):
        dr = kp.dose_response(net, drug, concs, t=2.0)
        dr.insert(0, "drug", drug)
        rows.append(dr)
    dr = ctx.table("pathway_dose_response", pd.concat(rows, ignore_index=True))
    fig, axes = new_figure(10, 3.8, 1, 2, squeeze=True, layout=None, sharey=True)
    for ax, (drug, sub) in zip(axes, dr.groupby("drug", sort=False), strict=True):
        for r in readouts:
            ax.semilogx(sub["conc_nM"], sub[r], marker="o", ms=3, label=r)
        ax.axhline(100, color="0.6", lw=0.8)
        ax.set(title=f"{drug} (2 h, PIK3CA-mutant cell)", xlabel="free concentration (nM)")
    axes[0].set_ylabel("% of untreated")
    axes[1].legend(fontsize=8)
    ctx.rep.add_section("5. Pathway biomarkers: TOR kinase inhibitor vs rapalog")
    ctx.rep.add_figure(
        fig,
        "Network readouts against free drug concentration. The TOR "
        "kinase inhibitor lowers p-S6, p-4EBP1 and p-AKT S473; the rapalog "
        "lowers p-S6 but raises p-AKT S473 through relief of the S6K1 -| IRS1 "
        "feedback (O'Reilly 2006 Cancer Res 66:1500), and leaves p-4EBP1 partly "
        "phosphorylated (Choo 2008 PNAS 105:17414, doi:10.1073/pnas.0809136105).",
    )
    fits = []
    for r in ("pS6_S235_236", "pAKT_S473"):
        h = kp.fit_hill(
            dr.loc[dr["drug"] == "vistusertib", "conc_nM"], dr.loc[dr["drug"] == "vistusertib", r]
        )
        fits.append({"drug": "vistusertib", "readout": r, "IC50_nM": h.ic50, "hill": h.hill})
    fits = ctx.table("pathway_ic50", pd.DataFrame(fits))
    ctx.state["ps6_ic50_nM"] = float(fits.loc[fits.readout == "pS6_S235_236", "IC50_nM"].iloc[0])
    ctx.rep.add_table(
        fits,
        "Cellular IC50s of vistusertib in the network (calibration "
        "targets ~80 nM p-AKT S473 and ~200 nM p-S6, Pike 2013 / Guichard 2015, "
        "status unverified)",
    )
    top = dr.loc[dr["drug"] == "everolimus"].iloc[-1]
    ctx.summary.append(
        "pathway: vistusertib IC50 p-AKT S473 "
        f"{_fmt(float(fits.loc[fits.readout == 'pAKT_S473', 'IC50_nM'].iloc[0]))} nM, p-S6 "
        f"{_fmt(float(fits.loc[fits.readout == 'pS6_S235_236', 'IC50_nM'].iloc[0]))} nM; "
        f"everolimus {_molar(float(top['conc_nM']))}: p-S6 {_fmt(float(top['pS6_S235_236']))}%,"
        f" p-AKT S473 {_fmt(float(top['pAKT_S473']))}% (feedback)"
    )


def _stage_xenograft(ctx: _Ctx) -> None:
    import kinetor as kt

    arms = [f"{d} mg/kg QD=vistusertib:{d} mg/kg PO QD x 21 days" for d in (3.75, 7.5, 15)]
    arms.append("15 mg/kg 2 on/5 off=vistusertib:15 mg/kg PO QD 2 days on/5 days off x 3 weeks")
    xs = kt.run_study("vistusertib", "mouse", "MCF7", arms=arms, n_animals=10, seed=0)
    ctx.table("xenograft_tumor", xs.tumor)
    tgi = ctx.table(
        "xenograft_tgi",
        kt.translate.design_summary(
            "vistusertib", "mouse", "MCF7", arms=arms, n_animals=10, seed=0, study=xs
        ),
    )
    ctx.rep.add_section("7. Virtual MCF7 xenograft study")
    ctx.rep.add_text(
        "10 SCID mice per arm, each with its own PK, free drug, network response (PIK3CA "
        "mutation) and tumour growth, with caliper noise. TGI: this one study, the typical "
        "animal, the population mean, and the median and 95 % interval of 500 replicate "
        "studies of 10 mice; mice per arm to detect each arm vs vehicle (80 % power, 5 %). "
        "Growth parameters are assumptions (docs/translate.md): an illustration only."
    )
    ctx.rep.add_figure(xs.plot_tumor(), "Mean tumour volume by arm (10 mice per arm)")
    ctx.rep.add_figure(xs.plot_biomarkers(), "Tumour biomarkers (% of untreated) over time")
    ctx.rep.add_table(tgi, "TGI at day 21 (delta formula) with its interval; mice per arm")
    ctx.summary.append(
        "xenograft (MCF7, day 21), TGI median [95 % interval] of 500 studies "
        "of 10 mice (typical animal; mice/arm for 80 % power): "
        + "; ".join(
            f"{r.arm} {r.tgi_median_pct:.0f}% [{r.tgi_lo_pct:.0f}, {r.tgi_hi_pct:.0f}]"
            f" ({r.tgi_typical_pct:.0f}%; n={r.n_per_arm_vs_control})"
            for r in tgi.itertuples()
            if r.arm != "Vehicle"
        )
    )


def _stage_fit(ctx: _Ctx) -> None:
    import kinetor as kt

    rat = ctx.state["rat"]
    # IV and PO rats together, shared parameters (naive pooled), F estimated: the PO arm
    # alone only identifies CL/F.
    fit = kt.fit_pk(rat, "2cmt-oral", pooling="naive", estimate=["cl", "v1", "q", "v2", "ka", "f"])
    params = ctx.table("rat_pk_fit", fit.params)
    ctx.table("rat_pk_fit_predictions", fit.predictions)
    ctx.rep.add_section("4. Two-compartment model fitted to the rat IV and PO data")
    ctx.rep.add_text(
        "Maximum likelihood, proportional residual error, BLQ samples as "
        "left-censored (Beal M3), IV and PO animals fitted together so that F "
        "is estimable. 95% CIs with Student's t on the log scale; the converged and "
        "reason columns report the convergence diagnostics."
    )
    ctx.rep.add_table(params, "Estimates, standard errors and 95% confidence intervals")
    ctx.rep.add_figure(
        _fit_figure(fit.predictions),
        "Observed (points) and model-predicted "
        "(lines) concentrations per rat; observed vs predicted",
    )
    est = params.set_index("parameter")["estimate"]
    ctx.state["rat_fit"] = est
    ctx.summary.append(
        f"PK fit (rat, 2-cmt, IV+PO): CL {_fmt(est['cl'])} L/h/kg, Vss "
        f"{_fmt(est['v1'] + est['v2'])} L/kg, ka {_fmt(est['ka'])} /h, F "
        f"{_fmt(100 * est['f'])}% (simulation truth: F 29%, t1/2 4 h)"
        + (
            ""
            if fit.stats["converged"].all()
            else f"; NOT converged: {'; '.join(fit.stats['reason'])}"
        )
    )


def _fit_figure(pred: pd.DataFrame):
    from kinetor._figures import PALETTE, new_figure

    fig, (ax1, ax2) = new_figure(10, 3.8, 1, 2, squeeze=True, layout="tight")
    for i, (subject, d) in enumerate(pred.groupby("subject", sort=True)):
        d = d.sort_values("time")
        color = PALETTE[i % 10]
        obs = d[~d["blq"].astype(bool)]
        ax1.semilogy(obs["time"], obs["dv"], "o", ms=3, color=color, label=str(subject))
        ax1.semilogy(d["time"], d["pred"], "-", lw=1, color=color)
        ax2.loglog(obs["pred"], obs["dv"], "o", ms=3, color=color)
    lim = [pred["pred"].clip(lower=1e-3).min(), pred["dv"].max()]
    ax2.loglog(lim, lim, color="0.5", lw=0.8)
    ax1.set(xlabel="time (h)", ylabel="concentration (ng/mL)")
    ax2.set(xlabel="predicted (ng/mL)", ylabel="observed (ng/mL)")
    ax1.legend(fontsize=7, ncol=2)
    return fig


def _stage_regimens(ctx: _Ctx) -> None:
    import kinetor as kt
    from kinetor._figures import new_figure
    from kinetor.translate import drug_model

    dm = drug_model("vistusertib", "mouse")
    ic50 = ctx.state["ps6_ic50_nM"]  # the network's p-S6 IC50 (stage 5)
    regimens = {
        "15 mg/kg QD": "15 mg/kg PO QD x 7 days",
        "7.5 mg/kg BID": "7.5 mg/kg PO BID x 7 days",
        "15 mg/kg 2 on/5 off": "15 mg/kg PO QD 2 days on/5 days off x 1 week",
        "30 mg/kg 2 on/5 off": "30 mg/kg PO QD 2 days on/5 days off x 1 week",
    }
    times = np.arange(0.0, 168.0 + 0.25, 0.25)
    rows = []
    fig, ax = new_figure(9, 3.6, squeeze=True, layout=None)
    for label, text in regimens.items():
        sim = kt.simulate(
            dm.model,
            kt.Regimen.parse(text),
            times,
            n_subjects=200,
            variability={"cl": 0.3, "v": 0.3, "ka": 0.3},
            weight=0.025,
            seed=1,
        )
        free = sim.conc * dm.free_factor  # unbound nM
        median = np.median(free, axis=0)
        ax.semilogy(times / 24.0, np.maximum(median, 1e-2), label=label)
        above = (free > ic50).mean(axis=1) * 168.0 / 7.0  # h per day above the IC50
        auc = np.trapezoid(sim.conc, times, axis=1) / 7.0 / 1000.0  # ug.h/mL per day
        rows.append(
            {
                "regimen": text,
                "median Cmax (ng/mL)": float(np.median(sim.conc.max(1))),
                "median daily AUC (ug.h/mL)": float(np.median(auc)),
                "median h/day free > p-S6 IC50": float(np.median(above)),
            }
        )
    ax.axhline(ic50, color="0.4", ls="--", lw=0.8, label="p-S6 IC50 (network)")
    ax.set(xlabel="day", ylabel="unbound vistusertib (nM, median of 200 mice)", ylim=(1e-1, None))
    ax.legend(fontsize=8, ncol=2)
    ctx.rep.add_section("6. Mouse exposure for continuous and intermittent schedules")
    ctx.rep.add_text(
        f"Closed-form population simulation (200 mice, 30% BSV on CL, V, ka) "
        f"with the compound library's mouse PK set ({dm.pk_status}: "
        f"{dm.pk_source}); unbound concentration = fu x total (fu {dm.fu:g})."
    )
    ctx.rep.add_figure(fig, "Median unbound concentration over one week per regimen")
    fig2 = _regimen_biomarkers(ctx, dm, regimens, rows)
    table = ctx.table("mouse_regimens", pd.DataFrame(rows))
    ctx.rep.add_text(
        "Target engagement of a typical mouse (library PK set, no variability): "
        "the exact unbound course of each regimen (`kinetor.pk.polyexponential`) "
        "drives the network with MCF7's PIK3CA mutation; p-S6 <= 50 % of "
        "untreated counts as engaged."
    )
    ctx.rep.add_figure(
        fig2,
        "Tumour-cell p-S6 and p-AKT S473 over the first two days, "
        "typical mouse (network driven by the exact PK course)",
    )
    ctx.rep.add_table(table, "Exposure and target engagement per regimen over the first week")
    qd, bid = rows[0], rows[1]
    ctx.summary.append(
        f"regimens (mouse): 15 mg/kg QD keeps free drug above the p-S6 IC50 "
        f"{_fmt(qd['median h/day free > p-S6 IC50'], 2)} h/day vs "
        f"{_fmt(bid['median h/day free > p-S6 IC50'], 2)} h/day for 7.5 mg/kg BID "
        "(same daily dose); p-S6 <= 50 % in a typical mouse "
        f"{_fmt(qd['typical h/day p-S6 <= 50 % (network)'], 2)} vs "
        f"{_fmt(bid['typical h/day p-S6 <= 50 % (network)'], 2)} h/day"
    )


def _regimen_biomarkers(ctx: _Ctx, dm, regimens: dict[str, str], rows: list[dict]):
    """Typical-mouse p-S6 / p-AKT S473 per regimen (kt.translate.typical_engagement); adds
    hours per day with p-S6 <= 50 % of untreated to ``rows``; returns the figure."""
    import kinetor as kt
    from kinetor._figures import PALETTE, new_figure

    ro, engaged = kt.translate.typical_engagement("vistusertib", regimens)
    fig, ax = new_figure(9, 3.6, squeeze=True, layout=None)
    for k, (row, label) in enumerate(zip(rows, regimens, strict=True)):
        row["typical h/day p-S6 <= 50 % (network)"] = engaged[label]
        first = ro[(ro["regimen"] == label) & (ro["time"] <= 48.0)]
        if k < 2:  # the continuous schedules, first two days
            ax.plot(
                first["time"], first["pS6_S235_236"], color=PALETTE[k % 10], label=f"{label}: p-S6"
            )
            ax.plot(
                first["time"],
                first["pAKT_S473"],
                color=PALETTE[k % 10],
                ls="--",
                label=f"{label}: p-AKT S473",
            )
    ax.axhline(50.0, color="0.4", ls=":", lw=0.8)
    ax.set(
        xlabel="time after first dose (h)",
        ylabel="% of untreated (PIK3CA_mut cell)",
        ylim=(0, None),
    )
    ax.legend(fontsize=8, ncol=2)
    return fig


_STAGES: tuple[tuple[str, Callable[[_Ctx], None]], ...] = (
    ("read and validate the example studies", _stage_data),
    ("NCA of the rat IV/PO study and F%", _stage_nca),
    ("sparse NCA of the mouse study", _stage_sparse),
    ("population fit of the mouse study", _stage_popfit),
    ("two-compartment fit of the rat data", _stage_fit),
    ("pathway biomarkers: vistusertib vs everolimus", _stage_pathway),
    ("mouse exposure for continuous and intermittent regimens", _stage_regimens),
    ("virtual MCF7 xenograft study", _stage_xenograft),
)


def run_demo(
    out_dir: str | Path = "build/demo", on_stage: Callable[[str], None] | None = None
) -> DemoResult:
    """Run the whole example analysis and write ``out_dir/report.html`` and CSV tables.

    Parameters
    ----------
    out_dir : path
        Output folder (created). Files of the same names in it (a previous demo's) are
        replaced.
    on_stage : callable, optional
        Called with each stage's description as it starts (progress display).

    Raises
    ------
    kinetor.errors.DataError
        ``out_dir`` is a file, or a folder that cannot be created.
    """
    from kinetor.errors import DataError, Problem
    from kinetor.report import Report

    out = Path(out_dir)
    try:
        if out.exists() and not out.is_dir():
            raise NotADirectoryError(0, "it is a file, not a folder")
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            Problem(
                f"cannot create the output folder {out}: {exc.strerror}",
                file=str(out),
                fix="give a folder you can write to (it is created when absent)",
            )
        ) from None
    rep = Report(
        "kinetor demo: vistusertib (AZD2014) from raw data to decisions",
        "Simulated rat IV/PO and mouse xenograft studies; every stage of the "
        "preclinical PK/PD chain",
    )
    ctx = _Ctx(out, rep)
    timings: dict[str, float] = {}
    for name, stage in _STAGES:
        if on_stage is not None:
            on_stage(name)
        t0 = time.perf_counter()
        stage(ctx)
        timings[name] = time.perf_counter() - t0
    # the footer the NCA report has: the software versions (added by the Report itself),
    # then the input files with the hash of each study
    rep.add_methods(
        {
            "Example data": "simulated; see kinetor/examples/README.md for models, parameters and seeds",
            "NCA": "lin-up/log-down AUC, BLQ rule 'pknca', lambda_z best fit (Phoenix rules)",
            "Stage timings (s)": {k: round(v, 2) for k, v in timings.items()},
        }
    )
    rep.add_inputs(ctx.state["rat"], ctx.state["mouse"])
    report = rep.save(out / "report.html")
    return DemoResult(out, report, ctx.tables, ctx.summary, timings)
