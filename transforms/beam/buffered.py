"""BufferedFn: a DoFn that gathers its input per window and emits a few outputs per bundle.

The corpus steps' shuffles stay small because each bundle sends one packed table or one file
name instead of one element per article: site line tables and near-dup band and signature
tables, and the spill files that hold the articles while decisions are computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.windowed_value import WindowedValue


class BufferedFn(beam.DoFn):
    """Gather elements per window with ``add``; emit ``flush(buffer)`` when ``add`` reports the
    buffer full, and for every buffer at the end of the bundle.

    Outputs stay in the window of the elements they gather: a windowed (streaming) input keeps
    its windows. A failed bundle's buffers are dropped with it (``discard`` frees what they
    hold). Subclasses implement ``new_buffer``, ``add`` and ``flush``.
    """

    def start_bundle(self) -> None:
        self._buffers: dict[Any, Any] = {}

    def process(self, element: Any, window: Any = beam.DoFn.WindowParam) -> Iterator[Any]:
        buffer = self._buffers.get(window)
        if buffer is None:
            buffer = self._buffers[window] = self.new_buffer()
        if self.add(buffer, element):
            del self._buffers[window]
            yield from self.flush(buffer)  # in the current element's window

    def finish_bundle(self) -> Iterator[Any]:
        buffers, self._buffers = self._buffers, {}
        for window, buffer in buffers.items():
            for output in self.flush(buffer):
                yield _placed(output, window)

    def teardown(self) -> None:
        for buffer in getattr(self, "_buffers", {}).values():
            self.discard(buffer)

    def new_buffer(self) -> Any:
        """An empty buffer for one window."""
        raise NotImplementedError

    def add(self, buffer: Any, element: Any) -> bool:
        """Add the element; True when the buffer should be flushed now."""
        raise NotImplementedError

    def flush(self, buffer: Any) -> Iterator[Any]:
        """The outputs for a full (or the bundle's last) buffer; may be TaggedOutputs."""
        raise NotImplementedError

    def discard(self, buffer: Any) -> None:
        """Free a buffer of a failed bundle (nothing to do unless it holds a resource)."""


def _placed(output: Any, window: Any) -> Any:
    # finish_bundle has no current element to take the window from: place outputs explicitly.
    if isinstance(output, TaggedOutput):
        return TaggedOutput(output.tag, _placed(output.value, window))
    return WindowedValue(output, window.max_timestamp(), (window,))
