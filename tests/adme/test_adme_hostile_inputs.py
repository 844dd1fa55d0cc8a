"""Hostile inputs to ``kinetor adme`` and its functions: refused with file, row, column and
fix (exit 3) or as usage errors (exit 2); nothing silently overridden or left unflagged."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from kinetor.adme import binding_table, cumulative_excretion, metabolite_ratios
from kinetor.cli.main import main
from kinetor.errors import DataError, UnitError

EX = Path(__file__).resolve().parents[2] / "examples" / "adme"
RATIOS = EX / "vistusertib_rat_metabolite_auc.csv"

EXC = """subject,matrix,start,end,amount,amount_unit
A,urine,0,24,1,mg
A,urine,24,48,0.5,mg
A,feces,0,24,3,mg
A,feces,24,48,2,mg
B,urine,0,24,2,mg
B,feces,0,24,4,mg
"""

DIALYSIS = """compound,species,replicate,c_buffer,c_plasma
X,human,1,950,905
X,human,2,47.2,918
X,human,3,45.8,931
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _exc() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(EXC), dtype=str)


# ------------------------------------------------------------------ excretion
def test_amount_unit_option_conflicting_with_the_file_is_refused(tmp_path, capsys):
    with pytest.raises(DataError) as err:
        cumulative_excretion(_exc(), dose=10.0, dose_unit="mg", amount_unit="ng")
    assert err.value.problems[0].column == "amount_unit"
    path = _write(tmp_path, "exc.csv", EXC)
    args = ["adme", "excretion", str(path), "--dose", "10 mg", "--out", str(tmp_path / "o")]
    assert main([*args, "--amount-unit", "ng"]) == 3
    assert "--amount-unit" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_dose_given_against_the_file_dose_column_is_refused():
    df = _exc().assign(dose="10")
    df.loc[4:, "dose"] = "12"  # subject B got 12 mg
    with pytest.raises(DataError) as err:
        cumulative_excretion(df, dose=10.0, dose_unit="mg")
    probs = err.value.problems
    assert [p.row for p in probs] == [6, 7] and {p.column for p in probs} == {"dose"}
    assert "differs from the dose given (10)" in probs[0].message
    # the file alone, or an agreeing --dose, give the same recovery: B 2 + 4 mg of 12 = 50 %
    for given in (None, 10.0):
        d = df if given is None else df.assign(dose="10")
        res = cumulative_excretion(d, dose=given, dose_unit="mg")
        rec = res.recovery.set_index(["subject", "matrix"])["pct_dose"]
        assert rec[("B", "TOTAL")] == pytest.approx(50.0 if given is None else 60.0)


def test_amount_unit_from_the_file_or_an_agreeing_option():
    # subject A: 1 + 0.5 mg urine and 3 + 2 mg faeces of a 10 mg dose -> 15 % and 50 %
    for given in (None, "mg", "milligram"):
        res = cumulative_excretion(_exc(), dose=10.0, dose_unit="mg", amount_unit=given)
        rec = res.recovery.set_index(["subject", "matrix"])["pct_dose"]
        assert rec[("A", "URINE")] == pytest.approx(15.0)
        assert rec[("A", "FAECES")] == pytest.approx(50.0)
        assert rec[("A", "TOTAL")] == pytest.approx(65.0)


def test_non_positive_dose_is_one_message_naming_dose(tmp_path, capsys):
    with pytest.raises(DataError) as err:
        cumulative_excretion(_exc(), dose=-10.0, dose_unit="mg")
    assert len(err.value.problems) == 1 and "--dose" in err.value.problems[0].fix
    path = _write(tmp_path, "exc.csv", EXC)
    assert main(["adme", "excretion", str(path), "--dose", "-10 mg"]) == 2
    err_text = capsys.readouterr().err
    assert "--dose" in err_text and err_text.count("not > 0") <= 1


def test_missing_units_name_the_cli_options():
    with pytest.raises(UnitError, match="--dose") as err:
        cumulative_excretion(_exc())
    assert "dose_unit=" in str(err.value) and "amount_unit='ug'" not in str(err.value)
    with pytest.raises(UnitError, match="--amount-unit"):
        cumulative_excretion(_exc().drop(columns="amount_unit"), dose=1.0, dose_unit="mg")


# ------------------------------------------------------------------ binding
def test_fu_above_one_is_flagged(tmp_path, capsys):
    rep, summary = binding_table(pd.read_csv(io.StringIO(DIALYSIS)))
    assert rep["fu"].iloc[0] == pytest.approx(950 / 905)  # kept as measured
    assert rep["pct_bound"].iloc[0] == pytest.approx(100 * (1 - 950 / 905))
    assert rep["flag"].iloc[0].startswith("fu > 1")
    assert (rep["flag"].iloc[1:] == "").all()
    assert summary["flag"].iloc[0] == "1 of 3 replicate(s) with fu > 1 (not physical)"
    path = _write(tmp_path, "d.csv", DIALYSIS)
    assert main(["adme", "binding", str(path), "--out", str(tmp_path / "o")]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "warning" in err and "fu > 1" in err and "row(s) 2" in err
    assert "flag" in pd.read_csv(tmp_path / "o" / "binding_replicates.csv").columns


def test_binding_without_rows_is_a_data_error():
    with pytest.raises(DataError, match="no data rows"):
        binding_table(pd.DataFrame(columns=["c_buffer", "c_plasma"]))


@pytest.mark.parametrize(
    ("command", "text", "message"),
    [
        (["binding"], "", "empty file: no header and no rows"),
        (["excretion", "--dose", "10 mg"], "", "empty file: no header and no rows"),
        (["binding"], "compound,c_buffer,c_plasma\n", "no data rows"),
        (["excretion", "--dose", "10 mg"], "subject,matrix,start,end,amount\n", "no data rows"),
    ],
)
def test_empty_and_header_only_files(tmp_path, capsys, command, text, message):
    path = _write(tmp_path, "f.csv", text)
    out = tmp_path / "o"
    assert main(["adme", command[0], str(path), *command[1:], "--out", str(out)]) == 3
    assert message in capsys.readouterr().err
    assert not out.exists()


# ------------------------------------------------------------------ ratios
@pytest.mark.parametrize(
    ("mw", "text"),
    [
        ("vistusertib=-5", "> 0"),
        ("vistusertib=0", "> 0"),
        ("foo=400", "analytes present: N-hydroxymethyl, desmethyl, vistusertib"),
    ],
)
def test_ratios_bad_mw_is_usage_error(tmp_path, capsys, mw, text):
    out = tmp_path / "o"
    args = ["adme", "ratios", str(RATIOS), "--parent", "vistusertib", "--mw", mw]
    assert main([*args, "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--mw" in err and text in err
    assert not out.exists()


def test_metabolite_ratios_checks_mw():
    params = pd.read_csv(RATIOS)
    with pytest.raises(DataError, match="not > 0"):
        metabolite_ratios(params, "vistusertib", mw={"vistusertib": -5.0, "desmethyl": 448.53})
    with pytest.raises(DataError, match="analytes present"):
        metabolite_ratios(params, "vistusertib", mw={"foo": 400.0})
