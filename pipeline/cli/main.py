"""``scrapeclean`` command line: exit 0 done, 2 bad usage or config (one line, nothing written),
1 the run failed (no _SUCCESS), 130 / 143 a run stopped by SIGINT / SIGTERM (nothing published);
docs/exit-codes.md."""

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
from typing import TYPE_CHECKING

from scrapeclean.pipeline.cli.options import COMMANDS, ArgumentError, parse_args, worker_flags
from scrapeclean.pipeline.cli.readback import run_readback
from scrapeclean.pipeline.cli.summary import format_summary
from scrapeclean.pipeline.job.stopping import Stopped, stop_on_signals
from scrapeclean.transforms.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from scrapeclean.pipeline.job.run import RunSummary
    from scrapeclean.transforms.config import RunConfig

_LOG = logging.getLogger("scrapeclean")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line in-process and return its exit status."""
    _configure_logging()
    try:
        return run_cli(sys.argv[1:] if argv is None else list(argv))
    except KeyboardInterrupt:  # Ctrl-C before or after a run (listing inputs, read-back tools)
        print("scrapeclean: stopped by SIGINT", file=sys.stderr)
        return 128 + signal.SIGINT


def run_cli(argv: Sequence[str]) -> int:
    """The command line's work: usage checks, then the command; returns the exit status."""
    try:
        args, beam_args = parse_args(argv, on_flags=start_server_for_pages)
        if args.command not in ("run", "watch"):
            return run_command(args, beam_args)
        # After the flags: the config imports every stage (trafilatura, numpy, ~0.3 s), and a
        # page run's extraction server starts once they are parsed (start_server_for_pages).
        from scrapeclean.pipeline.job.config import load_config
        from scrapeclean.pipeline.job.store import use_options  # Beam: only run and watch
        from scrapeclean.transforms.text.sandbox import children_per_stage

        config = load_config(Path(args.config) if args.config else None, args.set)
        use_options(beam_args)  # the checks below list the inputs and output (--s3_endpoint_url)
        if getattr(args, "streaming", False):
            check_inputs(args.input, allow_empty=True, count=False)  # bad globs fail now
            output_url = check_stream_output(args.output, args.input)
            return stream(args, config, output_url, beam_args)
        output = check_output(args.output, args.input)
        incremental = args.command == "watch" or args.incremental
        total_files = check_input_layout(args, output, incremental)
    except (UsageError, ConfigError) as error:
        return usage_error(error, argv)
    workers = getattr(args, "workers", None) or 1
    children = 1
    if workers > 1 and not incremental:
        beam_args, workers, children = plan_workers(args, beam_args)
    if workers > 1:
        tune_malloc_for_workers()
    try:
        if args.command == "watch":
            return watch_landing(args, config, output, beam_args)
        with stop_on_signals(), beam_logs_hidden(args), children_per_stage(children):
            summary = (
                run_incremental(args, config, output, beam_args)
                if incremental
                else run_plain(args, config, output, beam_args, total_files)
            )
    except Stopped as stopped:  # the staging folder is gone: the output is as it was
        print(f"scrapeclean: stopped by {stopped}; nothing published", file=sys.stderr)
        return 128 + stopped.signum  # the shell's status for a process ended by that signal
    except UsageError as error:  # a run id taken, or a file of the user's added, meanwhile
        return usage_error(error, argv)
    except Exception as error:  # the run failed: one line, details at DEBUG, no _SUCCESS
        _LOG.debug("run failed", exc_info=True)
        print(f"scrapeclean: run failed: {error}", file=sys.stderr)
        return 1
    return report_run(args, summary)


def start_server_for_pages(args: argparse.Namespace) -> None:
    """Start the extraction children's server now when ``run --workers N`` (N > 1) names HTML
    pages or WARC files (``--format``, or every input glob's extension): its warm-up (~2-4 s,
    text/sandbox.py) was the last thing the run waited for before its first page when it
    started after Beam's import and the input checks (~2 s here): on wcxb-dev's 549 dev pages
    the first page waited 1.6 s for it (docs/html-quality.md). Called before Beam's flags are
    checked; plan_workers starts it for inputs only their sizes show to be pages. A small input
    that then runs in-process uses the server too, with the malloc settings of a --workers run.
    """
    from scrapeclean.pipeline.job.parallelism import PAGE_FORMATS
    from scrapeclean.transforms.text.formats import format_by_extension

    if args.command != "run" or args.streaming or args.incremental or (args.workers or 1) < 2:
        return
    by_flag = args.format in PAGE_FORMATS
    by_name = args.format == "auto" and all(
        format_by_extension(pattern) in PAGE_FORMATS for pattern in args.input
    )
    if by_flag or by_name:
        start_page_server()


def start_page_server() -> None:
    """Start the server the extraction children fork from (text/sandbox.py), once the malloc
    settings of a --workers page run are in the environment, which it and its children inherit.
    Starting it again is a no-op."""
    from scrapeclean.transforms.text.sandbox import start_server

    tune_malloc_for_workers(PAGE_MALLOC_SETTINGS)
    start_server()


def plan_workers(args: argparse.Namespace, beam_args: list[str]) -> tuple[list[str], int, int]:
    """The Beam flags, the worker count and the extraction children a stage gets: ``--workers
    N`` as asked (on HTML pages: Beam in-process, with N extraction children), or in-process
    with one child when the input is too small for worker processes to pay off
    (pipeline/job/parallelism.py), which a line on stderr says unless --quiet."""
    from scrapeclean.pipeline.job.parallelism import (
        MIB,
        PAGE_FORMATS,
        SMALL_RUN_BYTES,
        SMALL_RUN_FILES,
        measure_inputs,
    )

    size = measure_inputs(args.input)
    asked = worker_flags(args.workers)
    in_process = [arg for arg in beam_args if arg not in asked] + worker_flags(1)
    if not size.small:
        if args.format not in PAGE_FORMATS and not size.mostly_pages:
            return beam_args, args.workers, 1
        # The pages are extracted in children forked from one server, which warms up while
        # Beam starts.
        start_page_server()
        return in_process, args.workers, args.workers
    if not args.quiet:
        print(
            f"scrapeclean: running in-process, not --workers {args.workers}: the input "
            f"({size.files} files, {size.bytes / MIB:.1f} MiB) is under {SMALL_RUN_FILES} files "
            f"and {SMALL_RUN_BYTES // MIB} MiB, where starting workers costs more than they save",
            file=sys.stderr,
        )
    return in_process, 1, 1


# An error is one line a terminal shows whole; its message may quote any input (a path, a
# config value), so it is cut here whatever its source.
MAX_ERROR_CHARS = 300


def usage_error(error: Exception, argv: Sequence[str]) -> int:
    """Print a usage or config error as one short line on stderr, argparse's way (``scrapeclean
    run: error: ...``; control characters escaped, cut at MAX_ERROR_CHARS); returns exit status
    2. An error in the command line itself adds where its flags are explained (``(see
    scrapeclean run --help)``); the others (inputs, output folder, config) say what to do."""
    text = str(error)
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:MAX_ERROR_CHARS])
    cut = "..." if len(text) > MAX_ERROR_CHARS else ""
    if isinstance(error, ArgumentError):
        prog, hint = error.prog, f" (see {error.prog} --help)"
    else:
        command = next((arg for arg in argv if not arg.startswith("-")), None)
        prog = f"scrapeclean {command}" if command in COMMANDS else "scrapeclean"
        hint = ""
    print(f"{prog}: error: {shown}{cut}{hint}", file=sys.stderr)
    return 2


def print_output(text: str) -> None:
    """Print ``text`` on stdout; a reader that went away (``| head -1``) is a normal end."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        stdout_closed()


def stdout_closed() -> None:
    """Point stdout at /dev/null after its reader went away, so the flush at exit does not
    fail again (the recipe in Python's docs: signal, "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


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
# ... and for a page run (the launcher, the extraction server and its children): a page (180k
# characters on average over wcxb-dev's dev part) passes through buffers of its size, inflated,
# decoded, pickled to a child and read there, parsed, serialized again by htmldate, and at
# 128 KiB each is a fresh mapping whose zeroed pages the kernel fills on first touch. Blocks up
# to 32 MiB (glibc's largest threshold) from the heap, and up to 128 MiB of free heap kept for
# them: `run --workers 2` over those 549 pages 400k -> 120k page faults, the tree's CPU 26.3
# -> 25.4 s (medians of three alternating runs), its peak 675 -> 735 MB (docs/html-quality.md,
# "Speed, 2026-12-07: page-sized blocks").
PAGE_MALLOC_SETTINGS = {
    **MALLOC_SETTINGS,
    "MALLOC_MMAP_THRESHOLD_": (str(32 * 1024 * 1024), -3),
    "MALLOC_TRIM_THRESHOLD_": (str(128 * 1024 * 1024), -1),
}


def tune_malloc_for_workers(settings: dict[str, tuple[str, int]] = MALLOC_SETTINGS) -> None:
    """Apply ``settings`` (MALLOC_SETTINGS, or PAGE_MALLOC_SETTINGS for a page run) to the
    --workers processes (they inherit the environment) and, with mallopt, to this one (the
    runner: glibc read its environment at start). A value the user set wins, and so does one an
    earlier call set (a page run's, before the run's own call).

    Measured on the training profile, 100k dumps, --workers 2: process-tree peak 965 MB with
    them, 1,205 MB without (runner 291 vs 429 MB); the arena cap alone, 20k dumps: 853-912 MB
    vs 969-985 MB.
    """
    libc = _glibc()
    for name, (value, option) in settings.items():
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


# Where the launcher logs what the --workers processes log (as "Worker: ..." lines, WARNING
# and up): Beam's job service.
WORKER_LOGS = "apache_beam.runners.portability.local_job_service"


def beam_logs_hidden(args: argparse.Namespace) -> contextlib.AbstractContextManager[None]:
    """While the pipeline runs: nothing on stderr with --quiet; without --verbose, none of the
    --workers processes' log lines (~46 INFO and WARNING lines a run), our progress kept."""
    if args.verbose:
        logging.getLogger().setLevel(logging.INFO)
        return contextlib.nullcontext()
    logging.getLogger(WORKER_LOGS).setLevel(logging.ERROR)
    if args.quiet:
        return silenced_stderr()
    if (args.workers or 1) > 1:
        return silenced_stderr(keep_ours=True)
    return contextlib.nullcontext()


@contextlib.contextmanager
def silenced_stderr(keep_ours: bool = False) -> Iterator[None]:
    """Point file descriptor 2 at /dev/null while the pipeline runs.

    Beam's worker processes (--workers) inherit it and log INFO lines there whatever the log
    level asked for (docs/beam-notes.md §7); an error is printed after it is back. With
    ``keep_ours`` this process's own stderr (progress, warnings) goes on where it went, through
    a copy of the old descriptor.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        with _stderr_on(saved) if keep_ours else contextlib.nullcontext():
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def _stderr_on(descriptor: int) -> Iterator[None]:
    """sys.stderr, and the log handlers that write to it, on a copy of ``descriptor`` meanwhile."""
    original = sys.stderr
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.StreamHandler) and handler.stream is original
    ]
    with open(  # line-buffered: a progress line shows when it is written
        os.dup(descriptor), "w", buffering=1, encoding="utf-8", errors="backslashreplace"
    ) as ours:
        sys.stderr = ours
        for handler in handlers:
            handler.setStream(ours)
        try:
            yield
        finally:
            sys.stderr = original
            for handler in handlers:
                handler.setStream(original)


def check_input_layout(args: argparse.Namespace, output: str, incremental: bool) -> int:
    """Usage checks before anything is written; returns how many files the inputs match."""
    from scrapeclean.pipeline.job.incremental import check_incremental_output, partition_path
    from scrapeclean.pipeline.job.outputdir import check_output_folder

    files = check_output_folder(output, getattr(args, "overwrite", False), incremental)
    check_incremental_output(output, files, incremental)
    if incremental:
        partition_path(args.partition, "run", "2000-01-01")  # a bad template fails now
        return 0
    return check_inputs(args.input, args.allow_empty, count=not args.quiet)


def run_plain(
    args: argparse.Namespace,
    config: RunConfig,
    output: str,
    beam_args: list[str],
    total_files: int,
) -> RunSummary:
    """One complete run over every input into articles/ and rejects/, holding the output's
    lock (a second run on the same output is refused, exit 2)."""
    from apache_beam.options.pipeline_options import PipelineOptions

    from scrapeclean.pipeline.job.lock import output_lock
    from scrapeclean.pipeline.job.outputdir import check_output_folder
    from scrapeclean.pipeline.job.run import Progress, RunRequest, run

    progress = None if args.quiet else Progress(total_files, args.progress_interval)
    request = RunRequest(
        config,
        tuple(args.input),
        output,
        tuple(beam_args),
        args.format,
        args.max_reject_rate,
        progress,
    )
    with output_lock(output, PipelineOptions(beam_args)) as lock:
        # Again, now that no other run can change it: one may have finished since the check.
        check_output_folder(output, args.overwrite, incremental=False)
        return run(request, lock)


def run_incremental(
    args: argparse.Namespace, config: RunConfig, output: str, beam_args: list[str]
) -> RunSummary | None:
    """One incremental batch over the inputs the ledger does not know (None: nothing new)."""
    from scrapeclean.pipeline.job.incremental import BatchSpec, run_batch
    from scrapeclean.pipeline.job.ledger import list_inputs, load_ledger, select_new
    from scrapeclean.pipeline.job.manifest import committed_manifests

    files = select_new(list_inputs(args.input), load_ledger(committed_manifests(output)))
    if not files:
        return None
    spec = BatchSpec(
        config, output, beam_args, args.format, args.partition, args.run_date, args.max_reject_rate
    )
    return run_batch(spec, files, args.run_id)[1]


def watch_landing(
    args: argparse.Namespace, config: RunConfig, output: str, beam_args: list[str]
) -> int:
    """``scrapeclean watch``: micro-batches until a signal (or --max-batches)."""
    from scrapeclean.pipeline.job.incremental import BatchSpec, run_batch
    from scrapeclean.pipeline.job.watch import WatchOptions, watch

    spec = BatchSpec(config, output, beam_args, args.format, args.partition)
    options = WatchOptions(args.interval, args.settle, args.max_batches)
    return watch(args.input, output, lambda files: run_batch(spec, files), options, sys.stderr)


def stream(args: argparse.Namespace, config: RunConfig, output: str, beam_args: list[str]) -> int:
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


def check_stream_output(output: str, inputs: Sequence[str]) -> str:
    """Where a streaming job writes: a Beam filesystem URL as is, a local folder made absolute.

    Refuses a folder that holds a batch dataset (window files would mix into its layout), or
    that the inputs read.
    """
    from scrapeclean.pipeline.job.outputdir import check_apart, check_output_name

    check_output_name(output)
    if "://" in output:  # written by the workers through Beam's FileSystems; no local rename
        return output
    check_apart(output, inputs)
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
            print_output("scrapeclean: nothing new since the last run; nothing written")
        return 0
    if not args.quiet:
        print_output(format_summary(summary))
    if summary.reject_rate_exceeded:
        rate = summary.rejects / summary.documents_in
        print(
            f"scrapeclean: run failed: {rate:.1%} of documents rejected > --max-reject-rate "
            f"{args.max_reject_rate:.1%}; no _SUCCESS written",
            file=sys.stderr,
        )
        return 1
    return 0


def run_command(args: argparse.Namespace, beam_args: list[str]) -> int:
    """Run report, inspect or explain (``beam_args``: Beam's options for a store, e.g.
    --s3_endpoint_url); a failure that is not bad usage is one line, exit 1."""
    try:
        status = run_readback(args, beam_args)
        sys.stdout.flush()  # here, where a closed stdout is caught, not at exit
        return status
    except BrokenPipeError:  # the reader has what it wanted (``| head -1``)
        stdout_closed()
        return 0
    except (UsageError, ConfigError):
        raise
    except Exception as error:
        _LOG.debug("%s failed", args.command, exc_info=True)
        print(f"scrapeclean: {args.command} failed: {error!r}", file=sys.stderr)
        return 1


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


def check_output(output: str, inputs: Sequence[str]) -> str:
    """The output must be a folder (or not exist yet), or a prefix on a Beam filesystem
    (s3://bucket/prefix, gs://...), apart from the inputs."""
    from scrapeclean.pipeline.job.outputdir import check_apart, check_output_name
    from scrapeclean.pipeline.job.store import check_store, is_remote

    check_output_name(output)
    for path in (output, *inputs):
        check_store(path)
    if not is_remote(output) and os.path.exists(output) and not os.path.isdir(output):
        raise UsageError(f"--output {output!r} exists and is not a folder")
    check_apart(output, inputs)
    return output


def _configure_logging() -> None:
    # Beam's import logs "apitools not found ..." through the root logger; filter it first,
    # and use force=True because that warning already configured logging (docs/beam-notes.md §7).
    logging.getLogger().addFilter(lambda record: "apitools not found" not in record.getMessage())
    logging.basicConfig(level=logging.WARNING, format="scrapeclean: %(message)s", force=True)


if __name__ == "__main__":
    sys.exit(main())
