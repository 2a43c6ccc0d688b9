"""Scale-out proof (issue 5): the same CLI run on Beam's portable path, through the Python job
service with separate EXTERNAL worker processes (as Flink/Spark/Dataflow run it), and with
--workers 2, gives exactly the rows of the in-process FnApiRunner."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from tests.conftest import SEEDS, TWO_WORKERS

VENV_BIN = str(Path(sys.executable).parent)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def portable_endpoints() -> Iterator[tuple[int, int]]:
    """A local job service and a worker pool, as separate processes on loopback ports."""
    # worker_pool_main starts workers as the bare `python` on PATH: the venv's
    # (docs/beam-notes.md §6).
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    job_port, pool_port = free_port(), free_port()
    commands = [
        ["apache_beam.runners.portability.local_job_service_main", "--port", str(job_port)],
        ["apache_beam.runners.worker.worker_pool_main", "--service_port", str(pool_port)],
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for command in commands
    ]
    try:
        for port, process in zip((job_port, pool_port), processes, strict=True):
            wait_for_port(port, process)
        yield job_port, pool_port
    finally:
        for process in processes:
            process.kill()
            process.wait()


def rows(output: Path) -> dict[str, list[dict[str, object]]]:
    return {
        name: pq.read_table(output / name).sort_by("doc_id").to_pylist()
        for name in ("articles", "rejects")
    }


def run_seeds(output: Path, *beam_args: str) -> None:
    argv = ["run", "--input", str(SEEDS / "*"), "--output", str(output), *beam_args]
    assert main(argv) == 0


def test_portable_external_and_two_workers_equal_the_local_run(
    tmp_path: Path, portable_endpoints: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    job_port, pool_port = portable_endpoints
    run_seeds(tmp_path / "local")
    run_seeds(
        tmp_path / "portable",
        "--runner=PortableRunner",
        f"--job_endpoint=localhost:{job_port}",
        "--environment_type=EXTERNAL",
        f"--environment_config=localhost:{pool_port}",
    )
    run_seeds(tmp_path / "workers", *TWO_WORKERS)
    local = rows(tmp_path / "local")
    assert local["articles"] and local["rejects"]
    assert rows(tmp_path / "portable") == local
    assert rows(tmp_path / "workers") == local
