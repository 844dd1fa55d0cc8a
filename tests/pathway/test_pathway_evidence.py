"""Published-evidence tables: schema, sources and the per-publication split."""

import shutil

import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.pathway.evidence import (
    EVIDENCE_DIR,
    OBSERVATION_COLUMNS,
    PUBLICATION_COLUMNS,
    load_observations,
    load_publications,
    observations_without,
    split_by_hash,
)


def _copy_tables(tmp_path):
    for path in EVIDENCE_DIR.glob("*_*.csv"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_every_observation_has_a_listed_source(obs, pubs):
    assert obs["publication_id"].isin(pubs["publication_id"]).all()
    assert (obs["authors_year"].str.len() > 0).all()
    assert obs["id"].is_unique
    assert list(obs.columns[: len(OBSERVATION_COLUMNS)]) == list(OBSERVATION_COLUMNS)
    assert list(pubs.columns[: len(PUBLICATION_COLUMNS)]) == list(PUBLICATION_COLUMNS)


def test_split_is_by_publication(obs, pubs):
    per_pub = obs.groupby("publication_id")["split"].nunique()
    assert (per_pub == 1).all()
    joined = obs.merge(
        pubs[["publication_id", "split"]], on="publication_id", suffixes=("", "_pub")
    )
    assert (joined["split"] == joined["split_pub"]).all()


def test_at_least_30_percent_of_publications_held_out(pubs):
    assert (pubs["split"] == "heldout").mean() >= 0.30


def test_part_a_split_follows_the_stated_hash_rule():
    pubs_a = pd.read_csv(EVIDENCE_DIR / "publications_a.csv", dtype=str, keep_default_na=False)
    rule = split_by_hash(pubs_a["publication_id"])
    assert dict(zip(pubs_a["publication_id"], pubs_a["split"], strict=True)) == rule


def test_quantitative_rows_are_numeric_and_directions_have_one(obs):
    quant = obs[obs["kind"] == "quantitative"]
    assert len(quant) > 0 and quant["value"].notna().all()
    direction = obs[obs["kind"] == "direction"]
    assert direction["direction"].isin(["up", "down", "unchanged"]).all()


def test_firm_rows_were_read_in_the_source(obs):
    firm = obs[obs["status"] == "firm"]
    assert firm["how_obtained"].isin(["table", "text", "abstract", "figure"]).all()
    assert (obs.loc[obs["how_obtained"] == "memory", "status"] == "unverified").all()


def test_part_a_targets_met(obs):
    a = obs[obs["file"] == "observations_a.csv"]
    firm_or_likely = a[a["status"].isin(["firm", "likely"])]
    assert len(a) >= 45 and a["publication_id"].nunique() >= 16
    assert firm_or_likely["publication_id"].nunique() >= 16


def test_split_by_hash_is_per_id_and_about_one_in_three():
    import hashlib

    ids = [f"p{i}" for i in range(300)]
    split = split_by_hash(ids)
    # hand rule: SHA-256 of the id as an integer, divisible by 3 -> heldout
    assert split["p0"] == (
        "heldout" if int(hashlib.sha256(b"p0").hexdigest(), 16) % 3 == 0 else "train"
    )
    assert split_by_hash(ids[:7]) == {k: split[k] for k in ids[:7]}  # others do not matter
    assert 0.25 < sum(v == "heldout" for v in split.values()) / 300 < 0.42


def test_bad_rows_are_reported_with_file_row_and_column(tmp_path):
    folder = _copy_tables(tmp_path)
    path = folder / "observations_a.csv"
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    t.loc[0, "readout"] = "pFOO"
    t.loc[1, "status"] = "sure"
    q = t.index[t["kind"] == "quantitative"][0]
    t.loc[q, "value"] = "about ten"
    t.loc[3, "publication_id"] = "nobody1999"
    t.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        load_observations(folder)
    found = {(p.file, p.row, p.column) for p in err.value.problems}
    assert ("observations_a.csv", 2, "readout") in found
    assert ("observations_a.csv", 3, "status") in found
    assert ("observations_a.csv", q + 2, "value") in found
    assert ("observations_a.csv", 5, "publication_id") in found


def test_split_mismatch_and_missing_column_are_errors(tmp_path):
    folder = _copy_tables(tmp_path)
    path = folder / "observations_a.csv"
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    t.loc[0, "split"] = "train" if t.loc[0, "split"] == "heldout" else "heldout"
    t.to_csv(path, index=False)
    with pytest.raises(DataError, match="split"):
        load_observations(folder)
    t.drop(columns=["note"]).to_csv(path, index=False)
    with pytest.raises(DataError, match="missing \\['note'\\]"):
        load_observations(folder)


def test_publication_without_doi_pmid_or_url_is_an_error(tmp_path):
    folder = _copy_tables(tmp_path)
    path = folder / "publications_a.csv"
    p = pd.read_csv(path, dtype=str, keep_default_na=False)
    p.loc[0, ["doi", "pmid", "accessed_how"]] = ["", "", "seen somewhere"]
    p.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        load_publications(folder)
    assert [(x.row, x.column) for x in err.value.problems] == [(2, "doi")]


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(DataError, match="no publications"):
        load_publications(tmp_path)


def test_observations_without_drops_exactly_one_publication(obs):
    kept = observations_without(["C_ONeil2016"])
    dropped = obs[obs["publication_id"] == "C_ONeil2016"]
    assert len(dropped) > 0 and len(kept) == len(obs) - len(dropped)
    assert "C_ONeil2016" not in set(kept["publication_id"])
    with pytest.raises(DataError, match="unknown publication_id 'no_such_paper'"):
        observations_without(["C_ONeil2016", "no_such_paper"])


def test_an_unquoted_comma_is_named_by_file_and_row_not_a_parser_traceback(tmp_path):
    from kinetor.errors import DataError
    from kinetor.pathway.scenarios import SCENARIO_COLUMNS, load_scenarios

    head = ",".join(SCENARIO_COLUMNS)
    good = "X-1,no,in vivo" + "," * (len(SCENARIO_COLUMNS) - 3)
    bad = "X-2,no,in vivo, mice" + "," * (len(SCENARIO_COLUMNS) - 3)  # one field too many
    path = tmp_path / "scenarios.csv"
    path.write_text("\n".join([head, good, bad]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_scenarios(path)
    p = err.value.problems[0]
    assert (p.file, p.row) == ("scenarios.csv", 3) and "quote" in p.fix
