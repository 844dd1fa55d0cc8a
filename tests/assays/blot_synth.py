"""Synthetic Western blots with known band volumes (generated in the tests)."""

import numpy as np

LANE_W, GAP, X0 = 24, 12, 20


def lanes(n):
    return [(X0 + i * (LANE_W + GAP), X0 + i * (LANE_W + GAP) + LANE_W) for i in range(n)]


def blot(
    amplitudes,
    *,
    shape=(120, 340),
    band_y=60,
    sigma_y=3.0,
    gradient=(2.0, 1.5),
    offset=800.0,
    noise=3.0,
    seed=0,
    dtype=np.uint16,
    ceiling=None,
):
    """Bright bands: flat across the lane, Gaussian down it, on a sloped background.

    Returns (image, true volumes above background, true clipped flag per lane).
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    img = offset + gradient[0] * xx + gradient[1] * yy
    prof = np.exp(-0.5 * ((np.arange(h) - band_y) / sigma_y) ** 2)
    truth = []
    for amp, (a, b) in zip(amplitudes, lanes(len(amplitudes)), strict=True):
        img[:, a:b] += amp * prof[:, None]
        truth.append(amp * prof.sum() * (b - a))
    img += rng.normal(0, noise, img.shape)
    top = np.iinfo(dtype).max if ceiling is None else ceiling
    clipped = [bool((img[:, a:b] >= top).any()) for a, b in lanes(len(amplitudes))]
    img = np.clip(np.round(img), 0, top).astype(dtype)
    return img, np.array(truth), clipped
