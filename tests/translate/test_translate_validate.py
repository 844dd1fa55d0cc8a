"""``kinetor translate validate``: output structure only (no held-out numbers asserted)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.translate.validation import tumor_for_study, validate

FIX = Path(__file__).parent / "fixtures"


@pytest.mark.slow
def test_bundled_evidence_lists_every_arm_it_cannot_simulate():
    res = validate(n_replicates=3)
    assert set(res.skipped.columns) == {"study_id", "split", "arm", "compounds", "reason"}
    assert res.skipped["reason"].str.len().gt(0).all()
    from kinetor.translate.evidence import load_xenograft_arms

    arms = load_xenograft_arms()
    n_treated = int((arms["compounds"].str.lower() != "vehicle").sum())
    assert len(res.predictions) + len(res.skipped) == n_treated


@pytest.mark.slow
def test_fixture_studies_are_simulated_and_ranked(tmp_path):
    res = validate(
        studies_path=FIX / "validate_studies.csv",
        arms_path=FIX / "validate_arms.csv",
        n_replicates=10,
        seed=1,
    )
    p = res.predictions
    assert set(p["study_id"]) == {"synth_fit", "synth_held"}
    assert set(p["split"]) == {"fit", "heldout"}
    assert (p["predicted_lo"] <= p["predicted"]).all() and (
        p["predicted"] <= p["predicted_hi"]
    ).all()
    held = p[p["study_id"] == "synth_held"].set_index("arm")
    assert held.loc["daily", "days"] == 14.0  # pattern only: the study's duration
    assert held["observed_kind"].eq("tc_pct").all()
    assert list(res.skipped["study_id"]) == ["synth_none"]
    assert "no tumour model" in res.skipped["reason"].iloc[0]
    assert set(res.ranking["study_id"]) == {"synth_fit", "synth_held"}
    assert set(res.error_summary()["split"]) == {"fit", "heldout"}
    files = res.save(tmp_path)
    assert {f.name for f in files} == {
        "predictions.csv",
        "skipped.csv",
        "ranking.csv",
        "errors.csv",
        "ratios.csv",
        "report.html",
    }
    assert res.ratios.empty and (p["pk_basis"].str.contains("library mouse set")).all()


@pytest.mark.slow
def test_cli_validate_json(tmp_path, capsys):
    code = main(
        [
            "--json",
            "translate",
            "validate",
            "--studies",
            str(FIX / "validate_studies.csv"),
            "--arms",
            str(FIX / "validate_arms.csv"),
            "--tumor",
            "synth_none=MCF7",
            "--replicates",
            "5",
            "--no-report",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert {r["study_id"] for r in payload["predictions"]} == {
        "synth_fit",
        "synth_held",
        "synth_none",
    }
    assert pd.read_csv(tmp_path / "predictions.csv").shape[0] == 5
    assert payload["ratios"] == []


@pytest.mark.slow
def test_cli_validate_flags_reach_the_api(tmp_path, capsys):
    code = main(
        [
            "--json",
            "translate",
            "validate",
            "--studies",
            str(FIX / "validate_studies.csv"),
            "--arms",
            str(FIX / "validate_arms.csv"),
            "--replicates",
            "3",
            "--no-report",
            "--allometric-pk",
            "--invivo-shift",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    # the fixture's compound has a library mouse set and no in vivo EC50: nothing changes
    assert {r["pk_basis"] for r in payload["predictions"]} == {"vistusertib: library mouse set"}


def test_tumor_mapping():
    assert tumor_for_study("fulvestrant-resistant 182R-1 (MCF-7-derived)", "ER+") is None
    assert tumor_for_study("BT474c breast", "ER+ HER2+") == "PIK3CA_mut"


@pytest.mark.slow
def test_allometric_pk_makes_dose_ratio_studies_comparable_and_says_so():
    res = validate(n_replicates=3, allometric_pk=True, reference_doses=(50.0,))
    r = res.ratios
    assert set(r["study_id"]) == {"yates2015_bt474c"}
    assert len(r) == 3 and r["reference_dose"].eq(50.0).all()
    assert r["pk_basis"].str.contains("allometric from human").all()
    assert set(r["observed_ratio"]) == {1.0, 1.3, 1.7}
    row = res.ranking.set_index("study_id").loc["yates2015_bt474c"]
    assert "dose ratio at reference 50" in row["basis"] and row["pairs"] == 3
    assert {"capivasertib", "everolimus", "alpelisib"} <= set(res.settings["allometric_compounds"])
    assert r["tgi_at_6x_pct"].isna().eq(r["predicted_ratio"].notna()).all()
    # without the flag the same arms say why they cannot run, and how to run them
    plain = validate(n_replicates=3)
    yates = plain.skipped[plain.skipped["study_id"] == "yates2015_bt474c"]
    assert yates["reason"].str.contains("no mouse PK set").all()
    assert yates["reason"].str.contains("--allometric-pk").all()


@pytest.mark.slow
def test_invivo_shift_is_applied_and_recorded():
    base = validate(n_replicates=3, allometric_pk=True, reference_doses=(50.0,))
    shifted = validate(
        n_replicates=3, allometric_pk=True, invivo_shift=True, reference_doses=(50.0,)
    )
    assert shifted.ratios["pk_basis"].str.contains("in vivo potency shift").all()
    assert "capivasertib" in shifted.settings["invivo_shift"]
    s = shifted.settings["invivo_shift"]["capivasertib"]["shift"]
    assert s > 1.0  # in vivo potency above the network's (Davies 2012 EC50 vs network C50)
    # a stronger effective potency raises the reference TGI
    assert shifted.ratios["reference_tgi_pct"].iloc[0] > base.ratios["reference_tgi_pct"].iloc[0]
