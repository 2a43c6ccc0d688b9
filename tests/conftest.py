"""Shared fixtures: the resolved default config and the --update-golden switch."""

from __future__ import annotations

import os
from pathlib import Path

# Before numpy loads (scrapeclean imports it): the line model's matrices are small, and
# OpenBLAS's threads only fight the tests for 2 cores (training the test model took 37 s of
# CPU with them, 12 s without, on the loaded machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest

from scrapeclean.pipeline.job.config import load_config
from scrapeclean.transforms.config import RunConfig

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
# Two worker processes whatever the input's size: Beam's own flags. `--workers 2` runs a small
# input (the seeds, a test folder) in-process (pipeline/job/parallelism.py).
TWO_WORKERS = ("--direct_num_workers=2", "--direct_running_mode=multi_processing")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="re-pin tests/golden/*.json from the current output (review the diff like code)",
    )


@pytest.fixture(scope="session")
def config() -> RunConfig:
    """The config a plain `scrapeclean run` resolves: defaults + configs/default.yaml."""
    return load_config()


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
