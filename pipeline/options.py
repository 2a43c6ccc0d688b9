"""Command-line flags: ours vs Apache Beam's. Unknown flags are refused; the runner is pinned.

Beam is imported lazily here, so ``--help`` and usage errors answer without Beam's ~1 s import.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from transforms.formats import FORMATS

# Plain DirectRunner first tries to download Prism and silently runs on it where it can; the
# FnApiRunner is the same on every machine (notes/beam-on-this-machine.md TL;DR).
DEFAULT_RUNNER = "FnApiRunner"


class UsageError(ValueError):
    """Bad command-line usage; the message fits on one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The ``scrapeclean`` argument parser; every flag says what it does in ``--help``."""
    parser = _Parser(
        prog="scrapeclean",
        description="Turn raw scraper output into clean Parquet article datasets (Apache Beam).",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser(
        "run",
        help="clean the input documents and write articles/, rejects/, manifest.json, _SUCCESS",
        description=(
            "Clean every input document into OUTPUT/articles/*.parquet (or a reject with a "
            "reason code in OUTPUT/rejects/), then write OUTPUT/manifest.json and _SUCCESS. "
            "Any other --flag is an Apache Beam pipeline option (--runner, "
            f"--direct_num_workers, ...); the runner defaults to {DEFAULT_RUNNER}."
        ),
    )
    run.add_argument(
        "--input",
        action="append",
        required=True,
        metavar="GLOB",
        help="input files: a path or glob, local or any Beam filesystem; repeatable; .gz is read "
        "transparently",
    )
    run.add_argument("--output", required=True, metavar="DIR", help="output folder")
    run.add_argument(
        "--config",
        metavar="FILE.yaml",
        help="run config layered over configs/default.yaml (which lists every key)",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one config key, e.g. --set validate.min_words=50; repeatable",
    )
    run.add_argument(
        "--format",
        choices=("auto", *FORMATS),
        default="auto",
        help="input format; auto picks by extension (.txt text, .html page, .jsonl records, "
        ".warc archive; anything else is a text dump)",
    )
    run.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="local parallelism: N worker processes (FnApiRunner multi_processing); file "
        "names and JSONL chunks are reshuffled first, so every stage spreads over them",
    )
    run.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing but errors (no progress, no summary)",
    )
    run.add_argument(
        "--progress-interval",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds between progress lines when stderr is not a terminal (default 10); on a "
        "terminal progress is one live line",
    )
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a finished run already in --output (refused otherwise, exit 2)",
    )
    run.add_argument(
        "--max-reject-rate",
        type=_rate,
        metavar="R",
        help="exit 1 (everything and the manifest written, no _SUCCESS) when more than this "
        "share of the documents, 0-1, was rejected",
    )
    run.add_argument(
        "--allow-empty",
        action="store_true",
        help="let an --input match no files (a run over nothing writes an empty dataset); "
        "refused otherwise, exit 2",
    )
    from pipeline import explain, inspect_cmd, report  # here: they import UsageError from us

    for command in (report, inspect_cmd, explain):
        command.add_parser(commands)
    return parser


def _rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not between 0 and 1")
    return rate


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Split argv into our parsed flags and validated Beam flags (runner pinned if unset)."""
    args, leftovers = build_parser().parse_known_args(list(argv))
    if args.command != "run":  # report, inspect, explain take no Beam options
        if leftovers:
            raise UsageError(f"unrecognized arguments: {' '.join(leftovers)}")
        return args, []
    beam_args = check_beam_args(leftovers)
    if args.workers is not None:
        if args.workers < 1:
            raise UsageError(f"--workers {args.workers}: must be >= 1")
        mode = "multi_processing" if args.workers > 1 else "in_memory"
        beam_args += [f"--direct_num_workers={args.workers}", f"--direct_running_mode={mode}"]
    if not any(arg == "--runner" or arg.startswith("--runner=") for arg in beam_args):
        beam_args.append(f"--runner={DEFAULT_RUNNER}")
    return args, beam_args


def check_beam_args(leftovers: list[str]) -> list[str]:
    """Refuse anything that is not an Apache Beam pipeline option, naming it."""
    for index, arg in enumerate(leftovers):
        follows_flag = index > 0 and leftovers[index - 1].startswith("--")
        if not arg.startswith("--") and not (follows_flag and "=" not in leftovers[index - 1]):
            raise UsageError(f"unexpected argument {arg!r}")
    from apache_beam.options.pipeline_options import PipelineOptions

    options = PipelineOptions(leftovers)
    beam_log = logging.getLogger("apache_beam.options.pipeline_options")
    level = beam_log.level
    beam_log.setLevel(logging.ERROR)  # its own "Discarding unparseable args" would be a 2nd line
    try:
        unknown = set(options.get_all_options(retain_unknown_options=True))
        unknown -= set(options.get_all_options())
    finally:
        beam_log.setLevel(level)
    if unknown:
        raise UsageError(f"unknown option --{min(unknown)} (not a scrapeclean or Beam option)")
    return list(leftovers)
