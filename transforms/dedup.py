"""Duplicate detection. For now its pure part: the content hash equal for exact duplicates."""

from __future__ import annotations

import hashlib
import re

_WHITESPACE = re.compile(r"\s+")


def content_hash(text: str) -> str:
    """Hash of the casefolded, whitespace-collapsed text: equal for exact duplicates."""
    normalized = _WHITESPACE.sub(" ", text).strip().casefold()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:32]
