"""Fixtures for the assay tests."""

import pytest
from assay_synth import grid_csv, map_rows, plate_values


@pytest.fixture
def plate_files(tmp_path):
    plate = tmp_path / "plate.csv"
    plate.write_text(grid_csv(plate_values()))
    pmap = tmp_path / "map.csv"
    pmap.write_text("\n".join(map_rows()) + "\n")
    return plate, pmap
