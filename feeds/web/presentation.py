"""What every answer and every template share: security headers, French dates, the site's links."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date, format_datetime
from flask import Flask, Response, current_app

from feeds.web.links import external, site_links

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
                               "script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def security_headers(response: Response) -> Response:
    """No script runs and no page is framed elsewhere, whatever a release holds; an answer's own headers win."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@lru_cache(maxsize=4096)
def _date_fr(day: date) -> str:
    """Babel's formatting, remembered: listings repeat the same days."""
    return format_date(day, format="full", locale="fr")


def date_fr(value: datetime | None) -> str:
    """« jeudi 25 janvier 2018 »."""
    return _date_fr(value.date()) if value else ""


def datetime_fr(value: datetime | None) -> str:
    """« jeudi 25 janvier 2018 à 10h30 »."""
    return format_datetime(value, "EEEE d MMMM y 'à' HH'h'mm", locale="fr") if value else ""


def template_context() -> dict:
    return {"site": current_app.config["SITE"], "external": external, "links": site_links()}


def init_app(app: Flask) -> None:
    app.after_request(security_headers)
    app.add_template_filter(date_fr, "date_fr")
    app.add_template_filter(datetime_fr, "datetime_fr")
    app.context_processor(template_context)
