"""Audit fixes in kinetor.bioanalysis: ``to_study`` converts and validates; a
``conc_unit`` argument never overrides the file; a user ``exclude`` column is honoured;
infinite cells are refused; the quadratic fit keeps its digits. Expected values are hand
calculations or exact rational arithmetic, never the code under test."""

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from kinetor.bioanalysis import ALQ_REASON, analyse_run, fit_calibration
from kinetor.errors import DataError, UnitError

LEVELS = [1, 2, 5, 10, 20, 50, 100]
UNITS = {"time": "h", "dose": "mg/kg"}
DOSES = pd.DataFrame({"subject": ["R1"], "time": [0.0], "dose": [10.0], "route": ["PO"]})


def _run(ratios=None, exclude=None, unknowns=((0.25, 1.0), (0.5, 2.0)), unit="ng/mL"):
    """Standards on y = 0.01 x (or ``ratios``), LQC/MQC/HQC on the curve, unknowns of R1."""
    ratios = ratios or {}
    rows = [
        {
            "sample_id": f"S{c}",
            "sample_type": "standard",
            "nominal_conc": c,
            "area_ratio": ratios.get(c, 0.01 * c),
        }
        for c in LEVELS
    ]
    rows += [
        {
            "sample_id": f"{q}{i}",
            "sample_type": "qc",
            "nominal_conc": c,
            "qc_level": q,
            "area_ratio": 0.01 * c,
        }
        for q, c in (("LQC", 3), ("MQC", 40), ("HQC", 80))
        for i in (1, 2)
    ]
    rows += [
        {
            "sample_id": f"U{i}",
            "sample_type": "unknown",
            "area_ratio": r,
            "subject": "R1",
            "time": t,
        }
        for i, (r, t) in enumerate(unknowns)
    ]
    df = pd.DataFrame(rows)
    if unit:
        df["conc_unit"] = unit
    if exclude:
        df["exclude"] = [exclude.get(s, "") for s in df["sample_id"]]
    return df


# 1. to_study converts from the run's unit and validates ---------------------------------


def test_to_study_converts_from_the_run_unit():
    # unknown ratio 0.25 on y = 0.01 x: 25 ng/mL = 0.025 ug/mL; LLOQ 1 ng/mL = 0.001 ug/mL
    res = analyse_run(_run())
    st = res.to_study(DOSES, units={**UNITS, "conc": "ug/mL"})
    assert st.units["conc"] == "ug/mL"
    assert st.conc["conc"].tolist() == pytest.approx([0.025, 0.05], rel=1e-12)
    assert st.conc["conc_reported"].tolist() == pytest.approx([0.025, 0.05], rel=1e-12)
    assert st.conc["lloq"].tolist() == pytest.approx([0.001, 0.001], rel=1e-12)
    assert st.conc["uloq"].tolist() == pytest.approx([0.1, 0.1], rel=1e-12)


def test_to_study_mass_to_molar_needs_mw():
    res = analyse_run(_run())
    with pytest.raises(UnitError, match="molecular weight"):
        res.to_study(DOSES, units={**UNITS, "conc": "nM"})
    # 25 ng/mL of a 500 g/mol compound: 25e-9 g/mL / 500 g/mol = 5e-11 mol/mL = 50 nM
    st = res.to_study(DOSES, units={**UNITS, "conc": "nM"}, mw=500.0)
    assert st.conc["conc"].tolist() == pytest.approx([50.0, 100.0], rel=1e-12)
    assert st.mw == {"ANALYTE": 500.0}


def test_to_study_normalises_routes_and_refuses_an_unknown_one():
    res = analyse_run(_run())
    st = res.to_study(DOSES, units={**UNITS, "conc": "ng/mL"})
    assert st.doses["route"].tolist() == ["extravascular"]
    assert st.doses["route_raw"].tolist() == ["PO"]
    with pytest.raises(DataError) as exc:
        res.to_study(DOSES.assign(route="teleport"), units={**UNITS, "conc": "ng/mL"})
    (p,) = exc.value.problems
    assert (p.row, p.column) == (1, "route") and "teleport" in p.message


def test_to_study_refuses_duplicate_times_naming_the_rows():
    # two included unknowns of R1 at 1 h: read_study refuses this; so does to_study.
    # Rows as the run file counts them: 7 standards + 6 QCs, header row 1 -> U0 row 15
    res = analyse_run(_run(unknowns=((0.25, 1.0), (0.3, 1.0))))
    with pytest.raises(DataError) as exc:
        res.to_study(DOSES, units={**UNITS, "conc": "ng/mL"})
    assert sorted((p.row, p.column) for p in exc.value.problems) == [(15, "time"), (16, "time")]


# 2. a conc_unit argument never overrides the file's column -----------------------------


def test_conc_unit_conflicting_with_the_file_is_refused():
    with pytest.raises(DataError) as exc:
        analyse_run(_run(unit="ng/mL"), conc_unit="nM")
    (p,) = exc.value.problems
    assert p.column == "conc_unit" and "nM" in p.message and "ng/mL" in p.message


@pytest.mark.parametrize("same", ["ng/mL", "ng/ml", "ug/L"])
def test_conc_unit_agreeing_with_the_file_is_accepted(same):
    # 1 ug/L = 1e-6 g / 1e3 mL = 1e-9 g/mL = 1 ng/mL: the same unit spelt differently
    assert analyse_run(_run(unit="ng/mL"), conc_unit=same).conc_unit == "ng/mL"


# 3. the user's exclude column ------------------------------------------------------------


def _wls_line(x, y):
    """Closed-form 1/x^2-weighted line (docs/bioanalysis.md), in exact fractions."""
    x = [Fraction(v) for v in x]
    y = [Fraction(v) for v in y]
    w = [1 / v**2 for v in x]
    sw, swx, swy = (
        sum(w),
        sum(a * b for a, b in zip(w, x, strict=True)),
        sum(a * b for a, b in zip(w, y, strict=True)),
    )
    swx2 = sum(a * b * b for a, b in zip(w, x, strict=True))
    swxy = sum(a * b * c for a, b, c in zip(w, x, y, strict=True))
    b = (sw * swxy - swx * swy) / (sw * swx2 - swx**2)
    return (swy - b * swx) / sw, b


def test_user_excluded_standard_is_left_out_of_the_fit():
    # S10 is 12 % high (within 15 %: kinetor alone would keep it); the user excludes it
    ratios = {1: 0.0102, 2: 0.0197, 5: 0.0505, 10: 0.112, 20: 0.199, 50: 0.503, 100: 0.996}
    run = _run(ratios=ratios, exclude={"S10": "pipetting error"}, unknowns=((0.3, 1.0),))
    res = analyse_run(run)
    kept = [c for c in LEVELS if c != 10]
    a, b = _wls_line(kept, [ratios[c] for c in kept])
    cal = res.calibration.iloc[0]
    assert cal["intercept"] == pytest.approx(float(a), rel=1e-9)
    assert cal["slope"] == pytest.approx(float(b), rel=1e-12)
    assert cal["n_used"] == 6
    conc = res.concentrations["conc"].iloc[0]
    assert conc == pytest.approx(float((Fraction(0.3) - a) / b), rel=1e-12)
    s10 = res.standards.set_index("sample_id").loc["S10"]
    assert not s10["used_in_fit"] and not s10["pass"]
    assert s10["reason"] == "pipetting error"
    passing = res.acceptance.set_index("criterion").loc["standards passing", "value"]
    assert passing == pytest.approx(6 / 7)  # the excluded standard does not pass


def test_user_exclude_reason_of_unknowns_is_kept_first():
    # U0 on the curve (25 ng/mL), haemolysed; U1 at ratio 1.5 = 150 ng/mL > ULOQ 100
    run = _run(exclude={"U0": "haemolysed", "U1": "clotted"}, unknowns=((0.25, 1.0), (1.5, 2.0)))
    conc = analyse_run(run).concentrations
    assert conc["exclude"].tolist() == ["haemolysed", f"clotted; {ALQ_REASON}"]
    assert conc["conc_reported"].iloc[0] == pytest.approx(25.0, rel=1e-12)


def test_user_excluded_qc_keeps_its_reason_and_does_not_pass():
    res = analyse_run(_run(exclude={"MQC1": "short injection"}))
    mqc = res.qcs.set_index("sample_id").loc["MQC1"]
    assert not mqc["pass"] and mqc["reason"] == "short injection"


# 4. infinite cells ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "column"),
    [
        ("U0", "dilution"),
        ("U0", "area_ratio"),
        ("U0", "time"),
        ("S5", "nominal_conc"),
        ("S5", "area_ratio"),
    ],
)
def test_read_run_refuses_infinite_cells(sample, column):
    run = _run()
    run["dilution"] = 1.0
    i = int(np.flatnonzero(run["sample_id"] == sample)[0])
    run.loc[i, column] = np.inf
    with pytest.raises(DataError) as exc:
        analyse_run(run)
    assert [(p.row, p.column) for p in exc.value.problems] == [(i + 2, column)]
    assert "finite" in exc.value.problems[0].message


# 9. quadratic, unweighted: exact rational least squares ------------------------------------


def _exact_quadratic_ols(x, y):
    """Solve the normal equations X'X b = X'y of y = a + b x + c x^2 in fractions."""
    rows = [[Fraction(1), Fraction(v), Fraction(v) ** 2] for v in x]
    yy = [Fraction(v) for v in y]
    m = [
        [sum(r[i] * r[j] for r in rows) for j in range(3)]
        + [sum(r[i] * t for r, t in zip(rows, yy, strict=True))]
        for i in range(3)
    ]
    for i in range(3):
        for k in range(i + 1, 3):
            f = m[k][i] / m[i][i]
            m[k] = [p - f * q for p, q in zip(m[k], m[i], strict=True)]
    sol = [Fraction(0)] * 3
    for i in reversed(range(3)):
        sol[i] = (m[i][3] - sum(m[i][j] * sol[j] for j in range(i + 1, 3))) / m[i][i]
    return sol


def test_unweighted_quadratic_matches_exact_least_squares():
    x = [1, 2, 5, 10, 50, 100, 500, 1000]
    y = [0.0029, 0.0055, 0.0128, 0.0253, 0.1246, 0.2482, 1.2, 2.31]
    exact = _exact_quadratic_ols(x, y)
    cal = fit_calibration(x, y, model="quadratic", weighting="1")
    rel = [float(abs(Fraction(c) - e) / abs(e)) for c, e in zip(cal.coef, exact, strict=True)]
    # the intercept (5.4e-4) is tiny beside y at 1000 (2.3): it keeps 11 digits
    assert max(rel) < 1e-11
