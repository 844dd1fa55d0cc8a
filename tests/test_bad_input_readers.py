"""Bad input to the readers of ``tgi``, ``pd fit``, ``be``, ``dose-prop``, ``adme``,
``bioanalysis`` and the study reader: a folder, an old or fake Excel file, cp1252 text and
semicolon files give a DataError naming the file (exit 3) or the right result, never an
internal error (exit 1); units, missing volumes, pre-dose samples, short rows, misspelt
columns and incomplete BE subjects are handled and said, never silently.

Every expected number is computed by hand in the comments (or, for a regression slope, by
numpy on the logs), never by the code under test.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError


# --------------------------------------------------------------------------- helpers
@pytest.fixture(autouse=True)
def _plain_output_after():
    """``--json`` sets the CLI's global state; later tests calling it directly expect text."""
    yield
    from kinetor.cli import _common

    _common.STATE.update(json=False, quiet=False, debug=False)


# Vehicle 100 -> 400 and 100 -> 600 (means 100 -> 500, dC = 400); Drug 100 -> 200 twice
# (dT = 100): TGI = (1 - 100/400) x 100 = 75 %
TGI_ROWS = [
    ("c1", "Vehicle", 0, 100),
    ("c1", "Vehicle", 14, 400),
    ("c2", "Vehicle", 0, 100),
    ("c2", "Vehicle", 14, 600),
    ("t1", "Drug", 0, 100),
    ("t1", "Drug", 14, 200),
    ("t2", "Drug", 0, 100),
    ("t2", "Drug", 14, 200),
]


def _tgi_text(sep=",", control="Vehicle", unit=None):
    head = ["animal", "group", "day", "volume"] + (["unit"] if unit else [])
    lines = [sep.join(head)]
    for i, (a, g, d, v) in enumerate(TGI_ROWS):
        cells = [a, control if g == "Vehicle" else g, str(d), str(v)]
        lines.append(sep.join(cells + ([unit[i]] if unit else [])))
    return "\n".join(lines) + "\n"


def _json(capsys, argv):
    code = main(["--json", *argv])
    return code, json.loads(capsys.readouterr().out)


def _tgi_pct(capsys, path, control="Vehicle", extra=()):
    code, out = _json(
        capsys,
        ["tgi", str(path), "--control", control, "--day", "14", "--out", str(path) + "_o", *extra],
    )
    assert code == 0
    row = next(r for r in out["tgi"] if r["group"] == "Drug")
    return row["tgi_pct"], out


# -------------------------------------------------------------- 1. readers of every command
def _fake_xlsx(tmp_path):
    p = tmp_path / "fake.xlsx"
    p.write_text("subject,period\n1,1\n")
    return p


def _xls(tmp_path):
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    return p


COMMANDS = {
    "tgi": ["tgi", "{}", "--control", "Vehicle"],
    "pd fit": ["pd", "fit", "{}", "--model", "exponential"],
    "pd fit emax": ["pd", "fit", "{}", "--model", "emax"],
    "be": ["be", "{}"],
    "dose-prop": ["dose-prop", "{}"],
    "adme excretion": ["adme", "excretion", "{}", "--dose", "10 uCi"],
    "adme binding": ["adme", "binding", "{}"],
    "adme ratios": ["adme", "ratios", "{}", "--parent", "P"],
    "bioanalysis run": ["bioanalysis", "run", "{}", "--conc-unit", "ng/mL"],
    "bioanalysis isr": ["bioanalysis", "isr", "{}"],
}


@pytest.mark.parametrize("make", ["folder", "fake_xlsx", "xls"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_folder_or_a_bad_workbook_is_a_data_error_naming_it(tmp_path, capsys, command, make):
    path = {
        "folder": lambda: tmp_path,
        "fake_xlsx": lambda: _fake_xlsx(tmp_path),
        "xls": lambda: _xls(tmp_path),
    }[make]()
    argv = [a.replace("{}", str(path)) for a in COMMANDS[command]]
    code, out = _json(capsys, [*argv, "--out", str(tmp_path / "out")])
    assert code == 3, out
    assert out["error"] == "DataError" and out["internal"] is False
    (p,) = out["problems"]
    assert path.name in p["file"]
    if make == "folder":  # said, not only shown in the path
        assert "folder" in p["problem"].replace(str(path), "")
    elif make == "xls":
        assert ".xls" in p["problem"]
    else:
        assert "not an Excel .xlsx workbook" in p["problem"]


def test_tgi_reads_cp1252_and_semicolons(tmp_path, capsys):
    cp = tmp_path / "cp.csv"
    cp.write_bytes(_tgi_text(control="Véhicule").encode("cp1252"))
    pct, out = _tgi_pct(capsys, cp, control="Véhicule")
    assert pct == pytest.approx(75.0)
    assert any("read as cp1252" in n for n in out["notes"])
    semi = tmp_path / "semi.csv"
    semi.write_text(_tgi_text(sep=";"))
    pct, out = _tgi_pct(capsys, semi)
    assert pct == pytest.approx(75.0)


# 2x2 crossover: within-subject log(T/R) = ln 1.25, ln 1.2 (sequence TR), ln 1.1, ln 1.1
# (RT). The fixed-effects ANOVA's estimate is the mean of the two sequence means, so
# ratio = exp((ln 1.25 + ln 1.2 + 2 ln 1.1) / 4) = (1.25 * 1.2 * 1.21) ** 0.25
BE_ROWS = [
    ("1", "TR", 1, "T", 100.0),
    ("1", "TR", 2, "R", 80.0),
    ("2", "TR", 1, "T", 120.0),
    ("2", "TR", 2, "R", 100.0),
    ("3", "RT", 1, "R", 90.0),
    ("3", "RT", 2, "T", 99.0),
    ("4", "RT", 1, "R", 110.0),
    ("4", "RT", 2, "T", 121.0),
]
BE_RATIO_PCT = 100 * (1.25 * 1.2 * 1.21) ** 0.25


def _be_text(rows, sep=","):
    lines = [sep.join(["subject", "sequence", "period", "treatment", "AUC"])]
    lines += [sep.join([s, q, str(p), t, f"{v:g}"]) for s, q, p, t, v in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("encoding, sep", [("cp1252", ";"), ("cp1252", ",")])
def test_be_reads_semicolons_and_cp1252(tmp_path, capsys, encoding, sep):
    path = tmp_path / "be.csv"
    text = "# étude 1\n" + _be_text(BE_ROWS, sep)  # the é makes the file cp1252
    path.write_bytes(text.encode(encoding))
    code, out = _json(capsys, ["be", str(path), "--out", str(tmp_path / "o")])
    assert code == 0, out
    (row,) = out["be"]
    assert row["ratio_pct"] == pytest.approx(BE_RATIO_PCT, rel=1e-12)


def test_be_subject_missing_a_period_is_named_and_changes_nothing(tmp_path):
    from kinetor.be import be

    path = tmp_path / "be.csv"
    # subject 5 has its R value in period 1 only: fitted exactly by its own subject effect,
    # it leaves the estimate at the 4-subject value and the df at 8 - 6 = 2
    path.write_text(_be_text([*BE_ROWS, ("5", "RT", 1, "R", 50.0)]))
    res = be(path, ["AUC"])
    row = res.table.iloc[0]
    assert row["ratio_pct"] == pytest.approx(BE_RATIO_PCT, rel=1e-10)
    assert row["df"] == 2 and row["n_obs"] == 9
    (note,) = [n for n in res.notes if "subject 5" in n]
    assert "no T row (no row for period 2)" in note and "left out in effect" in note


def test_dose_prop_reads_semicolons(tmp_path, capsys):
    doses = [1, 1, 3, 3, 10, 10]
    auc = [10.0, 12.0, 25.0, 33.0, 80.0, 95.0]
    path = tmp_path / "dp.csv"
    path.write_text(
        "subject;dose;AUC\n"
        + "".join(f"{i};{d};{v}\n" for i, (d, v) in enumerate(zip(doses, auc, strict=True), 1))
    )
    slope = np.polyfit(np.log(doses), np.log(auc), 1)[0]  # OLS of ln AUC on ln dose
    code, out = _json(capsys, ["dose-prop", str(path), "--out", str(tmp_path / "o")])
    assert code == 0, out
    rows = out["dose_proportionality"]
    assert rows[0]["slope"] == pytest.approx(slope, rel=1e-10)


# amounts 1.2 + 0.8 uCi of a 10 uCi dose: 20 % recovered
EXCRETION = (
    "subject,matrix,start,end,amount,amount_unit\nR1,urine,0,24,1.2,µCi\nR1,urine,24,48,0.8,µCi\n"
)


@pytest.mark.parametrize("encoding, sep", [("cp1252", ","), ("utf-8", ";")])
def test_adme_excretion_reads_cp1252_and_semicolons(tmp_path, capsys, encoding, sep):
    path = tmp_path / "ex.csv"
    path.write_bytes(EXCRETION.replace(",", sep).encode(encoding))
    out = tmp_path / "o"
    assert (
        main(["adme", "excretion", str(path), "--dose", "10 uCi", "--no-plot", "--out", str(out)])
        == 0
    )
    rec = pd.read_csv(out / "excretion_recovery.csv")
    assert rec.loc[rec["matrix"] == "TOTAL", "pct_dose"].item() == pytest.approx(20.0)


def test_adme_excretion_interval_without_start_is_refused(tmp_path, capsys):
    path = tmp_path / "ex.csv"
    path.write_text(EXCRETION.replace("R1,urine,24,48", "R1,urine,,48"))
    code, out = _json(
        capsys, ["adme", "excretion", str(path), "--dose", "10 uCi", "--out", str(tmp_path / "o")]
    )
    assert code == 3
    (p,) = out["problems"]
    assert (p["file"], p["row"], p["column"]) == ("ex.csv", 3, "start")


def _run_table(sep=","):
    # area ratio = 0.002 x conc exactly: the unknown's ratio 0.2 reads 0.2 / 0.002 = 100
    rows = ["sample_id,sample_type,nominal_conc,area_ratio,conc_unit,subject,time"]
    rows += [f"S{c},standard,{c},{0.002 * c:g},µg/L,," for c in (1, 2, 5, 10, 50, 100, 500, 1000)]
    rows += [f"Q{c}_{i},qc,{c},{0.002 * c:g},µg/L,," for c in (3, 400, 800) for i in (1, 2)]
    rows += ["U1,unknown,,0.2,µg/L,R1,1"]
    return "\n".join(r.replace(",", sep) for r in rows) + "\n"


@pytest.mark.parametrize("encoding, sep", [("cp1252", ","), ("utf-8", ";")])
def test_bioanalysis_run_reads_cp1252_and_semicolons(tmp_path, capsys, encoding, sep):
    path = tmp_path / "run.csv"
    path.write_bytes(_run_table(sep).encode(encoding))
    out = tmp_path / "o"
    assert main(["bioanalysis", "run", str(path), "--no-plot", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert ("read as cp1252" in printed) == (encoding == "cp1252")
    conc = pd.read_csv(out / "concentrations.csv")
    assert conc["conc"].item() == pytest.approx(100.0, rel=1e-9)


def test_bioanalysis_isr_reads_semicolons(tmp_path, capsys):
    # %diff = (repeat - original) / mean x 100 = (110 - 100) / 105 x 100 = 9.5238 %
    path = tmp_path / "isr.csv"
    path.write_text("sample_id;original;repeat;conc_unit\nA;100;110;ng/mL\nB;50;50;ng/mL\n")
    code, out = _json(capsys, ["bioanalysis", "isr", str(path), "--out", str(tmp_path / "o")])
    assert code == 0, out
    a = next(s for s in out["samples"] if s["sample_id"] == "A")
    assert a["diff_pct"] == pytest.approx(1000 / 105)


def test_a_folder_given_to_report_or_bioanalysis_is_named_a_folder(tmp_path, capsys):
    f = tmp_path / "results.csv"
    f.write_text("a,b\n1,2\n")
    code, out = _json(capsys, ["report", str(f)])
    assert code == 3 and "is a file, not a folder" in out["problems"][0]["problem"]
    code, out = _json(capsys, ["bioanalysis", "run", str(tmp_path), "--out", str(tmp_path / "o")])
    assert code == 3 and "is a folder" in out["problems"][0]["problem"]


# ------------------------------------------------------------------ 2. tumour volume units
def test_tgi_converts_a_unit_column_and_says_so(tmp_path, capsys):
    # c2's day-14 volume written as 0.6 mL = 600 mm^3: TGI stays 75 %
    path = tmp_path / "v.csv"
    units = ["mm3"] * 8
    units[3] = "mL"
    path.write_text(_tgi_text(unit=units).replace("c2,Vehicle,14,600,mL", "c2,Vehicle,14,0.6,mL"))
    pct, out = _tgi_pct(capsys, path)
    assert pct == pytest.approx(75.0)
    (note,) = [n for n in out["notes"] if "converted" in n]
    assert "mL" in note and "row: 5" in note


def test_tgi_refuses_a_unit_that_is_no_volume(tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text(_tgi_text(unit=["mm^3"] * 7 + ["furlong"]))
    code, out = _json(
        capsys, ["tgi", str(path), "--control", "Vehicle", "--out", str(tmp_path / "o")]
    )
    assert code == 3
    (p,) = out["problems"]
    assert (p["file"], p["row"], p["column"]) == ("v.csv", 9, "unit") and "furlong" in p["problem"]


def test_volume_unit_option_and_header_unit(tmp_path, capsys):
    # every volume / 1000 in mL: read back as the mm^3 of the hand calculation
    text = "\n".join(
        ln if i == 0 else ",".join([*ln.split(",")[:3], f"{float(ln.split(',')[3]) / 1000:g}"])
        for i, ln in enumerate(_tgi_text().splitlines())
    )
    path = tmp_path / "ml.csv"
    path.write_text(text + "\n")
    pct, _ = _tgi_pct(capsys, path, extra=["--volume-unit", "mL"])
    assert pct == pytest.approx(75.0)
    path.write_text(text.replace("volume", "Volume (mL)", 1) + "\n")
    from kinetor.pd import read_volumes

    assert read_volumes(path)["volume"].max() == pytest.approx(600.0)
    assert main(["tgi", str(path), "--control", "Vehicle", "--volume-unit", "furlong"]) == 2


def test_pd_fit_reads_volumes_in_cm3(tmp_path):
    from kinetor.pd import fit_pd

    # V = 100 exp(0.1 t) mm^3 written in cm^3 (0.1 exp(0.1 t)): v0 = 100 mm^3, kg = 0.1/day
    days = [0, 3, 7, 10, 14]
    path = tmp_path / "cm3.csv"
    path.write_text(
        "animal,group,day,volume,unit\n"
        + "".join(f"a,G,{d},{0.1 * math.exp(0.1 * d):.12g},cm3\n" for d in days)
    )
    f = fit_pd(path, "exponential")
    est = dict(zip(f.summary["parameter"], f.summary["estimate"], strict=True))
    assert est["v0"] == pytest.approx(100.0, rel=1e-6)
    assert est["kg"] == pytest.approx(0.1, rel=1e-6)


# ------------------------------------------------------------------ 3. volumes not measured
def test_a_volume_not_measured_is_noted_with_its_row(tmp_path, capsys):
    path = tmp_path / "na.csv"
    path.write_text(_tgi_text().replace("c2,Vehicle,14,600", "c2,Vehicle,14,n/a"))
    # Vehicle day 14: only c1 (400) measured: dC = 300, TGI = (1 - 100/300) x 100 = 66.67 %
    pct, out = _tgi_pct(capsys, path)
    assert pct == pytest.approx(100 * (1 - 100 / 300))
    (note,) = [n for n in out["notes"] if "not measured" in n]
    assert note.startswith("na.csv: 1 volume(s) not measured") and "row 5 day 14" in note
    vehicle = next(r for r in out["tgi"] if r["group"] == "Drug")
    assert vehicle["n_day"] == 2
    assert main(["tgi", str(path), "--control", "Vehicle", "--out", str(tmp_path / "o")]) == 0
    assert "row 5 day 14" in capsys.readouterr().out


# -------------------------------------------------------------- 4. NCA pre-dose samples
def test_nca_notes_a_quantifiable_sample_before_the_dose(tmp_path):
    import kinetor as kt

    path = tmp_path / "s.csv"
    path.write_text(
        "subject,time,conc,dose,route\n"
        "1,-1,50,10,PO\n1,0,0,10,PO\n1,1,10,10,PO\n1,2,10,10,PO\n1,4,5,10,PO\n"
    )
    res = kt.nca(kt.read_study(path, units={"time": "h", "conc": "ng/mL", "dose": "mg"}))
    (note,) = [n for n in res.provenance["notes"] if "pre-dose" in n]
    assert note.startswith("1 pre-dose sample(s)") and "rows 2" in note
    # AUClast without the pre-dose sample: 0-1 linear 5, 1-2 linear 10, 2-4 log-down
    # (10 - 5) x 2 / ln 2 = 14.427: 29.427
    p = res.parameters
    auclst = p.loc[p["PPTESTCD"] == "AUCLST", "value"].item()
    assert auclst == pytest.approx(15 + 10 / math.log(2))


# ------------------------------------------------------------------- 5. short rows
def test_a_short_row_is_refused_and_trailing_separators_are_cells():
    from kinetor.data._text import read_raw_text

    raw = read_raw_text(b"a,b,c,d\n1,2,3,4\n1,2\n1,2,,\n", "r.csv")
    assert [(p.row, p.message) for p in raw.problems] == [
        (3, "2 cells but the header has 4 columns")
    ]
    # a header ending in an unnamed column asks no cell for it
    assert read_raw_text(b"a,b,c,\n1,2,3\n", "r.csv").problems == []


def test_the_study_reader_refuses_a_short_row(tmp_path):
    import kinetor as kt

    path = tmp_path / "s.csv"
    path.write_text("subject,time,conc,dose,route\n1,0.5,10,5,PO\n1,1\n1,2,8,5,PO\n")
    with pytest.raises(DataError) as err:
        kt.read_study(path, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    assert any(
        p.row == 3 and "2 cells but the header has 5" in p.message for p in err.value.problems
    )


# --------------------------------------------------------------- 6. misspelt role columns
def test_a_misspelt_time_column_is_named_in_a_note(tmp_path):
    import kinetor as kt

    path = tmp_path / "s.csv"
    path.write_text(
        "subject,Nominal time (h),Tmie (h),conc,dose,route,Height,Sampling time\n"
        "1,0.5,0.55,10,5,PO,1,0\n1,1,1.1,8,5,PO,1,0\n"
    )
    st = kt.read_study(path, units={"conc": "ng/mL", "dose": "mg"})
    found = [n for n in st.notes if "resembles" in n]
    assert len(found) == 1 and "'Tmie (h)'" in found[0] and "--map time=Tmie (h)" in found[0]


# ------------------------------------------------------- 9. biomarker model, tumour data
def test_a_biomarker_model_on_tumour_volumes_names_the_file_and_the_fix(tmp_path, capsys):
    path = tmp_path / "tumour.csv"
    path.write_text(_tgi_text())
    code, out = _json(
        capsys, ["pd", "fit", str(path), "--model", "emax", "--out", str(tmp_path / "o")]
    )
    assert code == 3
    assert {p["column"] for p in out["problems"]} == {"value", "conc"}
    assert all(p["file"] == "tumour.csv" and "tumour model" in p["fix"] for p in out["problems"])


# ---------------------------------------------------------------------- 10. smaller ones
def test_duplicate_day_names_both_rows_as_integers(tmp_path, capsys):
    path = tmp_path / "dup.csv"
    path.write_text(_tgi_text().replace("c2,Vehicle,0,100", "c1,Vehicle,0,100"))
    code, out = _json(
        capsys, ["tgi", str(path), "--control", "Vehicle", "--out", str(tmp_path / "o")]
    )
    assert code == 3
    dup = [p for p in out["problems"] if p["column"] == "day"]
    assert [p["row"] for p in dup] == [4] and "rows 2 and 4" in dup[0]["problem"]


def test_ratios_with_an_absent_parameter_lists_those_present(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text("analyte,PPTESTCD,value,unit\nP,AUCIFO,100,h*ng/mL\nM,AUCIFO,25,h*ng/mL\n")
    code, out = _json(
        capsys,
        [
            "adme",
            "ratios",
            str(path),
            "--parent",
            "P",
            "--parameter",
            "CMAX",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert code == 3
    assert out["problems"][0]["fix"] == "PPTESTCD values present: AUCIFO"
