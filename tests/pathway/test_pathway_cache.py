"""On-disk cache of compiled models (kinetor.pathway._cache)."""

import os
import subprocess
import sys

import numpy as np

from kinetor.pathway._cache import _MAGIC, _read, cache_key, load_or_compile
from kinetor.pathway._model import model_text, to_sbml

RUN = ("from kinetor.pathway import Network; import numpy as np; "
       "r = Network(['PTEN_loss']).simulate({'everolimus': 10.0, 'trametinib': 3.0}, t_end=12)"
       ".readouts.to_numpy(); np.save(__import__('sys').argv[1], r)")


def _run(tmp_path, env_dir: str, name: str) -> np.ndarray:
    out = tmp_path / f"{name}.npy"
    # the child imports the same kinetor as this process (a worktree's src, not an
    # installed copy)
    env = {"KINETOR_CACHE_DIR": env_dir, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
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
    assert _read(path) is not None  # rewritten, valid
    path.write_bytes(_MAGIC + b"0" * 64 + b"\n" + good[len(_MAGIC) + 65:])  # bad checksum
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
