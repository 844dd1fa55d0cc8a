from pathlib import Path

import pytest

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIX


@pytest.fixture(scope="session")
def demo1():
    from kinetor.screens import read_counts

    return read_counts(FIX / "demo1_count_table.txt")


@pytest.fixture(scope="session")
def demo1_result(demo1):
    from kinetor.screens import screen_test

    return screen_test(
        demo1, treatment="HL60.final,KBM7.final", control="HL60.initial,KBM7.initial"
    )
