"""Reading a finished scrapeclean output folder for ``report`` and ``inspect``: the manifest,
the article and reject datasets (flat or hive-partitioned) and raw-input previews. Never writes.

Everything is tolerant of older and newer outputs: missing columns read as absent, unknown
columns and manifest keys pass through.
"""

from __future__ import annotations

import json
import posixpath
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from scrapeclean.transforms.errors import UsageError
from scrapeclean.transforms.text.decode import (
    GZIP_MAGIC,
    ReadConfig,
    RefusedError,
    inflate,
    is_binary,
)

ARTICLES = "articles"
REJECTS = "rejects"
MANIFEST = "manifest.json"
SUCCESS = "_SUCCESS"
# A source file larger than this is not read back for a preview: a report must stay fast and
# small, and a news article's raw input is a few KB (the 1 MiB reject `raw` cap, contract).
MAX_SOURCE_BYTES = 1024 * 1024
_HEX_PREVIEW_BYTES = 256
_URL_HOST = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)")
# Container sources: `path#L<n>` is a JSONL line, `path#<offset>` a WARC record (contract).
_SOURCE_SUFFIX = re.compile(r"#(L?)(\d+)$")


@dataclass(frozen=True, slots=True)
class OutputDir:
    """A scrapeclean output folder: where it is, its manifest (maybe empty) and completeness."""

    path: Path
    manifest: dict[str, Any]
    complete: bool  # _SUCCESS is present: the run that wrote it finished


@dataclass(frozen=True, slots=True)
class RawPreview:
    """Raw input shown to a person: the text (None when unavailable) and how it was read."""

    text: str | None
    note: str


def open_output(location: str) -> OutputDir:
    """Open an output folder, refusing with a one-line UsageError what is not one."""
    path = Path(location)
    if not path.exists():
        raise UsageError(f"{location!r} does not exist")
    if not path.is_dir():
        raise UsageError(f"{location!r} is not a folder")
    manifest_path = path / MANIFEST
    if not manifest_path.is_file() and not (path / ARTICLES).is_dir():
        raise UsageError(f"{location!r} is not a scrapeclean output (no {MANIFEST}, no articles/)")
    manifest: dict[str, Any] = {}
    if manifest_path.is_file():
        try:
            loaded = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise UsageError(f"{manifest_path}: unreadable manifest ({error})") from None
        manifest = loaded if isinstance(loaded, dict) else {}
    return OutputDir(path, manifest, (path / SUCCESS).exists())


def open_dataset(output: OutputDir, kind: str) -> ds.Dataset | None:
    """The Parquet dataset under articles/ or rejects/ (any hive partitioning), or None."""
    folder = output.path / kind
    if not folder.is_dir():
        return None
    try:
        return ds.dataset(folder, format="parquet", partitioning="hive", ignore_prefixes=[".", "_"])
    except (pa.ArrowException, OSError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"{folder}: cannot read Parquet ({first_line})") from None


def column_names(dataset: ds.Dataset | None) -> list[str]:
    """The dataset's columns, partition keys included; none for a missing dataset."""
    return [] if dataset is None else list(dataset.schema.names)


def read_columns(dataset: ds.Dataset | None, wanted: list[str]) -> pa.Table:
    """Read only the wanted columns that exist: older outputs lack some, and bodies are big."""
    if dataset is None:
        return pa.table({})
    present = [name for name in wanted if name in dataset.schema.names]
    return dataset.to_table(columns=present)


def column(table: pa.Table, name: str) -> list[Any]:
    """A column as Python values; a missing column reads as all None."""
    if name in table.column_names:
        return table.column(name).to_pylist()
    return [None] * table.num_rows


def site_of(url: str | None, source: str | None) -> str:
    """Where an article is from: the URL's host, else the folder of its input file."""
    if url:
        match = _URL_HOST.match(url)
        if match:
            return match.group(1).lower()
    if not source:
        return "(unknown)"
    path = _SOURCE_SUFFIX.sub("", source)
    return posixpath.dirname(path.replace("\\", "/")) or "."


def preview_source(source: str, max_chars: int) -> RawPreview:
    """The input a record came from, read back from its file when that is local and small."""
    if "://" in source:
        return RawPreview(None, "unavailable: the source is not a local file")
    path_text, line_number = source, None
    suffix = _SOURCE_SUFFIX.search(source)
    if suffix:
        if not suffix.group(1):
            return RawPreview(None, "unavailable: a WARC record (see the rejects' raw column)")
        path_text, line_number = source[: suffix.start()], int(suffix.group(2))
    path = Path(path_text)
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            return RawPreview(None, f"unavailable: the source file is large ({size:,} bytes)")
        data = path.read_bytes()
    except OSError:
        return RawPreview(None, "unavailable: the source file no longer exists here")
    if line_number is not None:
        lines = data.split(b"\n")
        if not 1 <= line_number <= len(lines):
            return RawPreview(None, f"unavailable: the file has no line {line_number}")
        data = lines[line_number - 1]
    return preview_bytes(data, max_chars)


def preview_bytes(data: bytes, max_chars: int) -> RawPreview:
    """Raw bytes as a person can read them: gunzipped, decoded as UTF-8 (else cp1252), capped.

    Deliberately not the pipeline's charset detection: a preview shows the input as it is,
    so an encoding problem stays visible instead of being repaired away.
    """
    notes = [f"{len(data):,} bytes"]
    if data.startswith(GZIP_MAGIC):
        try:
            data = inflate(data, ReadConfig(max_document_bytes=MAX_SOURCE_BYTES))
        except (RefusedError, zlib.error) as error:
            return RawPreview(None, f"unavailable: gzip data that does not inflate ({error})")
        notes.append(f"gzip, {len(data):,} bytes inflated")
    if is_binary(data[:8192], max_control_ratio=0.02):
        notes.append(f"binary; first {min(len(data), _HEX_PREVIEW_BYTES)} bytes as hex")
        return RawPreview(hex_dump(data[:_HEX_PREVIEW_BYTES]), ", ".join(notes))
    try:
        text = data.decode("utf-8")
        notes.append("UTF-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        notes.append("not valid UTF-8, shown as cp1252")
    if not text.strip():
        notes.append("whitespace only")
    if len(text) > max_chars:
        notes.append(f"first {max_chars:,} of {len(text):,} characters")
        text = text[:max_chars] + "…"
    return RawPreview(text, ", ".join(notes))


def hex_dump(data: bytes) -> str:
    """Classic 16-bytes-a-line hex dump with an ASCII column, for binary rejects."""
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        ascii_text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {chunk.hex(' '):<47}  {ascii_text}")
    return "\n".join(lines)
