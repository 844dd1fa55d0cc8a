"""On-disk cache of compiled models: a new process loads in ~20 ms what takes ~0.5 s to compile.

libroadrunner compiles the SBML to machine code (LLVM) for the host CPU. ``saveStateS()``
serialises the compiled model and ``loadStateS()`` restores it without compiling; results
are identical (tested). This module keeps one file per model text under the cache folder,
keyed by the text's SHA-1, the libroadrunner version and the CPU (machine code for one CPU
may not run on another, e.g. a home folder shared by a heterogeneous cluster), like numba's
``cache=True``; at most :data:`MAX_FILES` files are kept (least recently used go).

A compiled state is machine code that libroadrunner runs, and it crashes the process (not
an exception) on a truncated or crafted state, so a file is loaded only when all of these
hold (otherwise the model is compiled, with the same results):

* the folder is a real directory (not a link) owned by the user and writable by nobody
  else (it is created with mode 0700);
* the file is a regular file (not a link, FIFO or device) owned by the user, not writable
  by others, and no larger than :data:`MAX_BYTES`;
* its header carries an HMAC-SHA-256 of the payload under a per-user secret key (the
  ``key`` file, mode 0600, in the same folder): a checksum inside the file detects
  truncation but not tampering, an HMAC needs the key. A damaged key file (not 32
  bytes) is replaced by a new key, as a damaged state file is recompiled and rewritten.

Files are written to a temporary file with a random name created exclusively (no
predictable ``.tmp`` name a link could be planted at), then renamed into place; the
temporary file is removed when writing fails (e.g. a full disk).

Folder: ``$KINETOR_CACHE_DIR`` if set (``KINETOR_CACHE_DIR=off`` disables the cache), else
``$XDG_CACHE_HOME/kinetor`` or ``~/.cache/kinetor``.

Examples
--------
>>> cache_folder({"KINETOR_CACHE_DIR": "off"}) is None
True
>>> cache_folder({"KINETOR_CACHE_DIR": "/tmp/kc"}).as_posix()
'/tmp/kc/roadrunner'
>>> cache_folder({"XDG_CACHE_HOME": "/var/cache"}).as_posix()
'/var/cache/kinetor/roadrunner'
"""

from __future__ import annotations

import hashlib
import hmac
import os
import platform
import secrets
import stat
import tempfile
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["MAX_FILES", "cache_folder", "cache_key", "load_or_compile"]


def cache_folder(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where compiled models are kept (from ``environ``, default ``os.environ``), or None
    when the cache is off."""
    environ = os.environ if environ is None else environ
    env = environ.get("KINETOR_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "none") else Path(env) / "roadrunner"
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kinetor" / "roadrunner"


@lru_cache(maxsize=1)
def _cpu() -> str:
    """The CPU model and feature flags (Linux), else the platform's processor string."""
    try:
        info = Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
        keep = [line for line in info if line.startswith(("model name", "flags", "Features"))]
        text = "\n".join(sorted(set(keep)))
    except OSError:
        text = ""
    return f"{platform.machine()}|{platform.processor()}|{text}"


def cache_key(text: str) -> str:
    """SHA-1 of the model text, the libroadrunner version and the CPU."""
    import roadrunner

    h = hashlib.sha1()
    for part in (text, roadrunner.__version__, _cpu()):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def load_or_compile(text: str, compile_model: Callable[[], Any]) -> Any:
    """A RoadRunner for ``text``: from the cache when a trusted, valid file is there, else
    compiled by ``compile_model()`` and stored."""
    import roadrunner

    folder = _trusted_folder(cache_folder())
    key = _secret(folder) if folder is not None else None
    path = None if key is None else folder / f"{cache_key(text)}.rrstate"
    payload = _read(path, key) if path is not None else None
    if payload is not None:
        try:
            rr = roadrunner.RoadRunner()
            rr.loadStateS(payload)
            if rr.model is not None and rr.model.getNumFloatingSpecies() > 0:
                _touch(path)
                return rr
        except (RuntimeError, ValueError):
            pass  # a foreign state: compile instead
    rr = compile_model()
    if path is not None:
        _write(path, key, rr.saveStateS())
    return rr


#: Files kept in the cache folder (~0.4 MB each); the least recently used go first.
MAX_FILES = 64
#: Largest cache file read (a compiled network state is ~0.4 MB).
MAX_BYTES = 64 * 2**20


def _uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else -1


def _private(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    return (_uid() < 0 or st.st_uid == _uid()) and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _trusted_folder(folder: Path | None) -> Path | None:
    """``folder`` created (mode 0700) when absent; None when it cannot be trusted."""
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or not _private(st):
        return None
    return folder


def _open_private(path: Path) -> int | None:
    """A read descriptor of ``path`` when it is a private regular file, else None; never
    follows a link and never blocks on a FIFO."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or not _private(st) or st.st_size > MAX_BYTES:
        os.close(fd)
        return None
    return fd


def _secret(folder: Path) -> bytes | None:
    """The per-user HMAC key of the cache (created on first use, mode 0600)."""
    path = folder / "key"
    try:
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600
        )
    except FileExistsError:
        fd = None
    except OSError:
        return None
    if fd is not None:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    fd = _open_private(path)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as f:
        key = f.read(64)
    if len(key) == 32:
        return key
    # a damaged key (truncated, overwritten): a new one, so that the cache works again
    # (the files under the old key fail their HMAC and are compiled and rewritten)
    key = secrets.token_bytes(32)
    return key if _replace(path, key) else None


def _replace(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a fresh private temporary file and a rename."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _write(path: Path, key: bytes, data: bytes) -> None:
    signed = _MAGIC + hmac.new(key, data, hashlib.sha256).hexdigest().encode() + b"\n" + data
    if _replace(path, signed):  # a read-only or full folder: no cache, same results
        _prune(path.parent)


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


def _prune(folder: Path, keep: int | None = None) -> None:
    """Delete the least recently used files beyond ``keep`` (default :data:`MAX_FILES`)."""
    keep = MAX_FILES if keep is None else keep
    files = sorted(folder.glob("*.rrstate"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        try:
            old.unlink()
        except OSError:
            pass


_MAGIC = b"kinetor-rrstate-2\n"


def _read(path: Path, key: bytes) -> bytes | None:
    """The payload of a private cache file whose HMAC matches, else None."""
    fd = _open_private(path)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MAX_BYTES + 1)
    head = len(_MAGIC) + 65
    if not raw.startswith(_MAGIC) or len(raw) <= head:
        return None
    digest, data = raw[len(_MAGIC) : head - 1], raw[head:]
    expected = hmac.new(key, data, hashlib.sha256).hexdigest().encode()
    return data if hmac.compare_digest(expected, digest) else None
