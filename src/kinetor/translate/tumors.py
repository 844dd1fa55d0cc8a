"""Tumour models of the virtual xenograft: genotype (network lesions) and growth parameters.

The table lives in ``tumors.toml`` next to this module: one entry per cell line (MCF7,
MDA-MB-468, PC3, A549) or generic genotype context (PIK3CA_mut, PTEN_null, KRAS_mut), each
number with its source and status (``firm``/``likely``/``unverified``/``assumption``, the
vocabulary of docs/compounds.md). Growth parameters are assumptions everywhere: the sources
available give no per-line xenograft doubling times (docs/translate.md has the table).

Examples
--------
>>> t = get_tumor("MCF-7")
>>> t.name, t.lesions, t.doubling_time
('MCF7', ('PIK3CA_mut',), 10.0)
>>> round(t.growth_rate, 6)      # ln 2 / 10 days + death rate 0
0.069315
>>> get_tumor({"name": "mine", "lesions": ["PTEN_loss"], "doubling_time": 5.0}).v0
175.0
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from kinetor.errors import ModelError

__all__ = ["TUMOR_FILE", "TumorSpec", "get_tumor", "list_tumors"]

TUMOR_FILE = Path(__file__).with_name("tumors.toml")
_NUMERIC = ("doubling_time", "v0", "v0_cv", "growth_cv", "death_rate", "caliper_cv")
_UNITS = {"doubling_time": "day", "v0": "mm^3", "v0_cv": "1", "growth_cv": "1",
          "death_rate": "1/day", "caliper_cv": "1"}
_DEFAULTS = {"v0": 175.0, "v0_cv": 0.08, "growth_cv": 0.25, "death_rate": 0.0,
             "caliper_cv": 0.10}


@dataclass(frozen=True)
class TumorSpec:
    """One tumour model.

    Parameters
    ----------
    name : str
        Cell line or context name.
    lesions : tuple of str
        Network lesions (``kinetor.pathway`` names) standing for the genotype.
    doubling_time : float
        Vehicle volume doubling time, days (exponential growth).
    v0 : float
        Typical volume at randomisation (treatment start, day 0), mm^3.
    v0_cv, growth_cv : float
        Between-animal CV (log-normal) of the starting volume and of the growth rate.
    death_rate : float
        First-order loss rate (1/day) not touched by the drug; the proliferation rate is
        ``ln2/doubling_time + death_rate`` so that vehicle growth keeps ``doubling_time``.
    caliper_cv : float
        CV of one caliper volume measurement (docs/translate.md, caliper error model).
    sources : dict
        Parameter -> "source [status]".
    """

    name: str
    lesions: tuple[str, ...] = ()
    doubling_time: float = 7.0
    v0: float = 175.0
    v0_cv: float = 0.08
    growth_cv: float = 0.25
    death_rate: float = 0.0
    caliper_cv: float = 0.10
    genotype: str = ""
    tissue: str = ""
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        bad = [f"{k} = {getattr(self, k)!r}" for k in _NUMERIC
               if not (math.isfinite(float(getattr(self, k))) and float(getattr(self, k)) >= 0)]
        if not self.doubling_time > 0:
            bad.append(f"doubling_time = {self.doubling_time!r} must be > 0")
        if not self.v0 > 0:
            bad.append(f"v0 = {self.v0!r} must be > 0")
        if bad:
            raise ModelError(f"tumour {self.name!r}: " + "; ".join(bad))

    @property
    def growth_rate(self) -> float:
        """Proliferation rate constant (1/day): ``ln 2 / doubling_time + death_rate``."""
        return math.log(2.0) / self.doubling_time + self.death_rate

    def without_variability(self) -> TumorSpec:
        """The same tumour with no between-animal variability."""
        return replace(self, v0_cv=0.0, growth_cv=0.0)

    def table(self) -> pd.DataFrame:
        """Parameters with units and sources (one row each)."""
        return pd.DataFrame([{"tumor": self.name, "parameter": k, "value": getattr(self, k),
                              "unit": _UNITS[k], "source": self.sources.get(k, "user")}
                             for k in _NUMERIC])


def _key(text: str) -> str:
    return re.sub(r"[\s_\-.]", "", str(text)).lower()


@lru_cache(maxsize=1)
def _library() -> dict[str, TumorSpec]:
    raw = tomllib.loads(TUMOR_FILE.read_text(encoding="utf-8"))
    out: dict[str, TumorSpec] = {}
    for entry in raw["tumor"]:
        values, sources = {}, {}
        for k in _NUMERIC:
            v = entry[k]
            if v["unit"] != _UNITS[k]:
                raise ModelError(f"{TUMOR_FILE.name}: {entry['name']}.{k} must be in "
                                 f"{_UNITS[k]}, not {v['unit']!r}")
            values[k] = float(v["value"])
            sources[k] = f"{v['source']} [{v['status']}]"
        geno = entry.get("genotype", {})
        sources["genotype"] = f"{geno.get('source', '')} [{geno.get('status', '')}]"
        spec = TumorSpec(name=entry["name"], lesions=tuple(entry["lesions"]),
                         genotype=geno.get("value", ""), tissue=entry.get("tissue", ""),
                         sources=sources, **values)
        for alias in [entry["name"], *entry.get("synonyms", [])]:
            out[_key(alias)] = spec
    return out


def get_tumor(spec: TumorSpec | str | Mapping[str, Any]) -> TumorSpec:
    """A tumour model by name (case, spaces, dashes ignored), a dict or a ``TumorSpec``.

    A dict needs ``name`` (or defaults to ``"custom"``) and ``lesions``; numbers it lacks
    take the shared assumption values of ``tumors.toml`` (``doubling_time`` defaults to 7
    days). ``{"base": "MCF7", "doubling_time": 8}`` overrides fields of a library entry.

    Raises
    ------
    ModelError
        Unknown name or invalid values.
    """
    if isinstance(spec, TumorSpec):
        return spec
    lib = _library()
    if isinstance(spec, str):
        hit = lib.get(_key(spec))
        if hit is None:
            names = sorted({t.name for t in lib.values()})
            raise ModelError(f"unknown tumour {spec!r}: known are {', '.join(names)}; or pass "
                             "a dict {'name', 'lesions', 'doubling_time', ...}")
        return hit
    if isinstance(spec, Mapping):
        d = dict(spec)
        base = get_tumor(d.pop("base")) if "base" in d else None
        allowed = {f.name for f in fields(TumorSpec)}
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise ModelError(f"unknown tumour field(s) {unknown}: use {sorted(allowed)}")
        if "lesions" in d:
            les = d["lesions"]
            d["lesions"] = tuple([les] if isinstance(les, str) else les)
        if base is not None:
            srcs = {**base.sources, **dict.fromkeys(d, "user")}
            return replace(base, **d, sources=srcs)
        d.setdefault("name", "custom")
        vals = {**_DEFAULTS, **d}
        vals["sources"] = {k: ("user" if k in d else "kinetor default (assumption)")
                           for k in _NUMERIC}
        return TumorSpec(**vals)
    raise ModelError(f"cannot read tumour {spec!r}: give a name, a dict or a TumorSpec")


def list_tumors() -> pd.DataFrame:
    """The tumour library: one row per model (name, lesions, genotype, growth parameters).

    Examples
    --------
    >>> "MCF7" in list_tumors()["name"].tolist()
    True
    """
    seen = {}
    for t in _library().values():
        seen.setdefault(t.name, t)
    return pd.DataFrame([{"name": t.name, "lesions": ";".join(t.lesions),
                          "genotype": t.genotype, "tissue": t.tissue,
                          **{k: getattr(t, k) for k in _NUMERIC}} for t in seen.values()])
