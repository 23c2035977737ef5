"""Exports of the open data: the public tables as downloads (``tables``) and the SIG JSON Lines (``sig``)."""

# Tables of the public file, in the order people meet them.
PUBLIC_TABLES = ("releases", "publishers", "people", "quotes", "contacts", "links", "attachments", "topics",
                 "release_topics", "revisions")


class ExportError(Exception):
    """An export cannot be written."""
