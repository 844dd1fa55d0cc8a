"""Phoenix WinNonlin and PKNCA names of each CDISC ``PPTESTCD`` (result columns).

Phoenix names are those of WinNonlin's NCA "Final Parameters Pivoted" output (firm for
the single-dose codes: the reference outputs in tests/nca/fixtures carry them; the
steady-state names are the ones in the Phoenix user's guide, status likely). PKNCA names
are PKNCA's parameter names (``PKNCA::get.interval.cols()``, status likely). A code
without a counterpart maps to "".

Examples
--------
>>> PHOENIX["AUCIFO"], PKNCA["AUCIFO"]
('AUCINF_obs', 'aucinf.obs')
>>> PHOENIX["MRTEVLST"], PKNCA["CLFO"]
('MRTlast', 'cl.obs')
"""

from __future__ import annotations

__all__ = ["PHOENIX", "PKNCA"]

PHOENIX: dict[str, str] = {
    "R2": "Rsq", "R2ADJ": "Rsq_adjusted", "CORRXY": "Corr_XY", "LAMZNPT": "No_points_lambda_z",
    "LAMZ": "Lambda_z", "LAMZLL": "Lambda_z_lower", "LAMZUL": "Lambda_z_upper",
    "LAMZHL": "HL_Lambda_z", "TLAG": "Tlag", "TMAX": "Tmax", "CMAX": "Cmax",
    "CMAXD": "Cmax_D", "C0": "C0", "TLST": "Tlast", "CLST": "Clast", "AUCLST": "AUClast",
    "AUCALL": "AUCall", "AUCIFO": "AUCINF_obs", "AUCIFOD": "AUCINF_D_obs",
    "AUCPEO": "AUC_%Extrap_obs", "AUCPBEO": "AUC_%Back_Ext_obs", "VZFO": "Vz_F_obs",
    "CLFO": "Cl_F_obs", "VZO": "Vz_obs", "CLO": "Cl_obs", "AUCIFP": "AUCINF_pred",
    "AUCIFPD": "AUCINF_D_pred", "AUCPEP": "AUC_%Extrap_pred", "AUCPBEP": "AUC_%Back_Ext_pred",
    "VZFP": "Vz_F_pred", "CLFP": "Cl_F_pred", "VZP": "Vz_pred", "CLP": "Cl_pred",
    "AUMCLST": "AUMClast", "AUMCIFO": "AUMCINF_obs", "AUMCPEO": "AUMC_%Extrap_obs",
    "AUMCIFP": "AUMCINF_pred", "AUMCPEP": "AUMC_%Extrap_pred", "MRTIVLST": "MRTlast",
    "MRTEVLST": "MRTlast", "MRTIVIFO": "MRTINF_obs", "MRTEVIFO": "MRTINF_obs",
    "MRTIVIFP": "MRTINF_pred", "MRTEVIFP": "MRTINF_pred", "VSSO": "Vss_obs",
    "VSSP": "Vss_pred",
    # steady state (Phoenix user's guide names)
    "AUCTAU": "AUC_TAU", "AUMCTAU": "AUMC_TAU", "AUCTAUD": "AUC_TAU_D", "CMIN": "Cmin",
    "TMIN": "Tmin", "CTROUGH": "Ctau", "CAVG": "Cavg", "DEGFLUC": "Fluctuation%",
    "SWING": "Swing", "AILAMZ": "Accumulation_Index", "CLTAU": "CLss", "CLFTAU": "CLss_F",
    "VZTAU": "Vz", "VZFTAU": "Vz_F", "AUCINT": "AUC_lower_upper",
}

PKNCA: dict[str, str] = {
    "CMAX": "cmax", "TMAX": "tmax", "TLAG": "tlag", "CLST": "clast.obs", "TLST": "tlast",
    "C0": "c0", "AUCLST": "auclast", "AUCALL": "aucall", "AUMCLST": "aumclast",
    "AUMCALL": "aumcall", "LAMZ": "lambda.z", "R2": "r.squared", "R2ADJ": "adj.r.squared",
    "CORRXY": "lambda.z.corrxy", "LAMZNPT": "lambda.z.n.points",
    "LAMZLL": "lambda.z.time.first", "LAMZUL": "lambda.z.time.last", "LAMZHL": "half.life",
    "LAMZSPN": "span.ratio", "CLSTP": "clast.pred", "AUCIFO": "aucinf.obs",
    "AUCIFP": "aucinf.pred", "AUCPEO": "aucpext.obs", "AUCPEP": "aucpext.pred",
    "AUMCIFO": "aumcinf.obs", "AUMCIFP": "aumcinf.pred", "CMAXD": "cmax.dn",
    "AUCLSTD": "auclast.dn", "AUCIFOD": "aucinf.obs.dn", "AUCIFPD": "aucinf.pred.dn",
    "MRTIVLST": "mrt.iv.last", "MRTEVLST": "mrt.last", "MRTIVIFO": "mrt.iv.obs",
    "MRTEVIFO": "mrt.obs", "MRTIVIFP": "mrt.iv.pred", "MRTEVIFP": "mrt.pred",
    "CLO": "cl.obs", "CLFO": "cl.obs", "CLP": "cl.pred", "CLFP": "cl.pred",
    "VZO": "vz.obs", "VZFO": "vz.obs", "VZP": "vz.pred", "VZFP": "vz.pred",
    "VSSO": "vss.obs", "VSSP": "vss.pred", "CMIN": "cmin", "CTROUGH": "ctrough",
    "CAVG": "cav", "DEGFLUC": "deg.fluc", "SWING": "swing", "PTROUGHR": "ptr",
    "AUCTAU": "auclast", "CAVGD": "cav.dn", "CMIND": "cmin.dn", "CTROUGHD": "ctrough.dn",
    "TFIRST": "tfirst", "CSTART": "cstart", "CEOI": "ceoi", "TOTDOSE": "totdose",
    "NCONC": "count_conc", "NCONCMS": "count_conc_measured",
    "AUCAPRED": "aucabove.predose.all", "AUCATRGH": "aucabove.trough.all",
    "EFFHL": "thalf.eff.obs", "KEL": "kel.obs", "CLLST": "cl.last", "CLFLST": "cl.last",
    "CLALL": "cl.all", "CLFALL": "cl.all", "AUCINT": "aucint.last",
    "SPARSEAL": "sparse_auclast", "AUCLSTSE": "sparse_auc_se", "AUCLSTDF": "sparse_auc_df",
    "RCAMINT": "ae", "RCPCINT": "fe", "RENALCL": "clr.last",
}
