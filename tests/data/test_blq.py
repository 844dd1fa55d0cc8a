"""BLQ rules: each rule on a hand-built profile (first / middle / last BLQ)."""

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import BLQ_RULES, apply_blq_rule
from kinetor.errors import KinetorError

NAN = math.nan


def profile():
    # times 0..24: BLQ at 0 (first), 3 (middle), 12 and 24 (last); Cmax 6 at t=1
    return pd.DataFrame(
        {
            "subject": "s1",
            "analyte": "X",
            "matrix": "PLASMA",
            "exclude": "",
            "time": [0.0, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0],
            "conc": [NAN, 6.0, 4.0, NAN, 1.0, NAN, NAN],
            "blq": [True, False, False, True, False, True, True],
            "lloq": 0.5,
        }
    )


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("pknca", [0.0, 6.0, 4.0, NAN, 1.0, 0.0, 0.0]),
        ("zero", [0.0, 6.0, 4.0, 0.0, 1.0, 0.0, 0.0]),
        ("missing", [NAN, 6.0, 4.0, NAN, 1.0, NAN, NAN]),
        ("zero-before-tmax", [0.0, 6.0, 4.0, NAN, 1.0, NAN, NAN]),
        ("half-lloq", [0.25, 6.0, 4.0, 0.25, 1.0, 0.25, 0.25]),
        ("half-lloq-first-zero", [0.0, 6.0, 4.0, 0.25, 1.0, 0.25, 0.25]),
    ],
)
def test_rules(rule, expected):
    out = apply_blq_rule(profile(), rule)
    np.testing.assert_array_equal(out["conc_used"].to_numpy(), np.array(expected))
    # nothing dropped: same rows, same order, dropped rows carry a reason
    assert len(out) == 7
    dropped = out["conc_used"].isna().to_numpy()
    assert (out.loc[dropped, "exclude"].str.contains(rule)).all()
    assert (out.loc[~dropped, "exclude"] == "").all()


def test_rows_are_kept_in_input_order_and_profiles_are_separate():
    a = profile()
    b = profile().assign(
        subject="s2",
        conc=[NAN, 1.0, NAN, NAN, NAN, NAN, 2.0],
        blq=[True, False, True, True, True, True, False],
    )
    df = pd.concat([a, b]).sample(frac=1.0, random_state=3)
    out = apply_blq_rule(df, "pknca")
    assert out.index.equals(df.index)
    s2 = out[out.subject == "s2"].sort_values("time")["conc_used"].tolist()
    # s2: first BLQ -> 0, middle BLQs dropped, no trailing BLQ
    assert s2[0] == 0.0 and s2[1] == 1.0 and s2[-1] == 2.0
    assert all(math.isnan(v) for v in s2[2:6])


def test_existing_exclusion_is_kept():
    df = profile()
    df.loc[2, "exclude"] = "haemolysed sample"
    out = apply_blq_rule(df, "zero")
    assert out.loc[2, "exclude"] == "haemolysed sample"
    assert math.isnan(out.loc[2, "conc_used"])


def test_unknown_rule():
    with pytest.raises(KinetorError, match="unknown BLQ rule"):
        apply_blq_rule(profile(), "ignore")
    assert "pknca" in BLQ_RULES
