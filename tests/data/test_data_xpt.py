"""SAS transport (XPT v5) input: a PC/EX pair written by a minimal XPORT writer below
(record layout from SAS TS-140), read through ``read_study``."""

import math
import struct

import pandas as pd

from kinetor.data import read_study

_STAMP = "01JAN21:00:00:00"


def _ibm(value: float) -> bytes:
    """8-byte IBM 370 hexadecimal float; NaN -> SAS missing '.'."""
    if value is None or math.isnan(value):
        return b"\x2e" + b"\x00" * 7
    if value == 0:
        return b"\x00" * 8
    sign = 0x80 if value < 0 else 0
    v, exp = abs(value), 64
    while v >= 1:
        v, exp = v / 16, exp + 1
    while v < 1 / 16:
        v, exp = v * 16, exp - 1
    frac = round(v * 2**56)
    return bytes([sign | exp]) + frac.to_bytes(7, "big")


def _rec(text: str) -> bytes:
    return text.ljust(80).encode("latin-1")


def write_xpt(path, df: pd.DataFrame, name: str) -> None:
    cols = []
    for c in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[c])
        width = 8 if numeric else max(1, int(df[c].astype(str).str.len().max()))
        cols.append((c, numeric, width))
    out = [
        _rec("HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!" + "0" * 30),
        _rec("SAS     SAS     SASLIB  9.4     X64_7PRO" + " " * 24 + _STAMP),
        _rec(_STAMP),
        _rec("HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!000000000000000001600000000140"),
        _rec("HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!" + "0" * 30),
        _rec("SAS     " + name.ljust(8) + "SASDATA 9.4     X64_7PRO" + " " * 24 + _STAMP),
        _rec(_STAMP),
        _rec(f"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000{len(cols):04d}" + "0" * 20),
    ]
    names, pos = b"", 0
    for i, (c, numeric, width) in enumerate(cols):
        names += struct.pack(
            ">hhhh8s40s8shhh2s8shhl52s",
            1 if numeric else 2,
            0,
            width,
            i + 1,
            c.ljust(8).encode(),
            b" " * 40,
            b" " * 8,
            0,
            0,
            0,
            b"  ",
            b" " * 8,
            0,
            0,
            pos,
            b"\x00" * 52,
        )
        pos += width
    names += b" " * (-len(names) % 80)
    data = b""
    for _, row in df.iterrows():
        for c, numeric, width in cols:
            data += _ibm(float(row[c])) if numeric else str(row[c]).ljust(width).encode()
    data += b" " * (-len(data) % 80)
    obs = _rec("HEADER RECORD*******OBS     HEADER RECORD!!!!!!!" + "0" * 30)
    path.write_bytes(b"".join(out) + names + obs + data)


def test_ibm_float_encoding_hand_values():
    # 1.0 = 0x41100000... (1/16 x 16^1); -118.625 = 0xC276A000... (the textbook example of
    # IBM hexadecimal floating point: -0x76.A = -(7 x 16 + 6 + 10/16))
    assert _ibm(1.0).hex() == "4110000000000000"
    assert _ibm(-118.625).hex() == "c276a00000000000"


def test_read_pc_ex_xpt(tmp_path):
    pc = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1"],
            "PCTESTCD": ["DRUG"] * 3,
            "PCSTRESC": ["12.5", "6.25", "BLQ"],
            "PCSTRESN": [12.5, 6.25, math.nan],
            "PCSTRESU": ["ng/mL"] * 3,
            "PCLLOQ": [1.0, 1.0, 1.0],
            "PCELTM": ["PT1H", "PT4H", "PT24H"],
        }
    )
    ex = pd.DataFrame(
        {
            "USUBJID": ["S1"],
            "EXTRT": ["DRUG"],
            "EXDOSE": [2.0],
            "EXDOSU": ["mg/kg"],
            "EXROUTE": ["ORAL"],
        }
    )
    write_xpt(tmp_path / "pc.xpt", pc, "PC")
    write_xpt(tmp_path / "ex.xpt", ex, "EX")
    st = read_study(tmp_path)
    assert st.conc["nominal_time"].tolist() == [1.0, 4.0, 24.0]
    assert st.conc["conc"].tolist()[:2] == [12.5, 6.25] and bool(st.conc["blq"].iloc[2])
    assert st.conc["source_row"].tolist() == [1, 2, 3]  # XPT: observation numbers
    assert st.doses[["dose", "route"]].values.tolist() == [[2.0, "extravascular"]]
