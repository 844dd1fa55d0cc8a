"""Every TRAINING observation the network can simulate, within its stated uncertainty or
band (shipped calibration). Held-out rows are reported by ``kinetor pathway validate``,
never asserted here (a test on them would become a target).

The rows the calibrated model misses are marked ``xfail(strict=True)`` with the reason
documented in docs/pathway.md (section 6, "Misses"): if the model starts passing one, the
strict marker fails and the list must be updated.
"""

import pytest

from kinetor.pathway.evidence import load_observations
from kinetor.pathway.scenarios import build_scenarios
from kinetor.pathway.validation import validate

# id -> why the calibrated model misses it (docs/pathway.md, section 6)
KNOWN_MISSES: dict[str, str] = {
    "A-choo2008-01": "rapamycin at the rule concentration (10 x K) binds in ~1 h: p-S6K1 25.1 % "
    "at 1 h, just above the 25 % band edge",
    "A-zhang2007-01": "rapamycin in TSC2-null MEFs at the rule's 2 h: IRS1 and PDGFR "
    "re-accumulate over hours, p-AKT 109 % (band >= 120)",
    "A-zhang2003-03": "TSC2-null MEFs, basal p-AKT 67 % (band <= 50): with the O'Neil 2016 growth "
    "rows in the fit, w_tsc_m2 (TSC -> mTORC2) is no longer identifiable and stays at its "
    "prior 0.5 (fitted 0.9 before)",
    "A-zhang2003-04": "rapamycin reverting the Tsc2-null growth advantage: growth 90 % at 72 h "
    "(band <= 80): translation saturates at the fitted K_tr (lower bound, set by the O'Neil "
    "2016 rows), so an mTORC1 block slows growth less",
    "A-julien2010-01": "Rictor T1135A: mTORC2 is not limiting for S473 in the parental cell, "
    "removing the S6K1 -| Rictor term raises S473 ~2 %",
    "A-julien2010-02": "Rictor T1135A: GSK3 S9 follows T308-dependent AKT activity, unchanged",
    "A-sarbassov2006-01": "prolonged rapamycin lowering S473 needs mTORC2 assembly inhibition "
    "(k_rapa_m2 = 0: cell-type dependent) and the rule's 2 h is not prolonged",
    "A-sarbassov2006-02": "as A-sarbassov2006-01",
    "A-oxa01aacr2009-01": "rapamycin at the rule concentration: p-S6 25.3 % at 2 h, just above the 25 % "
    "band edge",
    "A-oxa01aacr2009-06": "the ~40 % of lines whose p-AKT falls: the opposite of A-oxa01aacr2009-05 "
    "in the same panel; one parental network cannot do both",
    "B010": "capivasertib PRAS40 IC50 ~1.26 uM vs 0.3-0.8 uM: the library's cellular potency is "
    "the paper's number and the PRAS40 cycle (k_pras 12.4) adds the rest (circular either way)",
    "B015": "PTEN-null cells are not more capivasertib-sensitive in growth: higher AKT output "
    "buffers the inhibitor (IC50 ratio 154 %, band <= 80 %)",
    "B055": "FOXO3a knock-down (80 % assumed): the residual FOXO still drives HER3 to 140 % "
    "(band 80-120 %)",
    "B057": "HER3 knock-down adds nothing to lapatinib at the rule concentration: lapatinib "
    "already blocks HER2 -> HER3 phosphorylation",
    "B059": "PI3K inhibition does not raise p-ERK at 2 h: the HER3 re-expression route to Ras "
    "takes ~24 h",
    "B061": "p-HER3 rise needs HER3 re-expression (hours); the rule's 2 h is too early",
    "B091": "alpelisib leaves p-S6 at 72 % in PIK3CA-mutant cells: amino acids and ERK/RSK keep "
    "mTORC1 on when PI3K is blocked",
    "B100": "pictilisib growth IC50 in PTEN-null U87MG 1.57 uM (band < 1 uM): p110beta carries "
    "PTEN-null PIP3 and pictilisib's extrapolated potency is ~100 nM",
    "B040": "capivasertib in oestrogen-deprived cells: growth 92 % (band <= 80): saturating "
    "translation (K_tr at its lower bound, set by the O'Neil 2016 rows) buffers AKT inhibition",
    "B093": "everolimus + alpelisib: proliferation 86 % (band <= 80): the same saturating "
    "translation buffers the mTORC1 and PI3K blocks",
}

# O'Neil 2016 (evidence part C): drug pairs in five lines without HER2 amplification
_LAP_DAC = (
    "lapatinib 55 nM + dactolisib: growth 77-98 % vs observed 119 % down to net loss; the steep "
    "pair effect conflicts with the same screen's metformin + dactolisib 400 nM rows (85-98 %), "
    "and the fit settles between them (K_tr at its lower bound)"
)
_LAP_ERL = (
    "lapatinib 55 nM + erlotinib: growth 90-100 % vs observed 95 % down to net loss at >= 245 nM "
    "erlotinib; EGFR is one of several receptor inputs of the network and BRAF/KRAS-mutant lines "
    "drive ERK without it, while metformin + erlotinib 5 uM leaves growth at ~100 % in the same "
    "screen: a pair effect (or micromolar off-target toxicity) the network does not have"
)
_MET_DAC = (
    "metformin 9.25 uM + dactolisib 400 nM: growth 79-86 % vs observed 91-98 %: dactolisib still "
    "slows proliferation more than the screen shows (the pull holding K_tr at its lower bound)"
)
_MET_ERL = (
    "metformin 9.25 uM + erlotinib 5 uM: growth 94-95 % vs observed 100-109 %: the EGFR block "
    "lowers growth a few % where the screen sees none"
)
for _n, _why in (
    *((n, _LAP_DAC) for n in (3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 19, 20)),
    *((n, _LAP_ERL) for n in (21, 22, 23, 24, 25, 26, 27, 28, 30, 31, 33, 34, 35, 36, 37, 38)),
    *((n, _LAP_ERL) for n in (39, 40)),
    *((n, _MET_DAC) for n in (46, 47, 48)),
    *((n, _MET_ERL) for n in (52, 55)),
):
    KNOWN_MISSES[f"C-oneil2016-{_n:03d}"] = _why


def _training_ids() -> list[str]:
    obs = load_observations()
    obs = obs[(obs["split"] == "train") & (obs["status"] != "unverified")]
    built = build_scenarios(obs)
    return list(built.loc[built["simulable"], "id"])


TRAINING = _training_ids()


@pytest.fixture(scope="module")
def table():
    return validate(ids=TRAINING).table.set_index("id")


def test_training_set_is_the_train_split_only(table):
    assert set(table["split"]) == {"train"}
    assert len(TRAINING) == len(table) and len(TRAINING) > 0


@pytest.mark.parametrize(
    "obs_id",
    [
        pytest.param(i, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[i]))
        if i in KNOWN_MISSES
        else i
        for i in TRAINING
    ],
)
def test_training_observation_within_its_uncertainty(obs_id, table):
    row = table.loc[obs_id]
    assert row["passed"], (
        f"{obs_id}: predicted {row['predicted']:.4g} outside "
        f"[{row['low']:.4g}, {row['high']:.4g}] ({row['scenario']} vs "
        f"{row['baseline']})"
    )
