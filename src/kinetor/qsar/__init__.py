"""QSAR for mTOR and PI3Kalpha inhibitors: curation, features, models, scaffold
cross-validation, conformal intervals, dual-target screening and the bridge from a
predicted potency to the pathway network.

RDKit, scikit-learn and LightGBM are imported only when a function needs them (install
with ``pip install kinetor[qsar]``). See docs/qsar.md.

Examples
--------
>>> from kinetor.qsar import standardize_smiles
>>> standardize_smiles("c1ccccc1C(=O)[O-].[K+]")[0]
'O=C(O)c1ccccc1'
"""

from __future__ import annotations

from kinetor._lazy import attach as _attach

_LAZY = {
    "curate": "kinetor.qsar.curation",
    "CurationResult": "kinetor.qsar.curation",
    "standardize_smiles": "kinetor.qsar.curation",
    "featurize": "kinetor.qsar.features",
    "tanimoto_kernel": "kinetor.qsar.features",
    "QSARModel": "kinetor.qsar.models",
    "compute_features": "kinetor.qsar.models",
    "parse_smiles": "kinetor.qsar.models",
    "PotencyPredictor": "kinetor.qsar.predictor",
    "TARGETS": "kinetor.qsar.predictor",
    "NormalizedConformal": "kinetor.qsar.conformal",
    "make_folds": "kinetor.qsar.splits",
    "scaffold_groups": "kinetor.qsar.splits",
    "cross_validate": "kinetor.qsar.validation",
    "y_randomization": "kinetor.qsar.validation",
    "regression_metrics": "kinetor.qsar.validation",
    "cliff_compounds": "kinetor.qsar.cliffs",
    "cliff_rmse": "kinetor.qsar.cliffs",
    "drug_from_prediction": "kinetor.qsar.bridge",
    "simulate_prediction": "kinetor.qsar.bridge",
    "screen": "kinetor.qsar.dual_screen",
    "read_molecules": "kinetor.qsar.io",
    "read_activity_table": "kinetor.qsar.io",
    "save_model": "kinetor.qsar.card",
    "load_model": "kinetor.qsar.card",
    "ModelCard": "kinetor.qsar.card",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = _attach(__name__, _LAZY)
