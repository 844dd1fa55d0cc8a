"""On-disk cache of compiled models (kinetor.pathway._cache)."""

import hashlib
import os
import stat
import subprocess
import sys
import threading

import numpy as np
import pytest

from kinetor.pathway import _cache
from kinetor.pathway._cache import _MAGIC, _read, _secret, cache_key, load_or_compile
from kinetor.pathway._model import model_text, to_sbml

RUN = (
    "from kinetor.pathway import Network; import numpy as np; "
    "r = Network(['PTEN_loss']).simulate({'everolimus': 10.0, 'trametinib': 3.0}, t_end=12)"
    ".readouts.to_numpy(); np.save(__import__('sys').argv[1], r)"
)


def _run(tmp_path, env_dir: str, name: str) -> np.ndarray:
    out = tmp_path / f"{name}.npy"
    # the child imports the same kinetor as this process (a worktree's src, not an
    # installed copy)
    env = {
        "KINETOR_CACHE_DIR": env_dir,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    subprocess.run([sys.executable, "-c", RUN, str(out)], check=True, env=env)
    return np.load(out)


def test_cached_model_gives_identical_results(tmp_path):
    cache = tmp_path / "cache"
    compiled = _run(tmp_path, "off", "off")
    assert not cache.exists()
    first = _run(tmp_path, str(cache), "first")  # compiles and stores
    files = list((cache / "roadrunner").glob("*.rrstate"))
    assert len(files) == 1 and files[0].read_bytes().startswith(_MAGIC)
    loaded = _run(tmp_path, str(cache), "loaded")  # loads the stored model
    np.testing.assert_array_equal(first, compiled)
    np.testing.assert_array_equal(loaded, compiled)


def test_a_damaged_cache_file_is_recompiled(tmp_path, monkeypatch):
    # libroadrunner segfaults on a truncated state: the checksum must catch it first
    monkeypatch.setenv("KINETOR_CACHE_DIR", str(tmp_path))
    text = model_text()
    path = tmp_path / "roadrunner" / f"{cache_key(text)}.rrstate"
    path.parent.mkdir(parents=True)
    compiled = []

    def compile_model():
        import roadrunner

        compiled.append(1)
        return roadrunner.RoadRunner(to_sbml(text))

    load_or_compile(text, compile_model)
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # truncated
    rr = load_or_compile(text, compile_model)
    assert len(compiled) == 2 and rr.model.getNumFloatingSpecies() > 0
    assert _read(path, _secret(path.parent)) is not None  # rewritten, valid
    path.write_bytes(_MAGIC + b"0" * 64 + b"\n" + good[len(_MAGIC) + 65 :])  # bad checksum
    load_or_compile(text, compile_model)
    assert len(compiled) == 3
    load_or_compile(text, compile_model)  # now valid again: loaded, not compiled
    assert len(compiled) == 3


def test_the_least_recently_used_files_are_pruned(tmp_path):
    import os

    from kinetor.pathway._cache import _prune

    for k in range(5):
        f = tmp_path / f"{k}.rrstate"
        f.write_bytes(b"x")
        os.utime(f, (1000 + k, 1000 + k))
    (tmp_path / "other.txt").write_text("kept")
    _prune(tmp_path, keep=2)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["3.rrstate", "4.rrstate", "other.txt"]


class _Compiler:
    """Counts compilations of the network text."""

    def __init__(self):
        self.n = 0
        self.text = model_text()

    def __call__(self):
        import roadrunner

        self.n += 1
        return roadrunner.RoadRunner(to_sbml(self.text))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KINETOR_CACHE_DIR", str(tmp_path))
    comp = _Compiler()
    load_or_compile(comp.text, comp)  # compiles and stores
    path = tmp_path / "roadrunner" / f"{cache_key(comp.text)}.rrstate"
    assert comp.n == 1 and path.is_file()
    return comp, path


def test_a_tampered_state_with_a_recomputed_checksum_is_not_loaded(cache):
    comp, path = cache
    raw = path.read_bytes()
    data = raw[len(_MAGIC) + 65 :]
    forged = data[:-16] + bytes(16)  # a changed state whose checksum an attacker recomputes
    path.write_bytes(_MAGIC + hashlib.sha256(forged).hexdigest().encode() + b"\n" + forged)
    load_or_compile(comp.text, comp)
    assert comp.n == 2  # compiled, not loaded
    assert path.read_bytes() != _MAGIC + hashlib.sha256(forged).hexdigest().encode()


def test_a_folder_writable_by_others_is_not_trusted(cache):
    comp, path = cache
    os.chmod(path.parent, 0o777)
    load_or_compile(comp.text, comp)
    assert comp.n == 2


def test_a_folder_owned_by_another_user_is_not_trusted(cache, monkeypatch):
    comp, _ = cache
    monkeypatch.setattr(_cache, "_uid", lambda: os.getuid() + 1)
    load_or_compile(comp.text, comp)
    assert comp.n == 2


def test_a_link_in_place_of_the_state_is_not_followed(cache, tmp_path):
    comp, path = cache
    target = tmp_path / "elsewhere.rrstate"
    target.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(target)
    load_or_compile(comp.text, comp)
    assert comp.n == 2


def test_links_at_temporary_names_are_never_written_through(cache, tmp_path):
    comp, path = cache
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path.unlink()
    for pid in (os.getpid(), os.getpid() + 1):  # the old predictable names
        (path.parent / f"{path.stem}.{pid}.tmp").symlink_to(victim)
    load_or_compile(comp.text, comp)
    assert victim.read_text() == "precious" and path.is_file()


def test_a_fifo_in_place_of_the_state_does_not_hang(cache):
    comp, path = cache
    path.unlink()
    os.mkfifo(path)
    done = threading.Event()

    def run():
        load_or_compile(comp.text, comp)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(60), "load_or_compile blocked on a FIFO"
    assert stat.S_ISFIFO(path.lstat().st_mode) or comp.n == 2


def test_no_temporary_file_is_left_when_the_disk_is_full(cache, monkeypatch):
    comp, path = cache
    path.unlink()
    real = os.fdopen

    def full(fd, mode="r", *a, **k):
        f = real(fd, mode, *a, **k)
        if "w" in mode:

            def write(_b):
                raise OSError(28, "No space left on device")

            f.write = write
        return f

    monkeypatch.setattr(_cache.os, "fdopen", full)
    load_or_compile(comp.text, comp)
    assert not list(path.parent.glob("*.tmp")) and not path.exists()
