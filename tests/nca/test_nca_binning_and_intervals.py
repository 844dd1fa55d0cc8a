"""Nominal-time windows (never a sample binned to a far nominal time),
requested intervals without samples named in the notes, the CLI's ``--interval A-B:KIND``,
bioavailability arm values, and the lambda_z fix texts naming their own option."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import Study, bin_nominal_times, read_study
from kinetor.errors import DataError, KinetorError
from kinetor.nca import bioavailability, nca

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}


def _study(times):
    conc = pd.DataFrame({"subject": "a", "time": times, "conc": 1.0})
    conc["source_row"] = np.arange(2, len(times) + 2)
    doses = pd.DataFrame({"subject": ["a"], "time": 0.0, "dose": 1.0, "route": "PO"})
    return Study(conc, doses, units=UNITS)


def test_binning_only_inside_each_nominal_times_window():
    # grid 0, 1, 2, 4: windows [-0.5, 0.5], (0.5, 1.5], (1.5, 3], (3, 5] (half gaps; the
    # first/last gap beyond the ends); a tie at 0.5 goes to the earlier time
    st = bin_nominal_times(_study([-0.4, 0.5, 0.6, 1.6, 3.1, 4.9, 5.0]), [0, 1, 2, 4])
    assert st.conc["nominal_time"].tolist() == [0.0, 0.0, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_sample_far_from_every_nominal_time_is_refused_not_binned():
    # the README case: day-7 samples with a day-1 grid would all land in "24 h"
    with pytest.raises(DataError) as info:
        bin_nominal_times(_study([0.25, 24.0, 32.5, 144.25, -0.2]), [0, 0.25, 0.5, 1, 2, 8, 24])
    probs = info.value.problems
    # window of 24 h ends at 24 + 16/2 = 32; of 0 starts at 0 - 0.25/2 = -0.125
    assert [p.row for p in probs] == [4, 5, 6]
    assert "144.25 h" in probs[1].message and "24 h, is 120.25 h away" in probs[1].message
    assert all(p.column == "time" and "--nominal-tolerance" in p.fix for p in probs)
    # a tolerance leaves them without a nominal time (said in a note), never binned far
    st = bin_nominal_times(_study([0.25, 144.25]), [0, 0.25, 24], tolerance=1.0)
    assert st.conc["nominal_time"].isna().tolist() == [False, True]
    with pytest.raises(KinetorError, match="tolerance"):
        bin_nominal_times(_study([0.25]), [0, 0.25], tolerance=-1)


def _md_csv(tmp_path):
    t = [0, 1, 2, 24, 144, 145, 146, 168]
    c = [0.0, 5.0, 4.0, 1.0, 1.0, 6.0, 5.0, 1.0]
    df = pd.DataFrame({"subject": "A1", "time": t, "conc": c, "dose": 1.0})
    df["route"], df["ii"], df["addl"] = "PO", 24, 6
    path = tmp_path / "md.csv"
    df.to_csv(path, index=False)
    return path


def test_cli_nominal_times_must_cover_multiple_dose_samples(tmp_path):
    base = ["--quiet", "nca", str(_md_csv(tmp_path)), "--time-unit", "h", "--conc-unit",
            "ng/mL", "--dose-unit", "mg", "--no-report"]  # fmt: skip
    day1 = "0,1,2,24"
    assert main([*base, "--nominal-times", day1, "--out", str(tmp_path / "o1")]) == 3
    assert not (tmp_path / "o1").exists()
    both = "0,1,2,24,144,145,146,168"
    assert main([*base, "--nominal-times", both, "--out", str(tmp_path / "o2")]) == 0
    tol = ["--nominal-times", day1, "--nominal-tolerance", "0.1"]
    assert main([*base, *tol, "--out", str(tmp_path / "o3")]) == 0
    # a tolerance alone is a bad option
    assert main([*base, "--nominal-tolerance", "1", "--out", str(tmp_path / "o4")]) == 2


def _iv_csv(tmp_path):
    t = [0.5, 1, 2, 3, 4, 5]
    df = pd.DataFrame(
        {"subject": 1, "time": t, "conc": [32 * 2.0**-x for x in t], "dose": 1, "route": "IV"}
    )
    path = tmp_path / "t1.csv"
    df.to_csv(path, index=False)
    return path


def _run(tmp_path, *interval, name="o"):
    args = ["--json", "nca", str(_iv_csv(tmp_path)), "--time-unit", "h", "--conc-unit",
            "ng/mL", "--dose-unit", "mg", "--no-report", "--out", str(tmp_path / name)]  # fmt: skip
    for iv in interval:
        args += ["--interval", iv]
    return args


def test_interval_without_samples_is_named_in_the_notes(tmp_path, capsys):
    # an explicit :tau (without a kind, 30-48 h starts at no dose: a partial area)
    assert main(_run(tmp_path, "0-100", "30-48:tau")) == 0
    out = json.loads(capsys.readouterr().out)
    notes = out["provenance"]["notes"]
    assert len(notes) == 1 and "interval 30-48 h (tau)" in notes[0]
    assert "--interval 30-48:partial" in notes[0]
    assert {(p["start"], p["end"]) for p in out["parameters"]} == {(0.0, 100.0)}
    # alone: the error carries the note
    assert main(_run(tmp_path, "30-48:tau", name="o2")) == 3
    assert "interval 30-48 h (tau) has no usable sample" in capsys.readouterr().out


def test_cli_partial_interval_after_the_last_sample(tmp_path, capsys):
    assert main(_run(tmp_path, "30-48:partial")) == 0
    (row,) = json.loads(capsys.readouterr().out)["parameters"]
    # lambda_z = ln 2, C*(t) = 32 2^-t: AUCINT = (C*(30) - C*(48)) / ln 2
    expected = (32 * 2.0**-30 - 32 * 2.0**-48) / math.log(2)
    assert row["AUCINT"] == pytest.approx(expected, rel=1e-3)  # JSON keeps 5 digits
    assert main(_run(tmp_path, "30-48:bogus", name="o2")) == 3


def test_bioavailability_takes_route_spellings_and_lists_values():
    from pathlib import Path

    ex = Path(__file__).parents[2] / "src" / "kinetor" / "examples" / "vistusertib_rat_iv_po.csv"
    res = nca(read_study(ex))
    by_route = bioavailability(res, test="PO", reference="IV", by="route")
    by_group = bioavailability(res, test="PO 10 mg/kg", reference="IV 2 mg/kg")
    assert by_route["F_percent"].iloc[0] == pytest.approx(by_group["F_percent"].iloc[0])
    with pytest.raises(KinetorError) as info:
        bioavailability(res, test="PO", reference="IV")
    assert "'IV 2 mg/kg', 'PO 10 mg/kg'" in str(info.value)


def test_lambda_z_exclude_unknown_subject_names_its_option(tmp_path):
    args = ["nca", str(_iv_csv(tmp_path)), "--time-unit", "h", "--conc-unit", "ng/mL",
            "--dose-unit", "mg", "--no-report", "--out", str(tmp_path / "o")]  # fmt: skip
    with pytest.raises(DataError) as info:
        nca(
            read_study(_iv_csv(tmp_path), units=UNITS), lambda_z_exclude=[{"subject": 9, "time": 1}]
        )
    assert "--lambda-z-exclude SUBJECT:TIME" in info.value.problems[0].fix
    assert "--lambda-z-range" not in info.value.problems[0].fix
    assert main([*args, "--lambda-z-exclude", "9:1"]) == 3
