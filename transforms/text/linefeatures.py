"""Features of the lines of a text dump for the line model (transforms/linemodel.py).

Only signals that carry to sites nobody has seen: a line's shape (length, punctuation, capitals,
digits, symbols), a small generic vocabulary of web chrome and of function words, the rule
catalogs' verdicts, where the line sits, and the same for its neighbours. Plain Python per
line, numpy for the document-wide columns; no model weights here (word_evidence is handed the
model's learned vocabulary).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Set
from itertools import compress, pairwise

from scrapeclean.transforms.text.paragraphs import is_dateline
from scrapeclean.transforms.text.words import ends_sentence

# Words that name page furniture in any site's navigation, sharing, subscription, consent and
# footer widgets (English, German, French, Spanish, Italian, Dutch, Portuguese). Written from
# how web pages are built, not taken from the dev pages: a line made mostly of these is chrome.
CHROME_WORDS = frozenset(
    """
    home menu search login logout log sign signin signup register account profile subscribe
    subscribed subscription subscriptions subscriber newsletter newsletters inbox email e-mail
    unsubscribe premium membership member members donate share shares shared tweet facebook
    twitter instagram linkedin whatsapp pinterest youtube tiktok telegram reddit threads bluesky
    print copy link links follow followers like likes comment comments reply replies cookie
    cookies privacy consent accept reject settings preferences policy terms conditions imprint
    impressum legal disclaimer contact advertise advertising advertisement ads sponsored
    partner partners careers jobs sitemap faq help feedback about navigation skip back top
    next previous prev older newer more read related popular trending recommended latest
    newest archive archives category categories tags tag topics topic sections section
    click tap download app apps podcast podcasts video videos photo photos gallery watch listen
    rss feed store shop cart checkout close open toggle loading javascript browser
    startseite suche anmelden abmelden abonnieren abonnement teilen datenschutz kontakt
    werbung anzeige kommentare kommentar weiterlesen mehr nutzungsbedingungen
    accueil rechercher recherche connexion partager abonner abonnez publicité commentaires
    suivez confidentialité mentions inscription
    inicio buscar compartir suscríbete suscribirse privacidad publicidad comentarios contacto
    cerca accedi condividi iscriviti commenti pubblicità
    zoeken inloggen delen reacties
    """.split()
)

# Function words of the same languages: prose is dense in them, chrome is not (jusText's
# stopword density, Pomikálek 2011).
STOPWORDS = frozenset(
    """
    a an and are as at be been but by for from had has have he her his i if in into is it its
    not of on or our she that the their them there they this to was we were what when which
    who will with would you your
    der die das und ist ein eine einen dem den des mit von zu im auf für nicht sich auch es
    sie er wir ich wird sind war wie bei aus nach noch oder aber als
    le la les un une des du de et est en dans que qui pour pas sur au aux il elle ce ne se
    plus par avec son sa ses nous vous ont été
    el los las una uno del y es por con para su sus lo como más pero se que
    il lo gli della di che non è per una con sono
    het een en van is dat op te zijn niet met voor ook
    o os as um uma do da dos das não em para com é
    """.split()
)

# Words of credit and byline lines in the same languages ("By", "Reporting by", "Photo:"),
# plus the wire agencies whose names make up such lines.
CREDIT_WORDS = frozenset(
    """
    by reporting reported reporter editing edited editor writing written writer contributed
    contributing contribution contributions additional staff correspondent author authors
    photo photos photograph photographer image images credit credits courtesy source sources
    illustration graphics via reuters ap afp dpa epa getty bloomberg
    von foto fotos bild quelle autor autorin redaktion par auteur crédit por fuente autor
    di fonte door bron
    """.split()
)
_BYLINE_OPENERS = frozenset(("by", "von", "par", "por", "di", "door", "from"))

# A year (1800-2099), a time (9:30) or a numeric date (12/03/2024), not inside a longer
# number. It opens with a digit, so the regex engine skips straight to digits; the digit's left
# neighbour is checked after it (``\d(?<!\d\d)`` is ``(?<!\d)\d``): a pattern that opens with
# a lookbehind is tried at every character (~7 against ~1 us on a line's start).
_DATE_LIKE = re.compile(
    r"\d(?<!\d\d)(?:(?<=1)[89]\d\d|(?<=2)0\d\d|\d?:\d\d|\d?[./-]\d{1,2}[./-]\d{2,4})(?!\d)"
)
_LINK_MARKS = re.compile(r"://|www\.|@|\.(?:com|org|net)\b")
_CLOSERS = "\"'”’»)]"
# "|", " • ", " · ", " / ", " » ", " › " or " > ": one search, not seven (2 -> 0.3 us a line);
# on an ASCII line three substring tests, as only "|", " / " and " > " are ASCII (~1 -> 0.2 us).
_SEPARATOR = re.compile(r"\|| [•·/»›>] ")
_BULLETS = "-•*·►>»|–—+#"
_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞА-ЯΑ-Ω]")
_DIGIT = re.compile(r"\d")
# Punctuation read as a word break when a line is cut into words for the vocabularies: the
# ASCII marks through bytes.translate, the others (other text only) replaced first by a regex
# that skips to them. Text that is not ASCII goes to bytes as UTF-8, where ASCII bytes stand
# for ASCII characters only: 2.7 -> 2.0 us a line against str.translate with a table.
_ASCII_PUNCTUATION = ".,;:!?\"'()[]{}|/\\*#&+=<>"
_OTHER_PUNCTUATION = re.compile("[«»“”‘’–—…•·]")
_ASCII_TO_SPACE = bytes.maketrans(
    _ASCII_PUNCTUATION.encode("ascii"), b" " * len(_ASCII_PUNCTUATION)
)
_ASCII_UPPER = bytes(range(65, 91))
_ASCII_DIGITS = b"0123456789"
# Shape is judged on the start of a line: past it a line is prose whatever its letters are,
# and counting characters of a 3,000-character paragraph would cost more than all the rest.
HEAD_CHARS = 100

# Per-line columns, in order (line_shape below builds them).
SHAPE_FEATURES = (
    "log_chars",
    "log_words",
    "words_1",
    "words_2_3",
    "words_4_6",
    "words_7_12",
    "words_13_25",
    "words_26_up",
    "ends_sentence",
    "ends_period",
    "ends_colon",
    "ends_question",
    "ends_ellipsis",
    "ends_letter",
    "capitalised_share",
    "upper_share",
    "digit_share",
    "has_separator",
    "starts_bullet",
    "stopword_share",
    "chrome_word_share",
    "chrome_first_word",
    "credit_word_share",
    "byline_opener",
    "comma_per_word",
    "mean_word_length",
    "date_like",
    "link_like",
    "dateline",
    "catalog",
)


# line_shape's result: a line's SHAPE_FEATURES and the content words of its start.
LineShape = tuple[list[float], set[str]]


def line_shape(line: str, catalog: bool) -> LineShape:
    """The SHAPE_FEATURES of one stripped, non-empty line (the catalog's verdict passed in),
    and the content words of its start (no function words) for topic_overlaps.

    Why these: chrome is short, unpunctuated, capitalised, symbol-rich and full of widget
    words; prose is long, punctuated and dense in function words; headlines sit between;
    credits are short and name people next to a few newsroom words. Cost matters (the stage
    budget is 0.3 ms a dump): every column is one C-level call on the line's start.
    """
    n_chars = len(line)
    n_words = line.count(" ") + 1  # lines come with single spaces (repair, dump writers)
    head = line[:HEAD_CHARS]
    n_head = len(head)
    spaced = head.split()
    if head.isascii():
        data = head.encode("ascii")
        upper = n_head - len(data.translate(None, _ASCII_UPPER))
        digits = n_head - len(data.translate(None, _ASCII_DIGITS))
        tokens = data.lower().translate(_ASCII_TO_SPACE).decode("ascii").split()
        separated = "|" in head or " / " in head or " > " in head
    else:
        upper = len(_UPPER.findall(head))
        digits = len(_DIGIT.findall(head))
        folded = _OTHER_PUNCTUATION.sub(" ", head.casefold()).encode()
        tokens = folded.translate(_ASCII_TO_SPACE).decode().split()
        separated = _SEPARATOR.search(head) is not None
    words = set(tokens)
    content = words - STOPWORDS  # returned; the stopwords are what it leaves out
    n_distinct = len(words) or 1
    first = tokens[0] if tokens else ""
    last = line.rstrip(_CLOSERS)[-1:] or line[-1]
    row = [
        _LOG1P[n_chars] if n_chars < TABLED_CHARS else math.log1p(n_chars),
        _LOG1P[n_words] if n_words < TABLED_CHARS else math.log1p(n_words),
        n_words == 1,
        2 <= n_words <= 3,
        4 <= n_words <= 6,
        7 <= n_words <= 12,
        13 <= n_words <= 25,
        n_words > 25,
        ends_sentence(line),
        last == "." and not line.endswith(".."),  # 0.2% of dev headlines, 83% of summaries
        last == ":",
        last == "?",
        last == "…" or line.endswith("..."),
        last.isalnum(),
        sum(map(str.istitle, spaced)) / len(spaced),
        upper / n_head,
        digits / n_head,
        separated,
        line[0] in _BULLETS,
        (len(words) - len(content)) / n_distinct,
        len(words & CHROME_WORDS) / n_distinct,
        first in CHROME_WORDS,
        len(words & CREDIT_WORDS) / n_distinct,
        first in _BYLINE_OPENERS,
        head.count(",") / len(spaced),
        (n_chars - n_words + 1) / n_words,
        digits > 0 and _DATE_LIKE.search(head) is not None,
        _LINK_MARKS.search(head) is not None,
        is_dateline(line),
        catalog,
    ]
    return row, content


def word_evidence(words: Set[str], vocabulary: Mapping[str, float]) -> float:
    """The mean of the vocabulary's weights over a line's content words (line_shape's: the
    distinct ones of its first HEAD_CHARS characters; a word the vocabulary lacks weighs 0):
    how far the line's words lean to chrome.

    The vocabulary is learned (scripts/train_line_model.py) from words that many sites use in
    chrome, where the shape columns and CHROME_WORDS see only form and a fixed list: "Courses",
    "Rates" or a cookie notice written as a sentence look like a heading or prose, but their
    words recur in other sites' chrome.
    """
    known = vocabulary.keys() & words  # one C-level intersection, no lookup per unknown word
    if not known:  # most lines: no chrome word at all
        return 0.0
    # fsum: exact, so the set's order (which follows PYTHONHASHSEED) never moves a bit
    return math.fsum(map(vocabulary.__getitem__, known)) / len(words)


TABLED_CHARS = 4096  # counts below this have their log looked up
_LOG1P = [math.log1p(i) for i in range(TABLED_CHARS)]


def log1p_table(n: int) -> list[float]:
    """log(1 + k) for k = 0 .. n, by index: a count's log column without a call per value."""
    return _LOG1P[: n + 1] if n < len(_LOG1P) else [math.log1p(k) for k in range(n + 1)]


def topic_overlaps(
    words: list[set[str]], prose: list[bool]
) -> tuple[list[float], list[float], list[float]]:
    """Per line: the share of its content words found in the dump's other prose lines, in the
    line before it and in the line after it.

    A heading shares words with the paragraphs it heads, a dek with its headline and the whole
    article; a menu item or a teaser for another article shares few.
    """
    # Two set operations a prose line, not a step of Python per word (a Counter of the words,
    # then those counted twice): topic_overlaps 12 -> 8 us on a seed dump's eight lines.
    seen: set[str] = set()  # in some prose line
    shared: set[str] = set()  # in a second one too
    for line_words in compress(words, prose):
        shared |= seen & line_words
        seen |= line_words
    sizes = [len(line_words) or 1 for line_words in words]
    overall = [
        len(line_words & (shared if is_prose else seen)) / size
        for line_words, is_prose, size in zip(words, prose, sizes, strict=True)
    ]
    # Each pair of adjacent lines shares the same words both ways: one intersection per pair.
    pairs = [len(a & b) for a, b in pairwise(words)]
    previous = [0.0] + [common / size for common, size in zip(pairs, sizes[1:], strict=True)]
    following = [common / size for common, size in zip(pairs, sizes, strict=False)] + [0.0]
    return overall, previous, following
