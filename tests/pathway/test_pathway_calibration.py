"""Calibration targets, the shipped fit, and the fitting machinery."""

import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.pathway.calibration import (
    LEGACY_FITTED_FILE,
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


# Fit targets the legacy targets fit misses, each a near miss explained in docs/pathway.md
# (section 6): the new structure trades them against FOXO/HER3/isoform behaviour.
# capi_akt_up: the legacy values were fitted before pS473 primed T308 (S473 -> T308
# priming lowers the capivasertib p-AKT rise to ~6 % under its window); not re-fitted.
KNOWN_MISSES = {
    # rapa_akt_up: 1.1 before the stronger S6K1 feedbacks (the part-H change, docs/pathway.md
    # section 6); with them the legacy values give 110 % at 24 h (window >= 130 %)
    "rapa_akt_up": 1.2,
    "capi_pras40_ic50": 1.3,
    "parental_gf_coupled": 1.25,
    "capi_akt_up": 1.1,
    # rapa_erk_up: with the stronger S6K1 feedbacks (the part-H change, docs/pathway.md
    # section 6) the legacy values give a rapalog ERK rise of 3.7 % at 24 h (window >= 5 %)
    "rapa_erk_up": 1.05,
}


def test_legacy_fit_meets_the_fit_targets_but_its_known_near_misses():
    rep = evaluate(fitted=LEGACY_FITTED_FILE).set_index("id")
    fit = rep[rep["set"] == "fit"]
    missed = set(fit.index[~fit["met"]])
    assert missed <= set(KNOWN_MISSES), fit.loc[sorted(missed - set(KNOWN_MISSES))]
    # >= 22 (was 23): with the stronger ERK -| EGFR/HER2 block (network step 5,
    # docs/pathway.md section 6) the legacy values leave serum-starved p-S6 at 40.2 %
    # (window <= 40 %; 38.5 % before): the on-rate scaling keeps the serum-fed parental
    # state only, not the serum-free one
    assert len(fit) - len(missed) >= 22
    # and how near: within the stated factor of the window bound
    for tid, factor in KNOWN_MISSES.items():
        row = fit.loc[tid]
        bound = row["lower"] if row["model"] < row["lower"] else row["upper"]
        assert max(row["model"] / bound, bound / row["model"]) < factor, tid


def test_calibrate_moves_a_parameter_toward_its_target():
    # one target (everolimus 10 nM, 24 h: p-S6K1 <= 20 %) and one free parameter
    # (rapalog_shift), started at 0.8 (p-S6K1 ~35 %): the fit must bring it into the window
    t = load_targets()
    t = t[t["id"] == "rapa_s6k_down"]
    free = load_free_parameters()
    free = free[free["name"] == "rapalog_shift"]
    res = calibrate(t, free, max_nfev=8, start={"rapalog_shift": 0.8})
    value = res.report.iloc[0]["model"]
    assert value <= 20.0 * 1.02 and res.values["rapalog_shift"] < 0.9


def test_cross_validation_refits_without_the_left_out_target():
    from kinetor.pathway.calibration import cross_validate

    t = load_targets()
    t = t[t["id"].isin(["rapa_s6k_down", "tsc2_rapa"])].reset_index(drop=True)
    free = load_free_parameters()
    free = free[free["name"] == "rapalog_shift"]
    cv = cross_validate(t, free, max_nfev=3)
    assert list(cv["id"]) == ["rapa_s6k_down", "tsc2_rapa"]
    # fold 1 = a fit on the TSC2-null target alone, evaluated on the parental one
    alone = calibrate(t.assign(set=["holdout", "fit"]), free, max_nfev=3)
    assert cv.loc[0, "fold.rapalog_shift"] == pytest.approx(
        alone.values["rapalog_shift"], rel=1e-12
    )
    left = alone.report.set_index("id").loc["rapa_s6k_down"]
    assert cv.loc[0, "model_left_out"] == pytest.approx(left["model"], rel=1e-12)
    assert bool(cv.loc[0, "met_left_out"]) == bool(left["met"])
