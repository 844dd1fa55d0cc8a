"""``kinetor.be`` on careless Python input: infinite metric values, swapped
or out-of-range limits, alpha outside (0, 0.5) in dose proportionality, TOST power inputs
that are text, a limit on the wrong side of 1 or a fractional number of subjects; no
numpy RuntimeWarning on the way."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kinetor.be import be, dose_proportionality, power_tost, sample_size_tost
from kinetor.errors import DataError, ModelError


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _crossover():
    rows = []
    for i in range(6):
        seq = "TR" if i % 2 == 0 else "RT"
        for p, trt in enumerate(seq, 1):
            rows.append(
                {
                    "subject": f"s{i}",
                    "period": p,
                    "sequence": seq,
                    "treatment": trt,
                    "AUC": 100.0 + 7 * i + (5 if trt == "T" else 0),
                }
            )
    return pd.DataFrame(rows)


def _doses():
    return pd.DataFrame({"dose": [1, 1, 3, 3, 10, 10], "AUC": [10.0, 11, 29, 32, 101, 98]})


def test_be_refuses_an_infinite_value_naming_its_row():
    df = _crossover()
    df.loc[3, "AUC"] = np.inf
    with pytest.raises(DataError) as exc:
        be(df)
    (p,) = exc.value.problems
    assert (p.row, p.column) == (5, "AUC") and "finite" in p.message  # header = row 1


def test_dose_proportionality_refuses_an_infinite_value_naming_its_row():
    df = _doses()
    df.loc[0, "AUC"] = np.inf
    with pytest.raises(DataError) as exc:
        dose_proportionality(df)
    assert (exc.value.problems[0].row, exc.value.problems[0].column) == (2, "AUC")


@pytest.mark.parametrize("limits", [(1.25, 0.8), (0.8, 0.9), (0, 1.25), (0.8, np.inf), (0.8,)])
def test_limits_must_straddle_1(limits):
    with pytest.raises(ModelError, match="limits"):
        be(_crossover(), limits=limits)
    with pytest.raises(ModelError, match="limits"):
        dose_proportionality(_doses(), limits=limits)


@pytest.mark.parametrize("alpha", [0, 0.5, 1, -0.1, "0.05"])
def test_dose_proportionality_alpha_in_0_to_half(alpha):
    with pytest.raises(ModelError, match="alpha"):
        dose_proportionality(_doses(), alpha=alpha)


@pytest.mark.parametrize(
    "kw, name",
    [
        ({"cv": "0.3", "n": 40}, "cv"),
        ({"cv": 0.3, "n": 2.5}, "n"),
        ({"cv": 0.3, "n": np.nan}, "n"),
        ({"cv": 0.3, "n": 40, "theta1": 1.2}, "theta1"),
        ({"cv": 0.3, "n": 40, "theta2": 0.9}, "theta2"),
    ],
)
def test_power_inputs(kw, name):
    with pytest.raises(ModelError, match=f"^{name}="):
        power_tost(**kw)


def test_sample_size_checks_its_limits_and_n_max():
    with pytest.raises(ModelError, match="theta1"):
        sample_size_tost(0.3, theta1=1.2)
    with pytest.raises(ModelError, match="n_max"):
        sample_size_tost(0.3, n_max=0)


def test_valid_inputs_still_give_powertost_values():
    assert power_tost(0.3, 40) == pytest.approx(0.815845, abs=1e-6)  # PowerTOST
    assert power_tost(0.3, np.int64(40)) == pytest.approx(0.815845, abs=1e-6)
