"""Variances at their lower boundary: a between-subject variance the data do not support
walks towards 0 on the log scale and passes the gradient test; the fit must say so."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import simulate_oral

from kinetor.popfit import popfit


@pytest.fixture(scope="module")
def no_ka_variability():
    # ka has no between-subject variability in the simulation (omega 1e-12); with this seed
    # the fitted omega_ka^2 collapses to ~1e-7
    study = simulate_oral(np.random.default_rng(1), omega=(0.09, 0.04, 1e-12), prop=0.1)
    full = popfit(study, "1cmt-oral", error="proportional", npde=False)
    reduced = popfit(study, "1cmt-oral", eta=("cl", "v"), error="proportional", npde=False)
    return full, reduced


def test_collapsed_variance_is_named(no_ka_variability):
    full, reduced = no_ka_variability
    assert full.boundary == ["omega_ka"]
    assert "omega_ka" in full.reason and "boundary" in full.reason
    assert "refit without its eta" in full.reason
    # dropping the eta altogether (a refit) gives the same OFV: the estimate is zero in
    # all but name
    assert reduced.ofv == pytest.approx(full.ofv, abs=0.01)
    assert not reduced.boundary
    om = full.omega_table.set_index("parameter")
    assert om.loc["omega_ka", "dofv_zero"] < 0.01
    assert om.loc["omega_cl", "dofv_zero"] > 10


def test_summary_carries_the_boundary_statistic(no_ka_variability):
    full, _ = no_ka_variability
    s = full.summary().set_index("parameter")
    assert np.isnan(s.loc["cl", "dofv_zero"])
    assert s.loc["omega_ka", "dofv_zero"] < 0.01


def test_dofv_zero_bounds_the_likelihood_ratio(theoph):
    """Holding the other estimates can only raise the OFV more than a refit without the
    eta does: dofv_zero >= OFV(refit without the eta) - OFV(full)."""
    full = popfit(theoph, "1cmt-oral", npde=False)
    assert full.boundary == []
    assert "boundary" not in full.reason
    om = full.omega_table.set_index("parameter")
    for drop in ("v", "ka"):
        keep = tuple(p for p in ("cl", "v", "ka") if p != drop)
        reduced = popfit(theoph, "1cmt-oral", eta=keep, npde=False)
        lrt = reduced.ofv - full.ofv
        assert lrt > 3.84  # each variance is supported by Theoph
        assert om.loc[f"omega_{drop}", "dofv_zero"] >= lrt - 1e-6


def test_combined_error_components_are_checked(theoph):
    fit = popfit(theoph, "1cmt-oral", error="combined", npde=False)
    sg = fit.sigma.set_index("parameter")
    assert (sg["dofv_zero"] > 1).all()
    assert fit.boundary == []
