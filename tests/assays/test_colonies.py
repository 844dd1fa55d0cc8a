"""Colony counting on synthetic plates with known counts."""

import numpy as np
import pandas as pd
import pytest
from colony_synth import plate

from kinetor.assays.colonies import count_colonies
from kinetor.cli.main import main
from kinetor.errors import DataError


@pytest.mark.parametrize(
    ("kw", "radius"),
    [
        ({"n": 50}, 7),
        ({"n": 150, "seed": 1}, 7),
        ({"n": 300, "r": (4, 6), "seed": 5}, 5),
        ({"n": 100, "debris": 200, "seed": 3}, 7),  # 1-2 px specks are not colonies
        ({"n": 40, "touching": 15, "seed": 2}, 7),  # 15 touching pairs split by the watershed
    ],
)
def test_counts_equal_the_planted_colonies(kw, radius):
    img, truth = plate(**kw)
    res = count_colonies(img, radius=radius)
    assert res.count == truth
    assert len(res.objects) == truth and not res.objects["clump"].any()


def test_empty_plate_and_bright_colonies():
    img, truth = plate(0, seed=4)
    assert truth == 0 and count_colonies(img, radius=7).count == 0
    img, truth = plate(60, seed=6)
    assert count_colonies(255 - img, radius=7, dark=False).count == truth


def test_clump_is_flagged_and_counted_by_area():
    img, truth = plate(30, seed=7)
    yy, xx = np.mgrid[:400, :400]
    # a lawn of four colonies' area (radius 2 x 7 px) in a free corner
    img[(yy - 380) ** 2 + (xx - 380) ** 2 <= 14**2] = 60
    res = count_colonies(img, radius=7)
    clumps = res.objects[res.objects["clump"]]
    assert len(clumps) == 1 and clumps["colonies"].iat[0] in (3, 4, 5)
    assert res.count == truth + clumps["colonies"].iat[0]


def test_dish_mask_and_bad_input():
    img, _ = plate(80, seed=8)
    full = count_colonies(img, radius=7)
    inner = count_colonies(img, radius=7, dish=(200, 200, 150))
    inside = np.hypot(full.objects["row"] - 200, full.objects["col"] - 200) < 150 - 10
    assert inside.sum() <= inner.count < full.count
    with pytest.raises(DataError, match="2-D image"):
        count_colonies(np.zeros(5), radius=7)
    with pytest.raises(DataError, match="radius"):
        count_colonies(img, radius=0)


def test_colonies_cli_writes_counts_and_clonogenic_input(tmp_path):
    from skimage import io

    names = []
    for i, n in enumerate([60, 30]):
        img, _ = plate(n, seed=10 + i)
        io.imsave(tmp_path / f"p{i}.png", img, check_contrast=False)
        names.append(f"p{i}.png")
    lay = tmp_path / "layout.csv"
    pd.DataFrame({"image": names, "group": "ctrl", "dose": [0, 2], "seeded": [200, 200]}).to_csv(
        lay, index=False
    )
    out = tmp_path / "o"
    assert (
        main(
            [
                "--quiet",
                "assay",
                "colonies",
                *[str(tmp_path / n) for n in names],
                "--radius",
                "7",
                "--layout",
                str(lay),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    counts = pd.read_csv(out / "colony_counts.csv")
    assert counts["colonies"].tolist() == [60, 30]
    cin = pd.read_csv(out / "clonogenic_input.csv")
    assert cin["colonies"].tolist() == [60, 30] and (out / "colonies_p0.png").exists()
    pd.DataFrame({"image": ["p9.png"], "group": "g", "dose": 0, "seeded": 1}).to_csv(
        lay, index=False
    )
    assert (
        main(
            [
                "--quiet",
                "assay",
                "colonies",
                str(tmp_path / names[0]),
                "--layout",
                str(lay),
                "--out",
                str(out),
            ]
        )
        == 3
    )
    assert (
        main(
            [
                "--quiet",
                "assay",
                "colonies",
                str(tmp_path / names[0]),
                "--dish",
                "1,2",
                "--out",
                str(out),
            ]
        )
        == 2
    )
