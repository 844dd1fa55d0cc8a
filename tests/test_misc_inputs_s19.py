"""Inputs of demo, report, the miRNA gene lists and TarBase reader, evidence check, the
bioanalysis run reader and compounds --out that used to end in an internal error, a silent
overwrite or a silently accepted nonsense value. Expected values are worked by hand from
the files each test writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError

ROOT = Path(__file__).resolve().parents[1]


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


# -- demo --out ----------------------------------------------------------------------------
@pytest.mark.parametrize("below", ["", "x"])
def test_demo_refuses_an_out_that_is_or_lies_below_a_file(tmp_path, capsys, below):
    afile = tmp_path / "notes.csv"
    afile.write_text("a\n1\n")
    out = afile / below if below else afile
    assert main(["--json", "demo", "--out", str(out)]) == 3
    err = _json(capsys)
    assert err["error"] == "DataError" and not err["internal"]
    (problem,) = err["problems"]
    assert ("is a file, not a folder" if not below else "cannot create") in problem["problem"]
    assert afile.read_text() == "a\n1\n"  # untouched


def test_run_demo_refuses_a_file_as_its_folder(tmp_path):
    from kinetor.demo import run_demo

    afile = tmp_path / "report.csv"
    afile.write_text("x\n")
    with pytest.raises(DataError, match="a file, not a folder"):
        run_demo(afile)
    with pytest.raises(DataError, match="cannot create the output folder"):
        run_demo(afile / "sub")


def test_demo_names_the_files_it_replaced(tmp_path, capsys, monkeypatch):
    """A folder that already holds the user's report.html and notes: the output names
    report.html (written again), not notes.txt (left alone) nor the new table."""
    import kinetor.demo
    from kinetor.demo import DemoResult

    def fake_run_demo(out_dir, on_stage=None):
        out = Path(out_dir)
        (out / "report.html").write_text("<html>demo</html>")
        (out / "rat_nca_parameters.csv").write_text("a\n1\n")
        return DemoResult(out, out / "report.html", {"rat": out / "rat_nca_parameters.csv"})

    monkeypatch.setattr(kinetor.demo, "run_demo", fake_run_demo)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.html").write_text("<html>my own report, a longer text</html>")
    (out / "notes.txt").write_text("keep\n")
    assert main(["--json", "demo", "--out", str(out)]) == 0
    assert _json(capsys)["replaced"] == ["report.html"]
    assert (out / "notes.txt").read_text() == "keep\n"
    assert main(["demo", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    # second run: both files of the first demo are written again
    assert "replaced 2 file(s)" in text and "rat_nca_parameters.csv, report.html" in text


# -- kinetor report DIR --------------------------------------------------------------------
def _analysis_folder(tmp_path) -> Path:
    d = tmp_path / "tgi_out"
    d.mkdir()
    (d / "tgi.csv").write_text("group,tgi_pct\nA,40\nB,75\n")
    assert main(["--quiet", "report", str(d)]) == 0  # report.html + report.json
    return d


def test_report_into_a_folder_named_report_html_is_a_data_error(tmp_path, capsys):
    d = _analysis_folder(tmp_path)
    (d / "report.html").unlink()
    (d / "report.json").unlink()
    (d / "report.html").mkdir()
    assert main(["--json", "report", str(d)]) == 3
    (problem,) = _json(capsys)["problems"]
    assert "report.html is a folder" in problem["problem"]


def test_report_refuses_a_manifest_of_the_wrong_shape(tmp_path, capsys):
    d = _analysis_folder(tmp_path)
    (d / "report.json").write_text(json.dumps({"sections": "x", "title": 5}))
    assert main(["--json", "report", str(d)]) == 3
    assert "no list of blocks" in _json(capsys)["problems"][0]["problem"]
    # a manifest with blocks, but a number for a title, a string of sections, level 7
    spec = {
        "title": 5,
        "sections": "x",
        "blocks": [{"type": "section", "title": "Tables", "level": 7}],
    }
    (d / "report.json").write_text(json.dumps(spec))
    assert main(["--json", "report", str(d)]) == 3
    got = sorted(p["problem"] for p in _json(capsys)["problems"])
    assert got == [
        "block 1 (section): level 7 is not 1, 2 or 3",
        "sections 'x' is not a list of texts",
        "title 5 is not text",
    ]


def test_report_refuses_an_empty_folder_path(tmp_path, capsys, monkeypatch):
    d = _analysis_folder(tmp_path)
    (d / "report.html").unlink()
    monkeypatch.chdir(d)  # '' would have reported this folder
    assert main(["--json", "report", ""]) == 3
    assert "path is empty" in _json(capsys)["problems"][0]["problem"]
    assert not (d / "report.html").exists()


# -- miRNA: gene lists and TarBase ---------------------------------------------------------
def test_a_gene_list_in_table_form_gives_its_gene_column(tmp_path):
    from kinetor.screens import read_gene_list

    cases = {
        "gene,score\nPTEN,1\nMTOR,2\n": ["PTEN", "MTOR"],
        "score;symbol\n1;PTEN\n2;MTOR\n": ["PTEN", "MTOR"],
        "hgnc,score\nPTEN,1\n": ["PTEN"],  # text over numbers: a header
        "PTEN,1\nMTOR,2\n": ["PTEN", "MTOR"],  # no header
        "PTEN\n\n# comment\nMTOR\n": ["PTEN", "MTOR"],  # one per line, as before
    }
    for text, want in cases.items():
        path = tmp_path / "genes.txt"
        path.write_text(text)
        assert read_gene_list(path) == want, text


def test_a_gene_list_refuses_cells_that_are_no_gene_ids(tmp_path):
    from kinetor.screens import read_gene_list

    path = tmp_path / "genes.txt"
    path.write_text("PTEN\nMTOR,2\n\nKRAS\n")  # one per line, then a table row
    with pytest.raises(DataError) as info:
        read_gene_list(path)
    (problem,) = info.value.problems
    assert (problem.row, problem.message) == (2, "not a gene id: 'MTOR,2'")


def test_mirna_enrich_reads_the_gene_column_of_a_csv_background(tmp_path, capsys):
    de = tmp_path / "de.csv"
    de.write_text("mirna,log2fc,padj\nhsa-miR-21-5p,2.0,0.001\nhsa-miR-99a-5p,-1.5,0.01\n")
    bg = tmp_path / "bg.txt"
    bg.write_text("gene,score\nPTEN,1\nMTOR,2\n")
    out = ["--out", str(tmp_path / "o")]
    code = main(["--json", "mirna", "enrich", str(de), "--background", str(bg), *out])
    assert code == 0
    pooled = _json(capsys)["enrichment"][0]
    # background {PTEN, MTOR}: both on the network, both targets (miR-21 -> PTEN,
    # miR-99a -> MTOR in the curated table)
    assert (pooled["N"], pooled["K"], pooled["n"], pooled["k"]) == (2, 2, 2, 2)


def test_tarbase_refuses_a_sign_that_is_neither_positive_nor_negative(tmp_path):
    from kinetor.mirna import read_tarbase

    path = tmp_path / "tb.csv"
    path.write_text(
        "mirna,geneName,method,species,positive_negative\n"
        "hsa-miR-21-5p,PTEN,Luciferase reporter assay,Homo sapiens,POSITIVE\n"
        "hsa-miR-21-5p,PDCD4,Luciferase reporter assay,Homo sapiens,MAYBE\n"
    )
    with pytest.raises(DataError) as info:
        read_tarbase(path)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (3, "positive_negative")
    assert "'MAYBE'" in problem.message


# -- evidence check ------------------------------------------------------------------------
def _pk_rows() -> list[list[str]]:
    from kinetor.translate.evidence import DATA_DIR

    with open(DATA_DIR / "pk_sets.csv", newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def _check(path: Path, capsys, table: str = "pk") -> tuple[int, dict]:
    code = main(["--json", "evidence", "check", str(path), "--table", table])
    return code, _json(capsys)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("route", "teleport", "unknown route 'teleport'"),
        ("compound", "nosuchdrug", "compound 'nosuchdrug' is in neither"),
    ],
)
def test_evidence_check_refuses_an_unknown_route_or_compound(
    tmp_path, capsys, column, value, message
):
    rows = _pk_rows()
    assert rows[1][rows[0].index("parameter")] == "F"  # pictilisib, mouse, F 78 %
    rows[1][rows[0].index(column)] = value
    code, err = _check(_write(tmp_path / "pk.csv", rows), capsys)
    assert code == 3
    (problem,) = err["problems"]
    assert (problem["row"], problem["column"]) == (2, column)
    assert problem["problem"].startswith(message)


def test_evidence_check_knows_a_compound_by_its_synonym(tmp_path, capsys):
    rows = _pk_rows()
    rows[1][rows[0].index("compound")] = "GDC-0941"  # pictilisib's code name
    code, out = _check(_write(tmp_path / "pk.csv", rows), capsys)
    assert code == 0 and out["rows"] == 39


def test_evidence_check_refuses_an_f_above_twice_the_dose(tmp_path, capsys):
    rows = _pk_rows()
    rows[1][rows[0].index("value")] = "780"  # 78 % with a slipped digit
    code, err = _check(_write(tmp_path / "pk.csv", rows), capsys)
    assert code == 3
    (problem,) = err["problems"]
    assert (problem["row"], problem["column"]) == (2, "value")
    assert problem["problem"] == "F (%) 780 is above 200"


def test_evidence_check_refuses_a_share_above_100_percent(tmp_path, capsys):
    from kinetor.translate.evidence import DATA_DIR

    with open(DATA_DIR / "clinical_pd.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    unit, value = rows[0].index("unit"), rows[0].index("value")
    i = next(i for i, r in enumerate(rows) if r[unit] == "% of patients")
    rows[i][value] = "170"
    code, err = _check(_write(tmp_path / "clin.csv", rows), capsys, "clinical")
    assert code == 3
    (problem,) = err["problems"]
    assert (problem["row"], problem["column"]) == (i + 1, "value")


def test_evidence_check_refuses_a_repeated_row_and_an_empty_table(tmp_path, capsys):
    rows = _pk_rows()
    code, err = _check(_write(tmp_path / "pk.csv", [*rows, rows[1]]), capsys)
    assert code == 3
    (problem,) = err["problems"]
    # 39 data rows under the header: the copy of line 2 is line 41
    assert (problem["row"], problem["problem"]) == (41, "repeats row 2 exactly")
    code, err = _check(_write(tmp_path / "hdr.csv", rows[:1]), capsys)
    assert code == 3 and err["problems"][0]["row"] == 1


def test_evidence_check_reads_a_semicolon_file_and_counts_blank_lines(tmp_path, capsys):
    rows = _pk_rows()
    code, out = _check(_write(tmp_path / "semi.csv", rows, ";"), capsys)
    assert code == 0 and out["rows"] == 39
    rows[3][rows[0].index("route")] = "teleport"
    path = _write(tmp_path / "blank.csv", rows)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines[:2], "\n", *lines[2:]]), encoding="utf-8")
    code, err = _check(path, capsys)
    # header, row, blank line, row, then the teleport row: line 5 of the file
    assert code == 3 and err["problems"][0]["row"] == 5


# -- bioanalysis: a workbook's sheets ------------------------------------------------------
EXAMPLE = ROOT / "examples" / "bioanalysis" / "run_rat_plasma.csv"


def _two_sheets(tmp_path) -> Path:
    path = tmp_path / "run.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"study": ["rat PK"], "analyst": ["A. B."]}).to_excel(
            xl, sheet_name="Info", index=False
        )
        pd.read_csv(EXAMPLE).to_excel(xl, sheet_name="Run", index=False)
    return path


def test_run_reader_names_the_sheet_read_and_the_workbook_sheets(tmp_path):
    from kinetor.bioanalysis import read_run

    path = _two_sheets(tmp_path)
    with pytest.raises(DataError) as info:
        read_run(path)
    first = info.value.problems[0]
    assert "(sheet 'Info' read; the workbook's sheets: Info, Run)" in first.message
    assert "--sheet" in first.fix
    # the same rows as the CSV the sheet was made from
    assert len(read_run(path, sheet="Run")) == len(read_run(EXAMPLE))
    assert len(read_run(path, sheet=1)) == len(read_run(EXAMPLE))


def test_bioanalysis_cli_takes_a_sheet(tmp_path, capsys):
    path = _two_sheets(tmp_path)
    code = main(
        ["--json", "bioanalysis", str(path), "--sheet", "Run", "--out", str(tmp_path / "o")]
    )
    assert code == 0
    conc = pd.read_csv(tmp_path / "o" / "concentrations.csv", keep_default_na=False)
    assert len(conc) == 27  # as from the CSV (tests/bioanalysis/test_bioanalysis_cli.py)


# -- compounds --out -----------------------------------------------------------------------
@pytest.mark.parametrize("args", [["list"], ["check"], ["trials"], ["show", "AZD2014"]])
def test_compounds_refuse_a_file_out_before_printing(tmp_path, capsys, args):
    afile = tmp_path / "table.csv"
    afile.write_text("x\n")
    assert main(["compounds", *args, "--out", str(afile)]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""  # no table printed first
    assert "1 problem(s) in the data" in captured.err
    # --json: the error is the one JSON document on stdout (no table before it)
    assert main(["--json", "compounds", *args, "--out", str(afile / "sub")]) == 3
    (problem,) = _json(capsys)["problems"]
    assert "is a file, not a folder" in problem["problem"]
