"""Individual PK fits when some subjects cannot be fitted (all BLQ, fewer samples than
parameters): they are reported not converged with the reason and NaN estimates, and the
other subjects are fitted exactly as if they were absent.

Data: one-compartment oral profiles, 10 mg/kg, C(t) = A (exp(-k t) - exp(-ka t)) with
A = D ka / (V (ka - k)) in mg/L (x 1000 for ng/mL), times +-3 % fixed noise. G1: A = 1 mg/L,
k = 0.2, ka = 2 -> V = 10 x 2 / (1.8 x 1) = 11.11 L/kg, CL = k V = 2.222 L/h/kg.
G2: A = 1.1, k = 0.22, ka = 1.8 -> V = 18 / (1.58 x 1.1) = 10.36, CL = 2.279.
"""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import read_study
from kinetor.pk import PKFitter, fit_pk

T = [0.25, 0.5, 1, 2, 4, 8, 24]
NOISE = [1.03, 0.97, 1.02, 0.98, 1.01, 0.99, 1.02]
HDR = [
    "Study",
    "Animal",
    "Species",
    "Sex",
    "Weight (kg)",
    "Group",
    "Route",
    "Dose (mg/kg)",
    "Time (h)",
    "Conc (ng/mL)",
    "LLOQ (ng/mL)",
]


def _profile(a, k, ka):
    return [
        round(1000 * a * (math.exp(-k * t) - math.exp(-ka * t)) * e, 4)
        for t, e in zip(T, NOISE, strict=True)
    ]


SUBJECTS = {
    "G1": (T, _profile(1.0, 0.2, 2.0)),
    "G2": (T, _profile(1.1, 0.22, 1.8)),
    "P2": ([1, 2], [50, 30]),  # two samples for three parameters (cl, v, ka)
    "B1": (T, ["BLQ"] * 7),  # nothing quantified
    "F1": (T, [100] * 7),  # flat: fitted, but no elimination to estimate (not converged)
}


def _csv(path, subjects):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HDR)
        for s in subjects:
            for t, c in zip(*SUBJECTS[s], strict=True):
                w.writerow(["S1", s, "RAT", "M", 0.25, "PO 10", "PO", 10, t, c, 1.0])
    return path


def _fit(tmp_path, subjects, **kw):
    return fit_pk(
        read_study(_csv(tmp_path / f"{'_'.join(subjects)}.csv", subjects)), "1cmt-oral", **kw
    )


@pytest.mark.parametrize("blq", ["m3", "drop"])
def test_all_blq_subject_is_reported_not_fitted_and_the_other_is_fitted(tmp_path, blq):
    # before: m3 raised ValueError (zero-size array in initial_estimates); drop refused
    # the whole run "0 observations cannot determine 3 parameters"
    res = _fit(tmp_path, ["G1", "B1"], blq=blq)
    st = res.stats.set_index("subject")
    assert st.loc["G1", "converged"] and not st.loc["B1", "converged"]
    assert "all 7 samples BLQ" in st.loc["B1", "reason"]
    assert np.isnan(st.loc["B1", "loglik"]) and st.loc["B1", "n_obs"] == 7
    b1 = res.params[res.params["subject"] == "B1"]
    assert b1["parameter"].tolist() == ["cl", "v", "ka", "sigma_prop"]
    assert b1["estimate"].isna().all() and not b1["converged"].any()
    g1 = res.params[res.params["subject"] == "G1"].set_index("parameter")["estimate"]
    assert g1["v"] == pytest.approx(20 / 1.8, rel=0.05)  # hand calculation (module doc)
    assert g1["cl"] == pytest.approx(0.2 * 20 / 1.8, rel=0.05)
    assert g1["ka"] == pytest.approx(2.0, rel=0.05)
    alone = _fit(tmp_path, ["G1"], blq=blq)
    pd.testing.assert_frame_equal(res.params[res.params["subject"] == "G1"], alone.params)
    assert "B1" not in res.fits


def test_two_sample_subject_does_not_abort_the_others(tmp_path):
    # before: "error: 2 observations cannot determine 3 parameters" for the whole file
    res = _fit(tmp_path, ["G1", "P2", "G2"])
    st = res.stats.set_index("subject")
    assert st["converged"].to_dict() == {"G1": True, "P2": False, "G2": True}
    assert st.loc["P2", "reason"].startswith(
        "not fitted: 2 observation(s) cannot determine 3 parameters (cl, v, ka)"
    )
    assert res.params.loc[res.params["subject"] == "P2", "estimate"].isna().all()
    alone = _fit(tmp_path, ["G1", "G2"])
    others = res.params[res.params["subject"] != "P2"].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, alone.params)
    wide = res.to_wide()
    assert wide.loc["G2", "v"] == pytest.approx(18 / (1.58 * 1.1), rel=0.05)
    assert wide.loc["G2", "cl"] == pytest.approx(0.22 * 18 / (1.58 * 1.1), rel=0.05)


def test_two_samples_with_one_parameter_fixed_are_fitted(tmp_path):
    # n = p = 2 (ka held fixed): fitted, and flagged by the residual-collapse check
    res = _fit(tmp_path, ["P2"], estimate=["cl", "v"], fixed={"ka": 2.0})
    assert not res.stats["converged"].iloc[0]
    assert "not fitted" not in res.stats["reason"].iloc[0]
    assert np.isfinite(res.params.set_index("parameter").loc["cl", "estimate"])


def test_to_wide_has_reason_and_predictions_converged_on_fitted_subjects(tmp_path):
    # before: to_wide() had converged but no reason; predictions had no converged column
    res = _fit(tmp_path, ["G1", "G2"])
    wide = res.to_wide()
    assert wide[["converged", "reason"]].to_dict("index") == {
        "G1": {"converged": True, "reason": ""},
        "G2": {"converged": True, "reason": ""},
    }
    assert res.predictions["converged"].tolist() == [True] * 14


def test_to_wide_has_reason_and_predictions_have_converged(tmp_path):
    res = _fit(tmp_path, ["G1", "P2", "B1"])
    wide = res.to_wide()
    assert {"converged", "reason"} <= set(wide.columns)
    assert wide["reason"].to_dict() == res.stats.set_index("subject")["reason"].to_dict()
    assert wide.loc["G1", "reason"] == "" and wide.loc["P2", "reason"].startswith("not fitted")
    pred = res.predictions
    assert pred.columns[-1] == "converged"
    by = pred.groupby("subject")["converged"].agg(["all", "any", "size"])
    assert by.loc["G1"].tolist() == [True, True, 7]
    assert by.loc["P2"].tolist() == [False, False, 2]
    assert by.loc["B1"].tolist() == [False, False, 7]
    assert pred.loc[pred["subject"] == "P2", "dv"].tolist() == [50.0, 30.0]
    assert pred.loc[pred["subject"] != "G1", ["pred", "ipred", "wres"]].isna().all().all()


def test_naive_pooling_with_too_few_samples_is_reported_not_converged(tmp_path):
    res = _fit(tmp_path, ["P2"], pooling="naive")  # before: ModelError for the run
    assert res.stats["subject"].tolist() == ["pooled"]
    assert not res.stats["converged"].iloc[0]
    assert "2 observation(s) cannot determine 3" in res.stats["reason"].iloc[0]
    assert not res.predictions["converged"].any()


def test_fitter_on_an_all_blq_profile_reports_not_converged():
    # before: ValueError (zero-size array) from the initial estimates
    t = np.array([0.5, 1, 2, 4, 8.0])
    fit = PKFitter("1cmt-oral").fit(
        t, np.full(5, np.nan), data="10 mg PO single", censored=np.ones(5, bool), lloq=0.01
    )
    assert not fit.converged_.iloc[0]


def test_cli_fit_reports_failed_subjects_and_writes_the_others(tmp_path, capsys):
    data = _csv(tmp_path / "bad.csv", ["G1", "G2", "P2", "B1"])
    out = tmp_path / "o"
    # before: exit 3 (the run refused); now 0: some fits converged
    assert main(["--json", "fit", str(data), "--out", str(out)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["fits"] == 4 and payload["converged"] == 2
    assert sorted(payload["not_converged"]) == ["B1", "P2"]
    pred = pd.read_csv(out / "pk_fit_predictions.csv")
    assert pred.groupby("subject")["converged"].all().to_dict() == {
        "B1": False,
        "G1": True,
        "G2": True,
        "P2": False,
    }
    html = (out / "report.html").read_text()
    line = "<strong>2 of 4 subjects not converged</strong>: P2, B1"
    assert line in html
    # the line comes before the first table (the parameters)
    assert html.index(line) < html.index("<table")
    # all-BLQ subject alone with a good one, --blq drop: before exit 3
    blq = _csv(tmp_path / "blq.csv", ["G1", "B1"])
    assert main(["--quiet", "fit", str(blq), "--blq", "drop", "--out", str(tmp_path / "b")]) == 0


def test_html_report_says_how_many_fitted_subjects_did_not_converge(tmp_path):
    # before: the report had no such line (only the converged column deep in the tables)
    data = _csv(tmp_path / "flat.csv", ["G1", "F1", "G2"])
    assert main(["--quiet", "fit", str(data), "--out", str(tmp_path / "o")]) == 0
    html = (tmp_path / "o" / "report.html").read_text()
    line = "<strong>1 of 3 subjects not converged</strong>: F1 (the reason column says why)"
    assert line in html and html.index(line) < html.index("<table")


def test_cli_fit_exit_4_when_no_subject_can_be_fitted(tmp_path):
    data = _csv(tmp_path / "none.csv", ["P2", "B1"])
    assert main(["--quiet", "fit", str(data), "--out", str(tmp_path / "o")]) == 4
    stats = pd.read_csv(tmp_path / "o" / "pk_fit_stats.csv")
    assert stats["subject"].tolist() == ["P2", "B1"] and not stats["converged"].any()


def test_individual_fit_panels_of_failed_subjects_say_not_converged():
    from kinetor.report.fit_figures import plot_fit_individuals

    t = np.tile([1.0, 2, 4], 2)
    df = pd.DataFrame({"subject": np.repeat(["a", "b"], 3), "time": t, "dv": 1.0, "ipred": 1.0})
    fig = plot_fit_individuals(df, "subject", "time", "dv", "ipred", failed=["b"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["a", "b: not converged"]
