"""How well the ingesters read the real corpus: a short table, and a non-zero exit under target.

    python scripts/accuracy.py [CORPUS]        # CORPUS defaults to tests/corpus

Titles are compared as a reader compares them: Unicode NFKC, typographic quotes and dashes folded to their
ASCII forms, runs of whitespace folded to one space, case ignored. Nothing else is forgiven.
"""

from __future__ import annotations

import csv
import html
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from feeds.ingest import Context, IngestError, parse_bytes

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT / "tests" / "corpus"


@dataclass
class Check:
    """One measured quantity: how many of ``total`` agreed, against a target share."""

    corpus: str
    what: str
    agreed: int = 0
    total: int = 0
    target: float = 1.0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, miss: str) -> None:
        self.total += 1
        if ok:
            self.agreed += 1
        else:
            self.misses.append(miss)

    @property
    def share(self) -> float:
        return self.agreed / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        return self.total > 0 and self.share >= self.target


_FOLD = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"',
                       "‟": '"', "″": '"', "«": '"', "»": '"', "–": "-", "—": "-", "‑": "-", "\xa0": " "})


def reader_form(text: str) -> str:
    """A title as a reader compares it (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text or "").translate(_FOLD)
    return re.sub(r"\s+", " ", text).strip().casefold()


def measure(corpus: Path) -> list[Check]:
    """Every check over the corpus folder."""
    return [*_mn_ag(corpus / "mn-ag"), *_seed(corpus / "seed"), *_dinum(corpus / "dinum")]


def _mn_ag(folder: Path) -> list[Check]:
    titles = Check("mn-ag", "titles = labels.csv Headline", target=0.99)
    dates = Check("mn-ag", "dates = labels.csv Date")
    datelines = Check("mn-ag", "dates read from the dateline", target=0.9)
    ctx = Context(publisher="Minnesota Attorney General", publisher_url="https://www.ag.state.mn.us",
                  timezone=ZoneInfo("America/Chicago"), language="en")
    with (folder / "labels.csv").open(encoding="utf-8") as fh:
        labels = list(csv.DictReader(fh))
    for row in labels:
        path = folder / row["file"]
        try:
            release = parse_bytes(path.read_bytes(), row["file"], ctx, fmt="html")[0]
        except (IngestError, OSError) as exc:
            for check in (titles, dates, datelines):
                check.add(False, f"{row['file']}: {exc}")
            continue
        titles.add(reader_form(release.title) == reader_form(row["Headline"]),
                   f"{row['file']}: {release.title!r} != {row['Headline']!r}")
        expected = datetime.strptime(row["Date"], "%d-%b-%y").date()
        got = release.published.date() if release.published else None
        dates.add(got == expected, f"{row['file']}: {got} != {expected}")
        datelines.add(release.place is not None, f"{row['file']}: no dateline, date from the page metadata")
    return [titles, dates, datelines]


# What the seed's README says of it: header, dateline, a quote with its speaker, a contact block, a weekday slip.
SEED_EXPECTED = {
    "kind": "communique",
    "published": date(2018, 1, 25),
    "place": "Toulouse",
    "language": "fr",
}


def _seed(folder: Path) -> list[Check]:
    check = Check("seed", "fields of the press-release text")
    for path in sorted(folder.glob("*.txt")):
        try:
            release = parse_bytes(path.read_bytes(), path.name)[0]
        except IngestError as exc:
            check.add(False, f"{path.name}: {exc}")
            continue
        got = {"kind": release.kind, "published": release.published and release.published.date(),
               "place": release.place, "language": release.language}
        for key, value in SEED_EXPECTED.items():
            check.add(got[key] == value, f"{path.name}: {key} {got[key]!r} != {value!r}")
        check.add(bool(release.title) and len(release.title) < 200, f"{path.name}: title {release.title!r}")
        check.add(any(q.speaker for q in release.quotes), f"{path.name}: no quote with a speaker")
        check.add(any(c.email and c.phones and all(p.startswith("+33") for p in c.phones) for c in release.contacts),
                  f"{path.name}: no contact with e-mail and E.164 phone")
        check.add(any(w.code == "weekday_mismatch" for w in release.warnings), f"{path.name}: weekday slip unnoticed")
    return [check]


def _front_matter(text: str) -> dict:
    m = re.match(r"\A---[ \t]*\n(.*?)\n---", text, re.DOTALL)
    return (yaml.safe_load(m[1]) or {}) if m else {}


def _dinum(folder: Path) -> list[Check]:
    titles = Check("dinum", "title = front matter")
    dates = Check("dinum", "date = front matter")
    kinds = Check("dinum", "kind = categories")
    contacts = Check("dinum", "front-matter contact found")
    drafts = Check("dinum", "drafts = published: false")
    ctx = Context(publisher="DINUM", publisher_url="https://www.numerique.gouv.fr")
    for path in sorted(folder.glob("*.md")):
        data = path.read_bytes()
        meta = _front_matter(data.decode("utf-8"))
        try:
            release = parse_bytes(data, path.name, ctx)[0]
        except IngestError as exc:
            for check in (titles, dates, kinds, drafts):
                check.add(False, f"{path.name}: {exc}")
            continue
        # A reader sees the page, where an entity such as &nbsp; in the title is a space.
        titles.add(reader_form(release.title) == reader_form(html.unescape(str(meta["title"]))),
                   f"{path.name}: {release.title!r}")
        dates.add(release.published == meta["date"], f"{path.name}: {release.published} != {meta['date']}")
        categories = " ".join(meta.get("categories") or [])
        kind = "dossier" if "dossier" in categories.lower() else "communique"
        kinds.add(release.kind == kind, f"{path.name}: {release.kind} != {kind}")
        contact = meta.get("contact-presse")
        if isinstance(contact, dict) and contact.get("email"):
            contacts.add(any(c.email == contact["email"].strip().lower() and c.phones for c in release.contacts),
                         f"{path.name}: {contact['email']} not among {release.contacts}")
        draft = meta.get("published") is False
        drafts.add((release.status == "draft") == draft, f"{path.name}: status {release.status}")
    return [titles, dates, kinds, contacts, drafts]


def report(checks: list[Check]) -> str:
    lines = [f"{'corpus':<7} {'check':<34} {'agreed':>9} {'share':>7} {'target':>7}  ok"]
    for c in checks:
        lines.append(f"{c.corpus:<7} {c.what:<34} {f'{c.agreed}/{c.total}':>9} {c.share:>7.1%} {c.target:>7.0%}  "
                     f"{'yes' if c.passed else 'NO'}")
    for c in checks:
        lines.extend(f"  miss [{c.corpus}] {m}" for m in c.misses[:10])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    corpus = Path(args[0]) if args else DEFAULT_CORPUS
    if not corpus.is_dir():
        print(f"corpus introuvable : {corpus}", file=sys.stderr)
        return 2
    checks = measure(corpus)
    print(report(checks))
    return 0 if all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
