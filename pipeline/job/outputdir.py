"""The output folder's life cycle on Beam's FileSystems: refuse a folder that is not ours or holds
a finished run, clean a killed run's leftovers, publish staged folders by rename, mark success.

Nothing the user owns is ever replaced or deleted (issue 17). A folder is ours when it holds our
``MARKER`` (or, written by an older scrapeclean, our ``_SUCCESS`` and manifest); in it, only our
own names are ours, and inside ``articles/`` and ``rejects/`` only the files a marker lists
(every published folder gets one naming its files). docs/output-folder.md says it for users.
Readers (pyarrow.dataset, Spark, DuckDB, ``datasets``) skip names starting with "_" or ".", so
the markers, staging and trash folders never show up in the dataset.
"""

from __future__ import annotations

import glob
import json
import os
import posixpath
import re
import uuid
from collections.abc import Sequence

from apache_beam.io.filesystems import FileSystems

from scrapeclean.transforms.beam.matching import match_lazily
from scrapeclean.transforms.beam.published import INDEX
from scrapeclean.transforms.errors import UsageError

MARKER = ".scrapeclean"
SUCCESS = "_SUCCESS"
MANIFESTS = "manifests"
# Published by rename from the staging folder; an incremental run's dedup index
# (transforms/beam/published.py) goes with its partition, and only when a dedup step is on.
PUBLISHED = ("articles", "rejects", INDEX)
_ALWAYS_STAGED = ("articles", "rejects")
REPORT = "report.html"  # `scrapeclean report`'s default file: a report of replaced data is stale
CARD = "README.md"  # the dataset card (pipeline/job/card.py), rewritten after every run
# Every name our commands (run, watch, report) write at the top of an output folder.
OUR_NAMES = frozenset(
    {*PUBLISHED, SUCCESS, MARKER, MANIFESTS, "manifest.json", "runs.json", REPORT, CARD}
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
    """Refuse a local output folder that is an input's folder, lies in a folder an input glob
    lists, or holds an input: a run would read its own output (a manifest.json as an article)
    or publish among its inputs."""
    written = os.path.realpath(output)
    for pattern in inputs:
        if "://" in pattern:
            continue
        read = os.path.realpath(input_folder(pattern))
        listed = pattern.endswith("/") or _GLOB_CHARACTERS.search(pattern) is not None
        if written == read:
            problem = f"is the folder --input {pattern!r} reads"
        elif listed and _within(written, read):
            problem = f"is inside {read!r}, which --input {pattern!r} lists"
        elif _within(read, written):
            problem = f"holds the input {pattern!r}"
        else:
            continue
        raise UsageError(f"--output {output!r} {problem}; write the output elsewhere")


def input_folder(pattern: str) -> str:
    """The folder a glob lists (its part before the first wildcard, as transforms/beam/matching.py
    lists it), or a plain path's own folder."""
    prefix = _GLOB_CHARACTERS.split(pattern + "*" if pattern.endswith("/") else pattern, 1)[0]
    return os.path.dirname(prefix)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def check_output_folder(output: str, overwrite: bool, incremental: bool) -> None:
    """Refuse (before anything is written) a folder that is not ours, holds a file of the user's
    among ours, or holds a finished plain run without --overwrite; a crashed run may be redone."""
    files = list_files(output)
    if not files:
        return
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


def is_ours(files: list[str]) -> bool:
    """Whether a folder holding ``files`` (relative paths) is an output scrapeclean wrote."""
    return MARKER in files or is_legacy(files)


def is_legacy(files: list[str]) -> bool:
    """An output of a scrapeclean older than the markers: our _SUCCESS and a manifest."""
    manifest = "manifest.json" in files or any(f.startswith(f"{MANIFESTS}/") for f in files)
    return MARKER not in files and SUCCESS in files and manifest


def foreign_files(output: str, files: list[str]) -> list[str]:
    """The files (relative paths) of ``output`` that scrapeclean did not write, in order.

    Everything counts as ours in an older output (is_legacy); it is marked on its next run.
    """
    if is_legacy(files):
        return []
    listed = {
        posixpath.dirname(path): read_marker(join(output, path))
        for path in files
        if posixpath.basename(path) == MARKER and path.split("/", 1)[0] in PUBLISHED
    }
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
    pipeline/job/incremental.py first)."""
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
    leftovers = set()
    for path in files:
        top, _, rest = path.partition("/")
        if _TEMPORARY.fullmatch(top):
            leftovers.add(top)
        elif path == SUCCESS or (top == MANIFESTS and _MANIFEST_TEMPORARY.fullmatch(rest)):
            leftovers.add(path)
    if leftovers:
        FileSystems.delete([join(output, leftover) for leftover in sorted(leftovers)])
    return join(output, f"_staging-{uuid.uuid4().hex[:12]}")


def publish(staging: str, output: str, partition: str | None = None) -> None:
    """Swap each staged folder in by renames; a replaced folder is moved aside, then deleted.

    With ``partition`` (incremental runs) the folders go to ``articles/<partition>``,
    ``rejects/<partition>`` and, when staged, ``dedup-index/<partition>``, which must be new:
    a committed partition is never replaced. Every folder to be replaced is checked to hold
    nothing but our files before the first rename. A kill between the renames leaves a folder
    missing, never half a folder, and no _SUCCESS; the
    next run removes what is left in _staging-*, _trash-*.
    """
    targets = {
        name: _target(output, name, partition)
        for name in PUBLISHED
        if name in _ALWAYS_STAGED or FileSystems.exists(join(staging, name))
    }
    for name in targets:
        staged = join(staging, name)
        write_marker(staged, list_files(staged))
    trash = []
    for name, target in targets.items():
        if FileSystems.exists(target):
            trash.append(join(output, f"_trash-{uuid.uuid4().hex[:12]}"))
            FileSystems.rename([target], [trash[-1]])
        parent = posixpath.dirname(target)
        if not FileSystems.exists(parent):
            FileSystems.mkdirs(parent)
        FileSystems.rename([join(staging, name)], [target])
    if partition is None and FileSystems.exists(join(output, REPORT)):
        FileSystems.delete([join(output, REPORT)])
    if trash:
        FileSystems.delete(trash)


def _target(output: str, name: str, partition: str | None) -> str:
    """Where a staged folder goes, refused (NotOursError) when that would touch what is not
    ours, or (incremental) when it is, or lies in, a partition already there."""
    if partition is None:
        target = join(output, name)
        foreign = foreign_files(output, [f"{name}/{path}" for path in list_files(target)])
        if foreign:
            raise NotOursError(f"{foreign[0]!r} in --output was not written by scrapeclean")
        return target
    target = join(output, name, *partition.split("/"))
    folder = partition
    while folder:  # the partition and every folder above it, up to articles/ itself
        if FileSystems.exists(join(output, name, *folder.split("/"), MARKER)):
            raise NotOursError(f"{name}/{partition} would change the partition {name}/{folder}")
        folder = posixpath.dirname(folder)
    if FileSystems.exists(target):
        raise NotOursError(f"{name}/{partition} already exists; a partition is never replaced")
    return target


def mark_success(output: str) -> None:
    """Write _SUCCESS: the last file of a run, only when all of it is in place."""
    FileSystems.create(join(output, SUCCESS)).close()


def discard(path: str) -> None:
    """Remove a staging folder after a failed run (best effort: the next run cleans it too)."""
    try:
        if FileSystems.exists(path):
            FileSystems.delete([path])
    except OSError:  # BeamIOError too: must not hide why the run failed
        pass


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
