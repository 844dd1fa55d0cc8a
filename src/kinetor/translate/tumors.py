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

__all__ = [
    "PHYSICAL_RANGES",
    "TUMOR_FILE",
    "TumorSpec",
    "get_tumor",
    "list_tumors",
    "range_problem",
]

TUMOR_FILE = Path(__file__).with_name("tumors.toml")
_NUMERIC = ("doubling_time", "v0", "v0_cv", "growth_cv", "death_rate", "caliper_cv")
# response parameters: optional in tumors.toml (defaults below, labelled assumptions)
_RESPONSE = ("vmax", "linear_rate", "kill_rate", "kill_threshold", "transit_rate", "n_transit")
_UNITS = {
    "doubling_time": "day",
    "v0": "mm^3",
    "v0_cv": "1",
    "growth_cv": "1",
    "death_rate": "1/day",
    "caliper_cv": "1",
    "vmax": "mm^3",
    "linear_rate": "mm^3/day",
    "kill_rate": "1/day",
    "kill_threshold": "1",
    "transit_rate": "1/day",
    "n_transit": "1",
}
_DEFAULTS = {"v0": 175.0, "v0_cv": 0.08, "growth_cv": 0.25, "death_rate": 0.0, "caliper_cv": 0.10}
# the physically meaningful range of each parameter (docs/translate.md gives the reasons)
PHYSICAL_RANGES: dict[str, tuple[float, float]] = {
    "doubling_time": (0.5, 36525.0),  # no faster than a cell cycle; 100 years = no growth
    "v0": (1e-3, 1e6),  # a thousand cells to one litre
    "v0_cv": (0.0, 1.0),
    "growth_cv": (0.0, 1.0),
    "caliper_cv": (0.0, 1.0),
    "death_rate": (0.0, 10.0),  # 10 /day: a half-life of 1.7 h, as long as apoptosis lasts
    "kill_rate": (0.0, 10.0),
    "transit_rate": (0.0, 24.0),  # at least an hour in each compartment of dying tissue
    "n_transit": (0.0, 20.0),
}
_STRICT = ("doubling_time", "v0")  # > 0; every other number >= 0


def range_problem(name: str, value: Any) -> str | None:
    """Why ``value`` of ``name`` is outside :data:`PHYSICAL_RANGES`, or None. A value that
    is not a finite number of the right sign is left to :class:`TumorSpec`'s own checks.

    Examples
    --------
    >>> range_problem("doubling_time", 0.01)
    'doubling_time = 0.01 day is outside the physically meaningful range 0.5 to 36525 day'
    >>> range_problem("doubling_time", 8.0) is None
    True
    """
    v = _number(value)
    if name not in PHYSICAL_RANGES or v is None or not math.isfinite(v) or v < 0:
        return None
    if name in _STRICT and v == 0:
        return None
    low, high = PHYSICAL_RANGES[name]
    if low <= v <= high:
        return None
    unit = "" if _UNITS[name] == "1" else f" {_UNITS[name]}"
    return (
        f"{name} = {v:g}{unit} is outside the physically meaningful range {low:g} to {high:g}{unit}"
    )


_RESPONSE_SOURCES = {
    "vmax": "not used by the exponential law",
    "linear_rate": "not used by the exponential law",
    "kill_rate": "kinetor default 0: cytostatic unless set (assumption)",
    "kill_threshold": "kinetor default 0.5: kill only above 50 % pathway inhibition (assumption)",
    "transit_rate": "1/day, close to Simeoni et al. 2004 Cancer Res 64:1094 Table 2 "
    "paclitaxel/A2780 k1 = 0.968 /day (likely); a drug-specific value "
    "(assumption)",
    "n_transit": "3 transit compartments as in Simeoni et al. 2004 Cancer Res 64:1094 (likely)",
}


@dataclass(frozen=True)
class TumorSpec:
    """One tumour model.

    Parameters
    ----------
    name : str
        Cell line or context name.
    lesions : tuple of str or str
        Network lesions (``kinetor.pathway`` names) standing for the genotype; a string
        is one lesion, or several separated by ``;`` (``"PTEN_loss;KRAS_mut"``). Checked
        here: an unknown name or one given twice raises ``ModelError``.
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
    growth_law : str
        ``exponential`` (default), ``exponential_linear``, ``gompertz`` or ``logistic``
        (:mod:`kinetor.translate.response`); ``doubling_time`` is the initial doubling
        time at ``v0``.
    vmax, linear_rate : float
        Plateau volume (Gompertz, logistic; mm^3) and linear growth rate
        (exponential-linear; mm^3/day).
    kill_rate : float
        Drug-induced death rate at full kill drive (1/day; 0 = cytostatic).
    kill_threshold : float
        Pathway inhibition (fraction) above which the drug kills, when the network has no
        ``apoptosis`` readout.
    transit_rate, n_transit : float, int
        Simeoni transit rate (1/day) and number of compartments of dying tissue.
    ranges : dict
        Parameter -> (low, high): its uncertainty, sampled uniformly by the replicate
        studies of :func:`kinetor.translate.replicate_tgi` (``parameter_uncertainty``).
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
    growth_law: str = "exponential"
    vmax: float = 0.0
    linear_rate: float = 0.0
    kill_rate: float = 0.0
    kill_threshold: float = 0.5
    transit_rate: float = 1.0
    n_transit: int = 3
    ranges: Mapping[str, tuple[float, float]] = field(
        default_factory=dict, compare=False, hash=False
    )
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        from kinetor.pathway.lesions import lesion_names

        try:  # one string is one lesion or several split on ';' (as Network reads it)
            object.__setattr__(self, "lesions", lesion_names(self.lesions))
        except ModelError as exc:
            raise ModelError(f"tumour {self.name!r}: {exc}") from None
        text = [k for k in (*_NUMERIC, *_RESPONSE) if _number(getattr(self, k)) is None]
        if text:
            raise ModelError(
                f"tumour {self.name!r}: "
                + "; ".join(f"{k} = {getattr(self, k)!r} is not a number" for k in text)
            )
        strict = _STRICT
        bad = [
            f"{k} = {getattr(self, k)!r} must be a finite number "
            + ("> 0" if k in strict else ">= 0")
            for k in _NUMERIC
            if not (
                math.isfinite(float(getattr(self, k)))
                and (float(getattr(self, k)) > 0 if k in strict else float(getattr(self, k)) >= 0)
            )
        ]
        from kinetor.translate.response import GROWTH_LAWS

        if self.growth_law not in GROWTH_LAWS:
            bad.append(f"growth_law = {self.growth_law!r} (choose {', '.join(GROWTH_LAWS)})")
        elif self.growth_law in ("gompertz", "logistic") and not self.vmax > self.v0:
            bad.append(f"growth_law {self.growth_law!r} needs vmax > v0 (vmax = {self.vmax!r})")
        elif self.growth_law == "exponential_linear" and not self.linear_rate > 0:
            bad.append("growth_law 'exponential_linear' needs linear_rate > 0 (mm^3/day)")
        for k in _RESPONSE:
            v = float(getattr(self, k))
            if not (math.isfinite(v) and v >= 0):
                bad.append(f"{k} = {v!r} must be finite and >= 0")
        if not 0 <= self.kill_threshold < 1:
            bad.append(f"kill_threshold = {self.kill_threshold!r} must be in [0, 1)")
        if int(self.n_transit) != self.n_transit:
            bad.append(f"n_transit = {self.n_transit!r} must be an integer")
        bad += [p for k in PHYSICAL_RANGES if (p := range_problem(k, getattr(self, k)))]
        for k, rng in dict(self.ranges).items():
            if k not in _NUMERIC + _RESPONSE:
                bad.append(f"range for unknown parameter {k!r}")
            elif len(rng) != 2 or not float(rng[0]) <= float(rng[1]):
                bad.append(f"range of {k} = {rng!r} must be (low, high) with low <= high")
            else:
                bad += [f"range of {p}" for v in rng if (p := range_problem(k, v))]
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
        return pd.DataFrame(
            [
                {
                    "tumor": self.name,
                    "parameter": k,
                    "value": getattr(self, k),
                    "unit": _UNITS[k],
                    "range": self.ranges.get(k),
                    "source": self.sources.get(k, _RESPONSE_SOURCES.get(k, "user")),
                }
                for k in _NUMERIC + _RESPONSE
            ]
        )


def _number(value: Any) -> float | None:
    """``value`` as a float; None when it is not a number (text such as ``'abc'``)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _key(text: str) -> str:
    return re.sub(r"[\s_\-.]", "", str(text)).lower()


@lru_cache(maxsize=1)
def _library() -> dict[str, TumorSpec]:
    raw = tomllib.loads(TUMOR_FILE.read_text(encoding="utf-8"))
    out: dict[str, TumorSpec] = {}
    for entry in raw["tumor"]:
        values, sources = {}, {}
        ranges = {}
        for k in _NUMERIC + _RESPONSE:
            if k not in entry:
                if k in _RESPONSE:
                    continue
                raise ModelError(f"{TUMOR_FILE.name}: {entry['name']} lacks {k}")
            v = entry[k]
            if v["unit"] != _UNITS[k]:
                raise ModelError(
                    f"{TUMOR_FILE.name}: {entry['name']}.{k} must be in "
                    f"{_UNITS[k]}, not {v['unit']!r}"
                )
            values[k] = int(v["value"]) if k == "n_transit" else float(v["value"])
            sources[k] = f"{v['source']} [{v['status']}]"
            if "low" in v and "high" in v:
                ranges[k] = (float(v["low"]), float(v["high"]))
        if "growth_law" in entry:
            values["growth_law"] = str(entry["growth_law"])
        geno = entry.get("genotype", {})
        sources["genotype"] = f"{geno.get('source', '')} [{geno.get('status', '')}]"
        spec = TumorSpec(
            name=entry["name"],
            lesions=tuple(entry["lesions"]),
            genotype=geno.get("value", ""),
            tissue=entry.get("tissue", ""),
            sources=sources,
            ranges=ranges,
            **values,
        )
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
            raise ModelError(
                f"unknown tumour {spec!r}: known are {', '.join(names)}; or pass "
                "a dict {'name', 'lesions', 'doubling_time', ...}"
            )
        return hit
    if isinstance(spec, Mapping):
        d = dict(spec)
        base = get_tumor(d.pop("base")) if "base" in d else None
        allowed = {f.name for f in fields(TumorSpec)}
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise ModelError(f"unknown tumour field(s) {unknown}: use {sorted(allowed)}")
        if "ranges" in d:
            d["ranges"] = {k: tuple(v) for k, v in dict(d["ranges"]).items()}
        if base is not None:
            srcs = {**base.sources, **dict.fromkeys(d, "user")}
            return replace(base, **d, sources=srcs)
        d.setdefault("name", "custom")
        vals = {**_DEFAULTS, **d}
        vals["sources"] = {
            k: ("user" if k in d else _RESPONSE_SOURCES.get(k, "kinetor default (assumption)"))
            for k in _NUMERIC + _RESPONSE
        }
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
    return pd.DataFrame(
        [
            {
                "name": t.name,
                "lesions": ";".join(t.lesions),
                "genotype": t.genotype,
                "tissue": t.tissue,
                "growth_law": t.growth_law,
                **{k: getattr(t, k) for k in _NUMERIC + _RESPONSE},
            }
            for t in seen.values()
        ]
    )
