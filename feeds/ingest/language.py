"""The language of a release, French or English, from the common words of its opening."""

from __future__ import annotations

import itertools
import re

_FR = {"le", "la", "les", "des", "du", "un", "une", "et", "est", "dans", "pour", "sur", "avec", "par", "au", "aux",
       "que", "qui", "ce", "cette", "sont", "ont"}
_EN = {"the", "and", "of", "to", "in", "is", "for", "on", "with", "that", "by", "are", "was", "this", "from", "have",
       "has", "be", "an", "at", "as"}
_LEAD = {word: lead for words, lead in ((_FR, 1), (_EN, -1)) for word in words}
_WORD = re.compile(r"[a-zà-ÿ']+")


def detect_language(text: str, default: str = "fr") -> str:
    """"fr" or "en", whichever has more of its common words in the first 2,000 characters; ``default`` on a tie."""
    french_lead = sum(map(_LEAD.get, _WORD.findall(text[:2000].lower()), itertools.repeat(0)))  # French less English
    if not french_lead:
        return default
    return "fr" if french_lead > 0 else "en"
