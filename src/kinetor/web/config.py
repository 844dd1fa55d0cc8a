"""Server settings and the bind rule: a non-local address needs authentication.

>>> check_bind(ServeConfig(host="127.0.0.1"))
>>> check_bind(ServeConfig(host="0.0.0.0"))
Traceback (most recent call last):
...
kinetor.web.config.ServeRefused: refusing to listen on 0.0.0.0 without authentication: ...
>>> check_bind(ServeConfig(host="0.0.0.0", auth="token", token="a-long-random-token-1234"))
"""

from __future__ import annotations

import getpass
import ipaddress
import math
import os
import secrets
from dataclasses import dataclass, field

from kinetor.errors import KinetorError

AUTH_MODES = ("none", "token", "accounts")


class ServeRefused(KinetorError):
    """The server will not start with these settings (the message says what to change)."""


@dataclass
class ServeConfig:
    """Settings of ``kinetor serve``.

    auth : ``"none"`` (only on a local address; the user is your login name),
        ``"token"`` (one shared secret, typed on the sign-in page or sent as
        ``Authorization: Bearer``) or ``"accounts"`` (store users with passwords,
        ``kinetor store add-user``).
    """

    host: str = "127.0.0.1"
    port: int = 8050
    store: str | None = None
    auth: str = "none"
    token: str | None = None
    max_upload_mb: float = 50.0
    workers: int | None = None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    local_user: str = field(
        default_factory=lambda: os.environ.get("KINETOR_USER") or getpass.getuser()
    )
    # sessions signed out while this server runs (nonce -> expiry); see web.security
    signed_out: dict[str, int] = field(default_factory=dict, repr=False)
    # failed sign-ins per account while this server runs (web.security.Throttle)
    failed_logins: dict[str, list[float]] = field(default_factory=dict, repr=False)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 2**20)


def is_local(host: str) -> bool:
    """True for loopback addresses and ``localhost``.

    >>> is_local("127.0.0.1"), is_local("::1"), is_local("0.0.0.0"), is_local("10.0.0.5")
    (True, True, False, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(cfg: ServeConfig, store=None) -> None:
    """Raise :class:`ServeRefused` unless the settings are safe to serve."""
    if cfg.auth not in AUTH_MODES:
        raise ServeRefused(f"--auth {cfg.auth!r}: use one of {', '.join(AUTH_MODES)}")
    if cfg.auth == "none" and not is_local(cfg.host):
        raise ServeRefused(
            f"refusing to listen on {cfg.host} without authentication: anyone who can "
            "reach it would act as you. Use --auth token (with --token or KINETOR_TOKEN) "
            "or --auth accounts (kinetor store add-user NAME), or bind to 127.0.0.1"
        )
    if cfg.auth == "token" and (not cfg.token or len(cfg.token) < 16):
        raise ServeRefused(
            "--auth token needs a token of at least 16 characters (--token or KINETOR_TOKEN)"
        )
    if cfg.auth == "accounts" and store is not None and not store.has_accounts():
        raise ServeRefused(
            "--auth accounts: the store has no account with a password yet; "
            "add one with 'kinetor store add-user NAME'"
        )
    if not (math.isfinite(cfg.max_upload_mb) and cfg.max_upload_mb > 0):
        raise ServeRefused(f"--max-upload-mb {cfg.max_upload_mb:g}: give a positive number of MB")
    if cfg.workers is not None and cfg.workers < 1:
        raise ServeRefused(
            f"--workers {cfg.workers}: give 1 or more (leave it out for one per CPU)"
        )
