"""Command-line flags: ours vs Apache Beam's. Unknown flags are refused; the runner is pinned.

Beam is imported lazily here, so ``--help`` and usage errors answer without Beam's ~1 s import.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from importlib import metadata

from scrapeclean.pipeline.cli.flags import MAX_WAIT_SECONDS, add_config_flags, bounded
from scrapeclean.pipeline.cli.readback import READBACK_COMMANDS
from scrapeclean.pipeline.cli.readback import add_parsers as add_readback_parsers
from scrapeclean.transforms.errors import UsageError

# Plain DirectRunner first tries to download Prism and silently runs on it where it can; the
# FnApiRunner is the same on every machine (docs/beam-notes.md §1).
DEFAULT_RUNNER = "FnApiRunner"
DEFAULT_PARTITION = "run={run_id}"
COMMANDS = ("run", "watch", *READBACK_COMMANDS)


class ArgumentError(UsageError):
    """A usage error argparse found; ``prog`` is the (sub)command it was found in."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: object, **kwargs: object) -> None:
        # No prefix matching: `--overwrit` must not quietly mean --overwrite (nor `--input` of a
        # future `--input-format`); an unknown flag is then refused (check_beam_args).
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ArgumentError(message, self.prog)


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
    parser.add_argument(
        "--version", action="version", version=f"scrapeclean {metadata.version('scrapeclean')}"
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
        help="local parallelism: N worker processes (FnApiRunner multi_processing), or on "
        "HTML pages one process feeding N extraction processes; file names and JSONL "
        "chunks are reshuffled first, so every stage spreads over them",
    )
    run.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing but errors (no progress, no summary)",
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help="show Apache Beam's log lines: the runner's at INFO, and those of the --workers "
        "processes (hidden otherwise)",
    )
    run.add_argument(
        "--progress-interval",
        type=_seconds,
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
        default=DEFAULT_PARTITION,
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
    watch.add_argument("--interval", type=_wait, default=5.0, metavar="SECONDS")
    watch.add_argument(
        "--settle",
        type=_wait,
        default=2.0,
        metavar="SECONDS",
        help="how long a file without a .done marker must stay unchanged (default 2)",
    )
    watch.add_argument(
        "--max-batches",
        type=_positive_int,
        metavar="N",
        help="stop after N batches (default: never)",
    )
    watch.add_argument(
        "--partition", default=DEFAULT_PARTITION, metavar="TEMPLATE", help="as for run"
    )


# Runners that execute only bounded graphs: on them MatchContinuously blocks or stops at its first
# poll and no window is ever written (docs/beam-notes.md §5). Names as Beam resolves
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
        type=_seconds,
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
    return _runner_arg(beam_args).rsplit(".", 1)[-1]


def _runner_arg(beam_args: list[str]) -> str:
    """The --runner value as given (last one wins, as in Beam), else the default."""
    runner = DEFAULT_RUNNER
    for index, arg in enumerate(beam_args):
        if arg.startswith("--runner="):
            runner = arg.split("=", 1)[1]
        elif arg == "--runner" and index + 1 < len(beam_args):
            runner = beam_args[index + 1]
    return runner


_positive_int = bounded(int, 1)
_seconds = bounded(float, 0, MAX_WAIT_SECONDS, strict=True)
_wait = bounded(float, 0, MAX_WAIT_SECONDS)  # 0: poll again at once (tests, catch-ups)
_rate = bounded(float, 0, 1)


def parse_args(
    argv: Sequence[str], on_flags: Callable[[argparse.Namespace], None] | None = None
) -> tuple[argparse.Namespace, list[str]]:
    """Split argv into our parsed flags and validated Beam flags (runner pinned if unset).

    Every error here is about the command line itself: an ArgumentError naming the command,
    whose --help explains the flags. ``on_flags`` sees our flags before Beam's are checked,
    which imports Beam (~0.7 s): the launcher starts what runs beside that import there.
    """
    args, leftovers = build_parser().parse_known_args(list(argv))
    if on_flags is not None:
        on_flags(args)
    try:
        return args, _beam_args(args, leftovers)
    except ArgumentError:
        raise
    except UsageError as error:
        raise ArgumentError(str(error), f"scrapeclean {args.command}") from None


def _beam_args(args: argparse.Namespace, leftovers: list[str]) -> list[str]:
    beam_args = check_beam_args(leftovers) if leftovers else []
    if args.command not in ("run", "watch"):  # report, inspect, explain: a store's options
        return beam_args
    if getattr(args, "workers", None) is not None:
        if args.workers < 1:
            raise UsageError(f"--workers {args.workers}: must be >= 1")
        beam_args += worker_flags(args.workers)
    if not any(arg == "--runner" or arg.startswith("--runner=") for arg in beam_args):
        beam_args.append(f"--runner={DEFAULT_RUNNER}")
    check_runner(_runner_arg(beam_args))
    if args.command == "run":
        check_incremental_flags(args)
        beam_args = check_streaming(args, beam_args)
    return beam_args


def check_runner(name: str) -> None:
    """Refuse a runner Beam cannot make (unknown name, or its extra not installed) before anything
    is written: Beam itself finds out only when the job starts, after the output folder exists."""
    from apache_beam.runners.runner import create_runner

    try:
        create_runner(name)  # what beam.Pipeline() does with the name; no job is started
    except (ValueError, ImportError, AttributeError) as error:
        reason = (
            "not a runner Beam knows (e.g. FnApiRunner, DirectRunner, PortableRunner, "
            "FlinkRunner, DataflowRunner, or a module.RunnerClass path)"
            if isinstance(error, ValueError)
            else str(error).split("\n")[0]
        )
        raise UsageError(f"--runner={name}: {reason}") from None


def check_incremental_flags(args: argparse.Namespace) -> None:
    """--partition, --run-id and --run-date name an incremental run's partition: refused without
    --incremental, where they would be silently ignored."""
    given = {
        "--partition": args.partition != DEFAULT_PARTITION,
        "--run-id": args.run_id is not None,
        "--run-date": args.run_date is not None,
    }
    for flag, was_given in given.items():
        if was_given and not args.incremental:
            raise UsageError(f"{flag} only applies with --incremental")


def worker_flags(workers: int) -> list[str]:
    """Beam's flags for ``--workers N``: N local worker processes, or in-process for 1."""
    mode = "in_memory" if workers < 2 else "multi_processing"
    return [f"--direct_num_workers={workers}", f"--direct_running_mode={mode}"]


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
