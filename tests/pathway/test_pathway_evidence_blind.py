"""Evidence parts D-N (the blind held-out sets): their form only.

Each was entered after the network and its fit were fixed (README_d.md to README_n.md); their
pass rates are reported by ``kinetor pathway validate`` (``by_part.csv``), never asserted here.
"""

import re

import pandas as pd
import pytest

from kinetor.pathway.scenarios import load_scenarios

BLIND = pytest.mark.parametrize("part", ["d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"])


def _part(frame: pd.DataFrame, stem: str, part: str) -> pd.DataFrame:
    return frame[frame["file"] == f"{stem}_{part}.csv"]


@BLIND
def test_every_blind_part_publication_and_row_is_held_out(obs, pubs, part):
    d_pubs, d_obs = _part(pubs, "publications", part), _part(obs, "observations", part)
    assert len(d_pubs) >= 8 and len(d_obs) >= 30
    assert set(d_pubs["split"]) == {"heldout"} and set(d_obs["split"]) == {"heldout"}
    assert set(d_obs["publication_id"]) == set(d_pubs["publication_id"])


@BLIND
def test_blind_part_ids_follow_the_stated_scheme(obs, pubs, part):
    d_pubs, d_obs = _part(pubs, "publications", part), _part(obs, "observations", part)
    big = part.upper()
    assert d_pubs["publication_id"].str.fullmatch(big + r"_[A-Za-z]+\d{4}[a-z]?").all()
    assert d_obs["id"].str.fullmatch(big + r"-[a-z]+\d{4}[a-z]?-\d{2}").all()
    # a row's id names its publication
    for rid, pid in zip(d_obs["id"], d_obs["publication_id"], strict=True):
        assert rid.split("-")[1] == pid[2:].lower(), rid


@BLIND
def test_blind_part_repeats_no_publication_of_another_part(pubs, part):
    d = _part(pubs, "publications", part)
    rest = pubs[pubs["file"] != f"publications_{part}.csv"]

    def norm(s):
        return {x.strip().lower() for x in s if x.strip()}

    assert not norm(d["doi"]) & norm(rest["doi"])
    assert not norm(d["pmid"]) & norm(rest["pmid"])
    titles = {re.sub(r"\W+", " ", t.lower()).strip() for t in rest["title"]}
    assert not {re.sub(r"\W+", " ", t.lower()).strip() for t in d["title"]} & titles


@BLIND
def test_blind_part_rows_were_read_in_the_source_and_quoted(obs, part):
    d = _part(obs, "observations", part)
    # nothing recalled: every row read in the paper, with the words that support it
    assert set(d["status"]) <= {"firm", "likely"}
    read = d["how_obtained"].isin(["table", "text", "abstract", "figure"])
    # an abstract read only in a repost of it is a secondary copy, status likely
    assert (d.loc[~read, "how_obtained"] == "secondary").all()
    assert (d.loc[~read, "status"] == "likely").all() and (d.loc[read, "status"] == "firm").all()
    assert (d["note"].str.count('"') >= 2).all()


@BLIND
def test_every_blind_part_row_has_a_scenario_that_says_whether_it_simulates(obs, part):
    d = _part(obs, "observations", part)
    sc = load_scenarios().set_index("id")
    assert d["id"].isin(sc.index).all()
    rows = sc.loc[d["id"]]
    assert rows["simulable"].isin(["yes", "no"]).all()
    assert (rows.loc[rows["simulable"] == "no", "reason"].str.len() > 0).all()
