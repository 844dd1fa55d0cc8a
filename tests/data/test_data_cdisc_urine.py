"""SDTM/SEND interval (urine) collections: PCDTC/PCENDTC, PCELTM/PCEVLINT, VOLUME records.

Fixture ``sdtm_urine``: one subject, 10 mg oral at 2021-03-04T08:00; plasma (ng/mL) at 0, 1,
2, 4, 8, 12, 24 h; urine 0-6, 6-12, 12-24 h at 500, 250, 100 ng/mL in 200, 300, 400 mL.
``sdtm_urine_litre`` is the same study with urine in ug/mL and volumes in L.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import read_study
from kinetor.data.advisories import study_warnings
from kinetor.errors import DataError
from kinetor.nca import nca
from kinetor.units import convert

FIX = Path(__file__).parent / "fixtures"
LN2 = math.log(2.0)
# plasma AUC(0-24), linear up / log down, by hand (ng*h/mL)
AUC_0_24 = (
    800 / 2
    + 160 / math.log(1.25)
    + 2 * 320 / LN2
    + 4 * 240 / math.log(4)
    + 4 * 60 / math.log(4)
    + 12 * 18.75 / math.log(16)
)
AE = [500 * 200, 250 * 300, 100 * 400]  # ng/mL x mL = ng per collection


def _urine(st):
    c = st.conc
    return c[c["matrix"] == "URINE"].sort_values("time").reset_index(drop=True)


def _copy(tmp_path, name="sdtm_urine") -> Path:
    out = tmp_path / name
    shutil.copytree(FIX / name, out)
    return out


def _edit_pc(folder: Path, edit) -> None:
    pc = pd.read_csv(folder / "pc.csv", dtype=str, keep_default_na=False)
    pc = edit(pc)
    pc.to_csv(folder / "pc.csv", index=False)


def test_interval_collections_get_start_end_and_volume():
    st = read_study(FIX / "sdtm_urine")
    u = _urine(st)
    # PCDTC - first EXSTDTC; PCENDTC - first EXSTDTC (hours)
    assert u["time"].tolist() == [0.0, 6.0, 12.0]
    assert u["end_time"].tolist() == [6.0, 12.0, 24.0]
    # nominal start = PCELTM + PCEVLINT: 6-6, 12-6, 24-12
    assert u["nominal_time"].tolist() == [0.0, 6.0, 12.0]
    assert u["volume"].tolist() == [200.0, 300.0, 400.0]
    assert st.units["volume"] == "mL"
    # VOLUME and SPG records are not concentrations
    assert len(st.conc) == 10 and set(st.conc["analyte"]) == {"DRUGX"}
    assert any("SPG" in n and "rows 15" in n for n in st.notes)
    plasma = st.conc[st.conc["matrix"] == "PLASMA"]
    assert plasma["end_time"].isna().all() and plasma["volume"].isna().all()


def test_validate_no_longer_warns_about_interval_times(capsys):
    assert study_warnings(read_study(FIX / "sdtm_urine")) == []
    assert main(["validate", str(FIX / "sdtm_urine")]) == 0
    assert "warning" not in capsys.readouterr().out


@pytest.mark.parametrize("name", ["sdtm_urine", "sdtm_urine_litre"])
def test_urine_nca_by_hand(name):
    st = read_study(FIX / name)
    res = nca(st)
    iv = res.urine.sort_values("start")
    ae_unit = f"{st.units['conc']}*{st.units['volume']}"
    assert convert(iv["ae"].to_numpy(float), ae_unit, "ng") == pytest.approx(AE, rel=1e-12)
    p = res.parameters
    u = p[p["matrix"] == "URINE"].set_index("PPTESTCD")
    rcamint = convert(u.loc["RCAMINT", "value"], u.loc["RCAMINT", "unit"], "ng")
    assert rcamint == pytest.approx(215000.0, rel=1e-12)
    # 100 x 0.215 mg / 10 mg
    assert u.loc["RCPCINT", "value"] == pytest.approx(2.15, rel=1e-12)
    # Ae(0-24) / AUC(0-24): ng / (ng*h/mL) = mL/h
    renal = convert(u.loc["RENALCL", "value"], u.loc["RENALCL", "unit"], "mL/h")
    assert renal == pytest.approx(215000.0 / AUC_0_24, rel=1e-10)


def test_litre_fixture_converts_to_the_volume_of_the_conc_unit():
    # urine ug/mL -> ng/mL (the plasma unit); volumes L -> mL (the volume of ng/mL)
    st = read_study(FIX / "sdtm_urine_litre")
    u = _urine(st)
    assert st.units == {"time": "h", "conc": "ng/mL", "dose": "mg", "volume": "mL"}
    assert u["conc"].tolist() == pytest.approx([500.0, 250.0, 100.0], rel=1e-12)
    assert u["volume"].tolist() == pytest.approx([200.0, 300.0, 400.0], rel=1e-12)
    assert any("converted from L to mL" in n for n in st.notes)


def test_declared_volume_unit_converts_volumes():
    st = read_study(FIX / "sdtm_urine", units={"volume": "L"})
    assert st.units["volume"] == "L"
    assert _urine(st)["volume"].tolist() == pytest.approx([0.2, 0.3, 0.4], rel=1e-12)


def test_kinetor_nca_cli_on_the_sdtm_folder(tmp_path):
    out = tmp_path / "o"
    assert main(["--quiet", "nca", str(FIX / "sdtm_urine"), "--no-report", "--out", str(out)]) == 0
    p = pd.read_csv(out / "nca_parameters.csv")
    u = p[p["matrix"] == "URINE"].set_index("PPTESTCD")
    assert convert(u.loc["RCAMINT", "value"], u.loc["RCAMINT", "unit"], "ng") == pytest.approx(
        215000.0, rel=1e-9
    )
    assert u.loc["RCPCINT", "value"] == pytest.approx(2.15, rel=1e-9)


def test_missing_pcendtc_falls_back_to_the_nominal_end(tmp_path):
    folder = _copy(tmp_path)

    def edit(pc):
        pc.loc[pc["PCSEQ"].isin(["10", "11"]), "PCENDTC"] = ""  # 6-12 h, analyte + volume
        return pc

    _edit_pc(folder, edit)
    st = read_study(folder)
    u = _urine(st)
    assert u["end_time"].tolist() == [6.0, 12.0, 24.0]  # PCELTM PT12H
    assert u["volume"].tolist() == [200.0, 300.0, 400.0]
    assert any("rows 11" in n and "nominal end" in n for n in st.notes)


def test_interval_without_volume_is_a_problem_urine_nca_would_meet(tmp_path):
    # read_study validates what urine NCA needs: a collection without a VOLUME record has no
    # amount (it was kept with volume NaN and a note; NCA then refused it)
    folder = _copy(tmp_path)
    _edit_pc(folder, lambda pc: pc[pc["PCSEQ"] != "13"])
    with pytest.raises(DataError) as info:
        read_study(folder)
    (p,) = [p for p in info.value.problems if "without volume" in p.message]
    assert p.row == 13


def test_two_volumes_for_one_collection_name_both_rows(tmp_path):
    folder = _copy(tmp_path)

    def edit(pc):
        extra = pc[pc["PCSEQ"] == "9"].copy()
        extra[["PCSEQ", "PCORRES", "PCSTRESC", "PCSTRESN"]] = ["15", "210", "210", "210"]
        pc.loc[len(pc)] = extra.iloc[0]
        return pc

    _edit_pc(folder, edit)
    with pytest.raises(DataError) as info:
        read_study(folder)
    (p,) = [p for p in info.value.problems if "two different volumes" in p.message]
    assert "rows 10, 16" in p.message and p.row == 10 and p.column == "PCSTRESN"


def test_pcrefid_tells_collections_apart(tmp_path):
    folder = _copy(tmp_path)

    def edit(pc):
        pc["PCREFID"] = ""
        pc.loc[pc["PCSEQ"] == "8", "PCREFID"] = "S1"
        pc.loc[pc["PCSEQ"] == "9", "PCREFID"] = "S1"
        extra = pc[pc["PCSEQ"] == "9"].copy()
        extra[["PCSEQ", "PCREFID", "PCSTRESN"]] = ["15", "S2", "999"]
        pc.loc[len(pc)] = extra.iloc[0]
        return pc

    _edit_pc(folder, edit)
    st = read_study(folder)
    assert _urine(st)["volume"].iloc[0] == 200.0
    assert any("matching no concentration" in n and "rows 16" in n for n in st.notes)
