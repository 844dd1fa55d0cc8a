"""Outputs a study team uses: Excel workbook, Phoenix/PKNCA names, notebook view, plot,
explicit keyword arguments of kt.nca."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kinetor as kt
from kinetor.cli.main import main
from kinetor.data import Study
from kinetor.nca import nca

FIX = Path(__file__).parent / "fixtures"
UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}


def theoph():
    d = pd.read_csv(FIX / "theoph.csv")
    conc = pd.DataFrame({"subject": d.Subject.astype(str), "time": d.Time, "conc": d.conc})
    doses = pd.DataFrame(
        {"subject": conc.subject.unique(), "time": 0.0, "dose": 320.0, "route": "PO"}
    )
    return Study(conc, doses, units=UNITS)


def test_phoenix_and_pknca_names_are_columns():
    p = nca(theoph()).parameters.set_index(["subject", "PPTESTCD"]).loc["1"]
    assert (p.loc["AUCIFO", "phoenix"], p.loc["AUCIFO", "pknca"]) == ("AUCINF_obs", "aucinf.obs")
    assert (p.loc["CLFO", "phoenix"], p.loc["MRTEVLST", "phoenix"]) == ("Cl_F_obs", "MRTlast")
    # the names line up with the WinNonlin reference file's own columns
    ref = pd.read_csv(FIX / "wnl_theoph_log.csv")
    phoenix = set(p["phoenix"]) - {""}
    assert phoenix <= set(ref.columns) | {"MRTlast", "MRTINF_obs", "MRTINF_pred"}


def test_excel_workbook_has_one_sheet_per_table(tmp_path):
    path = tmp_path / "t.csv"
    d = pd.read_csv(FIX / "theoph.csv").assign(route="PO")
    d.to_csv(path, index=False)
    out = tmp_path / "o"
    assert (
        main(
            [
                "--quiet",
                "nca",
                str(path),
                "--time-unit",
                "h",
                "--conc-unit",
                "mg/L",
                "--dose-unit",
                "mg/kg",
                "--no-report",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    book = pd.read_excel(out / "nca.xlsx", sheet_name=None)
    assert {"parameters", "wide", "summary", "summary_grid", "cdisc_pp", "notes"} <= set(book)
    wide = pd.read_csv(out / "nca_wide.csv")
    assert book["wide"]["AUCLST"].tolist() == pytest.approx(wide["AUCLST"].tolist())


def test_notebook_view_and_plot():
    res = nca(theoph())
    html = res._repr_html_()
    assert "12 profiles" in html and "AUCIFO" in html and "<table" in html
    fig = res.plot(subject=["1", "2"])
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["Subject 1", "Subject 2"]
    # the fitted line runs through CLSTP at TLST with slope -LAMZ
    w = res.to_wide().set_index("subject").loc["1"]
    line = axes[0].lines[2]
    x, y = (np.asarray(v, float) for v in line.get_data())
    assert y[-1] == pytest.approx(w.CLSTP, rel=1e-12) and x[-1] == w.TLST
    assert np.log(y[0] / y[-1]) / (x[-1] - x[0]) == pytest.approx(w.LAMZ, rel=1e-9)


def test_kt_nca_has_explicit_keyword_arguments():
    sig = inspect.signature(kt.nca)
    for name in (
        "auc_method",
        "blq_rule",
        "time",
        "min_r2adj",
        "max_aucpext",
        "sparse",
        "lambda_z_range",
        "intervals",
    ):
        assert sig.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
    from kinetor.errors import KinetorError

    with pytest.raises(KinetorError, match=r"unknown NCA option.*auc_methd"):
        kt.nca(theoph(), auc_methd="linear")
    a = kt.nca(theoph(), auc_method="linear").to_wide()
    assert a.AUCLST.iloc[0] == pytest.approx(148.92305, rel=1e-8)  # WinNonlin, linear


def test_acceptance_flags_are_columns_of_every_output_table(tmp_path):
    """Each acceptance rule is a column of the wide CSV, the workbook and the report
    listing; the long table says which values fail; only --exclude-flagged removes them
    from the summaries (the report's n included)."""
    import re

    path = tmp_path / "t.csv"
    pd.read_csv(FIX / "theoph.csv").assign(route="PO").to_csv(path, index=False)
    out = tmp_path / "o"
    assert (
        main(
            [
                "--quiet",
                "nca",
                str(path),
                "--time-unit",
                "h",
                "--conc-unit",
                "mg/L",
                "--dose-unit",
                "mg/kg",
                "--exclude-flagged",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    wide = pd.read_csv(out / "nca_wide.csv", keep_default_na=False)
    rules = ["flag_R2ADJ", "flag_LAMZSPN", "flag_AUCPEO", "flag_AUCPEP"]
    assert {"flag", *rules} <= set(wide.columns)
    # the rules as documented (Options: R2ADJ >= 0.9, span >= 2, AUC%extrap <= 20 %)
    num = wide.replace("", np.nan)
    assert (wide["flag_AUCPEO"] == (num["AUCPEO"].astype(float) > 20)).all()
    assert (wide["flag_R2ADJ"] == (num["R2ADJ"].astype(float) < 0.9)).all()
    assert (wide["flag_LAMZSPN"] == (num["LAMZSPN"].astype(float) < 2)).all()
    assert wide["flag_AUCPEO"].any()  # Theoph has AUC%extrap > 20 % subjects
    flagged = set(wide.loc[wide["flag_AUCPEO"], "subject"].astype(str))
    assert all(
        "AUCPEO > 20%" in wide.loc[wide["subject"].astype(str) == s, "flag"].iloc[0]
        for s in flagged
    )
    # AUCIFO depends on lambda_z: it fails the lambda_z rules too
    fails = wide["flag_AUCPEO"] | wide["flag_R2ADJ"] | wide["flag_LAMZSPN"]
    flagged = set(wide.loc[fails, "subject"].astype(str))
    params = pd.read_csv(out / "nca_parameters.csv", keep_default_na=False)
    auc = params[params["PPTESTCD"] == "AUCIFO"]
    assert set(auc.loc[auc["flag"] != "", "subject"].astype(str)) == flagged
    book = pd.read_excel(out / "nca.xlsx", sheet_name="wide")
    assert (
        book[rules].astype(bool).to_numpy().tolist() == wide[rules].astype(bool).to_numpy().tolist()
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    assert all(f"<th>{r}</th>" in page for r in ["flag", *rules])
    # the report's summary leaves the flagged AUCIFO values out, as asked: n = 12 - flagged
    n_rows = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", page, re.S)]
    n_auc = [c for c in n_rows if c and c[0].startswith("AUCIFO (") and c[1] == "n"]
    assert n_auc and n_auc[0][2] == str(12 - len(flagged))
    summary = pd.read_csv(out / "nca_summary.csv").set_index("PPTESTCD")
    assert summary.loc["AUCIFO", "n"] == 12 - len(flagged)
