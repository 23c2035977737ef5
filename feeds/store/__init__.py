"""The SQLite database: public tables for the open data, revisions, and the queries of the web app.

One module per job: ``schema`` (tables, indexes, full-text index, connections, transactions), ``writes``
(upserts with revisions, publication of ended embargoes), ``bulk`` (the bulk load of a first ingest),
``withdrawals``, ``filters`` (the SQL filters of pages, feeds and search), ``queries`` (every read of the
web app and the exports) and ``fulltext`` (search). ``from feeds import store; store.X`` reaches them all;
a test that patches a setting patches it in its module (``store.fulltext.RANKED_MATCHES``), where it is read.
"""

from feeds.store.bulk import BULK_CACHE_KIB, FTS_BULK_HASH, FTS_HASH, bulk_load
from feeds.store.filters import FACET_FILTERS, FEED_SEARCH, SEARCH_MAX_TERMS, facet_where, fts_expression
from feeds.store.fulltext import RANKED_MATCHES, SEARCH_COUNT_LIMIT, SearchPage, search, search_page
from feeds.store.queries import (
    count,
    data_version,
    facet_known,
    facet_options,
    facet_values,
    feed_count,
    feed_entries,
    get_record,
    history,
    iter_public,
    latest,
    publishers,
    recorded_dates,
    sitemap_rows,
    stored_record,
)
from feeds.store.schema import PRIVATE_TABLES, StoreError, connect, ensure_tokens, read_only_uri, transaction
from feeds.store.withdrawals import AlreadyWithdrawn, UnknownRelease, Withdrawal, withdraw
from feeds.store.writes import (
    PARSER_VERSION,
    Outcome,
    _Writes,
    changed_fields,
    known_sources,
    next_embargo,
    publish_due,
    upsert,
    upsert_many,
    upsert_records,
)

__all__ = [
    "BULK_CACHE_KIB", "FACET_FILTERS", "FEED_SEARCH", "FTS_BULK_HASH", "FTS_HASH", "PARSER_VERSION", "PRIVATE_TABLES",
    "RANKED_MATCHES", "SEARCH_COUNT_LIMIT", "SEARCH_MAX_TERMS", "AlreadyWithdrawn", "Outcome", "SearchPage",
    "StoreError", "UnknownRelease", "Withdrawal", "_Writes", "bulk_load", "changed_fields", "connect", "count",
    "data_version", "ensure_tokens", "facet_known", "facet_options", "facet_values", "facet_where", "feed_count",
    "feed_entries", "fts_expression", "get_record", "history", "iter_public", "known_sources", "latest",
    "next_embargo", "publish_due", "publishers", "read_only_uri", "recorded_dates", "search", "search_page",
    "sitemap_rows", "stored_record", "transaction", "upsert", "upsert_many", "upsert_records", "withdraw",
]
