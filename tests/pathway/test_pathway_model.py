"""Model text, SBML export round trip, annotations, fitted values (kinetor.pathway._model)."""

import re

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.pathway import Network, export_sbml, model_text
from kinetor.pathway._model import MODEL_FILE, prior_parameters, read_fitted
from kinetor.pathway.calibration import write_fitted


@pytest.fixture(scope="module")
def net():
    return Network()


def test_every_reaction_is_commented_with_a_source_block():
    # each module of reactions sits under a comment header that names its source
    text = MODEL_FILE.read_text()
    headers = re.findall(r"// =+ (.+)", text)
    assert {"receptors", "mTORC1", "mTORC2", "Ras / RAF / MEK / ERK / RSK"} <= {
        h.strip() for h in headers
    }
    n_reactions = len(re.findall(r"^\s+R_\w+:", text, flags=re.M))
    assert n_reactions >= 60


def test_species_carry_uniprot_annotations():
    sbml = export_sbml()
    for acc in (
        "P31749",
        "P42345",
        "P23443",
        "Q13541",
        "P60484",
        "P35568",
        "Q15831",
        "P04637",
        "Q9NX09",
        "P01116",
        "P28482",
        "Q15418",
        "P04626",
    ):
        assert f"http://identifiers.org/uniprot/{acc}" in sbml, acc
    assert "bqbiol:is" in sbml


def test_sbml_round_trips_through_libroadrunner(net, tmp_path):
    import roadrunner

    path = tmp_path / "m.xml"
    export_sbml(path)
    rr = roadrunner.RoadRunner(str(path))
    rr.simulate(0, 500, 3)  # no drug: relaxes to the network's steady state
    ss = net.steady_state_species()
    for sp in ("AKT_pp", "S6K1_p", "EBP1_p", "PIP3", "ERK_p", "IRS1"):
        assert rr[sp] == pytest.approx(ss[sp], rel=1e-3, abs=1e-6)


def test_the_ant_file_alone_is_a_loadable_model():
    # mtor.ant without the generated input block (as a COPASI/tellurium user would load it)
    import roadrunner

    from kinetor.pathway import to_sbml

    rr = roadrunner.RoadRunner(to_sbml(MODEL_FILE.read_text()))
    rr.simulate(0, 5, 3)
    assert rr.getValue("C_mtor_kinase") == 0.0 and rr["AKT_pp"] > 0


def test_fitted_values_are_applied_and_priors_parsed(tmp_path):
    priors = prior_parameters()
    assert priors["k_s6k"] == 25.0 and priors["k_rapa_off"] == 0.05  # as written in mtor.ant
    path = write_fitted({"k_s6k": 7.5}, tmp_path / "f.csv")
    assert read_fitted(path) == {"k_s6k": 7.5}
    text = model_text(path)
    assert text.rstrip().endswith("end")
    eng = Network(fitted=path).engine
    assert eng.defaults["k_s6k"] == 7.5
    assert Network(fitted=False).engine.defaults["k_s6k"] == 25.0


def test_unknown_fitted_parameter_is_rejected():
    with pytest.raises(ModelError, match="not in the model"):
        model_text({"no_such_parameter": 1.0})


def test_compiled_once_per_process():
    a, b = Network(["PTEN_loss"]), Network(context={"hypoxia": 1})
    assert a.engine is b.engine


def test_prior_parameters_are_positive_numbers():
    values = np.array(list(prior_parameters().values()))
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
