"""Flag helpers that several subcommands share: the config flags and bounded numbers."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from scrapeclean.transforms.text.formats import FORMATS


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """--config, --set and --format: how every command that cleans documents is configured."""
    parser.add_argument(
        "--config",
        metavar="FILE.yaml",
        help="run config layered over configs/default.yaml (which lists every key)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one config key, e.g. --set validate.min_words=50; repeatable",
    )
    parser.add_argument(
        "--format",
        choices=("auto", *FORMATS),
        default="auto",
        help="input format; auto picks by extension (.txt text, .html page, .jsonl records, "
        ".warc archive; anything else is a text dump)",
    )


def bounded(
    kind: type[int] | type[float],
    minimum: float,
    maximum: float | None = None,
    strict: bool = False,
) -> Callable[[str], float]:
    """An argparse ``type`` for a number within bounds, with one clear message when it is not.

    ``strict`` makes the minimum exclusive (a positive float: ``bounded(float, 0, strict=True)``).
    """
    name = "a whole number" if kind is int else "a number"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {name}") from None
        below = value <= minimum if strict else value < minimum
        if below or (maximum is not None and value > maximum):
            wanted = (
                f"between {minimum:g} and {maximum:g}"
                if maximum is not None
                else f"{'>' if strict else '>='} {minimum:g}"
            )
            raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}")
        return value

    return parse
