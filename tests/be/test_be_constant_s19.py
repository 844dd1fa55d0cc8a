"""A metric the model fits exactly (constant, or set by the design: visit = period + 1, a
dose column, a power of the dose) has no variance left for a CI: NaN results and no
verdict, with a note, in ``be`` and ``dose_proportionality`` (and their commands).

Expected values by hand: such a column's residuals are zero, so its standard error is 0
and no CI, TOST or verdict exists (before: CI [100, 100] % and "bioequivalent").
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kinetor.be import be, dose_proportionality
from kinetor.cli.main import main

# 2 x 2 crossover; visit = period + 1 and dose_mg 100 throughout are not exposures
BE_CSV = """subject,period,sequence,treatment,AUC,visit,dose_mg
1,1,TR,T,100,2,100
1,2,TR,R,110,3,100
2,1,RT,R,90,2,100
2,2,RT,T,95,3,100
3,1,TR,T,120,2,100
3,2,TR,R,115,3,100
4,1,RT,R,80,2,100
4,2,RT,T,85,3,100
"""
RESULTS = ["ratio_pct", "ci_low_pct", "ci_high_pct", "p_tost_lower", "p_tost_upper", "cv_w_pct"]


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_be_metric_without_variation_has_no_verdict(tmp_path):
    res = be(_write(tmp_path, "be.csv", BE_CSV), metrics=["AUC", "visit", "dose_mg"])
    t = res.table.set_index("metric")
    assert t.loc[["visit", "dose_mg"], RESULTS].isna().all().all()
    assert t.loc[["visit", "dose_mg"], "bioequivalent"].isna().all()
    assert (t.loc[["visit", "dose_mg"], "method"] == "none (no variation)").all()
    for m in ("visit", "dose_mg"):
        assert any(n.startswith(f"{m}: log({m}) is fitted exactly") for n in res.notes)
    # AUC keeps its analysis: within-subject log(T/R) of the four subjects, period-adjusted
    d = np.log([100 / 110, 95 / 90, 120 / 115, 85 / 80])
    pe = np.exp((d[[0, 2]].mean() + d[[1, 3]].mean()) / 2)
    assert t.loc["AUC", "ratio_pct"] == pytest.approx(100 * pe)
    assert t.loc["AUC", "bioequivalent"] in (True, False)


def test_be_command_with_a_constant_metric(tmp_path, capsys):
    path = _write(tmp_path, "be.csv", BE_CSV)
    args = ["--json", "be", str(path), "--metric", "AUC", "--metric", "visit"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 0
    out = json.loads(capsys.readouterr().out)
    visit = next(r for r in out["be"] if r["metric"] == "visit")
    assert visit["ratio_pct"] is None or np.isnan(visit["ratio_pct"])
    assert any(n.startswith("visit: log(visit) is fitted exactly") for n in out["notes"])
    assert (tmp_path / "o" / "be_forest.png").exists()


def _dp() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    dose = np.repeat([10.0, 30.0, 100.0], 4)
    return pd.DataFrame(
        {
            "dose": dose,
            "AUC": 5 * dose * np.exp(rng.normal(0, 0.2, dose.size)),
            "visit": 2.0,  # constant: slope 0 with SE 0 before
            "dose_mg": dose,  # the dose itself: slope 1 with SE 0 ("proportional") before
        }
    )


def test_dose_prop_metric_without_variation_has_no_verdict():
    res = dose_proportionality(_dp(), ["AUC", "visit", "dose_mg"])
    t = res.table.set_index("metric")
    cols = ["slope", "slope_se", "slope_ci_low", "slope_ci_high", "ratio_dn", "anova_p"]
    assert t.loc[["visit", "dose_mg"], cols].isna().all().all()
    assert t.loc[["visit", "dose_mg"], "proportional"].isna().all()
    assert any(n.startswith("dose_mg: log(dose_mg) is fitted exactly") for n in res.notes)
    assert np.isfinite(t.loc["AUC", "slope_ci_low"])


def test_dose_prop_subject_covariate_in_a_dose_crossover():
    # weight is constant within each subject: subject + log dose fit it exactly
    ids = np.repeat([1, 2, 3, 4], 3)
    dose = np.tile([1.0, 3.0, 10.0], 4)
    d = pd.DataFrame(
        {
            "subject": ids,
            "dose": dose,
            "AUC": dose * np.exp(np.random.default_rng(5).normal(0, 0.1, 12)),
            "wt": np.repeat([60.0, 70.0, 80.0, 90.0], 3),
        }
    )
    res = dose_proportionality(d, ["AUC", "wt"])
    t = res.table.set_index("metric")
    assert np.isnan(t.loc["wt", "slope"]) and t.loc["wt", "model"] == "none (no variation)"
    assert t.loc["AUC", "model"] == "random subject intercept (REML)"


def test_dose_prop_command_with_a_constant_metric(tmp_path, capsys):
    path = tmp_path / "dp.csv"
    _dp().to_csv(path, index=False)
    args = ["--json", "dose-prop", str(path), "--metric", "AUC", "--metric", "visit"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert any(n.startswith("visit: log(visit) is fitted exactly") for n in out["notes"])
