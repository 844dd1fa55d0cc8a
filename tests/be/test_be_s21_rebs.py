"""Re-audit s21 (rebs): the subject column of ``dose_proportionality`` (several id columns,
other names), the note at the REML bound, and the file in the Welch error.

Expected values are hand arithmetic (between-within df = rows - subjects - 1) or an
independent least-squares fit written here."""

import numpy as np
import pandas as pd
import pytest

from kinetor.be import dose_proportionality
from kinetor.be._estimates import welch_contrast
from kinetor.errors import DataError, ModelError

DOSES = [5.0, 10.0, 20.0, 40.0]


def _crossover(n_subjects=12, seed=3):
    """Every subject gets every dose; AUC ~ dose (slope 1) with a subject effect."""
    rng = np.random.default_rng(seed)
    sub = np.repeat(np.arange(n_subjects), len(DOSES))
    dose = np.tile(DOSES, n_subjects)
    auc = np.exp(rng.normal(0, 0.5, n_subjects)[sub] + np.log(dose) + rng.normal(0, 0.05, sub.size))
    return sub, dose, auc


def test_usubjid_and_site_local_subject_refused_naming_both(tmp_path):
    sub, dose, auc = _crossover()
    site = np.where(sub < 6, "A", "B")
    local = sub % 6 + 1  # subject 1..6 at each of two sites: not unique
    d = pd.DataFrame(
        {
            "USUBJID": [f"S-{s}-{n}" for s, n in zip(site, local, strict=True)],
            "subject": local,
            "dose": dose,
        }
    ).assign(AUC=auc)
    path = tmp_path / "two_ids.csv"
    d.to_csv(path, index=False)
    with pytest.raises(DataError, match="group the rows differently") as e:
        dose_proportionality(path)
    text = str(e.value)
    assert "'USUBJID'" in text and "'subject'" in text and "--subject" in text
    assert "two_ids.csv" in text
    # named: 48 rows, 12 subjects -> 48 - 12 - 1 = 35 df (not 48 - 6 - 1 = 41)
    res = dose_proportionality(path, subject="USUBJID")
    assert int(res.table.loc[0, "df"]) == 48 - 12 - 1


def test_id_columns_that_group_alike_are_used_with_a_note():
    sub, dose, auc = _crossover()
    d = pd.DataFrame({"subject": sub + 1, "USUBJID": [f"X-{s}" for s in sub], "dose": dose})
    res = dose_proportionality(d.assign(AUC=auc))
    assert res.table["metric"].tolist() == ["AUC"]
    assert int(res.table.loc[0, "df"]) == 48 - 12 - 1
    assert any("group the rows alike" in n and "'subject'" in n for n in res.notes)


@pytest.mark.parametrize("name", ["animal", "animal_id", "subject_id", "SUBJECT ID", "Animal"])
def test_other_subject_names_are_the_subject_not_a_metric(name):
    sub, dose, auc = _crossover(n_subjects=6)
    d = pd.DataFrame({name: sub + 1, "dose": dose, "AUC": auc})
    res = dose_proportionality(d)
    assert res.table["metric"].tolist() == ["AUC"]  # the id column is no metric
    assert res.table.loc[0, "model"] == "random subject intercept (REML)"
    assert int(res.table.loc[0, "df"]) == 24 - 6 - 1  # rows - subjects - 1


def test_reml_bound_note_says_conservative_with_the_within_subject_se():
    rng = np.random.default_rng(9)
    rng.normal(0, 1.5, 12), rng.normal(0, 1e-3, 36)  # the audit's first draw (sd 1e-3)
    sub = np.repeat(np.arange(12), 3)
    dose = np.tile([1.0, 3.0, 10.0], 12)
    y = np.exp(rng.normal(0, 1.5, 12)[sub] + 0.97 * np.log(dose) + rng.normal(0, 1e-5, 36))
    res = dose_proportionality(pd.DataFrame({"subject": sub, "dose": dose, "AUC": y}))
    notes = [n for n in res.notes if "bound of its search" in n]
    assert len(notes) == 1
    assert "conservative (too wide)" in notes[0]
    # independent within-subject fit: fixed subject effects + log dose, 36 - 13 df
    X = np.column_stack([(sub[:, None] == np.arange(12)).astype(float), np.log(dose)])
    ly = np.log(y)
    beta = np.linalg.lstsq(X, ly, rcond=None)[0]
    s2 = np.sum((ly - X @ beta) ** 2) / (36 - 13)
    se_w = np.sqrt(s2 * np.linalg.inv(X.T @ X)[-1, -1])
    assert f"within-subject slope SE {se_w:.3g}" in notes[0]
    assert res.table.loc[0, "slope_se"] > se_w  # the REML SE is the wider one


def test_welch_group_of_one_names_the_file():
    y = np.log([100.0, 110.0, 90.0, 95.0])
    trt = pd.Series(["T", "R", "R", "R"])
    with pytest.raises(ModelError, match="at least 2 subjects") as e:
        welch_contrast(y, trt, "T", "R", "AUC", source="study.csv")
    assert "study.csv" in str(e.value)
