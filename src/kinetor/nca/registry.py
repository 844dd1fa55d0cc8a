"""The parameter registry: one declaration per NCA parameter.

Each :class:`Parameter` names its calculator (a small function on arrays over all
profiles; ``None`` for the primary quantities the engine computes itself), its unit type,
its dependencies, its CDISC ``PPTESTCD``/``PPTEST`` (per route where they differ), the
routes and interval kinds it applies to, and its default summary statistic: PKNCA's
defaults (``PKNCA.set.summary`` in the PKNCA R package; Denney, Duvvuri and Buckeridge,
J Pharmacokinet Pharmacodyn 2015;42(S1):S65-S66): geometric mean and geometric CV% for
concentrations, AUCs, clearances, volumes and MRTs, median and range for times and counts
(LAMZNPT, LAMZLL and LAMZUL included), mean and SD for half-lives, fit diagnostics and
percentages; kinetor keeps mean and SD for LAMZ and LAMZSPN, which PKNCA summarises by
geometric mean and geometric CV. Codes are checked against
the CDISC rule (``[A-Z][A-Z0-9_]*``, at most 8 characters) at import.

The registry is the single source of the summaries: :func:`summary_statistic` (which
statistic), :data:`STATISTIC_LABEL` (its name), :func:`order_codes` (display order) and
:func:`format_summary` (the cell text, 3 significant figures; times as recorded). The
module is over 400 lines because it is one table: one declaration per parameter.

Interval kinds: ``"single"`` (dose to infinity), ``"tau"`` (a dosing interval, steady
state), ``"partial"`` (AUCINT only), ``"sparse"`` and ``"urine"`` (filled by their own
modules).

Examples
--------
>>> p = PARAMETERS["cl_obs"]
>>> p.code_for("iv_bolus"), p.code_for("extravascular"), p.unit, p.summary
('CLO', 'CLFO', 'clearance', 'geometric')
>>> PARAMETERS["tmax"].summary
'median'
>>> sorted(dependents("lamz"))[:3]
['ailamz', 'aucifo', 'aucifod']
>>> summary_statistic("CMAX"), summary_statistic("TMAX"), summary_statistic("LAMZHL")
('geometric', 'median', 'arithmetic')
>>> order_codes(["LAMZHL", "ZZZ", "CMAX", "AUCLST"])
['CMAX', 'AUCLST', 'LAMZHL', 'ZZZ']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "DISPLAY_ORDER",
    "PARAMETERS",
    "ROUTES",
    "STATISTIC_LABEL",
    "Parameter",
    "by_code",
    "dependents",
    "format_summary",
    "order",
    "order_codes",
    "summary_statistic",
]

ROUTES = frozenset({"iv_bolus", "iv_infusion", "extravascular", "unknown"})
_KNOWN = frozenset({"iv_bolus", "iv_infusion", "extravascular"})
_IV = frozenset({"iv_bolus", "iv_infusion"})
_BOTH = frozenset({"single", "tau"})
_LN2 = float(np.log(2.0))


@dataclass(frozen=True)
class Parameter:
    """Declaration of one NCA parameter (see module docstring)."""

    key: str
    code: str
    label: str
    unit: str
    summary: str
    calc: Callable | None = None
    depends: tuple[str, ...] = ()
    routes: frozenset[str] = ROUTES
    kinds: frozenset[str] = _BOTH
    ev_code: str | None = None
    ev_label: str | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    def code_for(self, route: str) -> str:
        """CDISC ``PPTESTCD`` for a route (extravascular codes differ for CL, V, MRT)."""
        return self.ev_code if (route == "extravascular" and self.ev_code) else self.code

    def label_for(self, route: str) -> str:
        return self.ev_label if (route == "extravascular" and self.ev_label) else self.label


def _mrt_last(d):
    return d.aumclst / d.auclst - d.half_duration


def _mrt_inf(auc, aumc):
    return lambda d: d[aumc] / d[auc] - d.half_duration


def _mrt_tau(auc_inf):
    # Phoenix steady state: [AUMC_tau + tau (AUCinf - AUC_tau)] / AUC_tau (- Tinf/2)
    return lambda d: (d.aumctau + d.tau * (d[auc_inf] - d.auctau)) / d.auctau - d.half_duration


def _aumc_inf(clast):
    return lambda d: d.aumclst + d[clast] * d.tlst / d.lamz + d[clast] / d.lamz**2


def _pext(part, whole):
    return lambda d: 100.0 * (d[whole] - d[part]) / d[whole]


def _per_dose(name):
    return lambda d: d[name] / d.dose


def _cl(auc):
    return lambda d: d.dose / d[auc] * d.cl_factor


def _vz(auc):
    return lambda d: d.dose / (d.lamz * d[auc]) * d.v_factor


def _vss(mrt, auc):
    return lambda d: d[mrt] * d.dose / d[auc] * d.v_factor


_P: list[Parameter] = []


def _add(key, code, label, unit, summary, calc=None, depends=(), **kw):
    _P.append(Parameter(key, code, label, unit, summary, calc, tuple(depends), **kw))


G, M, A = "geometric", "median", "arithmetic"
# --- pseudo-parameters: inputs with reasons, never emitted -------------------------------
for _k in ("dose", "tau", "cl_factor", "v_factor", "half_duration", "aucbe", "intercept"):
    _add(_k, "", "", "unitless", A, kinds=frozenset())
# --- observed (primary) -------------------------------------------------------------------
_add("cmax", "CMAX", "Max Conc", "conc", G)
_add("tmax", "TMAX", "Time of CMAX", "time", M)
_add(
    "tlag", "TLAG", "Time Until First Nonzero Conc", "time", M, routes=frozenset({"extravascular"})
)
_add("clst", "CLST", "Last Nonzero Conc", "conc", G)
_add("tlst", "TLST", "Time of Last Nonzero Conc", "time", M)
_add("c0", "C0", "Initial Conc", "conc", G, routes=frozenset({"iv_bolus"}))
_add("auclst", "AUCLST", "AUC to Last Nonzero Conc", "auc", G)
_add("aucall", "AUCALL", "AUC All", "auc", G)
_add("aumclst", "AUMCLST", "AUMC to Last Nonzero Conc", "aumc", G)
_add("aumcall", "AUMCALL", "AUMC All", "aumc", G)
_add("tfirst", "TFIRST", "Time of First Nonzero Conc", "time", M)
_add("cstart", "CSTART", "Conc at Start of Interval", "conc", G)
_add("ceoi", "CEOI", "Conc at End of Infusion", "conc", G, routes=frozenset({"iv_infusion"}))
_add("totdose", "TOTDOSE", "Total Dose in Interval", "dose", A)
_add("nconc", "NCONC", "Number of Concentrations Used", "count", M)
_add("nconcms", "NCONCMS", "Number of Measured Concentrations Above 0", "count", M)
_add("aucapred", "AUCAPRED", "AUC Above Predose Conc", "auc", G)
# --- lambda_z --------------------------------------------------------------------------------
_add("lamz", "LAMZ", "Lambda z", "inverse_time", A)
# fit diagnostics: mean (SD); the count and the time limits: median (range), as PKNCA
for _k, _c, _l, _u, _s in (
    ("r2", "R2", "R Squared", "unitless", A),
    ("r2adj", "R2ADJ", "R Squared Adjusted", "unitless", A),
    ("corrxy", "CORRXY", "Correlation Between TimeX and Log ConcY", "unitless", A),
    ("lamznpt", "LAMZNPT", "Number of Points for Lambda z", "count", M),
    ("lamzll", "LAMZLL", "Lambda z Lower Limit", "time", M),
    ("lamzul", "LAMZUL", "Lambda z Upper Limit", "time", M),
):
    _add(_k, _c, _l, _u, _s)
_add("lamzhl", "LAMZHL", "Half-Life Lambda z", "time", A, lambda d: _LN2 / d.lamz, ("lamz",))
_add(
    "lamzspn",
    "LAMZSPN",
    "Lambda z Span",
    "unitless",
    A,
    lambda d: (d.lamzul - d.lamzll) / d.lamzhl,
    ("lamzhl", "lamzll", "lamzul"),
)
_add(
    "clstp",
    "CLSTP",
    "Last Nonzero Conc Pred",
    "conc",
    G,
    lambda d: np.exp(d.intercept - d.lamz * d.tlst),
    ("lamz", "intercept", "tlst"),
)
# --- extrapolation to infinity --------------------------------------------------------------
_add(
    "aucifo",
    "AUCIFO",
    "AUC Infinity Obs",
    "auc",
    G,
    lambda d: d.auclst + d.clst / d.lamz,
    ("auclst", "clst", "lamz"),
)
_add(
    "aucifp",
    "AUCIFP",
    "AUC Infinity Pred",
    "auc",
    G,
    lambda d: d.auclst + d.clstp / d.lamz,
    ("auclst", "clstp", "lamz"),
)
_add(
    "aucpeo",
    "AUCPEO",
    "AUC %Extrapolation Obs",
    "percent",
    A,
    _pext("auclst", "aucifo"),
    ("aucifo", "auclst"),
)
_add(
    "aucpep",
    "AUCPEP",
    "AUC %Extrapolation Pred",
    "percent",
    A,
    _pext("auclst", "aucifp"),
    ("aucifp", "auclst"),
)
_add(
    "aumcifo",
    "AUMCIFO",
    "AUMC Infinity Obs",
    "aumc",
    G,
    _aumc_inf("clst"),
    ("aumclst", "clst", "tlst", "lamz"),
)
_add(
    "aumcifp",
    "AUMCIFP",
    "AUMC Infinity Pred",
    "aumc",
    G,
    _aumc_inf("clstp"),
    ("aumclst", "clstp", "tlst", "lamz"),
)
_add(
    "aumcpeo",
    "AUMCPEO",
    "AUMC %Extrapolation Obs",
    "percent",
    A,
    _pext("aumclst", "aumcifo"),
    ("aumcifo", "aumclst"),
)
_add(
    "aumcpep",
    "AUMCPEP",
    "AUMC % Extrapolation Pred",
    "percent",
    A,
    _pext("aumclst", "aumcifp"),
    ("aumcifp", "aumclst"),
)
_add(
    "aucpbeo",
    "AUCPBEO",
    "AUC %Back Extrapolation Obs",
    "percent",
    A,
    lambda d: 100.0 * d.aucbe / d.aucifo,
    ("aucbe", "aucifo"),
    routes=frozenset({"iv_bolus"}),
)
_add(
    "aucpbep",
    "AUCPBEP",
    "AUC %Back Extrapolation Pred",
    "percent",
    A,
    lambda d: 100.0 * d.aucbe / d.aucifp,
    ("aucbe", "aucifp"),
    routes=frozenset({"iv_bolus"}),
)
# --- dose-normalised --------------------------------------------------------------------------
for _k, _c, _l, _u, _s in (
    ("cmaxd", "CMAXD", "Max Conc Norm by Dose", "conc_dose", "cmax"),
    ("auclstd", "AUCLSTD", "AUC to Last Nonzero Conc Norm by Dose", "auc_dose", "auclst"),
    ("aucifod", "AUCIFOD", "AUC Infinity Obs Norm by Dose", "auc_dose", "aucifo"),
    ("aucifpd", "AUCIFPD", "AUC Infinity Pred Norm by Dose", "auc_dose", "aucifp"),
):
    _add(_k, _c, _l, _u, G, _per_dose(_s), (_s, "dose"))
# --- MRT, clearance, volumes (single dose) ----------------------------------------------------
_add(
    "mrtlst",
    "MRTIVLST",
    "MRT Intravasc to Last Nonzero Conc",
    "time",
    G,
    _mrt_last,
    ("aumclst", "auclst", "half_duration"),
    routes=_KNOWN,
    ev_code="MRTEVLST",
    ev_label="MRT Extravasc to Last Nonzero Conc",
)
_add(
    "mrtifo",
    "MRTIVIFO",
    "MRT Intravasc Infinity Obs",
    "time",
    G,
    _mrt_inf("aucifo", "aumcifo"),
    ("aumcifo", "aucifo", "half_duration"),
    routes=_KNOWN,
    kinds=frozenset({"single"}),
    ev_code="MRTEVIFO",
    ev_label="MRT Extravasc Infinity Obs",
)
_add(
    "mrtifp",
    "MRTIVIFP",
    "MRT Intravasc Infinity Pred",
    "time",
    G,
    _mrt_inf("aucifp", "aumcifp"),
    ("aumcifp", "aucifp", "half_duration"),
    routes=_KNOWN,
    kinds=frozenset({"single"}),
    ev_code="MRTEVIFP",
    ev_label="MRT Extravasc Infinity Pred",
)
_add(
    "cl_obs",
    "CLO",
    "Total CL Obs",
    "clearance",
    G,
    _cl("aucifo"),
    ("aucifo", "dose", "cl_factor"),
    routes=_KNOWN,
    kinds=frozenset({"single"}),
    ev_code="CLFO",
    ev_label="Total CL Obs by F",
)
_add(
    "cl_pred",
    "CLP",
    "Total CL Pred",
    "clearance",
    G,
    _cl("aucifp"),
    ("aucifp", "dose", "cl_factor"),
    routes=_KNOWN,
    kinds=frozenset({"single"}),
    ev_code="CLFP",
    ev_label="Total CL Pred by F",
)
_add(
    "cl_last",
    "CLLST",
    "Total CL to Last Nonzero Conc",
    "clearance",
    G,
    _cl("auclst"),
    ("auclst", "dose", "cl_factor"),
    routes=_KNOWN,
    kinds=frozenset({"single"}),
    ev_code="CLFLST",
    ev_label="Total CL to Last Nonzero Conc by F",
)
_add(
    "cl_all",
    "CLALL",
    "Total CL over All Samples",
    "clearance",
    G,
    _cl("aucall"),
    ("aucall", "dose", "cl_factor"),
    routes=_KNOWN,
    kinds=frozenset({"single"}),
    ev_code="CLFALL",
    ev_label="Total CL over All Samples by F",
)
_add(
    "vz_obs",
    "VZO",
    "Vz Obs",
    "volume",
    G,
    _vz("aucifo"),
    ("aucifo", "lamz", "dose", "v_factor"),
    routes=_KNOWN,
    kinds=frozenset({"single"}),
    ev_code="VZFO",
    ev_label="Vz Obs by F",
)
_add(
    "vz_pred",
    "VZP",
    "Vz Pred",
    "volume",
    G,
    _vz("aucifp"),
    ("aucifp", "lamz", "dose", "v_factor"),
    routes=_KNOWN,
    kinds=frozenset({"single"}),
    ev_code="VZFP",
    ev_label="Vz Pred by F",
)
_add(
    "vss_obs",
    "VSSO",
    "Vol Dist Steady State Obs",
    "volume",
    G,
    _vss("mrtifo", "aucifo"),
    ("mrtifo", "aucifo", "dose", "v_factor"),
    routes=_IV,
    kinds=frozenset({"single"}),
)
_add(
    "vss_pred",
    "VSSP",
    "Vol Dist Steady State Pred",
    "volume",
    G,
    _vss("mrtifp", "aucifp"),
    ("mrtifp", "aucifp", "dose", "v_factor"),
    routes=_IV,
    kinds=frozenset({"single"}),
)
# --- dosing interval / steady state -------------------------------------------------------------
_T = frozenset({"tau"})
_add("auctau", "AUCTAU", "AUC Over Dosing Interval", "auc", G, kinds=_T)
_add("aumctau", "AUMCTAU", "AUMC Over Dosing Interval", "aumc", G, kinds=_T)
_add(
    "auctaud",
    "AUCTAUD",
    "AUC Over Dosing Interval Norm by Dose",
    "auc_dose",
    G,
    _per_dose("auctau"),
    ("auctau", "dose"),
    kinds=_T,
)
_add("cmin", "CMIN", "Min Conc", "conc", G, kinds=_T)
_add("tmin", "TMIN", "Time of CMIN Observation", "time", M, kinds=_T)
_add("ctrough", "CTROUGH", "Conc Trough", "conc", G, kinds=_T)
_add(
    "cavg",
    "CAVG",
    "Average Conc",
    "conc",
    G,
    lambda d: d.auctau / d.tau,
    ("auctau", "tau"),
    kinds=_T,
)
_add(
    "cavgd",
    "CAVGD",
    "Average Conc Norm by Dose",
    "conc_dose",
    G,
    _per_dose("cavg"),
    ("cavg", "dose"),
    kinds=_T,
)
_add(
    "cmind",
    "CMIND",
    "Min Conc Norm by Dose",
    "conc_dose",
    G,
    _per_dose("cmin"),
    ("cmin", "dose"),
    kinds=_T,
)
_add(
    "ctroughd",
    "CTROUGHD",
    "Conc Trough Norm by Dose",
    "conc_dose",
    G,
    _per_dose("ctrough"),
    ("ctrough", "dose"),
    kinds=_T,
)
_add("aucatrgh", "AUCATRGH", "AUC Above Trough Conc", "auc", G, kinds=_T)
_add(
    "degfluc",
    "DEGFLUC",
    "Degree of Fluctuation",
    "percent",
    A,
    lambda d: 100.0 * (d.cmax - d.cmin) / d.cavg,
    ("cmax", "cmin", "cavg"),
    kinds=_T,
)
_add(
    "swing",
    "SWING",
    "Swing",
    "unitless",
    A,
    lambda d: (d.cmax - d.cmin) / d.cmin,
    ("cmax", "cmin"),
    kinds=_T,
)
_add(
    "ptroughr",
    "PTROUGHR",
    "Peak Trough Ratio",
    "unitless",
    G,
    lambda d: d.cmax / d.ctrough,
    ("cmax", "ctrough"),
    kinds=_T,
)
_add(
    "ailamz",
    "AILAMZ",
    "Accumulation Index using Lambda z",
    "unitless",
    G,
    lambda d: 1.0 / (1.0 - np.exp(-d.lamz * d.tau)),
    ("lamz", "tau"),
    kinds=_T,
)
_add(
    "mrtifo_tau",
    "MRTIVIFO",
    "MRT Intravasc Infinity Obs",
    "time",
    G,
    _mrt_tau("aucifo"),
    ("aumctau", "auctau", "aucifo", "tau", "half_duration"),
    routes=_KNOWN,
    kinds=_T,
    ev_code="MRTEVIFO",
    ev_label="MRT Extravasc Infinity Obs",
)
_add(
    "mrtifp_tau",
    "MRTIVIFP",
    "MRT Intravasc Infinity Pred",
    "time",
    G,
    _mrt_tau("aucifp"),
    ("aumctau", "auctau", "aucifp", "tau", "half_duration"),
    routes=_KNOWN,
    kinds=_T,
    ev_code="MRTEVIFP",
    ev_label="MRT Extravasc Infinity Pred",
)
_add(
    "effhl",
    "EFFHL",
    "Effective Half-Life",
    "time",
    A,
    lambda d: _LN2 * d.mrtifo_tau,
    ("mrtifo_tau",),
    routes=_KNOWN,
    kinds=_T,
)
_add(
    "kel",
    "KEL",
    "Elimination Rate Constant from MRT",
    "inverse_time",
    A,
    lambda d: 1.0 / d.mrtifo_tau,
    ("mrtifo_tau",),
    routes=_KNOWN,
    kinds=_T,
)
_add(
    "cl_tau",
    "CLTAU",
    "Total CL Steady State",
    "clearance",
    G,
    _cl("auctau"),
    ("auctau", "dose", "cl_factor"),
    routes=_KNOWN,
    kinds=_T,
    ev_code="CLFTAU",
    ev_label="Total CL Steady State by F",
)
_add(
    "vz_tau",
    "VZTAU",
    "Vz Steady State",
    "volume",
    G,
    _vz("auctau"),
    ("auctau", "lamz", "dose", "v_factor"),
    routes=_KNOWN,
    kinds=_T,
    ev_code="VZFTAU",
    ev_label="Vz Steady State by F",
)
_add(
    "vss_tau_obs",
    "VSSO",
    "Vol Dist Steady State Obs",
    "volume",
    G,
    _vss("mrtifo_tau", "auctau"),
    ("mrtifo_tau", "auctau", "dose", "v_factor"),
    routes=_IV,
    kinds=_T,
)
_add(
    "vss_tau_pred",
    "VSSP",
    "Vol Dist Steady State Pred",
    "volume",
    G,
    _vss("mrtifp_tau", "auctau"),
    ("mrtifp_tau", "auctau", "dose", "v_factor"),
    routes=_IV,
    kinds=_T,
)
# --- filled by other modules ---------------------------------------------------------------------
_add("arauc", "ARAUC", "Accumulation Ratio AUC", "unitless", G, kinds=frozenset({"ratio"}))
_add("arcmax", "ARCMAX", "Accumulation Ratio Cmax", "unitless", G, kinds=frozenset({"ratio"}))
_add("aucint", "AUCINT", "AUC from T1 to T2", "auc", G, kinds=frozenset({"partial"}))
_add("aumcint", "AUMCINT", "AUMC from T1 to T2", "aumc", G, kinds=frozenset({"partial"}))
# sparse: PKNCA's SPARSEAL (Bailer AUClast on the means; Bailer, J Pharmacokinet Biopharm
# 1988;16:303-309); the standard errors are AUCLSTSE and AUMLSTSE (8 characters at most)
_add("sparse_auclast", "SPARSEAL", "Sparse AUClast", "auc", G, kinds=frozenset({"sparse"}))
_add(
    "sparse_auc_se",
    "AUCLSTSE",
    "Sparse AUClast standard error",
    "auc",
    A,
    kinds=frozenset({"sparse"}),
)
_add(
    "sparse_auc_df",
    "AUCLSTDF",
    "Sparse AUClast degrees of freedom",
    "count",
    A,
    kinds=frozenset({"sparse"}),
)
_add("sparse_aumclast", "SPARSEMA", "Sparse AUMClast", "aumc", G, kinds=frozenset({"sparse"}))
_add(
    "sparse_aumc_se",
    "AUMLSTSE",
    "Sparse AUMClast standard error",
    "aumc",
    A,
    kinds=frozenset({"sparse"}),
)
_U = frozenset({"urine"})
for _k, _c, _l, _u, _s in (
    ("ae", "RCAMINT", "Amt Rec from T1 to T2", "amount", G),
    ("fe", "RCPCINT", "Pct Rec from T1 to T2", "percent", G),
    ("clr", "RENALCL", "Renal CL", "renal_clearance", G),
    ("ermax", "ERMAX", "Max Excretion Rate", "rate", G),
    ("ertmax", "ERTMAX", "Midpoint of Interval of Max Excretion Rate", "time", M),
    ("erlst", "ERLST", "Last Meas Excretion Rate", "rate", G),
    ("ertlst", "ERTLST", "Midpoint of Interval of Last Nonzero ER", "time", M),
    ("aurclst", "AURCLST", "AURC to Last Nonzero Rate", "amount", G),
    ("urine_lamz", "LAMZ", "Lambda z", "inverse_time", A),
    ("urine_lamzhl", "LAMZHL", "Half-Life Lambda z", "time", A),
    ("urine_lamznpt", "LAMZNPT", "Number of Points for Lambda z", "count", M),
    ("urine_r2adj", "R2ADJ", "R Squared Adjusted", "unitless", A),
    ("urine_vol", "VOLPK", "Sum of Urine Vol", "urine_volume", G),
):
    _add(_k, _c, _l, _u, _s, kinds=_U)

PARAMETERS: dict[str, Parameter] = {p.key: p for p in _P}
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
for _p in _P:
    for _code in filter(None, (_p.code, _p.ev_code)):
        if not _CODE_RE.match(_code):  # a registry error is a bug: fail at import
            raise ValueError(f"PPTESTCD {_code!r} of {_p.key} breaks the CDISC rule")
    for _dep in _p.depends:
        if _dep not in PARAMETERS:
            raise ValueError(f"{_p.key} depends on unknown parameter {_dep!r}")


def order() -> list[str]:
    """Keys of computed parameters in dependency order (each after what it needs)."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen:
            return
        seen.add(key)
        for dep in PARAMETERS[key].depends:
            visit(dep)
        done.append(key)

    for key in PARAMETERS:
        visit(key)
    return done


def dependents(key: str) -> set[str]:
    """Every parameter that depends on ``key``, directly or not."""
    out: set[str] = set()
    frontier = {key}
    while frontier:
        nxt = {p.key for p in _P if set(p.depends) & frontier} - out
        out |= nxt
        frontier = nxt
    return out


def by_code(code: str) -> list[Parameter]:
    """Parameters that report under a CDISC code (several: route/kind variants)."""
    return [p for p in _P if code in (p.code, p.ev_code)]


# ------------------------------------------------------------------ summaries
STATISTIC_LABEL = {
    "geometric": "geometric mean (geometric CV%)",
    "median": "median (min\u2013max)",
    "arithmetic": "mean (SD)",
}

# Display order of the common codes (a study report's: concentrations and times, areas,
# lambda_z, clearances and volumes, MRT, steady state); every other registry code follows
# in declaration order, then unknown codes alphabetically.
DISPLAY_ORDER = (
    "C0",
    "CMAX",
    "CMAXD",
    "TMAX",
    "TLAG",
    "TFIRST",
    "CMIN",
    "TMIN",
    "CLST",
    "TLST",
    "CTROUGH",
    "CAVG",
    "AUCLST",
    "AUCLSTD",
    "AUCALL",
    "AUCINT",
    "AUCTAU",
    "AUCIFO",
    "AUCIFOD",
    "AUCIFP",
    "AUCPEO",
    "AUCPEP",
    "AUCPBEO",
    "AUCPBEP",
    "AUMCLST",
    "AUMCIFO",
    "AUMCIFP",
    "LAMZ",
    "LAMZHL",
    "LAMZLL",
    "LAMZUL",
    "LAMZNPT",
    "R2",
    "R2ADJ",
    "CORRXY",
    "LAMZSPN",
    "CLSTP",
    "CLO",
    "CLP",
    "CLFO",
    "CLFP",
    "VZO",
    "VZP",
    "VZFO",
    "VZFP",
    "VSSO",
    "VSSP",
    "MRTIVLST",
    "MRTIVIFO",
    "MRTIVIFP",
    "MRTEVLST",
    "MRTEVIFO",
    "MRTEVIFP",
    "DEGFLUC",
    "SWING",
    "PTROUGHR",
)


def _code_tables() -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    stat: dict[str, str] = {}
    unit: dict[str, str] = {}
    rank = {c: i for i, c in enumerate(DISPLAY_ORDER)}
    for p in _P:
        for code in filter(None, (p.code, p.ev_code)):
            stat.setdefault(code, p.summary)
            unit.setdefault(code, p.unit)
            rank.setdefault(code, len(rank))
    return stat, unit, rank


_STAT_OF, _UNIT_OF, _RANK = _code_tables()


def summary_statistic(code: str) -> str:
    """The summary statistic of a PPTESTCD: ``"geometric"``, ``"median"`` or
    ``"arithmetic"`` (the first registry parameter reporting under the code decides;
    a code the registry does not know is summarised by its arithmetic mean)."""
    return _STAT_OF.get(str(code).upper(), "arithmetic")


def order_codes(codes) -> list[str]:
    """PPTESTCDs in display order (see :data:`DISPLAY_ORDER`), each once."""
    return sorted(dict.fromkeys(str(c) for c in codes), key=lambda c: (_RANK.get(c, len(_RANK)), c))


def format_summary(
    code: str,
    *,
    n: float,
    n_total: float | None = None,
    mean=np.nan,
    sd=np.nan,
    geomean=np.nan,
    geocv=np.nan,
    median=np.nan,
    min=np.nan,
    max=np.nan,
    max_missing: float = 0.5,
) -> str:
    """The summary cell of a parameter: its statistic to 3 significant figures (times as
    recorded, up to 6 digits); ``NC`` (not calculated) when no value, or when more than
    ``max_missing`` of ``n_total`` values are missing (PKNCA's rule); ``NC (a value <= 0)``
    for a geometric statistic when a value (``min``) is 0 or negative: the geometric mean
    and CV are undefined there (Phoenix and PKNCA leave them missing too).

    >>> format_summary("CMAX", n=2, geomean=4.0, geocv=78.53)
    '4.00 (78.5)'
    >>> format_summary("TMAX", n=3, median=2.125, min=1.0, max=4.0)
    '2.125 (1\u20134)'
    >>> format_summary("LAMZHL", n=1, n_total=3, mean=5.0)
    'NC'
    >>> format_summary("CMIN", n=3, min=0.0, max=1.0)
    'NC (a value <= 0)'
    """
    from kinetor.numerics.formatting import format_sig

    def f(x, time: bool = False) -> str:
        if x is None or not np.isfinite(float(x)):
            return "NC"
        return format(float(x), ".6g") if time else format_sig(float(x))

    total = n if n_total is None or not np.isfinite(n_total) else n_total
    if not n or n < (1.0 - max_missing) * total:
        return "NC"
    kind = summary_statistic(code)
    if kind == "median":
        t = _UNIT_OF.get(str(code).upper()) in ("time", "count")  # as recorded
        if not np.isfinite(float(median)):
            return "NC"
        return f"{f(median, t)} ({f(min, t)}\u2013{f(max, t)})"
    if kind == "geometric" and float(min) <= 0:  # log of 0: undefined, said so
        return "NC (a value <= 0)"
    point, spread = (geomean, geocv) if kind == "geometric" else (mean, sd)
    if not np.isfinite(float(point)):
        return "NC"
    return f"{f(point)} ({f(spread)})" if np.isfinite(float(spread)) else f(point)
