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
    doses = pd.DataFrame({"subject": conc.subject.unique(), "time": 0.0, "dose": 320.0,
                          "route": "PO"})
    return Study(conc, doses, units=UNITS)


def test_phoenix_and_pknca_names_are_columns():
    p = nca(theoph()).parameters.set_index(["subject", "PPTESTCD"]).loc["1"]
    assert (p.loc["AUCIFO", "phoenix"], p.loc["AUCIFO", "pknca"]) == ("AUCINF_obs",
                                                                      "aucinf.obs")
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
    assert main(["--quiet", "nca", str(path), "--time-unit", "h", "--conc-unit", "mg/L",
                 "--dose-unit", "mg/kg", "--no-report", "--out", str(out)]) == 0
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
    for name in ("auc_method", "blq_rule", "time", "min_r2adj", "max_aucpext", "sparse",
                 "lambda_z_range", "intervals"):
        assert sig.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
    from kinetor.errors import KinetorError

    with pytest.raises(KinetorError, match=r"unknown NCA option.*auc_methd"):
        kt.nca(theoph(), auc_methd="linear")
    a = kt.nca(theoph(), auc_method="linear").to_wide()
    assert a.AUCLST.iloc[0] == pytest.approx(148.92305, rel=1e-8)   # WinNonlin, linear
