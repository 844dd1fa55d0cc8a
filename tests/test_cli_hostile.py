"""The exit-code contract (0 ok / 2 usage / 3 data or model rejected / 1 internal) on
careless and hostile input, input limits checked before allocation, and user text that
must stay text. Every case here failed (exit 1, a crash, a hang or silence) before."""

import subprocess
import sys
from pathlib import Path

import pytest

from kinetor import limits
from kinetor.cli.main import main

FIXTURES = Path(__file__).parent / "data" / "fixtures"


def sim(*extra, regimen="10 mg IV", hours="24", out):
    return [
        "--quiet",
        "simulate-pk",
        "--model",
        "1cmt",
        "--param",
        "cl=5 L/h",
        "--param",
        "v=20 L",
        "--regimen",
        regimen,
        "--hours",
        hours,
        "--out",
        str(out),
        *extra,
    ]


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (("--n-subjects", "0"), 2),
        (("--dt", "0"), 2),
        (("--seed", "-1"), 2),
        (("--n-subjects", "3", "--cv", "cl=-0.3"), 2),
        (("--prop-error", "-0.1"), 2),
        (("--n-subjects", "10000000"), 3),
    ],
)
def test_simulate_pk_options_are_checked(tmp_path, extra, code):
    assert main(sim(*extra, out=tmp_path)) == code


@pytest.mark.parametrize(
    ("regimen", "hours"),
    [
        ("1e400 mg IV", "24"),
        ("10 mg PO QD 0 days on/0 days off x 2 weeks", "24"),
        ("10 mg" + "/mg" * 3000 + " IV", "24"),
        (" then ".join(["10 mg IV QD x 90000 days"] * 30), "24"),
        ("10 mg IV", "1e9"),
    ],
)
def test_regimens_and_lengths_beyond_reason_are_refused_quickly(tmp_path, regimen, hours):
    assert main(sim(regimen=regimen, hours=hours, out=tmp_path)) == 3


def test_nonmem_addl_beyond_the_dose_limit_is_refused(tmp_path):
    text = (FIXTURES / "nonmem.csv").read_text().splitlines()
    first = text[1].split(",")
    first[10] = "100000000"  # ADDL
    first[9] = "12"  # II
    (tmp_path / "nm.csv").write_text("\n".join([text[0], ",".join(first), *text[2:]]) + "\n")
    assert main(["--quiet", "validate", str(tmp_path / "nm.csv")]) == 3


def test_limits_can_be_raised_on_purpose():
    from kinetor.pk import Regimen

    with pytest.raises(Exception, match="doses_per_subject"):
        _parse_with_limit(300)
    with limits.override(doses_per_subject=1000):
        assert Regimen.parse("1 mg IV QD x 200 days then 1 mg IV QD x 200 days").n_doses == 400


def _parse_with_limit(n):
    from kinetor.pk import Regimen

    with limits.override(doses_per_subject=n):
        return Regimen.parse("1 mg IV QD x 200 days then 1 mg IV QD x 200 days")


def test_markup_in_a_subject_id_is_printed_as_text(tmp_path, capsys):
    (tmp_path / "m.csv").write_text(
        "Subject,Time (h),Conc (ng/mL),Dose (mg/kg),Route\n[/],0.5,[bold]x,1,PO\n[/],1,20,1,PO\n"
    )
    assert main(["validate", str(tmp_path / "m.csv")]) == 3
    err = capsys.readouterr().err
    assert "[bold]x" in err


def test_mathtext_in_group_names_does_not_break_figures(tmp_path):
    lines = ["animal,group,day,volume"]
    for a, g, vs in (("c1", "$\\foo$", [100, 200, 400]), ("t1", "$x^$", [100, 120, 150])):
        lines += [f"{a},{g},{d},{v}" for d, v in zip((0, 7, 14), vs, strict=True)]
    (tmp_path / "v.csv").write_text("\n".join(lines) + "\n")
    assert (
        main(
            [
                "--quiet",
                "tgi",
                str(tmp_path / "v.csv"),
                "--control",
                "$\\foo$",
                "--day",
                "14",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    assert (tmp_path / "o" / "report.html").stat().st_size > 1000


def test_a_closed_pipe_ends_quietly():
    # stdout is a pipe whose reader has already gone (`kinetor ... | head` after head quit):
    # every write raises BrokenPipeError
    code = (
        "import os, sys; r, w = os.pipe(); os.close(r); os.dup2(w, 1); "
        "sys.argv = ['kinetor', 'compounds', 'list']; "
        "from kinetor.cli.main import _entry; _entry()"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert "Exception ignored" not in run.stderr


def test_nca_report_figures_are_bounded(tmp_path):
    import pandas as pd

    from kinetor.data import Study
    from kinetor.report.nca_document import build_nca_report

    rows = [(f"s{i}", t, c) for i in range(6) for t, c in ((0.5, 10), (1, 8), (2, 4), (4, 2))]
    conc = pd.DataFrame(rows, columns=["subject", "time", "conc"])
    doses = pd.DataFrame(
        {"subject": [f"s{i}" for i in range(6)], "time": 0.0, "dose": 1.0, "route": "IV"}
    )
    st = Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    from kinetor.nca import nca

    res = nca(st)
    with limits.override(report_figures=4):
        rep = build_nca_report(st, res)
    individual = [
        b for b in rep.blocks if b["type"] == "figure" and b["caption"].startswith("Subject")
    ]
    assert len(individual) == 4  # 2 subjects x (profile + half-life)
    assert any(
        "The first 2 of 6 subjects are shown (at most 2 per report" in b.get("html", "")
        for b in rep.blocks
    )


def test_excel_workbook_stores_formula_like_ids_as_text(tmp_path):
    import openpyxl
    import pandas as pd

    from kinetor.data import Study
    from kinetor.nca import nca

    conc = pd.DataFrame(
        {"subject": '=HYPERLINK("x")', "time": [0.5, 1, 2, 4], "conc": [10.0, 8, 4, 2]}
    )
    doses = pd.DataFrame({"subject": ['=HYPERLINK("x")'], "time": 0.0, "dose": 1.0, "route": "IV"})
    res = nca(Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"}))
    path = res.to_excel(tmp_path / "nca.xlsx")
    wb = openpyxl.load_workbook(path)
    cells = [
        c
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert cells and all(c.data_type == "s" for c in cells)
