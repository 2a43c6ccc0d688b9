"""Reading a finished scrapeclean output folder for ``report`` and ``inspect``: the manifest,
the article and reject datasets (flat or hive-partitioned) and raw-input previews. Never writes.

Everything is tolerant of older and newer outputs: missing columns read as absent, unknown
columns and manifest keys pass through.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from scrapeclean.pipeline.tools.stores import arrow_filesystem, is_remote, list_names, read_bytes
from scrapeclean.transforms.errors import UsageError
from scrapeclean.transforms.text.decode import (
    GZIP_MAGIC,
    ReadConfig,
    RefusedError,
    inflate,
    is_binary,
)
from scrapeclean.transforms.text.sources import NotRegularFileError, open_regular, path_of

ARTICLES = "articles"
REJECTS = "rejects"
MANIFEST = "manifest.json"
MANIFESTS = "manifests"  # an incremental output's committed manifests, one per run
PUBLISHED = "published"  # a manifest's list of its run's data files (pipeline/job/outputdir.py)
SUCCESS = "_SUCCESS"
# A source file larger than this is not read back for a preview: a report must stay fast and
# small, and a news article's raw input is a few KB (the 1 MiB reject `raw` cap, contract).
MAX_SOURCE_BYTES = 1024 * 1024
_HEX_PREVIEW_BYTES = 256
# Container sources: `path#L<n>` is a JSONL line, `path#<offset>` a WARC record (contract).
_SOURCE_SUFFIX = re.compile(r"#(L?)(\d+)$")


@dataclass(frozen=True, slots=True)
class OutputDir:
    """A scrapeclean output: where it is, its manifest (maybe empty), completeness, and the data
    files its committed manifests name."""

    location: str  # an absolute local path, or a store's URL (s3://bucket/prefix)
    manifest: dict[str, Any]
    complete: bool  # _SUCCESS is present: the run that wrote it finished
    # The files (relative) the committed manifests name: all a reader may trust on a store
    # without atomic renames (docs/object-stores.md). None: an older output that names none,
    # read as it lies (every Parquet file under articles/ and rejects/).
    published: frozenset[str] | None
    filesystem: pafs.FileSystem
    root: str  # ``location`` as a path on ``filesystem``


@dataclass(frozen=True, slots=True)
class RawPreview:
    """Raw input shown to a person: the text (None when unavailable) and how it was read."""

    text: str | None
    note: str


def open_output(location: str, beam_args: Sequence[str] = ()) -> OutputDir:
    """Open an output (a local folder, or on a store with Beam's options for it), refusing with
    a one-line UsageError what is not one."""
    if not is_remote(location):
        if not os.path.exists(location):
            raise UsageError(f"{location!r} does not exist")
        if not os.path.isdir(location):
            raise UsageError(f"{location!r} is not a folder")
        location = os.path.abspath(location)
    filesystem, root = arrow_filesystem(location, beam_args)
    names = list_names(filesystem, root)
    if MANIFEST not in names and not any(name.startswith(f"{ARTICLES}/") for name in names):
        raise UsageError(f"{location!r} is not a scrapeclean output (no {MANIFEST}, no articles/)")
    manifest = _read_json(filesystem, f"{root}/{MANIFEST}") if MANIFEST in names else {}
    committed = [manifest] if manifest else []
    committed += [
        _read_json(filesystem, f"{root}/{name}")
        for name in names
        if name.startswith(f"{MANIFESTS}/") and name.endswith(".json") and name.count("/") == 1
    ]
    lists = [document.get(PUBLISHED) for document in committed]
    published = (
        frozenset(path for listed in lists for path in listed)
        if lists and all(isinstance(listed, list) for listed in lists)
        else None
    )
    return OutputDir(location, manifest, SUCCESS in names, published, filesystem, root)


def _read_json(filesystem: pafs.FileSystem, path: str) -> dict[str, Any]:
    data = read_bytes(filesystem, path)
    try:
        loaded = json.loads(data) if data is not None else {}
    except ValueError as error:
        raise UsageError(f"{path}: unreadable manifest ({error})") from None
    return loaded if isinstance(loaded, dict) else {}


def open_dataset(output: OutputDir, kind: str) -> ds.Dataset | None:
    """The Parquet dataset under articles/ or rejects/ (any hive partitioning), or None: the
    files the committed manifests name, or (an older output) every file there."""
    folder = f"{output.root}/{kind}"
    if output.published is None:
        source: str | list[str] = folder
        if output.filesystem.get_file_info(folder).type != pafs.FileType.Directory:
            return None
    else:
        source = sorted(
            f"{output.root}/{path}" for path in output.published if path.startswith(f"{kind}/")
        )
        if not source:
            return None
    options: dict[str, Any] = {"format": "parquet", "partitioning": "hive"}
    options |= {"ignore_prefixes": [".", "_"], "partition_base_dir": folder}
    try:
        dataset = ds.dataset(source, filesystem=output.filesystem, **options)
        # The schema of every file, not only the first: an incremental output holds partitions
        # of several schema versions, and a newer column (exact_copies, schema 3) would be
        # dropped when an older file comes first. Columns a file lacks read as nulls.
        files = [fragment.physical_schema for fragment in dataset.get_fragments()]
        unified = pa.unify_schemas([dataset.schema, *files])
        if not unified.equals(dataset.schema):
            dataset = ds.dataset(source, filesystem=output.filesystem, schema=unified, **options)
        return dataset
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


FOCUS_CONTEXT = 3  # lines shown above the one where the article's text starts
FOCUS_MIN_CHARS = 12  # a shorter phrase may well occur in the page's head


def preview_source(source: str, max_chars: int, focus: str | None = None) -> RawPreview:
    """The input a record came from, read back from its file when that is local, small and a
    regular file (``source`` unescaped as docs/sources.md says); ``focus`` as preview_bytes."""
    if "://" in source:
        return RawPreview(None, "unavailable: the source is not a local file")
    path_text, line_number = source, None
    suffix = _SOURCE_SUFFIX.search(source)
    if suffix:
        if not suffix.group(1):
            return RawPreview(None, "unavailable: a WARC record (see the rejects' raw column)")
        path_text, line_number = source[: suffix.start()], int(suffix.group(2))
    try:
        with open_regular(path_of(path_text)) as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except NotRegularFileError as error:
        return RawPreview(None, f"unavailable: the source is {error.strerror}")
    except OSError:
        return RawPreview(None, "unavailable: the source file no longer exists here")
    if len(data) > MAX_SOURCE_BYTES:
        limit = f"{MAX_SOURCE_BYTES:,}"
        return RawPreview(None, f"unavailable: the source file is larger than {limit} bytes")
    if line_number is not None:
        lines = data.split(b"\n")
        if not 1 <= line_number <= len(lines):
            return RawPreview(None, f"unavailable: the file has no line {line_number}")
        data = lines[line_number - 1]
    return preview_bytes(data, max_chars, focus)


def preview_bytes(data: bytes, max_chars: int, focus: str | None = None) -> RawPreview:
    """Raw bytes as a person can read them: gunzipped, decoded as UTF-8 (else cp1252), capped.

    Deliberately not the pipeline's charset detection: a preview shows the input as it is,
    so an encoding problem stays visible instead of being repaired away. With ``focus`` (the
    start of an article's text) the preview starts a few lines before the line that holds it:
    an HTML page's first 12,000 characters are often all head and scripts.
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
    start = focus_start(text, focus) if focus else 0
    if start:
        skipped = text.count("\n", 0, start)
        notes.append(f"from line {skipped + 1:,}, near the article's text")
        text = text[start:]
    if len(text) > max_chars:
        notes.append(f"first {max_chars:,} of {len(text):,} characters")
        text = text[:max_chars] + "…"
    return RawPreview(text, ", ".join(notes))


def focus_start(text: str, focus: str) -> int:
    """Where a preview starts: FOCUS_CONTEXT lines before the first line that holds a few words
    of ``focus`` (tried at a few offsets: a quote mark or an entity may stand in the way), else
    before ``<body``; 0 when neither is found."""
    words = focus.split()
    phrases = [" ".join(words[i : i + n]) for i, n in ((0, 6), (0, 3), (1, 3), (2, 3))]
    found = [text.find(phrase) for phrase in phrases if len(phrase) >= FOCUS_MIN_CHARS]
    found = [index for index in found if index >= 0]
    index = min(found) if found else text.lower().find("<body")
    if index <= 0:
        return 0
    start = text.rfind("\n", 0, index) + 1  # the start of the line that holds it
    for _ in range(FOCUS_CONTEXT):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def hex_dump(data: bytes) -> str:
    """Classic 16-bytes-a-line hex dump with an ASCII column, for binary rejects."""
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        ascii_text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {chunk.hex(' '):<47}  {ascii_text}")
    return "\n".join(lines)
