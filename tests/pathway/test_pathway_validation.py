"""Scenarios (observation -> simulation), the comparison rules, and validate()'s structure.

The numbers of the held-out comparison are reported (docs/pathway.md, ``kinetor pathway
validate``), never asserted here.
"""

import math

import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.pathway import LESIONS, READOUTS, resolve_drug
from kinetor.pathway.scenarios import SCENARIOS_FILE, Scenario, build_scenarios, load_scenarios
from kinetor.pathway.validation import judge, validate


@pytest.fixture(scope="module")
def scen():
    return load_scenarios()


def test_every_observation_has_one_scenario_row(obs, scen):
    assert sorted(scen["id"]) == sorted(obs["id"])


def test_fibroblast_rows_and_only_they_carry_the_pdgfr_arm(obs, scen):
    # the cell-type rule reads the cell-line text only, for training and held-out rows alike
    cell = obs.set_index("id")["cell_line"].fillna("")
    is_mef = cell.str.contains("MEF") | (
        cell.str.lower().str.contains("fibroblast") & ~cell.str.lower().str.contains("hepatocyte")
    )
    params = scen.set_index("id")["parameters"].fillna("")
    has = params.str.contains("PDGFR_expr=1")
    assert (has == is_mef.reindex(has.index)).all()
    assert is_mef.sum() == 14


def test_scenario_rows_name_library_lesions_drugs_and_model_readouts(scen):
    for _, r in scen.iterrows():
        if r["simulable"] == "no":
            assert r["reason"], r["id"]
            continue
        for name in filter(None, r["lesions"].split(";")):
            assert name in LESIONS, (r["id"], name)
        for drug in filter(None, r["drugs"].split(";")):
            resolve_drug(drug)  # raises for a drug the compound library does not have
        assert r["readout"] in READOUTS, r["id"]


def test_a_drug_the_library_cannot_simulate_makes_the_row_unsimulable_with_its_reason(obs, scen):
    # a scenario marked simulable whose drug lacks a potency the mechanism needs: the row is
    # reported unsimulable with the library's words, and the other rows still build
    rows = scen[scen["id"].isin(["D-prasad2011-01", "A-harrington2004-03"])].copy()
    rows.loc[rows["id"] == "D-prasad2011-01", ["simulable", "reason"]] = ["yes", ""]
    o = obs[obs["id"].isin(rows["id"])]
    b = build_scenarios(o, rows).set_index("id")
    bad = b.loc["D-prasad2011-01"]
    assert not bad["simulable"] and bad["scenario"] is None
    assert bad["reason"].startswith("drug cannot be simulated: voxtalisib")
    assert "PI3K" in bad["reason"]
    assert b.loc["A-harrington2004-03", "simulable"]


def test_cell_line_and_knockdown_rows_become_the_right_simulations():
    b = build_scenarios().set_index("id")
    # MDA-MB-468 is PTEN-null and ER-negative (CELL_LINES)
    assert b.loc["A-pike2013-01", "scenario"].lesions == ("PTEN_loss", "ER_negative")
    # rictor/mLST8 knock-out: mTORC2 total 0, compared with the wild-type cell
    s = b.loc["A-guertin2006-01"]
    assert s["scenario"].parameters == (("mTORC2_tot", 0.0),) and s["baseline"].parameters == ()
    # "TSC wild-type cells = 100": same context, lesion removed; drug-free = steady state
    s = b.loc["A-zhang2003-01"]
    assert s["scenario"].lesions == ("TSC2_loss", "TP53_loss")
    # MEFs: the fibroblast PDGF-receptor arm in the scenario and in its baseline
    assert s["scenario"].parameters == (("PDGFR_expr", 1.0),)
    assert s["baseline"] == Scenario(("TP53_loss",), (), (("PDGFR_expr", 1.0),), (), None)


def test_unstated_concentration_and_time_follow_the_fixed_rule():
    from kinetor.pathway.scenarios import rule_conc_nM

    b = build_scenarios().set_index("id")
    # Choo 2008 states 1 h but no concentration: 10 x rapamycin's cellular potency
    s = b.loc["A-choo2008-01"]
    assert s["conditions"] == "rule" and s["scenario"].time_h == 1.0
    assert s["scenario"].drugs == (("rapamycin", rule_conc_nM("rapamycin")),)
    # Garrett 2011 states neither: HER3 expression at 24 h, p-AKT at 2 h
    assert b.loc["B053", "scenario"].time_h == 24.0 and b.loc["B056", "scenario"].time_h == 2.0
    # drug-free lesion comparisons need neither
    assert b.loc["A-harrington2004-03", "conditions"] == "stated"


def test_rows_without_concentration_or_in_vivo_are_unsimulable_with_a_reason():
    b = build_scenarios().set_index("id")
    # a patient biopsy and a cell-free enzyme assay
    assert not b.loc["A-tabernero2008-01", "simulable"]
    assert "in vivo" in b.loc["A-tabernero2008-01", "reason"]
    assert "cell-free" in b.loc["B124", "reason"]
    for _, r in b[~b["simulable"]].iterrows():
        assert r["reason"], r.name


def test_bad_scenarios_file_names_row_and_column(tmp_path):
    sc = pd.read_csv(SCENARIOS_FILE, dtype=str, keep_default_na=False)
    sc.loc[0, "lesions"] = "PTEN_gone"
    sc.loc[3, "compare"] = "area"
    path = tmp_path / "s.csv"
    sc.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        load_scenarios(path)
    where = sorted((p.row, p.column) for p in err.value.problems)
    assert where == [(2, "lesions"), (5, "compare")]


def _row(**kw):
    base = {
        "kind": "direction",
        "value": math.nan,
        "uncertainty": math.nan,
        "uncertainty_kind": "none",
        "band_low": math.nan,
        "band_high": math.nan,
    }
    return {**base, **kw}


def test_judge_band_quantitative_and_log_residuals():
    # direction: inside the band passes with residual 0; outside, the log10 distance
    assert judge(_row(band_low=0.0, band_high=80.0), 50.0) == (True, 0.0, 80.0, 0.0)
    ok, _, _, e = judge(_row(band_low=0.0, band_high=25.0), 50.0)
    assert not ok and e == pytest.approx(math.log10(2.0))
    ok, _, hi, e = judge(_row(band_low=120.0), 60.0)  # open upper edge
    assert not ok and hi == math.inf and e == pytest.approx(math.log10(0.5))
    # quantitative with SD 10 around 40: 49 passes, 51 does not
    q = _row(kind="quantitative", value=40.0, uncertainty=10.0, uncertainty_kind="SD")
    assert judge(q, 49.0)[0] and not judge(q, 51.0)[0]
    assert judge(q, 80.0)[3] == pytest.approx(math.log10(2.0))
    # no stated uncertainty: within a factor of 2
    q = _row(kind="quantitative", value=100.0)
    assert judge(q, 199.0)[0] and not judge(q, 201.0)[0] and judge(q, 50.0)[0]
    # a failed simulation never passes
    assert judge(q, math.nan)[0] is False


@pytest.fixture(scope="module")
def result():
    return validate()


def test_validate_returns_one_row_per_observation_and_summaries_by_split(result, obs):
    t = result.table
    assert list(t["id"]) == list(obs["id"])
    assert {
        "id",
        "split",
        "status",
        "simulable",
        "reason",
        "scenario",
        "baseline",
        "predicted",
        "low",
        "high",
        "log10_residual",
        "passed",
    } <= set(t.columns)
    s = result.summary()
    assert list(s["split"]) == ["train"] * 3 + ["heldout"] * 3
    assert list(s["conditions"]) == ["all", "stated", "rule"] * 2
    for _, row in s[s["conditions"] == "all"].iterrows():
        part = t[t["split"] == row["split"]]
        assert row["observations"] == len(part)
        assert row["unverified"] + row["unsimulable"] + row["simulable"] == len(part)
        assert 0 <= row["passed"] <= row["simulable"]
        groups = s[(s["split"] == row["split"]) & (s["conditions"] != "all")]
        assert groups["simulable"].sum() == row["simulable"]  # stated + rule = all
        assert groups["passed"].sum() == row["passed"]
    assert set(t.loc[t["simulable"], "conditions"]) <= {"stated", "rule"}
    # unverified rows are in no pass rate; every unsimulable row says why
    assert (t.loc[~t["simulable"], "reason"].str.len() > 0).all()
    assert set(result.misses()["status"]) <= {"firm", "likely"}


def test_by_publication_counts_each_source_by_hand():
    from kinetor.pathway.validation import ValidationResult

    table = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e", "f"],
            "split": ["train", "train", "heldout", "train", "train", "train"],
            "publication_id": ["P1", "P1", "P2", "P3", "P4", "P5"],
            "status": ["firm", "likely", "firm", "unverified", "firm", "firm"],
            "simulable": [True, True, True, True, False, True],
            "passed": [True, False, True, True, False, True],
            "log10_residual": [0.1, 0.3, 0.0, 0.0, math.nan, 0.0],
        }
    )
    bp = ValidationResult(table, {}).by_publication()
    # unverified (P3) and unsimulable (P4) rows are in no pass rate
    assert list(zip(bp["split"], bp["publication_id"], strict=True)) == [
        ("train", "P1"),  # worst pass rate first within the split
        ("train", "P5"),
        ("heldout", "P2"),
    ]
    p1 = bp.iloc[0]
    assert (p1["simulable"], p1["passed"], p1["pass_rate"], p1["missed"]) == (2, 1, 0.5, "b")
    assert p1["rmse_log10"] == pytest.approx(math.sqrt((0.1**2 + 0.3**2) / 2))
    assert bp.iloc[2]["missed"] == ""


def test_by_part_counts_each_part_by_hand():
    from kinetor.pathway.validation import ValidationResult, _part

    assert (_part("observations_d.csv"), _part("observations_ab.csv"), _part("")) == ("D", "AB", "")
    table = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "split": ["train", "heldout", "heldout", "heldout", "heldout"],
            "part": ["A", "A", "D", "D", "D"],
            "publication_id": ["P1", "P2", "P3", "P4", "P4"],
            "status": ["firm", "firm", "firm", "firm", "unverified"],
            "simulable": [True, True, True, True, True],
            "passed": [True, False, True, False, True],
            "log10_residual": [0.0, 0.2, 0.0, 0.4, 0.0],
        }
    )
    bp = ValidationResult(table, {}).by_part()
    assert list(zip(bp["split"], bp["part"], strict=True)) == [
        ("train", "A"),
        ("heldout", "A"),
        ("heldout", "D"),
    ]
    d = bp.iloc[2]  # the unverified row e is in no pass rate
    assert (d["publications"], d["simulable"], d["passed"], d["pass_rate"]) == (2, 2, 1, 0.5)
    assert d["rmse_log10"] == pytest.approx(math.sqrt(0.4**2 / 2))
    assert d["about"].startswith("held out") and bp.iloc[0]["about"].startswith("mTORC1")


def test_blind_counts_the_blind_parts_together_by_hand(monkeypatch):
    from kinetor.pathway import validation
    from kinetor.pathway.validation import ValidationResult

    parts = {"A": "training part", "D": "held out; read", "L": "blind: x", "N": "blind: y"}
    monkeypatch.setattr(validation, "PARTS", parts)
    table = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e", "f"],
            "split": ["train", "heldout", "heldout", "heldout", "heldout", "heldout"],
            "part": ["A", "D", "L", "L", "N", "N"],
            "publication_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
            "status": ["firm", "firm", "firm", "firm", "firm", "unverified"],
            "simulable": [True, True, True, False, True, True],
            "passed": [True, False, True, False, False, True],
            "log10_residual": [0.0, 0.5, 0.0, float("nan"), 0.3, 0.0],
        }
    )
    b = ValidationResult(table, {}).blind()
    # L's simulable row c and N's row e: the unsimulable d and the unverified f count nowhere
    assert len(b) == 1 and b.iloc[0]["parts"] == "L, N"
    assert (b.iloc[0]["simulable"], b.iloc[0]["passed"], b.iloc[0]["pass_rate"]) == (2, 1, 0.5)
    assert b.iloc[0]["rmse_log10"] == pytest.approx(math.sqrt(0.3**2 / 2))
    monkeypatch.setattr(validation, "PARTS", {k: "held out" for k in parts})
    assert ValidationResult(table, {}).blind().empty


def test_by_part_adds_up_to_the_summary(result):
    bp = result.by_part()
    s = result.summary()
    for split in ("train", "heldout"):
        row = s[(s["split"] == split) & (s["conditions"] == "all")].iloc[0]
        assert bp.loc[bp["split"] == split, "simulable"].sum() == row["simulable"]
        assert bp.loc[bp["split"] == split, "passed"].sum() == row["passed"]
    from kinetor.pathway.evidence import PARTS

    assert set(bp["part"]) <= set(PARTS)

    # every part says what it is; the blind one is held out whole
    assert set(bp["about"]) <= set(PARTS.values()) and bp["about"].str.len().gt(0).all()
    blind = bp[bp["about"].str.startswith("blind")]
    assert set(blind["split"]) == {"heldout"}
    # the shipped evidence has blind parts, and together they are the sum of the parts
    together = result.blind()
    assert not blind.empty and len(together) == 1
    assert together.iloc[0]["parts"] == ", ".join(sorted(blind["part"]))
    assert together.iloc[0]["simulable"] == blind["simulable"].sum()
    assert together.iloc[0]["passed"] == blind["passed"].sum()


def test_by_publication_adds_up_to_the_summary(result):
    bp = result.by_publication()
    s = result.summary()
    for split in ("train", "heldout"):
        row = s[(s["split"] == split) & (s["conditions"] == "all")].iloc[0]
        part = bp[bp["split"] == split]
        assert part["simulable"].sum() == row["simulable"]
        assert part["passed"].sum() == row["passed"]
        assert part["publication_id"].is_unique


def test_a_readout_the_network_lacks_makes_the_row_unsimulable(obs, scen):
    # the scenario vocabulary has readouts the network does not compute (IGF1R): a row
    # marked simulable with one is reported unsimulable, never simulated to a NaN
    rows = scen[scen["id"].isin(["A-harrington2004-03"])].copy()
    rows["readout"] = "IGF1R"
    b = build_scenarios(obs[obs["id"].isin(rows["id"])], rows).set_index("id")
    assert not b.loc["A-harrington2004-03", "simulable"]
    assert b.loc["A-harrington2004-03", "reason"] == "no model readout for IGF1R"


def test_a_ratio_to_a_baseline_without_the_readout_is_a_miss_that_says_why(obs, scen):
    # a baseline with no AKT at all has no p-AKT (conservation), so "% of baseline" does not
    # exist: the row counts as a miss and says why (in the evidence this happens when the
    # baseline treatment makes cells regress, e.g. L-luo2018-05 as first entered)
    rows = scen[scen["id"] == "A-sarbassov2006-01"].copy()
    assert (rows["readout"] == "pAKT_S473").all() and (rows["simulable"] == "yes").all()
    rows["baseline_parameters"] = "AKT_tot=0"
    row = validate(ids=["A-sarbassov2006-01"], scenarios=rows).table.set_index("id").iloc[0]
    assert row["simulable"] and not row["passed"] and math.isnan(row["predicted"])
    assert "baseline's readout is <= 0" in row["reason"]
