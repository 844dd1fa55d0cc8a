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
on it is NaN with the reason, because a clipped band under-reports. A float image has no
ceiling of its own: saturation is flagged only with ``saturation=`` (a note says so). A
negative volume (band below its background) is flagged; its ratios are NaN with a note.

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
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from kinetor.assays._images import check_image_file, not_an_image
from kinetor.assays._lanes import _detect_lanes, _spacing_notes
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


def _ceiling(img: np.ndarray, saturation: float | None) -> tuple[float, float]:
    """(value that inverts dark bands, detector ceiling): a float image without
    ``saturation`` is inverted about its maximum and has no known ceiling (inf)."""
    if saturation is not None:
        return float(saturation), float(saturation)
    if img.dtype.kind in "ui":
        top = float(np.iinfo(img.dtype).max)
        return top, top
    return float(img.max()), np.inf


_NO_CEILING = (
    "float image without saturation=: the detector ceiling is unknown, saturation is not "
    "checked (pass saturation= to flag clipped bands)"
)


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
        dark bands the clip is at 0). A float image has no default: without it no band
        is flagged saturated (a note in ``attrs["notes"]`` says so).
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
    ceil, clip = _ceiling(img, saturation)
    raw = img.astype(float)
    sat_mask = ((raw <= 0) if dark_bands else (raw >= clip)) & np.isfinite(clip)
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
    notes = [] if np.isfinite(clip) else [_NO_CEILING]
    lane_flags: dict[int, str] = {}
    if lanes is None:
        lanes = _detect_lanes(signal, n_lanes)
        spacing, lane_flags = _spacing_notes(lanes)
        notes += spacing
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
                        "volume < 0: band below its background" if box.sum() < 0 else "",
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
