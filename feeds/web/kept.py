"""What the app keeps across requests, in one object created by ``create_app``: the database and the
selection source a static build injects, the feed cache, and memos of addresses worked out once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from flask import current_app

from feeds.web.feedcache import FeedCache
from feeds.web.selection import Live


class Memo(dict):
    """A dict that forgets everything once it holds ``limit`` keys: its keys are few in practice (script roots,
    hosts, facet names), but some come from requests and must not grow without bound."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def get_or(self, key, make: Callable[[], Any]):
        found = self.get(key)
        if found is None:
            if len(self) >= self.limit:
                self.clear()
            found = self[key] = make()
        return found


# Hosts seen without a configured public address (the root follows the Host header), script roots.
FEW = 16


@dataclass
class Kept:
    feed_cache: FeedCache
    db: sqlite_utils.Database | None = None  # a fixed read-only database every request uses (static build)
    source: Live | None = None  # where listings and feeds read their releases; None: the request's database
    site_links: Memo = field(default_factory=lambda: Memo(FEW))
    site_roots: Memo = field(default_factory=lambda: Memo(FEW))
    site_feeds: Memo = field(default_factory=lambda: Memo(FEW))
    release_links: Memo = field(default_factory=lambda: Memo(FEW))
    # The same few names are linked from thousands of pages.
    facet_urls: Memo = field(default_factory=lambda: Memo(10_000))
    # A release is listed by its publisher, place, topics and people, each with archive pages.
    listing_items: Memo = field(default_factory=lambda: Memo(20_000))


def kept() -> Kept:
    """The current app's ``Kept``."""
    return current_app.kept
