"""The errors that mean "exit 2": bad usage and bad config. Any room may raise them; the
command line turns them into one line on stderr and exit status 2, with nothing written."""

from __future__ import annotations


class UsageError(ValueError):
    """Bad command-line usage; the message fits on one line."""


class ConfigError(ValueError):
    """A bad config file, key or value; the message names the key and fits on one line."""
