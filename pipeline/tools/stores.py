"""Where report, inspect and explain read (and report writes): a local folder, or an object
store through pyarrow's own filesystems, configured from Apache Beam's options.

The same flags as ``run`` (--s3_endpoint_url, --s3_access_key_id, ...; GCP's application
default credentials) so that one set of settings reaches a bucket from every command; pyarrow
rather than Beam's filesystems because pyarrow.dataset reads Parquet column chunks by range,
where Beam's S3 filesystem builds a client per call. Beam is imported only to parse the flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import pyarrow.fs as pafs


def is_remote(location: str) -> bool:
    """Whether ``location`` is a URL (s3://, gs://, ...) rather than a local path."""
    return "://" in location


def arrow_filesystem(location: str, beam_args: Sequence[str]) -> tuple[pafs.FileSystem, str]:
    """pyarrow's filesystem for ``location`` and the path on it (``bucket/prefix`` on a store)."""
    if not is_remote(location):
        return pafs.LocalFileSystem(), location
    scheme, _, path = location.partition("://")
    path = path.rstrip("/")
    if scheme == "s3":
        return _s3(beam_args), path
    if scheme == "gs":  # the same code path; not testable here (docs/object-stores.md)
        return pafs.GcsFileSystem(), path
    filesystem, found = pafs.FileSystem.from_uri(location)
    return filesystem, found


def _s3(beam_args: Sequence[str]) -> pafs.S3FileSystem:
    """An S3 filesystem from Beam's S3 options; what they leave unset comes from the usual AWS
    environment and config files, as for Beam's own client."""
    from apache_beam.options.pipeline_options import PipelineOptions, S3Options

    options = PipelineOptions(list(beam_args)).view_as(S3Options)
    settings: dict[str, object] = {}
    if options.s3_access_key_id:
        settings["access_key"] = options.s3_access_key_id
        settings["secret_key"] = options.s3_secret_access_key
        settings["session_token"] = options.s3_session_token
    if options.s3_region_name:
        settings["region"] = options.s3_region_name
    if options.s3_endpoint_url:
        endpoint = urlsplit(options.s3_endpoint_url)
        settings["endpoint_override"] = endpoint.netloc or endpoint.path
        settings["scheme"] = endpoint.scheme or "https"
    if options.s3_disable_ssl:
        settings["scheme"] = "http"
    return pafs.S3FileSystem(**settings)


def read_bytes(filesystem: pafs.FileSystem, path: str) -> bytes | None:
    """The bytes of a file, or None when there is none."""
    try:
        with filesystem.open_input_stream(path) as stream:
            return stream.read()
    except (FileNotFoundError, OSError):
        return None


def list_names(filesystem: pafs.FileSystem, folder: str) -> list[str]:
    """Every file below ``folder`` as a path relative to it (none when there is no folder)."""
    selector = pafs.FileSelector(folder, recursive=True, allow_not_found=True)
    base = folder.rstrip("/") + "/"
    return sorted(
        info.path[len(base) :]
        for info in filesystem.get_file_info(selector)
        if info.type == pafs.FileType.File
    )
