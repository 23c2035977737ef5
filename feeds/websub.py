"""WebSub (W3C): feeds name their hub with rel="hub", and the hub is pinged when they change.

The hub then fetches the feeds and pushes them to subscribers, so readers learn of a release at once
instead of at their next poll.
"""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
TIMEOUT = 10

log = logging.getLogger(__name__)


class WebSubError(Exception):
    """The hub could not be reached or refused the notification."""


class _HubExtension(BaseExtension):
    """feedgen writes only rel="self" among the atom:link of RSS; this adds rel="hub" to both formats."""

    def __init__(self):
        self.url: str | None = None

    def _link(self, parent) -> None:
        if self.url:
            etree.SubElement(parent, f"{{{ATOM_NS}}}link", rel="hub", href=self.url)

    def extend_atom(self, feed):
        self._link(feed)
        return feed

    def extend_rss(self, feed):
        self._link(feed.find("channel"))
        return feed


def add_hub(fg, hub: str) -> None:
    """Name ``hub`` in the feed being built by the feedgen ``fg`` (a no-op for an empty hub)."""
    if hub:
        fg.register_extension("websub", _HubExtension, BaseEntryExtension)
        fg.websub.url = hub


def ping(hub: str, topics: Iterable[str], timeout: float = TIMEOUT) -> None:
    """Tell ``hub`` that each feed of ``topics`` changed (``hub.mode=publish``, one request per feed)."""
    for topic in topics:
        body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": topic}).encode("ascii")
        request = urllib.request.Request(hub, data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise WebSubError(f"le hub {hub} a refusé la notification de {topic} ({exc.code})") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WebSubError(f"hub {hub} injoignable pour {topic} ({reason})") from None


def ping_in_background(hub: str, topics: Iterable[str]) -> threading.Thread | None:
    """``ping`` without making the caller wait; a failure is logged, never raised (publishing succeeded)."""
    if not hub:
        return None
    topics = list(topics)

    def run():
        try:
            ping(hub, topics)
        except WebSubError as exc:
            log.warning("%s", exc)

    thread = threading.Thread(target=run, name="websub-ping", daemon=True)
    thread.start()
    return thread
