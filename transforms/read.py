"""ReadDocuments: match the input globs, read each file (capped) and decode it to a Document.

Counts ``documents_in`` once per input document; unreadable, oversized, binary and undecodable
inputs leave on the ``rejects`` output. All text logic is in decode.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.fileio import EmptyMatchTreatment
from apache_beam.io.filesystem import CompressionTypes, FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from transforms.decode import ReadConfig, decode_document
from transforms.formats import SUPPORTED_FORMATS, detect_format
from transforms.records import Reject, RejectReason, make_doc_id
from transforms.stage import MAIN, REJECTS

NAMESPACE = "read"


class _ReadFn(beam.DoFn):
    def __init__(self, config: ReadConfig, requested_format: str) -> None:
        self._config = config
        self._format = requested_format
        self._documents_in = Metrics.counter(NAMESPACE, "documents_in")
        self._out = Metrics.counter(NAMESPACE, "out")

    def process(self, metadata: FileMetadata) -> Iterator[Any]:
        self._documents_in.inc()
        path = metadata.path
        input_format = detect_format(path, self._format)
        result = self._read(path, input_format)
        if isinstance(result, Reject):
            Metrics.counter(NAMESPACE, f"rejected.{result.reason}").inc()
            yield TaggedOutput(REJECTS, result)
        else:
            self._out.inc()
            yield result

    def _read(self, path: str, input_format: str) -> Any:
        try:
            # Raw bytes, not Beam's auto-decompression: decode.inflate guards against bombs.
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
                data = handle.read(self._config.max_document_bytes + 1)
        except OSError as error:
            return Reject(path, None, RejectReason.UNREADABLE, repr(error), b"", input_format)
        if input_format not in SUPPORTED_FORMATS:
            return Reject(
                path,
                make_doc_id(path, data),
                RejectReason.UNSUPPORTED_FORMAT,
                f"{input_format} input is not supported yet",
                data[: self._config.reject_raw_bytes],
                input_format,
            )
        return decode_document(data, path, input_format, self._config)


class ReadDocuments(beam.PTransform):
    """Read every file matching the globs as one document each.

    Outputs: ``records`` (Documents) and ``rejects``. A glob matching nothing yields nothing
    (the CLI refuses that up front). File names are reshuffled before reading so that
    ``--direct_num_workers`` spreads the reading and everything fused after it.
    """

    def __init__(self, patterns: Sequence[str], input_format: str, config: ReadConfig) -> None:
        super().__init__()
        self._patterns = list(patterns)
        self._format = input_format
        self._config = config

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        return (
            pbegin
            | "Patterns" >> beam.Create(self._patterns)
            | "Match" >> fileio.MatchAll(EmptyMatchTreatment.ALLOW)
            | "Spread" >> beam.Reshuffle()
            | "Decode"
            >> beam.ParDo(_ReadFn(self._config, self._format)).with_outputs(REJECTS, main=MAIN)
        )
