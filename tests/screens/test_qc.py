import numpy as np
import pytest

from kinetor.screens import CountTable, gini, screen_qc


def test_gini_closed_forms():
    assert gini(np.ones(10)) == pytest.approx(0.0)
    # one value holds everything: G = 1 with the n/(n-1) correction MAGeCK uses
    assert gini(np.r_[np.zeros(9), 5.0]) == pytest.approx(1.0)
    # two values 1 and 3: sum i*x = 1 + 6 = 7, G = 1 - 2 (2 - 7/4) / 1 = 0.5
    assert gini(np.array([3.0, 1.0])) == pytest.approx(0.5)


def test_qc_replicates_and_pca(demo1):
    q = screen_qc(demo1)
    assert q.samples["reads"].iloc[0] == demo1.counts[:, 0].sum()
    c = q.correlation.to_numpy()
    assert np.allclose(np.diag(c), 1) and np.allclose(c, c.T)
    assert len(q.pca) == 4 and sum(q.pca.attrs["explained"]) <= 1 + 1e-12


def test_qc_essential_check(demo1_result, demo1):
    q = screen_qc(demo1, result=demo1_result, essential_genes=["ACTR8", "ACIN1", "AATF"])
    row = q.checks.set_index("check").loc["essential genes: median LFC"]
    assert row["value"] < 0 and bool(row["passed"])


def test_mapping_fraction():
    import pandas as pd

    ct = CountTable(np.array(["a", "b"]), np.array(["A", "B"]), ["s"], np.array([[3.0], [5.0]]))
    q = screen_qc(ct, mapping=pd.DataFrame({"sample": ["s"], "reads": [10], "mapped": [8]}))
    assert q.samples["mapped_fraction"].iloc[0] == pytest.approx(0.8)
