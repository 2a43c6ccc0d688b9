"""Helpers of scripts/bench_scale.py: a large text-dump corpus written fast, and a sampler that
splits a measured run's CPU time and memory by process (runner, Beam workers, children).

The corpus cycles over ``make_textdump_corpus.generate(240, seed)`` and gives every copy a
unique last line (``Archive reference NNNNNNN``), so file names, doc ids and content all differ;
files go into subfolders of ``shard_size`` files (``DIR/shard-0000/0000000_<name>.txt``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scripts.make_textdump_corpus import Dump, generate

BASE_DUMPS = 240  # as many as `make score-textdump` generates: every layout and noise kind
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class CorpusInfo:
    """What write_corpus_copies wrote."""

    root: Path
    files: int
    bytes: int
    seconds: float


def copy_bytes(dump: Dump, index: int) -> bytes:
    """The dump's bytes plus one ASCII line naming copy ``index`` (safe in UTF-8 and cp1252)."""
    newline = b"\r\n" if b"\r\n" in dump.data else b"\n"
    joint = b"" if dump.data.endswith(b"\n") else newline
    return dump.data + joint + f"Archive reference {index:07d}".encode("ascii") + newline


def corpus_files(count: int, seed: int, shard_size: int) -> Iterator[tuple[str, bytes]]:
    """Yield (relative path, bytes) of ``count`` copies, cycling over the base dumps."""
    dumps = generate(min(count, BASE_DUMPS), seed)
    for index in range(count):
        dump = dumps[index % len(dumps)]
        yield f"shard-{index // shard_size:04d}/{index:07d}_{dump.name}", copy_bytes(dump, index)


def write_corpus_copies(root: Path, count: int, seed: int, shard_size: int) -> CorpusInfo:
    """Write ``count`` text dumps under ``root`` (sharded) and return what was written."""
    started = time.monotonic()
    total = 0
    for relative, data in corpus_files(count, seed, shard_size):
        path = root / relative
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True)
        path.write_bytes(data)
        total += len(data)
    return CorpusInfo(root, count, total, time.monotonic() - started)


@dataclass(slots=True)
class ProcessUse:
    """One process of a measured tree: its role, last seen CPU seconds and peak RSS."""

    role: str
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0


@dataclass(slots=True)
class RoleUse:
    """All processes of one role: how many, CPU seconds of each, largest peak RSS."""

    role: str
    cpu_seconds: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0

    def describe(self) -> str:
        """E.g. ``worker x2 41.0+39.5 s cpu, 310 MB``."""
        count = f" x{len(self.cpu_seconds)}" if len(self.cpu_seconds) > 1 else ""
        cpu = "+".join(f"{s:.1f}" for s in sorted(self.cpu_seconds, reverse=True))
        return f"{self.role}{count} {cpu} s cpu, {self.peak_rss_mb:.0f} MB"


def process_role(pid: int) -> str:
    """Name a process by its command line: runner, worker, loop, child, time, sh or its name."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    words = [a.decode(errors="replace") for a in argv if a]
    text = " ".join(words)
    rules = (
        ("/usr/bin/time", words[:1] == ["/usr/bin/time"]),
        ("sh", bool(words) and Path(words[0]).name in ("sh", "dash", "bash")),
        ("worker", "sdk_worker_main" in text),
        ("child", "multiprocessing" in text or "spawn_main" in text),
        ("loop", "scripts.bench_loop" in text),
        ("runner", "scrapeclean" in text),
    )
    for role, matches in rules:
        if matches:
            return role
    return Path(words[0]).name if words else "?"


def descendants(pid: int) -> list[int]:
    """Every descendant of ``pid`` (not ``pid`` itself), from /proc."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
            children = [int(c) for t in tasks for c in (t / "children").read_text().split()]
        except OSError:
            continue
        found += children
        pending += children
    return found


def read_usage(pid: int) -> tuple[float, float] | None:
    """(user+sys CPU seconds, RSS MB) of one process, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # fields[0] is the state, field 3 of stat(5)
    cpu = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    rss_kb = next((int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:"), 0)
    return cpu, rss_kb / 1024


class ProcessSampler:
    """A thread that polls this process's descendants: CPU and peak RSS of each, by role.

    CPU is the last value seen, so a process loses up to one interval of CPU at its end; the
    exact total comes from getrusage. This is for *where* the time and memory went.
    """

    def __init__(self, interval: float = 0.25) -> None:
        self._interval = interval
        self._stop = threading.Event()
        self._seen: dict[int, ProcessUse] = {}
        self._thread = threading.Thread(target=self._loop, name="sampler", daemon=True)

    def __enter__(self) -> ProcessSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            for pid in descendants(os.getpid()):
                self._sample(pid)

    def _sample(self, pid: int) -> None:
        usage = read_usage(pid)
        if usage is None:
            return
        known = self._seen.get(pid)
        if known is None:
            known = self._seen[pid] = ProcessUse(process_role(pid))
        known.cpu_seconds = max(known.cpu_seconds, usage[0])
        known.peak_rss_mb = max(known.peak_rss_mb, usage[1])

    def by_role(self, min_cpu_seconds: float = 0.5) -> list[RoleUse]:
        """Processes grouped by role, busiest role first; idle helpers (sh, time) left out."""
        roles: dict[str, RoleUse] = {}
        for use in self._seen.values():
            if use.cpu_seconds < min_cpu_seconds:
                continue
            role = roles.setdefault(use.role, RoleUse(use.role))
            role.cpu_seconds.append(use.cpu_seconds)
            role.peak_rss_mb = max(role.peak_rss_mb, use.peak_rss_mb)
        return sorted(roles.values(), key=lambda r: -sum(r.cpu_seconds))


def describe_roles(roles: Sequence[RoleUse]) -> str:
    """One line: every role's processes, CPU seconds and peak RSS."""
    return "; ".join(role.describe() for role in roles) or "no process used CPU"
