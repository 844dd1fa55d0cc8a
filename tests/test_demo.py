"""The flagship demo end to end (what `make demo` runs), through the real CLI.

The demo runs once per test session (the ``demo_run`` fixture of ``conftest.py``).
"""

import re

import pandas as pd
import pytest


@pytest.fixture
def demo_dir(demo_run):
    assert demo_run.code == 0
    return demo_run.out


def test_report_has_every_stage(demo_dir):
    html = (demo_dir / "report.html").read_text()
    for n in range(1, 8):
        assert re.search(rf">\s*{n}\. ", html), f"stage {n} missing from the report"
    assert html.count("<img") >= 7
    assert "http://" not in html and "https://" not in html  # self-contained


def test_tables_are_written(demo_dir):
    for name in (
        "rat_nca_parameters",
        "rat_bioavailability",
        "mouse_sparse_nca",
        "rat_pk_fit",
        "pathway_dose_response",
        "mouse_regimens",
        "xenograft_tgi",
        "mouse_popfit_comparison",
    ):
        assert (demo_dir / f"{name}.csv").is_file(), name


def test_demo_numbers_are_consistent_with_the_example_truth(demo_dir):
    # the rat example was simulated with F = 0.29 (examples/README.md); with 3 rats per
    # route, NCA and the fitted model should land within a broad band around it
    f = pd.read_csv(demo_dir / "rat_bioavailability.csv")
    f_nca = float(f.loc[f["method"] == "group means", "F_percent"].iloc[0])
    assert 15.0 < f_nca < 45.0
    fit = pd.read_csv(demo_dir / "rat_pk_fit.csv").set_index("parameter")["estimate"]
    assert 0.15 < fit["f"] < 0.45
    # sparse design: the Bailer SE is reported for every dose group
    sparse = pd.read_csv(demo_dir / "mouse_sparse_nca.csv")
    assert sparse["AUCLSTSE"].notna().all() and (sparse["AUCLSTSE"] > 0).all()
    # serial-sacrifice population fit: converged, CL/F within 10 % of the simulation's
    # geometric mean (0.769 L/h/kg, examples/vistusertib_mouse_truth.csv)
    comp = pd.read_csv(demo_dir / "mouse_popfit_comparison.csv")
    pop = comp[comp["method"] == "population (FOCE-I)"].set_index("parameter")
    assert pop["converged"].all()
    assert pop.loc["CL/F", "estimate"] == pytest.approx(0.769, rel=0.10)
    assert set(comp["method"]) == {"population (FOCE-I)", "naive pooling", "sparse NCA"}
    # typical-animal (noise-free) TGI rises with the continuous daily dose; vehicle is 0
    tab = pd.read_csv(demo_dir / "xenograft_tgi.csv").set_index("arm")
    tgi = tab["tgi_typical_pct"]
    assert tgi["3.75 mg/kg QD"] < tgi["7.5 mg/kg QD"] < tgi["15 mg/kg QD"]
    assert tgi["15 mg/kg 2 on/5 off"] < tgi["15 mg/kg QD"]
    assert tgi["Vehicle"] == 0.0
    # every treated arm carries its interval, and bigger effects need fewer mice
    treated = tab.drop(index="Vehicle")
    assert (treated["tgi_lo_pct"] < treated["tgi_median_pct"]).all()
    assert (treated["tgi_median_pct"] < treated["tgi_hi_pct"]).all()
    n = treated["n_per_arm_vs_control"]
    assert n["15 mg/kg QD"] <= n["3.75 mg/kg QD"]


def test_json_summary(demo_run):
    assert demo_run.code == 0
    payload = demo_run.payload
    assert payload["report"].endswith("report.html")
    assert len(payload["summary"]) == 8
