"""4PL fits, combination grids and parallel scans (kinetor.pathway.analysis)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from kinetor.pathway import Network, combination_grid, fit_hill, ic50, scan


@pytest.fixture(scope="module")
def net():
    return Network()


def test_fit_hill_recovers_a_known_curve():
    c = np.logspace(-1, 4, 12)
    y = 5.0 + 95.0 / (1.0 + (c / 37.0) ** 0.8)
    f = fit_hill(c, y)
    assert f.ic50 == pytest.approx(37.0, rel=1e-4)
    assert f.hill == pytest.approx(0.8, rel=1e-4)
    # absolute IC50: 5 + 95/(1 + (c/37)^0.8) = 50 -> (c/37)^0.8 = 95/45 - 1 = 10/9
    assert f.abs_ic50 == pytest.approx(37.0 * (10.0 / 9.0) ** (1 / 0.8), rel=1e-4)


def test_fit_hill_gives_nan_with_reason_when_nothing_falls():
    f = fit_hill([1, 10, 100, 1000], [100, 120, 150, 160])
    assert np.isnan(f.ic50) and "does not fall" in f.reason
    assert "fewer than 4" in fit_hill([1, 10], [100, 50]).reason


@pytest.mark.xfail(
    strict=True,
    reason="with the stronger S6K1 -| mTORC2 feedback (the part-H change, docs/pathway.md "
    "section 6) vistusertib's own mTORC1 block releases mTORC2, offsetting part of its "
    "mTORC2 inhibition at low concentration: S473 IC50 169 nM vs the 40-160 nM target "
    "(library potency set under the weaker feedback)",
)
def test_ic50_of_vistusertib_matches_its_calibration_target(net):
    # FIT target: cellular p-AKT S473 IC50 ~80 nM (Pike 2013 / Guichard 2015, unverified)
    f = ic50(net, "pAKT_S473", "vistusertib", np.logspace(-1, 5, 13), t=2.0)
    assert 40 < f.ic50 < 160
    assert net.ic50("pAKT_S473", "vistusertib", np.logspace(-1, 5, 13)).ic50 == f.ic50


def test_combination_grid_bliss(net):
    g = combination_grid(
        net, "everolimus", [1.0, 10.0], "trametinib", [1.0, 10.0], readout="growth", t=24.0
    )
    assert len(g) == 9
    single = g[(g["conc_a_nM"] == 0) | (g["conc_b_nM"] == 0)]
    # with one drug absent the Bliss expectation is that drug's own effect: excess 0
    np.testing.assert_allclose(single["bliss_excess"], 0.0, atol=1e-12)
    both = g[(g["conc_a_nM"] == 10.0) & (g["conc_b_nM"] == 10.0)].iloc[0]
    alone = g.set_index(["conc_a_nM", "conc_b_nM"])["growth"]
    ea, eb = 1 - alone[(10.0, 0.0)] / 100, 1 - alone[(0.0, 10.0)] / 100
    assert both["bliss_expected"] == pytest.approx(ea + eb - ea * eb)


def test_parallel_scan_equals_serial(net):
    # 11 conditions in 8 interleaved chunks (0+8, 1+9, 2+10, 3, ...): rows must come back
    # in the input order
    cond = pd.DataFrame(
        {
            "lesions": ["", "PTEN_loss", "KRAS_mut", "TSC2_loss"] * 2
            + ["", "PTEN_loss", "KRAS_mut"],
            "drug": ["everolimus"] * 4 + ["trametinib"] * 4 + ["alpelisib"] * 3,
            "conc_nM": [1.0, 10.0, 100.0, 5.0] * 2 + [30.0, 300.0, 3000.0],
        }
    )
    serial = scan(cond, network=net, t=6.0, n_jobs=1)
    parallel = scan(cond, network=net, t=6.0, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)
    one = Network(["PTEN_loss"]).readouts_at([("everolimus", 10.0)], 6.0)
    np.testing.assert_allclose(serial.iloc[1][list(serial.columns[3:])].to_numpy(float), one)


def test_dask_scan_equals_serial(net):
    # pathway scans run on a Dask cluster too (here one in-process worker on loopback)
    distributed = pytest.importorskip("dask.distributed")
    cond = pd.DataFrame(
        {
            "lesions": ["", "PTEN_loss", "KRAS_mut"],
            "drug": ["everolimus", "trametinib", "alpelisib"],
            "conc_nM": [1.0, 10.0, 300.0],
        }
    )
    serial = scan(cond, network=net, t=6.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distributed's start-up and shutdown chatter
        with distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            on_dask = scan(cond, network=net, t=6.0, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(serial, on_dask)


def test_scan_accepts_dict_conditions_with_context(net):
    out = scan(
        [
            {
                "lesions": ["LKB1_loss"],
                "drugs": {"metformin": 1e6},
                "context": {"energy_stress": 1.0},
            },
            {"drugs": [("vistusertib", 100.0), ("trametinib", 10.0)]},
        ],
        network=net,
        t=2.0,
    )
    assert list(out["lesions"]) == ["LKB1_loss", "parental"]
    assert out.loc[1, "drugs"].startswith("vistusertib:100")
    assert out.loc[0, "pS6_S235_236"] == pytest.approx(100.0, abs=0.5)  # no LKB1: no effect


def test_parameter_scan(net):
    cond = pd.DataFrame(
        {"drug": ["everolimus"] * 3, "conc_nM": [10.0] * 3, "param.k_s6k_irs": [0.5, 3.5, 20.0]}
    )
    out = scan(cond, network=net, t=24.0)
    one = Network(parameters={"k_s6k_irs": 20.0}).readouts_at([("everolimus", 10.0)], 24.0)
    np.testing.assert_allclose(out.iloc[2][["pAKT_S473", "IRS1"]].to_numpy(float), one[[0, 7]])
    # stronger S6K1 -| IRS1 feedback -> larger p-AKT rebound when the rapalog relieves it
    assert out["pAKT_S473"].is_monotonic_increasing
