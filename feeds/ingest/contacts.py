"""Press contacts in every EU language: e-mail addresses, phone numbers in E.164 (phonenumbers) and contact blocks."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import phonenumbers

from feeds.ingest.markup import clean_text
from feeds.model import Contact

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# « name[at]domain.de », « name (at) domain.it », « name [dot] domain »: addresses hidden from harvesters.
_AT = re.compile(r"\s*(?:\[\s*(?:at|ät|arroba|chiocciola)\s*\]|\(\s*(?:at|ät|arroba|chiocciola)\s*\)|\{\s*at\s*\})\s*",
                 re.IGNORECASE)
_DOT = re.compile(r"\s*(?:\[\s*(?:dot|punkt|punto|point|punt)\s*\]|\(\s*(?:dot|punkt|punto|point|punt)\s*\))\s*",
                  re.IGNORECASE)


def unobfuscate(text: str) -> str:
    """'presse[at]bmi.bund.de' -> 'presse@bmi.bund.de'; text without brackets comes back as it is."""
    if "(" not in text and "[" not in text and "{" not in text:
        return text
    return _DOT.sub(".", _AT.sub("@", text))


# ---------------------------------------------------------------- phone numbers

# Countries of the publishers' own top-level domains (the EU, the EEA, Switzerland, the United Kingdom, the
# microstates), and the country a language's releases mostly come from (English: the United States, as the
# Minnesota pages; a .uk or .ie address says otherwise).
_TLD_REGIONS = {
    "at", "be", "bg", "ch", "cy", "cz", "de", "dk", "ee", "es", "fi", "fr", "gr", "hr", "hu", "ie", "is", "it",
    "li", "lt", "lu", "lv", "mc", "mt", "nl", "no", "pl", "pt", "ro", "se", "si", "sk", "sm", "va", "ad", "gb",
}
_TLD_ALIASES = {"uk": "GB", "gov": "US", "mil": "US", "el": "GR"}
LANGUAGE_REGIONS = {
    "bg": "BG", "cs": "CZ", "da": "DK", "de": "DE", "el": "GR", "en": "US", "es": "ES", "et": "EE", "fi": "FI",
    "fr": "FR", "ga": "IE", "hr": "HR", "hu": "HU", "it": "IT", "lb": "LU", "lt": "LT", "lv": "LV", "mt": "MT",
    "nl": "NL", "pl": "PL", "pt": "PT", "ro": "RO", "sk": "SK", "sl": "SI", "sv": "SE",
}


def region_for(language: str | None, url: str | None = None) -> str:
    """The country phonenumbers should assume: the publisher URL's country TLD, else the language's main country,
    else France."""
    if url:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
        tld = host.rstrip(".").rsplit(".", 1)[-1].lower()
        if tld in _TLD_REGIONS:
            return tld.upper()
        if tld in _TLD_ALIASES:
            return _TLD_ALIASES[tld]
    return LANGUAGE_REGIONS.get((language or "").lower()[:2], "FR")


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


# Labels of phone numbers in the EU languages; a fax number is not a way to reach the contact and is left out.
PHONE_LABEL = re.compile(
    r"(?<![\w-])(?:(?P<fax>fax|telefax|télécopie|telecopia)|t[ée]l[ée]?(?:[ée]phone|efon[eo]?|[ée]fono|efoon|efono)?"
    r"|tlf|tfn|puh|port(?:able)?|mob(?:ile?|iel|il|ilní)?|fixe|standard|handy|cell(?:ulare)?|m[óo]vil|gsm"
    r"|telem[óo]vel|[TMF](?=\s*[:.]?\s*[+(\d]))\.?(?:\s*\([^)]{0,20}\))?\s*:?",
    re.IGNORECASE,
)
_DIGITS6 = re.compile(r"\d(?:\D{0,3}\d){5}")


@functools.lru_cache(maxsize=4096)
def _phones(text: str, region: str) -> tuple[str, ...]:
    if not _DIGITS6.search(text):
        return ()
    labels = [(m.end(), bool(m["fax"]) or m.group(0)[:1] == "F" and len(m.group(0).rstrip(" :.")) == 1)
              for m in PHONE_LABEL.finditer(text)]
    found: list[str] = []
    li, fax = 0, False
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        while li < len(labels) and labels[li][0] <= match.start:  # the label nearest before the number
            fax = labels[li][1]
            li += 1
        if fax:
            continue
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 not in found:
            found.append(e164)
    return tuple(found)


def phones_in(text: str, region: str = "FR") -> list[str]:
    """E.164 numbers of every valid phone number written in ``text`` (phonenumbers' matcher in ``region``; numbers
    written with +CC in any country), once each; numbers labelled as fax are left out."""
    return list(_phones(text, region))


# ---------------------------------------------------------------- contact blocks

# Words opening a contact block, in the EU languages (a line of its own, or followed by a colon). Those naming
# the press office itself (« Service presse : 05… », « Ufficio stampa ») stay in the contact as its role.
_CONTACT_WORDS = (
    "contacts? presse", "contacts? médias", "contacts? media", "relations? presse", "relations? médias",  # fr
    "pressekontakte?", "medienkontakte?", "kontakt für (?:die )?medien(?:schaffende)?", "rückfragehinweis",  # de
    "rückfragen(?: an)?", "für rückfragen", "medienanfragen", "presseanfragen",
    "contatti? stampa", "contatti? per la stampa",  # it
    "contactos? de prensa", "contactos? para (?:los )?medios",  # es
    "perscontacte?n?", "noot voor de redactie", "persinformatie",  # nl
    "press contacts?", "media contacts?", "media enquiries", "media inquiries", "press enquiries",  # en
    "press inquiries", "for media enquiries",
    "contactos? para a imprensa", "contactos? de imprensa", "contatos? de imprensa",  # pt
    "kontakt dla mediów", "presskontakter?", "kontakt for presse", "mediayhteydet", "kontakt pro média",  # pl sv da fi cs
    "contact presă", "sajtókapcsolat",  # ro hu
    "contacts?", "relations?", "kontakte?", "contatti", "contactos?", "contatos?", "contacten",  # generic
)
_OFFICE_WORDS = (
    "service (?:de )?presse", "bureau de presse", "attachée? de presse", "cellule presse",  # fr
    "pressestelle", "medienstelle", "pressesprecher(?:in)?", "mediensprecher(?:in)?", "pressereferat",  # de
    "ufficio stampa", "addett[oa] stampa",  # it
    "gabinete de prensa", "oficina de prensa", "gabinete de comunicación", "departamento de prensa",  # es
    "persvoorlichting", "woordvoerders?",  # nl
    "press office",  # en
    "gabinete de imprensa", "assessoria de imprensa",  # pt
    "biuro prasowe", "rzecznik prasowy", "tiskové oddělení", "biroul de presă",  # pl cs ro
)
_HEADING_END = r"(?:(?:\s+(?:presse|médias|media))?(?:\s+\w+)?\s*(?:\*\*)?\s*:|\s*(?:\*\*)?[ \t]*(?:\r?\n|$))"
CONTACT_HEADING = re.compile(
    r"^[\s■▪•*#>_-]*(?:\*\*)?\s*(?:" + "|".join(_CONTACT_WORDS + _OFFICE_WORDS) + ")" + _HEADING_END, re.IGNORECASE)
_CONTACT_HEADING = re.compile(
    r"^[\s■▪•*#>_-]*(?:\*\*)?\s*(?:" + "|".join(_CONTACT_WORDS) + ")" + _HEADING_END, re.IGNORECASE)
EMAIL_LABEL = re.compile(r"(?<!\w)(?:e-?mail|courriel|m[ée]l|correo(?: electrónico)?|posta elettronica|pec|"
                         r"e-?post)\s*:?\s*$", re.IGNORECASE)
_NAME_PARTICLES = {"de", "du", "d'", "van", "von", "le", "la", "der", "den", "di", "da", "del", "della", "dos", "das",
                   "do", "y", "ter", "zu", "vom"}
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def looks_like_person(label: str) -> bool:
    words = label.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words) \
        and not any(w.isupper() and len(w) > 3 for w in words[:1])


def _label(part: str) -> str:
    """The words of a piece before its e-mail or phone: a name, a role, a place."""
    label = PHONE_LABEL.split(EMAIL.split(part)[0], maxsplit=1)[0]
    label = _URL.sub("", label)
    label = re.sub(r"\+?[\d(][\d\s.()/-]{5,}.*$", "", label).strip(" :-–,;|/")
    return EMAIL_LABEL.sub("", label).strip(" :-–,;|/")


def parse_contact_lines(lines: Iterable[str], region: str = "FR") -> list[Contact]:
    """Contacts from a contact block: 'Name, role : email - Tél. : phone', one or more per line, or a name, a
    role, a phone and an e-mail on lines of their own.

    A labelled piece starts a new contact once the previous one has an e-mail or a phone;
    unlabelled pieces (a phone after ' - ') complete the current contact.
    """
    contacts: list[Contact] = []
    for raw in lines:
        line = clean_text(unobfuscate(_CONTACT_HEADING.sub("", raw)))
        for part in re.split(r"\s+[-–|•/]\s+|\s*;\s*", line):
            if not part.strip():
                continue
            emails = [e.lower() for e in EMAIL.findall(part)]
            phones = phones_in(part, region)
            label = _label(part)
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
