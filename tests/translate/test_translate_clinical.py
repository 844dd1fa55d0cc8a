"""Held-out clinical PD predictions: structure, sampling and determinism only.

The predictions themselves are held out (reported by ``kinetor translate clinical-pd`` and
docs/translate.md), so no test asserts agreement with the published findings.
"""

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.translate import clinical_pd_predictions
from kinetor.translate.clinical import CLINICAL_PD_CASES
from kinetor.translate.evidence import load_clinical_pd


def test_every_case_cites_a_study_of_the_clinical_evidence_table():
    studies = set(load_clinical_pd()["study_id"])
    assert {c["study_id"] for c in CLINICAL_PD_CASES} <= studies


def test_one_row_per_case_and_time_with_ordered_percentiles():
    res = clinical_pd_predictions(n_patients=4, seed=3, compounds=["capivasertib"])
    want = sum(len(c["times"]) for c in CLINICAL_PD_CASES if c["compound"] == "capivasertib")
    assert len(res) == want
    assert (res["predicted_inhibition_p5"] <= res["predicted_inhibition_median"]).all()
    assert (res["predicted_inhibition_median"] <= res["predicted_inhibition_p95"]).all()
    # sampled where the case says: day 4 of week 2 (hours 240 and 241.5)
    assert res["time_h"].tolist() == pytest.approx([240.0, 241.5], abs=0.05)
    assert set(res["consistent"]) <= {"yes", "no"}
    assert (res["pk_status"] == "unverified").all()  # label-derived set, reported as such


def test_deterministic_with_a_seed():
    a = clinical_pd_predictions(n_patients=3, seed=1, compounds=["capivasertib"])
    b = clinical_pd_predictions(n_patients=3, seed=1, compounds=["capivasertib"])
    pd.testing.assert_frame_equal(a, b)


def test_cli_writes_the_table(tmp_path):
    out = tmp_path / "pd.csv"
    code = main(
        [
            "--quiet",
            "translate",
            "clinical-pd",
            "--patients",
            "3",
            "--compound",
            "capivasertib",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    df = pd.read_csv(out)
    assert set(df["study_id"]) == {"lb66_2013"}


def test_cli_rejects_zero_patients():
    assert main(["--quiet", "translate", "clinical-pd", "--patients", "0"]) == 2
