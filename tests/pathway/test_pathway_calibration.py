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


def test_targets_have_sources_statuses_and_a_holdout_set():
    t = load_targets()
    assert (t["set"] == "fit").sum() >= 5 and (t["set"] == "holdout").sum() >= 10
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
