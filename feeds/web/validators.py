"""ETags the app knows before it renders: what a page or feed is made of, not its bytes.

A release page is made of its release's state (``Live.release_state``), a listing or a feed of the releases
it shows and of the links its size gives (archive pages), and every page of the code and the site's
configuration. A client sending one of these back in ``If-None-Match`` gets a 304 without the page being
made: a static build (``feeds build``) asks again for every page of the site this way.
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from dataclasses import asdict
from pathlib import Path

from flask import Response, current_app

CODE_ROOT = Path(__file__).resolve().parent.parent  # the feeds package
CODE_SUFFIXES = (".py", ".html", ".css", ".svg", ".yml", ".toml", ".png")


@functools.cache
def code_version() -> str:
    """The code, templates and static files every answer is made with, as one digest (read once a process)."""
    digest = hashlib.sha256()
    for path in sorted(CODE_ROOT.rglob("*")):
        if path.suffix in CODE_SUFFIXES and path.is_file():
            digest.update(path.relative_to(CODE_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


_made_with_of: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # app -> (its site, what it is made with)


def _made_with():
    """A digest of the code and this app's site configuration, to be copied (kept per app: a build asks
    thousands of times)."""
    app = current_app._get_current_object()
    site = app.config["SITE"]
    kept = _made_with_of.get(app)
    if kept is None or kept[0] is not site:
        described = repr(sorted(asdict(site).items()))
        kept = _made_with_of[app] = (site, hashlib.sha256(f"{code_version()} {described}".encode()))
    return kept[1]


def etag(*parts: object) -> str:
    """A strong ETag (quoted, as ``feedbuild.etag_of`` writes them) of what an answer is made of."""
    digest = _made_with().copy()
    digest.update(repr(parts).encode())
    return '"' + digest.hexdigest()[:32] + '"'


def not_modified(tag: str, cache_control: str | None = None) -> Response:
    headers = {"ETag": tag}
    if cache_control:
        headers["Cache-Control"] = cache_control
    return Response(status=304, headers=headers)


def matches(request, tag: str) -> bool:
    """Whether the request's If-None-Match names ``tag``; the one ETag a client sends back is found without
    parsing the header."""
    sent = request.environ.get("HTTP_IF_NONE_MATCH")
    return bool(sent) and (sent == tag or request.if_none_match.contains(tag.strip('"')))
