"""Signals end a run cleanly and no process outlives it (issue 17), with the installed script.

Each run is caught at a fixed point: its HTML extraction sandbox is up (the child ignores
SIGINT once set up) and then stopped with SIGSTOP, like a page that hangs the extractor, so
the run cannot finish before the signal lands. Processes are found through /proc.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from scrapeclean.pipeline.cli.main import main
from tests.conftest import REPO, SEEDS, TWO_WORKERS
from tests.test_kill import SCRIPT, published

PAGES = sorted((REPO / "tests" / "fixtures" / "html").glob("*.html"))
COPIES = 60  # 180 pages: however fast the machine, far more than one page's worth of work
SLOW = ["--set", "limits.stage_timeout_seconds=600"]  # the stopped page never times out


def processes() -> dict[int, tuple[int, str]]:
    """Every live process: pid -> (parent pid, command line). Zombies count as gone."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            state, parent = stat.read_text().rpartition(")")[2].split()[:2]
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if state not in "ZX":
                found[int(stat.parent.name)] = (int(parent), command)
    return found


def descendants(root: int) -> dict[int, str]:
    """Every live process below ``root``: pid -> command line."""
    table = processes()
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, command) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = command
                frontier.append(pid)
    return found


def set_up(pid: int) -> bool:
    """True once a sandbox child ignores SIGINT: the last step of its set-up."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigIgn:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


def sandbox_children(pids: dict[int, str]) -> list[int]:
    """The extraction children among ``pids``: forks of the sandbox's server (multiprocessing's
    forkserver), whose command line they share with it."""
    table = processes()
    server = "multiprocessing.forkserver"
    return [
        pid
        for pid, command in pids.items()
        if server in command and server in table.get(table.get(pid, (0, ""))[0], (0, ""))[1]
    ]


def stop_a_sandbox(process: subprocess.Popen[bytes], beam_workers: int = 0) -> dict[int, str]:
    """Wait until an extraction sandbox is set up (bounded: 120 s), SIGSTOP it; return every
    process below the CLI at that point.

    With ``beam_workers``, also until that many Beam workers ignore SIGINT: a worker takes
    that over when its first DoFn sets up (transforms/beam/lifeline.py), and one still starting
    when Ctrl-C lands prints Beam's KeyboardInterrupt traceback. A sandbox child comes up in
    a fork, so the first one can be ready before the other worker has set up.
    """
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        children = descendants(process.pid)
        ready = sandbox_children(children)
        workers = [
            pid
            for pid, command in children.items()
            if "sdk_worker_main" in command and not command.startswith("/bin/sh")
        ]
        workers_set_up = len(workers) >= beam_workers and all(set_up(pid) for pid in workers)
        if ready and set_up(ready[0]) and workers_set_up:
            os.kill(ready[0], signal.SIGSTOP)
            return children
        time.sleep(0.05)
    raise AssertionError(f"no sandbox came up before the run ended ({process.returncode})")


def survivors(pids: dict[int, str], seconds: float) -> dict[int, str]:
    """The processes of ``pids`` still alive after waiting up to ``seconds`` for them to go."""
    deadline = time.monotonic() + seconds
    while True:
        alive = {pid: command for pid, command in pids.items() if pid in processes()}
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


@contextlib.contextmanager
def started(command: list[str], stderr: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The command in a session of its own (its process group is a terminal job's); whatever
    the test does, the whole group is killed at the end."""
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    for copy in range(COPIES):
        for page in PAGES:
            shutil.copy(page, folder / f"{copy:03d}_{page.name}")
    return folder


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run's output, to be replaced by the runs below."""
    output = tmp_path_factory.mktemp("previous") / "out"
    assert main(["run", "--input", str(SEEDS / "*"), "--output", str(output), "--quiet"]) == 0
    return output


# With --workers, Ctrl-C only: the workers ignore its SIGINT, so the launcher has to end them
# as it does on a SIGTERM to it alone.
STOPS = [
    pytest.param(signal.SIGTERM, False, [], id="sigterm"),
    pytest.param(signal.SIGINT, True, [], id="ctrl-c"),
    pytest.param(signal.SIGINT, True, list(TWO_WORKERS), id="ctrl-c-workers"),
]


@pytest.mark.parametrize(("signum", "whole_group", "workers"), STOPS)
def test_a_signal_stops_the_run_and_its_processes(
    tmp_path: Path,
    pages: Path,
    previous: Path,
    signum: int,
    whole_group: bool,
    workers: list[str],
) -> None:
    output = tmp_path / "out"
    shutil.copytree(previous, output)
    before, manifest = published(output), (output / "manifest.json").read_bytes()
    command = [str(SCRIPT), "run", "--input", str(pages / "*"), "--output", str(output)]
    with started([*command, "--overwrite", *SLOW, *workers], tmp_path / "stderr") as process:
        children = stop_a_sandbox(process, beam_workers=2 if workers else 0)
        # Ctrl-C on a terminal signals the whole job; a service manager's stop, the process.
        (os.killpg if whole_group else os.kill)(process.pid, signum)
        assert process.wait(timeout=60) == 128 + signum
        assert survivors(children, seconds=5) == {}
    stderr = (tmp_path / "stderr").read_text()
    assert stderr.splitlines()[-1] == (
        f"scrapeclean: stopped by {signal.Signals(signum).name}; nothing published"
    )
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert published(output) == before and (output / "manifest.json").read_bytes() == manifest
    assert not list(output.glob("_staging-*"))
    assert not (output / "_SUCCESS").exists()  # the contract: an interrupted run leaves none


@pytest.mark.parametrize("workers", [[], list(TWO_WORKERS)], ids=["in-process", "workers"])
def test_no_process_outlives_a_killed_run(tmp_path: Path, pages: Path, workers: list[str]) -> None:
    command = [str(SCRIPT), "run", "--input", str(pages / "*"), "--output", str(tmp_path / "o")]
    with started([*command, *SLOW, *workers], tmp_path / "stderr") as process:
        children = stop_a_sandbox(process)
        process.kill()  # the CLI alone, as the OOM killer or `kill -9 PID` does
        process.wait()
        assert survivors(children, seconds=5) == {}


# Runs a command as a subreaper (PR_SET_CHILD_SUBREAPER): what the command leaves behind
# becomes this process's child. Prints the command's exit status, then whether any process
# it left was still alive 30 s after it ended: an extraction server whose launcher ended in
# its warm-up (1.8-3.8 s here, longer on a slower machine) exits once that is done.
REAPER = """
import ctypes, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1)
status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline, left = time.monotonic() + 30, True
while left and time.monotonic() < deadline:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        left = False
    time.sleep(0.05)
print(status.returncode, left)
"""


def test_a_usage_error_after_the_server_started_leaves_no_process(
    tmp_path: Path, pages: Path
) -> None:
    # HTML pages with --workers 2 start the extraction server before Beam's flags are checked
    # (cli/main.py's start_server_for_pages); a runner Beam does not know is found after that.
    command = [str(SCRIPT), "run", "--input", str(pages / "*.html"), "--output", str(tmp_path)]
    command += ["--workers", "2", "--runner=NoSuchRunner"]
    reaper = subprocess.run(
        [sys.executable, "-c", REAPER, *command], capture_output=True, text=True, timeout=120
    )
    assert reaper.stdout.split() == ["2", "False"]


def test_watch_finishes_its_batch_on_ctrl_c(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    landing.mkdir()
    for page in PAGES:
        shutil.copy(page, landing / page.name)
    command = [str(SCRIPT), "watch", "--input", str(landing / "*"), "--output", str(output)]
    with started([*command, "--settle", "0", *SLOW], tmp_path / "stderr") as process:
        sandboxes = sandbox_children(stop_a_sandbox(process))
        os.killpg(process.pid, signal.SIGINT)  # reaches the stopped sandbox when it goes on
        for sandbox in sandboxes:
            os.kill(sandbox, signal.SIGCONT)
        assert process.wait(timeout=120) == 0
    assert "Traceback" not in (tmp_path / "stderr").read_text()
    (run,) = json.loads((output / "runs.json").read_text())["runs"]
    assert run["files"] == run["documents_in"] == len(PAGES)
    rejects = ds.dataset(output / "rejects", partitioning="hive").to_table().to_pylist()
    assert [r["reason"] for r in rejects if r["reason"] == "internal_error"] == []
