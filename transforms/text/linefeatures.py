"""Features of the lines of a text dump for the line model (transforms/linemodel.py).

Only signals that carry to sites nobody has seen: a line's shape (length, punctuation, capitals,
digits, symbols), a small generic vocabulary of web chrome and of function words, the rule
catalogs' verdicts, where the line sits, and the same for its neighbours. Plain Python per
line, numpy for the document-wide columns; no model weights here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

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

_DATE_LIKE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b\d{1,2}:\d\d\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"
)
_LINK_MARKS = ("://", "www.", "@", ".com", ".org", ".net")
_CLOSERS = "\"'”’»)]"
_SEPARATORS = ("|", " • ", " · ", " / ", " » ", " › ", " > ")
_BULLETS = "-•*·►>»|–—+#"
_QUOTES = "\"“‘'«„"
# Punctuation read as a word break when a line is cut into words for the vocabularies.
_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞА-ЯΑ-Ω]")
_DIGIT = re.compile(r"\d")
_SYMBOL = re.compile(r"[^\w\s]")
_PUNCTUATION_TO_SPACE = str.maketrans({c: " " for c in ".,;:!?\"'()[]{}|/\\«»“”‘’–—…•·*#&+=<>"})
# Shape is judged on the start of a line: past it a line is prose whatever its letters are,
# and counting characters of a 3,000-character paragraph would cost more than all the rest.
HEAD_CHARS = 160
HEAD_WORDS = 30

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
    "ends_colon",
    "ends_question",
    "ends_letter",
    "capitalised_share",
    "upper_share",
    "digit_share",
    "symbol_share",
    "has_separator",
    "starts_bullet",
    "starts_quote",
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


def line_shape(line: str, is_catalog: Callable[[str], bool]) -> list[float]:
    """The SHAPE_FEATURES of one stripped, non-empty line (the catalog's verdict passed in).

    Why these: chrome is short, unpunctuated, capitalised, symbol-rich and full of widget
    words; prose is long, punctuated and dense in function words; headlines sit between;
    credits are short and name people next to a few newsroom words.
    """
    n_chars = len(line)
    n_words = line.count(" ") + 1  # lines come with single spaces (repair, dump writers)
    head = line[:HEAD_CHARS]
    first_words = head.split(None, HEAD_WORDS)[:HEAD_WORDS]
    tokens = head.casefold().translate(_PUNCTUATION_TO_SPACE).split()[:HEAD_WORDS] or [""]
    distinct = set(tokens)
    n_distinct = len(distinct)
    n_head = len(head)
    digits = len(_DIGIT.findall(head))
    last = line.rstrip(_CLOSERS)[-1:] or line[-1]
    return [
        math.log1p(n_chars),
        math.log1p(n_words),
        n_words == 1,
        2 <= n_words <= 3,
        4 <= n_words <= 6,
        7 <= n_words <= 12,
        13 <= n_words <= 25,
        n_words > 25,
        ends_sentence(line),
        last == ":",
        last == "?",
        last.isalnum(),
        sum(map(str.istitle, first_words)) / len(first_words),
        len(_UPPER.findall(head)) / n_head,
        digits / n_head,
        len(_SYMBOL.findall(head)) / n_head,
        any(s in head for s in _SEPARATORS),
        line[0] in _BULLETS,
        line[0] in _QUOTES,
        len(distinct & STOPWORDS) / n_distinct,
        len(distinct & CHROME_WORDS) / n_distinct,
        tokens[0] in CHROME_WORDS,
        len(distinct & CREDIT_WORDS) / n_distinct,
        tokens[0] in _BYLINE_OPENERS,
        head.count(",") / len(first_words),
        (n_chars - n_words + 1) / n_words,
        digits > 0 and _DATE_LIKE.search(head) is not None,
        any(mark in head for mark in _LINK_MARKS),
        is_dateline(line),
        n_words <= 40 and is_catalog(line),
    ]
