"""miRNA protein changes of two isoforms of one total (let-7 on KRAS and NRAS, each 1/3 of
the Ras pool) add within the pool: Ras_tot' = Ras_tot (1 + sum_i (1/3)(P_i - 1)).
P_i is hand-computed from the documented repression model."""

import pandas as pd
import pytest

from kinetor.mirna import pathway_targets, protein_changes, simulate_mirna_change, validated_targets
from kinetor.pathway import Network


def _ras_base():
    net = Network()
    return {**net.engine.defaults, **net.model_parameters()}["Ras_tot"]


def test_two_isoforms_add_within_their_pool():
    changes = pd.DataFrame({"target": ["KRAS", "NRAS"], "protein_fraction": [1.2, 0.9]})
    res = simulate_mirna_change(changes)
    # 1 + (1/3)(0.2) + (1/3)(-0.1) = 31/30 (multiplying would give 1.0667 * 0.9667 = 1.0311)
    assert res.attrs["parameters"] == pytest.approx({"Ras_tot": _ras_base() * 31 / 30})


def test_let7_loss_on_kras_and_nras():
    de = pd.DataFrame({"mirna": ["hsa-let-7a-5p"], "log2fc": [-3.0], "padj": [1e-4]})
    ch = protein_changes(pathway_targets(de, validated_targets()))
    # m = 1/8, E = 0.33, K = 1: P = (1 - 0.33 (1/8)/(9/8)) / (1 - 0.33/2) = (1 - 0.33/9) / 0.835
    p = (1 - 0.33 / 9) / 0.835
    assert sorted(ch["target"]) == ["KRAS", "NRAS"]
    assert ch["protein_fraction"].tolist() == pytest.approx([p, p])
    res = simulate_mirna_change(ch)
    ras = res.attrs["parameters"]["Ras_tot"]
    assert ras == pytest.approx(_ras_base() * (1 + 2 / 3 * (p - 1)))  # 1.10246, not 1.10509
    # the readouts are those of the network with that Ras total
    ref = Network().steady_state()
    ss = Network(parameters={"Ras_tot": ras}).steady_state()
    got = res.set_index("readout")["percent"]
    assert got["growth"] == pytest.approx(100 * ss["growth"] / ref["growth"], rel=1e-6)


def test_a_gene_under_two_names_is_one_mrna():
    """FRAP1 is MTOR's old symbol: its miRNAs act on one mRNA, each counted once
    (P = prod over distinct miRNAs of the repression ratio), not as two rows."""
    from kinetor.errors import DataError

    targets = pd.DataFrame(
        {
            "mirna": ["miR-a", "miR-a", "miR-b"],
            "target": ["MTOR", "FRAP1", "FRAP1"],
            "log2fc": [-1.0, -1.0, 1.0],
        }
    )
    ch = protein_changes(targets)
    assert ch["target"].tolist() == ["MTOR"]

    def ratio(m):  # documented repression model, efficacy 0.33, K 1
        return (1 - 0.33 * m / (m + 1)) / (1 - 0.33 / 2)

    assert ch["protein_fraction"].iloc[0] == pytest.approx(ratio(0.5) * ratio(2.0))
    two = pd.DataFrame({"target": ["MTOR", "FRAP1"], "protein_fraction": [0.9, 0.8]})
    with pytest.raises(DataError, match="one gene"):
        simulate_mirna_change(two)
