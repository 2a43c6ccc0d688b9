"""The `source` escaping scheme (docs/sources.md) and opening only regular files (issue 17)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from scrapeclean.transforms.text.sources import (
    NotRegularFileError,
    open_regular,
    path_of,
    source_of,
)


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("plain.txt", "plain.txt"),  # every valid UTF-8 name is itself: ids do not move
        ("Gómez ünd [1] *?.txt", "Gómez ünd [1] *?.txt"),
        ("new\nline.txt", "new\nline.txt"),
        ("back\\slash.txt", "back\\\\slash.txt"),
        (os.fsdecode(b"bad\xff\xfe.txt"), "bad\\xff\\xfe.txt"),
        (os.fsdecode(b"half\xc3.txt"), "half\\xc3.txt"),  # a cut multi-byte sequence
        ("esc\\xff.txt", "esc\\\\xff.txt"),  # the escape's own text is escaped, not confused
        (os.fsdecode(b"\xed\xa0\x80.txt"), "\\xed\\xa0\\x80.txt"),  # an encoded surrogate
    ],
)
def test_source_is_valid_utf8_and_reads_back(name: str, source: str) -> None:
    assert source_of(name) == source
    source.encode("utf-8")  # valid UTF-8: Parquet and JSON writers take it
    assert path_of(source) == name


def test_a_path_typed_as_it_is_reads_as_itself() -> None:
    assert path_of("C:\\data\\a.txt") == "C:\\data\\a.txt"  # no escape: kept as typed
    assert path_of("a\\x4.txt") == "a\\x4.txt"  # not two hex digits: no escape either


def unix_socket(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return server


def test_only_a_regular_file_is_opened(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_bytes(b"text")
    os.mkfifo(tmp_path / "pipe")
    os.symlink(tmp_path / "missing", tmp_path / "dangling")
    os.symlink("/dev/null", tmp_path / "device")
    os.symlink(tmp_path / "file.txt", tmp_path / "link")
    server = unix_socket(tmp_path / "socket")
    expected = {
        "pipe": "a FIFO (named pipe), not a regular file",  # no writer: a plain open hangs
        "dangling": "a symbolic link whose target is missing",
        "device": "a character device, not a regular file",
        "socket": "a socket, not a regular file",
        ".": "a directory, not a regular file",
    }
    try:
        for name, reason in expected.items():
            with pytest.raises(NotRegularFileError) as caught:
                open_regular(str(tmp_path / name))
            assert caught.value.strerror == reason
    finally:
        server.close()
    with open_regular(str(tmp_path / "link")) as handle:  # a link to a file is that file
        assert handle.read() == b"text"
    with pytest.raises(FileNotFoundError):
        open_regular(str(tmp_path / "nothing"))
