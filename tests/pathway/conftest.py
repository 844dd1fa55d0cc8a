"""Shared fixtures of the pathway tests: the evidence tables as the loader returns them."""

import pytest

from kinetor.pathway.evidence import load_observations, load_publications


@pytest.fixture(scope="session")
def obs():
    """Every observation (parts A-D), checked by the loader."""
    return load_observations()


@pytest.fixture(scope="session")
def pubs():
    """Every publication (parts A-D), checked by the loader."""
    return load_publications()
