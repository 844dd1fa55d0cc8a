"""Schema of the part-B published-evidence table (src/kinetor/pathway/evidence/*_b.csv).

These tests check the table's form and its hold-out rule only. They never compare an
observation with the network model's output: the held-out rows must stay unseen.
"""

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import kinetor.pathway

EVIDENCE = Path(kinetor.pathway.__file__).resolve().parent / "evidence"

COLUMNS = [
    "id",
    "publication_id",
    "doi",
    "pmid",
    "authors_year",
    "journal",
    "figure_table",
    "cell_line",
    "genotype",
    "serum_context",
    "drugs",
    "conc_nM",
    "time_h",
    "readout",
    "readout_detail",
    "value",
    "uncertainty",
    "uncertainty_kind",
    "kind",
    "direction",
    "band_low",
    "band_high",
    "baseline",
    "how_obtained",
    "status",
    "split",
    "note",
]
PUB_COLUMNS = [
    "publication_id",
    "authors_year",
    "title",
    "journal",
    "volume_pages",
    "doi",
    "pmid",
    "split",
    "topics",
    "accessed_how",
]
VOCAB = {
    "kind": {"quantitative", "direction"},
    "status": {"firm", "likely", "unverified"},
    "split": {"train", "heldout"},
    "uncertainty_kind": {"SD", "SEM", "95CI", "range", "readoff", "none"},
    "how_obtained": {"table", "text", "abstract", "figure"},
}
# Names the network model uses for its outputs (mtor.ant readouts); part B adds a few
# measured quantities the model has no species for (listed second).
MODEL_READOUTS = {
    "pAKT_S473",
    "pAKT_T308",
    "pS6K1_T389",
    "pS6_S235_236",
    "p4EBP1_T37_46",
    "p4EBP1_S65",
    "eIF4E_free",
    "pPRAS40_T246",
    "pERK",
    "IRS1",
    "pHER3_Y1289",
    "HER3",
    "FOXO_nuclear",
    "pGSK3B_S9",
    "ER_activity",
    "proliferation",
    "apoptosis",
    "growth",
    "cell_viability",
    "ic50",
}
EXTRA_READOUTS = {
    "pAKT",
    "pFOXO",
    "pS6_S240_244",
    "IGF1R",
    "INSR",
    "ER",
    "ESR1_mRNA",
    "AR_activity",
    "blood_glucose",
    "insulin",
}


@pytest.fixture(scope="module")
def obs():
    return pd.read_csv(
        EVIDENCE / "observations_b.csv", dtype=str, keep_default_na=False, encoding="utf-8"
    )


@pytest.fixture(scope="module")
def pubs():
    return pd.read_csv(
        EVIDENCE / "publications_b.csv", dtype=str, keep_default_na=False, encoding="utf-8"
    )


def _num(series):
    return pd.to_numeric(series.replace("", None), errors="coerce")


def test_exact_columns(obs, pubs):
    assert list(obs.columns) == COLUMNS
    assert list(pubs.columns) == PUB_COLUMNS


def test_size_targets(obs, pubs):
    assert len(obs) >= 45
    primary = set(obs["publication_id"])
    assert len(primary) >= 16
    assert obs["id"].is_unique and pubs["publication_id"].is_unique


def test_every_row_has_doi_or_pmid(obs, pubs):
    for frame in (obs, pubs):
        missing = frame[(frame["doi"].str.strip() == "") & (frame["pmid"].str.strip() == "")]
        assert missing.empty, missing.iloc[:, 0].tolist()
    assert obs["pmid"].str.fullmatch(r"\d*").all()
    assert obs["doi"].str.fullmatch(r"(10\.\d{4,9}/\S+)?").all()


def test_rows_agree_with_publication_table(obs, pubs):
    meta = pubs.set_index("publication_id")
    assert set(obs["publication_id"]) <= set(meta.index)
    for col in ("doi", "pmid", "split", "authors_year", "journal"):
        expected = meta.loc[obs["publication_id"], col].to_numpy()
        assert (obs[col].to_numpy() == expected).all(), col


def test_each_publication_in_one_split(obs):
    per_pub = obs.groupby("publication_id")["split"].nunique()
    assert (per_pub == 1).all(), per_pub[per_pub > 1].index.tolist()


def test_split_follows_the_stated_rule(pubs):
    # README_b.md: rank publications by SHA-256 of the lower-cased DOI (or "pmid:<PMID>"),
    # hold out ranks 0, 3, 6, ...
    def key(row):
        return row["doi"].strip().lower() if row["doi"].strip() else f"pmid:{row['pmid']}"

    digests = pubs.apply(lambda r: hashlib.sha256(key(r).encode()).hexdigest(), axis=1)
    order = digests.sort_values().index
    expected = pd.Series("train", index=pubs.index)
    expected.loc[order[::3]] = "heldout"
    assert (pubs["split"] == expected).all()


def test_at_least_30_percent_of_publications_held_out(obs, pubs):
    assert (pubs["split"] == "heldout").mean() >= 0.30
    per_pub = obs.groupby("publication_id")["split"].first()
    assert (per_pub == "heldout").mean() >= 0.30


def test_vocabularies(obs, pubs):
    for col, allowed in VOCAB.items():
        bad = set(obs[col]) - allowed
        assert not bad, (col, bad)
    assert set(pubs["split"]) <= VOCAB["split"]
    assert set(obs["readout"]) <= MODEL_READOUTS | EXTRA_READOUTS


def test_quantitative_rows_are_numeric(obs):
    quant = obs[obs["kind"] == "quantitative"]
    assert not quant.empty
    assert _num(quant["value"]).notna().all()
    assert (quant["direction"] == "").all()
    has_unc = quant["uncertainty_kind"] != "none"
    assert _num(quant.loc[has_unc, "uncertainty"]).notna().all()
    assert (quant.loc[~has_unc, "uncertainty"] == "").all()
    assert (_num(quant.loc[quant["readout"] == "ic50", "value"]) > 0).all()


def test_direction_rows_have_a_band(obs):
    dire = obs[obs["kind"] == "direction"]
    assert set(dire["direction"]) <= {"up", "down", "unchanged"}
    assert (dire["value"] == "").all()
    low, high = _num(dire["band_low"]), _num(dire["band_high"])
    assert low.notna().all()
    both = low.notna() & high.notna()
    assert (low[both] <= high[both]).all()
    # an "up" band starts at or above baseline and a "down" band ends at or below it
    pct = dire["readout"] != "ic50"
    assert (low[(dire["direction"] == "up") & pct] >= 100).all()
    assert (high[(dire["direction"] == "down") & pct] <= 100).all()


def test_numeric_conditions(obs):
    for col in ("conc_nM", "time_h"):
        filled = obs[col] != ""
        assert (_num(obs.loc[filled, col]) >= 0).all(), col


def test_statuses_say_how_they_were_obtained(obs):
    firm = obs[obs["status"] == "firm"]
    assert (firm["note"] != "").all()
    assert firm["note"].str.contains("abstract|text|table|legend", case=False).all()
    not_firm = obs[obs["status"] != "firm"]
    assert not_firm["note"].str.contains("recalled|quoted|abstract", case=False).all()
