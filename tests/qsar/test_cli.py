"""``kinetor qsar`` through the real entry point (train, cv, predict --simulate, screen)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    assert (
        main(
            [
                "-q",
                "qsar",
                "train",
                str(FIX / "mtor_subset.csv"),
                "--target",
                "mtor",
                "--value-col",
                "pIC50",
                "--unit",
                "p",
                "--id-col",
                "molecule_chembl_id",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "-q",
                "qsar",
                "train",
                str(FIX / "pi3ka_subset.csv"),
                "--target",
                "pi3ka",
                "--value-col",
                "IC50",
                "--unit-col",
                "units",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


@pytest.mark.slow
def test_train_writes_model_card_and_curation(models):
    card = json.loads((models / "mtor.card.json").read_text())
    assert card["target"] == "mtor" and card["n_train"] == 240
    assert card["cv_metrics"]["split"].startswith("inner scaffold")
    assert (models / "pi3ka.joblib").exists()
    assert len(pd.read_csv(models / "pi3ka_curated.csv")) == 240


@pytest.mark.slow
def test_predict_with_network_simulation(models, tmp_path, capsys):
    out = tmp_path / "pred"
    smi = "C[C@@H]1COCCN1c1nc(N2CCOC[C@@H]2C)c2ccc(-c3cccc(C(=O)NC)c3)nc2n1"  # AZD8055-like
    assert (
        main(
            [
                "--json",
                "qsar",
                "predict",
                smi,
                "--models",
                str(models),
                "--simulate",
                "--lesion",
                "PTEN_loss",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    row = doc["predictions"][0]
    assert row["lower_mtor"] < row["prediction_mtor"] < row["upper_mtor"]
    net = pd.DataFrame(doc["network"][0]).set_index("case")
    assert list(net.index) == ["lower", "point", "upper"]
    # the most potent end of the interval inhibits p-S6 most
    assert (
        net.loc["upper", "pS6_S235_236"]
        <= net.loc["point", "pS6_S235_236"]
        <= net.loc["lower", "pS6_S235_236"]
    )
    assert (out / "network.csv").exists() and (out / "report.html").exists()


@pytest.mark.slow
def test_screen_ranks_and_reports_bad_rows(models, tmp_path, capsys):
    lib = tmp_path / "lib.smi"
    lib.write_text(
        "C[C@@H]1COCCN1c1nc(N2CCOCC2)nc(-c2ccc(N)nc2)n1 pqr\nC1CC broken\nCCCCCCCC octane\n"
    )
    out = tmp_path / "screen"
    assert (
        main(
            [
                "qsar",
                "screen",
                str(lib),
                "--targets",
                "mtor,pi3ka",
                "--models",
                str(models),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "lib.smi" in text and "C1CC" in text  # the bad row is named
    res = pd.read_csv(out / "screen.csv", keep_default_na=False, na_values=[""])
    # the unparsable entry stays in the table, ranked last, with its problem (docs/qsar.md)
    assert res["id"].tolist() == ["pqr", "octane", "broken"]
    assert res["rank"].tolist() == [1, 2, 3]
    assert res["p_mtor"].iloc[0] > res["p_mtor"].iloc[1]
    assert not res["in_domain"].iloc[1]
    assert np.isnan(res["p_mtor"].iloc[2]) and res["error"].iloc[2] == "unparsable SMILES 'C1CC'"
    assert res["error"].iloc[:2].isna().all()


@pytest.mark.slow
def test_predict_keeps_bad_rows_and_refuses_a_bad_query(models, tmp_path, capsys):
    lib = tmp_path / "q.csv"
    lib.write_text("id,smiles\nok,c1ccccc1O\nbad,C1CC(\nnone,\n")
    out = tmp_path / "p"
    assert (
        main(["-q", "qsar", "predict", str(lib), "--models", str(models), "--out", str(out)]) == 0
    )
    res = pd.read_csv(out / "predictions.csv", keep_default_na=False, na_values=[""])
    assert res["id"].tolist() == ["ok", "bad", "none"]  # no row dropped
    assert (
        np.isfinite(res["prediction_mtor"].iloc[0]) and res["prediction_mtor"].iloc[1:].isna().all()
    )
    assert res["error"].tolist()[1:] == ["unparsable SMILES 'C1CC('", "empty SMILES"]
    capsys.readouterr()
    # a lone query that is not a structure is an error, not a row of NaN
    assert main(["qsar", "predict", "C1CC(", "--models", str(models), "--out", str(out)]) == 3
    captured = capsys.readouterr()
    assert "unparsable SMILES 'C1CC('" in captured.out + captured.err


def test_training_needs_enough_compounds(tmp_path):
    from kinetor.errors import DataError
    from kinetor.qsar import PotencyPredictor

    with pytest.raises(DataError, match="2 training compounds: at least 10 are needed"):
        PotencyPredictor("svr").fit(["CCO", "c1ccccc1"], [5.0, 6.0])


@pytest.mark.slow
def test_cv_command(tmp_path):
    out = tmp_path / "cv"
    assert (
        main(
            [
                "-q",
                "qsar",
                "cv",
                str(FIX / "pi3ka_subset.csv"),
                "--value-col",
                "IC50",
                "--unit-col",
                "units",
                "--learner",
                "svr",
                "--folds",
                "3",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    metrics = pd.read_csv(out / "cv_metrics.csv")
    assert metrics["fold"].tolist() == ["0", "1", "2", "pooled"]


@pytest.mark.slow
def test_cv_with_y_randomization_and_butina(tmp_path):
    out = tmp_path / "cv"
    assert (
        main(
            [
                "-q",
                "qsar",
                "cv",
                str(FIX / "pi3ka_subset.csv"),
                "--value-col",
                "IC50",
                "--unit-col",
                "units",
                "--learner",
                "svr",
                "--split",
                "butina",
                "--folds",
                "3",
                "--y-randomization",
                "2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    shuffled = pd.read_csv(out / "y_randomization.csv")
    assert shuffled["round"].tolist() == [0, 1] and list(shuffled.columns) == [
        "round",
        "rmse",
        "r2",
    ]
    real = pd.read_csv(out / "cv_metrics.csv").set_index("fold").loc["pooled"]
    # shuffled potencies cannot be predicted from structure: worse than the real fit
    assert (shuffled["rmse"] > real["rmse"]).all()


def test_missing_model_is_a_clear_error(tmp_path, capsys):
    assert main(["qsar", "predict", "CCO", "--models", str(tmp_path), "--targets", "mtor"]) == 3
    assert "kinetor qsar train" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args,option", [(["--split", "xyz"], "--split"), (["--folds", "1"], "--folds")]
)
def test_cv_options_are_checked_first(tmp_path, args, option, capsys):
    out = tmp_path / "cv"
    code = main(["qsar", "cv", str(FIX / "pi3ka_subset.csv"), *args, "--out", str(out)])
    assert code == 2
    assert option in capsys.readouterr().err
    assert not out.exists()
