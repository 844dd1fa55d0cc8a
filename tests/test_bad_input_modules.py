"""Broken inputs to ``kinetor screen``, ``mirna``, ``qsar`` and ``assay``: a bad option is a
usage error (exit 2) before any work; a bad file is a DataError naming it (exit 3), never
an internal error (exit 1); a semicolon or cp1252 table is read as the comma/UTF-8 one."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError

COUNTS = (
    "sgRNA\tGene\tC1\tC2\tT1\tT2\n"
    "g1\tA\t100\t110\t50\t55\n"
    "g2\tA\t200\t190\t90\t95\n"
    "g3\tB\t150\t160\t150\t170\n"
    "g4\tB\t120\t130\t125\t118\n"
)


def _write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _json_problems(capsys):
    return json.loads(capsys.readouterr().out)["problems"]


# ---------------------------------------------------------------- readers: folders, files


@pytest.mark.parametrize(
    "args",
    [
        ["screen", "test", "{d}", "-t", "T1", "-c", "C1"],
        ["screen", "qc", "{d}"],
        ["qsar", "train", "{d}", "--target", "mtor"],
        ["mirna", "enrich", "{d}"],
        ["mirna", "simulate", "{d}"],
        ["assay", "clonogenic", "{d}"],
        ["assay", "dose-response", "{d}"],
        ["assay", "synergy", "{d}", "--response", "viability"],
    ],
)
def test_a_folder_is_a_data_error_naming_it(tmp_path, capsys, args):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    argv = [a.replace("{d}", str(folder)) for a in args]
    assert main(["--json", *argv, "--out", str(tmp_path / "o")]) == 3
    (prob,) = _json_problems(capsys)
    assert "a_folder" in prob["file"] and prob["fix"]


@pytest.mark.parametrize("name", ["fake.xlsx", "old.xls"])
@pytest.mark.parametrize(
    "args",
    [
        ["screen", "test", "{f}", "-t", "T1", "-c", "C1"],
        ["qsar", "train", "{f}", "--target", "mtor"],
        ["mirna", "enrich", "{f}"],
        ["assay", "dose-response", "{f}"],
    ],
)
def test_a_fake_or_old_workbook_is_a_data_error_naming_it(tmp_path, capsys, args, name):
    fake = _write(tmp_path / name, "not an excel file")
    argv = [a.replace("{f}", str(fake)) for a in args]
    assert main(["--json", *argv, "--out", str(tmp_path / "o")]) == 3
    (prob,) = _json_problems(capsys)
    assert prob["file"].endswith(name) and "workbook" in prob["problem"] and prob["fix"]


def test_binary_count_table_is_a_data_error(tmp_path):
    from kinetor.screens import read_counts

    p = tmp_path / "counts.txt"
    p.write_bytes(b"sgRNA\tGene\x00\x01\x02\xff\xfe" * 20)
    with pytest.raises(DataError) as err:
        read_counts(p)
    assert "binary" in err.value.problems[0].message


def test_cp1252_and_semicolon_count_tables_read_as_the_tab_one(tmp_path):
    from kinetor.screens import read_counts

    text = COUNTS.replace("\tA\t", "\tGène\t")
    tab = read_counts(_write(tmp_path / "tab.txt", text))
    cp = read_counts(_write(tmp_path / "cp.txt", text, "cp1252"))
    semi = read_counts(_write(tmp_path / "semi.csv", text.replace("\t", ";")))
    assert cp.genes.tolist() == ["Gène", "Gène", "B", "B"]
    for other in (cp, semi):
        assert other.samples == ["C1", "C2", "T1", "T2"]
        np.testing.assert_array_equal(other.counts, tab.counts)
    assert tab.counts[1].tolist() == [200, 190, 90, 95]


def test_cp1252_structure_table_is_read(tmp_path):
    from kinetor.qsar.io import read_activity_table

    p = _write(tmp_path / "act.csv", "id,smiles,value,unit\nComposé1,CCO,10,nM\n", "cp1252")
    assert read_activity_table(p)["id"].tolist() == ["Composé1"]


def test_semicolon_decimal_comma_dose_response_fits_the_comma_file(tmp_path, capsys):
    # exact 4PL data with IC50 = 1, Hill 1, top 100, bottom 0 (hand-built)
    doses = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
    lines = ["compound;dose;response"] + [
        f"A;{str(d).replace('.', ',')};{f'{100 / (1 + d):.6f}'.replace('.', ',')}" for d in doses
    ]
    p = _write(tmp_path / "dr.csv", "\n".join(lines) + "\n")
    assert main(["--json", "assay", "dose-response", str(p), "--out", str(tmp_path / "o")]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["ic50"] == pytest.approx(1.0, rel=1e-4)
    assert row["top"] == pytest.approx(100.0, rel=1e-4)


def test_plate_map_and_plate_folders_are_data_errors(tmp_path):
    from kinetor.assays.plates import read_plate, read_plate_map

    for reader in (read_plate, read_plate_map):
        with pytest.raises(DataError) as err:
            reader(tmp_path)
        assert err.value.problems[0].file == tmp_path.name


# ---------------------------------------------------------------- screens


def test_header_only_library_is_a_data_error(tmp_path, capsys):
    lib = _write(tmp_path / "lib.csv", "id,sequence,gene\n")
    fq = _write(tmp_path / "s1.fastq", "@r1\nACGTACGTAC\n+\nIIIIIIIIII\n")
    argv = ["--json", "screen", "count", str(fq), "-l", str(lib), "--out", str(tmp_path / "o")]
    assert main(argv) == 3
    (prob,) = _json_problems(capsys)
    assert prob["file"].endswith("lib.csv") and "no guides" in prob["problem"]


def test_spacer_length_mismatch_names_the_odd_guide(tmp_path):
    from kinetor.screens import count_fastq, read_library

    lib = read_library(
        _write(
            tmp_path / "lib.csv",
            "id,sequence,gene\ng1,ACGTACGTACGTACGTACGT,A\ng2,ACGTACGTACGTACGTACGA,A\n"
            "g3,ACGTACGTAC,B\ng4,TTGTACGTACGTACGTACGT,B\n",
        )
    )
    fq = _write(tmp_path / "s1.fastq", "@r1\nACGTACGTACGTACGTACGT\n+\n" + "I" * 20 + "\n")
    with pytest.raises(DataError) as err:
        count_fastq([fq], lib)
    msg = err.value.problems[0].message
    assert "'g3' (10 nt)" in msg and "'g1'" not in msg
    assert err.value.problems[0].file.endswith("lib.csv")


def test_qc_mapping_that_is_not_a_mapping_names_missing_columns(tmp_path, capsys):
    counts = _write(tmp_path / "counts.txt", COUNTS)
    argv = ["--json", "screen", "qc", str(counts), "--mapping", str(counts)]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 3
    (prob,) = _json_problems(capsys)
    assert "sample, reads, mapped" in prob["problem"] and prob["file"] == "counts.txt"


def test_qc_mapping_is_used(tmp_path):
    from kinetor.screens import read_counts, screen_qc
    from kinetor.screens.qc import read_mapping

    ct = read_counts(_write(tmp_path / "counts.txt", COUNTS))
    m = read_mapping(_write(tmp_path / "mapping.csv", "sample,reads,mapped\nC1,1000,800\n"))
    q = screen_qc(ct, mapping=m)
    assert q.samples["mapped_fraction"].iloc[0] == pytest.approx(0.8)  # 800 / 1000


def test_count_table_without_gene_column_says_so(tmp_path, capsys):
    text = "\n".join("\t".join(r.split("\t")[:1] + r.split("\t")[2:]) for r in COUNTS.split("\n"))
    p = _write(tmp_path / "nogene.txt", text)
    argv = ["--json", "screen", "test", str(p), "-t", "T1,T2", "-c", "C1,C2"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 3
    (prob,) = _json_problems(capsys)
    assert "Gene column is missing" in prob["problem"] and prob["column"] == "C1"


@pytest.mark.parametrize("option", ["-t", "-c"])
def test_empty_sample_list_is_a_usage_error(tmp_path, capsys, option):
    p = _write(tmp_path / "counts.txt", COUNTS)
    groups = {"-t": "T1,T2", "-c": "C1,C2"} | {option: " , "}
    argv = ["screen", "test", str(p), "-t", groups["-t"], "-c", groups["-c"]]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_rra_message_shows_plain_gene_names():
    from kinetor.screens import rra

    genes = np.array(["G1", "G4"])
    with pytest.raises(DataError) as err:
        rra(genes, np.array([0.1, np.nan]), 0.25)
    assert "(gene 'G4')" in err.value.problems[0].message


def test_screen_test_library_api_refuses_an_empty_group(tmp_path):
    from kinetor.screens import read_counts, screen_test

    ct = read_counts(_write(tmp_path / "counts.txt", COUNTS))
    with pytest.raises(DataError, match="no treatment sample"):
        screen_test(ct, [], ["C1", "C2"])


def test_mle_negative_seed_is_a_usage_error(tmp_path):
    p = _write(tmp_path / "counts.txt", COUNTS)
    d = _write(tmp_path / "design.txt", "Samples\tbaseline\tt\nC1\t1\t0\nT1\t1\t1\n")
    argv = ["screen", "mle", str(p), "-d", str(d), "--seed", "-1"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2


def test_network_non_number_fdr_is_a_data_error(tmp_path, capsys):
    p = _write(
        tmp_path / "genes.csv", "gene,neg_lfc,neg_fdr,pos_fdr\nMTOR,-2,0.001,1\nAKT1,-1,abc,1\n"
    )
    assert main(["--json", "screen", "network", str(p), "--out", str(tmp_path / "o")]) == 3
    (prob,) = _json_problems(capsys)
    assert (prob["row"], prob["column"]) == (3, "neg_fdr")


# ---------------------------------------------------------------- mirna

DE = "mirna,log2fc,padj\nhsa-miR-21-5p,2.0,0.001\n{name},-1.5,0.01\n"


def test_mirna_names_match_ignoring_case():
    from kinetor.mirna import enrichment, validated_targets

    de = pd.DataFrame(
        {"mirna": ["hsa-miR-21-5p", "HSA-MIR-99A-5P"], "log2fc": [2.0, -1.5], "padj": [0.001, 0.01]}
    )
    r = enrichment(de, validated_targets(), pathway=["MTOR", "PTEN"]).set_index("set")
    # curated table: miR-99a-5p -> MTOR (Sun et al. 2013), miR-21-5p -> PTEN (Meng 2007)
    assert r.loc["hsa-miR-99a-5p", "targets"] == "MTOR"
    assert r.loc["all changed", "targets"] == "MTOR;PTEN"


def test_mirna_names_differing_only_in_case_are_not_guessed():
    from kinetor.mirna import match_mirnas

    inter = pd.DataFrame({"mirna": ["hsa-mir-21", "hsa-miR-21"], "target": ["PTEN", "PTEN"]})
    de = pd.DataFrame({"mirna": ["HSA-MIR-21"], "log2fc": [1.0], "padj": [0.01]})
    _, renamed, unmatched = match_mirnas(de, inter)
    assert renamed == {} and unmatched == ["HSA-MIR-21"]


def test_unmatched_mirna_names_are_counted_in_a_note(tmp_path, capsys):
    p = _write(tmp_path / "de.csv", DE.format(name="miR-99a"))
    assert main(["mirna", "enrich", str(p), "--out", str(tmp_path / "o")]) == 0
    assert "1 of 2 miRNA name(s) in de.csv" in " ".join(capsys.readouterr().err.split())


def test_no_matching_mirna_is_a_data_error(tmp_path, capsys):
    p = _write(tmp_path / "de.csv", "mirna,log2fc,padj\na,2.0,0.001\nb,-1.5,0.01\n")
    assert main(["--json", "mirna", "simulate", str(p), "--out", str(tmp_path / "o")]) == 3
    (prob,) = _json_problems(capsys)
    assert prob["column"] == "mirna" and "none of the 2" in prob["problem"]


@pytest.mark.parametrize(
    "opts",
    [
        ["enrich", "--fdr", "-1"],
        ["enrich", "--fdr", "5"],
        ["enrich", "--min-lfc", "-1"],
        ["simulate", "--fdr", "5"],
        ["simulate", "--efficacy", "2"],
    ],
)
def test_mirna_bad_cut_offs_are_usage_errors(tmp_path, opts):
    p = _write(tmp_path / "de.csv", DE.format(name="hsa-miR-99a-5p"))
    argv = ["mirna", opts[0], str(p), *opts[1:], "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert not (tmp_path / "o").exists()


def test_empty_background_is_a_data_error(tmp_path, capsys):
    p = _write(tmp_path / "de.csv", DE.format(name="hsa-miR-99a-5p"))
    bg = _write(tmp_path / "genes.txt", "")
    argv = ["--json", "mirna", "enrich", str(p), "--background", str(bg)]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 3
    (prob,) = _json_problems(capsys)
    assert prob["file"].endswith("genes.txt") and "N = 0" in prob["problem"]


# ---------------------------------------------------------------- qsar


@pytest.fixture
def header_only(tmp_path):
    return _write(tmp_path / "hdr.csv", "id,smiles,value,unit\n")


@pytest.mark.parametrize("target", ["../evil", "a/b", "..", ".hidden", "x y", "a\\b"])
def test_target_names_cannot_leave_the_model_folder(tmp_path, header_only, target):
    out = tmp_path / "models"
    assert main(["qsar", "train", str(header_only), "--target", target, "--out", str(out)]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hdr.csv"]


def test_predict_targets_cannot_name_a_path(tmp_path):
    argv = ["qsar", "predict", "CCO", "--models", str(tmp_path), "--targets", "../x"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2


def test_header_only_training_table_is_a_data_error(tmp_path, header_only, capsys):
    argv = ["--json", "qsar", "train", str(header_only), "--target", "mtor", "--unit", "nM"]
    assert main([*argv, "--out", str(tmp_path / "m")]) == 3
    (prob,) = _json_problems(capsys)
    assert prob["row"] == 1 and "no data rows" in prob["problem"]


@pytest.mark.parametrize(("name", "text"), [("lib.smi", "\n"), ("lib.csv", "id,smiles\n")])
def test_a_library_without_structures_is_a_data_error(tmp_path, name, text):
    from kinetor.qsar.io import read_molecules

    with pytest.raises(DataError, match="no structures"):
        read_molecules(_write(tmp_path / name, text))


def test_predictor_fit_on_no_compounds_is_a_data_error():
    from kinetor.qsar.predictor import PotencyPredictor

    with pytest.raises(DataError, match="0 training compounds"):
        PotencyPredictor("rf", target="mtor").fit([], [])


@pytest.mark.parametrize(
    "args",
    [
        ["train", "{f}", "--target", "mtor", "--unit", "furlong"],
        ["train", "{f}", "--target", "mtor", "--unit", "nm"],
        ["train", "{f}", "--target", "mtor", "--seed", "-1"],
        ["cv", "{f}", "--y-randomization", "-2"],
        ["screen", "{f}", "--top", "-1"],
        ["screen", "{f}", "--jobs", "0"],
        ["predict", "CCO", "--jobs", "0"],
    ],
)
def test_qsar_bad_options_are_usage_errors(tmp_path, header_only, args):
    argv = ["qsar", *[a.replace("{f}", str(header_only)) for a in args]]
    if args[0] in ("screen", "predict"):
        argv += ["--models", str(tmp_path)]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def _activity(unit: str) -> pd.DataFrame:
    return pd.DataFrame({"smiles": ["CCO", "CCN"], "value": [100.0, 10.0], "unit": unit})


def test_unit_option_conflicting_with_the_unit_column_is_a_data_error():
    from kinetor.qsar.curation import curate

    with pytest.raises(DataError) as err:
        curate(_activity("nM"), default_unit="uM", file="act.csv")
    (prob,) = err.value.problems
    assert (prob.file, prob.row, prob.column) == ("act.csv", 2, "unit")
    # agreeing units are fine: 100 nM -> pIC50 7 (hand: -log10(1e-7))
    res = curate(_activity("nM"), default_unit="nM")
    assert res.data.set_index("smiles").loc["CCO", "p_value"] == pytest.approx(7.0)


def test_unknown_unit_option_is_refused_even_with_a_unit_column():
    from kinetor.qsar.curation import curate

    with pytest.raises(ModelError, match="furlong"):
        curate(_activity("nM"), default_unit="furlong")


def test_lowercase_nm_is_a_length_with_the_molar_fix():
    from kinetor.qsar.curation import curate

    with pytest.raises(DataError) as err:
        curate(_activity("nm"), file="act.csv")
    (prob,) = err.value.problems
    assert "length" in prob.message and "'nM'" in prob.fix and prob.row == 2


# ---------------------------------------------------------------- assays


@pytest.mark.parametrize(
    "opts",
    [
        ["western", "{img}", "--radius", "-5"],
        ["western", "{img}", "--radius", "0"],
        ["western", "{img}", "--n-lanes", "0"],
        ["colonies", "{img}", "--dish", "100,100,-5"],
        ["colonies", "{img}", "--min-area", "-1"],
        ["colonies", "{img}", "--radius", "0"],
        ["synergy", "{img}", "--response", "viability", "--seed", "-1"],
    ],
)
def test_assay_bad_options_are_usage_errors(tmp_path, opts):
    img = _write(tmp_path / "x.png", "not read")
    argv = ["assay", *[o.replace("{img}", str(img)) for o in opts]]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_blot_radius_and_lanes_are_checked_in_python():
    from kinetor.assays.western import quantify_blot

    img = np.full((40, 60), 100, np.uint16)
    for kw in ({"radius": -5}, {"radius": 0}, {"n_lanes": 0}):
        with pytest.raises(ModelError):
            quantify_blot(img, **kw)


def test_colony_dish_and_min_area_are_checked_in_python():
    from kinetor.assays.colonies import count_colonies

    img = np.zeros((64, 64))
    for kw in ({"dish": (32.0, 32.0, -5.0)}, {"min_area": -1.0}, {"min_area": 0.0}):
        with pytest.raises(ModelError):
            count_colonies(img, **kw)


@pytest.mark.parametrize("command", ["western", "colonies"])
def test_a_file_that_is_not_an_image_is_a_data_error_with_a_fix(tmp_path, capsys, command):
    img = _write(tmp_path / "notimage.png", "plain text, not a PNG")
    assert main(["--json", "assay", command, str(img), "--out", str(tmp_path / "o")]) == 3
    (prob,) = _json_problems(capsys)
    assert prob["file"] == "notimage.png" and "not an image" in prob["problem"]
    assert prob["fix"] and "pip" not in prob["problem"]
