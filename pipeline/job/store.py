"""The file operations an output's life cycle needs, on any Beam filesystem (a local folder,
s3://, gs://): whole writes no reader sees half-done, moves, and deletes of named files.

Object stores have no folders and no atomic rename (Beam's S3 and GCS rename is a copy, then a
delete, one object at a time), so nothing here relies on either: docs/object-stores.md says how
the output's commit protocol is built on these operations instead.
"""

from __future__ import annotations

import importlib
import posixpath
from collections.abc import Sequence

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from scrapeclean.transforms.errors import UsageError

RAW = CompressionTypes.UNCOMPRESSED  # by extension, Beam would gzip a ".gz" name on the way


def use_options(beam_args: Sequence[str]) -> PipelineOptions:
    """Give Beam's filesystems the run's options (--s3_endpoint_url, --s3_access_key_id, ...)
    in this process too, as the pipeline gives them to its workers; returns the options.

    The launcher lists, checks and publishes the output before and after the pipeline runs; on
    S3 Beam's filesystem has no client without these options.
    """
    options = PipelineOptions(list(beam_args))
    FileSystems.set_options(options)
    return options


# The extra each store's filesystem needs (pyproject.toml): Beam names its own, not ours.
_EXTRAS = {"s3": ("boto3", "scrapeclean[s3]"), "gs": ("google.cloud.storage", "scrapeclean[gcs]")}


def check_store(path: str) -> None:
    """Refuse (UsageError) a store URL whose client is not installed, naming the extra."""
    scheme = path.split("://", 1)[0] if is_remote(path) else ""
    if scheme in _EXTRAS:
        module, extra = _EXTRAS[scheme]
        try:
            importlib.import_module(module)
        except ImportError:
            raise UsageError(f"{path!r}: {scheme}:// needs pip install '{extra}'") from None


def is_remote(path: str) -> bool:
    """Whether ``path`` is a URL of a Beam filesystem (s3://, gs://, ...), not a local path."""
    return "://" in path


def has_folders(path: str) -> bool:
    """Whether ``path``'s filesystem has real folders (local, HDFS) rather than key prefixes."""
    return bool(FileSystems.get_filesystem(path).has_dirs())


def put(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old bytes or the new, never a part.

    A store's single upload appears whole when it completes (S3's PUT and multipart completion,
    GCS's finalised upload); in a folder the bytes go to ``.<name>.tmp`` and are renamed over
    the target, which POSIX makes atomic.
    """
    if not has_folders(path):
        with FileSystems.create(path, compression_type=RAW) as handle:
            handle.write(data)
        return
    folder, name = posixpath.split(path)
    temporary = FileSystems.join(folder, f".{name}.tmp")
    with FileSystems.create(temporary, compression_type=RAW) as handle:
        handle.write(data)
    FileSystems.rename([temporary], [path])


def read(path: str) -> bytes | None:
    """The bytes of the file at ``path``, or None when there is none."""
    try:
        with FileSystems.open(path, compression_type=RAW) as handle:
            return handle.read()
    except Exception:
        # Local and S3 say FileNotFoundError; asking again holds on any store (one more call,
        # only when the open failed: on a store each of Beam's calls builds a client).
        if FileSystems.exists(path):
            raise
        return None


def move(sources: Sequence[str], targets: Sequence[str]) -> None:
    """Rename each file of ``sources`` to the same place in ``targets`` (on a store: copy, then
    delete), making the target folders where the filesystem has folders."""
    if not sources:
        return
    if has_folders(targets[0]):
        for folder in sorted({posixpath.dirname(target) for target in targets}):
            if not FileSystems.exists(folder):
                FileSystems.mkdirs(folder)
    FileSystems.rename(list(sources), list(targets))


def delete_files(paths: Sequence[str]) -> None:
    """Delete the named files (a store deletes them in batches of 1,000)."""
    if paths:
        FileSystems.delete(list(paths))


def delete_folder(path: str) -> None:
    """Delete everything below ``path``: a folder and all it holds, or on a store every object
    whose key starts with ``path/``. Only for folders that are wholly ours (staging)."""
    if has_folders(path):
        if FileSystems.exists(path):
            FileSystems.delete([path])
        return
    FileSystems.delete([path.rstrip("/") + "/"])  # Beam's S3/GCS delete a prefix only with "/"
