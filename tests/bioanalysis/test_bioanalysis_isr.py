"""Incurred sample reanalysis (ICH M10 section 5): every expected value by hand."""

import json
from pathlib import Path

import pandas as pd
import pytest

from kinetor.bioanalysis import isr, read_isr, required_repeats
from kinetor.cli.main import main
from kinetor.errors import DataError, KinetorError

RUN = Path(__file__).resolve().parents[2] / "examples" / "bioanalysis" / "run_rat_plasma.csv"


def _table(pairs, **extra):
    return pd.DataFrame(
        {
            "sample_id": [f"S{i}" for i in range(len(pairs))],
            "original": [p[0] for p in pairs],
            "repeat": [p[1] for p in pairs],
            **extra,
        }
    )


def test_percent_difference_from_the_mean_of_the_two():
    # (110 - 100) / 105 = 9.5238 %; (110 - 90) / 100 = 20 % (passes: inclusive);
    # (80 - 50) / 65 = 46.1538 %; (50 - 80) / 65 = -46.1538 %
    res = isr(_table([(100, 110), (90, 110), (50, 80), (80, 50)]))
    s = res.samples
    assert s["mean"].tolist() == [105.0, 100.0, 65.0, 65.0]
    assert s["diff_pct"].tolist() == pytest.approx(
        [1000 / 105, 20.0, 3000 / 65, -3000 / 65], rel=1e-12
    )
    assert s["pass"].tolist() == [True, True, False, False]
    assert s["source_row"].tolist() == [2, 3, 4, 5]
    assert not res.passed  # 2 of 4 < 2/3


def test_exactly_the_limit_passes_despite_rounding():
    # 1 and 11/9: mean 10/9, difference 2/9 -> 20 % (float 20.000000000000004 or so)
    res = isr(_table([(1.0, 11 / 9), (1.0, 1.2223)]))
    assert res.samples["diff_pct"].iloc[0] == pytest.approx(20.0, rel=1e-12)
    assert res.samples["pass"].tolist() == [True, False]


def test_ligand_binding_limit_is_30_percent():
    # 85 and 115: mean 100, difference 30 -> 30 %
    pairs = [(85.0, 115.0)]
    assert isr(_table(pairs), method="ligand-binding").samples["pass"].tolist() == [True]
    assert isr(_table(pairs), method="chromatographic").samples["pass"].tolist() == [False]
    summary = isr(_table(pairs), method="ligand-binding").summary.iloc[0]
    assert summary["limit_pct"] == 30.0 and summary["method"] == "ligand-binding"


@pytest.mark.parametrize(("n_pass", "passed"), [(20, True), (19, False)])
def test_two_thirds_boundary(n_pass, passed):
    # repeat = original passes (0 %); repeat = 2 x original fails (100 / 1.5 = 66.7 %)
    pairs = [(10.0, 10.0)] * n_pass + [(10.0, 20.0)] * (30 - n_pass)
    res = isr(_table(pairs))
    s = res.summary.iloc[0]
    assert (s["n_repeats"], s["n_pass"]) == (30, n_pass)
    assert res.passed is passed and bool(s["passed"]) is passed


@pytest.mark.parametrize(
    ("n_study", "expected"),
    # 10 % of the first 1000 + 5 % of the rest, rounded up
    [(1, 1), (45, 5), (300, 30), (310, 31), (1000, 100), (1001, 101), (1500, 125), (3000, 200)],
)
def test_required_repeats(n_study, expected):
    assert required_repeats(n_study) == expected


def test_enough_repeats_for_the_study():
    pairs = [(10.0, 10.0)] * 30
    s = isr(_table(pairs), n_study=300).summary.iloc[0]
    assert (s["n_required"], bool(s["enough_repeats"])) == (30, True)
    s = isr(_table(pairs), n_study=310).summary.iloc[0]
    assert (s["n_required"], bool(s["enough_repeats"])) == (31, False)
    assert pd.isna(isr(_table(pairs)).summary.iloc[0]["n_required"])


@pytest.mark.parametrize("bad", [0, -5, 2.5, True])
def test_bad_study_count_is_refused(bad):
    with pytest.raises(KinetorError, match="n_study"):
        isr(_table([(1.0, 1.0)]), n_study=bad)


def test_fewer_study_samples_than_repeats_and_unknown_method_are_refused():
    with pytest.raises(KinetorError, match="fewer study samples than the 2 repeats"):
        isr(_table([(1.0, 1.0), (2.0, 2.0)]), n_study=1)
    with pytest.raises(KinetorError, match="chromatographic, ligand-binding"):
        isr(_table([(1.0, 1.0)]), method="lba")


def test_bad_cells_are_one_data_error_with_row_column_and_fix(tmp_path):
    path = tmp_path / "isr.csv"
    path.write_text(
        "sample_id,original,repeat\n"
        "A,10,11\n"  # row 2: fine
        "B,0,5\n"  # row 3: zero original
        "C,-1,5\n"  # row 4: negative
        "A,10,12\n"  # row 5: duplicated id
        "D,<LLOQ,5\n"  # row 6: text
        "E,5,\n"  # row 7: missing repeat
        ",5,5\n"  # row 8: empty id
        "F,5,inf\n"  # row 9: not finite
    )
    with pytest.raises(DataError) as exc:
        read_isr(path)
    got = {(p.row, p.column): p for p in exc.value.problems}
    assert set(got) == {
        (3, "original"),
        (4, "original"),
        (5, "sample_id"),
        (6, "original"),
        (7, "repeat"),
        (8, "sample_id"),
        (9, "repeat"),
    }
    assert all(p.file == "isr.csv" and p.fix for p in exc.value.problems)
    assert "0" in got[(3, "original")].message and "negative" in got[(4, "original")].message
    assert "first on row 2" in got[(5, "sample_id")].message


def test_missing_columns_empty_file_and_no_rows(tmp_path):
    with pytest.raises(DataError, match="no 'repeat' column"):
        read_isr(pd.DataFrame({"sample_id": ["A"], "original": [1.0]}))
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty file"):
        read_isr(empty)
    empty.write_text("sample_id,original,repeat\n")
    with pytest.raises(DataError, match="no data rows"):
        read_isr(empty)
    with pytest.raises(DataError, match="no such ISR file"):
        read_isr(tmp_path / "absent.csv")


def test_aliases_and_header_units():
    t = pd.DataFrame(
        {
            "Sample Name": ["A", "B"],
            "Original Concentration (ng/mL)": [100.0, 90.0],
            "Repeat Concentration (ng/ml)": [110.0, 110.0],
        }
    )
    res = isr(t)
    assert res.samples["unit"].tolist() == ["ng/mL", "ng/mL"]
    assert res.samples["sample_id"].tolist() == ["A", "B"]


@pytest.mark.parametrize(
    ("columns", "row", "column", "text"),
    [
        ({"Original (ng/mL)": [1.0], "Repeat (nM)": [1.0]}, 1, "Repeat (nM)", "differ"),
        ({"Original (ng/mL)": [1.0], "repeat": [1.0]}, 1, "repeat", "no unit"),
        (
            {"original": [1.0], "repeat": [1.0], "original_unit": ["ng/mL"], "repeat_unit": ["nM"]},
            2,
            "repeat_unit",
            "differ",
        ),
        (
            {"original": [1.0], "repeat": [1.0], "original_unit": ["nM"]},
            2,
            "repeat_unit",
            "no unit",
        ),
        ({"original": [1.0], "repeat": [1.0], "conc_unit": ["mg"]}, 2, "conc_unit", "not a conc"),
    ],
)
def test_units_are_checked_equal_never_converted(columns, row, column, text):
    with pytest.raises(DataError) as exc:
        read_isr(pd.DataFrame({"sample_id": ["A"], **columns}))
    (p,) = exc.value.problems
    assert (p.row, p.column) == (row, column) and text in p.message and p.fix


def test_a_conc_unit_column_serves_both_values():
    res = isr(_table([(1.0, 1.1), (2.0, 2.0)], conc_unit=["nM", "ng/mL"]))
    assert res.samples["unit"].tolist() == ["nM", "ng/mL"]


def _write(tmp_path):
    path = tmp_path / "isr.csv"
    path.write_text("sample_id,original,repeat,conc_unit\nA,100,110,ng/mL\nB,90,110,ng/mL\n")
    return path


def test_cli_writes_tables_and_report(tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        main(["bioanalysis", "isr", str(_write(tmp_path)), "--n-study", "20", "--out", str(out)])
        == 0
    )
    for name in ("isr.csv", "isr_summary.csv", "report.html"):
        assert (out / name).exists(), name
    assert pd.read_csv(out / "isr.csv")["pass"].tolist() == [True, True]
    text = capsys.readouterr().out
    assert "ISR PASSED" in text and "2 repeats required for 20 study samples" in text


def test_cli_json(tmp_path, capsys):
    code = main(
        ["--json", "bioanalysis", "isr", str(_write(tmp_path)), "--out", str(tmp_path / "o")]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["passed"] is True and payload["summary"][0]["n_pass"] == 2


@pytest.mark.parametrize(
    "extra", [["--method", "lba"], ["--n-study", "0"], ["--n-study", "1"], ["--n-study", "x"]]
)
def test_cli_bad_options_are_usage_errors_before_writing(tmp_path, extra):
    out = tmp_path / "out"
    assert main(["bioanalysis", "isr", str(_write(tmp_path)), *extra, "--out", str(out)]) == 2
    assert not out.exists()


def test_cli_bad_table_exit_3(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("sample_id,original,repeat\nA,0,5\n")
    assert main(["bioanalysis", "isr", str(bad), "--out", str(tmp_path / "o")]) == 3
    assert "original concentration 0" in capsys.readouterr().err


def test_run_is_still_the_default_and_has_its_own_name(tmp_path):
    assert (
        main(["--quiet", "bioanalysis", str(RUN), "--no-plot", "--out", str(tmp_path / "a")]) == 0
    )
    assert (
        main(["--quiet", "bioanalysis", "run", str(RUN), "--no-plot", "--out", str(tmp_path / "b")])
        == 0
    )
    assert (tmp_path / "a" / "concentrations.csv").read_text() == (
        tmp_path / "b" / "concentrations.csv"
    ).read_text()


def test_isr_reads_a_chosen_sheet_of_a_workbook(tmp_path, capsys):
    # a workbook whose first sheet is a cover page (the ISR table on its second)
    path = tmp_path / "isr.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"study": ["rat PK"]}).to_excel(xl, sheet_name="Info", index=False)
        table = _table([(100, 110), (90, 110), (50, 80)], conc_unit="ng/mL")
        table.to_excel(xl, sheet_name="ISR", index=False)
    with pytest.raises(DataError) as info:
        read_isr(path)
    first = info.value.problems[0]
    assert "(sheet 'Info' read; the workbook's sheets: Info, ISR)" in first.message
    assert "--sheet" in first.fix
    assert read_isr(path, sheet="ISR")["original"].tolist() == [100.0, 90.0, 50.0]
    assert read_isr(path, sheet=1)["repeat"].tolist() == [110.0, 110.0, 80.0]
    out = tmp_path / "o"
    assert main(["--json", "bioanalysis", "isr", str(path), "--sheet", "1", "-o", str(out)]) == 0
    # 2 of 3 repeats within 20 % (9.52 %, 20 %; 46.2 % outside): 66.7 % >= 2/3, passes
    summary = pd.read_csv(out / "isr_summary.csv")
    assert (summary["n_pass"].iloc[0], bool(summary["passed"].iloc[0])) == (2, True)
    capsys.readouterr()
    assert main(["--json", "bioanalysis", "isr", str(path), "--sheet", "7", "-o", str(out)]) == 3
    assert "no sheet number 7" in json.loads(capsys.readouterr().out)["problems"][0]["problem"]
