"""One "number or quantity" convention (numerics.params) and the numerics layer's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from kinetor.errors import ModelError, UnitError
from kinetor.numerics.params import quantity_value
from kinetor.pd._base import as_param
from kinetor.pk.models import parse_param

SRC = Path(__file__).resolve().parents[2] / "src" / "kinetor"


def test_quantities_convert_by_hand():
    assert quantity_value("30 min", "h", "t") == (0.5, False)
    assert quantity_value("500 mL/min", "L/h", "cl") == (pytest.approx(30.0), False)
    # 0.25 L/min/kg is 15 L/h/kg: a per-kg unit is recognised and flagged, never dropped
    v, per_kg = quantity_value("0.25 L/min/kg", "L/h", "cl", per_kg_unit="L/h/kg")
    assert v == pytest.approx(15.0) and per_kg
    assert quantity_value("35 %", "", "f") == (pytest.approx(0.35), False)
    assert quantity_value(2.0, "1/h", "ka") == (2.0, False)  # a number is already in unit
    arr, _ = quantity_value([1.0, 2.0], "1/day", "k", array=True)
    np.testing.assert_array_equal(arr, [1.0, 2.0])


def test_bad_units_and_shapes_name_the_parameter():
    with pytest.raises(UnitError, match=r"'cl'.*L/h or L/h/kg"):
        quantity_value("3 mg", "L/h", "cl", per_kg_unit="L/h/kg")
    with pytest.raises(UnitError, match=r"'emax'.*plain number"):
        quantity_value("3 mg", None, "emax")
    with pytest.raises(ModelError, match=r"'k'.*scalar"):
        quantity_value([1.0, 2.0], "1/h", "k")
    with pytest.raises(ModelError, match=r"'k'.*one value per animal"):
        quantity_value([[1.0]], "1/h", "k", array=True)


def test_pk_and_pd_use_the_same_convention():
    # PK: base units and the per-kg flag; PD: arrays in the model's unit
    assert parse_param("cl", "250 mL/h/kg", "clearance") == (pytest.approx(0.25), True)
    assert parse_param("f", "40 %", "fraction") == (pytest.approx(0.4), False)
    with pytest.raises(ModelError, match="> 0"):
        parse_param("v", "0 L", "volume")
    assert float(as_param("36 h", "day", "t")) == pytest.approx(1.5)
    assert float(as_param("36 h", "day", "t")) == quantity_value("36 h", "day", "t")[0]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        (
            "numerics",
            (
                "kinetor.data",
                "kinetor.nca",
                "kinetor.pk",
                "kinetor.pd",
                "kinetor.popfit",
                "kinetor.pathway",
                "kinetor.translate",
                "kinetor.report",
                "kinetor.cli",
            ),
        ),
        (
            "pd",
            ("kinetor.pk", "kinetor.pathway", "kinetor.translate", "kinetor.report", "kinetor.cli"),
        ),
    ],
)
def test_lower_layers_do_not_import_higher_ones(package, forbidden):
    bad = [
        (p.name, m)
        for p in sorted((SRC / package).rglob("*.py"))
        for m in _imports(p)
        if any(m == f or m.startswith(f + ".") for f in forbidden)
    ]
    assert not bad, bad
