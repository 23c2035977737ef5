"""WebSub: publish notifications to a real hub on 127.0.0.1, and the hub named in the feeds."""

import json
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest
from conftest import free_port
from serving import Hub

from feeds import websub
from feeds.web import create_app

TOPICS = ["http://127.0.0.1:8000/feed.atom", "http://127.0.0.1:8000/feed.rss"]


def test_ping_notifies_each_topic():
    hub = Hub()
    try:
        websub.ping(hub.url, TOPICS)
    finally:
        hub.close()
    assert hub.received == [
        {"content_type": "application/x-www-form-urlencoded", "hub.mode": ["publish"], "hub.url": [topic]}
        for topic in TOPICS
    ]


def test_ping_errors_name_the_hub():
    class Refuses(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuses)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with pytest.raises(websub.WebSubError, match=f"le hub {url} a refusé la notification de {TOPICS[0]} \\(500\\)"):
            websub.ping(url, TOPICS)
    finally:
        server.shutdown()
        server.server_close()
    closed = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(websub.WebSubError, match=f"hub {closed} injoignable"):
        websub.ping(closed, TOPICS, timeout=5)


@pytest.mark.parametrize("hub", ["", "http://127.0.0.1:9/hub"])
def test_feeds_name_the_hub_only_when_configured(built_db, site, hub):
    client = create_app({"DATABASE": str(built_db), "SITE": replace(site, websub_hub=hub), "TESTING": True}) \
        .test_client()
    atom = feedparser.parse(client.get("/feed.atom").data).feed
    rss = feedparser.parse(client.get("/feed.rss").data).feed
    as_json = json.loads(client.get("/feed.json").data)
    expected = [hub] if hub else []
    assert [link.href for link in atom.links if link.rel == "hub"] == expected
    assert [link.href for link in rss.links if link.rel == "hub"] == expected
    assert as_json.get("hubs", []) == ([{"type": "WebSub", "url": hub}] if hub else [])
