"""Plate readers, plate maps, normalisation and QC (hand-computed expectations)."""

import numpy as np
import pandas as pd
import pytest
from assay_synth import POS, VEH, grid_csv, map_rows, plate_values

from kinetor.assays import (
    edge_effect,
    merge_plate_map,
    normalise,
    read_plate,
    read_plate_map,
    z_prime,
)
from kinetor.errors import DataError


def test_read_96_well_grid_skips_instrument_header(plate_files):
    plate, _ = plate_files
    p = read_plate(plate)
    assert p.shape == (96, 5)
    assert p.loc[p["well"] == "A01", "value"].item() == VEH
    assert p.loc[p["well"] == "H12", "value"].item() == POS
    assert set(p["plate"]) == {"plate1"}


def test_read_384_and_two_grids_in_one_file(tmp_path):
    g384 = np.arange(384, dtype=float).reshape(16, 24)
    text = grid_csv(g384, "big") + "\n" + grid_csv(plate_values(), "small", ())
    f = tmp_path / "two.csv"
    f.write_text(text)
    p = read_plate(f)
    big = p[p["plate"] == "big"]
    assert len(big) == 384 and len(p) == 480
    assert big.loc[big["well"] == "P24", "value"].item() == 383.0
    assert big.loc[big["well"] == "B01", "value"].item() == 24.0


def test_read_excel_plate(tmp_path):
    g = plate_values()
    df = pd.DataFrame(g, index=list("ABCDEFGH"), columns=range(1, 13))
    path = tmp_path / "plate.xlsx"
    with pd.ExcelWriter(path) as xw:
        df.to_excel(xw, sheet_name="run7")
    p = read_plate(path)
    assert set(p["plate"]) == {"run7"} and len(p) == 96
    assert p.loc[p["well"] == "C05", "value"].item() == pytest.approx(g[2, 4])


def test_missing_and_non_numeric_wells_are_named(tmp_path):
    g = plate_values()
    g[1, 4] = np.nan
    text = grid_csv(g).replace(f"{g[2, 6]:.6f}", "OVER")
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(DataError) as e:
        read_plate(f)
    msgs = [str(p) for p in e.value.problems]
    assert any("missing well at B05" in m and "row 5" in m and "column 'F'" in m for m in msgs)
    assert any("non-numeric 'OVER' at C07" in m for m in msgs)
    f.write_text(grid_csv(g))  # only the blank well left
    kept = read_plate(f, allow_missing=True)
    assert np.isnan(kept.loc[kept["well"] == "B05", "value"].item())
    assert kept["value"].notna().sum() == 95


def test_no_grid_is_an_error(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="no plate grid"):
        read_plate(f)


def test_tidy_and_grid_maps_agree(tmp_path, plate_files):
    _, tidy = plate_files
    a = read_plate_map(tidy)
    roles = np.full((8, 12), "empty", dtype=object)
    comp = np.full((8, 12), "", dtype=object)
    conc = np.full((8, 12), np.nan)
    roles[:, 0], roles[:, 11] = "vehicle", "positive"
    from assay_synth import CONCS

    for r in range(6):
        roles[r, 1:11] = "sample"
        comp[r, 1:11] = "X" if r < 3 else "Y"
        conc[r, 1:11] = CONCS

    def block(label, arr):
        lines = [f"{label}," + ",".join(str(c) for c in range(1, 13))]
        for r in range(8):
            lines.append(
                "ABCDEFGH"[r]
                + ","
                + ",".join("" if (isinstance(v, float) and np.isnan(v)) else str(v) for v in arr[r])
            )
        return "\n".join(lines)

    f = tmp_path / "gridmap.csv"
    f.write_text(
        "\n\n".join([block("role", roles), block("compound", comp), block("concentration", conc)])
        + "\n"
    )
    b = read_plate_map(f)
    m = a.merge(b, on="well", suffixes=("_t", "_g"))
    assert len(m) == 96
    assert (m["role_t"] == m["role_g"]).all() and (m["compound_t"] == m["compound_g"]).all()
    assert np.allclose(m["concentration_t"], m["concentration_g"], equal_nan=True)


def test_bad_map_rows_are_reported(tmp_path):
    rows = map_rows()
    rows[1] = "A01,vehicel,,,"
    rows[5] = "A03,sample,X,,1"
    f = tmp_path / "m.csv"
    f.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError) as e:
        read_plate_map(f)
    text = str(e.value)
    assert "unknown role 'vehicel'" in text and "row 2" in text
    assert "sample well A03 needs a compound and a concentration" in text


def test_map_that_does_not_match_the_plate(tmp_path, plate_files):
    plate, _ = plate_files
    rows = map_rows()
    rows = [r for r in rows if not r.startswith("H12")] + ["I01,vehicle,,,"]
    f = tmp_path / "m.csv"
    f.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError) as e:
        merge_plate_map(read_plate(plate), read_plate_map(f))
    text = str(e.value)
    assert "well H12 of plate 'plate1' is not in the map" in text
    assert "mapped well I01 does not exist" in text


def test_normalise_and_z_prime_by_hand(plate_files):
    plate, pmap = plate_files
    w = normalise(merge_plate_map(read_plate(plate), read_plate_map(pmap)))
    s = w[(w["compound"] == "X") & (w["concentration"] == 0.1)]
    # at the IC50 the reading is halfway between controls: 50 % of vehicle
    assert np.allclose(s["response"], 50.0)
    assert (w["normalisation"] == "vehicle & positive").all()
    z = z_prime(w)
    assert z["z_prime"].item() == pytest.approx(1.0)  # noise-free controls: sd = 0


def test_z_prime_and_edge_effect_with_known_numbers():
    veh = [100.0, 110.0, 90.0, 100.0]  # mean 100, sd 8.165
    pos = [10.0, 12.0, 8.0, 10.0]  # mean 10, sd 1.633
    d = pd.DataFrame(
        {
            "plate": "p",
            "role": ["vehicle"] * 4 + ["positive"] * 4,
            "value": veh + pos,
            "row": list("ABCDABCD"),
            "column": [1, 2, 3, 4, 1, 2, 3, 4],
        }
    )
    z = z_prime(d)["z_prime"].item()
    assert z == pytest.approx(1 - 3 * (np.std(veh, ddof=1) + np.std(pos, ddof=1)) / 90)
    # vehicle wells: 16 on the edge at 80, 16 inside at 100 -> ratio 0.8, significant
    rng = np.random.default_rng(3)
    rows, cols, vals = [], [], []
    for r in "ABCDEFGH":
        for c in range(1, 13):
            edge = r in "AH" or c in (1, 12)
            rows.append(r)
            cols.append(c)
            vals.append((80.0 if edge else 100.0) + rng.normal(0, 1))
    e = edge_effect(
        pd.DataFrame({"plate": "p", "role": "vehicle", "row": rows, "column": cols, "value": vals})
    )
    assert e["edge_ratio"].item() == pytest.approx(0.8, abs=0.01)
    assert e["flag"].item() == "edge effect" and e["n_edge"].item() == 36


def test_normalise_without_vehicle_is_an_error():
    d = pd.DataFrame({"plate": "p", "role": ["sample", "positive"], "value": [1.0, 2.0]})
    with pytest.raises(DataError, match="no vehicle wells"):
        normalise(d)


def test_excel_map_and_plate_specific_rows(tmp_path):
    rows = [r.split(",") for r in map_rows()]
    tidy = pd.DataFrame(rows[1:], columns=rows[0])
    path = tmp_path / "map.xlsx"
    tidy.to_excel(path, index=False)
    pm = read_plate_map(path)
    assert len(pm) == 96 and (pm["plate"] == "*").all()
    assert pm.loc[pm["well"] == "A05", "concentration"].item() == pytest.approx(0.03)
    # two plates; the second has its own map where column 12 is empty, not positive
    text = grid_csv(plate_values(), "p1") + "\n" + grid_csv(plate_values(), "p2", ())
    (tmp_path / "two.csv").write_text(text)
    own = tidy.assign(plate="p2")
    own.loc[own["well"].str.endswith("12"), "role"] = "empty"
    both = pd.concat([tidy.assign(plate="*"), own], ignore_index=True)
    both.to_csv(tmp_path / "map2.csv", index=False)
    w = merge_plate_map(read_plate(tmp_path / "two.csv"), read_plate_map(tmp_path / "map2.csv"))
    roles = w.groupby("plate")["role"].apply(lambda s: (s == "positive").sum())
    assert roles.to_dict() == {"p1": 8, "p2": 0}
