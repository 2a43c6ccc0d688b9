"""One writer per output: the lock a run holds from its first change of --output to its last,
so that two runs on the same output cannot both publish and commit (issue 23).

A local folder is locked with ``flock`` on the folder itself: the kernel drops the lock when
the holder dies, however it dies, and nothing is left in the folder. On S3 the lock is the
object ``.scrapeclean.lock``, created only if absent (a conditional PUT, ``If-None-Match: *``)
and held as a lease the run renews. A lock whose holder is dead (same host, no such process)
or whose lease ran out is taken over with a PUT conditional on the stale lock's ETag, so two
runs cannot both take it. Other stores (gs://, hdfs://) are not locked: docs/object-stores.md
says so, and why.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from apache_beam.options.pipeline_options import PipelineOptions

from scrapeclean.pipeline.job.store import is_remote
from scrapeclean.transforms.errors import UsageError

LOCK = ".scrapeclean.lock"
# How long an S3 lock outlives its last renewal. A holder renews every third of it, so a run
# must stall for minutes (not seconds) to lose it; a dead holder on another host blocks the
# output for at most this long (a dead holder on this host, not at all).
LEASE_SECONDS = 600.0
_LOG = logging.getLogger("scrapeclean")


class OutputLockedError(UsageError):
    """Another run holds the output's lock: this one changes nothing (exit 2)."""


class LockLostError(RuntimeError):
    """The run's S3 lease was taken over (it stalled past LEASE_SECONDS): it must not commit."""


@contextmanager
def output_lock(output: str, options: PipelineOptions) -> Iterator[HeldLock]:
    """Hold ``output``'s lock while the block runs; OutputLockedError if another run holds it.

    Call ``confirm()`` on the result right before the commit point.
    """
    if not is_remote(output):
        held: HeldLock = _FolderLock(output)
    elif output.startswith("s3://"):
        held = _S3Lock(output, options)
    else:
        _LOG.warning(
            "no lock on %s: make sure one run at a time writes this output (docs/object-stores.md)",
            output.split("://", 1)[0] + "://",
        )
        held = HeldLock()
    try:
        yield held
    finally:
        held.release()


class HeldLock:
    """A lock held (the no-op one: stores scrapeclean cannot lock)."""

    def confirm(self) -> None:
        """Raise LockLostError when the lock is no longer this run's."""

    def release(self) -> None:
        """Give the lock up (best effort: a lock left behind is taken over when stale)."""


class _FolderLock(HeldLock):
    def __init__(self, output: str) -> None:
        os.makedirs(output, exist_ok=True)
        self._fd = os.open(output, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise OutputLockedError(
                f"another scrapeclean run is writing --output {output!r}; wait for it to finish"
            ) from None

    def release(self) -> None:
        os.close(self._fd)  # closing the last descriptor drops the flock


class _S3Lock(HeldLock):
    def __init__(self, output: str, options: PipelineOptions) -> None:
        from apache_beam.io.aws.clients.s3.boto3_client import Client  # Beam's own credentials

        self._client = Client(options=options).client
        self._bucket, _, prefix = output[len("s3://") :].partition("/")
        self._key = f"{prefix.rstrip('/')}/{LOCK}" if prefix.strip("/") else LOCK
        self._output = output
        self._token = uuid.uuid4().hex
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._renewing = threading.Lock()  # the renewer thread and confirm() share the ETag
        self._etag = self._acquire()
        self._renewer = threading.Thread(target=self._renew_loop, name="lock", daemon=True)
        self._renewer.start()

    def _body(self) -> bytes:
        return json.dumps(
            {
                "written_by": "scrapeclean",
                "token": self._token,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "expires": time.time() + LEASE_SECONDS,
            }
        ).encode()

    def _put(self, **condition: str) -> str:
        response = self._client.put_object(
            Bucket=self._bucket, Key=self._key, Body=self._body(), **condition
        )
        return str(response["ETag"])

    def _acquire(self) -> str:
        try:
            return self._put(IfNoneMatch="*")
        except Exception as error:
            if not _is_conflict(error):
                raise
        found = self._client.get_object(Bucket=self._bucket, Key=self._key)
        holder = _parse(found["Body"].read())
        if not _is_stale(holder):
            raise OutputLockedError(
                f"another scrapeclean run (pid {holder.get('pid')} on {holder.get('host')}) "
                f"is writing --output {self._output!r}; wait for it to finish"
            )
        try:  # only one of several runs that found the same stale lock gets past this
            return self._put(IfMatch=str(found["ETag"]))
        except Exception as error:
            if _is_conflict(error):
                raise OutputLockedError(
                    f"another scrapeclean run took over the lock of --output {self._output!r}"
                ) from None
            raise

    def _renew_loop(self) -> None:
        while not self._stop.wait(LEASE_SECONDS / 3):
            self._renew()

    def _renew(self) -> None:
        with self._renewing:
            if self._lost.is_set():
                return
            try:
                self._etag = self._put(IfMatch=self._etag)
            except Exception as error:
                if _is_conflict(error) or "NoSuchKey" in repr(error):
                    self._lost.set()
                # any other error (the store unreachable for a moment): the next renewal retries

    def confirm(self) -> None:
        self._renew()
        if self._lost.is_set():
            raise LockLostError(
                f"the lock of --output {self._output!r} was taken over while this run stalled; "
                "nothing was committed"
            )

    def release(self) -> None:
        self._stop.set()
        self._renewer.join()
        if self._lost.is_set():
            return
        try:  # not a conditional delete: not every S3 API has one; the token says it is ours
            found = self._client.get_object(Bucket=self._bucket, Key=self._key)
            if _parse(found["Body"].read()).get("token") == self._token:
                self._client.delete_object(Bucket=self._bucket, Key=self._key)
        except Exception:  # best effort: a lock left behind is taken over when stale
            _LOG.debug("releasing the lock failed", exc_info=True)


def _is_conflict(error: Exception) -> bool:
    """A condition that failed: the object exists (If-None-Match), or it changed (If-Match)."""
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")


def _parse(data: bytes) -> dict[str, Any]:
    try:
        holder = json.loads(data)
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


def _is_stale(holder: dict[str, Any]) -> bool:
    """Whether a lock's holder can no longer commit: its lease ran out, or it was a process on
    this host that is gone (a run killed outright leaves its lock behind)."""
    pid = holder.get("pid")
    if float(holder.get("expires") or 0) < time.time() or not isinstance(pid, int) or pid <= 0:
        return True
    if holder.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, run by another user
        return False
    return False
