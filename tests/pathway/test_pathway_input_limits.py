"""Values the network cannot carry (kinetor.pathway): a context level or parameter far out
of range, a solver failure, a concentration above 1 M in a profile or a PK course, a
damaged cache key. Each gives a ModelError or DataError that names the value (a usage
error on the command line), never libroadrunner's raw RuntimeError or a silent run."""

import json
import math
import re

import numpy as np
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError
from kinetor.pathway import Network, dose_response
from kinetor.pathway._profile_file import read_profile
from kinetor.pk.course import Polyexponential


def _json(capsys, argv):
    capsys.readouterr()
    code = main(["--json", *argv])
    return code, json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------ context and parameters


@pytest.mark.parametrize("level", [math.inf, -math.inf, "inf"])
def test_an_infinite_context_level_is_refused_when_the_network_is_built(level):
    with pytest.raises(ModelError, match=r"growth_factor=.* must be a finite number >= 0"):
        Network(context={"growth_factor": level})


@pytest.mark.parametrize(
    ("kwargs", "shown"),
    [
        ({"context": {"growth_factor": 1e300}}, "'growth_factor': 1e+300"),
        ({"parameters": {"k_pras": 1e300}}, "'k_pras': 1e+300"),
        ({"parameters": {"pip3_ref": 0}}, "'pip3_ref': 0.0"),
    ],
)
def test_a_steady_state_the_solver_cannot_reach_is_a_model_error_naming_the_values(kwargs, shown):
    # each made CVODE fail in the 50 h pre-simulation (CV_CONV_FAILURE at t = 0), which
    # escaped as a bare RuntimeError
    with pytest.raises(ModelError, match="no steady state reached for parameters") as err:
        Network(**kwargs).steady_state()
    assert shown in str(err.value) and "CV_CONV_FAILURE" in str(err.value)


def test_a_run_the_solver_cannot_integrate_is_a_model_error_and_the_engine_recovers():
    net = Network()
    before = net.simulate({"everolimus": 10.0}, t_end=1).readouts.to_numpy()
    # occupancy 1/(1 + (K/C)^h) with h = 100: CVODE fails at t = 0 (no steady state issue)
    steep = {"name": "steep", "mechanism": "rapalog", "ic50_nM": 1e-6, "hill": 100.0}
    with pytest.raises(ModelError, match="the simulation failed after 0 h") as err:
        net.simulate_pairs([(steep, 1e9)], t_end=1)
    assert "'h_rapalog': 100.0" in str(err.value) and "'c0_rapalog': 1000000000.0" in str(err.value)
    after = net.simulate({"everolimus": 10.0}, t_end=1).readouts.to_numpy()
    np.testing.assert_array_equal(after, before)  # nothing of the failed run leaks


def test_cli_context_out_of_range_is_a_model_error_not_an_internal_error(tmp_path, capsys):
    # a non-finite level is a usage error naming --context; a huge finite one reaches the
    # model, which refuses it (never an internal error)
    for level, code_want, error in (("inf", 2, "UsageError"), ("1e300", 3, "ModelError")):
        out = tmp_path / level
        argv = ["pathway", "simulate", "--out", str(out), "--hours", "1"]
        code, doc = _json(capsys, [*argv, "--context", f"growth_factor={level}"])
        assert code == code_want and doc["error"] == error, doc
        assert level != "inf" or "--context" in doc["message"]
        assert not out.exists()


# ------------------------------------------------------------------ PK courses above 1 M

# C(t) = A (exp(-0.1 t) - exp(-t)) nM: by hand, the peak is at t* = ln(10)/0.9 = 2.5584 h,
# C* = A (10**(-1/9) - 10**(-10/9)) = 0.696837 A
_PEAK = 10 ** (-1 / 9) - 10 ** (-10 / 9)


def _course(a: float) -> Polyexponential:
    return Polyexponential([0.0], [0.0], [[a, -a]], [0.1, 1.0], "nM")


def test_the_peak_of_a_course_is_found_between_its_breakpoints():
    from kinetor.pathway._inputs import course_peak

    t, v = course_peak(_course(1.4e9))  # bound 1.4e9 > 1e9: the peak is searched
    assert v == pytest.approx(_PEAK * 1.4e9, rel=1e-3) and v < 1e9
    assert t == pytest.approx(math.log(10) / 0.9, abs=0.06)


def test_a_course_whose_peak_exceeds_one_molar_is_refused():
    with pytest.raises(DataError) as err:
        Network().simulate({"everolimus": _course(1.5e9)}, t_end=1)  # peak 1.045e9 nM
    (prob,) = err.value.problems
    assert "1.05e+09 nM (at 2.5" in prob.message and "1e+09 nM (1 M)" in prob.message


def test_cli_a_regimen_above_one_molar_is_refused(tmp_path, capsys):
    # the audit's own solution of this course peaked at 1.9e13 nM unbound
    out = tmp_path / "o"
    drug = "vistusertib:1e12 mg/kg PO QD x 1 days"
    code, doc = _json(capsys, ["pathway", "simulate", "--out", str(out), "--drug", drug])
    assert code == 3 and not out.exists()
    peak = re.search(r"free concentration of (\S+) nM", doc["problems"][0]["problem"])
    assert peak is not None and 1.85e13 <= float(peak.group(1)) <= 1.95e13


# ------------------------------------------------------------------ values shown plainly


def test_a_profile_file_value_above_one_molar_names_file_row_column_and_limit(tmp_path):
    p = tmp_path / "huge.csv"
    p.write_text("time_h,conc_nM\n0,1e12\n1,5\n")
    with pytest.raises(DataError) as err:
        read_profile(p)
    (prob,) = err.value.problems
    assert (prob.file, prob.row, prob.column) == ("huge.csv", 2, "conc_nM")
    assert "1e+12 nM" in prob.message and "1e+09" in prob.message


def test_a_profile_list_value_above_one_molar_is_shown_as_a_plain_number():
    profile = (np.array([0.0, 1.0]), np.array([1e12, 5.0]))
    with pytest.raises(DataError) as err:
        Network().simulate({"vistusertib": profile}, t_end=1)
    text = str(err.value)
    assert "np.float64" not in text and "1e+12" in text and "1e+09 nM" in text


def test_dose_response_shows_concentrations_as_plain_numbers():
    with pytest.raises(DataError) as err:
        dose_response(Network(), "vistusertib", np.array([1.0, 1e12]), t=1)
    (prob,) = err.value.problems
    assert prob.row == 2 and "np.float64" not in prob.message and "1e+12" in prob.message


def test_cli_dose_response_max_above_one_molar_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "d"
    argv = ["pathway", "dose-response", "--drug", "vistusertib", "--max", "1e12"]
    assert main([*argv, "--out", str(out)]) == 2
    assert "must be <= 1e+09 nM" in " ".join(capsys.readouterr().err.split())
    assert not out.exists()


# ------------------------------------------------------------------ cache key, docs


def test_a_damaged_cache_key_is_rewritten_and_the_cache_works_again(tmp_path, monkeypatch):
    from kinetor.pathway._cache import _secret, cache_key, load_or_compile
    from kinetor.pathway._model import model_text, to_sbml

    monkeypatch.setenv("KINETOR_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "roadrunner"
    folder.mkdir(mode=0o700)
    (folder / "key").write_bytes(b"garbage!!\n")  # 10 bytes, as the audit wrote
    (folder / "key").chmod(0o600)
    text, compiled = model_text(), []

    def compile_model():
        import roadrunner

        compiled.append(1)
        return roadrunner.RoadRunner(to_sbml(text))

    load_or_compile(text, compile_model)  # compiles, stores under a new key
    key = (folder / "key").read_bytes()
    assert len(key) == 32 and _secret(folder) == key
    assert (folder / f"{cache_key(text)}.rrstate").is_file()
    load_or_compile(text, compile_model)  # loaded from the cache
    assert len(compiled) == 1


def test_export_help_and_docs_name_the_global_json_option(capsys):
    from pathlib import Path

    assert main(["pathway", "export", "--help"]) == 0
    assert "kinetor --json pathway export" in " ".join(capsys.readouterr().out.split())
    docs = " ".join((Path(__file__).parents[2] / "docs" / "pathway.md").read_text().split())
    assert "`kinetor --json pathway export --out FILE`" in docs
    assert "converted to nM with the compound's molecular weight" in docs


def test_a_mass_concentration_is_converted_with_the_molecular_weight():
    from kinetor.pathway._inputs import drug_inputs

    # everolimus: MW 958.24 g/mol; 50 ng/mL = 50e-9 g/mL / 958.24 g/mol * 1e12 nM/(mol/mL)
    params = drug_inputs([("everolimus", "50 ng/mL")], 1.0)[1]
    assert params["c0_rapalog"] == pytest.approx(50.0 / 958.24 * 1e3, rel=1e-9)
