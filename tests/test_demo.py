"""The flagship demo end to end (what `make demo` runs), through the real CLI.

The demo runs once per test session (the ``demo_run`` fixture of ``conftest.py``).
"""

import re

import numpy as np
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


def _report_table(demo_dir, start: str) -> tuple[str, pd.DataFrame]:
    """Caption and shown table (the report's own CSV copy) of the table whose caption
    starts with ``start``."""
    import json

    manifest = json.loads((demo_dir / "report.json").read_text())
    block = next(
        b for b in manifest["blocks"] if b["type"] == "table" and b["caption"].startswith(start)
    )
    return block["caption"], pd.read_csv(demo_dir / block["csv"], keep_default_na=False)


def test_sparse_table_shows_the_bailer_se_next_to_the_auc_it_belongs_to(demo_dir):
    from kinetor.demo import example_path

    caption, tab = _report_table(demo_dir, "Composite-profile NCA")
    assert list(tab.columns) == [
        "group",
        "CMAX (ng/mL)",
        "TMAX (h)",
        "SPARSEAL (h*ng/mL)",
        "AUCLSTSE (h*ng/mL)",
        "AUCLST (h*ng/mL)",
        "AUCLSTD ((h*ng/mL)/(mg/kg))",
        "LAMZHL (h)",
    ]
    assert "standard error of SPARSEAL (not of AUCLST)" in caption
    # SPARSEAL by hand: linear trapezoids over the mean per nominal time, from (0, 0)
    raw = pd.read_csv(example_path("vistusertib_mouse_sparse.csv"))
    means = raw.groupby(["Group", "Nominal time (h)"])["Conc (ng/mL)"].mean()
    for group, m in means.groupby(level=0):
        t = np.r_[0.0, m.index.get_level_values(1).to_numpy(float)]
        c = np.r_[0.0, m.to_numpy(float)]
        hand = float(np.sum(np.diff(t) * (c[1:] + c[:-1]) / 2))
        shown = tab.set_index("group").loc[group, "SPARSEAL (h*ng/mL)"]
        assert shown == pytest.approx(hand, rel=1e-9)
        # lin-up/log-down (AUCLST) is below the linear trapezoid on the declining phase:
        # 7 to 18 % lower here, a different number from the one the SE belongs to
        assert tab.set_index("group").loc[group, "AUCLST (h*ng/mL)"] < 0.95 * hand


def test_demo_tables_carry_units_and_natural_group_order(demo_dir):
    _, bio = _report_table(demo_dir, "Oral bioavailability")
    unit = "(h*ng/mL)/(mg/kg)"
    assert {f"test ({unit})", f"reference ({unit})"} <= set(bio.columns)
    _, mouse = _report_table(demo_dir, "Mouse study by group")
    assert mouse["group"].tolist() == ["PO 3.75 mg/kg", "PO 7.5 mg/kg", "PO 15 mg/kg"]
    assert {"tmin (h)", "tmax (h)", "doses (mg/kg)"} <= set(mouse.columns)
    html = (demo_dir / "report.html").read_text()
    assert "<th>SPARSEAL (h*ng/mL)</th>" in html and "<th>tmin (h)</th>" in html
