"""Design objects of a study (kinetor.translate.options) and the bounded table cache."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from kinetor.errors import ModelError
from kinetor.translate import (
    Execution,
    ExposureOptions,
    NetworkOptions,
    StudyDesign,
    TableCache,
    get_tumor,
    run_study,
    simulate_study,
)
from kinetor.translate.tables import DEFAULT_TABLES

REG = "15 mg/kg PO QD x 7 days"


def test_objects_and_keywords_give_the_same_study():
    kw = {"n_animals": 3, "seed": 7, "days": 7, "kp_uu": 0.5, "exposure": "tumor"}
    by_keywords = run_study("vistusertib", "mouse", "MCF7", REG, **kw)
    design = StudyDesign("vistusertib", REG, n_animals=3, seed=7, days=7)
    exposure = ExposureOptions(site="tumor", kp_uu=0.5)
    by_objects = simulate_study(design, exposure, NetworkOptions(), Execution())
    pd.testing.assert_frame_equal(by_keywords.tumor, by_objects.tumor)
    pd.testing.assert_frame_equal(by_keywords.pk, by_objects.pk)
    assert by_keywords.settings == by_objects.settings
    # objects through run_study, with keywords left at their defaults
    mixed = run_study(design=design, exposure_options=exposure)
    pd.testing.assert_frame_equal(by_keywords.tgi, mixed.tgi)
    # a variant of a design is a replace away
    longer = dataclasses.replace(design, days=14)
    assert simulate_study(longer, exposure).settings["days"] == 14.0


def test_an_object_and_its_keyword_together_are_refused():
    design = StudyDesign("vistusertib", REG, n_animals=2)
    with pytest.raises(ModelError, match="both design= and n_animals="):
        run_study(design=design, n_animals=5)
    with pytest.raises(ModelError, match="both network_options= and pathway_mode="):
        run_study(design=design, network_options=NetworkOptions(), pathway_mode="dynamic")
    with pytest.raises(ModelError, match="expected a StudyDesign"):
        simulate_study({"compound": "vistusertib"})


def test_each_object_checks_its_values():
    with pytest.raises(ModelError, match="n_animals must be >= 1"):
        StudyDesign(n_animals=0)
    with pytest.raises(ModelError, match="n_animals must be a whole number"):
        StudyDesign(n_animals=2.5)
    assert StudyDesign(n_animals=np.int64(3)).n_animals == 3
    with pytest.raises(ModelError, match="dt must be a positive"):
        StudyDesign(dt=0)
    with pytest.raises(ModelError, match="exposure must be 'plasma' or 'tumor'"):
        ExposureOptions(site="liver")
    with pytest.raises(ModelError, match="pathway_mode"):
        NetworkOptions(pathway_mode="steady")
    with pytest.raises(ModelError, match="insulin_feedback must be >= 0"):
        NetworkOptions(insulin_feedback=-1)
    with pytest.raises(ModelError, match="needs pathway_mode='quasi-steady'"):
        NetworkOptions(pathway_mode="dynamic", insulin_feedback=0.5)
    with pytest.raises(ModelError, match="TableCache"):
        NetworkOptions(tables={})
    with pytest.raises(ModelError, match="n_jobs must be"):
        Execution(n_jobs=0)
    with pytest.raises(ModelError, match="both compound and regimen"):
        StudyDesign(compound="vistusertib").study_arms()
    d = StudyDesign(arms=["A=vistusertib:" + REG], measure_days=[0, 3.5])
    assert d.arms == ("A=vistusertib:" + REG,) and d.measure_days == (0.0, 3.5)
    assert [a.name for a in d.study_arms()] == ["Vehicle", "A"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.seed = 3  # type: ignore[misc]


def test_table_cache_is_least_recently_used_with_a_size():
    built = []

    def make(v):
        return lambda: built.append(v) or v

    cache = TableCache(maxsize=2)
    assert cache.get("a", make(1)) == 1 and cache.get("b", make(2)) == 2
    assert cache.get("a", make(99)) == 1  # a hit: not rebuilt, now most recent
    assert cache.get("c", make(3)) == 3  # evicts b, the least recently used
    assert cache.keys() == ["a", "c"] and len(cache) == 2
    assert cache.get("b", make(4)) == 4  # b was dropped: built again; evicts a
    assert cache.keys() == ["c", "b"]
    assert built == [1, 2, 3, 4] and (cache.hits, cache.misses) == (1, 4)
    cache.clear()
    assert len(cache) == 0
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ModelError, match="maxsize must be an integer >= 1"):
            TableCache(bad)


def test_a_study_uses_the_cache_its_network_options_own():
    own = TableCache(maxsize=1)
    before = DEFAULT_TABLES.keys()
    net = NetworkOptions(tables=own)
    for tumor in ("MCF7", "PTEN_null"):
        design = StudyDesign("vistusertib", REG, tumor=tumor, n_animals=2, tumor_growth=False)
        simulate_study(design, network=net)
    assert len(own) == 1 and own.misses == 2  # one table per genotype; the first evicted
    assert own.keys()[0][1] == tuple(get_tumor("PTEN_null").lesions)  # the last one kept
    assert DEFAULT_TABLES.keys() == before  # the process-wide cache was not touched
