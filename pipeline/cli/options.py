"""Command-line flags: ours vs Apache Beam's. Unknown flags are refused; the runner is pinned.

Beam is imported lazily here, so ``--help`` and usage errors answer without Beam's ~1 s import.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from scrapeclean.pipeline.cli.flags import add_config_flags, bounded
from scrapeclean.pipeline.cli.readback import add_parsers as add_readback_parsers
from scrapeclean.transforms.errors import UsageError

# Plain DirectRunner first tries to download Prism and silently runs on it where it can; the
# FnApiRunner is the same on every machine (notes/beam-on-this-machine.md TL;DR).
DEFAULT_RUNNER = "FnApiRunner"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def add_input_flags(parser: argparse.ArgumentParser) -> None:
    """The flags ``run`` and ``watch`` share: inputs, output, then config and format."""
    parser.add_argument(
        "--input",
        action="append",
        required=True,
        metavar="GLOB",
        help="input files: a path or glob, local or any Beam filesystem; repeatable; .gz is read "
        "transparently",
    )
    parser.add_argument("--output", required=True, metavar="DIR", help="output folder")
    add_config_flags(parser)


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
    add_input_flags(run)
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
    run.add_argument(
        "--incremental",
        action="store_true",
        help="process only inputs new or changed since the last run (a ledger under --output) "
        "and publish them as their own partition articles/run=<id>/",
    )
    run.add_argument("--run-id", metavar="ID", help="incremental: the run's id (default: UTC time)")
    run.add_argument(
        "--run-date", metavar="YYYY-MM-DD", help="incremental: {run_date} for --partition"
    )
    run.add_argument(
        "--partition",
        default="run={run_id}",
        metavar="TEMPLATE",
        help="incremental: partition path below articles/ and rejects/, from {run_id} and "
        "{run_date} (default run={run_id}; e.g. date={run_date}/run={run_id})",
    )
    add_streaming_flags(run)
    add_watch_parser(commands)
    add_readback_parsers(commands)
    return parser


def add_watch_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``scrapeclean watch``: continuous micro-batches over a landing folder."""
    watch = commands.add_parser(
        "watch",
        help="poll a landing folder and process new files in incremental micro-batches",
        description=(
            "Poll --input every --interval seconds; each file that is complete (a FILE.done "
            "marker beside it, or size and mtime unchanged for --settle seconds) and not yet in "
            "the ledger goes into the next incremental batch, published atomically as its own "
            "partition. SIGINT/SIGTERM finish the current batch and exit 0. Other --flags are "
            "Apache Beam options."
        ),
    )
    add_input_flags(watch)
    watch.add_argument("--interval", type=float, default=5.0, metavar="SECONDS")
    watch.add_argument(
        "--settle",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="how long a file without a .done marker must stay unchanged (default 2)",
    )
    watch.add_argument(
        "--max-batches", type=int, metavar="N", help="stop after N batches (default: never)"
    )
    watch.add_argument("--partition", default="run={run_id}", metavar="TEMPLATE", help="as for run")


# Runners that execute only bounded graphs: on them MatchContinuously blocks or stops at its first
# poll and no window is ever written (notes/beam-on-this-machine.md §5). Names as Beam resolves
# them: case-insensitive, "Runner" optional, a dotted path ends in the class name.
BATCH_ONLY_RUNNERS = frozenset(
    {"fnapi", "direct", "switchingdirect", "bundlebaseddirect", "dask", "interactive"}
)
STREAMING_RUNNERS = (
    "--runner=PortableRunner (a Flink or Prism job server), FlinkRunner or DataflowRunner"
)
DEFAULT_WINDOW_SECONDS = 300
DEFAULT_POLL_SECONDS = 60.0


def add_streaming_flags(run: argparse.ArgumentParser) -> None:
    """``run --streaming [--window-seconds N] [--poll-seconds N]``: the never-ending graph."""
    run.add_argument(
        "--streaming",
        action="store_true",
        help="never-ending run: poll the --input globs, clean each new file and write "
        "articles/ and rejects/ Parquet per event-time window (no manifest, no _SUCCESS); "
        f"needs {STREAMING_RUNNERS}",
    )
    run.add_argument(
        "--window-seconds",
        type=_positive_int,
        metavar="N",
        help=f"--streaming: window length in seconds (default {DEFAULT_WINDOW_SECONDS})",
    )
    run.add_argument(
        "--poll-seconds",
        type=_positive_float,
        metavar="N",
        help=f"--streaming: seconds between polls of the inputs (default {DEFAULT_POLL_SECONDS:g})",
    )


def check_streaming(args: argparse.Namespace, beam_args: list[str]) -> list[str]:
    """Refuse --streaming on a batch-only runner or with batch-only flags; tell Beam it streams."""
    if not args.streaming:
        if args.window_seconds is not None or args.poll_seconds is not None:
            raise UsageError("--window-seconds and --poll-seconds only apply with --streaming")
        return beam_args
    runner = _runner_name(beam_args)
    if runner.lower().removesuffix("runner") in BATCH_ONLY_RUNNERS:
        raise UsageError(
            f"--streaming needs a runner with unbounded sources, not {runner}; "
            f"use {STREAMING_RUNNERS}"
        )
    batch_only = {
        "--incremental": args.incremental,
        "--workers": args.workers is not None,
        "--max-reject-rate": args.max_reject_rate is not None,
        "--overwrite": args.overwrite,
    }
    for flag, given in batch_only.items():
        if given:
            raise UsageError(f"{flag} does not apply to --streaming")
    return [*beam_args, "--streaming"]  # Beam's own flag: Dataflow needs it to stream


def _runner_name(beam_args: list[str]) -> str:
    runner = DEFAULT_RUNNER
    for index, arg in enumerate(beam_args):
        if arg.startswith("--runner="):
            runner = arg.split("=", 1)[1]
        elif arg == "--runner" and index + 1 < len(beam_args):
            runner = beam_args[index + 1]
    return runner.rsplit(".", 1)[-1]


_positive_int = bounded(int, 1)
_positive_float = bounded(float, 0, strict=True)
_rate = bounded(float, 0, 1)


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Split argv into our parsed flags and validated Beam flags (runner pinned if unset)."""
    args, leftovers = build_parser().parse_known_args(list(argv))
    if args.command not in ("run", "watch"):  # report, inspect, explain take no Beam options
        if leftovers:
            raise UsageError(f"unrecognized arguments: {' '.join(leftovers)}")
        return args, []
    beam_args = check_beam_args(leftovers)
    if getattr(args, "workers", None) is not None:
        if args.workers < 1:
            raise UsageError(f"--workers {args.workers}: must be >= 1")
        mode = "multi_processing" if args.workers > 1 else "in_memory"
        beam_args += [f"--direct_num_workers={args.workers}", f"--direct_running_mode={mode}"]
    if not any(arg == "--runner" or arg.startswith("--runner=") for arg in beam_args):
        beam_args.append(f"--runner={DEFAULT_RUNNER}")
    if args.command == "run":
        beam_args = check_streaming(args, beam_args)
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
