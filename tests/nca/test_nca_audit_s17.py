"""NCA audit fixes: intervals that do not start at a dose, half-LLOQ rules without an
LLOQ, the vehicle-dose docs, the bolus C0 of a profile starting at 0, every bad row of an
intervals file, "NC" for a geometric mean of a value <= 0, and a lambda_z range with too
few samples. Expected values by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kinetor as kt
from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.nca import _kernels as K
from kinetor.nca.summary import summarise, summary_table

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}
T_PO = [0.5, 1, 2, 4, 8, 12]
C_PO = [5.0, 10, 8, 4, 2, 1]


def _oral(tmp_path=None):
    df = pd.DataFrame({"subject": "A", "time": T_PO, "conc": C_PO, "dose": 10, "route": "PO"})
    if tmp_path is None:
        return kt.read_study(df, units=UNITS)
    path = tmp_path / "oral.csv"
    df.to_csv(path, index=False)
    return path


def _values(res):
    p = res.parameters
    return {
        (float(s), str(c)): float(v) for s, c, v in zip(p.start, p.PPTESTCD, p.value, strict=True)
    }


# AUC from 5 h to 12 h of the oral profile, Phoenix partial-area rule (lin-up/log-down):
# 5 h lies between 4 h (4) and 8 h (2), a falling segment: log interpolation,
# C(5) = 4 * (2/4)^((5-4)/(8-4)) = 4 * 2^-0.25 = 3.3635857;
# log trapezoids: 5-8 h 3 * (3.3635857 - 2) / ln(3.3635857/2) = 7.8689533,
#                 8-12 h 4 * (2 - 1) / ln 2 = 5.7707801; sum 13.6397334
C5 = 4 * 2**-0.25
AUC_5_12 = 3 * (C5 - 2) / math.log(C5 / 2) + 4 * (2 - 1) / math.log(2)


def test_hand_value_of_the_partial_area():
    assert AUC_5_12 == pytest.approx(13.6397334, abs=1e-6)


def test_interval_without_kind_off_the_dose_is_a_partial_area():
    res = kt.nca(_oral(), intervals=pd.DataFrame({"start": [0.0, 5.0], "end": [12.0, 12.0]}))
    v = _values(res)
    assert v[(5.0, "AUCINT")] == pytest.approx(AUC_5_12, rel=1e-9)
    # no dosing-interval parameters made from a C = 0 inserted at 5 h
    assert not any(s == 5.0 and c in ("AUCTAU", "CMAX", "CLFTAU") for s, c in v)
    # 0-12 h starts at the dose: still a dosing interval (AUCTAU present)
    assert (0.0, "AUCTAU") in v
    notes = [n for n in res.provenance["notes"] if "5-12 h" in n]
    assert len(notes) == 1 and "subject A" in notes[0] and "partial area" in notes[0]


def test_cli_interval_without_kind_off_the_dose(tmp_path, capsys):
    args = ["--json", "nca", str(_oral(tmp_path)), "--time-unit", "h", "--conc-unit",
            "ng/mL", "--dose-unit", "mg", "--no-report", "--interval", "5-12",
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    (got,) = out["parameters"]  # one profile, wide: one column per parameter
    assert got["AUCINT"] == pytest.approx(AUC_5_12, rel=1e-9)
    assert "AUCTAU" not in got and "CLFTAU" not in got


@pytest.mark.parametrize(("kind", "end"), [("tau", 12.0), ("single", np.inf)])
def test_explicit_dose_kind_off_the_dose_is_nan_with_the_reason(kind, end):
    iv = pd.DataFrame({"start": [5.0], "end": [end], "kind": [kind]})
    res = kt.nca(_oral(), intervals=iv)
    p = res.parameters
    assert len(p) and p["value"].isna().all()  # never a value from an inserted 0
    why = set(p["exclude"].astype(str))
    assert why == {"no dose at the interval start (5 h): use :partial (kind 'partial')"}
    (note,) = res.provenance["notes"]
    assert f"(kind '{kind}')" in note and "subject A" in note and ":partial" in note


def _blq_csv(tmp_path, lloq=None):
    conc = ["BLQ", 5, 10, 8, "BLQ", 3, 1.5, "BLQ", "BLQ"]
    df = pd.DataFrame(
        {
            "Subject": "A",
            "Time (h)": [0.25, 0.5, 1, 2, 4, 6, 8, 12, 24],
            "Conc (ng/mL)": conc,
            "Dose (mg)": 10,
            "Route": "PO",
        }
    )
    if lloq is not None:
        df["LLOQ (ng/mL)"] = lloq
    path = tmp_path / "blq.csv"
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("rule", "rows"), [("half-lloq", [2, 6, 9, 10]), ("half-lloq-first-zero", [6, 9, 10])]
)
def test_half_lloq_rule_without_an_lloq_names_the_rows(tmp_path, rule, rows):
    st = kt.read_study(_blq_csv(tmp_path))
    with pytest.raises(DataError) as err:
        kt.nca(st, blq_rule=rule)
    probs = err.value.problems
    # file rows (header = row 1): 0.25 h is row 2, 4 h row 6, 12 h row 9, 24 h row 10;
    # under half-lloq-first-zero the leading BLQ sample is 0 and needs no LLOQ
    assert [p.row for p in probs] == rows
    assert all(p.file == "blq.csv" and p.column == "conc" for p in probs)
    assert "--lloq" in probs[0].fix and "--blq-rule" in probs[0].fix


def test_half_lloq_rule_with_an_lloq_uses_every_sample(tmp_path):
    st = kt.read_study(_blq_csv(tmp_path, lloq=0.5))
    w = kt.nca(st, blq_rule="half-lloq").to_wide().iloc[0]
    assert w.NCONC == 9 and w.TLST == 24  # LLOQ/2 = 0.25 at 24 h, > 0: the last sample


def test_docs_say_the_reader_refuses_a_dose_of_0():
    df = pd.DataFrame({"subject": "a", "time": [1.0, 2], "conc": [4.0, 3], "dose": 0,
                       "route": "PO"})  # fmt: skip
    with pytest.raises(DataError, match="dose must be > 0"):
        kt.read_study(df, units=UNITS)
    docs = (Path(__file__).parents[2] / "docs" / "nca.md").read_text(encoding="utf-8")
    assert "A dose of 0 is refused by" in docs
    assert '(a dose of 0,\n  a vehicle: CL and V NaN, "dose is 0")' not in docs


# IV bolus, first sample 0 (BLQ as 0), then 20 falling by half: Phoenix's C0 rule gives
# the first observed concentration > 0 (no back-extrapolation through a 0): C0 = 20.
# AUClast, lin-up/log-down: 0-0.5 h linear (a 0 end) 0.5 * (20 + 0)/2 = 5; 0.5-1 h linear
# up 0.5 * (0 + 20)/2 = 5; 1-2, 2-4, 4-8 h log down, each 10/ln 2 = 14.4269504;
# 8-12 h 4 * (2.5 - 1.25)/ln 2 = 7.2134752; sum 60.4943264
T_IV = [0.5, 1, 2, 4, 8, 12]
C_IV = [0.0, 20, 10, 5, 2.5, 1.25]
AUCLST_IV = 5 + 5 + 3 * 10 / math.log(2) + 4 * 1.25 / math.log(2)


def test_bolus_c0_with_a_first_sample_of_0():
    df = pd.DataFrame({"subject": "A", "time": T_IV, "conc": C_IV, "dose": 10, "route": "IV"})
    w = kt.nca(kt.read_study(df, units=UNITS), blq_rule="zero").to_wide().iloc[0]
    assert AUCLST_IV == pytest.approx(60.4943264, abs=1e-6)
    assert w.C0 == 20.0
    assert w.AUCLST == pytest.approx(AUCLST_IV, rel=1e-9)


def test_back_extrapolated_c0_kernel_first_positive():
    T = np.array([[1.0, 2, 4], [1.0, 2, 4], [1.0, 2, 4]])
    C = np.array([[0.0, 4, 2], [0.0, 0, 3], [0.0, 0, 0]])
    # first value 0: the first value > 0 (4, 3); nothing > 0: the first value (0)
    assert K.back_extrapolate_c0(T, C, np.array([3, 3, 3])).tolist() == [4.0, 3.0, 0.0]


def test_intervals_file_reports_every_bad_row(tmp_path, capsys):
    ivs = tmp_path / "ivs.csv"
    ivs.write_text("start,end,kind\n0,12,tau\n12,0,tau\nx,4,partial\n1,2,daily\n")
    args = ["nca", str(_oral(tmp_path)), "--time-unit", "h", "--conc-unit", "ng/mL",
            "--dose-unit", "mg", "--no-report", "--intervals", str(ivs),
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 3
    out = "".join(capsys.readouterr())
    assert "ivs.csv" in out
    assert "12-0" in out and "'x'" in out and "'daily'" in out


def test_intervals_table_reports_every_bad_row():
    iv = pd.DataFrame({"start": ["0", "12", "x", "1"], "end": [12.0, 0.0, 4.0, 2.0],
                       "kind": ["tau", "tau", "partial", "daily"]})  # fmt: skip
    with pytest.raises(DataError) as err:
        kt.nca(_oral(), intervals=iv)
    got = [(p.row, p.column) for p in err.value.problems]
    assert got == [(3, "end"), (4, "start"), (5, "kind")]


def test_summary_says_why_a_geometric_mean_is_nc():
    p = pd.DataFrame({"subject": ["A", "B", "C"] * 2, "group": "G",
                      "PPTESTCD": ["CMIN"] * 3 + ["CMAX"] * 3,
                      "value": [0.0, 1.0, 0.5, 10.0, 11.0, 9.0], "unit": "ng/mL",
                      "exclude": "", "flag": ""})  # fmt: skip
    s = summarise(p, by=["group"]).set_index("PPTESTCD")
    assert s.loc["CMIN", "n"] == 3 and s.loc["CMIN", "n_missing"] == 0
    assert s.loc["CMIN", "display"] == "NC (a value <= 0)"
    assert s.loc["CMIN", "median"] == 0.5  # the other statistics are still given
    # CMAX: exp(mean(ln 10, ln 11, ln 9)) = 990^(1/3) = 9.96655
    assert s.loc["CMAX", "display"].startswith("9.97")
    cells = summary_table(summarise(p, by=["group"]))["G"].tolist()
    assert "NC (a value <= 0)" in cells


def test_lambda_z_range_with_too_few_samples_is_noted():
    rng = pd.DataFrame({"subject": ["A"], "lower": [7.0], "upper": [13.0]})
    res = kt.nca(_oral(), lambda_z_range=rng)
    p = res.parameters.set_index("PPTESTCD")
    assert np.isnan(p.loc["LAMZ", "value"])
    notes = [n for n in res.provenance["notes"] if "lambda_z range" in n]
    # 7-13 h holds the samples at 8 and 12 h only
    assert len(notes) == 1
    assert "7-13 h" in notes[0] and "subject A" in notes[0] and "holds 2" in notes[0]
