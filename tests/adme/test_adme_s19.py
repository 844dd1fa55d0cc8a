"""Dialysis plasma chamber volumes and recovery per replicate; excretion tables that say
their unit; conc and volume units read from the file's unit columns. Expected values are
computed by hand in the comments."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from kinetor.adme import binding_table, cumulative_excretion
from kinetor.adme.excretion import _MATRIX
from kinetor.cli.main import main
from kinetor.errors import DataError, UnitError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "adme.md"

# replicate 2 gives c0, v_buffer and v_plasma but neither plasma chamber volume
DIALYSIS = """compound,species,replicate,c_buffer,c_plasma,v_plasma_initial,v_plasma_final,c0,v_buffer,v_plasma
B,human,1,20,400,0.2,0.25,1000,0.35,0.25
B,human,2,30,800,,,1000,0.35,0.20
"""


def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


# ------------------------------------------------------------------ binding
def test_recovery_of_a_row_without_chamber_volumes_uses_its_v_plasma():
    rep, summ = binding_table(_frame(DIALYSIS), file="dial.csv")
    # replicate 1: 100 (20 x 0.35 + 400 x 0.25) / (1000 x 0.2) = 100 x 107 / 200 = 53.5
    # replicate 2: 100 (30 x 0.35 + 800 x 0.20) / (1000 x 0.20) = 100 x 170.5 / 200 = 85.25
    assert rep["recovery_pct"].tolist() == pytest.approx([53.5, 85.25])
    assert summ["recovery_pct_mean"].iloc[0] == pytest.approx((53.5 + 85.25) / 2)
    assert int(summ["recovery_n"].iloc[0]) == 2
    # the shift of replicate 1 is kept: fu_app 0.05, D 1.25: 0.8 / (19 + 0.8)
    # replicate 2 has none: 30 / 800
    assert rep["fu"].tolist() == pytest.approx([0.8 / 19.8, 0.0375])


def test_recovery_n_counts_the_replicates_with_a_recovery():
    text = DIALYSIS + "B,human,3,25,500,,,,0.35,0.20\n"  # no c0: no recovery
    rep, summ = binding_table(_frame(text), file="dial.csv")
    assert rep["recovery_pct"].isna().tolist() == [False, False, True]
    assert int(summ["n"].iloc[0]) == 3
    assert int(summ["recovery_n"].iloc[0]) == 2
    assert summ["recovery_pct_mean"].iloc[0] == pytest.approx((53.5 + 85.25) / 2)


@pytest.mark.parametrize(
    ("cells", "empty_column"),
    [("0.2,", "v_plasma_final"), (",0.25", "v_plasma_initial")],
)
def test_one_plasma_chamber_volume_without_the_other_is_refused(cells, empty_column):
    text = DIALYSIS + f"B,human,3,30,800,{cells},1000,0.35,\n"  # v_plasma left empty
    with pytest.raises(DataError) as err:
        binding_table(_frame(text), file="dial.csv")
    (p,) = err.value.problems
    assert (p.file, p.row, p.column) == ("dial.csv", 4, empty_column)
    assert "leave both" in p.fix


def test_a_single_plasma_chamber_volume_column_is_refused():
    d = _frame(DIALYSIS).drop(columns="v_plasma_initial")
    with pytest.raises(DataError) as err:
        binding_table(d, file="dial.csv")
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "v_plasma_initial")]


def test_binding_cli_summary_has_recovery_n(tmp_path):
    path = tmp_path / "dial.csv"
    path.write_text(DIALYSIS)
    assert main(["adme", "binding", str(path), "--out", str(tmp_path / "o")]) == 0
    summ = pd.read_csv(tmp_path / "o" / "binding_summary.csv")
    assert summ["recovery_n"].tolist() == [2]
    assert summ["recovery_pct_mean"].iloc[0] == pytest.approx(69.375)


# ------------------------------------------------------------------ excretion
EXC = """subject,matrix,start,end,amount
R1,urine,0,24,0.02
R1,feces,0,48,0.85
"""


def test_excretion_tables_carry_the_amount_unit(tmp_path):
    path = tmp_path / "exc.csv"
    path.write_text(EXC)
    args = ["adme", "excretion", str(path), "--dose", "1 mg", "--amount-unit", "mg"]
    assert main([*args, "--out", str(tmp_path / "o"), "--no-plot"]) == 0
    intervals = pd.read_csv(tmp_path / "o" / "excretion_intervals.csv")
    recovery = pd.read_csv(tmp_path / "o" / "excretion_recovery.csv")
    assert intervals["amount_unit"].tolist() == ["mg", "mg"]
    assert recovery["amount_unit"].tolist() == ["mg", "mg", "mg"]
    # 0.02 + 0.85 mg of a 1 mg dose: 87 % in all
    assert recovery.set_index("matrix")["pct_dose"]["TOTAL"] == pytest.approx(87.0)


def test_docs_name_the_matrices_as_the_tables_write_them():
    text = DOCS.read_text(encoding="utf-8")
    for name in set(_MATRIX.values()):
        assert f"`{name}`" in text, name


CV = """subject,matrix,start,end,conc,conc_unit,volume,volume_unit
R1,urine,0,24,10,ug/mL,5,mL
R1,urine,24,48,4,ug/mL,2.5,mL
"""


def test_conc_and_volume_units_from_the_file_columns(tmp_path):
    res = cumulative_excretion(_frame(CV), dose=1.0, dose_unit="mg", amount_unit="ug")
    # 10 ug/mL x 5 mL = 50 ug, 4 ug/mL x 2.5 mL = 10 ug; dose 1 mg = 1000 ug
    assert res.intervals["amount"].tolist() == pytest.approx([50.0, 10.0])
    assert res.intervals["cum_pct_dose"].tolist() == pytest.approx([5.0, 6.0])
    path = tmp_path / "cv.csv"
    path.write_text(CV)
    args = ["adme", "excretion", str(path), "--dose", "1 mg", "--amount-unit", "ug"]
    assert main([*args, "--out", str(tmp_path / "o"), "--no-plot"]) == 0
    # an agreeing option spelt otherwise is accepted
    same = cumulative_excretion(
        _frame(CV), dose=1.0, dose_unit="mg", amount_unit="ug", conc_unit="microgram/mL"
    )
    assert same.intervals["amount"].tolist() == pytest.approx([50.0, 10.0])


def test_a_conc_unit_option_against_the_column_is_refused():
    with pytest.raises(DataError) as err:
        cumulative_excretion(
            _frame(CV), dose=1.0, dose_unit="mg", amount_unit="ug", conc_unit="ng/mL"
        )
    (p,) = err.value.problems
    assert p.column == "conc_unit" and "--conc-unit" in p.message


def test_several_units_in_a_unit_column_name_the_rows():
    text = CV + "R1,faeces,0,48,3,ug/mL,1,L\n"
    with pytest.raises(DataError) as err:
        cumulative_excretion(
            _frame(text), dose=1.0, dose_unit="mg", amount_unit="ug", file="cv.csv"
        )
    (p,) = err.value.problems
    assert (p.file, p.row, p.column) == ("cv.csv", 4, "volume_unit")
    assert "'mL' (2 rows: 2, 3)" in p.message and "'L' (1 row: 4)" in p.message


def test_conc_times_volume_that_is_no_amount_is_a_unit_error():
    text = CV.replace(",mL\n", ",h\n")
    with pytest.raises(UnitError, match="not an amount"):
        cumulative_excretion(_frame(text), dose=1.0, dose_unit="mg", amount_unit="ug")
