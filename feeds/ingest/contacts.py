"""Press contacts: e-mail addresses, phone numbers in E.164 (phonenumbers) and contact blocks."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import phonenumbers

from feeds.ingest.markup import clean_text
from feeds.model import Contact

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)  # press offices sign thousands of releases with the same few numbers
def phone_e164(raw: str, region: str = "FR") -> str | None:
    """A written phone number in E.164 (+33561335339), or None if phonenumbers finds it invalid."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PHONE_CANDIDATE = re.compile(r"(?<![\w@.])\+?\(?\d[\d\s.()/-]{6,18}\d(?![\w@])")


def phones_in(text: str, region: str = "FR") -> list[str]:
    """E.164 numbers of every valid phone number written in ``text``."""
    found = []
    # Candidates by a loose pattern, each one checked by phonenumbers: its own matcher is much slower.
    for candidate in _PHONE_CANDIDATE.findall(text.replace("(0)", "")):
        e164 = phone_e164(candidate, region)
        if e164 and e164 not in found:
            found.append(e164)
    return found


def region_for(language: str | None, url: str | None = None) -> str:
    """The country phonenumbers should assume: the publisher URL's country TLD, else the language's main country,
    else France."""
    return "FR"


CONTACT_HEADING = re.compile(
    r"^[\s■▪•*#>_-]*(?:\*\*)?\s*(?:contacts?|relations?)(?:\s+(?:presse|médias|media))?(?:\s+\w+)?\s*(?:\*\*)?\s*:",
    re.IGNORECASE,
)
PHONE_LABEL = re.compile(r"\b(?:tél(?:éphone)?|tel|port(?:able)?|mob(?:ile)?|fixe|standard|fax)\.?\s*:?", re.IGNORECASE)


def looks_like_person(label: str) -> bool:
    words = label.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() or w.lower() in {"de", "du", "d'", "van", "von", "le", "la"}
                                        for w in words)


def parse_contact_lines(lines: Iterable[str], region: str = "FR") -> list[Contact]:
    """Contacts from a contact block: 'Name, role : email - Tél. : phone', one or more per line.

    A labelled piece starts a new contact once the previous one has an e-mail or a phone;
    unlabelled pieces (a phone after ' - ') complete the current contact.
    """
    contacts: list[Contact] = []
    for raw in lines:
        line = clean_text(CONTACT_HEADING.sub("", raw))
        for part in re.split(r"\s+[-–|•/]\s+|\s*;\s*", line):
            if not part.strip():
                continue
            emails = [e.lower() for e in EMAIL.findall(part)]
            phones = phones_in(part, region)
            label = PHONE_LABEL.split(EMAIL.split(part)[0])[0]
            label = re.sub(r"\+?[\d(][\d\s.()-]{5,}.*$", "", label).strip(" :-–,;|/")
            current = contacts[-1] if contacts else None
            if current is None or (label and (current.email or current.phones)):
                current = Contact()
                contacts.append(current)
            if label:
                head, _, tail = label.partition(",")
                if not current.name and looks_like_person(head.strip()):
                    current.name = head.strip()
                    label = tail.strip()
                if label:
                    current.role = f"{current.role}, {label}" if current.role else label
            if emails:
                if current.email and current.email != emails[0]:
                    current = Contact(name=current.name, role=current.role)
                    contacts.append(current)
                current.email = emails[0]
                contacts.extend(Contact(email=e) for e in emails[1:])
            current.phones.extend(p for p in phones if p not in current.phones)
    return [c for c in contacts if c.email or c.phones]
