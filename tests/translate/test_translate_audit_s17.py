"""Translate inputs: Kp,uu only with tumour exposure, allometric PK inputs, and the
time-averaged proliferation readout of ``summary()`` (expected values by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kinetor.cli.main import main
from kinetor.errors import ModelError
from kinetor.translate import ExposureOptions, run_study
from kinetor.translate.allometry import allometric_pk

REGIMEN = "15 mg/kg PO QD x 21 days"


# --- A4: kp_uu is used with the tumour exposure only --------------------------------------


@pytest.mark.parametrize("kp_uu", [3.0, 0.5, 0.0])
def test_kp_uu_with_plasma_exposure_is_refused(kp_uu):
    with pytest.raises(ModelError, match="exposure='tumor'"):
        ExposureOptions(site="plasma", kp_uu=kp_uu)
    with pytest.raises(ModelError, match="--exposure tumor"):
        run_study("vistusertib", "mouse", "MCF7", REGIMEN, n_animals=1, kp_uu=kp_uu)


@pytest.mark.parametrize("kp_uu", [-1.0, float("nan"), "3"])
def test_kp_uu_must_be_a_number_ge_0(kp_uu):
    with pytest.raises(ModelError, match="kp_uu"):
        ExposureOptions(site="tumor", kp_uu=kp_uu)


def test_kp_uu_is_kept_with_tumour_exposure_and_1_with_plasma():
    assert ExposureOptions(site="tumor", kp_uu=3.0).kp_uu == 3.0
    assert ExposureOptions(site="plasma", kp_uu=1.0).kp_uu == 1.0


def test_cli_kp_uu_without_tumour_exposure_is_refused(tmp_path):
    args = ["simulate", "--compound", "vistusertib", "--regimen", "15 mg/kg PO QD x 3 days"]
    args += ["--n-animals", "1", "--kp-uu", "3", "--out", str(tmp_path / "o")]
    assert main(args) == 3
    assert not (tmp_path / "o" / "settings.json").exists()


# --- A5: allometric_pk inputs ---------------------------------------------------------------


def test_allometric_pk_unknown_species_lists_the_known_ones():
    with pytest.raises(ModelError, match=r"elephant.*mouse, rat, monkey, dog, human"):
        allometric_pk("alpelisib", "elephant")
    with pytest.raises(ModelError, match="from_species"):
        allometric_pk("alpelisib", "mouse", "whale")


@pytest.mark.parametrize(
    "kw", [{"cl_exponent": -0.75}, {"cl_exponent": 0.0}, {"v_exponent": float("nan")}]
)
def test_allometric_pk_exponents_must_be_positive(kw):
    with pytest.raises(ModelError, match="exponent"):
        allometric_pk("alpelisib", "mouse", **kw)


def test_allometric_pk_species_are_case_insensitive_by_hand():
    # per-kg CL: CL_h x (W_m / W_h)^0.75 / W_m with W from the reference weights; the ratio
    # mouse/human per kg is (0.025 / 70)^-0.25, whatever the human set is
    lower, upper = allometric_pk("alpelisib", "mouse"), allometric_pk("alpelisib", "Mouse")
    assert lower["cl"] == upper["cl"]
    rat = float(allometric_pk("alpelisib", "rat")["cl"].split()[0])
    mouse = float(lower["cl"].split()[0])
    assert mouse / rat == pytest.approx((0.025 / 0.25) ** -0.25, rel=1e-12)


# --- A6: the proliferation readout that drives the tumour, time-averaged -------------------


@pytest.fixture(scope="module")
def typical():
    return run_study(
        "vistusertib",
        "mouse",
        "MCF7",
        REGIMEN,
        n_animals=1,
        seed=0,
        pk_variability=None,
        tumor_variability=False,
        noise=False,
        readouts=(),
    )


def test_summary_reports_the_mean_proliferation_readout(typical):
    s = typical.summary().set_index("arm")
    arm = typical.arms[1].name
    assert typical.settings["tumor_response"]["proliferation_readout"] == "proliferation"
    assert s.loc["Vehicle", "mean_proliferation_pct"] == pytest.approx(100.0)
    mean = s.loc[arm, "mean_proliferation_pct"]
    # hand average of the hourly rows (trapezoid): reads ~1-2 % high, since the hourly grid
    # misses the short dips right after each dose (docs/translate.md section 4)
    b = typical.biomarkers
    rows = b[(b["arm"] == arm) & (b["readout"] == "proliferation")].sort_values("time")
    t, v = rows["time"].to_numpy(), rows["value"].to_numpy()
    hourly = np.trapezoid(v, t) / (t[-1] - t[0])
    assert np.all(np.diff(t) == 1.0) and t[-1] == 504.0
    assert mean == pytest.approx(hourly, rel=0.03)
    assert mean < hourly
    # the volume: exponential growth, no death, kill 0: ln(V21/V0) = ln 2 / Td x mean G x 21 d
    vol = typical.tumor[typical.tumor["arm"] == arm].sort_values("day")
    v0, v21 = vol["volume_true"].iloc[0], vol["volume_true"].iloc[-1]
    back = 100.0 * math.log(v21 / v0) / (math.log(2.0) / 10.0 * 21.0)  # MCF7 Td 10 days
    assert mean == pytest.approx(back, rel=1e-6)


def test_bad_tumour_values_say_what_is_wrong_once(tmp_path, capsys):
    import json

    from kinetor.cli import _common

    try:
        code = main(
            [
                "--json",
                "simulate",
                "--compound",
                "vistusertib",
                "--tumor-param",
                "caliper_cv=-0.1",
                "--tumor-param",
                "doubling_time=-5",
                "--out",
                str(tmp_path),
            ]
        )
        msg = json.loads(capsys.readouterr().out)["message"]
    finally:
        _common.STATE.update(json=False)
    assert code == 3
    assert "caliper_cv = -0.1 must be a finite number >= 0" in msg
    assert (
        msg.count("doubling_time") == 1
        and "doubling_time = -5.0 must be a finite number > 0" in msg
    )
