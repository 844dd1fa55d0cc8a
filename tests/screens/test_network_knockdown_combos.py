"""Several genes on one network total: isoforms are shares of one pool (their losses add),
complex subunits are each needed (the scarcest limits the complex). Expected totals are
hand-computed from the mapping table's shares (Ras, AKT: three isoforms of 1/3 each;
MTOR, RPTOR: subunits of mTORC1; PIK3CA, PIK3R1: subunits of the p110-alpha pool)."""

import math

import pytest

from kinetor.errors import DataError
from kinetor.screens import network
from kinetor.screens.network import Node, knockdown_parameters

BASE = {
    "Ras_tot": 2.0,
    "AKT_tot": 1.0,
    "mTORC1_tot": 1.0,
    "mTORC2_tot": 4.0,
    "PI3Ka_tot": 1.0,
    "PI3Kb_tot": 0.5,
}


@pytest.mark.parametrize(
    "genes,total,expected",
    [
        # 1 - 3 * (1/3) = 0: no Ras isoform left, no Ras
        ({"KRAS": 0.0, "NRAS": 0.0, "HRAS": 0.0}, "Ras_tot", 0.0),
        # 1 - 2 * (1/3) = 1/3 of the base 2.0
        ({"KRAS": 0.0, "NRAS": 0.0}, "Ras_tot", 2.0 / 3),
        ({"AKT1": 0.0, "AKT2": 0.0}, "AKT_tot", 1 / 3),
        # 1 - (1/3)(1 - 0.2) - (1/3)(1 - 0.5) = 1 - 1.3/3 = 1.7/3
        ({"AKT1": 0.2, "AKT2": 0.5}, "AKT_tot", 1.7 / 3),
        # derepression adds too: 1 + (1/3)(0.6) + (1/3)(0.3) = 1.3
        ({"KRAS": 1.6, "NRAS": 1.3}, "Ras_tot", 2.0 * 1.3),
        # a gain and a loss: 1 + (1/3)(0.5) - (1/3)(1) = 5/6
        ({"KRAS": 1.5, "NRAS": 0.0}, "Ras_tot", 2.0 * 5 / 6),
    ],
)
def test_isoforms_share_one_pool(genes, total, expected):
    got = knockdown_parameters(genes, BASE)[total]
    assert got >= 0.0
    assert got == pytest.approx(expected, abs=1e-12)


def test_subunits_the_scarcest_limits_the_complex():
    # mTORC1 needs MTOR and RPTOR: half of each leaves half of the complex (not a quarter)
    over = knockdown_parameters({"MTOR": 0.5, "RPTOR": 0.5}, BASE)
    assert over == pytest.approx({"mTORC1_tot": 0.5, "mTORC2_tot": 4.0 * 0.5})
    over = knockdown_parameters({"MTOR": 0.5, "RPTOR": 0.2}, BASE)
    assert over == pytest.approx({"mTORC1_tot": 0.2, "mTORC2_tot": 2.0})
    # p110-alpha and p85 both make the PI3K-alpha dimer; p85 alone sets the beta pool
    over = knockdown_parameters({"PIK3CA": 0.3, "PIK3R1": 0.6}, BASE)
    assert over == pytest.approx({"PI3Ka_tot": 0.3, "PI3Kb_tot": 0.5 * 0.6})


def test_isoforms_and_subunits_in_one_call():
    over = knockdown_parameters({"KRAS": 0.0, "NRAS": 0.4, "MTOR": 0.5, "RPTOR": 0.2}, BASE)
    # Ras: 1 - 1/3 - (1/3)(0.6) = 1.4/3 of 2.0; mTORC1: min(0.5, 0.2); mTORC2: MTOR only
    assert over == pytest.approx(
        {"Ras_tot": 2.0 * 1.4 / 3, "mTORC1_tot": 0.2, "mTORC2_tot": 4.0 * 0.5}
    )


def test_a_total_with_a_pool_and_a_subunit(monkeypatch):
    # The shipped table has no such total; a hypothetical scaffold needed by every Ras
    # isoform: the complex is the scarcer of the scaffold and the isoform pool.
    monkeypatch.setitem(network.NODES, "SCAF", Node("SCAF", {"Ras_tot": 1.0}, "test", "test"))
    pool_third = {"KRAS": 0.0, "NRAS": 0.0}  # pool 1/3
    assert knockdown_parameters({**pool_third, "SCAF": 0.5}, BASE)["Ras_tot"] == pytest.approx(
        2.0 / 3
    )
    assert knockdown_parameters({**pool_third, "SCAF": 0.2}, BASE)["Ras_tot"] == pytest.approx(
        2.0 * 0.2
    )


@pytest.mark.parametrize(
    "genes,expected",
    [
        ({"AKT1": 0.25}, {"AKT_tot": 1 - 0.75 / 3}),
        ({"KRAS": 1.5}, {"Ras_tot": 2.0 * 7 / 6}),
        ({"MTOR": 0.3}, {"mTORC1_tot": 0.3, "mTORC2_tot": 4.0 * 0.3}),
        ({"PIK3R1": 0.5}, {"PI3Ka_tot": 0.5, "PI3Kb_tot": 0.25}),
    ],
)
def test_a_single_gene_is_unchanged(genes, expected):
    # T (1 - s (1 - r)), as before combining was fixed
    assert knockdown_parameters(genes, BASE) == pytest.approx(expected)


def test_one_gene_under_two_names():
    # AKT1 and its alias PKB are one gene: its 1/3 share is lost once (2/3 left, not 1/3)
    assert knockdown_parameters({"AKT1": 0.0, "PKB": 0.0}, BASE) == pytest.approx(
        {"AKT_tot": 2 / 3}
    )
    assert knockdown_parameters(["AKT1", "akt1"], BASE) == pytest.approx({"AKT_tot": 2 / 3})
    with pytest.raises(DataError, match=r"'AKT1' and 'PKB' are both AKT1") as e:
        knockdown_parameters({"AKT1": 0.0, "PKB": 0.5}, BASE)
    assert "give AKT1 once" in str(e.value)


@pytest.mark.parametrize("bad", ["x", None, math.inf, math.nan, -0.1])
def test_a_fraction_that_is_not_a_finite_number_is_a_data_error(bad):
    with pytest.raises(DataError, match=r"remaining fraction .* for KRAS"):
        knockdown_parameters({"KRAS": bad}, BASE)


def test_an_unchanged_subunit_changes_nothing():
    """Giving a subunit at 1 (unchanged) must not cap a gain of another subunit."""
    from kinetor.screens.network import knockdown_parameters

    base = {"mTORC1_tot": 1.0, "mTORC2_tot": 1.0}
    alone = knockdown_parameters({"RPTOR": 1.5}, base)
    both = knockdown_parameters({"RPTOR": 1.5, "MTOR": 1.0}, base)
    assert both["mTORC1_tot"] == alone["mTORC1_tot"] == 1.5
