"""``kinetor simulate``: doses after the end of the simulation, tumour parameter ranges,
overflowing tumour volumes reported as failed (expected values by hand)."""

import json
import math

import numpy as np
import pandas as pd
import pytest

import kinetor as kt
from kinetor.cli import _common
from kinetor.cli.main import main
from kinetor.errors import ModelError
from kinetor.translate.tumors import get_tumor


def _json(args, capsys):
    try:
        code = main(["--json", *args])
        out = capsys.readouterr().out
    finally:
        _common.STATE.update(json=False)
    return code, json.loads(out)


def test_days_shorter_than_the_regimen_says_how_many_doses_are_left_out(tmp_path, capsys):
    # QD x 21 days: doses at 0, 24, ..., 480 h (21); --days 7 ends the simulation at 168 h,
    # so the doses at 168, 192, ..., 480 h, (480 - 168) / 24 + 1 = 14 of them, are not given
    out = tmp_path / "o"
    code, res = _json(
        [
            "simulate",
            "--compound",
            "vistusertib",
            "--regimen",
            "15 mg/kg PO QD x 21 days",
            "--n-animals",
            "2",
            "--days",
            "7",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0
    assert pd.read_csv(out / "pk.csv")["time"].max() == pytest.approx(168.0)
    (note,) = res["notes"]
    assert "14 of 21 doses of vistusertib" in note and "day 7" in note
    assert "21 days or more" in note  # the day after the last dose (day 20)
    summary = pd.read_csv(out / "summary.csv").set_index("arm")
    assert summary["doses_after_end"].to_dict() == {
        "Vehicle": 0,
        "vistusertib 15 mg/kg PO QD x 21 days": 14,
    }
    assert "14 of 21 doses of vistusertib" in (out / "report.html").read_text(encoding="utf-8")


def test_a_regimen_inside_the_study_gets_no_note():
    # QD x 7 days: last dose at 144 h, default study 7 days = 168 h: every dose is given
    res = kt.run_study(
        "vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 7 days", n_animals=1, readouts=()
    )
    assert res.notes == []
    assert res.summary()["doses_after_end"].tolist() == [0, 0]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            "doubling_time=0.01",
            "doubling_time = 0.01 day is outside the physically meaningful range 0.5 to 36525 day",
        ),
        (
            "kill_rate=1e6",
            "kill_rate = 1e+06 1/day is outside the physically meaningful range 0 to 10 1/day",
        ),
        ("n_transit=50", "n_transit = 50 is outside the physically meaningful range 0 to 20"),
    ],
)
def test_unphysical_tumour_parameters_are_usage_errors(tmp_path, capsys, item, expected):
    code, res = _json(
        [
            "simulate",
            "--compound",
            "vistusertib",
            "--regimen",
            "15 mg/kg PO QD x 7 days",
            "--n-animals",
            "2",
            "--tumor-param",
            item,
            "--no-report",
            "--out",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert code == 2
    assert res["error"] == "UsageError"
    assert "--tumor-param" in res["message"] and expected in res["message"]
    assert not (tmp_path / "o").exists()


def test_unphysical_tumour_parameters_are_refused_by_the_api():
    with pytest.raises(ModelError, match=r"doubling_time = 0.01 day is outside .* 0.5 to 36525"):
        get_tumor({"base": "MCF7", "doubling_time": 0.01})
    with pytest.raises(ModelError, match=r"caliper_cv = 2 is outside .* 0 to 1"):
        get_tumor({"base": "MCF7", "caliper_cv": 2.0})
    with pytest.raises(ModelError, match=r"range of kill_rate = 50 1/day is outside"):
        get_tumor({"base": "MCF7", "ranges": {"kill_rate": (0.1, 50.0)}})
    assert get_tumor({"base": "MCF7", "doubling_time": 0.5}).doubling_time == 0.5


def test_an_overflowing_arm_is_failed_never_a_number():
    # doubling time 0.5 day, no variability, no noise: V(t) = 175 x 4^t mm^3. Day 252:
    # 175 x 2^504 = 9.1655e153, its square 8.40e307 < 1.797e308 (double max); day 255:
    # 175 x 4^255 = 5.87e155, its square overflows -> the control arm fails from day 255
    # (measurement days ..., 252, 255). The treated arm grows slower (21 days of dosing)
    # and stays finite, but its TGI against a failed control is no number either.
    res = kt.run_study(
        None,
        "mouse",
        {"base": "MCF7", "doubling_time": 0.5},
        arms=["T=vistusertib:15 mg/kg PO QD x 21 days"],
        n_animals=1,
        days=255,
        pk_variability=None,
        tumor_variability=False,
        noise=False,
        readouts=(),
    )
    veh = res.tumor[res.tumor["arm"] == "Vehicle"].set_index("day")
    assert veh.loc[252.0, "volume_true"] == pytest.approx(175.0 * 2.0**504, rel=1e-5)
    assert veh.loc[255.0, ["volume", "volume_true"]].isna().all()
    assert math.isfinite(res.tumor.set_index(["arm", "day"]).loc[("T", 255.0), "volume"])
    tgi = res.tgi.set_index("arm")
    assert tgi["tgi_pct"].isna().all() and tgi["tc_pct"].isna().all()
    assert tgi.loc["Vehicle", "reason"].startswith("failed: the tumour volume overflowed")
    assert "from day 255" in tgi.loc["Vehicle", "reason"]
    assert tgi.loc["T", "reason"].startswith("control arm 'Vehicle' failed:")
    assert np.isnan(tgi.loc["Vehicle", "control_mean_day"])
    summary = res.summary().set_index("arm")
    assert np.isnan(summary.loc["Vehicle", "final_volume_mm3"])
    assert summary.loc["Vehicle", "reason"].startswith("failed:")
    assert summary.loc["T", "reason"] == ""
    assert res.notes == [f"arm 'Vehicle': {tgi.loc['Vehicle', 'reason']}"]


def test_cli_reports_the_overflow_as_failed_without_warnings(tmp_path, capsys):
    # 300 days at a 0.5-day doubling time: 175 x 4^300 = 7e182 mm^3, whose square
    # overflows; pytest turns any leaked RuntimeWarning into an error
    out = tmp_path / "o"
    code, res = _json(
        [
            "simulate",
            "--compound",
            "vistusertib",
            "--regimen",
            "15 mg/kg PO QD x 7 days",
            "--n-animals",
            "2",
            "--days",
            "300",
            "--tumor-param",
            "doubling_time=0.5",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0
    for row in res["tgi"]:
        assert row["tgi_pct"] is None and row["reason"].startswith("failed:")
    assert any(n.startswith("arm 'Vehicle': failed:") for n in res["notes"])
    tgi = pd.read_csv(out / "tgi.csv")
    assert tgi["tgi_pct"].isna().all() and tgi["reason"].str.startswith("failed:").all()
    tumor = pd.read_csv(out / "tumor.csv")
    assert tumor.loc[tumor["day"] == 300.0, "volume"].isna().all()
    assert np.isfinite(tumor["volume"].dropna()).all()
