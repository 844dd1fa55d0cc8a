"""Bad option values of fih dose, simulate-pk, translate, popfit and nca are refused before
any work (exit 2, or a DataError naming the file), and --json errors are one JSON object,
internal errors included."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import kinetor
from kinetor.cli.main import main
from kinetor.errors import ModelError, UnitError

EXAMPLE = Path(kinetor.__file__).parent / "examples" / "vistusertib_rat_iv_po.csv"
EVIDENCE = Path(kinetor.__file__).parent / "translate" / "evidence"


# --- fih dose (H1) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--target", "-10 mg*h/L", "--cl", "5 L/h"], "--target"),
        (["--target", "10 mg*h/L", "--cl", "-5 L/h"], "--cl"),
        (["--target", "1 mg/L", "--cl", "5 L/h", "--measure", "css", "--tau", "-24 h"], "--tau"),
    ],
)
def test_fih_dose_refuses_a_negative_target_clearance_or_interval(capsys, args, option):
    # D = AUC x CL / F was printed as -50 mg (and -120 mg for the negative tau)
    assert main(["fih", "dose", *args]) == 2
    out = capsys.readouterr()
    assert option in out.err and "> 0" in out.err and "dose" not in out.out


def test_fih_dose_tau_without_unit_suggests_a_time(capsys):
    assert main(["fih", "dose", "--target", "10 mg*h/L", "--cl", "5 L/h", "--tau", "24"]) == 2
    err = capsys.readouterr().err
    assert "'24 h'" in err and "mg/kg" not in err


def test_fih_dose_a_valid_target_still_gives_the_hand_computed_dose(capsys):
    # css 1 mg/L x CL 5 L/h x tau 12 h / F 0.5 = 120 mg
    args = ["--target", "1 mg/L", "--cl", "5 L/h", "--measure", "css", "--tau", "12 h"]
    assert main(["--json", "fih", "dose", *args, "--f", "0.5"]) == 0
    assert json.loads(capsys.readouterr().out)["dose_mg"] == pytest.approx(120.0)


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"target": "-10 mg*h/L", "cl": "5 L/h"}, "target"),
        ({"target": "10 mg*h/L", "cl": "-5 L/h"}, "cl"),
        ({"target": "1 mg/L", "measure": "css", "cl": "5 L/h", "tau": "-24 h"}, "tau"),
        ({"target": "1 mg/L", "measure": "css", "cl": "5 L/h", "tau": "0 h"}, "tau"),
        ({"target": "10 mg*h/L", "cl": "5 L/h", "f": 0.0}, "f"),
    ],
)
def test_human_dose_refuses_values_that_give_a_negative_or_infinite_dose(kw, name):
    from kinetor.pk import human_dose

    with pytest.raises(ModelError, match=f"^{name}="):
        human_dose(**kw)


def test_human_dose_bare_tau_suggests_hours():
    from kinetor.pk import human_dose

    with pytest.raises(UnitError, match="'24 h'"):
        human_dose("10 mg*h/L", "auc", cl="5 L/h", tau="24")


# --- simulate-pk (H2, M11) ----------------------------------------------------------------


def _sim(tmp_path, *extra, regimen="100 mg PO"):
    return [
        "simulate-pk",
        *("--model", "1cmt-oral", "--param", "cl=5", "--param", "v=20", "--param", "ka=1"),
        *("--regimen", regimen, "--hours", "24", "--out", str(tmp_path / "sim"), *extra),
    ]


def test_simulate_pk_refuses_a_step_longer_than_the_simulation(tmp_path, capsys):
    # --dt 100 --hours 24 simulated the single time 0 h and reported CMAX = AUC = 0
    assert main(_sim(tmp_path, "--dt", "100")) == 2
    err = capsys.readouterr().err
    assert "--dt" in err and "--hours" in err
    assert not (tmp_path / "sim").exists()


def test_simulate_pk_negative_cv_is_a_usage_error_without_a_dict(tmp_path, capsys):
    assert main(_sim(tmp_path, "--n-subjects", "5", "--cv", "cl=-0.3")) == 2
    err = capsys.readouterr().err
    assert "--cv" in err and "cl=-0.3" in err and "{'cl'" not in err


@pytest.mark.parametrize("flag", ["--prop-error", "--add-error"])
def test_simulate_pk_negative_residual_sd_is_a_usage_error(tmp_path, capsys, flag):
    # docs/data.md section 13: negative residual SDs are exit 2 on the command line (was 3)
    assert main(_sim(tmp_path, flag, "-0.1")) == 2
    assert flag in capsys.readouterr().err


def test_the_refusal_table_says_a_zero_dose_is_a_vehicle_regimen():
    # docs/pk.md, the simulate-pk tests and the regimen parser treat '0 mg' as a vehicle
    # regimen (zero concentrations); the table of refusals said it was refused
    text = (Path(__file__).resolve().parents[1] / "docs" / "data.md").read_text("utf-8")
    section = text[text.index("## 13.") : text.index("**Limits.**")]
    assert "zero or negative dose" not in section
    assert "vehicle regimen" in section


# --- seeds (I17) and translate validate (M8) ----------------------------------------------


def test_popfit_refuses_a_negative_seed_before_reading_the_data(tmp_path, capsys):
    # the seed was used only after the fit (~74 s): "internal error: expected non-negative
    # integer"; the missing file shows that nothing was read
    assert main(["popfit", str(tmp_path / "absent.csv"), "--seed", "-1"]) == 2
    assert "--seed" in capsys.readouterr().err


def test_translate_clinical_pd_refuses_a_negative_seed(tmp_path, capsys):
    assert main(["translate", "clinical-pd", "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and "internal error" not in err


def test_clinical_pd_predictions_refuses_a_negative_seed_in_python():
    from kinetor.translate.clinical import clinical_pd_predictions

    with pytest.raises(ModelError, match="seed"):
        clinical_pd_predictions(n_patients=2, seed=-1)


@pytest.mark.parametrize(
    ("args", "option"), [(["--replicates", "-5"], "--replicates"), (["--seed", "-1"], "--seed")]
)
def test_translate_validate_refuses_bad_replicates_and_seed(tmp_path, capsys, args, option):
    assert main(["translate", "validate", *args, "--no-report", "--out", str(tmp_path)]) == 2
    assert option in capsys.readouterr().err


def _study_ids() -> list[str]:
    with open(EVIDENCE / "xenograft_studies.csv", encoding="utf-8", newline="") as fh:
        return [r["study_id"] for r in csv.DictReader(fh)]


def test_translate_validate_unknown_tumor_study_lists_the_studies(tmp_path, capsys):
    ids = _study_ids()
    args = ["--tumor", "nosuch=MCF7", "--replicates", "2", "--no-report"]
    assert main(["translate", "validate", *args, "--out", str(tmp_path / "v")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "'nosuch'" in err and all(i in err for i in ids)
    assert not (tmp_path / "v").exists()


def test_translate_validate_unknown_tumor_model_lists_the_models(tmp_path, capsys):
    args = ["--tumor", f"{_study_ids()[0]}=NOPE", "--replicates", "2", "--no-report"]
    assert main(["translate", "validate", *args, "--out", str(tmp_path / "v")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    # the bundled tumours.toml names MCF7 and the genotype networks
    assert "'NOPE'" in err and "MCF7" in err and "PTEN_null" in err


def test_validate_checks_its_options_in_python():
    from kinetor.translate import validate

    with pytest.raises(ModelError, match="not a study"):
        validate(tumors={"nosuch": "MCF7"}, n_replicates=2)
    with pytest.raises(ModelError, match="n_replicates"):
        validate(n_replicates=0)


# --- --json errors (I21) ------------------------------------------------------------------


def test_json_internal_error_is_one_json_object(monkeypatch, capsys):
    import kinetor.pk

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(kinetor.pk, "human_dose", crash)
    assert main(["--json", "fih", "dose", "--target", "10 mg*h/L", "--cl", "5 L/h"]) == 1
    out = capsys.readouterr()
    payload = json.loads(out.out)
    assert payload["internal"] is True and "boom" in payload["message"]
    assert payload["error"] == "RuntimeError" and "internal error" not in out.err


def test_json_model_and_usage_errors_are_json_objects(capsys):
    assert main(["--json", "fih", "dose", "--target", "10 mg*h/L", "--cl", "-5 L/h"]) == 2
    usage = json.loads(capsys.readouterr().out)
    assert usage["error"] == "UsageError" and usage["internal"] is False
    assert "--cl" in usage["message"]
    assert main(["--json", "translate", "clinical-pd", "--compound", "x", "--patients", "0"]) == 2
    assert json.loads(capsys.readouterr().out)["internal"] is False


# --- nca --sheet and --mw (low) -----------------------------------------------------------


def test_nca_sheet_number_beyond_the_workbook_names_the_sheets(tmp_path, capsys):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "PK"
    book.active.append(["subject", "time", "conc"])
    path = tmp_path / "one_sheet.xlsx"
    book.save(path)
    assert main(["nca", str(path), "--sheet", "5", "--no-report", "--out", str(tmp_path)]) == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "no sheet number 5" in err and "PK" in err and "is not an Excel" not in err


def test_nca_mw_for_an_unknown_analyte_lists_the_analytes(tmp_path, capsys):
    # concentrations in uM, LLOQ in ng/mL: a weight for 'vistusertib' is needed, and the
    # misspelt name was reported only as "needs the molecular weight"
    text = EXAMPLE.read_text("utf-8").replace("Conc (ng/mL)", "Conc (uM)", 1)
    path = tmp_path / "uM.csv"
    path.write_text(text, "utf-8")
    out = str(tmp_path / "n")
    assert main(["nca", str(path), "--mw", "nosuch=462", "--no-report", "--out", out]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "'nosuch' is not an analyte" in err and "'vistusertib'" in err
    # the same name beside a file that needs no weight is also a typo
    assert main(["nca", str(EXAMPLE), "--mw", "nosuch=462", "--no-report", "--out", out]) == 2
    assert main(["nca", str(path), "--mw", "vistusertib=462.5", "--no-report", "--out", out]) == 0


def test_pathway_calibrate_refuses_a_negative_seed(tmp_path):
    assert main(["pathway", "calibrate", "--seed", "-1", "--out", str(tmp_path / "o")]) == 2
