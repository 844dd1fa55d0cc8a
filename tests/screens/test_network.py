"""Screen genes on the pathway network."""

import numpy as np
import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.pathway import Network
from kinetor.screens.network import (
    compare_hits,
    knockdown_parameters,
    map_genes,
    simulate_knockdowns,
)


def test_aliases_and_complexes():
    m = map_genes(["raptor", "FRAP1", "S6K1", "4E-BP1", "PDK1", "PDPK1"]).set_index("query")
    assert m.loc["raptor", "symbol"] == "RPTOR"
    assert m.loc["FRAP1", "parameters"] == "mTORC1_tot;mTORC2_tot"
    assert m.loc["S6K1", "symbol"] == "RPS6KB1" and m.loc["4E-BP1", "symbol"] == "EIF4EBP1"
    assert m.loc["PDK1", "symbol"] == ""  # pyruvate dehydrogenase kinase, not PDPK1
    assert m.loc["PDPK1", "parameters"] == "PDK1_tot"


def test_knockdown_shares():
    base = {
        "AKT_tot": 1.0,
        "PI3Ka_tot": 2.0,
        "PI3Kb_tot": 0.5,
        "mTORC1_tot": 1.0,
        "mTORC2_tot": 1.0,
    }
    assert knockdown_parameters({"AKT1": 0.0}, base) == pytest.approx({"AKT_tot": 2 / 3})
    # p110-alpha is its own pool: 80 % knockdown leaves 2 * 0.2; p110-beta untouched
    assert knockdown_parameters({"PIK3CA": 0.2}, base) == pytest.approx({"PI3Ka_tot": 0.4})
    # p85 is in both pools
    assert knockdown_parameters({"PIK3R1": 0.5}, base) == pytest.approx(
        {"PI3Ka_tot": 1.0, "PI3Kb_tot": 0.25}
    )
    # two of three equal isoform shares lost: 1 - 2/3 of the pool is left
    two = knockdown_parameters({"AKT1": 0.0, "AKT2": 0.0}, base)["AKT_tot"]
    assert two == pytest.approx(1 / 3)
    with pytest.raises(DataError, match="GAPDH"):
        knockdown_parameters(["GAPDH"], base)


@pytest.mark.parametrize(
    "gene,total,species",
    [
        ("AKT1", "AKT_tot", ["AKT", "AKT_T308", "AKT_S473", "AKT_pp"]),
        ("RPS6KB1", "S6K1_tot", ["S6K1", "S6K1_p"]),
        ("TSC2", "TSC_tot", ["TSC", "TSC_p"]),
        ("RHEB", "Rheb_tot", ["Rheb_GDP", "Rheb_GTP"]),
        ("PIK3CB", "PI3Kb_tot", ["PI3Kb", "PI3Kb_a"]),
        ("FOXO3", "FOXO_tot", ["FOXO_n", "FOXO_c"]),
    ],
)
def test_knockdown_conserves_totals(gene, total, species):
    net = Network()
    base = {**net.engine.defaults, **net.model_parameters()}
    over = knockdown_parameters({gene: 0.3}, base)
    ss = Network(parameters=over).steady_state_species()
    assert ss[species].sum() == pytest.approx(over[total], rel=1e-6)
    assert over[total] < base[total]


def test_simulated_knockdowns_direction():
    sim = simulate_knockdowns(["RPTOR", "TSC2", "GAPDH"]).set_index("gene")
    assert sim.loc["RPTOR", "pS6K1_T389"] < 5 and sim.loc["RPTOR", "growth"] < 60
    assert sim.loc["TSC2", "pS6K1_T389"] > 100  # TSC loss activates mTORC1
    assert not sim.loc["GAPDH", "in_model"]
    assert sim.loc["RPTOR", "converged"]


@pytest.mark.slow
def test_compare_hits_calls():
    genes = pd.DataFrame(
        {
            "gene": ["RPTOR", "PIK3CB", "FOXO3", "GAPDH", "RICTOR"],
            "neg_lfc": [-2.0, -1.5, -1.5, -1.0, 0.0],
            "neg_fdr": [0.001, 0.01, 0.01, 0.01, 0.9],
            "pos_fdr": [1.0, 1, 1, 1, 0.9],
        }
    )
    out = compare_hits(genes).set_index("gene")
    assert out.loc["RPTOR", "call"] == "consistent"
    # p110beta knock-down lowers growth to ~70 % in the shipped model (consistent with a
    # dependency); FOXO3 knock-down only to ~81 %, short of the 20-point drop a dependency
    # call needs (a screen dependency the model does not reproduce)
    assert out.loc["PIK3CB", "call"] == "consistent"
    assert out.loc["FOXO3", "call"] == "model gap"
    assert out.loc["GAPDH", "call"] == "not in model"
    assert np.isfinite(out.loc["RICTOR", "growth"])
