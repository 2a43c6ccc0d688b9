"""Flag handling: our flags vs Beam's, the pinned runner, unknown flags refused."""

from __future__ import annotations

import pytest

from scrapeclean.pipeline.cli.options import DEFAULT_RUNNER, parse_args
from scrapeclean.transforms.errors import UsageError


def test_beam_flags_pass_through_and_runner_is_pinned() -> None:
    args, beam_args = parse_args(
        ["run", "--input", "a/*.txt", "--output", "out", "--direct_num_workers", "2"]
    )
    assert args.input == ["a/*.txt"] and args.output == "out" and args.format == "auto"
    assert beam_args == ["--direct_num_workers", "2", f"--runner={DEFAULT_RUNNER}"]


def test_explicit_runner_is_kept() -> None:
    _, beam_args = parse_args(["run", "--input", "a", "--output", "o", "--runner=DirectRunner"])
    assert beam_args == ["--runner=DirectRunner"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--input", "a", "--output", "o", "--bogus=1"], "unknown option --bogus"),
        (["run", "--input", "a", "--output", "o", "stray"], "unexpected argument 'stray'"),
        (["run", "--output", "o"], "the following arguments are required: --input"),
        (["run", "--input", "a", "--output", "o", "--format", "pdf"], "invalid choice: 'pdf'"),
        ([], "the following arguments are required: command"),
    ],
)
def test_bad_usage_is_one_clear_error(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_args(argv)


def test_workers_is_an_alias_for_multi_processing() -> None:
    _, beam_args = parse_args(["run", "--input", "a", "--output", "o", "--workers", "2"])
    assert beam_args == [
        "--direct_num_workers=2",
        "--direct_running_mode=multi_processing",
        f"--runner={DEFAULT_RUNNER}",
    ]
    with pytest.raises(UsageError, match="--workers 0: must be >= 1"):
        parse_args(["run", "--input", "a", "--output", "o", "--workers", "0"])
