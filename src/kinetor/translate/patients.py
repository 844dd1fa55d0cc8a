"""Virtual patients: human PK on clinical schedules -> unbound exposure -> target engagement.

The same chain as the xenograft study with ``species="human"`` (70 kg reference weight),
one arm per clinical schedule and no vehicle arm. Tumour growth is off by default: the
tumour library holds xenograft growth parameters, not patients'; the genotype (lesions) of
``tumor`` still sets the network. Pass ``tumor_growth=True`` with a tumour dict carrying a
patient doubling time to simulate volumes.

Human PK is not in the compound library for vistusertib (only t1/2 and tmax, unverified;
docs/compounds.md): without ``pk=`` the call raises a ``ModelError`` naming that gap.

Examples
--------
>>> pk = {"model": "1cmt", "cl": "20 L/h", "v": "100 L", "ka": "1 1/h", "f": 0.5,
...       "fu": 0.05}
>>> vp = run_virtual_patients("vistusertib", ["50 mg PO BID x 7 days"], pk=pk,
...                           n_patients=5, seed=1, source="illustration, not data")
>>> vp.pk["compound"].unique().tolist(), vp.tumor.empty
(['vistusertib'], True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kinetor.errors import ModelError
from kinetor.translate.arms import Arm, Treatment

__all__ = ["run_virtual_patients"]


def run_virtual_patients(
    compound: str,
    regimens: str | Sequence[str],
    pk: Mapping[str, Any] | None = None,
    tumor: Any = "MCF7",
    n_patients: int = 100,
    seed: int | None = 0,
    source: str | None = None,
    **study_kw,
):
    """Simulate virtual patients on clinical schedules.

    Parameters
    ----------
    compound : str
    regimens : str or list of str
        Clinical schedules, e.g. ``"50 mg PO BID x 28 days"``,
        ``"125 mg PO BID 2 days on/5 days off x 4 weeks"`` (one arm each, named by the text).
    pk : dict, optional
        Human PK of the compound: ``{"model": "1cmt", "cl": "... L/h", "v": "... L",
        "ka": "... 1/h", "f": ..., "fu": ...}`` (or ``{compound: {...}}``). Required when
        the compound library has no human set.
    tumor : str, dict or TumorSpec
        Genotype of the tumour (lesions); growth only with ``tumor_growth=True``.
    source : str, optional
        Where the user PK comes from (recorded in ``settings``).
    **study_kw
        Passed to :func:`~kinetor.translate.run_study` (``pk_variability``,
        ``pathway_mode``, ``exposure``, ``weight``, ``days``...).

    Raises
    ------
    ModelError
        No human PK for the compound and none supplied.
    """
    from kinetor.translate.study import run_study

    if isinstance(regimens, str):
        regimens = [regimens]
    if not regimens:
        raise ModelError("give at least one clinical regimen")
    user = None
    if pk is not None:
        user = (
            dict(pk[compound]) if compound in pk and isinstance(pk[compound], Mapping) else dict(pk)
        )
        if source is not None:
            user["source"] = source
    arms = [Arm(str(r), (Treatment(compound, r),)) for r in regimens]
    opts = {"tumor_growth": False, "vehicle": False, **study_kw}
    if "species" in opts:
        raise ModelError("virtual patients are human: do not pass species")
    return run_study(
        None,
        "human",
        tumor,
        None,
        n_animals=n_patients,
        seed=seed,
        arms=arms,
        pk={compound: user} if user is not None else None,
        **opts,
    )
