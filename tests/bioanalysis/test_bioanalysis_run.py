"""A whole run: exact data y = 0.001 + 0.002 x, so every value is known by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.bioanalysis import ALQ_REASON, analyse_run

LEVELS = [1, 2, 5, 10, 20, 50, 100]


def ratio(c):
    return 0.001 + 0.002 * c


def make_run(qcs=None, unknowns=None, std_override=None):
    rows = [
        {"sample_id": "BLK", "sample_type": "blank", "analyte_area": 0.0, "is_area": 0.0},
        {"sample_id": "ZERO", "sample_type": "zero", "analyte_area": 0.0, "is_area": 1e5},
    ]
    for c in LEVELS:
        r = (std_override or {}).get(c, ratio(c))
        rows.append(
            {
                "sample_id": f"S{c}",
                "sample_type": "standard",
                "nominal_conc": c,
                "analyte_area": r * 1e5,
                "is_area": 1e5,
            }
        )
    qcs = (
        qcs
        if qcs is not None
        else [
            ("LQC", 3, 1),
            ("LQC", 3, 1),
            ("MQC", 40, 1),
            ("MQC", 40, 1),
            ("HQC", 80, 1),
            ("HQC", 80, 1),
        ]
    )
    for i, (name, c, dil) in enumerate(qcs):
        acc = 1.0
        if isinstance(name, tuple):
            name, acc = name
        rows.append(
            {
                "sample_id": f"{name}_{i}",
                "sample_type": "qc",
                "nominal_conc": c,
                "qc_level": name,
                "dilution": dil,
                "analyte_area": ratio(c * acc / dil) * 1e5,
                "is_area": 1e5,
            }
        )
    for j, (subject, t, r, dil) in enumerate(unknowns or []):
        rows.append(
            {
                "sample_id": f"U{j}",
                "sample_type": "unknown",
                "subject": subject,
                "time": t,
                "analyte_area": r * 1e5,
                "is_area": 1e5,
                "dilution": dil,
                "analyte": "drug",
                "matrix": "plasma",
            }
        )
    return pd.DataFrame(rows)


UNKNOWNS = [
    ("R1", 1.0, 0.051, 1),  # (0.051 - 0.001)/0.002 = 25
    ("R1", 2.0, 0.101, 10),  # 50 in the vial x 10 = 500
    ("R1", 24.0, 0.0015, 1),  # 0.25 < LLOQ 1 -> BLQ, reported 0.25
    ("R1", 0.5, 0.401, 1),  # 200 > ULOQ 100, undiluted -> reassay with dilution
    ("R1", 0.75, 0.401, 5),  # 200 in the vial > 100 although diluted x5
]


def test_exact_run_by_hand():
    res = analyse_run(make_run(unknowns=UNKNOWNS), weighting="1/x^2", conc_unit="ng/mL")
    assert res.accepted
    cal = res.calibration.iloc[0]
    assert cal["intercept"] == pytest.approx(0.001, abs=1e-12)
    assert cal["slope"] == pytest.approx(0.002, rel=1e-10)
    assert (cal["lloq"], cal["uloq"], cal["conc_unit"]) == (1.0, 100.0, "ng/mL")
    assert res.standards["accuracy_pct"].to_numpy() == pytest.approx(100.0)
    conc = res.concentrations
    assert conc["conc_reported"].to_numpy() == pytest.approx([25, 500, 0.25, 200, 1000])
    assert conc["conc"].iloc[:2].to_numpy() == pytest.approx([25, 500])
    assert conc["blq"].tolist() == [False, False, True, False, False]
    assert math.isnan(conc["conc"].iloc[2]) and math.isnan(conc["conc"].iloc[3])
    assert conc["lloq"].tolist() == [1, 10, 1, 1, 5]  # LLOQ x dilution
    assert conc["exclude"].iloc[3] == ALQ_REASON
    assert "larger dilution" in conc["exclude"].iloc[4]
    assert conc["exclude"].iloc[:3].tolist() == ["", "", ""]
    assert conc["analyte"].tolist() == ["drug"] * 5
    assert conc["matrix"].tolist() == ["plasma"] * 5


def test_concentrations_flow_into_study():
    from kinetor.data import Study

    res = analyse_run(make_run(unknowns=UNKNOWNS))
    doses = pd.DataFrame(
        {"subject": ["R1"], "time": [0.0], "dose": [10.0], "route": ["extravascular"]}
    )
    st = res.to_study(doses, units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"})
    assert isinstance(st, Study)
    assert st.conc["blq"].sum() == 1
    assert len(st.included()) == 3  # the two ALQ rows are excluded, not dropped
    assert "conc_reported" in st.conc.columns


def test_rejected_run_flags_every_unknown():
    # both MQC at 80 % and one HQC at 120 %: 3/6 = 50 % < 2/3
    qcs = [
        ("LQC", 3, 1),
        ("LQC", 3, 1),
        (("MQC", 0.8), 40, 1),
        (("MQC", 0.8), 40, 1),
        ("HQC", 80, 1),
        (("HQC", 1.2), 80, 1),
    ]
    res = analyse_run(make_run(qcs=qcs, unknowns=UNKNOWNS[:1]))
    assert not res.accepted
    acc = res.acceptance.set_index("criterion")
    assert not acc.loc["QCs passing", "passed"]
    assert acc.loc["QCs passing", "value"] == pytest.approx(0.5)
    assert res.concentrations["exclude"].iloc[0].startswith("analytical run rejected")
    assert res.qcs["accuracy_pct"].to_numpy() == pytest.approx([100, 100, 80, 80, 100, 120])
    assert res.qcs["reason"].tolist()[2] == "outside limits"


def test_failed_dilution_qc_excludes_diluted_unknowns_only():
    # dilution QC 500 x10: both at 130 % -> level fails; the x10 unknown is excluded
    qcs = [
        ("LQC", 3, 1),
        ("MQC", 40, 1),
        ("HQC", 80, 1),
        (("DQC", 1.3), 500, 10),
        (("DQC", 1.3), 500, 10),
    ]
    res = analyse_run(make_run(qcs=qcs, unknowns=UNKNOWNS[:2]))
    assert res.accepted  # dilution QCs do not decide the run
    assert res.concentrations["exclude"].tolist() == ["", "dilution QCs at this factor failed"]
    dqc = res.qcs[res.qcs["dilution"] == 10]
    # measured = back-calculated in the vial x 10 = 650 -> 130 % of 500
    assert dqc["measured"].to_numpy() == pytest.approx([650, 650])


def test_failed_uloq_revises_range_and_fails_qc_coverage():
    # ULOQ standard at 130 %: range 1..50, HQC (80) outside -> 2 QC levels < 3
    res = analyse_run(
        make_run(std_override={100: ratio(130)}, unknowns=[("R1", 1.0, ratio(70), 1)])
    )
    cal = res.calibration.iloc[0]
    assert (cal["uloq"], cal["uloq_nominal"], cal["n_rejected"]) == (50.0, 100.0, 1)
    acc = res.acceptance.set_index("criterion")
    assert not acc.loc["ULOQ standard passes", "passed"]
    assert not acc.loc["QC levels inside calibrated range", "passed"]
    assert not res.accepted
    # 70 is above the revised ULOQ 50
    assert ALQ_REASON in res.concentrations["exclude"].iloc[0]
    assert res.concentrations["uloq"].iloc[0] == 50.0


def test_blank_with_interference_is_reported_not_rejected():
    run = make_run()
    run.loc[0, "analyte_area"] = 0.25 * ratio(1) * 1e5  # 25 % of the LLOQ response
    res = analyse_run(run)
    row = res.acceptance.set_index("criterion").loc["analyte response in blanks/zeros"]
    assert row["value"] == pytest.approx(25.0) and not row["passed"] and not row["required"]
    assert res.accepted


def test_two_analytes_get_two_curves():
    a = make_run(unknowns=[("R1", 1.0, 0.051, 1)]).assign(analyte="parent")
    b = make_run(unknowns=[("R1", 1.0, 0.051, 1)]).assign(analyte="metab")
    b["area_ratio"] = np.nan
    b["analyte_area"] = b["analyte_area"] * 2  # slope doubled: 0.002 -> 0.004 (+ 0.002)
    b["sample_id"] = "m_" + b["sample_id"]
    res = analyse_run(pd.concat([a, b], ignore_index=True))
    slopes = res.calibration.set_index("analyte")["slope"]
    assert slopes["parent"] == pytest.approx(0.002) and slopes["metab"] == pytest.approx(0.004)
    conc = res.concentrations.set_index("analyte")["conc"]
    # metab: (0.102 - 0.002)/0.004 = 25; parent 25
    assert conc["metab"] == pytest.approx(25.0) and conc["parent"] == pytest.approx(25.0)


def test_quadratic_run_back_calculates_on_the_right_branch():
    rows = [
        {
            "sample_id": f"S{c}",
            "sample_type": "standard",
            "nominal_conc": c,
            "area_ratio": 0.1 + 2 * c - 0.05 * c**2,
        }
        for c in (1, 2, 3, 4, 5, 6)
    ]
    rows += [
        {"sample_id": "U", "sample_type": "unknown", "subject": "a", "time": 1, "area_ratio": 5.65}
    ]
    res = analyse_run(pd.DataFrame(rows), model="quadratic", weighting="1/x")
    assert res.concentrations["conc"].iloc[0] == pytest.approx(3.0)


def test_write_outputs(tmp_path):
    res = analyse_run(make_run(unknowns=UNKNOWNS))
    files = {p.name for p in res.write(tmp_path)}
    assert {
        "calibration.csv",
        "standards.csv",
        "qcs.csv",
        "acceptance.csv",
        "concentrations.csv",
        "calibration.png",
    } <= files
    back = pd.read_csv(tmp_path / "concentrations.csv", keep_default_na=False)
    assert list(back.columns[:10]) == [
        "subject",
        "time",
        "nominal_time",
        "conc",
        "blq",
        "lloq",
        "analyte",
        "matrix",
        "exclude",
        "source_row",
    ]
    assert (tmp_path / "calibration.png").read_bytes()[:4] == b"\x89PNG"


def test_unknown_for_an_uncalibrated_analyte_is_a_data_error():
    from kinetor.errors import DataError

    a = make_run().assign(analyte="parent")
    b = make_run().assign(analyte="metab")
    b["sample_id"] = "m_" + b["sample_id"]
    u = pd.DataFrame(
        [
            {
                "sample_id": "U",
                "sample_type": "unknown",
                "subject": "R1",
                "time": 1.0,
                "area_ratio": 0.05,
                "analyte": "other",
            }
        ]
    )
    with pytest.raises(DataError, match="'other' has no calibration"):
        analyse_run(pd.concat([a, b, u], ignore_index=True))


def test_conc_unit_from_column_and_unknown_unit():
    from kinetor.errors import UnitError

    res = analyse_run(make_run().assign(conc_unit="ug/L"))
    assert res.calibration["conc_unit"].iloc[0] == "ug/L"
    with pytest.raises(UnitError):
        analyse_run(make_run(), conc_unit="ng/blorp")


def test_shared_blanks_count_for_every_analyte():
    a = make_run().assign(analyte="parent")
    b = make_run().assign(analyte="metab")
    b["sample_id"] = "m_" + b["sample_id"]
    run = pd.concat([a, b], ignore_index=True)
    run = run[~run["sample_type"].isin(["blank", "zero"])]
    shared = pd.DataFrame(
        [
            {
                "sample_id": "BLK",
                "sample_type": "blank",
                "analyte_area": 0.0,
                "is_area": 0.0,
                "analyte": "",
            }
        ]
    )
    res = analyse_run(pd.concat([run, shared], ignore_index=True))
    rows = res.acceptance[res.acceptance["criterion"] == "IS response in blanks"]
    assert sorted(rows["analyte"]) == ["metab", "parent"] and rows["passed"].all()


def test_run_without_usable_curve_quantifies_nothing():
    # every standard response 0: the curve does not rise -> no LLOQ, nothing is BLQ
    run = make_run(unknowns=UNKNOWNS[:2])
    run.loc[run["sample_type"] == "standard", "analyte_area"] = 0.0
    res = analyse_run(run)
    assert not res.accepted
    conc = res.concentrations
    assert not conc["blq"].any() and conc["conc"].isna().all()
    assert conc["exclude"].str.startswith("no usable calibration").all()
