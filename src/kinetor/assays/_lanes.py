"""Lanes of a blot image: detection from the column profile, equal widths, and notes on
lanes whose spacing disagrees with their number (used by
:func:`kinetor.assays.western.quantify_blot`)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from kinetor.errors import DataError, Problem


def _detect_lanes(signal: np.ndarray, n_lanes: int | None) -> list[tuple[int, int]]:
    """Lanes from the column profile of the signal above each column's 10th percentile
    (bands fill few rows, so the percentile is the column's background).

    Before that, the background is flattened in both directions by 10th percentiles:
    columns (the gradient across the lanes), then rows (a row's percentile rests on the
    gaps between lanes), so that a gradient down the lanes cancels instead of leaving each
    column's percentile on the few rows where the background is lowest."""
    flat = signal - np.percentile(signal, 10, axis=0)
    flat = flat - np.percentile(flat, 10, axis=1, keepdims=True)
    prof = (flat - np.percentile(flat, 10, axis=0)).sum(0)
    prof = np.convolve(prof, np.ones(3) / 3, mode="same")
    base = float(np.median(np.sort(prof)[: max(3, prof.size // 5)]))
    noise = 1.4826 * float(np.median(np.abs(np.diff(prof)))) / np.sqrt(2)
    # noise-based, so a faint lane beside a saturated one is still found
    on = prof > base + max(8 * noise, 0.002 * (prof.max() - base))
    edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
    runs: list[list[int]] = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if runs and a - runs[-1][1] < 3:  # a 1-2 column dip of noise does not split a lane
            runs[-1][1] = int(b)
        else:
            runs.append([int(a), int(b)])
    lanes = [(a, b) for a, b in runs if b - a >= 3]
    if not lanes:
        raise DataError(
            Problem(
                "no lanes detected: the image has no column with signal above its background",
                fix="check the image (dark bands on light need dark_bands=True / --dark-bands)"
                " or give the lanes and the band explicitly (--lanes x0:x1,... --band y0:y1)",
            )
        )
    if n_lanes is not None and len(lanes) != n_lanes:
        raise DataError(
            Problem(
                f"found {len(lanes)} lanes where {n_lanes} were expected",
                fix="give the lane boundaries explicitly (lanes=[(x0, x1), ...]"
                " or --lanes x0:x1,...)",
            )
        )
    return _equal_width(lanes, signal.shape[1])


def _equal_width(lanes: list[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """Every detected lane as wide as the widest, about its own centre: a faint band
    crosses the detection threshold over fewer columns than a strong one of the same
    width, and a narrower box would cut off its edges. Neighbours never overlap."""
    w = max(b - a for a, b in lanes)
    boxes = [[round((a + b - w) / 2), 0] for a, b in lanes]
    for box in boxes:
        box[1] = box[0] + w
    for left, right in pairwise(boxes):
        if left[1] > right[0]:
            left[1] = right[0] = (left[1] + right[0]) // 2
    return [(max(a, 0), min(b, width)) for a, b in boxes]


def _spacing_notes(lanes: list[tuple[int, int]]) -> tuple[list[str], dict[int, str]]:
    """Detected lanes whose spacing disagrees with their number: a gap of about k lane
    pitches (median centre-to-centre distance) holds k - 1 undetected lanes (faint ones),
    lanes closer than half a pitch are one lane split in two. Returns (notes, per-lane
    flag by 0-based lane index); a faint first or last lane leaves no gap to see."""
    if len(lanes) < 3:
        return [], {}
    centres = np.array([(a + b) / 2 for a, b in lanes])
    gaps = np.diff(centres)
    pitch = float(np.median(gaps))
    steps = np.maximum(np.round(gaps / pitch), 1).astype(int)
    implied = 1 + int(steps.sum()) - int((gaps < 0.5 * pitch).sum())
    if implied == len(lanes) and not (gaps < 0.5 * pitch).any():
        return [], {}
    where, flags = [], {}
    for i, (g, k) in enumerate(zip(gaps, steps, strict=True)):
        if k > 1:
            what = f"{k - 1} lane(s) may be missing between lanes {i + 1} and {i + 2}"
        elif g < 0.5 * pitch:
            what = f"lanes {i + 1} and {i + 2} are closer than half the spacing (one lane split?)"
        else:
            continue
        where.append(what)
        flags[i] = flags[i + 1] = what
    note = (
        f"{len(lanes)} lanes detected, but their spacing (median {pitch:.0f} px centre to "
        f"centre) implies {implied}: {'; '.join(where)}; check the annotated image and give "
        "the lanes explicitly (--lanes x0:x1,... or lanes=[(x0, x1), ...])"
    )
    return [note], flags
