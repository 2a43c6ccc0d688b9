"""Input paths as records name them, and opening an input only when it is a regular file.

``source_of`` writes a path as valid UTF-8 with one escaping scheme (docs/sources.md): a byte
that is not part of valid UTF-8 becomes ``\\xHH`` and a backslash becomes ``\\\\``; every other
name, newlines and glob characters included, is itself. ``path_of`` reads it back, which is how
``explain`` and ``inspect`` find a record's file. No Beam here: the readers choose when to use
``open_regular`` (local paths) and when their filesystem's own open.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from typing import BinaryIO

_ESCAPED = re.compile(rb"\\(\\|x[0-9a-f]{2})")
_RECORD_SUFFIX = re.compile(r"#L?\d+$")
_KINDS = (  # what a name can be besides a regular file (stat(2)), as a reject's detail says it
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotRegularFileError(OSError):
    """The path names something other than a regular file: it is not opened, let alone read."""


def source_of(path: str) -> str:
    """The ``source`` a path gets: valid UTF-8 whatever bytes the name holds, and reversible.

    Python hands a non-UTF-8 byte of a file name over as a lone surrogate, which no UTF-8
    writer (Parquet, JSON) accepts; ``backslashreplace`` writes it as ``\\xHH`` instead, and
    doubling every backslash first keeps the two apart (``path_of`` undoes both).
    """
    raw = os.fsencode(path)
    return raw.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def file_source(source: str) -> str:
    """The source of the input file a record came from: ``source`` without a JSONL line's
    ``#L<n>`` or a WARC record's ``#<offset>`` (contract, "source")."""
    return _RECORD_SUFFIX.sub("", source)


def path_of(source: str) -> str:
    """The path a ``source`` (without its ``#L<n>`` or ``#<offset>`` suffix) names.

    A backslash not followed by a backslash or ``xHH`` is kept: a path typed as it is on disk
    and holding none of the escapes reads as itself.
    """
    raw = _ESCAPED.sub(_unescape, source.encode("utf-8", "surrogateescape"))
    return os.fsdecode(raw)


def _unescape(match: re.Match[bytes]) -> bytes:
    escape = match.group(1)
    return b"\\" if escape == b"\\" else bytes([int(escape[1:], 16)])


def open_regular(path: str) -> BinaryIO:
    """Open a local input for reading, refusing (NotRegularFileError) all but a regular file.

    Opened non-blocking and checked with fstat on the open descriptor: a FIFO is never waited
    on (a plain open blocks until a writer appears: a run hung forever, issue 17) and nothing
    can swap the file between the check and the read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise _explained(path, error) from None
    try:
        kind = kind_of(os.fstat(descriptor).st_mode)
        if kind is not None:
            raise NotRegularFileError(errno.EINVAL, f"{kind}, not a regular file")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def kind_of(mode: int) -> str | None:
    """What a stat mode names when it is not a regular file (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _explained(path: str, error: OSError) -> OSError:
    """The open's error, named for what the path is when that is the reason it failed."""
    try:
        if not os.path.exists(path) and os.path.islink(path):
            return NotRegularFileError(errno.ENOENT, "a symbolic link whose target is missing")
        kind = kind_of(os.stat(path).st_mode)  # e.g. a socket: open(2) fails with ENXIO
    except OSError:
        return error
    if kind is None:
        return error
    return NotRegularFileError(error.errno, f"{kind}, not a regular file")
