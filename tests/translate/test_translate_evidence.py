"""The shipped in vivo evidence tables: schema, sources, split and schedules."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.pk import Regimen
from kinetor.translate import evidence as ev

ENDOCRINE = {"fulvestrant", "tamoxifen", "letrozole", "exemestane", "anastrozole"}


@pytest.fixture(scope="module")
def studies():
    return ev.load_xenograft_studies()


@pytest.fixture(scope="module")
def arms(studies):
    return ev.load_xenograft_arms(studies=studies)


def _copy(tmp_path, name):
    dst = tmp_path / name
    shutil.copy(ev.DATA_DIR / name, dst)
    return dst


def _edit(path, row, col, value):
    """Set one cell (row counted as in the error messages: header = 1)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 2, col] = value
    df.to_csv(path, index=False)


def _problems(exc):
    return [(p.file, p.row, p.column) for p in exc.value.problems]


# ------------------------------------------------------------------ shipped tables
def test_every_table_loads():
    assert len(ev.load_pk_sets()) > 0
    assert len(ev.load_pkpd()) > 0
    assert len(ev.load_clinical_pd()) > 0


def test_at_least_eight_studies_and_four_compounds(studies, arms):
    assert studies["study_id"].is_unique
    assert len(studies) >= 8
    comps = {c.strip() for cs in arms["compounds"] for c in cs.split("+")} - {"vehicle"}
    assert len(comps) >= 4


def test_split_is_by_study_with_at_least_three_held_out(studies, arms):
    assert set(studies["split"]) == {"fit", "heldout"}
    held = set(studies.loc[studies["split"] == "heldout", "study_id"])
    assert len(held) >= 3
    # arms inherit their study's split, so no study is partly fit and partly held out
    per_study = arms.groupby("study_id")["split"].nunique()
    assert (per_study == 1).all()
    assert set(arms.loc[arms["study_id"].isin(held), "split"]) == {"heldout"}
    # every study has arms; both splits have usable arms
    assert set(arms["study_id"]) == set(studies["study_id"])
    for split in ("fit", "heldout"):
        sub = ev.load_xenograft_arms(studies=studies, split=split)
        assert set(sub["split"]) == {split} and sub["usable"].any()


def test_one_paper_never_straddles_the_split(studies):
    for key in ("doi", "pmid"):
        sub = studies[studies[key] != ""]
        assert (sub.groupby(key)["split"].nunique() == 1).all()


def test_endocrine_combination_in_an_er_positive_model(studies, arms):
    er_pos = set(studies.loc[studies["er_genotype"].str.contains("ER+", regex=False), "study_id"])
    combos = arms[arms["compounds"].str.contains("+", regex=False)]
    hits = [
        row
        for row in combos.itertuples()
        if row.study_id in er_pos
        and ENDOCRINE & set(row.compounds.split("+"))
        and set(row.compounds.split("+")) - ENDOCRINE
    ]
    assert hits, "no targeted agent + endocrine agent arm in an ER+ model"


def test_continuous_and_intermittent_schedules_present(arms):
    tables = [
        reg.to_table() for s in arms["schedule"] if s for reg in ev.parse_schedule(s).values()
    ]
    gaps = [np.diff(t["time"].to_numpy()) for t in tables if len(t) > 1]
    ii = [t["ii"].iloc[0] for t in tables if t["ss"].iloc[0] == 1]
    daily = any(g.max() <= 24 for g in gaps) or any(x <= 24 for x in ii)
    # intermittent: a dosing gap longer than one day (on/off cycles) or a weekly interval
    intermittent = any(g.max() > 24 for g in gaps) or any(x > 24 for x in ii)
    assert daily and intermittent


def test_every_schedule_parses_with_regimen_parse(arms):
    """Each schedule part goes through kinetor.pk.Regimen.parse directly."""
    n = 0
    for row in arms.itertuples():
        if not row.schedule:
            continue
        text = row.schedule.replace("{dose}", "1")
        parts = [p.partition(":")[2] for p in text.split("+")] if ":" in text else [text]
        for part in parts:
            assert isinstance(Regimen.parse(part.strip()), Regimen)
            n += 1
        comps = row.compounds.split("+")
        if len(comps) > 1:
            assert sorted(ev.parse_schedule(row.schedule)) == sorted(comps)
    assert n >= 10
    for tab in (ev.load_pkpd(), ev.load_clinical_pd()):
        for text in tab["regimen"]:
            if text:
                Regimen.parse(text)


def test_dose_template_and_pattern_only():
    # 1 cycle of 4 days on/3 off at BID = 4 * 2 = 8 doses, at 0, 12, ..., 84 h
    reg = ev.parse_schedule("{dose} mg/kg PO BID 4 days on/3 days off x 1 cycles")[""]
    assert reg.n_doses == 8
    assert reg.to_table()["time"].tolist() == [0, 12, 24, 36, 48, 60, 72, 84]
    assert reg.to_table()["amount"].unique().tolist() == [1.0]
    arms = ev.load_xenograft_arms()
    alves = arms[arms["study_id"] == "alves2021_triple"]
    assert not alves["pattern_only"].any()  # 8-week courses were reported


def test_every_row_not_unverified_is_sourced(studies, arms):
    for tab in (ev.load_pk_sets(), studies, ev.load_pkpd(), ev.load_clinical_pd()):
        sure = tab[tab["status"] != "unverified"]
        assert ((sure["doi"] != "") | (sure["pmid"] != "")).all()
        assert sure["how_obtained"].isin(["table", "text", "abstract", "figure-legend"]).all()
        assert (tab["status"] == "unverified").eq(~tab["usable"]).all()
    assert set(arms["study_id"]) <= set(
        studies.loc[studies["doi"].ne("") | studies["pmid"].ne(""), "study_id"]
    )


def test_no_cross_species_fu_passes_as_mouse():
    pk = ev.load_pk_sets()
    fu = pk[pk["parameter"] == "fu"]
    assert ((fu["fu_species"] == fu["species"]) | (fu["species"] == "pooled")).all()
    mouse = fu[fu["species"] == "mouse"]
    assert (mouse["fu_species"] == "mouse").all()
    assert fu["value"].between(0, 1).all()


def test_published_schedule_ratios_in_order(arms):
    """Yates 2015: equal efficacy needs 1.3x (4/7 days) and 1.7x (2/7 days) the dose."""
    y = arms[arms["value_kind"] == "equal_efficacy_dose_ratio"].set_index("arm")["value"]
    assert y["continuous (reference)"] == 1.0
    assert y["4 days on/3 days off"] == pytest.approx(1.3)
    assert y["2 days on/5 days off"] == pytest.approx(1.7)


def test_summary_counts_every_row(studies, arms):
    s = ev.evidence_summary()
    got = s.groupby("table")["rows"].sum().to_dict()
    assert got == {
        "pk_sets": len(ev.load_pk_sets()),
        "xenograft_studies": len(studies),
        "xenograft_arms": len(arms),
        "pkpd_invivo": len(ev.load_pkpd()),
        "clinical_pd": len(ev.load_clinical_pd()),
    }


# ------------------------------------------------------------------ bad input
def test_bad_vocabulary_and_number_name_file_row_column(tmp_path):
    p = _copy(tmp_path, "pk_sets.csv")
    _edit(p, 3, "status", "solid")
    _edit(p, 4, "value", "about 6")
    _edit(p, 5, "species", "hamster")
    with pytest.raises(DataError) as exc:
        ev.load_pk_sets(p)
    got = _problems(exc)
    assert ("pk_sets.csv", 3, "status") in got
    assert ("pk_sets.csv", 4, "value") in got
    assert ("pk_sets.csv", 5, "species") in got


def test_firm_row_without_identifier_is_rejected(tmp_path):
    p = _copy(tmp_path, "pkpd_invivo.csv")
    _edit(p, 2, "doi", "")
    _edit(p, 2, "pmid", "")
    with pytest.raises(DataError) as exc:
        ev.load_pkpd(p)
    assert ("pkpd_invivo.csv", 2, "doi") in _problems(exc)


def test_recalled_number_must_be_unverified(tmp_path):
    p = _copy(tmp_path, "pk_sets.csv")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    row = int(np.flatnonzero(df["how_obtained"] == "recalled")[0]) + 2
    _edit(p, row, "status", "firm")
    _edit(p, row, "doi", "10.1000/x")
    with pytest.raises(DataError) as exc:
        ev.load_pk_sets(p)
    assert ("pk_sets.csv", row, "status") in _problems(exc)


def test_fraction_unbound_out_of_range(tmp_path):
    p = _copy(tmp_path, "pk_sets.csv")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    row = int(np.flatnonzero(df["parameter"] == "fu")[0]) + 2
    _edit(p, row, "value", "95")
    _edit(p, row, "value_high", "")
    with pytest.raises(DataError) as exc:
        ev.load_pk_sets(p)
    assert ("pk_sets.csv", row, "value") in _problems(exc)


def test_missing_column_and_unparsable_schedule(tmp_path):
    p = _copy(tmp_path, "xenograft_arms.csv")
    _edit(p, 2, "schedule", "150 mg/kg PO QX ss")
    _edit(p, 3, "value_high", "5")  # below value 80
    with pytest.raises(DataError) as exc:
        ev.load_xenograft_arms(p)
    got = _problems(exc)
    assert ("xenograft_arms.csv", 2, "schedule") in got
    assert ("xenograft_arms.csv", 3, "value_high") in got
    assert "does not parse" in str(exc.value)
    df = pd.read_csv(ev.DATA_DIR / "xenograft_arms.csv", dtype=str, keep_default_na=False)
    df.drop(columns=["value_kind"]).to_csv(p, index=False)
    with pytest.raises(DataError) as exc:
        ev.load_xenograft_arms(p)
    assert ("xenograft_arms.csv", None, "value_kind") in _problems(exc)


def test_combination_schedule_must_cover_its_compounds(tmp_path):
    p = _copy(tmp_path, "xenograft_arms.csv")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    row = int(np.flatnonzero(df["compounds"] == "palbociclib+fulvestrant")[0]) + 2
    _edit(p, row, "schedule", "palbociclib:50 mg/kg PO QD x 8 weeks")
    with pytest.raises(DataError) as exc:
        ev.load_xenograft_arms(p)
    assert ("xenograft_arms.csv", row, "schedule") in _problems(exc)


def test_unknown_study_and_split_that_straddles_a_paper(tmp_path):
    p = _copy(tmp_path, "xenograft_arms.csv")
    _edit(p, 2, "study_id", "nobody2020")
    with pytest.raises(DataError) as exc:
        ev.load_xenograft_arms(p)
    assert ("xenograft_arms.csv", 2, "study_id") in _problems(exc)
    s = _copy(tmp_path, "xenograft_studies.csv")
    _edit(s, 3, "split", "heldout")  # raynaud2009_igrov1; its sibling stays fit
    with pytest.raises(DataError) as exc:
        ev.load_xenograft_studies(s)
    assert any(col == "split" for _, _, col in _problems(exc))
    with pytest.raises(DataError):
        ev.load_xenograft_arms(split="test")


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        ev.load_clinical_pd(tmp_path / "nothing.csv")


# ------------------------------------------------------------------ CLI
@pytest.mark.slow
def test_cli_summary_show_and_check(tmp_path, capsys):
    import json

    from kinetor.cli.main import main

    assert main(["--json", "evidence", "summary"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["table"] for r in rows} >= {"pk_sets", "xenograft_studies", "clinical_pd"}
    out = tmp_path / "held.csv"
    assert (
        main(
            [
                "--quiet",
                "evidence",
                "show",
                "arms",
                "--split",
                "heldout",
                "--compound",
                "fulvestrant",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    held = pd.read_csv(out)
    assert set(held["split"]) == {"heldout"}
    assert all("fulvestrant" in c.split("+") for c in held["compounds"])
    assert (
        main(
            [
                "--quiet",
                "evidence",
                "check",
                str(ev.DATA_DIR / "clinical_pd.csv"),
                "--table",
                "clinical",
            ]
        )
        == 0
    )
    bad = _copy(tmp_path, "clinical_pd.csv")
    _edit(bad, 2, "regimen", "10 mg PO QX ss")
    assert main(["--json", "evidence", "check", str(bad), "--table", "clinical"]) == 3
    err = json.loads(capsys.readouterr().out)
    assert err["error"] == "DataError"
    assert err["problems"][0]["row"] == 2 and err["problems"][0]["column"] == "regimen"
    assert main(["--quiet", "evidence", "show", "pk", "--split", "fit"]) == 2
    assert main(["--quiet", "evidence", "show", "tables"]) == 2


def test_readme_counts_match_the_tables():
    """The counts table in the evidence README is the loaders' own count."""
    import re

    text = (ev.DATA_DIR / "README.md").read_text(encoding="utf-8")
    s = ev.evidence_summary()
    for table in ("pk_sets", "xenograft_studies", "xenograft_arms", "pkpd_invivo", "clinical_pd"):
        m = re.search(
            rf"^\| `{table}\.csv` \| (\d+)[^|]*\| (\d+) \| (\d+) \| (\d+) \|$", text, flags=re.M
        )
        assert m, table
        sub = s[s["table"] == table].groupby("status")["rows"].sum()
        assert int(m.group(1)) == sub.sum()
        assert [int(m.group(i)) for i in (2, 3, 4)] == [
            int(sub.get(k, 0)) for k in ("firm", "likely", "unverified")
        ]
        if table in ("xenograft_studies", "xenograft_arms"):
            split = s[s["table"] == table].groupby("split")["rows"].sum()
            fit, held = re.search(r"\((\d+) fit, (\d+) held out\)", m.group(0)).groups()
            assert (int(fit), int(held)) == (split["fit"], split["heldout"])


def test_library_names_resolve_synonyms(capsys):
    import json

    from kinetor.cli.main import main

    m = ev.library_names().set_index("compound")
    # every library compound the brief names is matched; sirolimus through a synonym
    for name in (
        "vistusertib",
        "capivasertib",
        "alpelisib",
        "everolimus",
        "azd8055",
        "fulvestrant",
    ):
        assert m.loc[name, "library_compound"] == name
    assert m.loc["sirolimus", "library_compound"] == "rapamycin"
    assert "pk_sets" in m.loc["everolimus", "tables"]
    assert main(["--json", "evidence", "compounds"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["compound"] for r in rows} == set(m.index)
