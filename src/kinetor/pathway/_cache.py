"""On-disk cache of compiled models: a new process loads in ~20 ms what takes ~0.5 s to compile.

libroadrunner compiles the SBML to machine code (LLVM) for the host CPU. ``saveStateS()``
serialises the compiled model and ``loadStateS()`` restores it without compiling; results
are identical (tested). This module keeps one file per model text under the cache folder,
keyed by the text's SHA-1, the libroadrunner version and the CPU (machine code for one CPU
may not run on another, e.g. a home folder shared by a heterogeneous cluster), like numba's
``cache=True``; at most :data:`MAX_FILES` files are kept (least recently used go). Each
file carries the SHA-256 of its payload, checked before loading,
because libroadrunner crashes the process (not an exception) on a truncated state. Every
other failure (unwritable folder, foreign file) falls back to compiling; files are written
atomically.

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
import os
import platform
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
    """A RoadRunner for ``text``: from the cache when a valid file is there, else compiled
    by ``compile_model()`` and stored."""
    import roadrunner

    folder = cache_folder()
    path = None if folder is None else folder / f"{cache_key(text)}.rrstate"
    payload = _read(path) if path is not None else None
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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            data = rr.saveStateS()
            tmp.write_bytes(_MAGIC + hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
            os.replace(tmp, path)
            _prune(path.parent)
        except OSError:
            pass  # a read-only home folder: no cache, same results
    return rr


#: Files kept in the cache folder (~0.4 MB each); the least recently used go first.
MAX_FILES = 64


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


_MAGIC = b"kinetor-rrstate-1\n"


def _read(path: Path) -> bytes | None:
    """The payload of a cache file whose checksum matches, else None."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 65
    if not raw.startswith(_MAGIC) or len(raw) <= head:
        return None
    digest, data = raw[len(_MAGIC):head - 1], raw[head:]
    return data if hashlib.sha256(data).hexdigest().encode() == digest else None
