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
    """The default run (``variance="symmetric"``): kinetor-only behaviour."""
    from kinetor.screens import screen_test

    return screen_test(
        demo1, treatment="HL60.final,KBM7.final", control="HL60.initial,KBM7.initial"
    )


@pytest.fixture(scope="session")
def demo1_mageck(demo1):
    """``variance="mageck"``: MAGeCK's model and null, for comparisons with MAGeCK output."""
    from kinetor.screens import screen_test

    return screen_test(
        demo1,
        treatment="HL60.final,KBM7.final",
        control="HL60.initial,KBM7.initial",
        variance="mageck",
    )
