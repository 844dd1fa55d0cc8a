"""The executable network: ``Network(lesions, context).simulate(drugs)`` -> ``PathwayResult``.

A run pre-equilibrates the cell (same lesions and context, no drug) to steady state, adds
the drugs at time 0 and integrates. Readouts are reported in % of a reference: the
untreated steady state of the same genotype and context (``reference="untreated"``) or of
the parental cell without lesions in the same context (``reference="parental"``):

.. math::

    R_\\%(t) = 100 \\, \\frac{R(t)}{R_{ref}}

Examples
--------
>>> net = Network(lesions=["PTEN_loss"])
>>> res = net.simulate(drugs={"everolimus": "10 nM"}, t_end="24 h")
>>> float(res.readouts["pS6K1_T389"].iloc[-1]) < 20
True
>>> float(res.readouts["pAKT_S473"].iloc[0])
100.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from kinetor.errors import ModelError
from kinetor.pathway._checks import drug_pairs, duration_h, output_times, parameter_values
from kinetor.pathway._engine import READOUT_VARS, Engine, engine
from kinetor.pathway._inputs import drug_inputs
from kinetor.pathway._model import model_text as _model_text
from kinetor.pathway._model import with_exponential_inputs
from kinetor.pathway._run_notes import (
    input_text,
    lesion_override_notes,
    one_per_slot,
    parental_overrides,
    profile_notes,
    strict_lesion_names,
)
from kinetor.pathway.drugs import Drug
from kinetor.pathway.lesions import LESIONS, context_parameters, lesion_parameters

__all__ = ["READOUTS", "Network", "PathwayResult"]

#: Readout columns, in order.
READOUTS: tuple[str, ...] = tuple(READOUT_VARS)

DrugInput = float | str | tuple[Sequence[float], Sequence[float]] | Any


@dataclass
class PathwayResult:
    """Readouts (% of reference), absolute values and species of one simulation.

    ``parameters`` are the network's overrides, ``inputs`` the drugs as given
    (``"everolimus 10 nM"``) and ``notes`` what the run assumed that the numbers do not
    show (a profile held back to 0 h, the parental reference leaving knock-downs out, an
    override replacing a lesion's value)."""

    readouts: pd.DataFrame
    absolute: pd.DataFrame
    species: pd.DataFrame
    reference_values: dict[str, float]
    reference: str
    lesions: tuple[str, ...]
    context: dict[str, float]
    drugs: tuple[Drug, ...] = field(default_factory=tuple)
    parameters: dict[str, float] = field(default_factory=dict)
    inputs: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """Long, tidy readouts: ``time, readout, value, unit, reference, lesions, drugs,
        context, parameters``.

        ``drugs`` holds each input as given (``"everolimus 10 nM; capivasertib 1 uM"``),
        ``context`` every input level (``growth_factor=1; ...``), ``parameters`` the
        overrides (``"TSC_tot=0"``, ``"none"``); ``lesions`` is ``"parental"`` only for a
        cell with neither lesions nor overrides (``"none"`` when overrides change it)."""
        long = self.readouts.melt(id_vars="time", var_name="readout", value_name="value")
        long["unit"] = "%"
        long["reference"] = self.reference
        long["lesions"] = ";".join(self.lesions) or ("none" if self.parameters else "parental")
        long["drugs"] = "; ".join(self.inputs or [d.name for d in self.drugs]) or "none"
        long["context"] = "; ".join(f"{k}={v:g}" for k, v in self.context.items())
        long["parameters"] = "; ".join(f"{k}={v:g}" for k, v in self.parameters.items()) or "none"
        return long

    def at(self, time: float) -> pd.Series:
        """Readouts (%) at ``time`` (h), one of the output times (within 1e-9 h).

        A time between output times is refused (a ModelError): the network is nonlinear,
        and a straight line between two rows can be far from the model (everolimus 10 nM,
        ``dt=6``: 84 % by interpolation at 1 h against 8.6 % simulated). Simulate it with
        ``simulate(..., times=[t])`` or a finer ``dt``."""
        t = self.readouts["time"].to_numpy()
        try:
            when = float(time)
        except (TypeError, ValueError):
            raise ModelError(f"at({time!r}): give a time in h (a number)") from None
        hit = np.flatnonzero(np.abs(t - when) <= 1e-9) if np.isfinite(when) else np.array([], int)
        if len(hit) == 0:
            where = (
                f"outside the output times {t[0]:g}-{t[-1]:g} h"
                if not (np.isfinite(when) and t[0] <= when <= t[-1])
                else "between output times (no interpolation of the nonlinear model)"
            )
            raise ModelError(
                f"at({when:g}): {when:g} h is {where}; simulate it with "
                f"simulate(..., times=[{when:g}]) or a finer dt"
            )
        row = self.readouts.iloc[int(hit[0])]
        return pd.Series({r: float(row[r]) for r in READOUTS}, name=time)


class Network:
    """The PI3K/AKT/mTOR network for one genotype and context.

    Parameters
    ----------
    lesions : iterable of str or str, optional
        Names from :data:`~kinetor.pathway.LESIONS` (``"PTEN_loss;KRAS_mut"`` accepted);
        an unknown name or one given twice raises :class:`~kinetor.errors.ModelError`.
    context : mapping, optional
        Input levels (``growth_factor``, ``amino_acids``, ``energy_stress``, ``hypoxia``,
        ``dna_damage``), nominally 0..1; the rest keep their defaults.
    parameters : mapping, optional
        Any model parameter overrides (applied after lesions and context); each a finite
        number >= 0, checked here (unknown names, and variables the model computes such
        as ``growth``, when the model is first used: a ModelError).
    fitted : path, mapping or bool, optional
        Calibrated values to use: the shipped file (default), another file or mapping, or
        ``False`` for the priors written in ``mtor.ant``.
    model_text : str, optional
        A complete executable Antimony text (overrides ``fitted``).
    """

    def __init__(
        self,
        lesions: Iterable[str] | str | None = None,
        context: Mapping[str, float] | None = None,
        parameters: Mapping[str, float] | None = None,
        fitted: Any = None,
        model_text: str | None = None,
    ):
        self.lesions: tuple[str, ...] = strict_lesion_names(lesions)
        self.context = context_parameters(context)
        self.parameters = parameter_values(parameters)
        self.notes = lesion_override_notes(self.lesions, self.parameters)
        self.model_text = model_text if model_text is not None else _model_text(fitted)
        self._engine: Engine | None = None

    def __repr__(self) -> str:
        ctx = {k: v for k, v in self.context.items() if v != context_parameters(None)[k]}
        return f"Network(lesions={list(self.lesions)!r}, context={ctx!r})"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = engine(self.model_text)
            self._engine.check_parameters(self.parameters)
        return self._engine

    def model_parameters(self, parental: bool = False) -> dict[str, float]:
        """The parameter values this network sets (context, lesions, overrides).

        ``parental``: the parental cell in the same context: no lesions and no protein-total
        overrides (``*_tot``: knock-downs/knock-outs, genetic like the lesions); kinetic
        overrides are kept."""
        if parental:
            return {**self.context, **parental_overrides(self.parameters)}
        return {**self.context, **lesion_parameters(self.lesions), **self.parameters}

    # ------------------------------------------------------------------ steady state
    def steady_state(self, parental: bool = False) -> pd.Series:
        """Absolute readouts (model units) at the drug-free steady state."""
        eng = self.engine
        params = self.model_parameters(parental)
        x = eng.steady_state(params)
        return pd.Series(dict(zip(READOUTS, eng.readouts_at(params, x), strict=True)))

    def steady_state_species(self, parental: bool = False) -> pd.Series:
        """Species amounts at the drug-free steady state."""
        eng = self.engine
        x = eng.steady_state(self.model_parameters(parental))
        return pd.Series(dict(zip(eng.species, x, strict=True)))

    # ------------------------------------------------------------------ simulation
    def simulate(
        self,
        drugs: Mapping[Any, DrugInput] | None = None,
        t_end: float | str | None = None,
        reference: Literal["untreated", "parental"] = "untreated",
        times: Sequence[float] | None = None,
        dt: float | str = 0.25,
        exact: bool = False,
    ) -> PathwayResult:
        """Pre-equilibrate, add ``drugs`` at time 0 and integrate to ``t_end``.

        Parameters
        ----------
        drugs : mapping, optional
            ``{drug: input}``; a drug is a name or a :class:`Drug` (a dict is not hashable:
            pass ``resolve_drug(d)``, or use :meth:`simulate_pairs`). An
            input is a free concentration (number in nM, or ``"10 nM"``/``"1 uM"``) or a
            piecewise-linear profile ``(times_h, concs_nM)``, held constant outside its
            range (one starting after 0 h is held at its first value from 0 h: a note in
            the result's ``notes``), or an exact PK course (:class:`kinetor.pk.Polyexponential`, e.g. from
            :func:`kinetor.pk.polyexponential` with ``free=True``; a molar unit, or a mass
            unit and a drug with ``mw``), integrated with restarts only at its doses.
        t_end : float or str, optional
            Duration (h, or ``"3 days"``; a numeric string such as ``"24"`` is read as the
            number, in h); default 24 h, or the last of ``times``.
        reference : {"untreated", "parental"}
            Denominator of the % readouts: the drug-free steady state of this cell, or of
            the parental cell in the same context (no lesions, protein totals ``*_tot``
            at their defaults, kinetic overrides kept; :meth:`model_parameters`).
        times : sequence of float, optional
            Output times (h): finite, >= 0, strictly increasing and not beyond ``t_end``
            (``ModelError`` otherwise). The rows are exactly these times, with 0 h (the
            drugs' start, the reference row) put in front when missing; ``t_end`` is not
            added. Default every ``dt`` h from 0 to ``t_end``, ``t_end`` included.
        dt : float or str
            Output step (h, or ``"15 min"``) when ``times`` is not given.
        exact : bool
            Time-varying inputs: CVODE at rtol 1e-7 (BDF order up to 5) and a restart at
            every knot instead of the default rtol 1e-5 with BDF order <= 4 (readouts
            within ~0.1 percentage point, measured <= 0.07; 1.4-1.7x faster;
            docs/pathway.md).
        """
        if drugs is not None and not isinstance(drugs, Mapping):
            raise ModelError(
                f"drugs must be a mapping {{drug: input}}, got {drugs!r}; e.g. "
                "{'everolimus': '10 nM'} (a number is nM), or use simulate_pairs() with "
                "[(drug, input), ...]"
            )
        pairs = [] if drugs is None else list(drugs.items())
        return self.simulate_pairs(
            pairs, t_end=t_end, reference=reference, times=times, dt=dt, exact=exact
        )

    def simulate_pairs(
        self,
        pairs: Sequence[tuple[Any, DrugInput]],
        t_end: float | str | None = None,
        reference: Literal["untreated", "parental"] = "untreated",
        times: Sequence[float] | None = None,
        dt: float | str = 0.25,
        exact: bool = False,
    ) -> PathwayResult:
        """As :meth:`simulate`, with drugs as ``[(drug, input), ...]`` pairs."""
        t_end_h = None if t_end is None else duration_h(t_end, "t_end")
        if times is None:
            grid = self._output_times(24.0 if t_end_h is None else t_end_h, duration_h(dt, "dt"))
        else:
            grid = output_times(times, t_end_h)
        pairs = drug_pairs(pairs)
        notes: list[str] = []
        out, ref, resolved = self._run(pairs, grid, reference, exact, notes)
        eng = self.engine
        n_sp = len(eng.species)
        t = out[:, :1]
        absolute_v = out[:, 1 + n_sp :]
        pct_v = _percent(absolute_v, ref)
        cols = _columns(READOUTS)
        species = pd.DataFrame(out[:, : 1 + n_sp], columns=_columns(tuple(eng.species)))
        absolute = pd.DataFrame(np.hstack([t, absolute_v]), columns=cols)
        pct = pd.DataFrame(np.hstack([t, pct_v]), columns=cols)
        return PathwayResult(
            readouts=pct,
            absolute=absolute,
            species=species,
            reference_values=dict(zip(READOUTS, map(float, ref), strict=True)),
            reference=reference,
            lesions=self.lesions,
            context=dict(self.context),
            drugs=tuple(resolved),
            parameters=dict(self.parameters),
            inputs=tuple(input_text(d.name, v) for d, (_, v) in zip(resolved, pairs, strict=True)),
            notes=tuple(notes),
        )

    def readouts_at(
        self,
        pairs: Sequence[tuple[Any, DrugInput]] | Mapping[Any, DrugInput],
        t: float | str,
        reference: Literal["untreated", "parental"] = "untreated",
        exact: bool = False,
    ) -> np.ndarray:
        """Readouts (% of ``reference``, :data:`READOUTS` order) at time ``t`` (h) only.

        The lean path used by dose-responses and scans (no DataFrames); ``exact`` as in
        :meth:`simulate`. ``pairs`` are ``[(drug, input), ...]`` or ``{drug: input}``;
        ``t`` is one time > 0 h (the drugs are added at time 0): a number of hours or a
        duration text (``"2 h"``).
        """
        t_h = duration_h(t, "the readout time t")
        out, ref, _ = self._run(drug_pairs(pairs), np.array([0.0, t_h]), reference, exact)
        n_sp = len(self.engine.species)
        return _percent(out[-1, 1 + n_sp :], ref)

    def _run(self, pairs, grid: np.ndarray, reference: str, exact: bool = False, notes=None):
        if reference not in ("untreated", "parental"):
            raise ModelError(f"reference must be 'untreated' or 'parental', got {reference!r}")
        eng = self.engine
        params = self.model_parameters()
        x0 = eng.steady_state(params)
        ref_params = params if reference == "untreated" else self.model_parameters(parental=True)
        ref = eng.readouts_at(ref_params, eng.steady_state(ref_params))
        shift = params.get("rapalog_shift", eng.defaults["rapalog_shift"])
        one_per_slot(pairs)
        resolved, drug_params, profiles, courses = drug_inputs(pairs, shift)
        if notes is not None:
            notes += [*self.notes, *profile_notes(resolved, profiles)]
            left = sorted(set(self.parameters) - set(parental_overrides(self.parameters)))
            if reference == "parental" and left:
                notes.append(
                    "reference parental: the parental cell leaves out the lesions and the "
                    f"protein-total overrides {', '.join(left)} (kinetic overrides kept)"
                )
        if courses:  # the variant with exponential input terms (compiled once per process)
            eng = engine(
                with_exponential_inputs(
                    self.model_text, {m: c.rate.size for m, c in courses.items()}
                )
            )
            x0 = eng.steady_state(params)
        out = eng.run(params, x0, drug_params, profiles, grid, exact=exact, courses=courses)
        return out, ref, resolved

    def dose_response(
        self, drug: Any, concs: Sequence[float], t: float | str = 24.0
    ) -> pd.DataFrame:
        """Readouts (%) at ``t`` h per free concentration (nM); see ``analysis.dose_response``."""
        from kinetor.pathway.analysis import dose_response

        return dose_response(self, drug, concs, t=t)

    def ic50(
        self, readout: str, drug: Any, concs: Sequence[float] | None = None, t: float | str = 2.0
    ):
        """4PL IC50 of ``readout`` for ``drug`` at ``t`` h; see ``analysis.ic50``."""
        from kinetor.pathway.analysis import ic50

        return ic50(self, readout, drug, concs, t=t)

    @staticmethod
    def _output_times(t_end: float, dt: float) -> np.ndarray:
        """Every ``dt`` h from 0 to ``t_end``, ``t_end`` included."""
        n = int(np.floor(t_end / dt + 1e-9))
        # rounded so that k * dt is the decimal the user means (0.3, not 0.30000000000000004)
        grid = np.round(np.arange(n + 1) * dt, 10)
        if grid[-1] < t_end - 1e-12:
            grid = np.append(grid, t_end)
        return grid


# a reference readout below this (model concentration units; readouts are 1e-3 to 1 in
# every cell line) is zero up to round-off: e.g. ER activity in an ER-negative cell is
# -6.5e-25, and 100 x (noise / noise) would be an invented percentage
_REF_FLOOR = 1e-12


def _percent(values: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``100 values / ref``; NaN where the reference is zero (up to round-off)."""
    ok = ref > _REF_FLOOR
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, 100.0 * values / np.where(ok, ref, 1.0), np.nan)


@lru_cache(maxsize=8)
def _columns(names: tuple[str, ...]) -> pd.Index:
    """``time`` + ``names`` as one shared (immutable) Index: a DataFrame given an Index skips
    inferring one from a list of strings (~25 us a frame)."""
    return pd.Index(["time", *names])


def known_lesions() -> list[str]:
    """Names of the lesions the network knows."""
    return list(LESIONS)
