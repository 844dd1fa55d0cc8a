"""What the PP domain and the summary grid carry: the acceptance flag of a kept value
(``PPFLAG``, a kinetor extension), the STUDYID of the data's Study column (``kinetor nca``),
and an ``N flagged`` row in the grid, as ``n_flagged`` in nca_summary.csv.

Hand values: subject s1 (PO, t = 0, 1, 2, 3, 4 h; C = 0, 10, 5, 4, 1) has three points
after Tmax; the log-linear fit of (2, ln 5), (3, ln 4), (4, ln 1) gives slope -0.8047,
R2 = 0.8516, R2ADJ = 1 - (1 - R2) * 2 / 1 = 0.703 < 0.9: flagged (span 2.32 >= 2, AUC%extrap
6 % <= 20 %). Subject s2 (t = 0, 1, 2, 4, 8; C = 0, 10, 8, 4, 1) is an exact exponential
after Tmax: lambda_z = ln 2 / 2, half-life 2 h, R2ADJ = 1, span 3, AUC%extrap 7.8 %:
not flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import Study, read_study
from kinetor.errors import DataError
from kinetor.nca import nca
from kinetor.nca._result_tables import study_ids, to_cdisc

PROFILES = {
    "s1": ([0.0, 1, 2, 3, 4], [0.0, 10, 5, 4, 1]),
    "s2": ([0.0, 1, 2, 4, 8], [0.0, 10, 8, 4, 1]),
}


def _result():
    conc = pd.DataFrame(
        [
            {"subject": s, "time": t, "conc": c}
            for s, (ts, cs) in PROFILES.items()
            for t, c in zip(ts, cs, strict=True)
        ]
    )
    doses = pd.DataFrame({"subject": ["s1", "s2"], "time": 0.0, "dose": 1.0, "route": "PO"})
    subjects = pd.DataFrame({"subject": ["s1", "s2"], "group": "G"})
    units = {"time": "h", "conc": "ng/mL", "dose": "mg"}
    return nca(Study(conc, doses, subjects, units=units, groups=["group"]))


def test_pp_domain_carries_the_flag_of_kept_values():
    pp = to_cdisc(_result()).set_index(["USUBJID", "PPTESTCD"])
    assert pp.columns[-1] == "PPFLAG"  # after the SDTM variables
    assert pp.loc[("s1", "R2ADJ"), "PPSTRESN"] == pytest.approx(0.7034, abs=1e-3)
    for code in ("LAMZ", "LAMZHL", "AUCIFO"):  # lambda_z and what depends on it
        assert pp.loc[("s1", code), "PPFLAG"] == "R2ADJ < 0.9"
        assert pp.loc[("s2", code), "PPFLAG"] == ""
        assert np.isfinite(pp.loc[("s1", code), "PPSTRESN"])  # kept, not dropped
    assert pp.loc[("s1", "CMAX"), "PPFLAG"] == ""
    assert pp.loc[("s2", "LAMZHL"), "PPSTRESN"] == pytest.approx(2.0, rel=1e-9)


def test_summary_grid_has_an_n_flagged_row():
    res = _result()
    grid = res.summary_grid(["CMAX", "LAMZHL"]).set_index(["PPTESTCD", "statistic"])["G"]
    assert (grid[("LAMZHL", "N")], grid[("LAMZHL", "N flagged")]) == (2.0, 1.0)
    assert (grid[("CMAX", "N")], grid[("CMAX", "N flagged")]) == (2.0, 0.0)
    # --exclude-flagged: s1 leaves the statistics; N flagged says one value was left out
    out = res.summary_grid(["LAMZHL"], exclude_flagged=True).set_index("statistic")["G"]
    assert (out["N"], out["N flagged"]) == (1.0, 1.0)
    assert out["Mean"] == pytest.approx(2.0, rel=1e-9)


def _csv(tmp_path, studies: dict[str, str]):
    rows = [
        {"Study": studies[s], "Subject": s, "Time (h)": t, "Conc (ng/mL)": c}
        | {"Dose (mg)": 1.0, "Route": "PO"}
        for s, (ts, cs) in PROFILES.items()
        for t, c in zip(ts, cs, strict=True)
    ]
    path = tmp_path / "study.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _run(path, out) -> int:
    return main(["--quiet", "nca", str(path), "--no-report", "--out", str(out)])


def test_cli_pp_domain_takes_the_study_id_of_the_data(tmp_path):
    out = tmp_path / "out"
    assert _run(_csv(tmp_path, {"s1": "ST-01", "s2": "ST-01"}), out) == 0
    pp = pd.read_csv(out / "nca_cdisc_pp.csv", keep_default_na=False)
    assert set(pp["STUDYID"]) == {"ST-01"}
    sheet = pd.read_excel(out / "nca.xlsx", sheet_name="cdisc_pp", keep_default_na=False)
    assert set(sheet["STUDYID"]) == {"ST-01"}
    assert "PPFLAG" in sheet.columns


def test_cli_pp_domain_of_two_studies_names_each_subjects_study(tmp_path):
    out = tmp_path / "out"
    assert _run(_csv(tmp_path, {"s1": "ST-01", "s2": "ST-02"}), out) == 0
    pp = pd.read_csv(out / "nca_cdisc_pp.csv", keep_default_na=False)
    assert pp.groupby("USUBJID")["STUDYID"].agg(set).to_dict() == {
        "s1": {"ST-01"},
        "s2": {"ST-02"},
    }


def test_cli_refuses_a_subject_listed_under_two_studies_before_writing(tmp_path, capsys):
    path = _csv(tmp_path, {"s1": "ST-01", "s2": "ST-02"})
    df = pd.read_csv(path)
    df.loc[(df["Subject"] == "s1") & (df["Time (h)"] == 4), "Study"] = "ST-02"
    df.to_csv(path, index=False)
    out = tmp_path / "out"
    assert _run(path, out) == 3
    err = capsys.readouterr().err
    assert "s1" in err and "ST-01" in err and "ST-02" in err
    assert not out.exists()
    # the problem names the file row (header = row 1: s1 at 4 h is row 6) and the column
    with pytest.raises(DataError) as exc:
        study_ids(read_study(path))
    problem = exc.value.problems[0]
    assert (problem.row, problem.column, problem.file) == (6, "Study", path.name)
