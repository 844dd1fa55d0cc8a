"""Negative-control guides (``--control-sgrna``, ``control_guides=``) found in a count table.

The control guides are a null distribution (the alpha-RRA null of :func:`screen_test`, the
permutation null of :func:`mle`) or the reference of ``control`` normalisation. One guide
is not a distribution: the RRA null built from one percentile gives every gene the same
p-value. ``mageck2`` 0.3.0 stops with "Not enough control sgRNAs found in the count table"
below 2 (``mageckCount.py``, read in its source); so does kinetor.

Examples
--------
>>> import numpy as np
>>> control_mask(["a", "c", "x"], np.array(["a", "b", "c"]), "counts.txt").tolist()
[True, False, True]
"""

from __future__ import annotations

import numpy as np

from kinetor.errors import DataError, Problem

__all__ = ["control_mask"]


def control_mask(ids, guides: np.ndarray, table: str, control_file=None) -> np.ndarray:
    """Which ``guides`` are controls; fewer than 2 found is a ``DataError`` naming
    ``control_file`` (else the count table ``table``) and how many matched."""
    given = {str(i) for i in ids}
    mask = np.isin(guides, np.asarray(sorted(given), dtype=str))
    found = int(mask.sum())
    if found < 2:
        where = f"in {control_file} " if control_file is not None else ""
        raise DataError(
            Problem(
                f"{'none' if found == 0 else 'only 1'} of the {len(given)} control guide ids "
                f"{where}is in the count table {table}; "
                "a control null needs 2 or more",
                file=str(control_file) if control_file is not None else table,
                column="sgRNA",
                fix="list 2 or more negative-control guide ids from the count table's sgRNA "
                "column, one per line",
            )
        )
    return mask
