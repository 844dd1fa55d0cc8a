"""Calibration targets, the shipped fit, and the fitting machinery."""

import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.pathway.calibration import (
    TARGETS_FILE,
    calibrate,
    evaluate,
    load_free_parameters,
    load_targets,
)


def test_targets_have_sources_and_statuses():
    t = load_targets()
    assert len(t) == 27 and t["id"].is_unique
    assert t["status"].isin(["firm", "likely", "unverified"]).all()


def test_bad_targets_file_reports_every_row(tmp_path):
    t = pd.read_csv(TARGETS_FILE, keep_default_na=False)
    t.loc[0, "set"] = "maybe"
    t.loc[2, "readout"] = "pFOO"
    path = tmp_path / "t.csv"
    t.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        load_targets(path)
    assert sorted(p.row for p in err.value.problems) == [2, 4]


def test_shipped_fit_meets_every_fit_target():
    rep = evaluate()
    fit = rep[rep["set"] == "fit"]
    assert fit["met"].all(), fit[~fit["met"]]


def test_calibrate_moves_a_parameter_toward_its_target():
    # one target (vistusertib p-AKT S473 IC50 80 nM) and one free parameter (atp_shift),
    # started far off: the fit must land within 2-fold of the target
    t = load_targets()
    t = t[t["id"] == "vist_akt_ic50"]
    free = load_free_parameters()
    free = free[free["name"] == "atp_shift"]
    res = calibrate(t, free, max_nfev=8, start={"atp_shift": 200.0})
    value = res.report.iloc[0]["model"]
    assert 40 < value < 160 and res.values["atp_shift"] < 100


def test_cross_validation_refits_without_the_left_out_target():
    from kinetor.pathway.calibration import cross_validate

    t = load_targets()
    t = t[t["id"].isin(["vist_akt_ic50", "vist_s6_ic50"])].reset_index(drop=True)
    free = load_free_parameters()
    free = free[free["name"] == "atp_shift"]
    cv = cross_validate(t, free, max_nfev=3)
    assert list(cv["id"]) == ["vist_akt_ic50", "vist_s6_ic50"]
    # fold 1 = a fit on the p-S6 IC50 alone, evaluated on the p-AKT IC50
    alone = calibrate(t.assign(set=["holdout", "fit"]), free, max_nfev=3)
    assert cv.loc[0, "fold.atp_shift"] == pytest.approx(alone.values["atp_shift"], rel=1e-12)
    left = alone.report.set_index("id").loc["vist_akt_ic50"]
    assert cv.loc[0, "model_left_out"] == pytest.approx(left["model"], rel=1e-12)
    assert bool(cv.loc[0, "met_left_out"]) == bool(left["met"])
