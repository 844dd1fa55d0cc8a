"""Scans: dose x schedule x genotype, in this process, in local processes and on Dask."""

import warnings

import numpy as np
import pandas as pd
import pytest

from kinetor.errors import ModelError
from kinetor.translate import run_study, scan

KW = {"n_animals": 2, "noise": False}
SCHED = ["{dose} mg/kg PO QD x 7 days"]


def test_scan_grid_and_common_random_numbers():
    df = scan("vistusertib", doses=[3, 10, 30], schedules=SCHED, tumors=["MCF7", "KRAS_mut"], **KW)
    assert len(df) == 6 and set(df["tumor"]) == {"MCF7", "KRAS_mut"}
    for _, g in df.groupby("tumor"):
        assert np.all(np.diff(g.sort_values("dose")["tgi_pct"].to_numpy()) > 0)
    # the same animals in every cell: the control volume does not depend on the dose
    assert df.groupby("tumor")["control_final_volume_mm3"].nunique().eq(1).all()


def test_scan_rejects_bad_input():
    with pytest.raises(ModelError, match=r"\{dose\} field"):
        scan("vistusertib", doses=[1], schedules=["1 mg/kg PO QD x 7 days"])
    with pytest.raises(ModelError, match="own arms"):
        scan("vistusertib", doses=[1], schedules=SCHED, vehicle=False)


def test_local_processes_give_the_same_answer():
    # dynamic-mode pathway runs in two loky processes (10 animals = chunks of 8 and 2)
    kw = {"n_animals": 10, "seed": 5, "days": 2, "pathway_mode": "dynamic", "tumor_growth": False}
    seen = []
    one = run_study("vistusertib", "mouse", "PTEN_null", "15 mg/kg PO QD x 2 days", **kw)
    two = run_study(
        "vistusertib",
        "mouse",
        "PTEN_null",
        "15 mg/kg PO QD x 2 days",
        n_jobs=2,
        progress=lambda done, total: seen.append((done, total)),
        **kw,
    )
    name = one.arms[1].name
    np.testing.assert_array_equal(one.readout_array(name), two.readout_array(name))
    assert seen[-1] == (10, 10)


def test_dask_cluster_scan_and_dynamic_study():
    distributed = pytest.importorskip("dask.distributed")
    with warnings.catch_warnings():
        # distributed's start-up and shutdown chatter is not what this test checks
        warnings.simplefilter("ignore")
        # one in-process worker on loopback: the Dask plumbing (address, submit, gather,
        # errors) without paying process start-up; separate processes are covered above
        with distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            addr = cluster.scheduler_address
            df = scan("vistusertib", doses=[5, 20], schedules=SCHED, scheduler=addr, **KW)
            kw = {
                "n_animals": 3,
                "seed": 4,
                "days": 3,
                "pathway_mode": "dynamic",
                "tumor_growth": False,
            }
            d = run_study(
                "vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 3 days", scheduler=addr, **kw
            )
    local = scan("vistusertib", doses=[5, 20], schedules=SCHED, **KW)
    pd.testing.assert_frame_equal(df, local)
    ref = run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 3 days", **kw)
    name = ref.arms[1].name
    np.testing.assert_array_equal(d.readout_array(name), ref.readout_array(name))


def test_unreachable_scheduler_is_a_model_error():
    pytest.importorskip("dask.distributed")
    with pytest.raises(ModelError, match="scheduler"):
        run_study(
            "vistusertib",
            "mouse",
            "MCF7",
            "15 mg/kg PO QD x 1 days",
            n_animals=1,
            pathway_mode="dynamic",
            scheduler="not an address",
            tumor_growth=False,
        )


def test_missing_dask_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import now fails
    with pytest.raises(ModelError, match=r"pip install \"kinetor\[dask\]\""):
        scan("vistusertib", doses=[1], schedules=SCHED, scheduler="tcp://127.0.0.1:1", **KW)
