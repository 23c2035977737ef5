"""The static export (``feeds build``): every public page, feed and download of the press room as files, for any
web server or CDN.

``feeds.web.urls`` says which URLs exist; ``render`` asks the app for each of them; ``files`` says where each is
written; ``manifest`` remembers what the last build wrote, and ``build`` ties them together; ``webserver`` writes
the nginx snippet and the CDN files; ``watch`` builds again whenever the data changes.
"""


class BuildError(Exception):
    """The static site cannot be built (bad address, unwritable folder, unknown database)."""
