"""Progress and the closing summary (issue 7): periodic plain lines when stderr is not a
terminal, one live line on a terminal, the summary table at the end, and --quiet silence."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEEDS

SCRIPT = Path(sys.executable).parent / "scrapeclean"


def command(output: Path, *extra: str) -> list[str]:
    return [str(SCRIPT), "run", "--input", str(SEEDS / "*"), "--output", str(output), *extra]


def test_a_non_terminal_run_logs_progress_lines_and_a_summary(tmp_path: Path) -> None:
    result = subprocess.run(
        command(tmp_path / "out", "--progress-interval", "0.1"),
        capture_output=True,
        text=True,
        check=True,
    )
    progress = [line for line in result.stderr.splitlines() if "scrapeclean: progress:" in line]
    assert len(progress) >= 2
    assert "files 8/8, documents 8 read" in progress[-1]
    assert "\r" not in result.stderr
    assert "rejects by reason: binary 1, empty 1, too_short 1" in result.stdout
    assert "  read                    8        7  binary 1" in result.stdout.splitlines()


def test_quiet_prints_nothing_but_errors(tmp_path: Path) -> None:
    result = subprocess.run(
        command(tmp_path / "out", "--quiet"), capture_output=True, text=True, check=True
    )
    assert (result.stdout, result.stderr) == ("", "")
    workers = subprocess.run(  # Beam's worker processes log to stderr unless silenced
        command(tmp_path / "two", "--quiet", "--workers", "2"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert (workers.stdout, workers.stderr) == ("", "")
    failed = subprocess.run(
        command(tmp_path / "out", "--quiet"), capture_output=True, text=True, check=False
    )
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("scrapeclean run: error: ")


def test_a_terminal_gets_one_live_line(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    with subprocess.Popen(
        command(tmp_path / "out"), stdout=subprocess.DEVNULL, stderr=follower
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait()
    os.close(leader)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "\r\x1b[2Kscrapeclean: files 8/8, documents 8 read" in screen
    assert "scrapeclean: progress:" not in screen
