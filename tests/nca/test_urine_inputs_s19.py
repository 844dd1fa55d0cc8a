"""Urine collections that read_study / validate and urine NCA refuse or leave out alike.

One subject S1, 10 mg PO at 0 h; plasma 0.5-24 h; urine collections (file lines 9-11)
0-6 h 5 mL 2000 ng/mL, 6-12 h 11 mL 1097.62 ng/mL, 12-24 h 17 mL 602.39 ng/mL. Expected
amounts by hand: Ae = C x V (ng/mL x mL = ng); % of dose = 100 x Ae / 10 mg.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import Study, read_study, validate_study
from kinetor.data.advisories import study_warnings
from kinetor.errors import DataError
from kinetor.nca import nca

HEADER = "Subject,Route,Dose (mg),Time (h),End time (h),Volume (mL),Conc (ng/mL),Matrix"
PLASMA = [(0.5, 478.863), (1, 681.707), (2, 768.944), (4, 667.841), (8, 449.323)]
PLASMA += [(12, 301.194), (24, 90.718)]
URINE = [(0, 6, 5, 2000.0), (6, 12, 11, 1097.62), (12, 24, 17, 602.39)]


def _csv(tmp_path, urine=URINE, header=HEADER, name="u.csv"):
    lines = [header]
    lines += [f"S1,PO,10,{t},,,{c},PLASMA" for t, c in PLASMA]
    lines += [f"S1,PO,10,{a},{b},{v},{c},URINE" for a, b, v, c in urine]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _problems(path, **kw):
    with pytest.raises(DataError) as info:
        read_study(path, **kw)
    return info.value.problems


def _study(urine, volume_unit="mL"):
    """The same data as a Study built directly (no read_study validation)."""
    plasma = pd.DataFrame({"time": [t for t, _ in PLASMA], "conc": [c for _, c in PLASMA]})
    u = pd.DataFrame(urine, columns=["time", "end_time", "volume", "conc"]).assign(matrix="URINE")
    conc = pd.concat([plasma.assign(matrix="PLASMA"), u], ignore_index=True)
    conc = conc.assign(subject="S1", source_row=np.arange(2, len(conc) + 2))
    doses = pd.DataFrame(
        {"subject": ["S1"], "time": [0.0], "dose": [10.0], "route": ["extravascular"]}
    )
    units = {"time": "h", "conc": "ng/mL", "dose": "mg"}
    if volume_unit:
        units["volume"] = volume_unit
    return Study(conc, doses, units=units)


def _urine(res):
    p = res.parameters
    return p[p["matrix"] == "URINE"].set_index("PPTESTCD")["value"]


# A1: a volume unit that is not a volume


@pytest.mark.parametrize("unit", ["mg", "furlongs"])
def test_volume_header_unit_that_is_not_a_volume_is_a_problem_naming_the_column(tmp_path, unit):
    path = _csv(tmp_path, header=HEADER.replace("Volume (mL)", f"Volume ({unit})"))
    (p,) = _problems(path)
    assert p.column == f"Volume ({unit})" and "not a volume unit" in p.message
    assert "--volume-unit mL" in p.fix


@pytest.mark.parametrize("unit", ["mg", "furlong"])
def test_volume_unit_option_that_is_not_a_volume_is_a_problem(tmp_path, unit):
    path = _csv(tmp_path, header=HEADER.replace("Volume (mL)", "Volume"))
    (p,) = _problems(path, units={"volume": unit})
    assert p.column == "Volume" and "not a volume unit" in p.message


def test_study_with_a_mass_volume_unit_validate_and_nca_refuse():
    st = _study(URINE, volume_unit="mg")
    assert any("not a volume unit" in p.message for p in validate_study(st))
    with pytest.raises(DataError, match="not a volume unit"):  # not a pint traceback
        nca(st)


# A2: negative and zero volumes


def test_negative_volume_is_a_problem_naming_the_row(tmp_path):
    bad = [(0, 6, -5, 2000.0), *URINE[1:]]
    (p,) = _problems(_csv(tmp_path, bad))
    assert (p.row, p.column) == (9, "Volume (mL)") and "negative urine volume -5" in p.message
    st = _study(bad)
    assert [(p.row, p.column) for p in validate_study(st)] == [(9, "volume")]
    with pytest.raises(DataError, match="negative urine volume"):
        nca(st)


def test_zero_volume_with_a_concentration_is_a_warning_and_a_note(tmp_path):
    zero = [(0, 6, 0, 2000.0), *URINE[1:]]
    st = read_study(_csv(tmp_path, zero))
    (w,) = [w for w in study_warnings(st) if "volume of 0" in w]
    assert "rows 9" in w
    # Ae: 0 + 11 x 1097.62 + 17 x 602.39 = 12073.82 + 10240.63 ng
    res = nca(st)
    assert _urine(res)["RCAMINT"] == pytest.approx(22314.45, rel=1e-12)
    assert any("volume of 0" in n and "rows 9" in n for n in res.provenance["notes"])


# A3: collections before the first dose


def test_collection_before_the_first_dose_is_left_out_of_urine_nca(tmp_path):
    early = [(-6, -1, 5, 2000.0), *URINE[1:]]
    res = nca(read_study(_csv(tmp_path, early)))
    u = _urine(res)
    # 11 x 1097.62 + 17 x 602.39 = 22314.45 ng (the pre-dose 10000 ng not counted)
    assert u["RCAMINT"] == pytest.approx(22314.45, rel=1e-12)
    assert u["RCPCINT"] == pytest.approx(100 * 22314.45e-6 / 10, rel=1e-12)  # ng -> mg
    assert u["VOLPK"] == pytest.approx(28.0, rel=1e-12)
    assert list(res.urine["start"]) == [6.0, 12.0]
    # the note naming the collection left out reaches the result (and the CLI's notes)
    assert any("left out of urine NCA" in n for n in res.provenance["notes"])


def test_collection_across_the_first_dose_is_left_out_with_a_note_and_a_warning(tmp_path):
    across = [(-1, 6, 5, 2000.0), *URINE[1:]]
    st = read_study(_csv(tmp_path, across))
    (w,) = [w for w in study_warnings(st) if "end after it" in w]
    assert "rows 9" in w
    res = nca(st)
    assert _urine(res)["RCAMINT"] == pytest.approx(22314.45, rel=1e-12)
    assert any("left out of urine NCA" in n and "rows 9" in n for n in res.provenance["notes"])


def test_urine_only_data_all_before_the_dose_is_an_error_not_an_empty_result():
    st = _study([(-6, -3, 5, 2000.0), (-3, -1, 4, 1000.0)])
    st.conc = st.conc[st.conc["matrix"] == "URINE"].reset_index(drop=True)
    with pytest.raises(DataError, match=r"no urine collection left.*rows 9, 10"):
        nca(st)


# A4: overlapping collections


def test_overlapping_collections_are_a_problem_naming_both_rows(tmp_path):
    overlap = [URINE[0], (4, 12, 11, 1097.62), URINE[2]]
    probs = _problems(_csv(tmp_path, overlap))
    assert sorted(p.row for p in probs) == [9, 10]
    assert all("overlaps" in p.message for p in probs)
    by_row = {p.row: p.message for p in probs}
    assert "row 10" in by_row[9] and "row 9" in by_row[10]
    with pytest.raises(DataError, match="overlaps"):
        nca(_study(overlap))


def test_adjacent_collections_do_not_overlap():
    assert validate_study(_study(URINE)) == []


# A5: validate lists what urine NCA refuses


@pytest.mark.parametrize(
    ("urine", "row", "what"),
    [
        ([(0, 6, "", 2000.0), *URINE[1:]], 9, "without volume"),
        ([(0, "", 5, 2000.0), *URINE[1:]], 9, "without end_time"),
        ([URINE[0], (6, 5, 11, 1097.62), URINE[2]], 10, "ends at or before its start"),
        ([URINE[0], (6, 6, 11, 1097.62), URINE[2]], 10, "ends at or before its start"),
    ],
)
def test_validate_refuses_what_urine_nca_refuses(tmp_path, capsys, urine, row, what):
    path = _csv(tmp_path, urine)
    (p,) = _problems(path)
    assert p.row == row and what in p.message
    assert main(["validate", str(path)]) == 3
    assert what in capsys.readouterr().err


def test_validate_refuses_urine_without_end_or_volume_columns(tmp_path):
    no_end = HEADER.replace("End time (h),", "")
    path = tmp_path / "noend.csv"
    rows = [no_end]
    rows += [f"S1,PO,10,{t},,{c},PLASMA" for t, c in PLASMA]
    rows += [f"S1,PO,10,{a},{v},{c},URINE" for a, _, v, c in URINE]
    path.write_text("\n".join(rows) + "\n")
    probs = _problems(path)
    assert sorted(p.row for p in probs) == [9, 10, 11]
    assert all("without end_time" in p.message for p in probs)
    st = _study([(a, b, np.nan, c) for a, b, _, c in URINE], volume_unit=None)
    assert sorted(p.row for p in validate_study(st)) == [9, 10, 11]


def _send(tmp_path, edit):
    """The SEND fixture sdtm_urine (urine 0-6 h: analyte PCSEQ 8 on file line 9, its
    VOLUME record PCSEQ 9 on line 10) with ``edit`` applied to pc.csv."""
    import shutil
    from pathlib import Path

    folder = tmp_path / "send"
    shutil.copytree(Path(__file__).parents[1] / "data" / "fixtures" / "sdtm_urine", folder)
    pc = pd.read_csv(folder / "pc.csv", dtype=str, keep_default_na=False)
    edit(pc).to_csv(folder / "pc.csv", index=False)
    return folder


def test_send_negative_volume_is_a_problem(tmp_path):
    def edit(pc):
        pc.loc[pc["PCSEQ"] == "9", ["PCORRES", "PCSTRESC", "PCSTRESN"]] = "-200"
        return pc

    (p,) = _problems(_send(tmp_path, edit))
    assert p.row == 9 and "negative urine volume -200" in p.message


def test_send_collection_without_volume_record_is_a_problem(tmp_path):
    (p,) = _problems(_send(tmp_path, lambda pc: pc[pc["PCSEQ"] != "9"]))
    assert p.row == 9 and "urine sample without volume" in p.message


def test_a_volume_column_of_plasma_only_data_is_not_checked(tmp_path):
    # no urine rows: a "Volume" column (e.g. a dose volume in mL/kg) is kept as it is
    path = _csv(tmp_path, [], header=HEADER.replace("Volume (mL)", "Volume (mL/kg)"))
    assert len(read_study(path).conc) == len(PLASMA)


def test_two_doses_at_one_time_are_named_in_the_doses_file(tmp_path, capsys):
    import json

    (tmp_path / "conc.csv").write_text("subject,time,conc\n1,1,10\n1,2,8\n1,4,5\n1,8,2\n")
    (tmp_path / "doses.csv").write_text("subject,time,dose,route\n1,0,10,IV\n1,0,5,IV\n")
    argv = ["--json", "nca", str(tmp_path / "conc.csv"), "--doses", str(tmp_path / "doses.csv")]
    units = ["--time-unit", "h", "--conc-unit", "ng/mL", "--dose-unit", "mg"]
    assert main([*argv, *units, "--out", str(tmp_path / "o")]) == 3
    problems = json.loads(capsys.readouterr().out)["problems"]
    # the doses are rows 2 and 3 of doses.csv (they were named in conc.csv)
    assert [(p["file"], p["row"]) for p in problems] == [("doses.csv", 2), ("doses.csv", 3)]


def test_validate_takes_volume_unit_as_nca_does(tmp_path):
    path = _csv(tmp_path, header=HEADER.replace("Volume (mL)", "Volume"))
    base = ["validate", str(path), "--time-unit", "h", "--conc-unit", "ng/mL", "--dose-unit", "mg"]
    assert main([*base, "--volume-unit", "mL"]) == 0
    assert main([*base, "--volume-unit", "mg"]) == 3  # a mass is not a volume
