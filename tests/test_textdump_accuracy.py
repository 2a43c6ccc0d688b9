"""Accuracy gate on the labeled text-dump corpus (issue 2): the pure chain must meet the targets.

The same corpus and scorer run through the real CLI with `make score-textdump`; here the pure
chain (the very stage list the Beam graph wraps) keeps the suite fast.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.records import Reject
from scrapeclean.transforms.text.stages import clean_bytes
from scripts.make_textdump_corpus import generate, write_corpus
from scripts.score_textdump import check, load_labels, score


def test_textdump_corpus_meets_issue_2_targets(tmp_path: Path, config: RunConfig) -> None:
    write_corpus(tmp_path, generate(240, 7))
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted(tmp_path.glob("*.txt")):
        record = clean_bytes(path.read_bytes(), str(path), "text", config)
        row = dataclasses.asdict(record)
        if isinstance(record, Reject):
            row["reason"] = str(record.reason)
        rows[path.name] = row
    metrics = score(rows, load_labels(tmp_path))
    assert check(metrics) == []
    assert metrics["mojibake_residue"] == 0
