"""Where a URL is written in the build, so that nginx's ``try_files $uri $uri.html $uri/index.html`` finds it;
and writing files atomically.

``/`` is ``index.html``, ``/releases/<id>`` is ``releases/<id>.html``, ``/topics/<name>/feed/2.atom`` is that
file. A URL with a query string is filed under ``_q/<raw query>/``
(``/feed.atom?place=X&kind=Y`` is ``_q/place=X&kind=Y/feed.atom``), which the nginx snippet maps with the
same ``try_files`` prefixed by ``/_q/$args``. A withdrawn release (410) is filed under ``_gone/``; the
unknown-address page is ``404.html``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from feeds.static import BuildError

QUERY_DIR, GONE_DIR = "_q", "_gone"
NOT_FOUND_FILE = "404.html"
_made: set[Path] = set()  # folders this process made or found (a build writes thousands of files into each)


def _plain_file(path: str, content_type: str) -> str:
    """The file that ``try_files $uri $uri.html $uri/index.html`` finds for a URL path."""
    decoded = unquote(path)
    if decoded.endswith("/"):
        return decoded.lstrip("/") + "index.html"
    if content_type.startswith("text/html") and not decoded.endswith(".html"):
        return decoded.lstrip("/") + ".html"
    return decoded.lstrip("/")


def file_for(url: str, content_type: str, status: int = 200) -> str:
    """The relative file path of a URL (path and raw query) in the build."""
    parts = urlsplit(url)
    name = _plain_file(parts.path or "/", content_type)
    if status == 410:
        name = f"{GONE_DIR}/{name}"
    elif parts.query:
        name = f"{QUERY_DIR}/{parts.query}/{name}"
    segments = name.split("/")
    if any(s in ("", ".", "..") for s in segments) or "\x00" in name:
        raise BuildError(f"adresse impossible à écrire comme fichier : {url}")
    return name


def forget_folders() -> None:
    """For a new build: folders may have been removed since the last one."""
    _made.clear()


def write_file(out: Path, name: str, body: bytes) -> None:
    """Atomically: readers (nginx) see the old bytes or the new ones, never half a file."""
    target = out / name
    if target.parent not in _made:
        target.parent.mkdir(parents=True, exist_ok=True)
        _made.add(target.parent)
    work = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(work, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)  # Path.write_bytes's, without its layers
    try:
        view = memoryview(body)
        while view:  # a write may be short (at most 2 GB on Linux)
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(work, target)


def files_under(folder: Path) -> set[str]:
    """Every file under ``folder``, as the manifest names them: one listing per folder rather than a ``stat``
    per file."""
    found: set[str] = set()
    folders = [""]
    while folders:
        prefix = folders.pop()
        try:
            entries = os.scandir(os.path.join(folder, prefix))
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(f"{prefix}{entry.name}/")
                elif entry.is_file():
                    found.add(prefix + entry.name)
    return found
