"""Re-audit of the sign-in timing and user-name rules: an empty password costs one scrypt
as a wrong one does; Unicode line/paragraph separators and format characters (direction
overrides) are refused in user names as control characters are."""

import pytest

import kinetor.store.security as sec
from kinetor.store import Store, StoreError


@pytest.fixture
def store(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 's.db'}")
    st.add_user("ana", "correct-horse-1")
    yield st
    st.close()


def test_an_empty_password_costs_one_scrypt(store, monkeypatch):
    calls = []
    real = sec.hashlib.scrypt

    def counted(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(sec.hashlib, "scrypt", counted)
    assert store.check_password("ana", "") is False
    assert len(calls) == 1  # before: 0 (1.3 ms against 90 ms: the name exists)


@pytest.mark.parametrize("name", ["a\u2028b", "a\u2029b", "a\u202eb", "a\u200bb"])
def test_separators_and_format_characters_are_refused(store, name):
    with pytest.raises(StoreError, match="control character"):
        store.add_user(name, "some-password-1")
    with pytest.raises(StoreError, match="control character"):
        store.create_project("P", user=name)
