"""``kinetor simulate-pk`` and ``kinetor fit`` through the real entry point."""

import numpy as np
import pandas as pd

from kinetor.cli.main import main


def test_simulate_pk_writes_tidy_csvs(tmp_path):
    out = tmp_path / "sim"
    code = main(
        [
            "--quiet",
            "simulate-pk",
            "--model",
            "2cmt-oral",
            "--param",
            "cl=5 L/h",
            "--param",
            "v1=20 L",
            "--param",
            "q=3 L/h",
            "--param",
            "v2=50 L",
            "--param",
            "ka=1 1/h",
            "--param",
            "f=0.5",
            "--regimen",
            "15 mg/kg PO BID x 2 days",
            "--hours",
            "48",
            "--n-subjects",
            "20",
            "--cv",
            "cl=0.3",
            "--weight",
            "70",
            "--seed",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    conc = pd.read_csv(out / "pk_conc.csv")
    assert conc.columns.tolist() == ["subject", "time", "conc", "unit"]
    assert len(conc) == 20 * 49 and set(conc["unit"]) == {"ng/mL"}
    params = pd.read_csv(out / "pk_params.csv")
    assert len(params) == 20 and params["weight"].eq(70).all()
    reg = pd.read_csv(out / "pk_regimen.csv")
    assert reg["time"].tolist() == [0.0, 12.0, 24.0, 36.0]
    assert (out / "pk_summary.csv").exists()


def test_simulate_pk_without_weight_is_rejected(tmp_path, capsys):
    code = main(
        [
            "simulate-pk",
            "--model",
            "1cmt-oral",
            "--param",
            "cl=1",
            "--param",
            "v=10",
            "--param",
            "ka=1",
            "--regimen",
            "10 mg/kg PO single",
            "--hours",
            "24",
            "--out",
            str(tmp_path / "x"),
        ]
    )
    assert code == 3
    assert "body weight" in capsys.readouterr().err


def test_bad_regimen_and_bad_option(tmp_path, capsys):
    code = main(
        [
            "simulate-pk",
            "--model",
            "1cmt",
            "--param",
            "cl=1",
            "--param",
            "v=10",
            "--regimen",
            "10 mg IV QX x 3",
            "--hours",
            "24",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 3 and "^^" in capsys.readouterr().err
    assert (
        main(
            ["simulate-pk", "--model", "4cmt", "--param", "cl=1", "--regimen", "x", "--hours", "1"]
        )
        == 2
    )


def test_fit_writes_parameters_and_predictions(tmp_path):
    from kinetor.pk import OneCompartmentOral, simulate

    t = np.array([0.25, 0.5, 1, 2, 4, 6, 8, 12, 24])
    rows = []
    for s, cl in (("A", 0.5), ("B", 0.7)):
        sim = simulate(
            OneCompartmentOral(cl=cl, v=2.0, ka=1.5),
            "10 mg/kg PO single",
            t,
            weight=1.0,
            residual={"prop": 0.05},
            seed=3,
        )
        rows.append(
            pd.DataFrame(
                {"subject": s, "time": t, "conc": sim.conc[0], "dose": 10.0, "route": "PO"}
            )
        )
    path = tmp_path / "study.csv"
    pd.concat(rows).to_csv(path, index=False)
    out = tmp_path / "fit"
    code = main(
        [
            "--quiet",
            "fit",
            str(path),
            "--model",
            "1cmt-oral",
            "--time-unit",
            "h",
            "--conc-unit",
            "ng/mL",
            "--dose-unit",
            "mg/kg",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    p = pd.read_csv(out / "pk_fit_parameters.csv")
    cl = p[p["parameter"] == "cl"].set_index("subject")["estimate"]
    assert abs(cl["A"] / 0.5 - 1) < 0.1 and abs(cl["B"] / 0.7 - 1) < 0.1
    assert set(p.loc[p["parameter"] == "cl", "unit"]) == {"L/h/kg"}
    pred = pd.read_csv(out / "pk_fit_predictions.csv")
    assert {"subject", "time", "dv", "pred", "ipred", "res", "wres"} <= set(pred.columns)
    assert len(pred) == 18
    assert (out / "pk_fit_stats.csv").exists()
