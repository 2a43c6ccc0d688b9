"""``scrapeclean`` command line: exit 0 done, 2 bad usage or config (one line, nothing written),
1 the run failed (no _SUCCESS)."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapeclean.pipeline.cli.options import parse_args
from scrapeclean.pipeline.cli.readback import run_readback
from scrapeclean.pipeline.job.config import load_config
from scrapeclean.pipeline.job.outputdir import OutputExistsError, check_output_free
from scrapeclean.transforms.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from scrapeclean.pipeline.job.run import RunSummary

_LOG = logging.getLogger("scrapeclean")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line in-process and return its exit status."""
    _configure_logging()
    try:
        args, beam_args = parse_args(sys.argv[1:] if argv is None else argv)
        if args.command not in ("run", "watch"):
            return run_command(args)
        config = load_config(Path(args.config) if args.config else None, args.set)
        if getattr(args, "streaming", False):
            check_inputs(args.input, allow_empty=True, count=False)  # bad globs fail now
            return stream(args, config, check_stream_output(args.output), beam_args)
        output = check_output(args.output)
        incremental = args.command == "watch" or args.incremental
        total_files = check_input_layout(args, output, incremental)
    except (UsageError, ConfigError, OutputExistsError) as error:
        print(f"scrapeclean: error: {error}", file=sys.stderr)
        return 2
    if (getattr(args, "workers", None) or 1) > 1:
        tune_malloc_for_workers()
    try:
        if args.command == "watch":
            return watch_landing(args, config, output, beam_args)
        with silenced_stderr() if args.quiet else contextlib.nullcontext():
            summary = (
                run_incremental(args, config, output, beam_args)
                if incremental
                else run_plain(args, config, output, beam_args, total_files)
            )
    except UsageError as error:  # a run id taken meanwhile
        print(f"scrapeclean: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # the run failed: one line, details at DEBUG, no _SUCCESS
        _LOG.debug("run failed", exc_info=True)
        print(f"scrapeclean: run failed: {error}", file=sys.stderr)
        return 1
    return report_run(args, summary)


# glibc malloc settings for --workers runs: name -> (value, its mallopt option number).
# Two arenas: each thread of a Beam worker (gRPC, data plane, bundles) may otherwise get an
# arena of its own that keeps freed memory. Fixed mmap and trim thresholds (glibc's initial
# 128 KiB): glibc otherwise raises both after the first large free, and the large buffers of
# the corpus steps (spill reads, signature tables, gRPC messages) then stay in the heap.
MALLOC_SETTINGS = {
    "MALLOC_ARENA_MAX": ("2", -8),  # M_ARENA_MAX
    "MALLOC_MMAP_THRESHOLD_": ("131072", -3),  # M_MMAP_THRESHOLD
    "MALLOC_TRIM_THRESHOLD_": ("131072", -1),  # M_TRIM_THRESHOLD
}


def tune_malloc_for_workers() -> None:
    """Apply MALLOC_SETTINGS to the --workers processes (they inherit the environment) and,
    with mallopt, to this one (the runner: glibc read its environment at start). A value the
    user set wins.

    Measured on the training profile, 100k dumps, --workers 2: process-tree peak 1,205 ->
    965 MB (runner 429 -> 291 MB); the arena cap alone, 20k dumps: 969-985 -> 853-912 MB.
    """
    libc = _glibc()
    for name, (value, option) in MALLOC_SETTINGS.items():
        if name in os.environ:
            continue
        os.environ[name] = value
        if libc is not None:
            libc.mallopt(option, int(value))


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - raises AttributeError where libc is not glibc
    except (OSError, AttributeError):
        return None
    return libc


@contextlib.contextmanager
def silenced_stderr() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null while the pipeline runs (--quiet).

    Beam's worker processes (--workers) inherit it and log INFO lines there whatever the log
    level asked for (notes/beam-on-this-machine.md §7.1); an error is printed after it is back.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def check_input_layout(args: argparse.Namespace, output: Path, incremental: bool) -> int:
    """Usage checks before anything is written; returns how many files the inputs match."""
    from scrapeclean.pipeline.job.incremental import check_incremental_output, partition_path

    check_incremental_output(output, incremental)
    if incremental:
        partition_path(args.partition, "run", "2000-01-01")  # a bad template fails now
        return 0
    total_files = check_inputs(args.input, args.allow_empty, count=not args.quiet)
    check_output_free(output, args.overwrite)
    return total_files


def run_plain(
    args: argparse.Namespace, config: Any, output: Path, beam_args: list[str], total_files: int
) -> RunSummary:
    """One complete run over every input into articles/ and rejects/."""
    from scrapeclean.pipeline.job.run import Progress, run

    progress = None if args.quiet else Progress(total_files, args.progress_interval)
    return run(config, args.input, output, beam_args, args.format, args.max_reject_rate, progress)


def run_incremental(
    args: argparse.Namespace, config: Any, output: Path, beam_args: list[str]
) -> RunSummary | None:
    """One incremental batch over the inputs the ledger does not know (None: nothing new)."""
    from scrapeclean.pipeline.job.incremental import (
        BatchSpec,
        list_inputs,
        load_ledger,
        run_batch,
        select_new,
    )

    files = select_new(list_inputs(args.input), load_ledger(output))
    if not files:
        return None
    spec = BatchSpec(
        config, output, beam_args, args.format, args.partition, args.run_date, args.max_reject_rate
    )
    return run_batch(spec, files, args.run_id)[1]


def watch_landing(args: argparse.Namespace, config: Any, output: Path, beam_args: list[str]) -> int:
    """``scrapeclean watch``: micro-batches until a signal (or --max-batches)."""
    from scrapeclean.pipeline.job.incremental import BatchSpec, run_batch
    from scrapeclean.pipeline.job.watch import WatchOptions, watch

    spec = BatchSpec(config, output, beam_args, args.format, args.partition)
    options = WatchOptions(args.interval, args.settle, args.max_batches)
    return watch(args.input, output, lambda files: run_batch(spec, files), options, sys.stderr)


def stream(args: argparse.Namespace, config: Any, output: str, beam_args: list[str]) -> int:
    """``run --streaming``: start the never-ending job and wait until it is stopped.

    Each window's files appear under articles/ and rejects/ as the window closes; there is no
    manifest or _SUCCESS. Ctrl-C or SIGTERM cancels the job: exit 0; a failed job: exit 1.
    """
    from scrapeclean.pipeline.cli.options import DEFAULT_POLL_SECONDS, DEFAULT_WINDOW_SECONDS
    from scrapeclean.pipeline.job.run import run_streaming

    window = args.window_seconds or DEFAULT_WINDOW_SECONDS
    poll = args.poll_seconds or DEFAULT_POLL_SECONDS
    if not args.quiet:
        print(
            f"scrapeclean: streaming {', '.join(args.input)} (polled every {poll:g} s) into "
            f"{output}/articles and /rejects, {window} s windows; Ctrl-C cancels",
            file=sys.stderr,
        )
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop cancels the job too
    try:
        state = run_streaming(config, args.input, output, beam_args, args.format, window, poll)
    except Exception as error:  # the job failed: one line, details at DEBUG
        _LOG.debug("streaming run failed", exc_info=True)
        print(f"scrapeclean: streaming run failed: {error}", file=sys.stderr)
        return 1
    if state not in ("DONE", "CANCELLED", "DRAINED"):
        print(f"scrapeclean: streaming run ended in state {state}", file=sys.stderr)
        return 1
    return 0


def check_stream_output(output: str) -> str:
    """Where a streaming job writes: a Beam filesystem URL as is, a local folder made absolute.

    Refuses a folder that holds a batch dataset: window files would mix into its layout.
    """
    if "://" in output:  # written by the workers through Beam's FileSystems; no local rename
        return output
    path = Path(output).resolve()  # workers do not share the launcher's working directory
    if path.exists() and not path.is_dir():
        raise UsageError(f"--output {output!r} exists and is not a folder")
    if (path / "_SUCCESS").exists() or (path / "manifests").exists():
        raise UsageError(f"--output {output!r} holds a batch dataset; stream into a new folder")
    return str(path)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def report_run(args: argparse.Namespace, summary: RunSummary | None) -> int:
    """Print the closing summary (unless --quiet); exit 1 past --max-reject-rate."""
    if summary is None:
        if not args.quiet:
            print("scrapeclean: nothing new since the last run; nothing written")
        return 0
    if not args.quiet:
        print(format_summary(summary))
    if summary.reject_rate_exceeded:
        rate = summary.rejects / summary.documents_in
        print(
            f"scrapeclean: run failed: {rate:.1%} of documents rejected > --max-reject-rate "
            f"{args.max_reject_rate:.1%}; no _SUCCESS written",
            file=sys.stderr,
        )
        return 1
    return 0


def run_command(args: argparse.Namespace) -> int:
    """Run report, inspect or explain; a failure that is not bad usage is one line, exit 1."""
    try:
        return run_readback(args)
    except (UsageError, ConfigError):
        raise
    except Exception as error:
        _LOG.debug("%s failed", args.command, exc_info=True)
        print(f"scrapeclean: {args.command} failed: {error!r}", file=sys.stderr)
        return 1


def format_summary(summary: RunSummary) -> str:
    """The closing table: documents in and out, each stage's counts, rejects per reason."""
    lines = [
        f"scrapeclean: {summary.documents_in} documents -> {summary.articles} articles, "
        f"{summary.rejects} rejects in {summary.seconds:.1f} s",
        f"  {'stage':<16}{'in':>9}{'out':>9}  rejected",
    ]
    for name, counts in summary.stages.items():
        rejected = ", ".join(f"{k} {v}" for k, v in counts["rejected"].items())  # type: ignore[attr-defined]
        lines.append(f"  {name:<16}{counts['in']:>9}{counts['out']:>9}  {rejected}".rstrip())
    reasons = ", ".join(f"{k} {v}" for k, v in summary.rejects_by_reason.items()) or "none"
    lines.append(f"  rejects by reason: {reasons}")
    written = "manifest.json" if summary.reject_rate_exceeded else "manifest.json, _SUCCESS"
    lines.append(
        f"scrapeclean: wrote {summary.output}/articles/*.parquet, rejects/*.parquet, {written}"
    )
    return "\n".join(lines)


def check_inputs(patterns: Sequence[str], allow_empty: bool = False, count: bool = True) -> int:
    """Every --input must match a file (a typo must not give an empty dataset) unless allowed.

    Returns how many distinct files they match (the progress display's total), or 0 without
    ``count``: then one file per glob is enough, and a 100k-file run is not listed twice.
    Files are matched one at a time (transforms/beam/matching.py): nothing grows with their number
    but, for several globs, the set of paths seen.
    """
    from apache_beam.io.filesystem import BeamIOError

    from scrapeclean.transforms.beam.matching import match_inputs, match_lazily

    for pattern in patterns:
        try:
            first = next(match_lazily(pattern), None)
        except (BeamIOError, ValueError) as error:
            raise UsageError(f"--input {pattern!r}: {error}") from None
        if first is None and not allow_empty:
            raise UsageError(f"--input {pattern!r} matches no files (--allow-empty permits it)")
    return sum(1 for _ in match_inputs(patterns)) if count else 0


def check_output(output: str) -> Path:
    """The output must be a folder (or not exist yet); local paths only for now."""
    if "://" in output:
        raise UsageError(f"--output {output!r}: only local output folders are supported")
    path = Path(output)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--output {output!r} exists and is not a folder")
    return path


def _configure_logging() -> None:
    # Beam's import logs "apitools not found ..." through the root logger; filter it first,
    # and use force=True because that warning already configured logging (notes §7.1).
    logging.getLogger().addFilter(lambda record: "apitools not found" not in record.getMessage())
    logging.basicConfig(level=logging.WARNING, format="scrapeclean: %(message)s", force=True)


if __name__ == "__main__":
    sys.exit(main())
