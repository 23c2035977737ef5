"""What every answer and template share: security headers on every answer, French dates."""

from datetime import datetime
from zoneinfo import ZoneInfo

from feeds.web.presentation import SECURITY_HEADERS, date_fr, datetime_fr


def test_french_dates():
    moment = datetime(2018, 1, 25, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert (date_fr(moment), datetime_fr(moment), date_fr(None), datetime_fr(None)) == (
        "jeudi 25 janvier 2018", "jeudi 25 janvier 2018 à 10h30", "", "")


def test_every_answer_carries_the_security_headers(client):
    for path in ("/", "/feed.atom", "/sitemap.xml", "/nowhere", "/static/style.css"):
        response = client.get(path)
        assert {name: response.headers[name] for name in SECURITY_HEADERS} == SECURITY_HEADERS, path
