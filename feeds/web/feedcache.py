"""Feed documents as built, kept for one data version."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime


@dataclass
class Built:
    body: bytes
    etag: str
    last_modified: datetime | None
    content_type: str
    cache_control: str


class FeedCache:
    """Documents built for one data version; a new version empties it. Bounded, least recently used out."""

    def __init__(self, size: int = 512):
        self.size, self.version = size, None
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, version, key) -> Built | None:
        with self.lock:
            if version != self.version:
                self.items.clear()
                self.version = version
                return None
            built = self.items.get(key)
            if built is not None:
                self.items.move_to_end(key)
            return built

    def put(self, version, key, built: Built) -> None:
        with self.lock:
            if version == self.version:
                self.items[key] = built
                while len(self.items) > self.size:
                    self.items.popitem(last=False)
