"""Saving and loading fitted predictors with a model card.

The card records what a model is and how far to trust it: target, learner, training data
hash and curation summary, cross-validated metrics, conformal calibration, applicability
domain, and the kinetor and library versions (after Mitchell et al. 2019 "Model cards for
model reporting", FAT* '19, doi:10.1145/3287560.3287596). It is stored inside the joblib
file and as readable JSON beside it (``model.joblib`` -> ``model.card.json``).

A joblib file is a pickle: loading it runs code stored in it. Load only model files you
made yourself; :func:`load_model` warns unless ``trusted=True``.

Examples
--------
>>> card = ModelCard(target="mtor", learner="svr", n_train=10)
>>> ModelCard.from_dict(card.to_dict()) == card
True
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kinetor.errors import ModelError

__all__ = [
    "ModelCard",
    "ModelFileWarning",
    "check_target_name",
    "library_versions",
    "load_model",
    "save_model",
]

_FORMAT = 1
# a target label names files in the model folder (<target>.joblib): never a path
_TARGET = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


def check_target_name(name: str) -> str:
    """``name`` if it can name a model file: letters, digits, ``_``, ``-`` and ``.`` (not
    first, no ``..``); else a :class:`~kinetor.errors.ModelError` (no path from user text).

    >>> check_target_name("mtor")
    'mtor'
    """
    if not isinstance(name, str) or not _TARGET.fullmatch(name) or ".." in name:
        raise ModelError(
            f"target {name!r}: a target name is letters, digits, '_', '-' and '.' (not "
            "first, no '..'; no folder), e.g. mtor"
        )
    return name


class ModelFileWarning(UserWarning):
    """A model file is untrusted or was written by other library versions."""


def library_versions() -> dict[str, str]:
    """Versions of kinetor and the libraries a fitted model depends on."""
    import importlib.metadata as md

    import kinetor

    out = {"kinetor": kinetor.__version__}
    for name in ("rdkit", "scikit-learn", "lightgbm", "numpy", "scipy"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "absent"
    return out


@dataclass
class ModelCard:
    """What a saved model is, what it was trained on and how well it does."""

    target: str
    learner: str
    n_train: int = 0
    data_sha256: str = ""
    curation: dict[str, Any] = field(default_factory=dict)
    cv_metrics: dict[str, Any] = field(default_factory=dict)
    conformal: dict[str, Any] = field(default_factory=dict)
    domain: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        return cls(**data)


def card_for(predictor, curation=None, cv_metrics=None, notes: str = "") -> ModelCard:
    """A :class:`ModelCard` describing a fitted :class:`PotencyPredictor`."""
    import numpy as np

    oof = predictor.oof_
    nn = oof["nn_similarity"].to_numpy()
    summary = curation.summary() if curation is not None else {}
    conf = predictor.conformal_
    return ModelCard(
        target=predictor.target,
        learner=predictor.learner,
        n_train=predictor.n_train_,
        data_sha256=summary.get("data_sha256", ""),
        curation=summary,
        cv_metrics=dict(cv_metrics or {}),
        conformal={
            "alpha": conf.alpha,
            "quantile": conf.quantile_,
            "coef": [float(c) for c in conf.coef_],
            "sigma_min": conf.sigma_min_,
            "n_calibration": conf.n_calibration_,
            "calibration": "inner scaffold cross-conformal on the training set",
        },
        domain={
            "ad_threshold": predictor.ad_threshold,
            "similarity": "mean Tanimoto of the kernel fingerprints ("
            + ", ".join(predictor.train_.fps)
            + ")",
            "calibration_nn_similarity_quantiles": {
                str(q): float(np.quantile(nn, q)) for q in (0.05, 0.25, 0.5)
            },
            "calibration_fraction_in_domain": float(np.mean(nn >= predictor.ad_threshold)),
        },
        model={
            **predictor.model_.get_params(),
            "members": list(predictor.model_.member_names),
            "stacking_weights": getattr(predictor.model_, "weights", None),
            "kernel_fingerprints": list(predictor.train_.fps),
        },
        versions=library_versions(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        notes=notes,
    )


def save_model(predictor, path: str | Path, card: ModelCard | None = None) -> Path:
    """Write ``predictor`` and its card to ``path`` (joblib) and the card to ``*.card.json``."""
    import joblib

    path = Path(path)
    card = card or card_for(predictor)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {"format": _FORMAT, "card": card.to_dict(), "predictor": predictor}, path, compress=3
    )
    path.with_suffix(".card.json").write_text(json.dumps(card.to_dict(), indent=2, default=str))
    return path


def load_model(path: str | Path, trusted: bool = False):
    """Load ``(predictor, card)`` from a file written by :func:`save_model`.

    Parameters
    ----------
    path : path
    trusted : bool
        ``True`` acknowledges that the file is your own; otherwise a
        :class:`ModelFileWarning` says that loading runs code from the file.

    Warns
    -----
    ModelFileWarning
        Untrusted file; or kinetor/library versions differ from those that wrote it.
    """
    import joblib

    path = Path(path)
    if not path.exists():
        raise ModelError(f"no model file {path}")
    if not trusted:
        warnings.warn(
            f"{path}: model files are pickles and run code when loaded; load only "
            "files you made (pass trusted=True to acknowledge)",
            ModelFileWarning,
            stacklevel=2,
        )
    blob = joblib.load(path)
    if not isinstance(blob, dict) or "card" not in blob or "predictor" not in blob:
        raise ModelError(f"{path} is not a kinetor QSAR model file")
    card = ModelCard.from_dict(blob["card"])
    now = library_versions()
    changed = {k: (v, now.get(k)) for k, v in card.versions.items() if now.get(k) != v}
    if changed:
        text = ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items())
        warnings.warn(
            f"{path} was written with other versions ({text}); predictions may "
            "differ: retrain with `kinetor qsar train`",
            ModelFileWarning,
            stacklevel=2,
        )
    return blob["predictor"], card
