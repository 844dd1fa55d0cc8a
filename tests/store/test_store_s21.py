"""Audit s21 of the store: no user-name oracle in the sign-in time, user names on one
line, and a busy store explained (another process holds it) instead of 'database is
locked'."""

from __future__ import annotations

import sqlite3
import time

import pytest

from kinetor.store import Store, StoreError
from kinetor.store import security as sec


@pytest.fixture
def store(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    st.add_user("ana", "correct-horse-1")
    yield st
    st.close()


def test_an_unknown_user_costs_one_scrypt_as_a_known_one(store, monkeypatch):
    sec.verify_password("x", None)  # the dummy hash exists from here on
    calls = []
    real = sec.hashlib.scrypt

    def counted(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(sec.hashlib, "scrypt", counted)
    assert store.check_password("ana", "wrong-password") is False
    known = len(calls)
    calls.clear()
    assert store.check_password("nobody", "wrong-password") is False
    assert known == 1 and len(calls) == 1  # HEAD: 0 for an unknown user (0.6 ms vs 105 ms)
    store.add_user("nopass")  # an account without a password: also one scrypt
    calls.clear()
    assert store.check_password("nopass", "wrong-password") is False
    assert len(calls) == 1


def test_unknown_and_known_users_take_comparable_time(store):
    store.check_password("nobody", "warm-up")

    def median(user):
        t = []
        for _ in range(3):
            t0 = time.perf_counter()
            store.check_password(user, "wrong-password")
            t.append(time.perf_counter() - t0)
        return sorted(t)[1]

    known, unknown = median("ana"), median("nobody")
    assert unknown > 0.3 * known  # HEAD: about 0.006 of it


@pytest.mark.parametrize("name", ["ana\nroot", "ana\rroot", "a\tb", "bad\x1bname", "x\x85y"])
def test_a_user_name_with_a_control_character_is_refused(store, name):
    with pytest.raises(StoreError, match="control character"):
        store.add_user(name, "some-password-1")
    with pytest.raises(StoreError, match="control character"):
        store.create_project("P", user=name)  # an acting user is created on first use
    assert all(u["user"] != name for u in store.audit("ana"))


def test_a_name_with_spaces_or_accents_is_still_fine(store):
    assert store.add_user("Zoë Müller-Łukasz", "some-password-1") == "created"
    assert store.check_password("Zoë Müller-Łukasz", "some-password-1")


def test_a_busy_store_says_another_process_holds_it(tmp_path, monkeypatch):
    path = tmp_path / "busy.sqlite"
    Store(str(path)).close()  # created and migrated
    monkeypatch.setenv("KINETOR_STORE_TIMEOUT", "0.3")
    st = Store(str(path))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        t0 = time.perf_counter()
        with pytest.raises(StoreError) as err:
            st.create_project("P", user="ana")
        waited = time.perf_counter() - t0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    text = str(err.value)
    assert "busy" in text and "another process" in text and "run the command again" in text
    assert "KINETOR_STORE_TIMEOUT" in text and "database is locked" not in text
    assert 0.25 < waited < 10  # it waited the 0.3 s asked for, not 30 s
    assert st.create_project("P", user="ana") > 0  # free again: works
    st.close()


def test_a_bad_store_timeout_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("KINETOR_STORE_TIMEOUT", "soon")
    with pytest.raises(StoreError, match="KINETOR_STORE_TIMEOUT='soon'"):
        Store(str(tmp_path / "x.sqlite"))
