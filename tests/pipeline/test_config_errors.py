"""Every bad config or flag, however hostile, is one short line on stderr and exit status 2,
with nothing written (issue 17): the command line in-process, the table below case by case."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from scrapeclean.pipeline.cli.main import MAX_ERROR_CHARS, main
from scrapeclean.transforms.text.sandbox import LimitsConfig
from tests.conftest import SEEDS

SCRIPT = Path(sys.executable).parent / "scrapeclean"
# the prefix names the command; an error in the flags ends by pointing at its --help
LINE = (
    len("scrapeclean watch: error: ") + MAX_ERROR_CHARS + len("... (see scrapeclean watch --help)")
)


def billion_laughs(levels: int = 9) -> str:
    """The classic alias bomb: each level lists the one before nine times, so the value of
    ``min_words`` stands for 9**9 "lol"s (its repr: gigabytes)."""
    nested = ["&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    nested += [f"&a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return f"validate:\n  min_words: [{', '.join(nested)}]\n"


# (config file bytes, a fragment of the one line the user sees)
FILES = {
    "alias bomb": (billion_laughs().encode(), "alias *a0: aliases are not accepted"),
    "alias of a scalar": (b"validate:\n  min_words: &n 5\nquality:\n  min_words: *n\n", "*n"),
    "50,000-deep list": (
        b"validate:\n  min_words: " + b"[" * 50_000 + b"]" * 50_000 + b"\n",
        "invalid YAML (nested too deeply)",
    ),
    "binary file": (bytes(range(256)) * 64, "not UTF-8 text (byte 128)"),
    "binary, valid UTF-8": (b"validate:\n  min_words: 5\x00\x01\x02\n", "special characters"),
    "latin-1 text": ("validate: # Qualität\n  min_words: 5\n".encode("latin-1"), "not UTF-8"),
    "larger than 1 MiB": (b"#" * (1024 * 1024 + 1), "larger than 1024 KiB"),
    "timeout .inf": (b"limits:\n  stage_timeout_seconds: .inf\n", "a finite number, got inf"),
    "timeout -.inf": (b"limits:\n  stage_timeout_seconds: -.inf\n", "a finite number, got -inf"),
    "ratio .nan": (b"read:\n  max_control_ratio: .nan\n", "a finite number, got nan"),
    "timeout past a day": (b"limits:\n  stage_timeout_seconds: 1.0e+9\n", "<= 86400"),
    "integer past floats": (
        b"neardup:\n  threshold: 1" + b"0" * 400 + b"\n",
        "neardup.threshold: expected a finite number",
    ),
    "integer of 5,000 digits": (b"validate:\n  min_words: " + b"9" * 5000 + b"\n", "4300 digits"),
    "month 13": (b"validate:\n  min_words: 2001-13-01\n", "month must be in 1..12"),
    "long wrong value": (
        b"validate:\n  min_words: '" + b"x" * 100_000 + b"'\n",
        "validate.min_words: expected int, got 'xxxxxxxxxxxxxxxxx",
    ),
    "section of a long list": (
        b"validate: [" + b"1, " * 5_000 + b"1]\n",
        "got [1, 1, 1, 1, ...]",
    ),
    "newline in a key": (
        b'validate:\n  "min\\nwords\\u001b[31m": 5\n',
        "validate.min\\nwords\\x1b",
    ),
}


@pytest.mark.parametrize(("data", "fragment"), FILES.values(), ids=FILES.keys())
def test_a_bad_config_file_is_one_short_line(
    tmp_path: Path, data: bytes, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_bytes(data)
    assert_usage_error(tmp_path, ["--config", str(config)], fragment, capsys)


# (run flags, a fragment of the one line the user sees)
FLAGS = {
    "--set .inf": (["--set", "limits.stage_timeout_seconds=.inf"], "a finite number, got inf"),
    "--set deep": (
        ["--set", "validate.min_words=" + "[" * 50_000 + "]" * 50_000],
        "--set validate.min_words: invalid YAML (nested too deeply)",
    ),
    "--set alias": (["--set", "validate.min_words=[&a [1], *a]"], "aliases are not accepted"),
    "--set long": (
        ["--set", "x" * 100_000],
        "--set 'xxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxx': expected section.key=value",
    ),
    "--max-reject-rate nan": (["--max-reject-rate", "nan"], "'nan' is not a finite number"),
    "--max-reject-rate inf": (["--max-reject-rate", "inf"], "'inf' is not a finite number"),
    "--progress-interval -1": (["--progress-interval", "-1"], "'-1' is not > 0 and <= 86400"),
    "--progress-interval 0": (["--progress-interval", "0"], "'0' is not > 0 and <= 86400"),
    "--progress-interval 1e10": (["--progress-interval", "1e10"], "is not > 0 and <= 86400"),
    "--progress-interval nan": (["--progress-interval", "nan"], "'nan' is not a finite number"),
}


@pytest.mark.parametrize(("flags", "fragment"), FLAGS.values(), ids=FLAGS.keys())
def test_a_bad_flag_is_one_short_line(
    tmp_path: Path, flags: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_usage_error(tmp_path, flags, fragment, capsys)


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--interval", "-1"], "argument --interval: '-1' is not between 0 and 86400"),
        (["--interval", "inf"], "argument --interval: 'inf' is not a finite number"),
        (["--settle", "-1"], "argument --settle: '-1' is not between 0 and 86400"),
        (["--max-batches", "0"], "argument --max-batches: '0' is not >= 1"),
    ],
)
def test_bad_watch_flags_are_one_short_line(
    tmp_path: Path, flags: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_usage_error(tmp_path, flags, fragment, capsys, command="watch")


def assert_usage_error(
    tmp_path: Path,
    flags: list[str],
    fragment: str,
    capsys: pytest.CaptureFixture[str],
    command: str = "run",
) -> None:
    """Exit 2, one line on stderr that holds ``fragment`` and fits MAX_ERROR_CHARS, no output."""
    output = tmp_path / "out"
    argv = [command, "--input", str(SEEDS / "*"), "--output", str(output), *flags]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and captured.out == "", captured.err[:1000]
    assert lines[0].startswith(f"scrapeclean {command}: error: ") and len(lines[0]) <= LINE
    assert fragment in lines[0], lines[0]
    assert not output.exists()


def test_the_alias_bomb_through_the_installed_script(tmp_path: Path) -> None:
    config = tmp_path / "bomb.yaml"
    config.write_text(billion_laughs(), encoding="utf-8")
    output = tmp_path / "out"
    command = [str(SCRIPT), "run", "--input", str(SEEDS / "*"), "--output", str(output)]
    result = subprocess.run(
        [*command, "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"scrapeclean run: error: {config}: line 2: invalid YAML (alias *a0: aliases are not "
        "accepted)"
    ]
    assert not output.exists()


@pytest.mark.parametrize("seconds", [math.inf, math.nan, 0.0, -1.0, 86_401.0])
def test_limits_refuse_a_timeout_no_wait_can_take(seconds: float) -> None:
    # Built in code, not only from YAML: the check is at construction.
    with pytest.raises(ValueError, match="stage_timeout_seconds"):
        LimitsConfig(stage_timeout_seconds=seconds)
