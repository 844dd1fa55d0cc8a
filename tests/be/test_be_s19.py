"""Default metrics of ``be`` and ``dose-prop`` leave out design and covariate columns (one
list), with a note in ``dose-prop``; text such as ``NaN`` in a metric cell is refused by
both, not read as a missing value."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kinetor.be import be, dose_proportionality
from kinetor.cli.main import main
from kinetor.errors import DataError

BE_CSV = """subject,period,sequence,treatment,AUC,weight,age
1,1,TR,T,100,70,30
1,2,TR,R,110,70,30
2,1,RT,R,90,80,40
2,2,RT,T,95,80,40
3,1,TR,T,120,60,50
3,2,TR,R,115,60,50
4,1,RT,R,80,75,35
4,2,RT,T,85,75,35
"""


def _crossover_dp() -> str:
    """Four subjects, each given 1, 2, 4 and 8 mg in periods 1-4, AUC = 10 x dose^0.9 x
    subject factor, body weight per subject."""
    lines = ["subject,dose,AUC,period,weight"]
    for s, (f, w) in enumerate(((1.0, 70), (1.2, 82), (0.9, 65), (1.1, 90)), start=1):
        for p, d in enumerate((1, 2, 4, 8), start=1):
            lines.append(f"{s},{d},{10 * d**0.9 * f:.10g},{p},{w}")
    return "\n".join(lines) + "\n"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_dose_prop_leaves_out_period_and_weight_with_a_note(tmp_path):
    res = dose_proportionality(_write(tmp_path, "cxp.csv", _crossover_dp()))
    assert res.table["metric"].tolist() == ["AUC"]
    assert any("period, weight left out" in n for n in res.notes)
    # AUC = 10 f dose^0.9 exactly: the slope is 0.9 (log AUC = log 10 f + 0.9 log dose)
    assert res.table["slope"].iloc[0] == pytest.approx(0.9, abs=1e-9)
    # named with --metric, a covariate column is still analysed
    named = dose_proportionality(_write(tmp_path, "c2.csv", _crossover_dp()), ["AUC", "weight"])
    assert named.table["metric"].tolist() == ["AUC", "weight"]


def test_dose_prop_cli_prints_the_note(tmp_path, capsys):
    path = _write(tmp_path, "cxp.csv", _crossover_dp())
    assert main(["--json", "dose-prop", str(path), "--out", str(tmp_path / "o")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["metric"] for r in out["dose_proportionality"]] == ["AUC"]
    assert any("period, weight" in n for n in out["notes"])


def test_be_leaves_out_covariate_columns(tmp_path):
    res = be(_write(tmp_path, "w.csv", BE_CSV))
    assert res.table["metric"].tolist() == ["AUC"]
    assert any("weight, age left out of the metrics" in n for n in res.notes), res.notes
    # 2x2 crossover by hand: within-subject log(T/R): ln(100/110), ln(95/90), ln(120/115),
    # ln(85/80); the ratio is exp of the mean of the period-adjusted contrasts
    d = np.log([100 / 110, 95 / 90, 120 / 115, 85 / 80])
    tr, rt = d[[0, 2]], d[[1, 3]]  # sequences TR and RT
    assert res.table["ratio_pct"].iloc[0] == pytest.approx(
        100 * np.exp((tr.mean() + rt.mean()) / 2), rel=1e-9
    )


NAN_CSV = BE_CSV.replace("3,2,TR,R,115,", "3,2,TR,R,NaN,")


@pytest.mark.parametrize("cell", ["NaN", "NA", "null"])
def test_be_refuses_text_for_a_missing_metric(tmp_path, cell):
    path = _write(tmp_path, "nan.csv", BE_CSV.replace("3,2,TR,R,115,", f"3,2,TR,R,{cell},"))
    with pytest.raises(DataError) as err:
        be(path, ["AUC"])
    (p,) = err.value.problems
    assert (p.row, p.column) == (7, "AUC") and p.file.endswith("nan.csv")
    assert "leave the cell empty" in p.fix


def test_be_cli_refuses_nan_text(tmp_path, capsys):
    path = _write(tmp_path, "nan.csv", NAN_CSV)
    assert main(["be", str(path), "--out", str(tmp_path / "o")]) == 3
    assert "NaN" in capsys.readouterr().err
    assert not (tmp_path / "o" / "be.csv").exists()


def test_an_empty_metric_cell_is_still_missing(tmp_path):
    path = _write(tmp_path, "e.csv", BE_CSV.replace("3,2,TR,R,115,", "3,2,TR,R,,"))
    res = be(path, ["AUC"])
    assert any("1 row(s) without a value left out" in n for n in res.notes)


def test_dose_prop_refuses_nan_text_as_be_does(tmp_path):
    text = _crossover_dp().splitlines()
    text[3] = text[3].replace(text[3].split(",")[2], "NaN")  # subject 1, dose 4
    path = _write(tmp_path, "dpn.csv", "\n".join(text) + "\n")
    with pytest.raises(DataError) as err:
        dose_proportionality(path, ["AUC"])
    (p,) = err.value.problems
    assert (p.row, p.column) == (4, "AUC") and "leave the cell empty" in p.fix
    # the same cell in a DataFrame is refused the same way
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    with pytest.raises(DataError) as err:
        dose_proportionality(frame, ["AUC"])
    assert err.value.problems[0].column == "AUC"


def test_na_text_in_a_design_column_is_refused(tmp_path):
    path = _write(tmp_path, "s.csv", BE_CSV.replace("4,1,RT,R,80", "NA,1,RT,R,80"))
    with pytest.raises(DataError) as err:
        be(path, ["AUC"])
    (p,) = err.value.problems
    assert (p.row, p.column) == (8, "subject")
