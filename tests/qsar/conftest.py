"""Shared fixtures of the QSAR tests (small ChEMBL subsets, see fixtures/SOURCE.md)."""

from pathlib import Path

import pandas as pd
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def mtor_subset() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "mtor_subset.csv")


@pytest.fixture(scope="session")
def pi3ka_subset() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "pi3ka_subset.csv")


@pytest.fixture(scope="session")
def ace_subset() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "moleculeace_subset.csv")
