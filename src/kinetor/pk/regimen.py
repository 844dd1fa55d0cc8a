"""Dosing regimens: the mini-language, dose tables and NONMEM event records.

A ``Regimen`` is an ordered dose table (one row per administration) with columns

==========  =====================================================================
time        dose time, h
amount      amount per administration, in ``unit``
unit        ``mg``, ``mg/kg``, ``mg/m2``, ``umol``, ``umol/kg`` or ``umol/m2``
route       ``iv_bolus``, ``iv_infusion`` or ``extravascular``
route_raw   the route as written (``PO``, ``IP``, ``oral gavage``)
duration    infusion duration, h (0 for bolus and extravascular doses)
ss          1: the dose is at steady state (an infinite train of identical doses
            every ``ii`` hours ended with this one), 0 otherwise
ii          the inter-dose interval of a steady-state dose, h (0 otherwise)
until       the time from which the dose no longer acts, h (``inf``: never); set by a
            NONMEM reset (``EVID`` 3/4, ``SS = 1``) after the dose
==========  =====================================================================

Per-kg (per-m2, molar) doses stay per-kg here; body weight (BSA, molecular weight) is
needed at simulation and is never guessed.

Examples
--------
>>> reg = Regimen.parse("125 mg PO BID 2 days on/5 days off x 2 weeks")
>>> reg.to_table()["time"].tolist()
[0.0, 12.0, 24.0, 36.0, 168.0, 180.0, 192.0, 204.0]
>>> str(reg)
'125 mg PO BID 2 days on/5 days off x 8 doses'
>>> Regimen.parse(str(reg)) == reg
True
>>> Regimen.parse("loading 20 mg/kg then 10 mg/kg PO QD x 3 days").to_table()[
...     ["time", "amount", "unit"]].values.tolist()
[[0.0, 20.0, 'mg/kg'], [24.0, 10.0, 'mg/kg'], [48.0, 10.0, 'mg/kg'], [72.0, 10.0, 'mg/kg']]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from kinetor.limits import get as get_limit
from kinetor.pk._grammar import RegimenError, _Part, parse_parts
from kinetor.pk._nonmem_doses import nonmem_doses
from kinetor.pk._regimen_io import COLUMNS, table_rows

__all__ = ["Regimen", "RegimenError"]

_FREQ_NAME = {24.0: "QD", 12.0: "BID", 8.0: "TID", 6.0: "QID", 168.0: "QW"}
_LABEL = {"iv_bolus": "IV bolus", "iv_infusion": "IV infusion", "extravascular": "PO"}


def _fmt(x: float) -> str:
    return f"{x:.12g}"


def _expand(part: _Part, start: float, text: str, room: int) -> tuple[list[float], float | None]:
    """Dose times of one part and the time the next part starts (None: unknown); at most
    ``room`` doses (what the limit ``doses_per_subject`` leaves after earlier parts)."""
    if part.tau is None:
        return [start], None
    cycle = (part.on_days + part.off_days) * 24.0 if part.on_days is not None else None
    limit_t = start + part.span if part.span is not None else math.inf
    times: list[float] = []
    k = 0
    while True:
        offset = k * part.tau
        if start + offset >= limit_t - 1e-9:
            break
        if cycle is None or (offset % cycle) < part.on_days * 24.0 - 1e-9:
            times.append(start + offset)
            if part.n_doses is not None and len(times) >= part.n_doses:
                break
        k += 1
        if len(times) > room or k > 10 * get_limit("doses_per_subject"):
            raise RegimenError(
                f"the regimen expands to more than "
                f"{get_limit('doses_per_subject'):,} doses (the limit "
                "doses_per_subject; see kinetor.limits)",
                text,
                part.pos,
            )
    if not times:
        raise RegimenError("this part of the regimen contains no dose", text, part.pos)
    if part.span is not None:
        end = start + part.span
    elif cycle is not None:
        end = start + (math.floor((times[-1] - start) / cycle + 1e-9) + 1) * cycle
    else:
        end = times[-1] + part.tau
    return times, end


class Regimen:
    """A dosing schedule.

    Build one with :meth:`parse` (the mini-language, see docs/pk.md), :meth:`from_table`
    (an explicit dose table) or :meth:`from_nonmem` (NONMEM ADDL/II/SS records).

    Parameters
    ----------
    table : DataFrame
        Canonical dose table (see the module docstring).
    """

    def __init__(self, table: pd.DataFrame, _parts: list[tuple[_Part, list[float]]] | None = None):
        t = table.copy()
        for col, default in (
            ("route_raw", ""),
            ("duration", 0.0),
            ("ss", 0),
            ("ii", 0.0),
            ("until", math.inf),
        ):
            if col not in t.columns:
                t[col] = default
        t = t[COLUMNS].astype(
            {
                "time": float,
                "amount": float,
                "duration": float,
                "ss": int,
                "ii": float,
                "until": float,
            }
        )
        t["route_raw"] = [
            r if r else _LABEL[rt] for r, rt in zip(t["route_raw"], t["route"], strict=True)
        ]
        self._table = t.sort_values("time", kind="stable").reset_index(drop=True)
        self._parts = _parts

    # ------------------------------------------------------------ constructors
    @classmethod
    def parse(cls, text: str) -> Regimen:
        """Read the mini-language, e.g. ``"15 mg/kg PO QD x 21 days"``.

        Raises
        ------
        RegimenError
            Pointing at the word that could not be read.
        """
        parts = parse_parts(text)
        rows: list[tuple] = []
        expanded: list[tuple] = []
        start = next_start = 0.0
        for k, part in enumerate(parts):
            if part.start is not None:
                start = part.start
            elif k > 0:
                start = next_start
            times, end = _expand(
                part, start, text, get_limit("doses_per_subject") - sum(len(t) for _, t in expanded)
            )
            if end is None:  # single dose: the next part starts one of its intervals later
                nxt = parts[k + 1] if k + 1 < len(parts) else None
                if nxt is not None and nxt.start is None:
                    if nxt.tau is None:
                        raise RegimenError(
                            "after a single dose give the next start, e.g. "
                            "'then at 24 h 10 mg PO single'",
                            text,
                            nxt.pos,
                        )
                    end = times[-1] + nxt.tau
            next_start = end
            part = replace(part, start=start)
            expanded.append((part, times))
            for j, t in enumerate(times):
                ss = int(part.ss and j == 0)
                rows.append(
                    (
                        t,
                        part.amount,
                        part.unit,
                        part.route,
                        part.route_raw,
                        part.duration,
                        ss,
                        part.tau if ss else 0.0,
                        math.inf,
                    )
                )
        return cls(pd.DataFrame(rows, columns=COLUMNS), _parts=expanded)

    @classmethod
    def from_table(
        cls, table: pd.DataFrame, unit: str | None = None, time_unit: str = "h"
    ) -> Regimen | dict[str, Regimen]:
        """Build from an explicit dose table.

        Columns: ``time``, ``amount`` (or ``dose``), ``route``; optional ``unit`` (else the
        ``unit`` argument), ``duration`` or ``rate`` (infusions), ``ss``, ``ii``, ``addl``
        (NONMEM-style additional doses every ``ii``), ``until`` (the dose acts before that
        time only, as after a reset; additional doses from then on are not given) and
        ``subject`` (then a dict of regimens by subject is returned). Every bad row is
        reported in one ``DataError``.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [0, 24], "amount": [10, 5], "route": ["IV", "PO"]})
        >>> str(Regimen.from_table(df, unit="mg"))
        '10 mg IV bolus single then at 24 h 5 mg PO single'
        """
        return cls._by_subject(table_rows(table, unit, time_unit))

    @classmethod
    def _by_subject(cls, out: pd.DataFrame, single: bool = False) -> Regimen | dict[str, Regimen]:
        if (out["subject"] != "").any() and not (single and out["subject"].nunique() == 1):
            return {
                s: cls(g.drop(columns="subject")) for s, g in out.groupby("subject", sort=False)
            }
        return cls(out.drop(columns="subject"))

    @classmethod
    def from_nonmem(
        cls,
        data: pd.DataFrame,
        dose_unit: str,
        time_unit: str = "h",
        routes: Mapping[int, str] | None = None,
    ) -> Regimen | dict[str, Regimen]:
        """Build from NONMEM event records (``ID``, ``TIME``, ``AMT``, ``EVID``, ``CMT``,
        ``RATE``, ``ADDL``, ``II``, ``SS``).

        Dose rows are ``EVID`` 1 or 4 (or ``AMT > 0`` without ``EVID``). The route comes
        from a ``ROUTE`` column, else from ``CMT`` through ``routes`` (default
        ``{1: "extravascular", 2: "iv_bolus"}``: depot 1, central 2). ``RATE > 0`` makes an
        infusion of ``AMT/RATE`` hours; ``ADDL`` adds doses every ``II``; ``SS = 1`` (and
        ``EVID`` 3/4) reset the system at their ``TIME``: the earlier doses of that subject
        act before it only (their ``until``; additional doses after it are not given), so
        the concentrations before the reset are unchanged; ``SS = 2`` superposes the steady
        state on earlier doses. The records of an ``ID`` must be in time order. Several
        ``ID`` give a dict.

        Examples
        --------
        >>> nm = pd.DataFrame({"ID": 1, "TIME": [0.0, 1.0], "AMT": [100.0, 0.0],
        ...                    "EVID": [1, 0], "CMT": [1, 2], "ADDL": [2, 0],
        ...                    "II": [24.0, 0.0]})
        >>> Regimen.from_nonmem(nm, dose_unit="mg").to_table()["time"].tolist()
        [0.0, 24.0, 48.0]
        """
        keep, names = nonmem_doses(data, routes)
        table = pd.DataFrame([dict(subject=s, **row) for s, row in keep])
        return cls._by_subject(table_rows(table, dose_unit, time_unit, names), single=True)

    # ------------------------------------------------------------------ views
    def to_table(self) -> pd.DataFrame:
        """The dose table (a copy), one row per administration."""
        return self._table.copy()

    @property
    def n_doses(self) -> int:
        return len(self._table)

    @property
    def units(self) -> list[str]:
        return sorted(self._table["unit"].unique().tolist())

    @property
    def needs_weight(self) -> bool:
        """True when a dose is per body weight (``mg/kg``, ``umol/kg``)."""
        return bool(self._table["unit"].str.endswith("/kg").any())

    @property
    def needs_bsa(self) -> bool:
        return bool(self._table["unit"].str.endswith("/m2").any())

    @property
    def needs_mw(self) -> bool:
        return bool(self._table["unit"].str.startswith("umol").any())

    def amounts_mg(self, weight=None, bsa=None, mw: float | None = None) -> np.ndarray:
        """Amount of every dose in mg, for one subject (scalars) or many (arrays).

        Returns an array of shape ``(n_doses,)`` or ``(n_subjects, n_doses)``.

        Raises
        ------
        ModelError
            A per-kg (per-m2, molar) dose without body weight (BSA, molecular weight).
        """
        from kinetor.errors import ModelError

        t = self._table
        unit = t["unit"].to_numpy()
        amt = t["amount"].to_numpy(float)
        per_kg = np.char.endswith(unit.astype(str), "/kg")
        per_m2 = np.char.endswith(unit.astype(str), "/m2")
        molar = np.char.startswith(unit.astype(str), "umol")
        if per_kg.any() and weight is None:
            raise ModelError(
                "the regimen is per body weight (mg/kg): give the body weight "
                "(--weight KG on the command line, weight=... kg in Python, or a 'weight' "
                "covariate); it is never guessed"
            )
        if per_m2.any() and bsa is None:
            raise ModelError(
                "the regimen is per body surface area (mg/m2): give the BSA "
                "(bsa=... m2, or a 'bsa' covariate); it is never guessed"
            )
        if molar.any() and mw is None:
            raise ModelError(
                "the regimen is molar (umol): give the molecular weight (--mw G_PER_MOL on "
                "the command line, mw=... in Python)"
            )
        w = np.asarray(1.0 if weight is None else weight, float)
        b = np.asarray(1.0 if bsa is None else bsa, float)
        vectorised = w.ndim > 0 or b.ndim > 0
        w2, b2 = np.atleast_1d(w)[:, None], np.atleast_1d(b)[:, None]
        molar_factor = np.where(molar, (mw or 0.0) / 1000.0, 1.0)  # umol x g/mol = ug
        out = amt[None, :] * np.where(per_kg, w2, 1.0) * np.where(per_m2, b2, 1.0) * molar_factor
        return out if vectorised else out[0]

    # ------------------------------------------------------------- text forms
    def __str__(self) -> str:
        if self._parts is not None:
            return " then ".join(
                self._part_text(p, times, k > 0) for k, (p, times) in enumerate(self._parts)
            )
        texts = []
        for k, r in enumerate(self._table.to_dict("records")):
            part = _Part(
                amount=r["amount"],
                unit=r["unit"],
                route=r["route"],
                route_raw=r["route_raw"],
                duration=r["duration"],
                tau=r["ii"] if r["ss"] else None,
                ss=bool(r["ss"]),
                start=r["time"],
            )
            text = self._part_text(part, [r["time"]], k > 0)
            ends = f" until {_fmt(r['until'])} h" if math.isfinite(r["until"]) else ""
            texts.append(text + ends)
        return " then ".join(texts)

    @staticmethod
    def _part_text(p: _Part, times: list[float], explicit: bool) -> str:
        from kinetor.data.routes import normalise_route

        words = ["loading"] if p.loading else []
        if explicit or (p.start or 0.0) != 0.0:
            words.append(f"at {_fmt(p.start or 0.0)} h")
        words.append(f"{_fmt(p.amount)} {p.unit}")
        raw = p.route_raw if normalise_route(p.route_raw) == p.route else ""
        if raw.lower() in ("in", "id", "ev"):  # read as words inside a sentence
            raw = "extravascular"
        if p.route == "iv_infusion":
            words.append(f"IV infusion over {_fmt(p.duration)} h")
        elif p.route == "iv_bolus":
            words.append("IV bolus")
        else:
            words.append(raw or "PO")
        if p.tau is None:
            words.append("single")
        else:
            words.append(_FREQ_NAME.get(p.tau, f"q{_fmt(p.tau)}h"))
            if p.on_days is not None:
                words.append(f"{_fmt(p.on_days)} days on/{_fmt(p.off_days)} days off")
            words.append(f"x {len(times)} dose{'s' if len(times) > 1 else ''}")
            if p.ss:
                words.append("ss")
        return " ".join(words)

    def __repr__(self) -> str:
        return f"Regimen({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Regimen):
            return NotImplemented
        a, b = self._table, other._table
        cols = ["time", "amount", "duration", "ii", "until"]
        return bool(
            len(a) == len(b)
            and np.allclose(
                a[cols].to_numpy(float), b[cols].to_numpy(float), rtol=1e-12, atol=1e-12
            )
            and (a[["unit", "route"]].to_numpy() == b[["unit", "route"]].to_numpy()).all()
            and (a["ss"].to_numpy() == b["ss"].to_numpy()).all()
        )

    __hash__ = None  # mutable-looking value object: equality by table
