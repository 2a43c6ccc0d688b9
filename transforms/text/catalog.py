"""The built-in rule catalogs: chrome lines for the boilerplate stage, credit and byline
patterns for the segment stage. They are the config defaults (BoilerplateConfig, SegmentConfig);
configs/default.yaml lists the same values (tests/pipeline/test_config.py checks it)."""

from __future__ import annotations

# Exact chrome lines, compared after normalize_line (case, spacing and edge punctuation
# folded): "Help us improve." matches "help us improve".
BOILERPLATE_PHRASES: tuple[str, ...] = (
    # English: feedback, sharing, ads, newsletters, navigation
    "help us improve",
    "was this article helpful",
    "was this helpful",
    "did you find this article useful",
    "share this article",
    "share this story",
    "share this",
    "share",
    "share on facebook",
    "share on twitter",
    "share on x",
    "share via email",
    "email this article",
    "print this article",
    "print",
    "copy link",
    "link copied",
    "advertisement",
    "advertisement - scroll to continue",
    "story continues below advertisement",
    "article continues below advertisement",
    "continue reading below",
    "scroll to continue with content",
    "sponsored content",
    "sponsored",
    "skip to content",
    "skip to main content",
    "skip to navigation",
    "jump to navigation",
    "back to top",
    "return to top",
    "menu",
    "search",
    "close",
    "subscribe",
    "subscribe now",
    "log in",
    "sign in",
    "register",
    "listen to this article",
    "listen to article",
    "read more",
    "read more stories",
    "read next",
    "related",
    "related articles",
    "related stories",
    "more stories",
    "more from this section",
    "most popular",
    "most read",
    "trending now",
    "recommended",
    "recommended stories",
    "comments",
    "leave a comment",
    "view comments",
    "show comments",
    "load comments",
    "follow us",
    "follow us on twitter",
    "follow us on facebook",
    "follow us on instagram",
    "like us on facebook",
    "click here to subscribe",
    "click here",
    "tap here",
    "download our app",
    "get the app",
    "open in app",
    "enable javascript",
    "please enable javascript",
    "javascript is disabled",
    "image",
    "photo",
    "video",
    "watch",
    "watch video",
    "play video",
    "tags",
    "topics",
    "we want to hear from you",
    "send us a tip",
    "report an error",
    "report a correction",
    "corrections policy",
    "our standards",
    "all rights reserved",
    "terms of use",
    "terms of service",
    "privacy policy",
    "cookie policy",
    "cookie settings",
    "manage cookies",
    "accept all cookies",
    "accept cookies",
    "accept",
    "got it",
    # German
    "werbung",
    "anzeige",
    "artikel teilen",
    "teilen",
    "zum inhalt springen",
    "mehr zum thema",
    "weitere artikel",
    "kommentare",
    "newsletter abonnieren",
    "jetzt abonnieren",
    # French
    "publicité",
    "partager",
    "partager cet article",
    "aller au contenu",
    "lire aussi",
    "lire la suite",
    "abonnez-vous",
    "à lire aussi",
    # Spanish
    "publicidad",
    "compartir",
    "compartir este artículo",
    "compartir esta noticia",
    "ir al contenido",
    "leer más",
    "suscríbete",
    "te puede interesar",
)

# Regular expressions matched against the whole folded line. Keep them linear: bounded
# repeats, no nested quantifiers (issue 4: no catastrophic backtracking on hostile lines).
BOILERPLATE_PATTERNS: tuple[str, ...] = (
    # newsletters: "Sign up for our daily newsletter", "Get the Morning Briefing in your inbox"
    (
        "(sign up|subscribe|register) (now )?(for|to) (our|the|this)( [\\w'’-]+){0,5} (newslette"
        "rs?|briefings?|emails?|alerts?)( [^.]{0,80})?"
    ),
    "get (the|our)( [\\w'’-]+){0,5} (newsletter|briefing|emails?)( [^.]{0,80})? (in|to) your inbox",
    "(enter|add) your email( address)?( [^.]{0,80})?",
    # cookie notices: "We use cookies to improve your experience. By continuing ..."
    "(this (web)?site|we) uses? cookies\\b.{0,400}",
    "by (continuing|using this (web)?site)( [^.]{0,60})? you (agree|consent|accept)\\b.{0,300}",
    # copyright and rights lines: "© 2025 Reuters. All rights reserved.", "Copyright 2024 AP"
    "(©|\\(c\\)|&copy;) ?[^.]{0,80}(\\. ?all rights reserved)?",
    "copyright( ©| \\(c\\))? \\d{4}([-–]\\d{2,4})?[ ,]{0,3}[^.]{0,80}(\\. ?all rights reserved)?",
    "[^.]{0,80}\\. all rights reserved",
    "this (material|article|content) may not be (published|reproduced)( [^.]{0,120})?",
    # "Read more: ...", "Related: ...", "SEE ALSO: ..." teasers on one short line
    (
        "(read more|read also|related|see also|also read|more on this|recommended|watch|listen|"
        "lesen sie auch|lire aussi|lee también)\\s?:.{0,200}"
    ),
    # social: "Follow Jane Doe on Twitter", "Follow us on X @paper"
    (
        "follow (us|\\w+( \\w+){0,3}) on (twitter|x|facebook|instagram|linkedin|threads|bluesky|t"
        "iktok|youtube)( [^.]{0,60})?"
    ),
    "share (this|on|via) [^.]{0,60}",
    "(click|tap) here( to [^.]{0,80})?",
    # paywall and reading prompts: "Sign in to continue reading", "Continue reading the main story"
    "(sign|log) ?in (to|and) (continue|keep|start) reading( [^.]{0,60})?",
    "(subscribe|register)( now)? to (continue|keep) reading( [^.]{0,60})?",
    "continue reading( the (main )?(story|article))?( below)?",
    "(the )?(article|story|content) continues? (after|below) (this |the )?(advertisement|ad|video)",
    # navigation and page widgets: "Toggle navigation", "Related coverage", "Print this page"
    "(toggle|open|close|show|hide) (navigation|menu|search)",
    (
        "(related|more|latest|top) (coverage|content|links|news|stories|articles|videos|topics)"
        "( from [^.]{0,40})?"
    ),
    "(recommended|suggested|picked|more) for you",
    "comments (are|have been) (closed|disabled|turned off)",
    "(\\d+ |no )?comments?( yet)?",
    "print (this|the) (page|article|story)",
    "(was|is) this (article|page|story|information) (helpful|useful)( to you)?",
    "our standards:? .{0,80}",
    # newsletters in German, French, Spanish
    (
        "(newsletter|den newsletter) (abonnieren|bestellen)|(melden sie sich|abonnieren sie)( j"
        "etzt)? (für )?(unseren |den )?newsletter( an)?"
    ),
    (
        "(abonnez-vous|inscrivez-vous) (à|a) (notre|la|nos) (newsletter|lettre d'information)s?"
        "( [^.]{0,60})?"
    ),
    (
        "(suscríbete|suscríbase|suscribite) (a|al) (nuestro|nuestra|nuestros) (boletín|newslett"
        "er|boletines)( [^.]{0,60})?"
    ),
    # "Updated 3:04 PM EST, Sun November 30, 2025" and other date-only lines
    "(published|updated|posted|last updated|first published)( on| at)?:? [\\w ,:./+-]{4,60}",
    # photo and image credits on their own line: "Photo: Jane Doe/AP", "Image credit: Getty"
    (
        "(photo|image|picture|video|graphic|illustration)( credit)?s?:? [^.]{0,80}/ ?(ap|afp|re"
        "uters|getty images|epa|shutterstock)"
    ),
    "(file )?photo:? [^.]{0,80}",
    "(photograph|image|photo) (credit|courtesy)[^.]{0,80}",
)

# Searched case-insensitively in every short paragraph: a match makes it a credit line, and
# one inside closing parentheses "(Reporting by ...)" is split off the last paragraph.
CREDIT_PATTERNS: tuple[str, ...] = (
    (
        "^(additional |further |earlier )?(reporting|writing|editing|research|fact[- ]checking|"
        "graphics|translation)( and [a-z-]+){0,2}( by| from| on| in)\\b"
    ),
    "^(compiled|written|edited|produced|translated|reported) by\\b",
    "\\b(contributed|contributing) (to )?(this|the) (report|story|article|reporting)\\b",
    "\\bincludes? (contributions|reporting) from\\b",
    "^(with )?(additional )?(reporting|contributions?) from\\b",
    "^[—–-]* ?with (additional )?(assistance|reporting|contributions) (from|by)\\b",
    "^(source|sources|via): (reuters|ap|afp|the associated press|agencies|dpa|bloomberg)\\b",
    "^\\(?(reuters|ap|afp|dpa)\\)?$",
)

# Matched case-sensitively against a whole paragraph before the lead: bylines.
BYLINE_PATTERNS: tuple[str, ...] = (
    # "By Jane Doe", "By Anna de Wit and Marc van den Berg", "By Jane Doe | Staff Writer"
    (
        "By [A-Z][\\w'’.-]*( ((de|van|von|der|den|da|di|du|la|le|del|dos|bin|al|ter) ){0,3}[A-Z]"
        "[\\w'’.-]*){0,3}((, | and | & )[A-Z][\\w'’.-]*( ((de|van|von|der|den|da|di|du|la|le|del|"
        "dos|bin|al|ter) ){0,3}[A-Z][\\w'’.-]*){0,3}){0,4}( \\| [^|]{1,60})?"
    ),
    (
        "BY [A-Z][A-Z'’.-]*( [A-Z][A-Z'’.-]*){0,3}((, | AND )[A-Z][A-Z'’.-]*( [A-Z][A-Z'’.-]*){"
        "0,3}){0,4}"
    ),
)
