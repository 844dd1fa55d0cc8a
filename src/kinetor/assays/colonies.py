"""Colony counting from images of clonogenic plates (scikit-image).

Steps, each a standard image-analysis operation:

1. Greyscale image; stained colonies dark on a light dish (``dark=True``, crystal violet
   photographs) are inverted so that colonies are bright.
2. Uneven illumination is removed by subtracting a Gaussian blur of ``sigma = 8 x`` the
   expected colony radius (a smooth background estimate far wider than a colony), taken
   over the dish's pixels only (a normalised convolution, ``blur(image x dish) /
   blur(dish)``), so the surround outside a given ``dish`` does not enter it.
3. Foreground by Otsu's threshold, raised to at least 6 robust SDs (1.4826 x MAD) above
   the dish's median so that an empty plate's noise is not split into objects (or a given
   ``threshold`` on the flattened image), computed from and applied to the dish's pixels
   only (a circle ``dish=(row, col, radius)``, default the whole image);
   holes filled; objects under ``min_area`` pixels dropped (debris).
4. Touching colonies are split by a watershed on the distance transform, seeded by its
   local maxima at least ``radius`` pixels apart (the usual split of merged round
   objects). Objects larger than ``clump_factor x`` the median colony area after the
   split are flagged as clumps and counted as ``round(area / median area)`` colonies.

The count is a measurement with known failure modes (colonies that merge into a lawn,
very small or faint colonies, debris the size of a colony): every object is listed with
its area and the clump flag, and an annotated image is written by the CLI, so counts can
be checked by eye. The 50-cell colony criterion of the clonogenic assay (Franken NAP et al.
2006 Nat Protoc 1:2315, doi:10.1038/nprot.2006.339) is the user's to translate into
``min_area`` for their magnification.

Examples
--------
>>> import numpy as np
>>> img = np.full((60, 60), 200, np.uint8)
>>> yy, xx = np.mgrid[:60, :60]
>>> for r, c in [(15, 15), (15, 45), (45, 30)]:
...     img[(yy - r) ** 2 + (xx - c) ** 2 <= 36] = 40      # three dark colonies
>>> count_colonies(img, radius=6).count
3
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.assays._images import check_image_file, not_an_image
from kinetor.errors import DataError, ModelError, Problem

__all__ = ["ColonyCount", "count_colonies", "read_plate_image"]


@dataclass
class ColonyCount:
    """Result of :func:`count_colonies`.

    Attributes
    ----------
    count : int
        Colonies (clumps counted as several).
    objects : pandas.DataFrame
        One row per object: ``label, row, col, area, colonies, clump``.
    labels : numpy.ndarray
        Label image (0 = background).
    threshold : float
        Threshold used on the flattened image.
    notes : list of str
        Warnings about the image (a surround that the dish should exclude, one object
        covering much of the frame): the count is then not to be trusted as it stands.
    """

    count: int
    objects: pd.DataFrame
    labels: np.ndarray
    threshold: float
    notes: list[str] = field(default_factory=list)


def _surround_note(img: np.ndarray) -> str | None:
    """A note when the frame's border is at another grey level than its centre (by > 6
    robust SDs of the centre) over >= 10 % of the image: a bench or dish wall around the
    dish, which then sets the threshold and the background instead of the dish."""
    h, w = img.shape
    e = max(2, min(h, w) // 50)
    border = np.r_[img[:e].ravel(), img[-e:].ravel(), img[:, :e].ravel(), img[:, -e:].ravel()]
    centre = img[h // 4 : h - h // 4, w // 4 : w - w // 4]
    mb, mc = float(np.median(border)), float(np.median(centre))
    noise = 1.4826 * float(np.median(np.abs(centre - mc)))
    share = float(np.mean(np.abs(img - mb) < np.abs(img - mc)))
    if abs(mb - mc) <= 6 * noise or share < 0.1:
        return None
    return (
        f"{share:.0%} of the image is at the grey level of its border, not of its centre: "
        "a surround outside the dish distorts the threshold and the count; give the dish "
        "(--dish ROW,COL,RADIUS, or dish=(row, col, radius))"
    )


def read_plate_image(path: str | Path) -> np.ndarray:
    """A plate photograph or scan as a 2-D float array (RGB averaged to grey)."""
    from skimage import io

    p, fix = Path(path), "give a PNG, JPEG or TIFF image of one plate"
    check_image_file(p, fix)
    try:
        img = np.asarray(io.imread(p), dtype=float)
    except (OSError, ValueError, SyntaxError) as exc:  # PIL: SyntaxError on broken chunks
        raise not_an_image(p, fix) from exc
    img = np.squeeze(img)
    if img.ndim == 3 and img.shape[-1] in (3, 4):
        img = img[..., :3].mean(axis=-1)
    if img.ndim != 2:
        raise DataError(
            Problem(
                f"image has shape {img.shape}, expected a 2-D picture",
                file=p.name,
                fix="export one plate per image",
            )
        )
    return img


def count_colonies(
    image: np.ndarray,
    *,
    radius: float = 8.0,
    dark: bool = True,
    min_area: float | None = None,
    threshold: float | None = None,
    dish: tuple[float, float, float] | None = None,
    clump_factor: float = 2.5,
) -> ColonyCount:
    """Count colonies in one plate image.

    Parameters
    ----------
    image : ndarray
        2-D greyscale image.
    radius : float
        Expected colony radius in pixels (sets the background scale and the minimum
        distance between the centres of touching colonies).
    dark : bool
        Colonies darker than the dish (stained colonies on a light background).
    min_area : float, optional
        Smallest object counted (pixels); default a quarter of ``pi radius^2``.
    threshold : float, optional
        Foreground threshold on the flattened image (default Otsu).
    dish : (row, col, radius), optional
        Circular dish; pixels outside are ignored.
    clump_factor : float
        Objects larger than this multiple of the median area are clumps.
    """
    from scipy import ndimage as ndi
    from skimage import filters, measure, segmentation
    from skimage.feature import peak_local_max

    img = np.asarray(image, dtype=float)
    if img.ndim != 2 or min(img.shape) < 8:
        raise DataError(
            Problem(
                f"expected a 2-D image, got shape {img.shape}", fix="give one greyscale plate image"
            )
        )
    if not radius > 0:
        raise DataError(
            Problem(
                f"radius must be > 0 pixels, got {radius}",
                fix="give the expected colony radius in pixels",
            )
        )
    if min_area is not None and not 0 < min_area < np.inf:
        raise ModelError(f"min_area={min_area!r}: the smallest object counted must be > 0 pixels")
    if dish is not None and not (len(dish) == 3 and 0 < dish[2] < np.inf):
        raise ModelError(f"dish={tuple(dish)!r}: give (row, col, radius) with a radius > 0 pixels")
    if dark:
        img = img.max() - img
    notes = [] if dish is not None else [n for n in [_surround_note(img)] if n]
    inside = np.ones(img.shape, dtype=bool)
    if dish is not None:
        yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
        inside = (yy - dish[0]) ** 2 + (xx - dish[1]) ** 2 <= dish[2] ** 2
        if inside.sum() < 64:
            raise DataError(
                Problem(
                    f"the dish {tuple(dish)} covers {int(inside.sum())} pixels of the"
                    f" {img.shape[0]} x {img.shape[1]} image",
                    column="dish",
                    fix="give the dish in pixels of this image: --dish ROW,COL,RADIUS,"
                    " or dish=(row, col, radius) in Python",
                )
            )
    # background from dish pixels only (normalised convolution: blur(img x mask) /
    # blur(mask)), so a darker or brighter surround does not leak into the dish
    weight = ndi.gaussian_filter(inside.astype(float), sigma=8.0 * radius, mode="nearest")
    smooth = ndi.gaussian_filter(np.where(inside, img, 0.0), sigma=8.0 * radius, mode="nearest")
    flat = img - smooth / np.maximum(weight, 1e-12)
    vals = flat[inside]
    if threshold is None:
        # Otsu, but never within the dish's own noise (an empty plate has no colonies):
        # at least 6 robust SDs above the median, which is the dish while colonies cover
        # less than half of it
        med = float(np.median(vals))
        noise = 1.4826 * float(np.median(np.abs(vals - med)))
        thr = max(float(filters.threshold_otsu(vals)), med + 6.0 * noise)
    else:
        thr = float(threshold)
    fg = ndi.binary_fill_holes((flat > thr) & inside)
    min_area = np.pi * radius**2 / 4 if min_area is None else float(min_area)
    dist = ndi.distance_transform_edt(fg)
    lab0, _ = ndi.label(fg)
    peaks = peak_local_max(
        dist, min_distance=max(1, round(radius * 0.8)), labels=lab0, exclude_border=False
    )
    markers = np.zeros(fg.shape, dtype=int)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    labels = segmentation.watershed(-dist, markers, mask=fg)
    # objects without a peak (tiny) keep their own label
    missing = fg & (labels == 0)
    if missing.any():
        extra, _ = ndi.label(missing)
        labels[missing] = extra[missing] + labels.max()
    props = measure.regionprops(labels)
    rows = [(p.label, p.centroid[0], p.centroid[1], p.area) for p in props if p.area >= min_area]
    obj = pd.DataFrame(rows, columns=["label", "row", "col", "area"])
    keep = np.isin(labels, obj["label"].to_numpy())
    labels = np.where(keep, labels, 0)
    if len(obj):
        med = float(np.median(obj["area"]))
        obj["clump"] = obj["area"] > clump_factor * med
        obj["colonies"] = np.where(obj["clump"], np.round(obj["area"] / med), 1).astype(int)
    else:
        obj["clump"], obj["colonies"] = pd.Series(dtype=bool), pd.Series(dtype=int)
    big = obj["area"].max() / inside.sum() if len(obj) else 0.0
    if big >= 0.1:
        notes.append(
            f"one object covers {big:.0%} of the analysed area (a lawn, or the surround of "
            "the dish?): check the annotated image; give the dish if the frame shows more "
            "than the dish (--dish ROW,COL,RADIUS)"
        )
    return ColonyCount(int(obj["colonies"].sum()), obj, labels, thr, notes)


def plot_colonies(
    image: np.ndarray, res: ColonyCount, path: str | Path | None = None, title: str = ""
):
    """The plate with each counted object outlined (clumps in red) and the count.

    Returns a ``matplotlib.figure.Figure`` (:mod:`kinetor._figures`); ``path`` (optional)
    also writes it with :func:`kinetor._figures.save_figure`.
    """
    from skimage.segmentation import find_boundaries

    from kinetor._figures import new_figure, save_figure

    fig, ax = new_figure(5, 5, squeeze=True, layout="tight")
    ax.imshow(image, cmap="gray")
    edge = find_boundaries(res.labels, mode="outer")
    clump = np.isin(res.labels, res.objects.loc[res.objects["clump"], "label"].to_numpy())
    over = np.zeros((*edge.shape, 4))
    over[edge & ~clump] = (1, 1, 0, 1)
    over[find_boundaries(np.where(clump, res.labels, 0), mode="outer")] = (1, 0, 0, 1)
    ax.imshow(over)
    ax.set_title(f"{title}: {res.count} colonies (red = clump, counted by area)", fontsize=8)
    ax.set_axis_off()
    if path is not None:
        save_figure(fig, path)
    return fig
