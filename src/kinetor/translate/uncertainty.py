r"""Uncertainty of a virtual study's TGI, and the animals per arm a real study would need.

:func:`replicate_tgi` repeats the same study design ``n_replicates`` times with independent
animals (PK variability, tumour variability, caliper noise) and, with
``parameter_uncertainty=True``, a fresh draw per replicate of every tumour parameter that
carries a range (``TumorSpec.ranges``: ``low``/``high`` in ``tumors.toml`` or ``ranges=`` in
a tumour dict; uniform between the bounds, shared by all arms of one replicate). Per arm it
reports

* ``tgi_typical_pct``: the typical animal (no variability, no noise, central parameters);
* ``tgi_population_mean_pct``: TGI of the population-mean volumes (all replicates pooled);
* ``tgi_median_pct`` and ``tgi_lo_pct``/``tgi_hi_pct``: the median and the central
  ``level`` interval (percentiles) of the TGI of a study of ``n_animals`` per arm: what one
  study of that size would show, 95 % of the time.

TGI is the delta formula of ``kinetor.pd.tgi`` on group means of measured volumes
(:math:`100 (1 - \Delta T / \Delta C)`, day 0 to the last day), computed for all replicates
at once. The replicates run in batches of ``batch`` studies through one vectorised
``run_study`` call each (quasi-steady pathway mode by default), in ``n_jobs`` processes;
batch ``b`` draws from ``SeedSequence([seed, b])``, so results do not depend on ``n_jobs``.

:func:`power` turns the simulated between-animal variability into a sample size: animals
per arm for a two-sided Welch t-test on the per-animal volume change
:math:`\Delta V_i = V_i(\text{end}) - V_i(0)` to detect a TGI difference :math:`\delta`
(percentage points; :math:`\delta\,\overline{\Delta V}_C / 100` on the volume scale) at
level :math:`\alpha` with power :math:`1 - \beta`. It is simulation-based
(:func:`sample_size`): animals are resampled from a large simulated pool per arm and the
test is run ``n_sim`` times per candidate ``n``. The normal-theory value
:math:`n = 2 (z_{1-\alpha/2} + z_{1-\beta})^2 \sigma^2 / \delta^2` is reported beside it.

Examples
--------
>>> import numpy as np
>>> def draw(n, n_sim, rng):            # normal endpoint, sigma 1, difference 1
...     return rng.normal(0, 1, (n_sim, n)), rng.normal(1, 1, (n_sim, n))
>>> ss = sample_size(draw, alpha=0.05, power=0.8, n_sim=4000, seed=1)
>>> 16 <= ss.n <= 18                       # closed form 15.7 (z-test); t-test ~ 17
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import ModelError

__all__ = [
    "PowerResult",
    "ReplicateResult",
    "SampleSize",
    "design_summary",
    "normal_sample_size",
    "power",
    "replicate_tgi",
    "sample_size",
    "sensitivity",
]


# ----------------------------------------------------------------------------- sample size
@dataclass(frozen=True)
class SampleSize:
    """Result of :func:`sample_size`: ``n`` per arm (None when ``n_max`` is not enough),
    the simulated power at ``n`` and the power curve ``{n: power}`` evaluated."""

    n: int | None
    achieved_power: float
    curve: Mapping[int, float]


def normal_sample_size(
    delta: float, sigma: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    r"""Closed form :math:`2 (z_{1-\alpha/2} + z_{1-\beta})^2 \sigma^2 / \delta^2` per arm.

    Examples
    --------
    >>> round(normal_sample_size(1.0, 1.0), 2)
    15.7
    """
    from scipy.stats import norm

    if not delta != 0 or not sigma > 0:
        raise ModelError("delta must be non-zero and sigma > 0")
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return float(2.0 * z**2 * sigma**2 / delta**2)


def _welch_reject(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """Two-sided Welch t-test, row by row: True where p < alpha."""
    from scipy.stats import t as tdist

    nx, ny = x.shape[1], y.shape[1]
    vx, vy = x.var(axis=1, ddof=1) / nx, y.var(axis=1, ddof=1) / ny
    se = np.sqrt(vx + vy)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = (y.mean(axis=1) - x.mean(axis=1)) / se
        df = (vx + vy) ** 2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1))
    p = 2.0 * tdist.sf(np.abs(stat), np.where(np.isfinite(df), df, 1.0))
    return np.where(se > 0, p < alpha, False)


def sample_size(
    draw: Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray]],
    alpha: float = 0.05,
    power: float = 0.8,
    n_max: int = 200,
    n_sim: int = 2000,
    seed: Any = 0,
) -> SampleSize:
    """Smallest animals per arm at which a Welch t-test reaches ``power`` (simulated).

    Parameters
    ----------
    draw : callable
        ``draw(n, n_sim, rng) -> (x, y)``, two ``(n_sim, n)`` arrays: the endpoint of ``n``
        animals in each of the two arms, ``n_sim`` times.
    alpha, power : float
        Two-sided level and target power.
    n_max : int
        Largest ``n`` tried.
    n_sim : int
        Simulated studies per candidate ``n``.
    seed : int or Generator
        Each candidate ``n`` uses ``default_rng([seed, n])`` (common random numbers).

    Returns
    -------
    SampleSize
    """
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ModelError("alpha and power must be in (0, 1)")
    base = int(seed if not isinstance(seed, np.random.Generator) else seed.integers(2**62))
    curve: dict[int, float] = {}

    def pw(n: int) -> float:
        if n not in curve:
            x, y = draw(n, int(n_sim), np.random.default_rng([base, n]))
            curve[n] = float(_welch_reject(x, y, alpha).mean())
        return curve[n]

    lo, hi = 2, 2
    while pw(hi) < power:
        if hi >= n_max:
            return SampleSize(None, pw(hi), dict(sorted(curve.items())))
        lo, hi = hi, min(2 * hi, int(n_max))
    while hi - lo > 1:  # power(lo) < target <= power(hi)
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if pw(mid) >= power else (mid, hi)
    n = lo if pw(lo) >= power else hi
    return SampleSize(n, pw(n), dict(sorted(curve.items())))


# ----------------------------------------------------------------------------- replicates
@dataclass
class ReplicateResult:
    """Result of :func:`replicate_tgi`.

    Attributes
    ----------
    summary : DataFrame
        Per arm: ``arm, n_animals, n_replicates, tgi_typical_pct,
        tgi_population_mean_pct, tgi_median_pct, tgi_lo_pct, tgi_hi_pct, tgi_sd_pct,
        level``.
    replicates : DataFrame
        ``replicate, arm, tgi_pct`` (one row per replicate study and arm) plus the sampled
        parameters (``param_<name>`` columns).
    delta_v : dict
        Arm -> per-animal volume change ``(n_replicates * n_animals,)`` (mm^3), the
        endpoint of :func:`power`.
    settings : dict
    """

    summary: pd.DataFrame
    replicates: pd.DataFrame
    delta_v: dict[str, np.ndarray] = field(repr=False)
    settings: dict[str, Any]

    def interval(self, arm: str) -> tuple[float, float]:
        """``(low, high)`` TGI interval of one arm."""
        row = self.summary.set_index("arm").loc[arm]
        return float(row["tgi_lo_pct"]), float(row["tgi_hi_pct"])


def _draw_parameters(
    tumor, n_rep: int, rng: np.random.Generator, extra: Mapping[str, tuple[float, float]] | None
) -> dict[str, np.ndarray]:
    ranges = {**dict(tumor.ranges), **dict(extra or {})}
    out = {}
    for k in sorted(ranges):
        lo, hi = (float(v) for v in ranges[k])
        if not lo <= hi:
            raise ModelError(f"range of {k} = {ranges[k]!r} must be (low, high), low <= high")
        out[k] = rng.uniform(lo, hi, n_rep)
    return out


def _fu_ranges(compound, regimen, arms, species, pk, given) -> dict[str, tuple]:
    """``{compound: (low, high, nominal fu)}`` from ``given`` and the library's fu ranges."""
    from kinetor.translate.arms import Arm, drug_model

    names = set()
    if compound is not None and regimen is not None:
        names.add(str(compound))
    for a in arms or []:
        names.update(Arm.coerce(a).compounds)
    out = {}
    for c in sorted(names):
        dm = drug_model(c, species, (pk or {}).get(c))
        rng = dict(given or {}).get(c) or dict(given or {}).get(dm.compound)
        if rng is None and (pk or {}).get(c) is None:
            from kinetor.translate.arms import _library_compound

            lib = _library_compound(c)
            v = lib.fu(species) if lib is not None else None
            if v is not None and v.low is not None and v.high is not None and v.high > v.low:
                rng = (v.low, v.high)
        if rng is not None:
            lo, hi = (float(x) for x in rng)
            if not 0 < lo <= hi <= 1:
                raise ModelError(f"fu range of {c} = {rng!r} must satisfy 0 < low <= high <= 1")
            out[c] = (lo, hi, float(dm.fu))
    return out


def _batch(
    study: dict,
    tumor,
    n: int,
    reps: int,
    seed_b: int,
    params: dict[str, np.ndarray],
    noise: bool,
    variability: bool,
    fu_draws: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """``reps`` replicate studies of ``n`` animals per arm in one vectorised run.

    Returns TGI ``(reps, arms)``, delta V ``(reps * n, arms)``, arm names and the mean
    measured volumes ``(arms, days)`` summed over animals (for the population mean)."""
    from kinetor.translate.growth import _lognormal, caliper_noise
    from kinetor.translate.response import kill_drive, signal_names, simulate_response
    from kinetor.translate.study import run_study

    rep_idx = np.repeat(np.arange(reps), n)
    scale = {c: v[rep_idx] for c, v in (fu_draws or {}).items()} or None
    res = run_study(
        **study,
        n_animals=n * reps,
        seed=seed_b,
        tumor_growth=False,
        readouts=(),
        exposure_scale=scale,
    )
    names = list(res.readout_names)
    prolif, apop = signal_names(names)
    gj, aj = names.index(prolif), (None if apop is None else names.index(apop))
    rep_of = np.repeat(np.arange(reps), n)

    def per_animal(key: str) -> np.ndarray:
        if key in params:
            return params[key][rep_of]
        return np.full(n * reps, float(getattr(tumor, key)))

    td, kd = per_animal("doubling_time"), per_animal("death_rate")
    v0c, kill_rate = per_animal("v0"), per_animal("kill_rate")
    thr = per_animal("kill_threshold")
    mdays, grid = res.days, res.times / 24.0
    ends, sums, arms = [], [], []
    for i, r in enumerate(res.results):
        rng = np.random.default_rng([seed_b, i, 1])
        m = n * reps
        kp = (np.log(2.0) / td + kd) * (_lognormal(rng, tumor.growth_cv, m) if variability else 1.0)
        v0 = v0c * (_lognormal(rng, tumor.v0_cv, m) if variability else 1.0)
        opts = {
            "days": mdays,
            "death_rate": kd,
            "kill_rate": kill_rate,
            "transit_rate": per_animal("transit_rate"),
            "n_transit": int(tumor.n_transit),
        }
        if r.readouts is None:
            true, _ = simulate_response(
                v0, tumor.growth_law, kp, per_animal("vmax"), per_animal("linear_rate"), **opts
            )
        else:
            ro = r.readouts
            drive = np.maximum(ro[..., gj] / 100.0, 0.0)
            kill = None
            if np.any(kill_rate > 0):
                kill = kill_drive(ro[..., gj], None if aj is None else ro[..., aj], thr[:, None])
            true, _ = simulate_response(
                v0,
                tumor.growth_law,
                kp,
                per_animal("vmax"),
                per_animal("linear_rate"),
                grid_days=grid,
                proliferation=drive,
                kill=kill,
                **opts,
            )
        meas = caliper_noise(true, tumor.caliper_cv, rng) if noise else true
        ends.append(meas[:, -1] - meas[:, 0])
        sums.append(meas.sum(axis=0))
        arms.append(r.arm.name)
    dv = np.column_stack(ends)  # (reps*n, arms)
    mean_dv = dv.reshape(reps, n, -1).mean(axis=1)  # (reps, arms)
    ctrl = arms.index(res.control) if res.control is not None else None
    if ctrl is None:
        raise ModelError("replicate TGI needs a control (vehicle) arm")
    with np.errstate(divide="ignore", invalid="ignore"):
        tgi = 100.0 * (1.0 - mean_dv / mean_dv[:, [ctrl]])
    return tgi, dv, arms, np.stack(sums)


def replicate_tgi(
    compound: str | None = None,
    species: str = "mouse",
    tumor: Any = "MCF7",
    regimen: Any = None,
    *,
    arms: Sequence[Any] | None = None,
    n_animals: int = 10,
    n_replicates: int = 200,
    seed: int = 0,
    level: float = 0.95,
    parameter_uncertainty: bool = True,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    noise: bool = True,
    batch: int | None = None,
    n_jobs: int = 1,
    fu_ranges: Mapping[str, tuple[float, float]] | None = None,
    scheduler: Any = None,
    executor: Any = None,
    **study_kw: Any,
) -> ReplicateResult:
    """TGI of a study design with its interval over replicate virtual studies.

    Parameters
    ----------
    compound, species, tumor, regimen, arms
        As :func:`kinetor.translate.run_study`.
    n_animals : int
        Animals per arm of one study.
    n_replicates : int
        Replicate studies.
    seed : int
        Seed of every stream (batch ``b`` uses ``SeedSequence([seed, b])``).
    level : float
        Interval coverage (0.95: 2.5th to 97.5th percentile).
    parameter_uncertainty : bool
        Draw the tumour's ranged parameters (and ``ranges``) per replicate.
    ranges : dict, optional
        Extra ``{tumour parameter: (low, high)}`` (e.g. ``{"kill_rate": (0.05, 0.3)}``).
    noise : bool
        Caliper error.
    fu_ranges : dict, optional
        ``{compound: (low, high)}`` ranges of the mouse unbound fraction, sampled per
        replicate (uniform) with ``parameter_uncertainty``; a compound whose library fu
        carries a range (``low``/``high``) is sampled without being named here. The
        unbound concentrations scale by sampled fu / nominal fu.
    batch : int, optional
        Replicates per vectorised run (default: about 500 animals per arm per run).
    n_jobs, scheduler, executor
        Where the batches run: local processes, a Dask scheduler, or a
        :class:`kinetor.numerics.executor.Executor` (results identical on any of them).
    **study_kw
        More :func:`run_study` options (``days``, ``pathway_mode``, ``kp_uu``, ``pk``...).

    Returns
    -------
    ReplicateResult

    Examples
    --------
    >>> r = replicate_tgi("vistusertib", regimen="15 mg/kg PO QD x 14 days", n_animals=4,
    ...                   n_replicates=20, seed=0)
    >>> r.summary[["arm", "tgi_lo_pct", "tgi_hi_pct"]].shape
    (2, 3)
    """
    from kinetor.numerics.executor import Executor, task_seed
    from kinetor.translate.study import run_study
    from kinetor.translate.tumors import get_tumor

    if not 0 < level < 1:
        raise ModelError(f"level must be in (0, 1), got {level!r}")
    n, n_rep = int(n_animals), int(n_replicates)
    if n < 2 or n_rep < 1:
        raise ModelError("replicate_tgi needs n_animals >= 2 and n_replicates >= 1")
    tum = get_tumor(tumor)
    bad = sorted(
        set(ranges or {})
        - {
            "doubling_time",
            "v0",
            "death_rate",
            "kill_rate",
            "kill_threshold",
            "transit_rate",
            "vmax",
            "linear_rate",
        }
    )
    if bad:
        raise ModelError(
            f"ranges for {bad} cannot be sampled per replicate: use doubling_time, "
            "v0, death_rate, kill_rate, kill_threshold, transit_rate, vmax, "
            "linear_rate"
        )
    params = (
        _draw_parameters(tum, n_rep, np.random.default_rng([seed, 99]), ranges)
        if parameter_uncertainty
        else {}
    )
    params = {
        k: v
        for k, v in params.items()
        if k
        in (
            "doubling_time",
            "v0",
            "death_rate",
            "kill_rate",
            "kill_threshold",
            "transit_rate",
            "vmax",
            "linear_rate",
        )
    }
    fu_ranges = _fu_ranges(compound, regimen, arms, species, study_kw.get("pk"), fu_ranges)
    fu_draws = {}
    if parameter_uncertainty:
        rng_fu = np.random.default_rng([seed, 98])
        for c in sorted(fu_ranges):
            lo, hi, nominal = fu_ranges[c]
            fu_draws[c] = rng_fu.uniform(lo, hi, n_rep) / nominal
    study = {
        "compound": compound,
        "species": species,
        "tumor": tum,
        "regimen": regimen,
        "arms": arms,
        **study_kw,
    }
    study.setdefault("pathway_mode", "quasi-steady")
    b = int(batch or max(1, 500 // n))
    starts = list(range(0, n_rep, b))
    jobs = []
    for k, s in enumerate(starts):
        reps = min(b, n_rep - s)
        seed_b = task_seed(seed, k)
        jobs.append(
            (
                study,
                tum,
                n,
                reps,
                seed_b,
                {p: v[s : s + reps] for p, v in params.items()},
                noise,
                True,
                {c: v[s : s + reps] for c, v in fu_draws.items()},
            )
        )
    outs = Executor.coerce(executor, n_jobs, scheduler).map(_batch, jobs)
    tgi = np.concatenate([o[0] for o in outs])
    dv = np.concatenate([o[1] for o in outs])
    arm_names = outs[0][2]
    mean_vol = sum(o[3] for o in outs) / (n * n_rep)  # (arms, days)
    typ = run_study(
        **{**study, "pk_variability": None},
        n_animals=1,
        seed=seed,
        tumor_variability=False,
        noise=False,
    )
    tgi_typ = typ.tgi.set_index("arm")["tgi_pct"]
    control = typ.control
    ci = arm_names.index(control)
    d_pop = mean_vol[:, -1] - mean_vol[:, 0]
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    rows = []
    for j, a in enumerate(arm_names):
        lo, hi = np.nanpercentile(tgi[:, j], q)
        rows.append(
            {
                "arm": a,
                "n_animals": n,
                "n_replicates": n_rep,
                "tgi_typical_pct": float(tgi_typ.get(a, np.nan)),
                "tgi_population_mean_pct": float(100 * (1 - d_pop[j] / d_pop[ci])),
                "tgi_median_pct": float(np.nanmedian(tgi[:, j])),
                "tgi_lo_pct": float(lo),
                "tgi_hi_pct": float(hi),
                "tgi_sd_pct": float(np.nanstd(tgi[:, j], ddof=1)) if n_rep > 1 else np.nan,
                "level": level,
            }
        )
    rep = pd.DataFrame(
        {
            "replicate": np.repeat(np.arange(n_rep), len(arm_names)),
            "arm": np.tile(arm_names, n_rep),
            "tgi_pct": tgi.ravel(),
        }
    )
    for p, v in params.items():
        rep[f"param_{p}"] = np.repeat(v, len(arm_names))
    for c, v in fu_draws.items():
        rep[f"param_fu_{c}"] = np.repeat(v * fu_ranges[c][2], len(arm_names))
    settings = {
        "n_animals": n,
        "n_replicates": n_rep,
        "seed": seed,
        "level": level,
        "parameter_uncertainty": parameter_uncertainty,
        "sampled_parameters": {
            **{
                p: list(map(float, ({**dict(tum.ranges), **dict(ranges or {})})[p])) for p in params
            },
            **{f"fu_{c}": [fu_ranges[c][0], fu_ranges[c][1]] for c in fu_draws},
        },
        "control": control,
        "tumor": tum.name,
        "batch": b,
        "tgi_formula": "delta: 100 (1 - dT/dC), group means of measured volumes, "
        "day 0 to the last day",
        "pathway_mode": study["pathway_mode"],
    }
    return ReplicateResult(
        summary=pd.DataFrame(rows),
        replicates=rep,
        delta_v=dict(zip(arm_names, dv.T, strict=True)),
        settings=settings,
    )


# ----------------------------------------------------------------------------- power
@dataclass
class PowerResult:
    """Result of :func:`power`: ``table`` (one row per comparison) and the pool sizes."""

    table: pd.DataFrame
    settings: dict[str, Any]


def power(
    compound: str | None = None,
    species: str = "mouse",
    tumor: Any = "MCF7",
    regimen: Any = None,
    *,
    arms: Sequence[Any] | None = None,
    tgi_difference: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    pool: int = 1000,
    n_sim: int = 2000,
    n_max: int = 200,
    seed: int = 0,
    **study_kw: Any,
) -> PowerResult:
    """Animals per arm needed to detect a TGI difference (simulation-based).

    Simulates ``pool`` animals per arm once (the chain's between-animal variability, caliper
    noise), then for each comparison resamples ``n`` animals per arm ``n_sim`` times and
    runs a two-sided Welch t-test on the per-animal volume change (module docstring).

    Comparisons: every treated arm against the control (the effect the arm itself has),
    and, with ``tgi_difference`` (percentage points), every treated arm against a
    hypothetical arm whose TGI differs by that much with the same spread (its volume
    changes shifted by ``tgi_difference / 100`` x the control's mean change).

    Returns
    -------
    PowerResult
        ``table``: ``comparison, arm, reference, tgi_difference_pct, n_per_arm,
        achieved_power, n_normal_theory, sd_delta_v_mm3, alpha, power``; ``n_per_arm`` is
        empty when more than ``n_max`` animals would be needed.

    Examples
    --------
    >>> p = power("vistusertib", regimen="15 mg/kg PO QD x 14 days", pool=200, n_sim=400)
    >>> int(p.table["n_per_arm"].iloc[0]) >= 2
    True
    """
    rep = replicate_tgi(
        compound,
        species,
        tumor,
        regimen,
        arms=arms,
        n_animals=int(pool),
        n_replicates=1,
        seed=seed,
        parameter_uncertainty=False,
        **study_kw,
    )
    dv = rep.delta_v
    ctrl = rep.settings["control"]
    c = dv[ctrl]
    rows = []

    def resampler(x_pool: np.ndarray, y_pool: np.ndarray, shift: float = 0.0):
        def draw(n: int, n_sim_: int, rng: np.random.Generator):
            return (rng.choice(x_pool, (n_sim_, n)), rng.choice(y_pool, (n_sim_, n)) + shift)

        return draw

    for k, a in enumerate(dv):
        if a == ctrl:
            continue
        y = dv[a]
        diff = 100.0 * (1.0 - y.mean() / c.mean())
        comps = [("vs control", ctrl, c, y, 0.0, diff)]
        if tgi_difference is not None:
            shift = -float(tgi_difference) / 100.0 * c.mean()
            comps.append(
                (
                    f"TGI +{tgi_difference:g} points",
                    f"{a} (hypothetical)",
                    y,
                    y,
                    shift,
                    float(tgi_difference),
                )
            )
        for label, ref, xp, yp, shift, d in comps:
            sub = int(np.random.SeedSequence([int(seed), k, len(rows)]).generate_state(1)[0])
            ss = sample_size(resampler(xp, yp, shift), alpha, power, n_max, n_sim, seed=sub)
            sd = math.sqrt((xp.var(ddof=1) + yp.var(ddof=1)) / 2.0)
            delta = abs(yp.mean() + shift - xp.mean())
            rows.append(
                {
                    "comparison": label,
                    "arm": a,
                    "reference": ref,
                    "tgi_difference_pct": d,
                    "n_per_arm": ss.n,
                    "achieved_power": ss.achieved_power,
                    "n_normal_theory": (
                        normal_sample_size(delta, sd, alpha, power) if delta > 0 else np.inf
                    ),
                    "sd_delta_v_mm3": sd,
                    "alpha": alpha,
                    "power": power,
                }
            )
    table = pd.DataFrame(rows)
    table["n_per_arm"] = table["n_per_arm"].astype("Int64")
    return PowerResult(
        table=table,
        settings={
            "pool_per_arm": int(pool),
            "n_sim": n_sim,
            "n_max": n_max,
            "seed": seed,
            "endpoint": "per-animal volume change, day 0 to the last day (mm^3)",
            "test": "two-sided Welch t-test",
        },
    )


def design_summary(
    compound: str | None = None,
    species: str = "mouse",
    tumor: Any = "MCF7",
    regimen: Any = None,
    *,
    arms: Sequence[Any] | None = None,
    n_animals: int = 10,
    n_replicates: int = 500,
    seed: int = 0,
    study: Any = None,
    alpha: float = 0.05,
    power_target: float = 0.8,
    **study_kw: Any,
) -> pd.DataFrame:
    """One table per design: every number with what it is.

    Columns per arm: ``tgi_this_study_pct`` (one simulated study of ``n_animals``, when
    ``study`` is given), ``tgi_typical_pct`` (typical animal), ``tgi_population_mean_pct``,
    ``tgi_median_pct`` and ``tgi_lo_pct``/``tgi_hi_pct`` (95 % of ``n_replicates`` studies
    of this size), and ``n_per_arm_vs_control`` (animals per arm for 80 % power to detect
    the arm's effect against the control, :func:`power`).

    Examples
    --------
    >>> t = design_summary("vistusertib", regimen="30 mg/kg PO QD x 7 days", n_animals=4,
    ...                    n_replicates=10)
    >>> "n_per_arm_vs_control" in t.columns
    True
    """
    rep = replicate_tgi(
        compound,
        species,
        tumor,
        regimen,
        arms=arms,
        n_animals=n_animals,
        n_replicates=n_replicates,
        seed=seed,
        **study_kw,
    )
    pw = power(
        compound,
        species,
        tumor,
        regimen,
        arms=arms,
        alpha=alpha,
        power=power_target,
        seed=seed,
        **study_kw,
    ).table
    pw = pw[pw["comparison"] == "vs control"].set_index("arm")["n_per_arm"]
    out = rep.summary.drop(columns=["n_replicates", "level"])
    if study is not None:
        this = study.tgi.set_index("arm")["tgi_pct"]
        out.insert(2, "tgi_this_study_pct", out["arm"].map(this))
    out["n_per_arm_vs_control"] = out["arm"].map(pw).astype("Int64")
    out.attrs["n_replicates"] = n_replicates
    return out


def sensitivity(
    compound: str = "vistusertib",
    regimen: str = "15 mg/kg PO QD x 21 days",
    tumor: Any = "MCF7",
    species: str = "mouse",
    cases: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Typical-animal TGI under alternative assumptions, against the default chain.

    ``cases`` maps a label to ``run_study`` overrides (``{"tumor": {...}}`` entries are
    merged into the tumour, e.g. ``{"tumor": {"kill_rate": 0.3}}``). The default cases
    cover the assumptions left in the chain: mouse fu (0.05 vs 0.5: the network input is
    linear in fu, so fu x 10 is run as ``exposure="tumor", kp_uu=10``), Kp,uu, kill rate,
    kill threshold, growth law, doubling time and the insulin feedback.

    Returns
    -------
    DataFrame
        ``case, tgi_typical_pct, delta_vs_default_pct``.
    """
    from kinetor.translate.study import run_study
    from kinetor.translate.tumors import get_tumor

    base_t = get_tumor(tumor)
    if cases is None:
        cases = {
            "default (fu 0.05, Kp,uu 1, no kill, exponential, T_d as tabulated)": {},
            "mouse fu 0.5 instead of 0.05": {"exposure": "tumor", "kp_uu": 10.0},
            "Kp,uu 0.3": {"exposure": "tumor", "kp_uu": 0.3},
            "Kp,uu 3": {"exposure": "tumor", "kp_uu": 3.0},
            "kill rate 0.1 /day (threshold 0.5)": {"tumor": {"kill_rate": 0.1}},
            "kill rate 0.3 /day (threshold 0.5)": {"tumor": {"kill_rate": 0.3}},
            "kill rate 0.3 /day, threshold 0.2": {
                "tumor": {"kill_rate": 0.3, "kill_threshold": 0.2}
            },
            "Gompertz growth, vmax 2000 mm^3": {
                "tumor": {"growth_law": "gompertz", "vmax": 2000.0}
            },
            "logistic growth, vmax 2000 mm^3": {
                "tumor": {"growth_law": "logistic", "vmax": 2000.0}
            },
            "exponential-linear, lambda1 50 mm^3/day": {
                "tumor": {"growth_law": "exponential_linear", "linear_rate": 50.0}
            },
            "doubling time x 0.7": {"tumor": {"doubling_time": base_t.doubling_time * 0.7}},
            "doubling time x 1.4": {"tumor": {"doubling_time": base_t.doubling_time * 1.4}},
            "insulin feedback w = 1": {"insulin_feedback": 1.0},
        }
    rows = []
    for label, over in cases.items():
        over = dict(over)
        tum = {"base": base_t, **dict(over.pop("tumor", {}))}
        res = run_study(
            compound,
            species,
            tum,
            regimen,
            n_animals=1,
            seed=0,
            pk_variability=None,
            tumor_variability=False,
            noise=False,
            readouts=(),
            **over,
        )
        tgi = res.tgi.set_index("arm")["tgi_pct"].drop(res.control)
        rows.append({"case": label, "tgi_typical_pct": float(tgi.iloc[0])})
    out = pd.DataFrame(rows)
    out["delta_vs_default_pct"] = out["tgi_typical_pct"] - out["tgi_typical_pct"].iloc[0]
    return out
