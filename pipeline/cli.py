"""``scrapeclean`` command line: exit 0 done, 2 bad usage or config (one line, nothing written),
1 the run failed (no _SUCCESS)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import ConfigError, load_config
from pipeline.options import UsageError, parse_args
from pipeline.outputdir import OutputExistsError, check_output_free

if TYPE_CHECKING:
    from pipeline.run import RunSummary

_LOG = logging.getLogger("scrapeclean")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line in-process and return its exit status."""
    _configure_logging()
    try:
        args, beam_args = parse_args(sys.argv[1:] if argv is None else argv)
        if args.command != "run":
            return run_command(args)
        config = load_config(Path(args.config) if args.config else None, args.set)
        inputs, total_files = check_inputs(args.input, args.allow_empty)
        output = check_output(args.output)
        check_output_free(output, args.overwrite)
    except (UsageError, ConfigError, OutputExistsError) as error:
        print(f"scrapeclean: error: {error}", file=sys.stderr)
        return 2
    from pipeline.run import Progress, RunFailedError, run

    progress = None if args.quiet else Progress(total_files, args.progress_interval)
    try:
        summary = run(
            config, inputs, output, beam_args, args.format, args.max_reject_rate, progress
        )
    except RunFailedError as error:
        print(f"scrapeclean: run failed: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # the run failed; say so in one line, details at DEBUG
        _LOG.debug("run failed", exc_info=True)
        print(f"scrapeclean: run failed: {error!r}", file=sys.stderr)
        return 1
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
        return int(args.handler(args))
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
        f"  {'stage':<12}{'in':>9}{'out':>9}  rejected",
    ]
    for name, counts in summary.stages.items():
        rejected = ", ".join(f"{k} {v}" for k, v in counts["rejected"].items())  # type: ignore[attr-defined]
        lines.append(f"  {name:<12}{counts['in']:>9}{counts['out']:>9}  {rejected}".rstrip())
    reasons = ", ".join(f"{k} {v}" for k, v in summary.rejects_by_reason.items()) or "none"
    lines.append(f"  rejects by reason: {reasons}")
    written = "manifest.json" if summary.reject_rate_exceeded else "manifest.json, _SUCCESS"
    lines.append(
        f"scrapeclean: wrote {summary.output}/articles/*.parquet, rejects/*.parquet, {written}"
    )
    return "\n".join(lines)


def check_inputs(patterns: Sequence[str], allow_empty: bool = False) -> tuple[list[str], int]:
    """Every --input must match a file (a typo must not give an empty dataset) unless allowed.

    Returns the patterns and how many files they match (the progress display's total).
    """
    from apache_beam.io.filesystem import BeamIOError
    from apache_beam.io.filesystems import FileSystems

    files: set[str] = set()
    for pattern in patterns:
        try:
            matched = FileSystems.match([pattern])[0].metadata_list
        except (BeamIOError, ValueError) as error:
            raise UsageError(f"--input {pattern!r}: {error}") from None
        if not matched and not allow_empty:
            raise UsageError(f"--input {pattern!r} matches no files (--allow-empty permits it)")
        files.update(metadata.path for metadata in matched)
    return list(patterns), len(files)


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
