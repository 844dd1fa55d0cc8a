"""Session-wide fixtures, the test tiers and the hypothesis profile.

Tiers: ``make test`` runs everything; ``make test-fast`` runs ``-m "not slow"``. A test is
slow when it is marked ``@pytest.mark.slow`` in its file, or when its id is listed in
``SLOW`` below (tests measured at over ~2 s that live in files other work is editing, so
that the mark does not have to touch them). ``SLOW`` entries are node-id prefixes:
a file, a test, or a parametrised test without its brackets.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# No timed assertions: hypothesis's per-example deadline (200 ms) fails tests on a busy
# machine, so it is off unless a test sets its own.
settings.register_profile("kinetor", deadline=None)
settings.load_profile("kinetor")

SLOW: tuple[str, ...] = (
    # the flagship demo (one run per session, shared by these tests)
    "tests/test_demo.py",
    # README blocks: NCA, fits, reports, the network
    "tests/test_readme.py",
    # pk fits over simulated studies (coverage of CIs, M3 over heavy BLQ)
    "tests/pk/test_pk_fit.py::test_wls_confidence_intervals_cover_at_the_nominal_rate",
    "tests/pk/test_pk_fit.py::test_m3_reduces_bias_of_naive_pooled_fits_with_heavy_blq",
    "tests/pk/test_pk_fit.py::test_iv_only_profiles_do_not_estimate_ka_with_an_oral_model",
    "tests/pk/test_pk_fit.py::test_individual_fits_from_a_study_with_blq",
    "tests/pk/test_pk_fit_diagnostics.py::test_every_failure_is_reported_in_every_table",
    "tests/pk/test_pk_cli.py::test_simulate_pk_writes_tidy_csvs",
    "tests/pk/test_pk_cli.py::test_fit_writes_parameters_and_predictions",
    # hypothesis round trips (many generated studies/regimens)
    "tests/data/test_data_writers.py::test_round_trip_property",
    "tests/pk/test_pk_regimen.py::test_round_trip_property",
)


def pytest_collection_modifyitems(config, items):
    root = Path(str(config.rootpath))
    for item in items:
        try:
            rel = Path(str(item.path)).relative_to(root).as_posix()
        except ValueError:
            continue
        node = rel + item.nodeid[item.nodeid.find("::"):] if "::" in item.nodeid else rel
        base = node.split("[", 1)[0]
        if any(base == s or base.startswith(s + "::") or rel == s for s in SLOW):
            item.add_marker(pytest.mark.slow)


@dataclass(frozen=True)
class DemoRun:
    """One ``kinetor --json demo`` run: its output folder, JSON payload and exit code."""

    out: Path
    payload: dict
    code: int


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """The demo, run once per test session through the real CLI (``--json``)."""
    from kinetor.cli.main import main

    out = tmp_path_factory.mktemp("demo")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["--json", "demo", "--out", str(out)])
    text = buffer.getvalue()
    return DemoRun(out=out, payload=json.loads(text) if code == 0 else {}, code=code)
