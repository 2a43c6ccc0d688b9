"""The output folder's life cycle on Beam's FileSystems (a local folder or an object store's
prefix): refuse a folder that is not ours or holds a finished run, clean a killed run's
leftovers, publish staged files under new names, retire the replaced ones, mark success.

Nothing the user owns is ever replaced or deleted (issue 17). A folder is ours when it holds our
``MARKER`` (or, written by an older scrapeclean, our ``_SUCCESS`` and manifest); in it, only our
own names are ours, and inside ``articles/`` and ``rejects/`` only the files a marker lists
(every published folder gets one naming its files). docs/output-folder.md says it for users.
Readers (pyarrow.dataset, Spark, DuckDB, ``datasets``) skip names starting with "_" or ".", so
the markers, staging and trash folders never show up in the dataset. Nothing relies on an
atomic rename of a folder: the run's manifest, written after its files are in place and naming
them, is its commit point (docs/object-stores.md).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import posixpath
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from apache_beam.io.filesystems import FileSystems

from scrapeclean.pipeline.job.lock import LOCK
from scrapeclean.pipeline.job.store import (
    delete_files,
    delete_folder,
    is_remote,
    move,
    put,
    read,
)
from scrapeclean.transforms.beam.matching import match_lazily
from scrapeclean.transforms.beam.published import INDEX
from scrapeclean.transforms.errors import UsageError

MARKER = ".scrapeclean"
SUCCESS = "_SUCCESS"
MANIFESTS = "manifests"
# Published from the staging folder; an incremental run's dedup index
# (transforms/beam/published.py) goes with its partition, and only when a dedup step is on.
PUBLISHED = ("articles", "rejects", INDEX)
_ALWAYS_STAGED = ("articles", "rejects")
REPORT = "report.html"  # `scrapeclean report`'s default file: a report of replaced data is stale
PUBLISHED_KEY = "published"  # the manifest's list of the data files its run published
CARD = "README.md"  # the dataset card (pipeline/job/card.py), rewritten after every run
# Every name our commands (run, watch, report) write at the top of an output folder.
OUR_NAMES = frozenset(
    {*PUBLISHED, SUCCESS, MARKER, MANIFESTS, "manifest.json", "runs.json", REPORT, CARD, LOCK}
)
# Our temporaries: staging and trash folders, and the ".<name>.tmp" of our atomic writes
# (job/manifest.py, job/incremental.py, job/card.py, tools/report.py), at the top and in manifests/.
_TEMPORARY = re.compile(
    r"(_staging|_trash)-[0-9a-f]+|\.(manifest\.json|runs\.json|report\.html|README\.md)\.tmp"
)
_MANIFEST_TEMPORARY = re.compile(r"\.[\w.-]+\.json\.tmp")
_GLOB_CHARACTERS = re.compile(r"[\[*?]")


class OutputExistsError(UsageError):
    """The output folder already holds a finished run and --overwrite was not given."""


class NotOursError(UsageError):
    """The output folder holds something scrapeclean did not write: nothing is replaced."""


def check_output_name(output: str) -> None:
    """Refuse an --output that names no folder, or one Beam's sinks cannot write."""
    if not output:  # Path("") is the working directory: its articles/ would be replaced
        raise UsageError("--output is empty (an unset shell variable?); give a folder")
    if _GLOB_CHARACTERS.search(output):  # measured: such a run fails in FinalizeWrite, exit 1
        raise UsageError(
            f"--output {output!r}: Beam's file sinks read '[', '*' and '?' in a folder name "
            "as a glob; choose a name without them"
        )


def check_apart(output: str, inputs: Sequence[str]) -> None:
    """Refuse an output (a local folder or a store's prefix) that is an input's folder, lies in a
    folder an input glob lists, or holds an input: a run would read its own output (a
    manifest.json as an article) or publish among its inputs."""
    written = _resolved(output)
    for pattern in inputs:
        if is_remote(pattern) != is_remote(output):
            continue
        folder = _resolved(input_folder(pattern))
        listed = pattern.endswith("/") or _GLOB_CHARACTERS.search(pattern) is not None
        if written == folder:
            problem = f"is the folder --input {pattern!r} reads"
        elif listed and _within(written, folder):
            problem = f"is inside {folder!r}, which --input {pattern!r} lists"
        elif _within(folder, written):
            problem = f"holds the input {pattern!r}"
        else:
            continue
        raise UsageError(f"--output {output!r} {problem}; write the output elsewhere")


def input_folder(pattern: str) -> str:
    """The folder a glob lists (its part before the first wildcard, as transforms/beam/matching.py
    lists it), or a plain path's own folder."""
    prefix = _GLOB_CHARACTERS.split(pattern + "*" if pattern.endswith("/") else pattern, 1)[0]
    return os.path.dirname(prefix)


def _resolved(path: str) -> str:
    """A local path with its links resolved; a store's URL as written (keys are plain text)."""
    return path.rstrip("/") if is_remote(path) else os.path.realpath(path)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def check_output_folder(output: str, overwrite: bool, incremental: bool) -> list[str]:
    """Refuse (before anything is written) a folder that is not ours, holds a file of the user's
    among ours, or holds a finished plain run without --overwrite; a crashed run may be redone.
    Returns what the folder holds (relative paths)."""
    files = list_files(output)
    if not files:
        return files
    if not is_ours(files):
        raise NotOursError(
            f"--output {output!r} holds files scrapeclean did not write (e.g. {files[0]!r}); "
            "give a new or empty folder"
        )
    foreign = foreign_files(output, files)
    if foreign:
        raise NotOursError(
            f"--output {output!r} holds {foreign[0]!r}, which scrapeclean did not write; "
            "move it away first (nothing was changed)"
        )
    if SUCCESS in files and not overwrite and not incremental:
        raise OutputExistsError(
            f"--output {output!r} already holds a finished run; --overwrite replaces it"
        )
    return files


def is_ours(files: list[str]) -> bool:
    """Whether a folder holding ``files`` (relative paths) is an output scrapeclean wrote (or
    one a run locked and was killed before it marked it)."""
    return MARKER in files or is_legacy(files) or set(files) == {LOCK}


def is_legacy(files: list[str]) -> bool:
    """An output of a scrapeclean older than the markers: our _SUCCESS and a manifest."""
    manifest = "manifest.json" in files or any(f.startswith(f"{MANIFESTS}/") for f in files)
    return MARKER not in files and SUCCESS in files and manifest


def foreign_files(output: str, files: list[str]) -> list[str]:
    """The files (relative paths) of ``output`` that scrapeclean did not write, in order.

    Everything counts as ours in an older output (is_legacy); it is marked on its next run.
    """
    return unlisted(files, read_markers(output, files))


def read_markers(output: str, files: list[str]) -> dict[str, set[str]]:
    """What each marker among ``files`` lists, by the folder it marks (relative paths)."""
    if is_legacy(files):
        return {}
    return {
        posixpath.dirname(path): read_marker(join(output, path))
        for path in files
        if posixpath.basename(path) == MARKER and path.split("/", 1)[0] in PUBLISHED
    }


def unlisted(files: list[str], listed: dict[str, set[str]]) -> list[str]:
    """The files no marker of ``listed`` (read_markers) accounts for: not ours."""
    if is_legacy(files):
        return []
    return [path for path in files if not _written_by_us(path, listed)]


def _written_by_us(path: str, listed: dict[str, set[str]]) -> bool:
    top, _, rest = path.partition("/")
    if _TEMPORARY.fullmatch(top) or (top == MANIFESTS and rest):
        return True
    if not rest:
        return top in OUR_NAMES
    if top not in PUBLISHED:
        return False
    if posixpath.basename(path) == MARKER:
        return True
    folder = posixpath.dirname(path)
    while folder not in listed:  # the nearest marked folder lists the file, or it is not ours
        if folder == top:
            return False
        folder = posixpath.dirname(folder)
    return posixpath.relpath(path, folder) in listed[folder]


def start_run(output: str, incremental_layout: bool = False) -> str:
    """Make our output folder ready (marked, no _SUCCESS, no leftovers); return a fresh
    staging folder's path. An older scrapeclean's output is adopted: its data folders get
    markers listing what they hold (an incremental output's partitions are marked by
    pipeline/job/incremental.py first).

    Leftovers of a killed run are its staging and trash folders, our temporaries, and (a plain
    output) the files it had published that the committed manifest does not name; a killed
    incremental run's partition is removed by pipeline/job/incremental.py.
    """
    files = list_files(output)
    if files and not is_ours(files):
        raise NotOursError(f"--output {output!r} holds files scrapeclean did not write")
    if MARKER not in files:
        if not incremental_layout:
            for name in PUBLISHED:
                inside = [path for path in files if path.startswith(f"{name}/")]
                if inside:
                    write_marker(join(output, name), [p.split("/", 1)[1] for p in inside])
        write_marker(output, [])  # last: until it is there, the output is still adoptable
    folders, leftovers = set(), []
    for path in files:
        top, _, rest = path.partition("/")
        if _TEMPORARY.fullmatch(top):
            if rest:
                folders.add(top)
            else:
                leftovers.append(top)
        elif path == SUCCESS or (top == MANIFESTS and _MANIFEST_TEMPORARY.fullmatch(rest)):
            leftovers.append(path)
    if not incremental_layout:
        leftovers += uncommitted_data(output, files)
    for folder in sorted(folders):
        delete_folder(join(output, folder))
    delete_files([join(output, path) for path in sorted(leftovers)])
    return join(output, f"_staging-{uuid.uuid4().hex[:12]}")


def uncommitted_data(output: str, files: list[str]) -> list[str]:
    """The data files of a plain output (relative paths) that its committed manifest does not
    name: published by a run killed before its commit point. All are ours: the output was
    checked to hold nothing a marker does not list."""
    manifest = read_json(join(output, "manifest.json")) if "manifest.json" in files else None
    committed = published_by(manifest)
    if committed is None:  # an older scrapeclean's manifest names no files: all are committed
        return []
    return [
        path
        for path in files
        if path.split("/", 1)[0] in PUBLISHED
        and posixpath.basename(path) != MARKER
        and path not in committed
    ]


def published_by(manifest: dict[str, Any] | None) -> set[str] | None:
    """The files (relative to the output) a manifest names as its run's published data: none
    without a manifest; None for a manifest older than the list (it cannot say)."""
    if manifest is None:
        return set()
    published = manifest.get(PUBLISHED_KEY)
    if not isinstance(published, list):
        return None
    return {path for path in published if isinstance(path, str)}


@dataclass(frozen=True, slots=True)
class Publication:
    """What publish moved in (relative to the output) and, for a plain run, the files of the
    run it replaces: deleted by retire once the new manifest is committed."""

    published: list[str]
    replaced: list[str]


def publish(staging: str, output: str, partition: str | None = None) -> Publication:
    """Move the staged data files to their published names, which the run's manifest then
    commits.

    A plain run's names get the staging token (``part-00000-of-00001-<token>.parquet``): with
    --overwrite it never writes over a file the committed manifest names, which stays
    complete and readable until the new manifest replaces it (retire then removes it). Before
    the first move, the markers list the new names, so that the files of a run killed midway
    are known to be ours. With ``partition`` (incremental runs) the files go to
    ``articles/<partition>``, ``rejects/<partition>`` and, when staged,
    ``dedup-index/<partition>``, which must be new. The output is listed, and checked, again
    here: a file added while the run ran is never replaced.
    """
    token = staging.rsplit("-", 1)[-1]
    files = list_files(output)
    markers: dict[str, set[str]] = {}
    if partition is None:  # the folders to be replaced hold nothing but our files
        markers = read_markers(output, files)
        foreign = unlisted([f for f in files if f.split("/", 1)[0] in PUBLISHED], markers)
        if foreign:
            raise NotOursError(f"{foreign[0]!r} in --output was not written by scrapeclean")
    staged = [path for path in list_files(staging) if _is_data(path)]
    moves: list[tuple[str, str]] = []  # (staged path, published path relative to the output)
    replaced: list[str] = []
    for name in PUBLISHED:
        inside = [path for path in staged if _is_in(path, name)]
        if not inside and name not in _ALWAYS_STAGED:
            continue
        folder = name if partition is None else _new_partition(files, name, partition)
        # A partition is new: its names need no token (the dedup index's are read by name).
        names = {
            path: _with_token(path[len(name) + 1 :], token)
            if partition is None
            else path[len(name) + 1 :]
            for path in inside
        }
        listed = {old for old in markers.get(name, set()) if f"{name}/{old}" in files}
        write_marker(join(output, folder), sorted(listed | set(names.values())))
        moves += [(join(staging, path), f"{folder}/{new}") for path, new in names.items()]
        replaced += [f"{name}/{old}" for old in sorted(listed)]
    move([source for source, _ in moves], [join(output, target) for _, target in moves])
    return Publication(sorted(target for _, target in moves), replaced)


def retire(output: str, publication: Publication) -> None:
    """After a plain run's commit: delete the files of the run it replaced, and let the markers
    list only what is published now (unchanged when nothing was replaced)."""
    if publication.replaced:
        delete_files([join(output, path) for path in publication.replaced])
        for name in _ALWAYS_STAGED:  # a plain run publishes no dedup index
            inside = [p for p in publication.published if _is_in(p, name)]
            write_marker(join(output, name), [p[len(name) + 1 :] for p in inside])
    if FileSystems.exists(join(output, REPORT)):  # a report of the replaced data is stale
        delete_files([join(output, REPORT)])


def _is_in(path: str, name: str) -> bool:
    return path.startswith(f"{name}/")


def _is_data(path: str) -> bool:
    """A file a sink published (not a temporary of Beam's or a marker) under a staged folder."""
    parts = path.split("/")
    hidden = any(part.startswith((".", "_", "beam-temp")) for part in parts)
    return path.endswith(".parquet") and not hidden


def _with_token(path: str, token: str) -> str:
    stem, dot, extension = path.rpartition(".")
    return f"{stem}-{token}{dot}{extension}"


def _new_partition(files: list[str], name: str, partition: str) -> str:
    """``name/partition`` (relative to the output), refused (NotOursError) when it is, or lies
    in, a partition already there: a committed partition is never written into."""
    folder = partition
    while folder:  # the partition and every folder above it, up to articles/ itself
        if f"{name}/{folder}/{MARKER}" in files:
            raise NotOursError(f"{name}/{partition} would change the partition {name}/{folder}")
        folder = posixpath.dirname(folder)
    if any(path.startswith(f"{name}/{partition}/") for path in files):
        raise NotOursError(f"{name}/{partition} already exists; a partition is never replaced")
    return f"{name}/{partition}"


def mark_success(output: str, manifest: str) -> None:
    """Write _SUCCESS: the last file of a run, only when all of it is in place. It names the
    committed manifest (relative to ``output``), as Hadoop's S3A committers fill theirs: Beam's
    S3 filesystem cannot write an empty object (S3 refuses a multipart upload of no parts)."""
    put(join(output, SUCCESS), (json.dumps({"manifest": manifest}) + "\n").encode())


def discard(path: str) -> None:
    """Remove a staging folder after a run (best effort: the next run cleans it too)."""
    with contextlib.suppress(OSError):  # BeamIOError too: must not hide why the run failed
        delete_folder(path)


def read_json(path: str) -> dict[str, Any] | None:
    """A JSON object stored at ``path``; None when there is none (or it is not an object)."""
    data = read(path)
    if data is None:
        return None
    document = json.loads(data)
    return document if isinstance(document, dict) else None


def write_marker(folder: str, files: list[str]) -> None:
    """Mark ``folder`` as written by scrapeclean, listing the files (relative) it wrote there."""
    document = {"written_by": "scrapeclean", "files": sorted(files)}
    with FileSystems.create(join(folder, MARKER)) as handle:
        # json.dumps writes ASCII: a name's undecodable bytes (lone surrogates) as \\udcXX.
        handle.write(json.dumps(document, indent=1).encode("ascii") + b"\n")


def read_marker(path: str) -> set[str]:
    """The files a marker lists (none when it is not one of ours)."""
    try:
        with FileSystems.open(path) as handle:
            document = json.loads(handle.read())
    except (OSError, ValueError):
        return set()
    files = document.get("files") if isinstance(document, dict) else None
    return {name for name in files if isinstance(name, str)} if isinstance(files, list) else set()


def list_files(folder: str) -> list[str]:
    """Every file (anything but a folder) under ``folder``, as sorted relative paths."""
    base = folder.rstrip("/") + "/"
    return sorted(found.path[len(base) :] for found in match_lazily(glob.escape(base) + "**"))


def join(folder: str, *names: str) -> str:
    """A path below ``folder`` on its filesystem."""
    return FileSystems.join(folder, *names)
