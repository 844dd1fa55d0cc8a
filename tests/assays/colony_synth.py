"""Synthetic clonogenic plates with a known number of colonies (generated in the tests)."""

import numpy as np


def plate(n, *, size=400, r=(5.0, 9.0), touching=0, seed=0, gradient=40.0, noise=6.0, debris=0):
    """Dark round colonies on a light dish with an illumination gradient.

    ``n`` separate colonies (gaps >= 3 px), ``touching`` extra pairs whose discs touch
    (centre distance 1.7 x the radius), ``debris`` specks of 1-2 px. Returns (image uint8,
    true colony count).
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size].astype(float)
    img = 200.0 + gradient * (xx / size - 0.5) + 0.5 * gradient * (yy / size - 0.5)
    placed = []

    def free(c, rad, pad):
        return all(np.hypot(c[0] - p[0], c[1] - p[1]) > rad + q + pad for p, q in placed)

    def disc(c, rad):
        m = (yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= rad**2
        img[m] = 60.0 + rng.normal(0, 8)
        placed.append((c, rad))

    tries = 0
    while len(placed) < n and tries < 100000:
        tries += 1
        rad = rng.uniform(*r)
        c = rng.uniform(rad + 4, size - rad - 4, 2)
        if free(c, rad, 3):
            disc(c, rad)
    pairs = 0
    while pairs < touching and tries < 200000:
        tries += 1
        rad = rng.uniform(*r)
        c = rng.uniform(3 * rad + 4, size - 3 * rad - 4, 2)
        ang = rng.uniform(0, 2 * np.pi)
        c2 = c + 1.7 * rad * np.array([np.sin(ang), np.cos(ang)])
        if free(c, rad, 3) and free(c2, rad, 3) and np.hypot(*(c - c2)) > 0:
            disc(c, rad)
            disc(c2, rad)
            pairs += 1
    for _ in range(debris):
        c = rng.uniform(5, size - 5, 2)
        img[(yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= 1.5] = 80.0
    img += rng.normal(0, noise, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8), len(placed)
