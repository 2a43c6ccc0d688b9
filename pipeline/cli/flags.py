"""Flag helpers that several subcommands share: the config flags and bounded numbers."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from scrapeclean.transforms.text.formats import FORMATS


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """--config, --set and --format: how every command that cleans documents is configured."""
    parser.add_argument(
        "--config",
        metavar="FILE.yaml|NAME",
        help="run config layered over the defaults: a YAML file, or a packaged profile by name "
        "(default, training; the packaged default.yaml lists every key)",
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


# Flags in seconds stop at a day: past any useful wait, and far below threading.TIMEOUT_MAX,
# past which Event.wait raises OverflowError (a traceback from the progress thread).
MAX_WAIT_SECONDS = 86_400.0


def bounded(
    kind: type[int] | type[float],
    minimum: float,
    maximum: float | None = None,
    strict: bool = False,
) -> Callable[[str], float]:
    """An argparse ``type`` for a finite number within bounds, with one clear message when it
    is not (``nan`` compares false with every bound, so it is refused by name).

    ``strict`` makes the minimum exclusive (a positive float: ``bounded(float, 0, strict=True)``).
    """
    name = "a whole number" if kind is int else "a number"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {name}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        below = value <= minimum if strict else value < minimum
        if below or (maximum is not None and value > maximum):
            if maximum is None:
                wanted = f"{'>' if strict else '>='} {minimum:g}"
            elif strict:
                wanted = f"> {minimum:g} and <= {maximum:g}"
            else:
                wanted = f"between {minimum:g} and {maximum:g}"
            raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}")
        return value

    return parse
