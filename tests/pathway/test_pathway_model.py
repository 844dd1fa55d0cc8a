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


def _hill_rules(text):
    """``name := expr`` lines of ``text`` whose expression raises something to a power."""
    rules = {}
    for line in text.splitlines():
        code = line.split("//", 1)[0]
        if ":=" in code and "^" in code:
            name, expr = (s.strip() for s in code.split(":=", 1))
            rules[name] = expr
    return rules


def test_the_engine_compiles_each_hill_occupancy_with_one_power():
    from kinetor.pathway._model import one_pow_occupancy

    written = _hill_rules(MODEL_FILE.read_text())
    fast = _hill_rules(one_pow_occupancy(MODEL_FILE.read_text()))
    assert written.keys() == fast.keys()
    occupancies = [n for n in written if re.fullmatch(r"th\w+", n)]
    assert len(occupancies) >= 20  # one per drug slot (two for dual PI3K/mTOR)
    for name in occupancies:
        assert written[name].count("^") == 3 and fast[name].count("^") == 1, name
        names = set(re.findall(r"[A-Za-z_]\w*", written[name]))
        c = next(n for n in names if n.startswith("C_"))
        # the written C^h/(C^h + K^h) and the compiled form agree, C = 0 included
        for conc in (0.0, 1e-3, 80.0, 1e6):
            for h in (0.7, 1.0, 2.5):
                env = {n: 3.0 for n in names}  # K (and torki_res) 3, or 9 for K*torki_res
                env[c] = conc
                env[next(n for n in names if n.startswith("h_"))] = h
                want = eval(written[name].replace("^", "**"), {}, env)
                got = _eval_one_pow(fast[name], env)
                assert got == pytest.approx(want, rel=1e-12, abs=0), (name, conc, h)


def _eval_one_pow(expr, env):
    """``1/(1 + (K/C)^h)`` in IEEE arithmetic (K/0 = inf), as the compiled model does."""
    env = {k: np.float64(v) for k, v in env.items()}
    with np.errstate(divide="ignore"):
        return float(eval(expr.replace("^", "**"), {}, env))


def test_one_power_form_gives_the_written_model_results(monkeypatch):
    # the engine with the written occupancies (compiled here) vs the shipped engine: same
    # trajectories to rounding, for drugs with Hill slopes 1 and 1.6 on several slots
    import kinetor.pathway._engine as engine_mod

    text = model_text()
    fast = engine_mod.engine(text)
    monkeypatch.setattr(engine_mod, "one_pow_occupancy", lambda t: t)
    written = engine_mod.Engine(text)
    drugs = {
        "K_mtor_kinase": 80.0,
        "h_mtor_kinase": 1.6,
        "c0_mtor_kinase": 120.0,
        "K_mek": 5.0,
        "h_mek": 1.0,
        "c0_mek": 3.0,
        "K2_dual_pi3k_mtor": 10.0,
        "K_dual_pi3k_mtor": 20.0,
        "c0_dual_pi3k_mtor": 15.0,
    }
    params = {"PTEN_tot": 0.0}
    times = np.linspace(0.0, 24.0, 25)
    a = fast.run(params, fast.steady_state(params), drugs, {}, times)
    b = written.run(params, written.steady_state(params), drugs, {}, times)
    np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12)
    assert np.ptp(a[:, 1:], axis=0).max() > 0.1  # the drugs move the network
