"""The record's JSON: what orjson writes is what ``to_dict`` says, and reads back as the same Release."""

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from feeds.model import Attachment, Contact, Link, Quote, Release, Source, Warning, loads


def full_release(**changes) -> Release:
    release = Release(
        id="region-2024-001", title="Le « TER » à 1 €\u2028 pour tous", source=Source("a.txt", "ab" * 32, "text"),
        published=datetime(2024, 3, 1, 10, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Paris")),
        updated=datetime(2024, 3, 2, 8, 0, tzinfo=UTC), kind="invitation", publisher="Région",
        standfirst="Chapeau", place="Toulouse", language="fr", body_html="<p>Corps &amp; <em>texte</em></p>",
        body_text="Corps & texte", summary="Résumé", topics=["transports", "énergie"],
        quotes=[Quote("Une citation", "Carole Delga", "présidente")],
        contacts=[Contact("Service presse", None, "presse@example.org", ["+33561335050"])],
        links=[Link("https://example.org/a", None)], attachments=[Attachment("https://example.org/a.pdf",
                                                                            "application/pdf", 1200, None)],
        status="draft", embargo_until=datetime(1850, 2, 1, tzinfo=ZoneInfo("Europe/Paris")),  # LMT: +00:09:21
        event_start=datetime(2024, 4, 12, 10, 30, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
        warnings=[Warning("weekday_mismatch", "la date indique mercredi")],
    )
    for key, value in changes.items():
        setattr(release, key, value)
    return release


def test_json_is_the_dict_and_reads_back_as_the_release():
    release = full_release()
    text = release.to_json()
    assert json.loads(text) == release.to_dict()
    assert list(json.loads(text)) == list(release.to_dict())  # the field order of `feeds parse`
    assert json.loads(text)["embargo_until"] == "1850-02-01T00:00:00+00:09:21"
    assert Release.from_dict(loads(text)) == release
    naive = full_release(published=datetime(2024, 3, 1))
    assert json.loads(naive.to_json())["published"] == "2024-03-01T00:00:00"


def test_lone_surrogates_are_written_and_read_as_json_does():
    release = full_release(title="Avant\ud800après")
    text = release.to_json()
    assert text == json.dumps(release.to_dict(), ensure_ascii=False)
    assert loads(text) == release.to_dict()
