"""Re-audit of the sign-in throttle: wrong bearer tokens count as failed sign-ins and a
locked token is refused on the header too; a user field longer than any account name is
kept in the throttle by its hash, not whole."""

from __future__ import annotations

import pytest

from kinetor.store import Store
from kinetor.web import ServeConfig, build_app, security

from .test_web_s21 import call, sign_in

TOKEN = "a-long-random-token-1234"


@pytest.fixture
def store(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'web.sqlite'}")
    st.add_user("ana", "correct-horse-1")
    return st


def test_wrong_bearer_tokens_lock_the_token_as_the_form_does(store, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(security, "_clock", lambda: now[0], raising=False)
    cfg = ServeConfig(auth="token", token=TOKEN)
    app = build_app(cfg, store)
    right = [("authorization", "Bearer " + TOKEN)]
    assert call(app, "GET", "/api/results/999999", right)[0] == 404  # past the sign-in
    for _ in range(5):
        assert call(app, "GET", "/api/results/1", [("authorization", "Bearer wrong")])[0] == 401
    assert call(app, "GET", "/api/results/999999", right)[0] == 401  # locked: 60 s
    assert sign_in(app, cfg, TOKEN)[0] == 429  # the form says so
    now[0] += 61.0
    assert call(app, "GET", "/api/results/999999", right)[0] == 404


def test_a_huge_user_field_is_kept_by_its_hash(store):
    cfg = ServeConfig(auth="accounts")
    app = build_app(cfg, store)
    name = "x" * 100_000
    sign_in(app, cfg, "wrong-password", name)
    keys = list(cfg.failed_logins)
    assert len(keys) == 1 and len(keys[0]) < 100 and keys[0].startswith("sha256:")
