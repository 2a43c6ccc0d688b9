"""The output folder's life cycle: refuse a finished run, clean a killed run's leftovers,
publish staged folders by rename, and mark success last.

Readers (pyarrow.dataset, Spark, DuckDB) skip names starting with "_" or ".", so staging and
trash folders never show up in the dataset.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

SUCCESS = "_SUCCESS"
PUBLISHED = ("articles", "rejects")
STALE_REPORT = "report.html"  # `scrapeclean report`'s default file in the output folder
_LEFTOVERS = ("_staging-*", "_trash-*", ".manifest.json.tmp", "manifests/.*.tmp")


class OutputExistsError(ValueError):
    """The output folder already holds a finished run and --overwrite was not given."""


def check_output_free(output: Path, overwrite: bool) -> None:
    """Refuse to write over a finished run unless asked to; a crashed run may be redone."""
    if (output / SUCCESS).exists() and not overwrite:
        raise OutputExistsError(
            f"--output {str(output)!r} already holds a finished run; --overwrite replaces it"
        )


def start_run(output: Path) -> Path:
    """Make the output folder ready: no _SUCCESS, no leftovers; return a fresh staging folder."""
    output.mkdir(parents=True, exist_ok=True)
    (output / SUCCESS).unlink(missing_ok=True)
    for pattern in _LEFTOVERS:
        for leftover in output.glob(pattern):
            _remove(leftover)
    return output / f"_staging-{uuid.uuid4().hex[:12]}"


def publish(staging: Path, output: Path, partition: str | None = None) -> None:
    """Swap each staged folder in by renames; the old one is moved aside first, then deleted.

    With ``partition`` (incremental runs) the folders go to ``articles/<partition>`` and
    ``rejects/<partition>`` instead. A kill between the renames leaves a folder missing, never
    half a folder, and no _SUCCESS; the next run removes what is left in _staging-*, _trash-*.
    """
    trash = output / f"_trash-{uuid.uuid4().hex[:12]}"
    trash.mkdir()
    for name in PUBLISHED:
        staged = staging / name
        staged.mkdir(parents=True, exist_ok=True)
        target = output / name / partition if partition else output / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            (trash / name).parent.mkdir(parents=True, exist_ok=True)
            target.rename(trash / name)
        staged.rename(target)
    if partition is None:  # a report of the replaced data would describe rows that are gone
        (output / STALE_REPORT).unlink(missing_ok=True)
    shutil.rmtree(trash)


def mark_success(output: Path) -> None:
    """Write _SUCCESS: the last file of a run, only when all of it is in place."""
    (output / SUCCESS).write_text("", encoding="utf-8")


def discard(path: Path) -> None:
    """Remove a staging folder after a failed run (best effort: the next run cleans it too)."""
    shutil.rmtree(path, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
