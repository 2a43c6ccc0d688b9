"""Judges the paragraphs body.py extracted: credit lines out; page UI, captions, notices dropped.

trafilatura keeps some blocks that sit inside the article container but are not the article:
share and comment buttons, timestamps, bare links, photo credits, copyright lines. These rules
catch them by their wording; every rule is limited to short blocks, so a prose paragraph is
kept. The phrase lists are generic cues in the languages of bench/html-dev (en, de, es, fr, pt,
it, pl). Each rule group kept here helps word F1 on wcxb-dev's dev part, pages it was not
written on; the teaser, related-list, call-to-action and ad-disclosure rules did not and were
removed (docs/html-quality.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scrapeclean.transforms.html.meta import norm_space
from scrapeclean.transforms.text.words import WORD

_EDGES = " |•·>»<«*-–—"  # table-cell pipes and bullets around a block's text

_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)\s*\d{4}|copyright\b)|all rights reserved|alle rechte vorbehalten|"
    r"todos los derechos reservados|tous droits réservés|wszelkie prawa zastrzeżone|"
    r"written permission|materiał chroniony prawem|ohne gewähr",
    re.I,
)
# Photo credits and caption labels: "Foto: dpa", "© Oli Scarff/Getty Images", "Credit: ...".
_PHOTO_LABEL = (
    r"foto|fotos|fot\.|photo|photos|bild|bilder|image(?: illustrative)?|credits?(?: photos?)?|"
    r"crédits? photos?|titelbild|beitragsbild|symbolbild|imagen|fotografía|grafik"
)
_PHOTO_CREDIT = re.compile(
    rf"^\(?(?:{_PHOTO_LABEL})\s*[:.]|\((?:{_PHOTO_LABEL})\s*:[^()]+\)\.?$|©|"
    r"\b(?:getty images|shutterstock|istock|imago|picture alliance|afp|reuters|dpa|"
    r"ap photo|epa|efe|agencja gazeta)\b",
    re.I,
)
_UI = re.compile(
    r"^(?:share|teilen|compartir|partager|tweet|print|drucken|e-?mail|comments?|kommentare?|"
    r"view comments|leave a (?:comment|reply)|bild anzeigen|wird geladen|"
    r"loading|bewerten|teilen mit|advertisement|anzeige|back to top|nach oben|zurück|"
    r"inhaltsverzeichnis|table of contents|contents|índice|"
    r"vorschau auf den nächsten artikel|next article|previous article|"
    r"(?:category|categories|kategorie|kategorien|tags?|schlagwörter|themen|categoría)\s*:.*|"
    r"(?:no comments|keine kommentare|\d+ comments?|kommentare? \(\d+\)).*|"
    r"(?:video )?verfügbar bis\b.*|weitere informationen(?: zu.{0,40})?:|"
    r"(?:tel(?:efon)?|fax|e-?mail|kontakt|contact|pressekontakt)\s*[.:].{0,60}|"
    r"(?:release date|published|updated|last modified|aktualisiert am|veröffentlicht am|"
    r"letzte änderung|zuletzt aktualisiert|stand|publicado|actualizado)\s*:?.{0,40})\W*$",
    re.I,
)
_DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?|\s*uhr|\s*h)?)"
)
# A block that is only a date and/or a time ("23.10.2018", "3:59 PM", "19:49 Uhr").
_DATE_ONLY = re.compile(rf"^\W{{0,3}}{_DATE}(?:[\s,|-]+{_DATE})?\W{{0,3}}$", re.I)
# A bare link or domain: "https://...", "www.example.org", "BVINEWS.COM".
_BARE_URL = re.compile(r"^(?:https?://\S+|www\.\S+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}/?)$", re.I)
_NAME = r"[A-ZÀ-Ý][\w.'’-]+(?:\s+[A-ZÀ-Ý][\w.'’-]+){0,3}"
# Bylines and wire credits. Cue words match in any case; names must be capitalised, which is
# what tells "By Jane Doe" from a sentence starting "By the end of the year".
_CREDIT = re.compile(
    r"^\(?(?i:reporting|writing|editing|additional reporting|compiled|translated) (?i:by)\b|"
    rf"^(?i:by|von|por|par|przez)\s+{_NAME}(?:\s*(?:,|and|und|y|et)\s*{_NAME})*"
    r"(?:\s*[,|/–—-]\s*.{0,40})?$|"
    r"(?i:contributed to this (?:report|story))|^\(?(?i:quelle|source|fuente|źródło)\s*:.{0,80}$|"
    r"^\(?[a-zäöü]{2,5}(?:/[a-zäöü]{2,5})*/(?i:dpa|afp|ap|pap|reuters|kna|epd|apa|sda|efe)\)?\.?$"
)


def clean_paragraphs(
    blocks: Iterable[tuple[str, str]],
    drop: Iterable[str | None],
    max_words: int,
    extra_teasers: tuple[str, ...] = (),
) -> tuple[list[str], list[str]]:
    """Split extracted blocks into article paragraphs and credit lines.

    Args:
        blocks: (kind, text) in page order; kind is trafilatura's tag (p, head, list, ...).
        drop: texts that must not appear as a paragraph (headline, dek).
        max_words: blocks longer than this are prose and only checked for being a duplicate.
        extra_teasers: lowercase openings of a deployment's own teaser lines, dropped.
    """
    dropped = {norm_space(t).casefold() for t in drop if t}
    extra = tuple(p.casefold() for p in extra_teasers)
    kept: list[tuple[str, str]] = []
    credits: list[str] = []
    seen: set[str] = set()
    for kind, raw in blocks:
        text = norm_space(raw)
        key = text.casefold()
        if not text or key in dropped or key in seen:
            continue
        words = len(WORD.findall(text))
        if words <= max_words:
            core = text.strip(_EDGES)
            if _CREDIT.search(core) and words <= 25:
                credits.append(text)
                continue
            if is_boilerplate(core, words) or key.startswith(extra):
                continue
        seen.add(key)
        kept.append((kind, text))
    while kept and kept[-1][0] == "head":
        kept.pop()  # a heading with nothing under it introduces something that is not there
    return [text for _, text in kept], credits


def is_boilerplate(text: str, words: int) -> bool:
    """True for a short block that is page UI, a timestamp, a URL, a copyright or photo credit."""
    if _UI.match(text) or _DATE_ONLY.match(text) or _BARE_URL.match(text):
        return True
    if words <= 60 and _COPYRIGHT.search(text):
        return True
    return words <= 25 and bool(_PHOTO_CREDIT.search(text))


def pick_summary(description: str | None, paragraphs: list[str]) -> str | None:
    """The page's description, unless it merely repeats (a prefix of) the lead paragraph."""
    if not description:
        return None
    if paragraphs:
        lead = paragraphs[0].casefold()
        stem = description.rstrip(" .…").casefold()
        if lead.startswith(stem) or stem.startswith(lead):
            return None
    return description
