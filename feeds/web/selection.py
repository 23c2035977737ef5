"""What listings and feeds show: the public releases of a selection (every release, or one facet value), newest first.

The live server asks the database for each page (``Live``). A static build renders thousands of listings and
feeds from one unchanging database, where every release appears in a dozen of them: ``ReadOnce`` reads the
order, the facets and what every release page is made of once, decodes each release once and builds each feed
entry once.

Both also say what a page is made of before it is rendered (``shown``, ``release_state``): the validators of
``feeds.web.validators`` are made of it, so a client that has a page gets a 304 without the page being made.
"""

from __future__ import annotations

from collections import defaultdict

from feeds import store
from feeds.config import Site
from feeds.model import Release, loads
from feeds.web.feedbuild import Entry

Selection = tuple[tuple[str, str], ...]  # ((facet, value), …)
Row = tuple[Release, str]  # a release and the time its current revision was recorded

# What a release page shows besides its record: its status, its withdrawal, its publisher.
_RELEASE_STATE = ("SELECT r.id, r.revision, r.status, r.withdrawn_at, r.withdrawn_reason, p.name, p.url, p.logo "
                  "FROM releases r LEFT JOIN publishers p ON p.id = r.publisher_id")


def _state(row: tuple) -> str:
    return repr(row[1:])


class Live:
    """Every question answered by the database."""

    kept: dict | None = None  # serialised feed entries worth keeping between documents (feedbuild._splice)

    def __init__(self, db):
        self.db = db
        self._last: tuple | None = None  # the rows ``shown`` read, which the page then shows

    def count(self, selection: Selection) -> int:
        return store.feed_count(self.db, selection)

    def rows(self, selection: Selection, limit: int, offset: int = 0, oldest_first: bool = False) -> list[Row]:
        asked = (selection, limit, offset, oldest_first)
        if self._last is not None and self._last[0] == asked:
            return self._last[1]
        return store.feed_entries(self.db, selection, limit, offset, oldest_first)

    def shown(self, selection: Selection, limit: int, offset: int = 0, oldest_first: bool = False) -> list[str]:
        """The releases of a page of the selection as ``id revision``."""
        rows = self.rows(selection, limit, offset, oldest_first)
        self._last = ((selection, limit, offset, oldest_first), rows)
        ids = [release.id for release, _ in rows]
        revisions = dict(self.db.conn.execute(
            f"SELECT id, revision FROM releases WHERE id IN ({','.join('?' * len(ids))})", ids)) if ids else {}
        return [f"{release_id} {revisions.get(release_id)}" for release_id in ids]

    def release_state(self, release_id: str) -> str | None:
        """What a release page is made of besides the code: revision, status, withdrawal, publisher; None if unknown."""
        row = self.db.conn.execute(f"{_RELEASE_STATE} WHERE r.id = ?", (release_id,)).fetchone()
        return None if row is None else _state(row)

    def release_ids(self) -> list[str]:
        """Every release with a page: the public ones and the withdrawn ones (a 410)."""
        return [row[0] for row in self.db.conn.execute("SELECT id FROM releases ORDER BY id")]

    def entry(self, release: Release, recorded_at: str | None, url: str, site: Site) -> Entry:
        return Entry.of(release, recorded_at, url, site)


class ReadOnce(Live):
    """The whole order, every facet and every release page's state read at once, releases and entries kept: for
    a database that does not change while it is read (a static build)."""

    def __init__(self, db):
        super().__init__(db)
        conn = db.conn
        rows = conn.execute(
            "SELECT r.id, r.revision, p.name, r.place, r.kind FROM releases r "
            "LEFT JOIN publishers p ON p.id = r.publisher_id "
            "WHERE r.status = 'published' ORDER BY r.published DESC, r.id DESC").fetchall()
        self.order = [row[0] for row in rows]
        self.tokens = [f"{release_id} {revision}" for release_id, revision, *_ in rows]  # as Live.shown
        position = {row[0]: i for i, row in enumerate(rows)}
        # One value of each of these facets a release: its position joins the lists in order.
        members: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, (_, _, publisher, place, kind) in enumerate(rows):
            if publisher is not None:
                members[("publisher", publisher)].append(i)
            if place is not None:
                members[("place", place)].append(i)
            if kind is not None:
                members[("kind", kind)].append(i)
        # Topics and people quoted: in no order, and a person may be quoted twice in a release.
        linked: dict[tuple[str, str], set[int]] = defaultdict(set)
        for facet, sql in (
            ("topic", "SELECT rt.release_id, t.name FROM release_topics rt JOIN topics t ON t.id = rt.topic_id"),
            ("person", "SELECT q.release_id, p.name FROM quotes q JOIN people p ON p.id = q.person_id"),
        ):
            for release_id, name in conn.execute(sql):
                i = position.get(release_id)
                if i is not None:
                    linked[(facet, name)].add(i)
        self.members = {**members, **{key: sorted(found) for key, found in linked.items()}}
        self.states = {row[0]: _state(row) for row in conn.execute(f"{_RELEASE_STATE} ORDER BY r.id")}
        self.releases: dict[str, Row] = {}
        self.entries: dict[tuple[str, str], Entry] = {}
        self.kept = {}

    def _positions(self, selection: Selection) -> list[int] | range | None:
        if not selection:
            return range(len(self.order))
        if len(selection) == 1 and selection[0][0] != "q":
            return self.members.get(selection[0], [])
        return None  # several facets, or a search: the database answers

    def count(self, selection: Selection) -> int:
        positions = self._positions(selection)
        return super().count(selection) if positions is None else len(positions)

    def page(self, selection: Selection, limit: int, offset: int = 0,
             oldest_first: bool = False) -> list[int] | range | None:
        """Positions in ``order`` of a page of the selection, in the order asked; None when the database must answer."""
        positions = self._positions(selection)
        if positions is None:
            return None
        if not oldest_first:
            return positions[offset:offset + limit]
        end = max(len(positions) - offset, 0)  # counted from the oldest, without reversing the whole selection
        return positions[max(end - limit, 0):end][::-1]

    def shown(self, selection: Selection, limit: int, offset: int = 0, oldest_first: bool = False) -> list[str]:
        chosen = self.page(selection, limit, offset, oldest_first)
        if chosen is None:
            return super().shown(selection, limit, offset, oldest_first)
        tokens = self.tokens
        return [tokens[i] for i in chosen]

    def release_state(self, release_id: str) -> str | None:
        return self.states.get(release_id)

    def release_ids(self) -> list[str]:
        return list(self.states)

    def rows(self, selection: Selection, limit: int, offset: int = 0, oldest_first: bool = False) -> list[Row]:
        chosen = self.page(selection, limit, offset, oldest_first)
        if chosen is None:
            return super().rows(selection, limit, offset, oldest_first)
        page = [self.order[i] for i in chosen]
        missing = [release_id for release_id in page if release_id not in self.releases]
        if missing:
            marks = ",".join("?" * len(missing))
            for release_id, record, recorded_at in self.db.conn.execute(
                    "SELECT r.id, v.record, v.recorded_at FROM releases r JOIN revisions v "
                    f"ON v.release_id = r.id AND v.revision = r.revision WHERE r.id IN ({marks})", missing):
                self.releases[release_id] = (Release.from_dict(loads(record)), recorded_at)
        return [self.releases[release_id] for release_id in page]

    def entry(self, release: Release, recorded_at: str | None, url: str, site: Site) -> Entry:
        key = (release.id, url)
        if key not in self.entries:
            self.entries[key] = super().entry(release, recorded_at, url, site)
        return self.entries[key]
