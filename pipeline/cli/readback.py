"""The read-back subcommands ``report``, ``inspect`` and ``explain``: their flags, and the call
into the typed ``run`` functions of pipeline/tools (which know nothing of argparse)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from scrapeclean.pipeline.cli.flags import add_config_flags, bounded

READBACK_COMMANDS = ("report", "inspect", "explain")
INSPECT_LIMIT = 5  # records ``inspect`` prints unless --limit says otherwise


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report``, ``inspect`` and ``explain`` to the scrapeclean subcommands."""
    add_report_parser(subparsers)
    add_inspect_parser(subparsers)
    add_explain_parser(subparsers)


def run_readback(args: argparse.Namespace, beam_args: Sequence[str] = ()) -> int:
    """Run the read-back command ``args`` names; returns its exit status. ``beam_args`` are
    Apache Beam's options for reading a store (--s3_endpoint_url, ...), as ``run`` takes them."""
    # Imported here, not with the flags: the tools import pyarrow.dataset and pandas, and every
    # command's flags are parsed before it starts (a page run's extraction server waited 0.5 s).
    from scrapeclean.pipeline.job.config import load_config
    from scrapeclean.pipeline.tools import explain, inspect, report

    if args.command == "report":
        return report.run(args.outdir, args.html, beam_args)
    if args.command == "inspect":
        return inspect.run(args.outdir, args.rejects, args.where, args.limit, beam_args)
    config = load_config(Path(args.config) if args.config else None, args.set)
    return explain.run(args.file, config, args.format, args.record, args.full, beam_args)


def add_report_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``scrapeclean report OUTDIR [--html FILE]``."""
    parser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report (charts, counts, samples) of an output folder",
        description="Describe a scrapeclean output in one HTML file with no external resources: "
        "distributions, reject reasons, repairs, boilerplate per site, the manifest, and sample "
        "articles beside their raw input. Prints the report's path.",
    )
    parser.add_argument("outdir", metavar="OUTDIR", help="a `scrapeclean run --output` folder")
    parser.add_argument(
        "--html", metavar="FILE", help="where to write the report (default OUTDIR/report.html)"
    )


def add_inspect_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``scrapeclean inspect OUTDIR [--rejects] [--where EXPR ...] [--limit N]``."""
    parser = subparsers.add_parser(
        "inspect",
        help="print a few articles (or rejects) of an output folder as readable text",
        description="Print articles of a scrapeclean output: headline, summary, lead, body "
        "excerpt, credits, fixes, removed boilerplate, source and doc_id (with --rejects: "
        "source, reason, detail and raw excerpt).",
    )
    parser.add_argument("outdir", metavar="OUTDIR", help="a `scrapeclean run --output` folder")
    parser.add_argument("--rejects", action="store_true", help="show rejects instead of articles")
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="EXPR",
        help="filter: COLUMN=VALUE (equal), COLUMN!=VALUE (not equal), COLUMN~TEXT "
        "(contains, any case), or COLUMN<N, >N, <=N, >=N on a numeric column, e.g. "
        "reason=too_short, site=example.com, language!=en, source~reuters, 'n_words>1000'; for "
        "list columns any element; an empty VALUE matches nulls; repeatable, terms are ANDed",
    )
    parser.add_argument(
        "--limit",
        type=bounded(int, 1),
        default=INSPECT_LIMIT,
        metavar="N",
        help=f"show at most N records (default {INSPECT_LIMIT})",
    )


def add_explain_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``scrapeclean explain FILE|SOURCE [--record N] [--full] [--config ...] [--set ...]``."""
    parser = subparsers.add_parser(
        "explain",
        help="run one input document through every stage and show what each stage changed",
        description="Read one document and run it through every stage of a run, showing per "
        "stage a diff of the text, the fixes added and the boilerplate removed, then the "
        "Article fields (with its split) or the reject reason. The corpus steps that judge one "
        "article (quality, language filter, split) run when the config turns them on; those "
        "that compare documents (site lines, dedup) are named, not judged. Uses the same config "
        "as `run` (defaults, --config, --set).",
    )
    parser.add_argument(
        "file",
        metavar="FILE|SOURCE",
        help="a text or HTML file, or one record as a run's `source` names it: "
        "crawl.jsonl#L39 (a JSONL line), crawl.warc.gz#1234 (a WARC record's offset)",
    )
    parser.add_argument(
        "--record",
        type=bounded(int, 1),
        metavar="N",
        help="which record of a JSONL or WARC FILE: its line N (JSONL), its N-th HTML response "
        "(WARC)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="show everything; by default long listings, diffs and fields are cut, saying how "
        "much was left out",
    )
    add_config_flags(parser)
