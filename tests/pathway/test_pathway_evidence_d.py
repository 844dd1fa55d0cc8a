"""Evidence part D (the blind held-out set): its form only.

Part D was entered after the network and its fit were fixed (README_d.md); its pass rate is
reported by ``kinetor pathway validate`` (``by_part.csv``), never asserted here.
"""

import re

import pandas as pd

from kinetor.pathway.scenarios import load_scenarios


def _part_d(frame: pd.DataFrame, stem: str) -> pd.DataFrame:
    return frame[frame["file"] == f"{stem}_d.csv"]


def test_every_part_d_publication_and_row_is_held_out(obs, pubs):
    d_pubs, d_obs = _part_d(pubs, "publications"), _part_d(obs, "observations")
    assert len(d_pubs) >= 8 and len(d_obs) >= 30
    assert set(d_pubs["split"]) == {"heldout"} and set(d_obs["split"]) == {"heldout"}
    assert set(d_obs["publication_id"]) == set(d_pubs["publication_id"])


def test_part_d_ids_follow_the_stated_scheme(obs, pubs):
    d_pubs, d_obs = _part_d(pubs, "publications"), _part_d(obs, "observations")
    assert d_pubs["publication_id"].str.fullmatch(r"D_[A-Za-z]+\d{4}[a-z]?").all()
    assert d_obs["id"].str.fullmatch(r"D-[a-z]+\d{4}[a-z]?-\d{2}").all()
    # a row's id names its publication
    for rid, pid in zip(d_obs["id"], d_obs["publication_id"], strict=True):
        assert rid.split("-")[1] == pid[2:].lower(), rid


def test_part_d_repeats_no_publication_of_parts_a_to_c(pubs):
    d = _part_d(pubs, "publications")
    rest = pubs[pubs["file"] != "publications_d.csv"]

    def norm(s):
        return {x.strip().lower() for x in s if x.strip()}

    assert not norm(d["doi"]) & norm(rest["doi"])
    assert not norm(d["pmid"]) & norm(rest["pmid"])
    titles = {re.sub(r"\W+", " ", t.lower()).strip() for t in rest["title"]}
    assert not {re.sub(r"\W+", " ", t.lower()).strip() for t in d["title"]} & titles


def test_part_d_rows_were_read_in_the_source_and_quoted(obs):
    d = _part_d(obs, "observations")
    # nothing recalled: every row read in the paper, with the words that support it
    assert set(d["status"]) <= {"firm", "likely"}
    read = d["how_obtained"].isin(["table", "text", "abstract", "figure"])
    # an abstract read only in a repost of it is a secondary copy, status likely
    assert (d.loc[~read, "how_obtained"] == "secondary").all()
    assert (d.loc[~read, "status"] == "likely").all() and (d.loc[read, "status"] == "firm").all()
    assert (d["note"].str.count('"') >= 2).all()


def test_every_part_d_row_has_a_scenario_that_says_whether_it_simulates(obs):
    d = _part_d(obs, "observations")
    sc = load_scenarios().set_index("id")
    assert d["id"].isin(sc.index).all()
    rows = sc.loc[d["id"]]
    assert rows["simulable"].isin(["yes", "no"]).all()
    assert (rows.loc[rows["simulable"] == "no", "reason"].str.len() > 0).all()
