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

TIMEOUT = 10

log = logging.getLogger(__name__)


class WebSubError(Exception):
    """The hub could not be reached or refused the notification."""


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
