"""Issue 19 item 15 (speed): a DataFrame's numbers are read as numbers, never written out
to text and parsed back, and the result is the same as reading the same table as a CSV
file; errors still name the row, the column and the fix. No timings here (see
benchmarks/nca_throughput.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study, read_study
from kinetor.data._text import frame_to_raw
from kinetor.errors import DataError
from kinetor.nca import nca

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}


def _frame():
    t = np.array([0.0, 0.5, 1, 2, 4, 8, 24])
    conc = [0.0, 12.5, 20.1, 15.0, 8.25, 3.3, 0.4]
    return pd.DataFrame(
        {
            "Animal": np.repeat(["R10", "R2", "R1"], 7),
            "Time": np.tile(t, 3),
            "Conc": np.tile(conc, 3) * np.repeat([1.0, 2.0, 0.5], 7),
            "Dose": 5,
            "Route": "PO",
        }
    )


def test_numeric_columns_stay_numbers():
    raw = frame_to_raw(_frame())
    assert raw.frame["Time"].dtype == np.float64 and raw.frame["Dose"].dtype == np.int64
    assert raw.frame["Animal"].tolist()[:2] == ["R10", "R10"]
    assert raw.text("Dose").tolist()[:2] == ["5", "5"]  # text view when asked


def test_dataframe_and_csv_give_the_same_study(tmp_path):
    df = _frame()
    path = tmp_path / "lab.csv"
    df.to_csv(path, index=False)
    a = read_study(df, units=UNITS)
    b = read_study(path, units=UNITS)
    for col in ("subject", "time", "conc", "blq", "source_row", "analyte", "matrix"):
        assert a.conc[col].tolist() == b.conc[col].tolist(), col
    assert (
        a.doses[["subject", "time", "dose", "route"]].values.tolist()
        == b.doses[["subject", "time", "dose", "route"]].values.tolist()
    )
    assert len(a.doses) == 3 and a.units == b.units


def test_non_finite_number_names_row_column_and_fix():
    df = _frame()
    df.loc[4, "Conc"] = np.inf
    df.loc[9, "Time"] = -np.inf
    with pytest.raises(DataError) as exc:
        read_study(df, units=UNITS)
    probs = {(p.row, p.column): p for p in exc.value.problems}
    # DataFrame row 4 is data row 6 (header = row 1, first data row = row 2)
    assert "'inf'" in probs[(6, "Conc")].message and probs[(6, "Conc")].fix
    assert "'-inf'" in probs[(11, "Time")].message and probs[(11, "Time")].fix


def test_conflicting_doses_on_rows_are_still_found():
    df = _frame()
    df.loc[df["Animal"] == "R2", "Dose"] = [5, 5, 5, 10, 5, 5, 5]
    with pytest.raises(DataError, match="conflicting doses"):
        read_study(df, units=UNITS)


def test_wide_table_of_a_reordered_long_table_is_the_same():
    res = nca(read_study(_frame(), units=UNITS))
    wide = res.to_wide()
    shuffled = res.parameters.sample(frac=1.0, random_state=3).reset_index(drop=True)
    again = type(res)(
        shuffled, res.profiles, res.options, res.provenance, res.groups, res.units
    ).to_wide()
    assert again["subject"].tolist() == ["R1", "R2", "R10"] == wide["subject"].tolist()
    cols = [c for c in wide.columns if c not in again.columns]
    assert cols == []
    pd.testing.assert_frame_equal(wide, again[wide.columns], check_dtype=False)


@pytest.mark.parametrize("seed", range(5))
def test_run_factorize_is_pandas_factorize(seed):
    """Factorizing one row per run gives pandas' codes and uniques, whatever the layout:
    runs, interleaved values, missing cells, mixed types."""
    from kinetor.data._factorize import factorize, row_codes

    rng = np.random.default_rng(seed)
    pool = np.array(["a", "b", "c", None, np.nan, 1, "1"], dtype=object)
    values = np.repeat(pool[rng.integers(0, len(pool), 40)], rng.integers(1, 5, 40))
    codes, uniques = factorize(values)
    want_codes, want_uniques = pd.factorize(values, use_na_sentinel=True)
    assert codes.tolist() == want_codes.tolist()
    assert list(uniques) == list(want_uniques)
    other = np.repeat(rng.integers(0, 3, 40), rng.integers(1, 5, 40))[: len(values)]
    other = np.resize(other, len(values))
    from kinetor.data._factorize import first_rows

    one_na = np.array([None if pd.isna(v) else v for v in values], dtype=object)
    kept = pd.Series(one_na, dtype=object).drop_duplicates().index.tolist()
    assert first_rows(codes).tolist() == kept
    tuples = list(zip(want_codes.tolist(), other.tolist(), strict=True))
    assert (
        row_codes([values, other]).tolist()
        == pd.factorize(pd.Series(tuples, dtype=object))[0].tolist()
    )


def test_input_hash_follows_every_change():
    """The input hash is kept between calls, and recomputed after any change to a table
    (in place, replaced, reordered) or to the units: it always equals a fresh digest."""
    st = read_study(_frame(), units=UNITS)
    first = st.input_hash()
    assert st.input_hash() == first

    def fresh():
        st._hashed = None
        return st.input_hash()

    seen = {first}
    for change in (
        lambda: st.conc.__setitem__("conc", st.conc["conc"] * 2),
        lambda: st.conc.loc.__setitem__((3, "exclude"), "haemolysed"),
        lambda: setattr(st, "conc", st.conc.iloc[::-1]),
        lambda: st.doses.loc.__setitem__((0, "dose"), 7.0),
        lambda: st.subjects.__setitem__("group", "A"),
        lambda: st.units.__setitem__("time", "min"),
    ):
        change()
        cached = st.input_hash()
        assert cached == fresh()
        assert cached not in seen
        seen.add(cached)


def test_interleaved_rows_same_result_as_grouped():
    """Rows of several subjects interleaved (no runs to exploit) give the same parameters
    as the same rows grouped by subject; a duplicate time is still reported by row."""
    df = _frame()
    order = np.argsort(np.tile(np.arange(7), 3), kind="stable")  # time-major order
    grouped = nca(read_study(df, units=UNITS)).to_wide().set_index("subject")
    mixed = nca(read_study(df.iloc[order].reset_index(drop=True), units=UNITS)).to_wide()
    mixed = mixed.set_index("subject").loc[grouped.index]
    for col in ("CMAX", "AUCLST", "LAMZ", "AUCIFO"):
        np.testing.assert_allclose(
            mixed[col].to_numpy(float), grouped[col].to_numpy(float), rtol=1e-12
        )
    dup = pd.concat([df, df.iloc[[9]]], ignore_index=True)
    with pytest.raises(DataError) as err:
        read_study(dup, units=UNITS)
    rows = {p.row for p in err.value.problems}
    assert {11, len(dup) + 1} <= rows


def test_study_keeps_its_id_codes_only_while_the_columns_are_unchanged():
    """The Study computes the codes of its conc id columns once (validation, the input
    hash and the NCA's usable rows share them); a write into a column is seen: codes,
    hash and NCA then equal those of a Study read from the changed table."""
    study = read_study(_frame(), units=UNITS)
    assert "subject" in study._codes  # the reader's codes, handed over (no new hash)
    codes, ids = study._subject_codes()
    assert list(ids) == ["R10", "R2", "R1"]
    assert codes.tolist() == [0] * 7 + [1] * 7 + [2] * 7
    # (subject, analyte, matrix): one code per subject here
    assert study._key_codes().tolist() == codes.tolist()
    before = study.input_hash()
    codes[:] = 9  # callers get their own copy
    assert study._subject_codes()[0].tolist() == [0] * 7 + [1] * 7 + [2] * 7
    # rename the second animal's first 3 samples: a new subject in the middle
    study.conc.loc[7:9, "subject"] = "R3"
    codes, ids = study._subject_codes()
    assert list(ids) == ["R10", "R3", "R2", "R1"]
    assert codes.tolist() == [0] * 7 + [1] * 3 + [2] * 4 + [3] * 7
    fresh = Study(study.conc.copy(), study.doses, study.subjects, units=dict(study.units))
    assert study.input_hash() == fresh.input_hash() != before
    new_row = study.doses.iloc[[1]].assign(subject="R3")
    study.doses = pd.concat([study.doses, new_row], ignore_index=True)
    fresh = Study(study.conc.copy(), study.doses.copy(), units=dict(study.units))
    study.subjects = fresh.subjects.copy()
    got, want = nca(study).to_wide(), nca(fresh).to_wide()
    assert got["subject"].tolist() == ["R1", "R2", "R3", "R10"]
    pd.testing.assert_frame_equal(got, want)


def test_default_analyte_and_matrix_codes_are_handed_over_and_follow_a_write(monkeypatch):
    """A file without analyte and matrix columns holds one default text on every row: the
    reader hands the Study their codes (all 0, one unique) without hashing the rows; they
    are what factorizing the cells gives, and a write into a column is seen."""
    import kinetor.data.study as study_module

    hashed = []
    real = study_module.factorize
    monkeypatch.setattr(study_module, "factorize", lambda v: hashed.append(v[0]) or real(v))
    study = read_study(_frame(), units=UNITS)
    study.input_hash()
    assert hashed == []  # reading, validating and hashing: no id column hashed again
    assert {"analyte", "matrix", "exclude"} <= set(study._codes)  # from the reader
    codes, uniques = study._conc_codes("exclude")  # no exclusion column, no reason
    assert codes.tolist() == [0] * 21
    assert list(uniques) == [""]
    # an empty cell gives its row a reason: the codes are then those of the cells
    frame = _frame().astype({"Conc": object})
    frame.loc[3, "Conc"] = ""
    with_reason = read_study(frame, units=UNITS)
    codes, uniques = with_reason._conc_codes("exclude")
    assert codes.tolist() == [0] * 3 + [1] + [0] * 17
    assert list(uniques) == ["", "no concentration value"]
    for col, text in (("analyte", "ANALYTE"), ("matrix", "PLASMA")):
        codes, uniques = study._conc_codes(col)
        assert codes.tolist() == [0] * 21
        assert list(uniques) == [text]
    before = study.input_hash()
    # the third animal's samples become another analyte: new codes and a new hash
    study.conc.loc[14:, "analyte"] = "M1"
    codes, uniques = study._conc_codes("analyte")
    assert codes.tolist() == [0] * 14 + [1] * 7
    assert list(uniques) == ["ANALYTE", "M1"]
    fresh = Study(study.conc.copy(), study.doses, study.subjects, units=dict(study.units))
    assert study.input_hash() == fresh.input_hash() != before
    assert study._key_codes().tolist() == [0] * 7 + [1] * 7 + [2] * 7


@pytest.mark.parametrize(
    "cells",
    [
        ["R1", "R1", "R2", "R2", "R10"],  # the usual case: the reading's codes
        [" R1", "R1", "R2", "R2 ", "R2"],  # two raw cells, one stripped text
        ["R1", None, "nan", "", "R1"],  # missing cells and NA texts become ""
        [1, 1, 2, 2, 10],  # numbers: converted when asked
    ],
)
def test_role_codes_are_those_of_the_role_text(cells):
    """The codes a DataFrame's reading kept for a text column serve a role only when they
    are what factorizing the role's text gives (same codes, same order, same texts)."""
    from kinetor.data._factorize import factorize
    from kinetor.data._table_ctx import _Ctx

    raw = frame_to_raw(pd.DataFrame({"Subject": cells, "Route": "PO"}))
    ctx = _Ctx(raw, None, None, [], [])
    for role in ("subject", "route"):
        codes, uniques = ctx.codes(role)
        want_codes, want_uniques = factorize(ctx.text(role))
        assert codes.tolist() == want_codes.tolist()
        assert list(uniques) == list(want_uniques)


def test_listed_ids_are_factorize_codes_or_none():
    from kinetor.data._buffers import listed_ids

    ids = np.array(["R1", "R2", "R10"], dtype=object)
    codes, uniques = listed_ids(np.array(["R1", "R2", "R10"], dtype=object), ids)
    assert codes.tolist() == [0, 1, 2] and list(uniques) == ["R1", "R2", "R10"]
    for other in (["R2", "R1", "R10"], ["R1", "R2"], ["R1", pd.NA, "R10"], ["R1", None, "R10"]):
        assert listed_ids(np.array(other, dtype=object), ids) is None


def test_input_hash_shortcut_gives_the_general_digest(monkeypatch):
    # the doses and subjects tables list the ids in their order: their codes come from
    # the Study's subject codes; with that shortcut switched off the digest is the same
    import kinetor.data.study as study_module

    digest = read_study(_frame(), units=UNITS).input_hash()
    monkeypatch.setattr(study_module, "listed_ids", lambda values, ids: None)
    assert read_study(_frame(), units=UNITS).input_hash() == digest
    st = read_study(_frame(), units=UNITS)
    shuffled = Study(st.conc, st.doses.iloc[[2, 0, 1]].reset_index(drop=True), units=st.units)
    assert shuffled.input_hash() != digest


def test_usable_rows_do_not_write_into_the_study():
    from kinetor.nca import Options
    from kinetor.nca.rows import usable_rows

    st = read_study(_frame(), units=UNITS)
    before, digest = st.conc.copy(), st.input_hash()
    rows = usable_rows(st, Options())
    for col in ("subject", "time", "conc"):
        with pytest.raises(ValueError, match="read-only"):
            rows.loc[0, col] = rows[col].iloc[1]
    mine = rows.copy()
    mine.loc[0, "time"] = 99.0  # a copy is the caller's own
    assert st.conc.equals(before) and st.input_hash() == digest
