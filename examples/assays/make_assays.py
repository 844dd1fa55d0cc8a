"""Generate the example assay inputs of ``examples/assays/`` (seeded, reproducible).

Nothing here is measured data; every value comes from the closed forms below with seeded
normal noise (numpy Generator, seed 20240601). Run ``python examples/assays/make_assays.py``
to rewrite every file next to this script.

* ``plate.csv`` + ``map.csv``: one 96-well reader export. Column 1 vehicle (10,000 counts),
  column 12 positive control (500), rows A-C compound cmpdA, D-F cmpdB (replicates 1-3) at
  0.001-30 uM in columns 2-11, rows G-H empty (400). Wells: 500 + 9500 / (1 + c / IC50),
  IC50 0.1 uM (cmpdA) and 1 uM (cmpdB), hill 1, 3 % normal noise per well.
* ``drc.csv``: tidy viability (% of vehicle) of cmpdA and cmpdB, 8 doses 0.01-30 uM in
  triplicate: 100 / (1 + (c / IC50)^h), IC50 0.3 / 3 uM, h 1 / 1.5, noise SD 3 points.
* ``matrix.csv``: a 6 x 6 combination matrix (d1 0-3 uM, d2 0-10 uM, vehicle cell and
  monotherapy row and column included), viability in % of vehicle in two replicate
  columns r1, r2. Single agents 1 / (1 + (d1 / 0.3)^1.2) and 1 / (1 + d2 / 1); combination
  cells (E1 E2)^1.15 (more kill than Bliss independence: synergy); noise SD 3 points.
* ``pAKT.tif`` / ``AKT.tif``: 16-bit blots, 3 lanes (x 20:44, 56:80, 92:116), bright
  Gaussian bands (row 60, SD 3 px) on a sloped background (800 + 2 x + 1.5 y, noise SD 3).
  Amplitudes pAKT 1000, 600, 300; AKT 2000, 2000, 2500: true phospho/total relative to
  the first lane 1, 0.6, 0.24.
* ``dilution.tif``: the same layout, amplitudes 250, 500, 1000 (loads 5, 10, 20 ug: linear).
* ``pS6_r1.tif``, ``pS6_r2.tif`` / ``S6_r1.tif``, ``S6_r2.tif``: two replicate blots,
  pS6 amplitudes 1000, 600, 300 and 1200, 660, 420 over S6 2000, 2000, 2000 and
  2000, 2200, 2800: true relative ratios 1, 0.6, 0.3 and 1, 0.5, 0.25. ``lanes.csv``
  gives each lane's everolimus dose (0, 1, 10 nM) and time (24 h).
* ``plate_0Gy.png`` ... ``plate_6Gy.png``: 240 x 240 px 8-bit dish images with 90, 60,
  30 and 12 dark round colonies (radius 5-9 px, at least 3 px apart), an illumination
  gradient, noise SD 6 and 40 debris specks of 1-2 px; ``layout.csv`` gives the dose and
  the cells seeded (200, 300, 500, 1000).
* ``cfa.csv``: a clonogenic assay by hand counts, groups vehicle and sensitiser, 0-8 Gy,
  three dishes each; colonies drawn binomially with plating efficiency 0.6 and the
  linear-quadratic survival exp(-alpha D - beta D^2), alpha 0.2 / 0.4 per Gy, beta 0.03
  per Gy^2.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import tifffile
from PIL import Image

HERE = Path(__file__).parent
rng = np.random.default_rng(20240601)

# --- plate + map ---------------------------------------------------------------------
LETTERS = "ABCDEFGH"
CONCS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
grid = np.full((8, 12), 400.0)
grid[:, 0], grid[:, 11] = 10000.0, 500.0
for r in range(6):
    ic50 = 0.1 if r < 3 else 1.0
    grid[r, 1:11] = 500.0 + 9500.0 / (1 + np.array(CONCS) / ic50)
grid *= 1 + 0.03 * rng.standard_normal(grid.shape)
lines = ["Reader export (simulated),,", "", "plate1," + ",".join(str(c) for c in range(1, 13))]
lines += [LETTERS[r] + "," + ",".join(f"{v:.0f}" for v in row) for r, row in enumerate(grid)]
(HERE / "plate.csv").write_text("\n".join(lines) + "\n")
rows = ["well,role,compound,concentration,replicate"]
for r, letter in enumerate(LETTERS):
    rows += [f"{letter}01,vehicle,,,", f"{letter}12,positive,,,"]
    for c in range(10):
        if r < 6:
            comp = "cmpdA" if r < 3 else "cmpdB"
            rows.append(f"{letter}{c + 2:02d},sample,{comp},{CONCS[c]},{r % 3 + 1}")
        else:
            rows.append(f"{letter}{c + 2:02d},empty,,,")
(HERE / "map.csv").write_text("\n".join(rows) + "\n")

# --- tidy dose-response -----------------------------------------------------------------
doses = np.array([0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30])
recs = []
for comp, ic50, h in (("cmpdA", 0.3, 1.0), ("cmpdB", 3.0, 1.5)):
    for rep in (1, 2, 3):
        v = 100 / (1 + (doses / ic50) ** h) + rng.normal(0, 3, doses.size)
        recs += [(comp, d, rep, round(x, 2)) for d, x in zip(doses, v, strict=True)]
pd.DataFrame(recs, columns=["compound", "conc", "replicate", "viability"]).to_csv(
    HERE / "drc.csv", index=False
)

# --- combination matrix -----------------------------------------------------------------
d1s = np.array([0, 0.03, 0.1, 0.3, 1, 3])
d2s = np.array([0, 0.1, 0.3, 1, 3, 10])
recs = []
for d1 in d1s:
    for d2 in d2s:
        e = 1 / (1 + (d1 / 0.3) ** 1.2) * (1 / (1 + d2 / 1.0))
        if d1 > 0 and d2 > 0:
            e = e**1.15
        r1, r2 = 100 * e + rng.normal(0, 3, 2)
        recs.append((d1, d2, round(r1, 2), round(r2, 2)))
pd.DataFrame(recs, columns=["d1", "d2", "r1", "r2"]).to_csv(HERE / "matrix.csv", index=False)


# --- Western blots ----------------------------------------------------------------------
def blot(amplitudes, shape=(120, 130), seed_noise=3.0):
    """Bright Gaussian bands (row 60, SD 3 px), flat across 24-px lanes, sloped background."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    img = 800.0 + 2.0 * xx + 1.5 * yy
    prof = np.exp(-0.5 * ((np.arange(h) - 60) / 3.0) ** 2)
    for i, amp in enumerate(amplitudes):
        a = 20 + 36 * i
        img[:, a : a + 24] += amp * prof[:, None]
    img += rng.normal(0, seed_noise, img.shape)
    return np.clip(np.round(img), 0, 65535).astype(np.uint16)


for name, amps in (
    ("pAKT", [1000, 600, 300]),
    ("AKT", [2000, 2000, 2500]),
    ("dilution", [250, 500, 1000]),
    ("pS6_r1", [1000, 600, 300]),
    ("S6_r1", [2000, 2000, 2000]),
    ("pS6_r2", [1200, 660, 420]),
    ("S6_r2", [2000, 2200, 2800]),
):
    tifffile.imwrite(HERE / f"{name}.tif", blot(amps), compression="zlib")
(HERE / "lanes.csv").write_text("sample,dose,time\nveh,0,24\nlo,1,24\nhi,10,24\n")


# --- colony plates ----------------------------------------------------------------------
def plate(n, size=240, radii=(5.0, 9.0), debris=40):
    """Dark round colonies (grey ~60) on a light dish (~200) with a gradient and noise."""
    yy, xx = np.mgrid[:size, :size].astype(float)
    img = 200.0 + 40 * (xx / size - 0.5) + 20 * (yy / size - 0.5)
    placed = []
    while len(placed) < n:
        rad = rng.uniform(*radii)
        c = rng.uniform(rad + 4, size - rad - 4, 2)
        if all(np.hypot(*(c - p)) > rad + q + 3 for p, q in placed):
            img[(yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= rad**2] = 60.0 + rng.normal(0, 8)
            placed.append((c, rad))
    for _ in range(debris):
        c = rng.uniform(5, size - 5, 2)
        img[(yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= 1.5] = 80.0
    img += rng.normal(0, 6, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


layout = ["image,group,dose,seeded"]
for dose, n, seeded in ((0, 90, 200), (2, 60, 300), (4, 30, 500), (6, 12, 1000)):
    Image.fromarray(plate(n)).save(HERE / f"plate_{dose}Gy.png", optimize=True)
    layout.append(f"plate_{dose}Gy.png,vehicle,{dose},{seeded}")
(HERE / "layout.csv").write_text("\n".join(layout) + "\n")

# --- clonogenic counts ------------------------------------------------------------------
recs = []
for group, alpha in (("vehicle", 0.2), ("sensitiser", 0.4)):
    for dose, seeded in ((0, 200), (2, 400), (4, 1000), (6, 4000), (8, 10000)):
        sf = np.exp(-alpha * dose - 0.03 * dose**2)
        for _ in range(3):
            recs.append((group, dose, seeded, int(rng.binomial(seeded, 0.6 * sf))))
pd.DataFrame(recs, columns=["group", "dose", "seeded", "colonies"]).to_csv(
    HERE / "cfa.csv", index=False
)
print("wrote", ", ".join(sorted(p.name for p in HERE.iterdir() if p.suffix != ".py")))
