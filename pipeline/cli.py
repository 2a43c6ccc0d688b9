"""``scrapeclean`` command line: exit 0 done, 2 bad usage or config (one line, nothing written),
1 the run failed (no _SUCCESS)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline.config import ConfigError, load_config
from pipeline.options import UsageError, parse_args

_LOG = logging.getLogger("scrapeclean")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line in-process and return its exit status."""
    _configure_logging()
    try:
        args, beam_args = parse_args(sys.argv[1:] if argv is None else argv)
        config = load_config(Path(args.config) if args.config else None, args.set)
        inputs = check_inputs(args.input)
        output = check_output(args.output)
    except (UsageError, ConfigError) as error:
        print(f"scrapeclean: error: {error}", file=sys.stderr)
        return 2
    from pipeline.run import RunFailedError, run

    try:
        summary = run(config, inputs, output, beam_args, args.format)
    except RunFailedError as error:
        print(f"scrapeclean: run failed: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # the run failed; say so in one line, details at DEBUG
        _LOG.debug("run failed", exc_info=True)
        print(f"scrapeclean: run failed: {error!r}", file=sys.stderr)
        return 1
    reasons = ", ".join(f"{k}={v}" for k, v in summary.rejects_by_reason.items()) or "none"
    print(
        f"scrapeclean: {summary.documents_in} documents -> {summary.articles} articles, "
        f"{summary.rejects} rejects ({reasons}) in {summary.seconds:.1f} s\n"
        f"scrapeclean: wrote {summary.output}/articles/*.parquet, rejects/*.parquet, "
        "manifest.json, _SUCCESS"
    )
    return 0


def check_inputs(patterns: Sequence[str]) -> list[str]:
    """Every --input must match at least one file: a typo must not give an empty dataset."""
    from apache_beam.io.filesystem import BeamIOError
    from apache_beam.io.filesystems import FileSystems

    for pattern in patterns:
        try:
            matched = FileSystems.match([pattern])[0].metadata_list
        except (BeamIOError, ValueError) as error:
            raise UsageError(f"--input {pattern!r}: {error}") from None
        if not matched:
            raise UsageError(f"--input {pattern!r} matches no files")
    return list(patterns)


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
