"""Curation: salts, charges, units, censoring, duplicates and bad rows, by hand."""

import numpy as np
import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.qsar.curation import curate, standardize_smiles


def test_salt_stripped_and_charge_neutralised():
    smi, changes = standardize_smiles("C[NH+](C)CCc1ccccc1.[Cl-]")
    assert smi == "CN(C)CCc1ccccc1"
    assert changes == ["largest fragment kept", "charges neutralised"]


def test_quaternary_ammonium_keeps_its_charge():
    smi, changes = standardize_smiles("C[N+](C)(C)C.[Br-]")
    assert smi == "C[N+](C)(C)C" and changes == ["largest fragment kept"]


def test_stereo_is_kept_so_enantiomers_stay_apart():
    raw = pd.DataFrame(
        {"smiles": ["C[C@H](N)C(=O)O", "C[C@@H](N)C(=O)O"], "value": [10.0, 1000.0], "unit": "nM"}
    )
    res = curate(raw)
    assert len(res.data) == 2 and not res.data["conflict"].any()


def test_units_to_p_scale():
    raw = pd.DataFrame(
        {
            "smiles": ["CCO", "CCN", "CCC", "CCCl", "CCBr"],
            "value": [1.0, 1.0, 1e-7, 100.0, 7.5],
            "unit": ["uM", "nM", "M", "pM", "p"],
        }
    )
    p = curate(raw).data.set_index("smiles")["p_value"]
    assert p["CCO"] == pytest.approx(6.0)
    assert p["CCN"] == pytest.approx(9.0)
    assert p["CCC"] == pytest.approx(7.0)
    assert p["CCCl"] == pytest.approx(10.0)
    assert p["CCBr"] == pytest.approx(7.5)


def test_unknown_unit_is_an_error_naming_the_column():
    raw = pd.DataFrame({"smiles": ["CCO"], "value": [1.0], "unit": ["mg/L"]})
    with pytest.raises(DataError, match="unknown potency unit 'mg/L'") as err:
        curate(raw, file="act.csv")
    assert err.value.problems[0].column == "unit"


def test_duplicates_merged_with_conflict_flag():
    # pIC50 7, 7.5 and 9 for one salt form and the free base: mean 7.833, spread 2 > 1
    raw = pd.DataFrame(
        {
            "smiles": ["CCO", "CCO.Cl", "OCC", "c1ccccc1"],
            "value": [100.0, 31.6227766, 1.0, 50.0],
            "unit": "nM",
        }
    )
    res = curate(raw)
    row = res.data.set_index("smiles").loc["CCO"]
    assert row["n"] == 3
    assert row["p_value"] == pytest.approx((7 + 7.5 + 9) / 3)
    assert row["spread"] == pytest.approx(2.0)
    assert bool(row["conflict"])
    assert not res.data.set_index("smiles").loc["c1ccccc1", "conflict"]
    merged = res.report[res.report["action"] == "merged"]
    assert sorted(merged["row"]) == [2, 3, 4]
    assert "conflict flagged" in merged["reason"].iloc[0]


def test_censored_values_flip_on_the_p_scale_and_are_flagged():
    raw = pd.DataFrame(
        {
            "smiles": ["CCO", "CCN", "CCN"],
            "value": [10000.0, 10000.0, 300.0],
            "unit": "nM",
            "relation": [">", ">", "="],
        }
    )
    res = curate(raw)
    d = res.data.set_index("smiles")
    assert d.loc["CCO", "relation"] == "<" and bool(d.loc["CCO", "censored"])
    assert d.loc["CCO", "p_value"] == pytest.approx(5.0)
    # an exact value wins over a bound of the same compound
    assert d.loc["CCN", "relation"] == "=" and d.loc["CCN", "p_value"] == pytest.approx(
        -np.log10(300e-9)
    )
    assert "censored value (< 5.00)" in res.report["reason"].tolist()


def test_only_bounds_keep_the_tightest():
    raw = pd.DataFrame(
        {"smiles": ["CCO", "CCO"], "value": [1000.0, 10000.0], "unit": "nM", "relation": [">", ">"]}
    )
    # IC50 > 1 uM and IC50 > 10 uM: both hold only if pIC50 < 5 (the smaller upper bound)
    d = curate(raw).data.iloc[0]
    assert d["relation"] == "<" and d["p_value"] == pytest.approx(5.0)


def test_invalid_smiles_and_values_are_dropped_and_reported_by_row():
    raw = pd.DataFrame(
        {
            "smiles": ["CCO", "C1CC", "CCN", "CCC", ""],
            "value": [10.0, 10.0, -5.0, "n/a", 10.0],
            "unit": "nM",
        }
    )
    res = curate(raw, file="x.csv")
    assert res.data["smiles"].tolist() == ["CCO"]
    dropped = res.report[res.report["action"] == "dropped"].set_index("row")["reason"]
    assert dropped[3] == "unparsable SMILES 'C1CC'"
    assert dropped[4].startswith("potency -5.0 is not a positive number")
    assert dropped[5].startswith("potency 'n/a'")
    assert dropped[6] == "empty SMILES"
    assert [p.row for p in res.problems] == [3, 4, 5, 6]
    assert res.problems[0].file == "x.csv" and res.problems[0].column == "smiles"


def test_summary_counts_and_hash_are_stable():
    raw = pd.DataFrame({"smiles": ["CCO.Cl", "CCO"], "value": [100.0, 100.0], "unit": "nM"})
    s1, s2 = curate(raw).summary(), curate(raw.copy()).summary()
    assert s1["rows_in"] == 2 and s1["compounds"] == 1
    assert s1["actions"]["changed: largest fragment kept"] == 1
    assert s1["data_sha256"] == s2["data_sha256"] and len(s1["data_sha256"]) == 64
