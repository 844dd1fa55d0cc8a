"""The public surface: what ``dir()`` lists can be imported, and no name hides a module."""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import kinetor as kt

# public functions that still share their name with a submodule of the same package
# (``from kinetor.pk import simulate`` is the function, ``kinetor.pk.simulate`` then would
# not be the module). None is left: each such module was renamed (kinetor.pd.tgi ->
# tgi_metrics, kinetor.pk.simulate -> simulation, ...); the set stays empty.
SHADOWS_PENDING: set[tuple[str, str]] = set()


def test_dir_lists_only_public_names_that_import():
    names = dir(kt)
    assert "importlib" not in names and "Any" not in names and "annotations" not in names
    assert {"read_study", "nca", "pd", "qsar", "__version__"} <= set(names)
    for name in names:
        assert getattr(kt, name) is not None, name


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'assay'"):
        kt.assay  # noqa: B018


def test_the_top_level_is_small():
    # errors, the version, the callable nca, 11 shortcuts and the subpackages
    assert len(kt.__all__) == 18
    assert len(dir(kt)) <= 40


def _packages():
    for info in pkgutil.walk_packages(kt.__path__, "kinetor."):
        if info.ispkg:
            yield info.name


def test_no_public_name_shadows_a_submodule():
    found = set()
    for name in _packages():
        pkg = importlib.import_module(name)
        subs = {m.name for m in pkgutil.iter_modules(pkg.__path__)}
        for public in getattr(pkg, "__all__", []):
            if public in subs and not isinstance(getattr(pkg, public), types.ModuleType):
                found.add((name, public))
    new = sorted(found - SHADOWS_PENDING)
    assert not new, f"a public name hides the submodule of the same name: {new}"
    fixed = sorted(SHADOWS_PENDING - found)
    assert not fixed, f"remove from SHADOWS_PENDING (renamed): {fixed}"


def test_tgi_is_the_function_and_its_module_has_its_own_name():
    import kinetor.pd as kpd
    from kinetor.pd import tgi_metrics

    assert isinstance(kpd.tgi, types.FunctionType)
    assert kpd.tgi is tgi_metrics.tgi
