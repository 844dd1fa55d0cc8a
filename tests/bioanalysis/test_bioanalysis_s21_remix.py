"""Bioanalysis re-audit (s21 remix): two columns of one role in a run table are refused
(never one silently chosen), and an unknown unit in the nominal_conc header lists
concentration units."""

from __future__ import annotations

import pytest

from kinetor.bioanalysis import analyse_run
from kinetor.bioanalysis._units import check_conc_unit
from kinetor.bioanalysis.read import read_run
from kinetor.errors import DataError, UnitError

LEVELS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)


def _csv(tmp_path, header: list[str], rows: list[list[object]], name="run.csv"):
    path = tmp_path / name
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    "extra",
    [
        "nominal_conc",  # hdr_dup2: a second nominal column without a unit
        "nominal_conc (nM)",  # hdr_dup: the same role, another unit
    ],
)
def test_two_nominal_columns_are_refused_naming_both(tmp_path, extra):
    header = ["sample_id", "sample_type", "Nominal Concentration (ng/mL)", extra, "area_ratio"]
    rows = [[f"S{i}", "standard", c, 2 * c, 0.01 * c] for i, c in enumerate(LEVELS)]
    path = _csv(tmp_path, header, rows)
    with pytest.raises(DataError) as err:
        read_run(path)
    (p,) = err.value.problems
    assert "'Nominal Concentration (ng/mL)'" in p.message and f"'{extra}'" in p.message
    assert p.file == "run.csv" and p.row == 1 and p.column == extra
    assert "keep one of" in p.fix


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Area Ratio", "area_ratio"),  # the response
        ("Sample Type", "type"),  # the sample type
        ("Dilution Factor", "dilution"),
        ("Analyte Peak Area", "area"),
    ],
)
def test_two_columns_of_another_role_are_refused(tmp_path, first, second):
    base = ["sample_id", "sample_type", "nominal_conc", "area_ratio"]
    header = [first if h == second.replace(" ", "_").lower() else h for h in base]
    header = [h for h in header if h not in (first, second)] + [first, second]
    rows = []
    for i, c in enumerate(LEVELS):
        value = {"sample_id": f"S{i}", "sample_type": "standard", "nominal_conc": c}
        row = [value.get(h, 1.0 if "ilution" in h else 0.01 * c) for h in header]
        rows.append(["standard" if "ype" in h else v for h, v in zip(header, row, strict=True)])
    path = _csv(tmp_path, header, rows)
    with pytest.raises(DataError) as err:
        read_run(path)
    text = str(err.value)
    assert f"'{first}'" in text and f"'{second}'" in text and "all mean" in text


def test_sample_name_and_sample_id_still_read(tmp_path):
    # instrument exports carry both: not refused; 'Sample ID' (the canonical name once
    # normalised) is the sample_id, as before
    header = ["Sample Name", "Sample ID", "sample_type", "nominal_conc", "area_ratio"]
    rows = [[f"N{i}", f"S{i}", "standard", c, 0.01 * c] for i, c in enumerate(LEVELS)]
    run = read_run(_csv(tmp_path, header, rows))
    assert run["sample_id"].tolist() == [f"S{i}" for i in range(6)]


def test_unknown_header_unit_lists_concentration_units(tmp_path):
    with pytest.raises(UnitError) as err:
        check_conc_unit("banana")
    text = str(err.value)
    assert "ng/mL" in text and "nM" in text
    assert "mg/kg" not in text and "'h'" not in text and "min" not in text
    header = ["sample_id", "sample_type", "Nominal Concentration (banana)", "area_ratio"]
    rows = [[f"S{i}", "standard", c, 0.01 * c] for i, c in enumerate(LEVELS)]
    with pytest.raises(DataError) as err2:
        analyse_run(_csv(tmp_path, header, rows, "banana.csv"))
    (p,) = err2.value.problems
    assert p.column == "Nominal Concentration (banana)" and p.row == 1
    assert "mg/kg" not in str(err2.value) and "ng/mL" in str(err2.value)
