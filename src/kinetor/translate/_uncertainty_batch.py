"""One batch of replicate virtual studies for :func:`kinetor.translate.uncertainty.replicate_tgi`.

The per-replicate parameter draws (tumour ranges, unbound fractions) and the vectorised run
of ``reps`` studies at once; a batch is what an executor runs in one task.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kinetor.errors import ModelError

#: Tumour-model parameters a replicate virtual study may draw from a range (tumour ranges
#: in tumors.toml or the caller's ``ranges``).
SAMPLED_TUMOR_PARAMETERS: tuple[str, ...] = (
    "doubling_time",
    "v0",
    "death_rate",
    "kill_rate",
    "kill_threshold",
    "transit_rate",
    "vmax",
    "linear_rate",
)


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
