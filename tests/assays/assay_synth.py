"""Synthetic plates for the assay tests (values from closed forms, seeded noise)."""

import numpy as np

LETTERS = "ABCDEFGH"
CONCS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]  # uM, columns 2-11
TRUE_IC50 = {"X": 0.1, "Y": 1.0}
VEH, POS = 10000.0, 500.0


def plate_values(noise=0.0, seed=0):
    """96-well grid: column 1 vehicle, column 12 positive control; rows A-C compound X,
    D-F compound Y (replicates 1-3), rows G-H empty (medium only, reading 400)."""
    rng = np.random.default_rng(seed)
    grid = np.full((8, 12), 400.0)
    grid[:, 0], grid[:, 11] = VEH, POS
    for r in range(6):
        ic50 = TRUE_IC50["X" if r < 3 else "Y"]
        c = np.array(CONCS)
        grid[r, 1:11] = POS + (VEH - POS) / (1 + c / ic50)
    return grid * (1 + noise * rng.standard_normal(grid.shape))


def grid_csv(grid, label="plate1", header_lines=("Reader export v1", "")):
    lines = list(header_lines)
    lines.append(f"{label}," + ",".join(str(c) for c in range(1, grid.shape[1] + 1)))
    for r, row in enumerate(grid):
        lines.append(
            "ABCDEFGHIJKLMNOP"[r] + "," + ",".join("" if np.isnan(v) else f"{v:.6f}" for v in row)
        )
    return "\n".join(lines) + "\n"


def map_rows():
    rows = ["well,role,compound,concentration,replicate"]
    for r, letter in enumerate(LETTERS):
        rows.append(f"{letter}01,vehicle,,,")
        rows.append(f"{letter}12,positive,,,")
        for c in range(10):
            if r < 6:
                comp = "X" if r < 3 else "Y"
                rows.append(f"{letter}{c + 2:02d},sample,{comp},{CONCS[c]},{r % 3 + 1}")
            else:
                rows.append(f"{letter}{c + 2:02d},empty,,,")
    return rows
