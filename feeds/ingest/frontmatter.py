"""Markdown with YAML front matter, as Jekyll press rooms keep their releases (corpus/dinum)."""

from __future__ import annotations

import mimetypes
import re
from datetime import date, datetime
from urllib.parse import urljoin

import yaml

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.contacts import CONTACT_HEADING, EMAIL, parse_contact_lines, phone_e164, region_for
from feeds.ingest.dates import check_weekdays, parse_french_date
from feeds.ingest.decoding import decode
from feeds.ingest.language import detect_language
from feeds.ingest.markup import clean_text, markdown_to_html, strip_inline_markdown
from feeds.ingest.normalise import finish, make_id
from feeds.ingest.headers import kind_header, kind_of
from feeds.ingest.webpage import fold, leading_dateline
from feeds.ingest.quotes import extract_quotes
from feeds.model import Attachment, Contact, Quote, Release, Source

KIND_WORDS = [
    ("dossier", re.compile(r"dossier", re.I)),
    ("invitation", re.compile(r"invitation|avis aux", re.I)),
    ("declaration", re.compile(r"d[ée]claration", re.I)),
    ("communique", re.compile(r"communiqu", re.I)),
    ("article", re.compile(r"actualit|article|news", re.I)),
]
YAML_FRONT = re.compile(r"\A---[ \t]*\r?\n(?P<head>.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z", re.S)
TOML_FRONT = re.compile(r"\A\+\+\+[ \t]*\r?\n(?P<head>.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z", re.S)
BAD_FENCE = re.compile(r"\A(?P<fence>-{1,2}|-{4,}|\+{1,2}|\+{4,})[ \t]*\r?\n")
# Jekyll's posts: _posts/2022-01-26-slug.md
LIQUID_LINE = re.compile(r"^[ \t]*\{%.*?%\}[ \t]*$", re.M)
MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # [text](url) → text
JEKYLL_NAME = re.compile(r"^(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)-")


def split(text: str) -> tuple[dict, str]:
    """(front matter, body) of YAML (``---``), TOML (``+++``, Hugo) or JSON (``{``, Hugo) front matter.

    Raises IngestError saying what is wrong: a fence of the wrong length, a front matter never closed, a syntax
    error and its line."""
    text = text.lstrip("\ufeff")
    if (bad := BAD_FENCE.match(text)) and not text.startswith(("---\n", "+++\n")):
        fence = bad["fence"]
        kind, right = ("YAML", "---") if fence[0] == "-" else ("TOML", "+++")
        raise IngestError(f"en-tête {kind} ouvert par « {fence} » au lieu de « {right} »")
    if text.startswith("+++"):
        return _toml(text)
    if text.startswith("{"):
        return _json(text)
    m = YAML_FRONT.match(text)
    if not m:
        raise IngestError("en-tête YAML (front matter) non fermé")
    try:
        meta = yaml.safe_load(m["head"]) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = " ".join(str(getattr(exc, "problem", None) or "").split())  # "… but got '<stream end>'"
        where = f"ligne {mark.line + 2}" if mark else "syntaxe"
        raise IngestError(f"en-tête YAML invalide ({where} : « {problem} »)" if problem else
                          f"en-tête YAML invalide ({where})") from None
    if not isinstance(meta, dict):
        raise IngestError("en-tête YAML invalide : ce n'est pas une liste de champs")
    return meta, m["body"]


def _toml(text: str) -> tuple[dict, str]:
    import tomllib

    m = TOML_FRONT.match(text)
    if not m:
        raise IngestError("en-tête TOML (front matter) non fermé")
    try:
        meta = tomllib.loads(m["head"])
    except tomllib.TOMLDecodeError as exc:
        # tomllib writes "Expected '=' after a key in a key/value pair (at line 3, column 7)"
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        reason = re.sub(r"\s*\(at .*\)$", "", str(exc))
        where = f"ligne {int(found[1]) + 1}" if found else "fin de l'en-tête"
        raise IngestError(f"en-tête TOML invalide ({where} : « {reason} »)") from None
    return meta, m["body"]


def _json(text: str) -> tuple[dict, str]:
    import json

    try:
        meta, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"en-tête JSON invalide (ligne {exc.lineno} : {exc.msg})") from None
    if not isinstance(meta, dict):
        raise IngestError("en-tête JSON invalide : ce n'est pas un objet")
    return meta, text[end:].lstrip("\r\n")


def _strings(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and not isinstance(v, (dict, list))]
    if isinstance(value, dict):
        return []  # a mapping where a list of words was expected carries no word
    return [str(value)]


def _datetime(value, field_name: str, release: Release | None = None) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace(" +", "+").replace(" ", "T", 1))
        except ValueError:
            found = parse_french_date(value)
            if found:
                return datetime(found[0].year, found[0].month, found[0].day)
        if release is not None:
            release.warn("bad_date", f"champ {field_name} illisible : « {clean_text(value)[:80]} »")
    return None


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    ctx = ctx or Context()
    text = decode(data)
    meta, body = split(text)
    key = str(meta.get("id") or meta.get("permalink") or re.split(r"[\\/]", name)[-1].rsplit(".", 1)[0])
    if isinstance(meta.get("title"), (list, dict)):
        raise IngestError("champ title invalide : un texte est attendu")
    title = clean_text(meta.get("title"))
    if not title:
        raise IngestError("champ title absent de l'en-tête")
    release = Release(
        id=make_id(ctx.publisher, key, re.split(r"[\\/]", name)[-1].rsplit(".", 1)[0]),
        title=title,
        published=None,
        source=Source(name=name, sha256=sha256(data), format="markdown"),
        publisher=clean_text(meta.get("publisher")) or ctx.publisher,
    )
    _dates(release, meta, name)
    release.kind = _kind(meta, title)
    body = LIQUID_LINE.sub("", body)  # {% include press-release-download.html %}: the template's, not text
    release.title, body = _headline(title, body)
    release.topics = _strings(meta.get("tags")) + _strings(meta.get("keywords"))
    release.place = clean_text(meta.get("place") or meta.get("lieu")) or None
    if meta.get("published") is False or str(meta.get("published")).lower() == "false" or meta.get("draft") is True \
            or str(meta.get("draft")).lower() == "true":
        release.status = "draft"
    chapeau = next((meta[k] for k in ("chapeau-text", "chapeau", "description", "summary", "subtitle")
                    if isinstance(meta.get(k), str) and meta[k].strip()), None)
    if chapeau:
        release.standfirst = clean_text(markdown_to_html(chapeau))
    language = re.split(r"[-_]", str(meta.get("lang") or meta.get("language") or "").strip())[0].lower()
    release.language = language if re.fullmatch(r"[a-z]{2,3}", language) else detect_language(
        title + " " + body, ctx.language)

    if not release.place:
        release.place = _dateline_place(body, release.language)
    body, quotes = _kramdown_quotes(body)
    release.quotes = quotes or extract_quotes(strip_inline_markdown(body), language=release.language)
    body = _unwrap_hard_breaks(body)
    release.body_html = markdown_to_html(body)
    region = region_for(release.language, ctx.publisher_url)
    release.contacts = _contacts(meta.get("contact-presse") or meta.get("contact"), region)
    if not release.contacts:
        lines = [MD_LINK.sub(r"\1", ln) for ln in body.splitlines() if EMAIL.search(ln) or CONTACT_HEADING.match(ln)]
        release.contacts = parse_contact_lines(lines, region)
    release.attachments = _attachments(meta, ctx)
    finish(release, ctx)
    check_weekdays(release, release.body_text, release.language)
    return release


def _dates(release: Release, meta: dict, name: str) -> None:
    """Published (date, else Hugo's publishDate, else the date of a Jekyll file name), updated, embargo; a front
    matter disagreeing with its file name wins, and the conflict is warned."""
    key = next((k for k in ("date", "publishDate", "publishdate", "pubdate", "published_at") if meta.get(k)), "date")
    release.published = _datetime(meta.get(key), key, release)
    m = JEKYLL_NAME.match(re.split(r"[\\/]", name)[-1])
    named = None
    if m:
        try:
            named = datetime(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            named = None
    if release.published is None:
        release.published = named
    elif named is not None and release.published.date() != named.date():
        release.warn("date_conflict", f"date de l'en-tête {release.published.date().isoformat()}, date du nom de "
                                      f"fichier {named.date().isoformat()} ; la première est retenue")
    updated = next((k for k in ("last_modified_at", "updated", "lastmod", "modified") if meta.get(k)), "updated")
    release.updated = _datetime(meta.get(updated), updated, release)
    release.embargo_until = _datetime(meta.get("embargo"), "embargo", release)


def _kind(meta: dict, title: str) -> str:
    """The kind the categories name (« Communiqués », « Dossiers de presse »), else the kind that a category, the
    type, the layout or the title names in any EU language (« Pressemitteilung », « Comunicato stampa … »)."""
    categories = _strings(meta.get("categories")) + _strings(meta.get("category"))
    joined = " ".join(categories)
    found = next((k for k, rx in KIND_WORDS if rx.search(joined)), None)
    words = categories + _strings(meta.get("type")) + _strings(meta.get("layout")) + [title]
    return found or next((k for k in map(kind_of, words) if k), "communique")


def _headline(title: str, body: str) -> tuple[str, str]:
    """The headline and the body: a body opening with a heading that repeats the title loses it; a title that only
    names the kind (« Comunicato stampa Palermo ») gives way to the body's opening heading."""
    m = re.match(r"\s*#{1,6}[ \t]+(?P<heading>[^\n]+?)[ \t#]*(?:\n|$)", body)
    if not m:
        return title, body
    heading = clean_text(strip_inline_markdown(m["heading"]))
    if fold(heading) == fold(title) or kind_header(title) is not None and heading:
        return heading, body[m.end():]
    return title, body


def _dateline_place(body: str, language: str) -> str | None:
    """The place of a dateline opening the body's first paragraph of text (« Roma, 10 aprile 2024 - … »)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body)]
    texts = [strip_inline_markdown(p) for p in paragraphs if p and not p.startswith(("<", "{%", "#", "!", "|"))]
    for text in texts[:3]:  # after a standfirst in italics, say
        found = leading_dateline(text, [language])
        if found:
            return found[0].place
    return None


def _contacts(value, region: str = "FR") -> list[Contact]:
    contacts = []
    for item in value if isinstance(value, list) else [value] if value else []:
        if isinstance(item, dict):
            phones = []
            for raw in _strings(item.get("tel") or item.get("telephone") or item.get("phone")):
                phone = phone_e164(raw, region)
                if phone and phone not in phones:
                    phones.append(phone)
            email = clean_text(item.get("email")) or None
            name = clean_text(item.get("name") or item.get("nom")) or None
            if email or phones or name:
                contacts.append(Contact(name=name, role=clean_text(item.get("role") or item.get("fonction")) or None,
                                        email=email, phones=phones))
        elif isinstance(item, str):
            contacts.extend(parse_contact_lines(item.splitlines(), region))
    return contacts


def _attachments(meta: dict, ctx: Context) -> list[Attachment]:
    found: list[Attachment] = []
    items = meta.get("files") if isinstance(meta.get("files"), list) else []
    for item in items:
        if isinstance(item, dict) and item.get("file"):
            found.append(_attachment(str(item["file"]), item.get("nom") or item.get("name"), ctx))
        elif isinstance(item, str):
            found.append(_attachment(item, None, ctx))
    for field_name in ("file", "communique_file"):
        if isinstance(meta.get(field_name), str) and meta[field_name].strip():
            found.append(_attachment(meta[field_name].strip(), None, ctx))
    unique: dict[str, Attachment] = {}
    for a in found:
        unique.setdefault(a.url, a)
    return list(unique.values())


def _attachment(path: str, title, ctx: Context) -> Attachment:
    url = urljoin(ctx.publisher_url + "/", path.lstrip("/")) if ctx.publisher_url and not re.match(
        r"https?://", path) else path
    return Attachment(url=url, type=mimetypes.guess_type(path)[0], title=clean_text(title) or None)


def _kramdown_quotes(body: str) -> tuple[str, list[Quote]]:
    """Blockquotes marked ``{: .citation}`` followed by ``{: .auteur-citation}`` (speaker, role)."""
    quotes = []
    pattern = re.compile(
        r"^>\s*(?P<text>.+?)\{:\s*\.citation\}\s*\n>\s*(?P<author>.+?)\{:\s*\.auteur-citation\}",
        re.M | re.S,
    )
    for m in pattern.finditer(body):
        text = clean_text(m["text"]).strip(" ,")
        text = re.sub(r"^[«“\"]\s*|\s*[»”\"]\s*[,.]?$", "", text)
        speaker, _, role = clean_text(m["author"]).partition(",")
        quotes.append(Quote(text=text, speaker=speaker.strip() or None, role=role.strip(" .") or None))
    return body, quotes


def _unwrap_hard_breaks(body: str) -> str:
    """Join lines of text pasted from a PDF (a line break inside a sentence), paragraph by paragraph."""
    def join(paragraph: str) -> str:
        lines = paragraph.split("\n")
        if len(lines) < 3 or any(ln.lstrip().startswith(("#", "-", "*", ">", "|", "1.")) for ln in lines):
            return paragraph
        return re.sub(r"(?<=[^\s.:!?;])\n(?=[a-zà-ÿ(])", " ", paragraph)
    return "\n\n".join(join(p) for p in re.split(r"\n\s*\n", body))
