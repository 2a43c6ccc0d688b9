"""Duplicate detection. For now its pure part: the content hash equal for exact duplicates."""

from __future__ import annotations

import hashlib


def content_hash(text: str) -> str:
    """Hash of the casefolded, whitespace-collapsed text: equal for exact duplicates."""
    normalized = " ".join(text.split()).casefold()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:32]
