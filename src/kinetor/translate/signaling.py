r"""Pathway link: unbound concentration courses -> network readouts (% of untreated control).

Two modes.

``"dynamic"``: the network (``kinetor.pathway.network.Network`` with the tumour's lesions)
integrates each animal's concentration course from the pre-equilibrated untreated state:
the exact PK course (:class:`kinetor.pk.Polyexponential`, CVODE restarts only at doses)
when the PK model is linear, else the piecewise-linear course on the study grid. Exact to
the integrator's tolerance; one Python call per animal (timings in docs/benchmarks.md).

``"quasi-steady"``: signalling relaxes in minutes to hours while the PK and the tumour move
over hours to days, so each readout is approximated by its drug-at-steady-state value at
the current concentration:

.. math:: R(t) \approx R_{ss}\big(C_1(t), C_2(t)\big)

:math:`R_{ss}` is tabulated once per genotype and drug set on a grid uniform in the
occupancy-like coordinate :math:`u = C^h / (C^h + K^h)` (:math:`K` the drug's cellular
potency, :math:`h` its Hill coefficient; 161 points for one drug, 41 x 41 for two), each
point the network's readouts after ``t_ss`` = 500 h at constant concentration, then
interpolated linearly in :math:`u` (bilinearly for two drugs). Three or more drugs in one
arm need ``"dynamic"``. The approximation ignores the network's own lags (IRS1 turnover,
rapalog binding); its measured error is in docs/translate.md.

Examples
--------
>>> import numpy as np
>>> from kinetor.pathway.drugs import Drug
>>> tab = QuasiSteadyTable((), None, (Drug("x", "mtor_kinase", 80.0, potency="cellular"),),
...                        n_grid=33)
>>> out = tab([np.array([[0.0, 80.0]])])
>>> growth = readout_names().index("growth")
>>> out.shape, round(float(out[0, 0, growth]), 6)   # (animals, times, readouts); C = 0
((1, 2, 18), 100.0)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from kinetor.errors import ModelError
from kinetor.numerics.executor import Executor, contiguous

__all__ = [
    "QuasiSteadyTable",
    "dynamic_readouts",
    "dynamic_readouts_many",
    "network",
    "readout_names",
]

_UMAX = 1.0 - 1e-4


def readout_names() -> tuple[str, ...]:
    """The network's readouts, in the order of the arrays returned here."""
    from kinetor.pathway.network import READOUTS

    return tuple(READOUTS)


def network(
    lesions: Sequence[str],
    context: Mapping[str, float] | None = None,
    parameters: Mapping[str, float] | None = None,
):
    """The pathway ``Network`` for a genotype and context."""
    from kinetor.pathway.network import Network

    return Network(lesions=list(lesions), context=context, parameters=parameters)


def _scale(net, drug) -> tuple[float, float]:
    """(K, h): the cellular potency the network will use, and the Hill coefficient; they
    set the grid coordinate only (the network applies its own potency conversion)."""
    params, defaults = net.model_parameters(), net.engine.defaults
    shift = params.get("rapalog_shift", defaults.get("rapalog_shift", 1.0))
    return float(drug.cellular_k(shift)[0]), float(drug.hill)


def _u(c: np.ndarray, k: float, h: float) -> np.ndarray:
    c = np.maximum(np.asarray(c, float), 0.0)
    x = (c / k) ** h
    return np.minimum(x / (1.0 + x), _UMAX)


class QuasiSteadyTable:
    """Steady-state readouts over a concentration grid for one genotype and drug set.

    Parameters
    ----------
    lesions : sequence of str
    context : mapping or None
    drugs : tuple of Drug
        One or two ``kinetor.pathway.drugs.Drug`` (their mechanisms must differ).
    n_grid : int, optional
        Points per drug axis (default 161 for one drug, 41 for two).
    t_ss : float
        Hours at constant concentration taken as steady state.
    parameters : mapping, optional
        Network parameter overrides.
    """

    def __init__(
        self,
        lesions: Sequence[str],
        context: Mapping[str, float] | None,
        drugs: tuple,
        n_grid: int | None = None,
        t_ss: float = 500.0,
        parameters: Mapping[str, float] | None = None,
    ):
        if not 1 <= len(drugs) <= 2:
            raise ModelError(
                f"quasi-steady mode tabulates one or two drugs per arm, got "
                f"{len(drugs)}: use pathway_mode='dynamic'"
            )
        self.drugs = tuple(drugs)
        net = network(lesions, context, parameters)
        self.scales = [_scale(net, d) for d in self.drugs]
        n = int(n_grid or (161 if len(drugs) == 1 else 41))
        self.u = np.linspace(0.0, _UMAX, n)
        concs = [k * (self.u / (1.0 - self.u)) ** (1.0 / h) for k, h in self.scales]
        if len(drugs) == 1:
            self.table = np.array(
                [net.readouts_at([(self.drugs[0], float(c))], t_ss) for c in concs[0]]
            )
        else:
            self.table = np.array(
                [
                    [
                        net.readouts_at(
                            [(self.drugs[0], float(a)), (self.drugs[1], float(b))], t_ss
                        )
                        for b in concs[1]
                    ]
                    for a in concs[0]
                ]
            )

    def __call__(
        self, concs: Sequence[np.ndarray], columns: Sequence[int] | None = None
    ) -> np.ndarray:
        """Readouts for concentration arrays (one per drug, same shape ``(n, T)``), in nM.

        Returns ``(n, T, n_readouts)``, % of the untreated control; ``columns`` (indices
        into :func:`readout_names`) restricts the readouts computed.
        """
        if len(concs) != len(self.drugs):
            raise ModelError(f"{len(self.drugs)} drug(s) tabulated, {len(concs)} given")
        us = [_u(c, k, h) for c, (k, h) in zip(concs, self.scales, strict=True)]
        shape = us[0].shape
        cols = list(range(self.table.shape[-1])) if columns is None else list(columns)
        table = self.table[..., cols]
        if len(us) == 1:
            flat = us[0].ravel()
            out = np.stack(
                [np.interp(flat, self.u, table[:, j]) for j in range(len(cols))], axis=-1
            )
        else:
            from scipy.interpolate import RegularGridInterpolator

            f = RegularGridInterpolator((self.u, self.u), table, method="linear")
            out = f(np.column_stack([us[0].ravel(), us[1].ravel()]))
        return out.reshape(*shape, len(cols))


def _dynamic_chunk(lesions, context, parameters, drugs, times, concs) -> np.ndarray:
    """Readouts (k, T, R) for k animals: one network integration per animal. ``concs``
    holds, per drug, a (k, T) array on ``times`` (piecewise-linear input) or a list of k
    :class:`kinetor.pk.Polyexponential` courses in nM (exact input)."""
    names = readout_names()
    net = network(lesions, context, parameters)
    k = len(concs[0])
    out = np.empty((k, times.size, len(names)))
    for i in range(k):  # one ODE integration per animal: the loop is the work itself
        pairs = [
            (d, c[i] if isinstance(c, list) else (times, c[i]))
            for d, c in zip(drugs, concs, strict=True)
        ]
        res = net.simulate_pairs(pairs, t_end=float(times[-1]), times=times)
        out[i] = res.readouts[list(names)].to_numpy()
    return out


def dynamic_readouts(
    lesions: Sequence[str],
    context,
    parameters,
    drugs: tuple,
    times: np.ndarray,
    concs: Sequence[np.ndarray],
    executor: Executor | None = None,
    chunk: int = 8,
    on_chunk: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Dynamic-mode readouts ``(n, T, R)`` for animals with concentration courses ``concs``.

    ``executor`` (:class:`kinetor.numerics.executor.Executor`; default: this process)
    runs chunks of ``chunk`` animals; ``on_chunk(k)`` is called with each finished chunk's
    number of animals.
    """
    return dynamic_readouts_many(
        [(lesions, context, parameters, drugs, concs)], times, executor, chunk, on_chunk
    )[0]


def dynamic_readouts_many(
    arms: Sequence[tuple],
    times: np.ndarray,
    executor: Executor | None = None,
    chunk: int = 8,
    on_chunk: Callable[[int], None] | None = None,
) -> list[np.ndarray]:
    """:func:`dynamic_readouts` for several arms at once, so that one pool of workers
    shares all their chunks. ``arms``: ``(lesions, context, parameters, drugs, concs)``.
    The chunks depend on the number of animals only, never on the executor."""
    chunk = max(1, int(chunk))
    args, owner, sizes = [], [], []
    for k, (lesions, context, parameters, drugs, concs) in enumerate(arms):
        for idx in contiguous(len(concs[0]), chunk):
            s, e = int(idx[0]), int(idx[-1]) + 1
            args.append(
                (
                    tuple(lesions),
                    context,
                    parameters,
                    tuple(drugs),
                    times,
                    [c[s:e] for c in concs],
                )
            )
            owner.append(k)
            sizes.append(e - s)
    parts = (executor or Executor()).map(_dynamic_chunk, args, on_chunk, sizes)
    return [
        np.concatenate([p for p, o in zip(parts, owner, strict=True) if o == k], axis=0)
        for k in range(len(arms))
    ]
