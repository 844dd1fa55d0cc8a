"""Western blot densitometry: background subtraction, band volumes, saturation flags,
normalisation, and the linear range of a dilution series.

The signal is the image itself for fluorescence (bright bands on a dark background) or
``max - image`` for chemiluminescence film or inverted scans (dark bands). Background:

- ``"rolling_ball"`` (Sternberg 1983 Computer 16:22, doi:10.1109/MC.1983.1654163): an
  ellipsoid of ``radius`` pixels (and an intensity semi-axis of ``ball_height`` x the
  background spread, median minus 1st percentile) rolled under the 3 x 3-smoothed signal;
  it must be wider than the bands (``radius`` >= 1). Because it rests on noise minima, the
  median residual of the band-free rows is added back;
- ``"lane"``: lane-local, per column a straight line between the mean of a strip above
  and a strip below the band (follows gradients along the lane).

A band's volume is the sum of the background-subtracted signal over its box. A box that
holds a pixel at the detector's ceiling (255 for 8-bit, 65535 for 16-bit, or
``saturation``) is flagged ``saturated``: its volume is still shown, but every ratio built
on it is NaN with the reason, because a clipped band under-reports.

The ratios built on band volumes (:func:`normalise_bands`) and the linear range of a
dilution series (:func:`linear_range`) are in :mod:`kinetor.assays.blot_ratios`, and
importable from here too.

Examples
--------
>>> import numpy as np
>>> img = np.zeros((40, 60), np.uint16)
>>> img[15:25, 5:25] = 1000; img[15:25, 35:55] = 2000
>>> t = quantify_blot(img, lanes=[(5, 25), (35, 55)], band=(10, 30), background="lane")
>>> t["volume"].tolist()
[200000.0, 400000.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from kinetor.assays._images import check_image_file, not_an_image
from kinetor.assays.blot_ratios import linear_range, normalise_bands
from kinetor.errors import DataError, ModelError, Problem

__all__ = ["linear_range", "normalise_bands", "quantify_blot", "read_blot"]


def _skimage():
    try:
        import skimage  # noqa: F401
    except ImportError as exc:  # optional dependency
        raise ModelError(
            "blot analysis needs scikit-image and tifffile: pip install 'kinetor[assays]'"
        ) from exc


def read_blot(path: str | Path) -> np.ndarray:
    """Read a blot image (TIFF via tifffile, PNG/JPEG via scikit-image) as a 2-D array.

    RGB images are rejected (a colour scan mixes channels; export a greyscale image).
    """
    p, fix = Path(path), "export the blot as 8- or 16-bit greyscale TIFF or PNG"
    check_image_file(p, fix)
    _skimage()
    try:
        if p.suffix.lower() in (".tif", ".tiff"):
            import tifffile

            img = tifffile.imread(p)
        else:
            from skimage import io

            img = io.imread(p)
    except (OSError, ValueError, SyntaxError) as exc:  # PIL: SyntaxError on broken chunks
        raise not_an_image(p, fix) from exc
    img = np.squeeze(img)
    if img.ndim != 2:
        raise DataError(
            Problem(
                f"image has shape {img.shape}, expected one greyscale plane",
                file=p.name,
                fix="export the blot as 8- or 16-bit greyscale",
            )
        )
    if img.dtype not in (np.uint8, np.uint16):
        raise DataError(
            Problem(
                f"pixel type {img.dtype} (expected 8 or 16 bit)",
                file=p.name,
                fix="export an unsigned 8- or 16-bit image",
            )
        )
    return img


def _ceiling(img: np.ndarray, saturation: float | None) -> float:
    if saturation is not None:
        return float(saturation)
    return float(np.iinfo(img.dtype).max) if img.dtype.kind == "u" else float(img.max())


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


def _band_rows(signal: np.ndarray, lanes) -> tuple[int, int]:
    cols = np.concatenate([np.arange(a, b) for a, b in lanes])
    prof = signal[:, cols].mean(1)
    prof = prof - np.median(prof)
    peak = int(np.argmax(prof))
    above = prof > 0.05 * prof[peak]
    y0, y1 = peak, peak
    while y0 > 0 and above[y0 - 1]:
        y0 -= 1
    while y1 < len(prof) - 1 and above[y1 + 1]:
        y1 += 1
    pad = max(2, (y1 - y0) // 4)
    return max(0, y0 - pad), min(len(prof), y1 + pad + 1)


def _lane_background(signal, x0, x1, y0, y1, strip):
    top = signal[max(0, y0 - strip) : y0, x0:x1]
    bot = signal[y1 : y1 + strip, x0:x1]
    if top.size == 0 and bot.size == 0:
        raise DataError(
            Problem(
                "no rows above or below the band for a lane background",
                fix="leave a margin around the band or use rolling_ball",
            )
        )
    a = top.mean(0) if top.size else bot.mean(0)
    b = bot.mean(0) if bot.size else a
    ya = y0 - (min(strip, y0) + 1) / 2
    yb = y1 + (min(strip, signal.shape[0] - y1) - 1) / 2
    rows = np.arange(y0, y1)[:, None]
    return a + (b - a) * (rows - ya) / max(yb - ya, 1e-9)


def quantify_blot(
    image: np.ndarray,
    *,
    lanes: Sequence[tuple[int, int]] | None = None,
    n_lanes: int | None = None,
    band: tuple[int, int] | None = None,
    background: Literal["rolling_ball", "lane", "none"] = "rolling_ball",
    radius: int = 40,
    ball_height: float = 0.5,
    strip: int = 5,
    dark_bands: bool = False,
    saturation: float | None = None,
    name: str = "blot",
    labels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Band volume of every lane of one blot image.

    Parameters
    ----------
    image : ndarray
        Greyscale image (8- or 16-bit integers, or float with ``saturation`` given).
    lanes : list of (x0, x1), optional
        Lane column ranges (end exclusive). Default: detected from the column profile of
        the background-flattened signal (10th percentiles of columns, rows, columns).
    n_lanes : int, optional
        Expected number of lanes when detecting (a mismatch is a ``DataError``).
    band : (y0, y1), optional
        Row range of the band. Default: detected around the strongest row of the lanes.
    background : {"rolling_ball", "lane", "none"}
    radius : int
        Rolling-ball radius in pixels (wider than a band).
    ball_height : float
        Intensity semi-axis of the ball as a multiple of the background spread (median
        minus 1st percentile of the signal); flatter balls follow gradients less closely,
        rounder ones rise into bands.
    strip : int
        Rows above and below the band averaged for the lane background.
    dark_bands : bool
        True for dark bands on a light background (film, inverted scans).
    saturation : float, optional
        Raw pixel value at which the detector clips (default: the dtype's maximum; for
        dark bands the clip is at 0).
    name : str
        Blot name written in the table.
    labels : list of str, optional
        Sample label per lane.

    Returns
    -------
    DataFrame
        ``blot, lane, sample, x0, x1, y0, y1, volume, background_volume, n_pixels,
        n_saturated, saturated, flag``; ``attrs["notes"]``: where detected lanes are
        spaced unevenly for their number (a gap of two pitches: a faint lane missed), what
        the spacing implies (also in the ``flag`` of the lanes on either side).
    """
    img = np.asarray(image)
    if img.ndim != 2:
        raise DataError(Problem(f"image has shape {img.shape}", fix="one greyscale plane"))
    for key, v in (("radius", radius), ("n_lanes", 1 if n_lanes is None else n_lanes)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ModelError(f"{key}={v!r}: give a whole number >= 1")
    ceil = _ceiling(img, saturation)
    raw = img.astype(float)
    sat_mask = (raw <= 0) if dark_bands else (raw >= ceil)
    signal = ceil - raw if dark_bands else raw
    if background == "rolling_ball":
        _skimage()
        from scipy.ndimage import uniform_filter
        from skimage.restoration import ellipsoid_kernel, rolling_ball

        # a flat ellipsoid follows gradients without rising into bands; its height scales
        # with the background spread (median - 1st percentile), which bright or saturated
        # bands do not move; the 3 x 3 smoothing is ImageJ's default before rolling
        spread = float(np.median(signal) - np.percentile(signal, 1))
        kernel = ellipsoid_kernel((2 * radius + 1, 2 * radius + 1), max(ball_height * spread, 1.0))
        bg = rolling_ball(uniform_filter(signal, 3), kernel=kernel)
        sig = signal - bg
    elif background in ("lane", "none"):
        bg, sig = None, signal
    else:
        raise DataError(
            Problem(f"unknown background {background!r}", fix="rolling_ball, lane or none")
        )
    notes: list[str] = []
    lane_flags: dict[int, str] = {}
    if lanes is None:
        lanes = _detect_lanes(signal, n_lanes)
        notes, lane_flags = _spacing_notes(lanes)
    lanes = list(lanes)
    problems = [
        Problem(
            f"lane {i + 1} ({a}, {b}) is reversed or empty"
            if a >= b
            else f"lane {i + 1} ({a}, {b}) is outside the image width {img.shape[1]}",
            column="lanes",
            fix=f"lane bounds are 0 <= x0 < x1 <= {img.shape[1]} (the image width)",
        )
        for i, (a, b) in enumerate(lanes)
        if not 0 <= a < b <= img.shape[1]
    ]
    if band is not None and not 0 <= band[0] < band[1] <= img.shape[0]:
        y0, y1 = band
        problems.append(
            Problem(
                f"band rows ({y0}, {y1}) are reversed or empty"
                if y0 >= y1
                else f"band rows ({y0}, {y1}) are outside the image height {img.shape[0]}",
                column="band",
                fix=f"band bounds are 0 <= y0 < y1 <= {img.shape[0]} (the image height)",
            )
        )
    if labels is not None and len(labels) != len(lanes):
        problems.append(
            Problem(
                f"{len(labels)} labels for {len(lanes)} lanes",
                column="labels",
                fix="one label per lane",
            )
        )
    if problems:
        raise DataError(problems)
    y0, y1 = band if band is not None else _band_rows(sig, lanes)
    if bg is not None:
        # the ball rests on noise minima: add back the median residual of band-free rows
        free = np.r_[0 : max(y0 - strip, 0), min(y1 + strip, img.shape[0]) : img.shape[0]]
        if free.size:
            shift = float(np.median(sig[free]))
            bg, sig = bg + shift, sig - shift
    rows = []
    for i, (a, b) in enumerate(lanes):
        box = sig[y0:y1, a:b]
        if background == "lane":
            lbg = _lane_background(signal, a, b, y0, y1, strip)
            box = box - lbg
            bvol = float(lbg.sum())
        else:
            bvol = float(bg[y0:y1, a:b].sum()) if bg is not None else 0.0
        nsat = int(sat_mask[y0:y1, a:b].sum())
        rows.append(
            {
                "blot": name,
                "lane": i + 1,
                "sample": labels[i] if labels is not None else str(i + 1),
                "x0": a,
                "x1": b,
                "y0": y0,
                "y1": y1,
                "volume": float(box.sum()),
                "background_volume": bvol,
                "n_pixels": box.size,
                "n_saturated": nsat,
                "saturated": nsat > 0,
                "flag": "; ".join(
                    t
                    for t in (
                        f"{nsat} saturated pixels: volume under-reports" if nsat else "",
                        lane_flags.get(i, ""),
                    )
                    if t
                ),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["dark_bands"] = dark_bands
    out.attrs["notes"] = notes
    return out
