"""Features of the lines of a text dump for the line model (transforms/linemodel.py).

Only signals that carry to sites nobody has seen: a line's shape (length, punctuation, capitals,
digits, symbols), a small generic vocabulary of web chrome and of function words, the rule
catalogs' verdicts, where the line sits, and the same for its neighbours. Plain Python per
line, numpy for the document-wide columns; no model weights here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import numpy as np

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

_WORD = re.compile(r"\w+")
_DATE_LIKE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b\d{1,2}:\d\d\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"
)
_LINK_LIKE = re.compile(r"https?://|www\.|@\w|\.(?:com|org|net)\b", re.IGNORECASE)
_SENTENCE_END = (".", "!", "?", "…", ";")
_CLOSERS = "\"'”’»)]"
_SEPARATORS = ("|", " • ", " · ", " / ", " » ", " › ", " > ")
_BULLETS = "-•*·►>»|–—+#"
_QUOTES = "\"“‘'«„"

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
    "comma_per_word",
    "mean_word_length",
    "date_like",
    "link_like",
    "catalog",
    "credit_rule",
    "byline_rule",
    "dateline",
)


def line_shape(
    line: str,
    is_catalog: Callable[[str], bool],
    is_credit: Callable[[str], bool],
    is_byline: Callable[[str], bool],
    is_dateline: Callable[[str], bool],
) -> list[float]:
    """The SHAPE_FEATURES of one stripped, non-empty line (rule verdicts passed in as callables).

    Why these: chrome is short, unpunctuated, capitalised, symbol-rich and full of widget
    words; prose is long, punctuated and dense in function words; headlines sit between.
    """
    words = line.split()
    n_words = len(words)
    n_chars = len(line)
    tokens = _WORD.findall(line.casefold())
    n_tokens = len(tokens) or 1
    alpha = [w for w in words if w[:1].isalpha()]
    letters = sum(c.isalpha() for c in line) or 1
    digits = sum(c.isdigit() for c in line)
    spaces = n_words - 1
    symbols = n_chars - spaces - sum(c.isalnum() for c in line)
    last = line.rstrip(_CLOSERS)[-1:] or line[-1]
    short = n_words <= 40  # the rule catalogs only judge short lines
    return [
        np.log1p(n_chars),
        np.log1p(n_words),
        n_words == 1,
        2 <= n_words <= 3,
        4 <= n_words <= 6,
        7 <= n_words <= 12,
        13 <= n_words <= 25,
        n_words > 25,
        last in _SENTENCE_END,
        last == ":",
        last == "?",
        last.isalnum(),
        sum(w[0].isupper() for w in alpha) / len(alpha) if alpha else 0.0,
        sum(c.isupper() for c in line) / letters,
        digits / n_chars,
        symbols / n_chars,
        any(s in line for s in _SEPARATORS),
        line[0] in _BULLETS,
        line[0] in _QUOTES,
        sum(t in STOPWORDS for t in tokens) / n_tokens,
        sum(t in CHROME_WORDS for t in tokens) / n_tokens,
        bool(tokens) and tokens[0] in CHROME_WORDS,
        line.count(",") / n_words,
        (n_chars - spaces) / n_words,
        _DATE_LIKE.search(line) is not None,
        _LINK_LIKE.search(line) is not None,
        short and is_catalog(line),
        short and is_credit(line),
        n_words <= 12 and is_byline(line),
        is_dateline(line),
    ]


def duplicate_counts(lines: list[str]) -> list[int]:
    """How many times each line occurs in the dump (casefolded): repeated lines are widgets."""
    folded = [line.casefold() for line in lines]
    counts = Counter(folded)
    return [counts[f] for f in folded]
