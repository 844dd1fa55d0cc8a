"""Carry-over (ICH M10): the blank injected right after the highest standard, against the
LLOQ standard's responses. The run of test_bioanalysis_run: the LLOQ standard S1 has
analyte area 0.003 x 1e5 = 300 and IS area 1e5 (hand values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_bioanalysis_run import UNKNOWNS, make_run

from kinetor.bioanalysis import analyse_run
from kinetor.cli.main import main
from kinetor.errors import DataError


def ordered_run(analyte_area, is_area, kind="blank", after="S100"):
    """The run in file order with one more blank 'CO' injected right after ``after``."""
    run = make_run(unknowns=UNKNOWNS)
    co = pd.DataFrame(
        [{"sample_id": "CO", "sample_type": kind, "analyte_area": analyte_area, "is_area": is_area}]
    )
    at = int(np.flatnonzero(run["sample_id"] == after)[0]) + 1
    run = pd.concat([run.iloc[:at], co, run.iloc[at:]], ignore_index=True)
    return run.assign(injection_order=np.arange(1, len(run) + 1))


def carry(res):
    acc = res.acceptance
    return acc[acc["criterion"].str.startswith("carry-over")].set_index("criterion")


def test_within_limits():
    # 45 / 300 = 15 % of the LLOQ response; IS 4,000 / 100,000 = 4 %
    res = analyse_run(ordered_run(45.0, 4000.0), conc_unit="ng/mL")
    c = carry(res)
    a = c.loc["carry-over: analyte response after the highest standard"]
    i = c.loc["carry-over: IS response after the highest standard"]
    assert a["value"] == pytest.approx(15.0, rel=1e-12) and a["passed"]
    assert i["value"] == pytest.approx(4.0, rel=1e-12) and i["passed"]
    assert "CO" in a["note"] and not a["required"]
    assert res.accepted


def test_beyond_limits_is_reported_without_rejecting_the_run():
    # 75 / 300 = 25 % > 20 %; 6,000 / 100,000 = 6 % > 5 %
    res = analyse_run(ordered_run(75.0, 6000.0), conc_unit="ng/mL")
    c = carry(res)
    assert c["value"].to_numpy() == pytest.approx([25.0, 6.0], rel=1e-12)
    assert not c["passed"].any()
    assert res.accepted  # informational, as the selectivity checks


def test_a_zero_sample_is_judged_on_the_analyte_only():
    res = analyse_run(ordered_run(45.0, 1e5, kind="zero"), conc_unit="ng/mL")
    c = carry(res)
    assert list(c.index) == ["carry-over: analyte response after the highest standard"]


def test_not_checked_without_order_or_without_a_blank_after_the_top_standard():
    no_order = analyse_run(ordered_run(75.0, 6000.0).drop(columns="injection_order"))
    (row,) = carry(no_order).itertuples()
    assert np.isnan(row.value) and "no injection_order column" in row.note
    elsewhere = analyse_run(ordered_run(75.0, 6000.0, after="S50"))
    (row,) = carry(elsewhere).itertuples()
    assert "no blank injected right after" in row.note


def test_duplicate_injection_order_is_refused():
    run = ordered_run(45.0, 4000.0)
    run.loc[5, "injection_order"] = 3
    with pytest.raises(DataError) as err:
        analyse_run(run)
    (p,) = [p for p in err.value.problems if p.column == "injection_order"]
    assert p.row == 7 and "given twice" in p.message  # header is row 1: index 5 is row 7


def test_cli_reads_an_aliased_order_column(tmp_path):
    f = tmp_path / "run.csv"
    ordered_run(75.0, 6000.0).rename(columns={"injection_order": "Run Order"}).to_csv(
        f, index=False
    )
    out = tmp_path / "o"
    assert main(["--quiet", "bioanalysis", str(f), "--conc-unit", "ng/mL", "-o", str(out)]) == 0
    acc = pd.read_csv(out / "acceptance.csv")
    co = acc[acc["criterion"].str.startswith("carry-over")]
    assert co["value"].to_numpy() == pytest.approx([25.0, 6.0], rel=1e-12)
