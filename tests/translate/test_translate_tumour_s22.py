"""s22: a gompertz/logistic run stopped by a random starting-volume draw above vmax says
that the starting volume was a random draw, which animal, and the fix."""

from __future__ import annotations

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.translate.response import law_rates


def test_vmax_below_a_random_v0_draw_names_the_draw_and_fix():
    v0 = np.array([180.0, 170.0, 220.6, 175.0])  # one draw above vmax 220
    with pytest.raises(ModelError) as exc:
        law_rates("gompertz", np.full(4, 0.1), v0, 220.0, 0.0)
    msg = str(exc.value)
    assert "simulated animal 3 of 4" in msg and "220.6" in msg
    assert "random draws" in msg and "v0_cv" in msg
    assert "raise vmax" in msg and "lower v0_cv" in msg
    # geometric mean of the draws, computed here
    assert f"{float(np.exp(np.log(v0).mean())):.4g}" in msg


def test_vmax_below_a_fixed_v0_says_raise_vmax():
    with pytest.raises(ModelError, match="raise vmax above v0"):
        law_rates("logistic", np.full(2, 0.1), np.array([250.0, 250.0]), 220.0, 0.0)
