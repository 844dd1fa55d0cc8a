"""Study data: the ``Study`` model, readers, BLQ rules, validation and writers."""

from kinetor.data.blq import BLQ_RULES, apply_blq_rule
from kinetor.data.routes import ROUTES, normalise_route
from kinetor.data.study import Study

__all__ = ["BLQ_RULES", "ROUTES", "Study", "apply_blq_rule", "normalise_route"]
