"""Password hashing for store accounts: salted scrypt (``hashlib.scrypt``), constant-time
comparison; the password itself is never stored.

>>> h = hash_password("correct horse")
>>> h.startswith("scrypt$") and "correct" not in h
True
>>> verify_password("correct horse", h), verify_password("wrong", h)
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex) of ``password`` with a fresh 16-byte salt."""
    if not password:
        raise ValueError("an empty password cannot be set")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


_DUMMY: list[str] = []  # a hash to check against when there is none (made once)


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches the stored hash (False for accounts without one).

    Without a stored hash (no such user, or an account without a password) the password
    is still checked against a dummy hash, so the answer takes as long as for a real
    account: the time does not tell which user names exist."""
    if not stored:
        if not _DUMMY:
            _DUMMY.append(hash_password(secrets.token_urlsafe(16)))
        stored = _DUMMY[0]
        verify_password(password or "x", stored)
        return False
    if not password:  # checked all the same: an empty password takes as long
        verify_password("x", stored)
        return False
    try:
        algo, n, r, p, salt, digest = stored.split("$")
        if algo != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest) // 2,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)
