"""The server's cache of public answers: bounded in bytes, so a million releases' sitemaps do not stay in memory."""

import asyncio
import concurrent.futures

from feeds.server import ResponseCache


def _app(sizes: dict[str, int], calls: list[str]):
    async def app(scope, receive, send):
        calls.append(scope["path"])
        body = b"x" * sizes[scope["path"]]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"cache-control", b"public, max-age=300"), (b"etag", b'"1"')]})
        await send({"type": "http.response.body", "body": body})

    return app


def _get(cache: ResponseCache, app, path: str) -> bytes:
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # another test's event loop may run in this thread
        pool.submit(asyncio.run, cache.serve(scope, None, send, app)).result()
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_cache_keeps_small_answers_drops_large_ones_and_stays_within_its_byte_budget(db_path, monkeypatch):
    monkeypatch.setattr(ResponseCache, "MAX_BYTES", 1000)
    monkeypatch.setattr(ResponseCache, "MAX_BODY", 400)
    cache, calls = ResponseCache(db_path), []
    app = _app({"/a": 300, "/b": 300, "/c": 300, "/big": 401}, calls)
    for path in ("/a", "/a", "/big", "/big"):
        assert len(_get(cache, app, path)) == (401 if path == "/big" else 300)
    assert calls == ["/a", "/big", "/big"]  # /a replayed from the cache, /big never kept
    _get(cache, app, "/b")
    _get(cache, app, "/a")  # /a used last: /b is the least recently used
    _get(cache, app, "/c")  # 900 bytes: all three fit
    assert cache.size == 900 and list(cache.entries) == [("/b", b""), ("/a", b""), ("/c", b"")]
    monkeypatch.setattr(ResponseCache, "MAX_BYTES", 700)
    app = _app({"/a": 300, "/b": 300, "/c": 300, "/d": 100}, calls)
    _get(cache, app, "/d")
    assert cache.size == 700 and list(cache.entries) == [("/a", b""), ("/c", b""), ("/d", b"")]
