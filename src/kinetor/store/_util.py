"""Small helpers shared by the store modules."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from kinetor.errors import KinetorError


class StoreError(KinetorError):
    """A store request cannot be done (absent or invisible object, locked result...)."""


def check_length(text: str, limit: int, what: str) -> str:
    """``text`` when it fits its column (``limit`` characters), else a StoreError."""
    if len(str(text)) > limit:
        raise StoreError(
            f"{what} can be {limit} characters long at most, got {len(str(text))}: "
            f"{str(text)[:40]!r}... (shorten it)"
        )
    return text


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _row(obj, skip=("data",)) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key not in skip}
