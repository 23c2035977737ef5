"""Script payloads in every field never run: release page, search, home, person page and Datasette's views,
opened in headless Chromium."""

from __future__ import annotations

import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import FEEDS_BIN, ROOT, LiveServer, free_port
from feeds import store
from feeds.model import Attachment, Contact, Link, Quote, Release, Source

PAYLOAD = "\"'><img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=1</script><svg onload=window.__pwned=1>"
HOSTILE_FILE = "\n\n".join([
    "Communiqué de presse", "Toulouse, le 3 mai 2021", f"Titre {PAYLOAD} piégé",
    f"Un chapeau {PAYLOAD} assez long pour être un vrai paragraphe de présentation du sujet traité.",
    '<a href="javascript:window.__pwned=1">lien</a> <iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>'
    ' <p onclick="window.__pwned=1">para</p> <object data="javascript:window.__pwned=1"></object>',
    f"« Une citation assez longue pour compter comme une vraie citation », a déclaré Jean {PAYLOAD} Dupont.",
    f"Contact presse :\nMarie {PAYLOAD} Curie : marie@region.fr",
])


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A press room holding a hostile file ingested as a publisher would send it, and a record written
    straight into the store with payloads as plain text in every field (what escaping must handle)."""
    folder = tmp_path_factory.mktemp("xss")
    (folder / "piege.txt").write_text(HOSTILE_FILE, encoding="utf-8")
    db = folder / "xss.db"
    subprocess.run([str(FEEDS_BIN), "ingest", str(folder), "--db", str(db)], cwd=ROOT, check=True,
                   capture_output=True)
    paris = ZoneInfo("Europe/Paris")
    crafted = Release(
        id="charge-utile", title=f"Titre {PAYLOAD}", published=datetime(2021, 5, 4, 10, tzinfo=paris),
        source=Source(name=f"{PAYLOAD}.txt", sha256="0" * 64, format="text"), publisher=f"Éditeur {PAYLOAD}",
        standfirst=f"Chapeau {PAYLOAD}", place=f"Lieu {PAYLOAD}", summary=f"Résumé {PAYLOAD}",
        body_html="<p>Corps sain.</p>", body_text="Corps sain.", topics=[f"Thème {PAYLOAD}"],
        quotes=[Quote(text=f"Citation {PAYLOAD}", speaker=f"Orateur {PAYLOAD}", role=f"Rôle {PAYLOAD}")],
        contacts=[Contact(name=f"Contact {PAYLOAD}", role=PAYLOAD, email="a@b.fr", phones=["+33561335339"])],
        links=[Link(url="javascript:window.__pwned=1", text=f"Lien {PAYLOAD}")],
        attachments=[Attachment(url="javascript:window.__pwned=1", type="text/html", title=f"PJ {PAYLOAD}")],
    )
    store.upsert(store.connect(db), crafted, datetime.now(paris))
    server = LiveServer(db, free_port())
    yield server
    server.stop()


DANGEROUS = ("script:not([type='application/ld+json']), [onerror], [onload], [onclick], iframe, object, embed, "
             "a[href^='javascript:'], [src^='javascript:'], [data^='javascript:']")


def visit(browser, url: str) -> dict:
    context = browser.new_context()
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    response = page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # let any injected handler fire
    found = {
        "status": response.status,
        "pwned": page.evaluate("() => window.__pwned === 1"),
        "dialogs": dialogs,
        # Elements that could run code and carry our payload's marker (Datasette's own scripts don't).
        "dangerous": page.evaluate(f"() => Array.from(document.querySelectorAll({DANGEROUS!r}))"
                                   ".map(e => e.outerHTML).filter(h => h.includes('__pwned'))"),
        "text": page.inner_text("body"),
    }
    context.close()
    return found


def ids_of(server) -> list[str]:
    import json
    import urllib.request

    with urllib.request.urlopen(server.url + "/data/pressroom/releases.json?_shape=array&_col=id") as r:
        return [row["id"] for row in json.loads(r.read())]


@pytest.mark.parametrize("path", [
    "/", "/search?q=titre", "/search?q=" + PAYLOAD, "/releases/charge-utile", "{ingested}",
    "/data/pressroom/releases", "/data/pressroom/releases/charge-utile", "/data/pressroom/quotes",
    "/data/pressroom/contacts", "/data/pressroom?sql=select+title,+standfirst+from+releases",
])
def test_payloads_never_run(browser, hostile_server, path):
    if path == "{ingested}":
        ingested = [i for i in ids_of(hostile_server) if i != "charge-utile"]
        assert len(ingested) == 1
        path = f"/releases/{ingested[0]}"
    result = visit(browser, hostile_server.url + path)
    assert (result["status"], result["pwned"], result["dialogs"], result["dangerous"]) == (200, False, [], [])


def test_payload_shown_as_text_on_the_page(browser, hostile_server):
    """Escaped, not deleted: a reader sees the characters the publisher typed."""
    result = visit(browser, hostile_server.url + "/releases/charge-utile")
    assert f"Titre {PAYLOAD}" in result["text"]
    assert f"Orateur {PAYLOAD}" in result["text"]
