"""``popfit`` on careless Python input: routes as written ("IV bolus",
"IV", "PO") are read as NCA and fit_pk read them, a DataFrame instead of a Study, a zero
number of NPDE simulations, and values a Study built from tables may hold (a negative or
missing dose, an infinite concentration)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.errors import DataError, ModelError
from kinetor.popfit import popfit
from kinetor.popfit._data import BOLUS, DEPOT, build_data

U = {"time": "h", "conc": "mg/L", "dose": "mg"}
T = [0.5, 1.0, 2.0, 4.0, 8.0]


def _tables(route="IV bolus"):
    c = pd.DataFrame(
        {
            "subject": np.repeat(["s1", "s2"], len(T)),
            "time": T * 2,
            "conc": 10 * np.exp(-0.2 * np.array(T * 2)),
        }
    )
    d = pd.DataFrame({"subject": ["s1", "s2"], "time": 0.0, "dose": 100.0, "route": route})
    return c, d


@pytest.mark.parametrize(
    "route, kind", [("IV bolus", BOLUS), ("IV", BOLUS), ("iv_bolus", BOLUS), ("PO", DEPOT)]
)
def test_routes_as_written_are_normalised(route, kind):
    data = build_data(Study(*_tables(route), units=U))
    assert (data.ev_kind[np.isfinite(data.ev_t)] == kind).all()
    assert data.has_depot == (kind == DEPOT)


def test_an_unknown_route_is_still_refused():
    with pytest.raises(DataError, match="'XYZ' cannot be modelled"):
        build_data(Study(*_tables("XYZ"), units=U))


def test_popfit_of_a_dataframe_says_it_needs_a_study():
    with pytest.raises(DataError, match="popfit needs a kinetor Study"):
        popfit(_tables()[0], "1cmt-iv")


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_a_number_of_npde_simulations_that_is_no_count(n):
    with pytest.raises(ModelError, match="n_npde"):
        popfit(Study(*_tables(), units=U), "1cmt-iv", n_npde=n)


@pytest.mark.parametrize(
    "table, column, value, row",
    [("doses", "dose", -5.0, 1), ("doses", "dose", np.nan, 1), ("conc", "conc", np.inf, 3)],
)
def test_values_read_study_refuses_are_refused_here_too(table, column, value, row):
    c, d = _tables()
    frame = d if table == "doses" else c
    frame.loc[row - 1, column] = value
    with pytest.raises(DataError) as exc:
        build_data(Study(c, d, units=U))
    (p,) = exc.value.problems
    assert (p.row, p.column) == (row, column)
