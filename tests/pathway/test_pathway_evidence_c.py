"""Part C of the published evidence (O'Neil 2016 growth rates, ``evidence/*_c.csv``): its
split rule, how each number was derived from the replicates the note quotes, and its
scenarios. Nothing here compares an observation with the network's output.
"""

import math
import re
import statistics

import pytest

from kinetor.pathway.evidence import load_observations, load_publications, split_by_hash
from kinetor.pathway.scenarios import CELL_LINES, build_scenarios, load_scenarios


@pytest.fixture(scope="module")
def part_c():
    obs = load_observations()
    return obs[obs["file"] == "observations_c.csv"].reset_index(drop=True)


def test_one_publication_split_by_the_hash_rule(part_c):
    pubs = load_publications()
    pub = pubs[pubs["file"] == "publications_c.csv"]
    assert list(pub["publication_id"]) == ["C_ONeil2016"]
    assert pub["split"].iloc[0] == split_by_hash(["C_ONeil2016"])["C_ONeil2016"]
    assert set(part_c["publication_id"]) == {"C_ONeil2016"}
    assert len(part_c) == 95 and part_c["id"].is_unique


def _note_numbers(note: str) -> tuple[list[float], float, float]:
    reps = re.search(r"viability replicates ([-0-9., ]+) \(", note).group(1)
    mu = re.search(r"mu/muMax_published ([-0-9.e]+);", note).group(1)
    x = re.search(r"X/X0_published ([0-9.e-]+);", note).group(1)
    return [float(v) for v in reps.split(",")], float(mu), float(x)


# between-batch SD of X/X0_published over the 80 conditions the source file repeats in two
# batches: sqrt(mean(difference^2) / 2) (README_c.md, "Uncertainty")
S_B = 0.0575


def _u(reps: list[float], x: float) -> float:
    return 100 * math.sqrt(statistics.stdev(reps) ** 2 + S_B**2) / (math.log(4) * x)


def test_quantitative_rows_follow_the_stated_formulas(part_c):
    q = part_c[part_c["kind"] == "quantitative"]
    assert len(q) == 66
    for _, r in q.iterrows():
        reps, mu, x = _note_numbers(r["note"])
        assert r["value"] == pytest.approx(100 * mu, abs=0.05)
        # mu/muMax = 1 + log4(X/X0) in the published file (both rounded to 3 decimals)
        assert mu == pytest.approx(1 + math.log(x) / math.log(4), abs=0.006)
        # u = 100 sqrt(SD(replicates)^2 + s_b^2) / (ln 4 X/X0): the derivative of that
        # relation applied to the replicate SD and the screen's between-batch SD
        assert r["uncertainty"] == pytest.approx(_u(reps, x), abs=0.051)
        assert r["uncertainty_kind"] == "SD" and r["value"] >= 10


def test_rows_below_10_percent_are_bands(part_c):
    d = part_c[part_c["kind"] == "direction"]
    assert len(d) == 29
    assert set(d["direction"]) == {"down"} and (d["band_low"] == 0).all()
    for _, r in d.iterrows():
        reps, mu, x = _note_numbers(r["note"])
        value = 100 * mu
        assert value < 10.05
        if x == 0:  # X/X0 rounds to 0 in the file: u undefined, the band edge is 10 %
            assert r["band_high"] == 10.0
            continue
        assert r["band_high"] == pytest.approx(max(10.0, value + _u(reps, x)), abs=0.051)


def test_scenarios_use_the_cell_line_table_and_stated_doses(part_c):
    sc = load_scenarios().set_index("id")
    built = build_scenarios(part_c).set_index("id")
    for _, r in part_c.iterrows():
        s = sc.loc[r["id"]]
        assert tuple(s["lesions"].split(";")) == CELL_LINES[r["cell_line"]]
        doses = re.search(r"after \S+ ([0-9.e-]+) uM \+ \S+ ([0-9.e-]+) uM", r["readout_detail"])
        b = built.loc[r["id"]]
        if "ridaforolimus" in r["drugs"]:
            assert not b["simulable"] and "ridaforolimus" in b["reason"]
            continue
        assert b["simulable"] and b["conditions"] == "rule"  # time not verified: 72 h rule
        concs = [c for _, c in b["scenario"].drugs]
        stated = [1000 * float(doses.group(1)), 1000 * float(doses.group(2))]
        if r["drugs"].startswith("cyclophosphamide"):
            # the prodrug (no activity in culture) is not simulated: the partner alone
            assert r["readout_detail"].split("after ")[1].startswith("Cyclophosphamide 0.35 uM")
            assert [d for d, _ in b["scenario"].drugs] == [r["drugs"].split(" + ")[1]]
            stated = stated[1:]
        assert concs == pytest.approx(stated)
        assert b["scenario"].time_h == 72.0
        assert b["baseline"].drugs == () and b["baseline"].lesions == b["scenario"].lesions


def test_cyclophosphamide_series_are_the_partners_dose_responses(part_c):
    """The screen pairs cyclophosphamide at one dose (0.35 uM) with four doses of dactolisib
    and of erlotinib in each line: single-agent series in effect (all 40 rows entered)."""
    cyc = part_c[part_c["drugs"].str.startswith("cyclophosphamide")]
    assert len(cyc) == 40 and (cyc["status"] == "likely").all()
    assert cyc.groupby(["drugs", "cell_line"]).size().eq(4).all()
    assert cyc["note"].str.contains("prodrug without activity in culture").all()


def test_metformin_rows_inconsistent_within_the_screen_are_unverified(part_c):
    """Metformin 9.25 uM and cyclophosphamide (a prodrug) leave the same drug, dose and line:
    where the screen's two rows differ by more than 4 x sqrt(2) x s_b, the metformin row is
    unverified (not fitted, counted in no pass rate); no other part C row is."""
    limit = 4 * math.sqrt(2) * S_B
    met = part_c["drugs"].str.startswith("metformin")
    assert met.sum() == 10
    assert (part_c.loc[met, "status"] == "unverified").all()
    assert (part_c.loc[~met, "status"] == "likely").all()
    cyc = part_c[part_c["drugs"].str.startswith("cyclophosphamide")]
    for _, r in part_c[met].iterrows():
        _, _, x = _note_numbers(r["note"])
        xc = float(re.search(r"has X/X0_published ([0-9.]+),", r["note"]).group(1))
        assert abs(x - xc) > limit
        # the note's cyclophosphamide value is that of the entered cyclophosphamide row
        partner = r["readout_detail"].split(" + ")[1]
        same = cyc[
            (cyc["cell_line"] == r["cell_line"]) & cyc["readout_detail"].str.endswith(partner)
        ]
        assert len(same) == 1 and _note_numbers(same["note"].iloc[0])[2] == xc
