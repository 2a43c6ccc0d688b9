"""Pure HTML extraction: a page's markup to article paragraphs and what the page states about
itself (headline, dek, date, URL, language, credits). No Beam import here."""
