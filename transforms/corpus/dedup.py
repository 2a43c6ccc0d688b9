"""Exact duplicates: the content hash, equal for exact duplicates, and the case folding that
every duplicate and quality comparison shares."""

from __future__ import annotations

import hashlib


def fold_case(text: str) -> str:
    """``text.casefold()``, by ``lower()`` when the text is ASCII (the same result there).

    casefold() has no ASCII fast path: on a 1.2 KB article it cost 8 us against 5 us for
    lower(), and the corpus steps fold every article three to four times.
    """
    return text.lower() if text.isascii() else text.casefold()


def content_hash(text: str) -> str:
    """Hash of the casefolded, whitespace-collapsed text: equal for exact duplicates."""
    normalized = fold_case(" ".join(text.split()))
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:32]
