"""The open dataset as people get it: the served Datasette (search, facets, exports, metadata, canned queries,
safety) and the "Données ouvertes" page with its downloads, all through `feeds serve` on a free port."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import unicodedata
import urllib.error
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import RELEASES, ROOT, SEED, LiveServer, free_port, now_paris

from feeds import store
from feeds.export import PUBLIC_TABLES
from feeds.ingest import parse_bytes
from feeds.ingest.files import context_for, iter_files, publisher_for, read_file
from feeds.web.opendata import monthly_chart

SEED_TITLE = "1ère collectivité à concevoir un MOOC, la Région est plébiscitée pour sa démarche innovante"
EMBARGOED_SENTENCE = "Cette phrase sous embargo ne doit sortir par aucune requête"


def get(server, path: str):
    return server.get(path)


def get_json(server, path: str):
    response = server.get(path)
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.read())


def sql(server, query: str, **params):
    qs = urllib.parse.urlencode({"sql": query, "_shape": "array", **params})
    return get_json(server, f"/data/pressroom.json?{qs}")


def sql_error(server, query: str) -> tuple[int, str]:
    qs = urllib.parse.urlencode({"sql": query})
    with pytest.raises(urllib.error.HTTPError) as info:
        server.get(f"/data/pressroom.json?{qs}")
    return info.value.code, json.loads(info.value.read())["error"]


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text or "") if not unicodedata.combining(c)).lower()


@pytest.fixture(scope="module")
def private_releases(site):
    """Titles and texts of the default press room's drafts and embargoed releases, from the parsers."""
    now = now_paris()
    found = []
    for path, root in iter_files([RELEASES]):
        for r in parse_bytes(read_file(path, root), path.name, context_for(site, now, publisher_for(path, root))):
            if r.status != "published" or (r.embargo_until and r.embargo_until > now):
                found.append(r)
    assert found, "the default press room has a draft: the privacy tests need one"
    return found


@pytest.fixture(scope="module")
def seed_id(live_server) -> str:
    rows = sql(live_server, "select id from releases where title = :t", t=SEED_TITLE)
    assert len(rows) == 1
    return rows[0]["id"]


# ---------------------------------------------------------------- search, facets, exports


@pytest.mark.parametrize("query, word", [("region", "region"), ("plebiscitee", "plebiscitee"),
                                         ("Région", "region")])
def test_search_folds_accents_and_finds_exactly_the_releases_with_the_word(live_server, seed_id, query, word):
    found = get_json(live_server, f"/data/pressroom/releases.json?_search={urllib.parse.quote(query)}"
                                  "&_shape=array&_col=title&_size=max")
    everything = sql(live_server, "select id, title, standfirst, body_text from releases", _size="max")
    expected = {r["id"] for r in everything
                if re.search(rf"\b{word}\b", fold(" ".join(filter(None, (r["title"], r["standfirst"],
                                                                             r["body_text"])))))}
    assert seed_id in expected
    assert {r["id"] for r in found} == expected


def test_default_facets_and_the_place_facet_counts_toulouse(live_server):
    data = get_json(live_server, "/data/pressroom/releases.json?_size=0")
    assert list(data["facet_results"]) == ["publisher_id", "kind", "place", "year", "topics"]
    expected = sql(live_server, "select place as value, count(*) as count from releases where place is not null "
                                "group by place order by count desc, place")
    assert [{"value": r["value"], "count": r["count"]} for r in data["facet_results"]["place"]["results"]] == expected
    assert {"value": "Toulouse", "count": 1} in expected
    publishers = sql(live_server, "select p.name as label, count(*) as count from releases r join publishers p "
                                  "on p.id = r.publisher_id group by p.id order by count desc, p.id")
    assert [{"label": r["label"], "count": r["count"]}
            for r in data["facet_results"]["publisher_id"]["results"]] == publishers
    topics = sql(live_server, "select t.name as value, count(*) as count from release_topics rt "
                              "join topics t on t.id = rt.topic_id group by t.id order by count desc, t.name")
    assert [{"value": r["value"], "count": r["count"]}
            for r in data["facet_results"]["topics"]["results"]] == topics[:30]


def test_topic_facet_value_filters_the_releases_having_that_topic(live_server):
    topic = sql(live_server, "select t.name, count(*) as n from release_topics rt join topics t on t.id = rt.topic_id "
                             "group by t.id order by n desc, t.name limit 1")[0]
    rows = get_json(live_server, "/data/pressroom/releases.json?_shape=array&_col=topics&topics__arraycontains="
                    + urllib.parse.quote(topic["name"]))
    assert len(rows) == topic["n"] and all(topic["name"] in json.loads(r["topics"]) for r in rows)


def test_releases_are_sorted_newest_first_by_default(live_server):
    rows = get_json(live_server, "/data/pressroom/releases.json?_shape=array&_col=published&_size=max")
    dates = [r["published"] for r in rows]
    assert dates == sorted(dates, reverse=True) and len(dates) == sql(live_server, "select count(*) as n from "
                                                                                   "releases")[0]["n"]


@pytest.mark.parametrize("table, order", [("releases", "published desc, id"),
                                          ("revisions", "recorded_at desc, release_id, revision")])
def test_the_pages_after_the_first_read_along_an_index(live_server, table, order):
    """Datasette's default order (newest first) pages by keyset: every page after the first asks for the rows
    after the last one shown. Each such query must read along an index, not sort the rest of the table (what
    CSV streams do a thousand rows at a time: 28 s a page at 100 000 releases)."""
    key = [column.split()[0] for column in order.split(", ")]
    conn = sqlite3.connect(live_server.db)
    expected = [list(row) for row in conn.execute(f"select {', '.join(key)} from [{table}] order by {order}")]
    seen, plans, path = [], [], f"/data/pressroom/{table}.json?_size=7"
    while path:
        data = get_json(live_server, path)
        seen += [[dict(zip(data["columns"], row, strict=True))[c] for c in key] for row in data["rows"]]
        if "_next=" in path:
            plans.append(" ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + data["query"]["sql"],
                                                             data["query"]["params"])))
        following = urllib.parse.urlsplit(data["next_url"] or "")
        path = following.path and f"{following.path}?{following.query}"
    conn.close()
    assert seen == expected and len(plans) == (len(expected) - 1) // 7
    assert all(re.fullmatch(f"SCAN {table} USING INDEX idx_{table}_[a-z_]+", plan) for plan in plans), plans


@pytest.mark.parametrize("table", PUBLIC_TABLES)
def test_csv_stream_has_every_row_of_every_table(live_server, table):
    count = sql(live_server, f"select count(*) as n from [{table}]")[0]["n"]
    response = live_server.get(f"/data/pressroom/{table}.csv?_stream=on")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))
    assert len(rows) == count
    columns = [c["name"] for c in sql(live_server, f"select name from pragma_table_info('{table}')")]
    assert list(rows[0]) == columns if rows else True


def test_metadata_carries_the_licence_and_describes_every_column(live_server):
    meta = get_json(live_server, "/data/-/metadata.json")
    assert (meta["license"], meta["license_url"]) == ("Licence Ouverte 2.0",
                                                      "https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    tables = meta["databases"]["pressroom"]["tables"]
    for table in PUBLIC_TABLES:
        columns = [c["name"] for c in sql(live_server, f"select name from pragma_table_info('{table}')")]
        assert tables[table]["description"], table
        assert sorted(tables[table]["columns"]) == sorted(columns), table
        assert all(tables[table]["columns"].values()), table


def test_the_database_lists_the_public_tables_and_hides_the_private_ones(live_server):
    data = get_json(live_server, "/data/pressroom.json")
    visible = {t["name"] for t in data["tables"] if not t["hidden"]}
    assert set(PUBLIC_TABLES) <= visible
    assert {"quotes", "contacts", "people"} <= visible
    assert not visible & set(store.PRIVATE_TABLES)
    assert data["tables"][0]["name"] == "attachments" and data["license"] == "Licence Ouverte 2.0"


def test_releases_table_page_renders_in_french_with_facets_and_links_to_pages(live_server, seed_id):
    response = live_server.get("/data/pressroom/releases?place=Toulouse")
    html = response.read().decode()
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Un communiqué par ligne, dans sa dernière version publiée." in html
    assert f'<a href="/releases/{seed_id}" title="Page du communiqué">{SEED_TITLE}</a>' in html
    assert f'href="/data/pressroom/releases/{seed_id}"' in html
    for facet in ("publisher_id", "kind", "place", "year", "topics"):
        assert f'data-column="{facet}"' in html, facet
    assert 'href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/"' in html


def test_release_row_links_to_its_page_and_the_page_links_back(live_server, seed_id):
    row_html = live_server.get(f"/data/pressroom/releases/{seed_id}").read().decode()
    assert f'{seed_id} (<a href="/releases/{seed_id}" title="Page du communiqué">page du communiqué</a>)' in row_html
    page = live_server.get(f"/releases/{seed_id}").read().decode()
    assert f'href="/data/pressroom/releases/{seed_id}"' in page
    assert 'href="/donnees-ouvertes/releases.csv"' in page  # every release as CSV


# ---------------------------------------------------------------- canned queries


def test_canned_query_releases_quoting_a_person_ignores_accents_and_case(live_server, seed_id):
    rows = get_json(live_server, "/data/pressroom/communiques_citant_une_personne.json?_shape=array&personne=DELGA")
    expected = sql(live_server, "select q.release_id, p.name from quotes q join people p on p.id = q.person_id "
                                "where p.name like '%delga%'")
    assert [(r["communique"], r["personne"]) for r in rows] == [(e["release_id"], e["name"]) for e in expected]
    assert seed_id in [r["communique"] for r in rows]
    html = live_server.get("/data/pressroom/communiques_citant_une_personne?personne=delga").read().decode()
    assert f'<a href="/releases/{seed_id}" title="Page du communiqué">{seed_id}</a>' in html


def test_canned_query_releases_mentioning_a_place(live_server, seed_id):
    rows = get_json(live_server, "/data/pressroom/communiques_mentionnant_un_lieu.json?_shape=array&lieu=toulouse")
    assert seed_id in [r["communique"] for r in rows]
    assert all("toulouse" in fold(r["lieu_d_emission"] or "") or r["communique"] for r in rows)
    assert get_json(live_server, "/data/pressroom/communiques_mentionnant_un_lieu.json?_shape=array&lieu=") == []
    # FTS syntax in a place name is part of a phrase, never an error
    quoted = get_json(live_server, "/data/pressroom/communiques_mentionnant_un_lieu.json?_shape=array"
                                   "&lieu=toulouse%22%20OR")
    assert [r["communique"] for r in quoted] == []


def test_canned_query_releases_per_month_adds_up(live_server):
    rows = get_json(live_server, "/data/pressroom/communiques_par_mois.json?_shape=array&_size=max")
    total = sql(live_server, "select count(*) as n from releases where status = 'published'")[0]["n"]
    assert sum(r["communiques"] for r in rows) == total
    assert [r["mois"] for r in rows] == sorted((r["mois"] for r in rows), reverse=True)


def test_canned_query_press_contacts_directory(live_server):
    rows = get_json(live_server, "/data/pressroom/annuaire_contacts_presse.json?_shape=array&_size=max")
    emails = {r["email"] for r in sql(live_server, "select distinct email from contacts where email is not null")}
    assert {r["courriel"] for r in rows if r["courriel"]} == emails
    assert sum(r["communiques"] for r in rows) == sql(live_server, "select count(*) as n from contacts")[0]["n"]


# ---------------------------------------------------------------- safety


@pytest.fixture(scope="module")
def private_server(tmp_path_factory, built_db):
    """`feeds serve` over the default press room plus one release under embargo for tomorrow."""
    path = tmp_path_factory.mktemp("private") / "pressroom.db"
    with sqlite3.connect(built_db) as source, sqlite3.connect(path) as target:
        source.backup(target)  # a file copy would miss what is still in built_db's WAL
    release = parse_bytes(SEED.read_bytes(), SEED.name)[0]
    release.id, release.title = "embargoed-release", "Communiqué sous embargo"
    release.body_text = release.body_html = EMBARGOED_SENTENCE
    release.embargo_until = now_paris() + timedelta(days=1)
    store.upsert(store.connect(path), release, now_paris())
    server = LiveServer(path, free_port())
    yield server
    server.stop()


LEAK_QUERIES = [
    "select * from _pending",
    "select group_concat(record, ' ') as r from _pending",
    "select id, record from _pending where record like '%e%'",
    "select (select record from _pending limit 1) as r",
    "select * from releases_fts where releases_fts match 'embargo'",
    "select * from dbstat where name = '_pending'",
    "select name, sql from sqlite_master",
]


@pytest.mark.parametrize("query", LEAK_QUERIES)
def test_no_sql_gives_out_a_draft_or_an_embargoed_release(private_server, private_releases, query):
    text = json.dumps(sql(private_server, query, _size="max"), ensure_ascii=False)
    secrets = [EMBARGOED_SENTENCE, "Communiqué sous embargo", "embargoed-release"]
    secrets += [r.title for r in private_releases] + [r.id for r in private_releases]
    assert [s for s in secrets if s in text] == []


def test_private_table_rows_read_as_nulls(private_server):
    rows = sql(private_server, "select * from _pending")
    assert len(rows) == 2 and {v for r in rows for v in r.values()} == {None}


@pytest.mark.parametrize("query, error", [
    ("insert into releases (id, title) values ('x', 'y')", "Statement must be a SELECT"),
    ("delete from releases", "Statement must be a SELECT"),
    ("update releases set title = 'x'", "Statement must be a SELECT"),
    ("drop table releases", "Statement must be a SELECT"),
    ("attach database ':memory:' as x", "Statement must be a SELECT"),
    ("pragma writable_schema = 1", "Statement must be a SELECT"),
    ("with x as (select 1) delete from releases", "attempt to write a readonly database"),
    ("select length(randomblob(500000000))", "string or blob too big"),
    ("select length(zeroblob(500000000))", "string or blob too big"),
    ("select length(replace(hex(zeroblob(2000000)), '0', '00000'))", "string or blob too big"),
    ("select length(group_concat(hex(randomblob(1000000)))) from (select 1 union all select 2 union all select 3)",
     "string or blob too big"),
])
def test_writes_and_oversized_values_are_refused(private_server, query, error):
    code, message = sql_error(private_server, query)
    assert (code, message) == (400, error)
    assert sql(private_server, "select count(*) as n from releases where title = 'x' or id = 'x'") == [{"n": 0}]


# ---------------------------------------------------------------- the "Données ouvertes" page and its downloads


def test_open_data_page_lists_every_table_and_download(live_server):
    response = live_server.get("/donnees-ouvertes")
    html = response.read().decode()
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Données ouvertes</h1>" in html and 'rel="license">Licence Ouverte 2.0</a>' in html
    for table in PUBLIC_TABLES:
        n = sql(live_server, f"select count(*) as n from [{table}]")[0]["n"]
        assert re.search(
            rf'<td><a href="/data/pressroom/{table}"><code>{table}</code></a></td>\n<td>[^<]+</td>\n<td>{n}</td>\n'
            rf'<td><a href="/donnees-ouvertes/{table}.csv">CSV</a> · '
            rf'<a href="/donnees-ouvertes/{table}.json">JSON</a></td>', html), table
    for href in ("/donnees-ouvertes/pressroom.db", "/donnees-ouvertes/communiques-sig.jsonl",
                 "/data/pressroom/communiques_citant_une_personne", "/data/pressroom/communiques_mentionnant_un_lieu",
                 "/data/pressroom/communiques_par_mois", "/data/pressroom/annuaire_contacts_presse"):
        assert f'href="{href}"' in html, href
    assert '<a href="/donnees-ouvertes">Données ouvertes</a>' in html  # the site's navigation


def test_open_data_chart_is_inline_svg_with_every_published_release(live_server):
    html = live_server.get("/donnees-ouvertes").read().decode()
    svg = re.search(r"<svg xmlns=\"http://www.w3.org/2000/svg\".*?</svg>", html, re.DOTALL).group(0)
    counts = [int(n) for n in re.findall(r"<rect [^>]*><title>[^<]* : (\d+) \(", svg)]
    total = sql(live_server, "select count(*) as n from releases where status = 'published'")[0]["n"]
    assert sum(counts) == total
    assert "<script" not in html and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize("table", PUBLIC_TABLES)
def test_json_download_has_every_row(live_server, table):
    response = live_server.get(f"/donnees-ouvertes/{table}.json")
    assert response.headers["Content-Type"] == "application/json"
    rows = json.loads(response.read())
    expected = sql(live_server, f"select * from [{table}]", _size="max")
    assert sorted(rows, key=_canonical) == sorted(expected, key=_canonical)


def _canonical(row: dict) -> str:
    return json.dumps(row, sort_keys=True)


@pytest.mark.parametrize("table", PUBLIC_TABLES)
def test_csv_download_has_every_row(live_server, table):
    """Written with ``csv``: a header of the table's columns, then its rows as sqlite3 reads them (NULL empty)."""
    response = live_server.get(f"/donnees-ouvertes/{table}.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{table}.csv"'
    body = response.read()
    conn = sqlite3.connect(f"file:{live_server.db}?mode=ro", uri=True)
    cursor = conn.execute(f"SELECT * FROM [{table}]")
    header = [d[0] for d in cursor.description]
    expected = sorted(["" if value is None else str(value) for value in row] for row in cursor)
    conn.close()
    found = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert found[0] == header and sorted(found[1:]) == expected


def test_table_downloads_of_an_unknown_or_private_table_are_404(live_server):
    for name in ("_pending", "_meta", "sqlite_master", "nope"):
        for fmt in ("json", "csv"):
            with pytest.raises(urllib.error.HTTPError) as info:
                live_server.get(f"/donnees-ouvertes/{name}.{fmt}")
            assert info.value.code == 404


def test_sqlite_download_is_the_public_database_without_private_rows(private_server, private_releases, tmp_path):
    response = private_server.get("/donnees-ouvertes/pressroom.db")
    assert response.headers["Content-Type"] == "application/vnd.sqlite3"
    data = response.read()
    path = tmp_path / "download.db"
    path.write_bytes(data)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert set(PUBLIC_TABLES) <= tables and not tables & set(store.PRIVATE_TABLES)
    for table in PUBLIC_TABLES:
        assert conn.execute(f"select count(*) from [{table}]").fetchone()[0] == \
            sql(private_server, f"select count(*) as n from [{table}]")[0]["n"]
    assert conn.execute("select rowid from releases_fts where releases_fts match 'plebiscitee'").fetchall()
    assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
    for secret in [EMBARGOED_SENTENCE] + [r.title for r in private_releases]:
        assert secret.encode() not in data
    again = private_server.get("/donnees-ouvertes/pressroom.db")
    assert again.headers["ETag"] == response.headers["ETag"] and again.read() == data


def test_downloads_of_a_database_named_relative_to_the_working_folder(built_db, tmp_path):
    """`scripts/run` names its database relative to the project folder; the downloads made beside it are found."""
    path = tmp_path / "pressroom.db"
    with sqlite3.connect(built_db) as source, sqlite3.connect(path) as target:
        source.backup(target)
    public = store.count(store.connect(path, create=False))
    server = LiveServer(Path(os.path.relpath(path, ROOT)), free_port())
    try:
        copy = tmp_path / "download.db"
        copy.write_bytes(server.get("/donnees-ouvertes/pressroom.db").read())
        conn = sqlite3.connect(copy)
        assert conn.execute("select count(*) from releases where status = 'published'").fetchone() == (public,)
        conn.close()
        lines = server.get("/donnees-ouvertes/communiques-sig.jsonl").read().decode().splitlines()
        assert len(lines) == public
    finally:
        server.stop()


def test_sig_download_has_every_public_release(live_server):
    lines = live_server.get("/donnees-ouvertes/communiques-sig.jsonl").read().decode().splitlines()
    published = sql(live_server, "select title from releases where status = 'published' and published is not null",
                    _size="max")
    assert sorted(json.loads(line)["document"]["titre"] for line in lines) == sorted(r["title"] for r in published)


# ---------------------------------------------------------------- the chart's geometry


def test_monthly_chart_fills_empty_months_and_stacks_publishers():
    chart = monthly_chart([("2024-01", "A", 3), ("2024-01", "B", 1), ("2024-03", "A", 2)])
    assert chart.months == [("2024-01", 4), ("2024-02", 0), ("2024-03", 2)]
    assert chart.legend == [("#1f5fa8", "A", 5), ("#c2462e", "B", 1)]
    assert [(b.label, b.colour, b.height) for b in chart.bars] == [
        ("janvier 2024 : 3 (A)", "#1f5fa8", 171.0), ("janvier 2024 : 1 (B)", "#c2462e", 57.0),
        ("mars 2024 : 2 (A)", "#1f5fa8", 114.0)]
    assert chart.bars[1].y + chart.bars[1].height == chart.bars[0].y  # B sits on top of A
    assert chart.ticks == [(40.0, "2024")]
    assert [v for _, v in chart.grid] == [0, 1, 2, 3, 4]


def test_monthly_chart_groups_small_publishers():
    rows = [("2024-01", f"P{i}", 10 - i) for i in range(8)]
    chart = monthly_chart(rows)
    assert [name for _, name, _ in chart.legend] == ["P0", "P1", "P2", "P3", "P4", "Autres émetteurs"]
    assert chart.legend[-1][2] == 5 + 4 + 3
    assert monthly_chart([]).bars == []


def test_every_link_of_the_releases_table_page_resolves(live_server):
    """Datasette under /data/ builds its links once with the prefix (never /data/data/…), and they all work."""
    html = live_server.get("/data/pressroom/releases?_size=5").read().decode()
    links = sorted({h.replace("&amp;", "&") for h in re.findall(r'href="([^"#]+)"', html)})
    links = [h.removeprefix(live_server.url) for h in links if h.startswith(("/", live_server.url))]
    assert [h for h in links if h.startswith("/data/pressroom/releases.csv?")]
    assert not [h for h in links if "/data/data" in h]
    broken = []
    for href in links:
        try:
            live_server.get(href).read()
        except urllib.error.HTTPError as exc:
            broken.append((href, exc.code))
    assert broken == []


@pytest.mark.parametrize("limit, lookup_cost", [(3, 0), (3, 10**9), (10_000, 0)])  # walk the table / keep a set
def test_search_with_many_matches_walks_the_table_newest_first_without_count_nor_facets(built_db, site, monkeypatch,
                                                                                           limit, lookup_cost):
    """Past the count limit, ?_search= is neither counted nor faceted, and says so; below, Datasette's own search."""
    import asyncio
    import concurrent.futures

    from feeds.opendata import plugin
    from feeds.server import make_datasette

    monkeypatch.setattr(plugin, "SEARCH_COUNT_LIMIT", limit)
    monkeypatch.setattr(plugin, "WALK_LOOKUP_COST", lookup_cost)
    conn = sqlite3.connect(built_db)
    expected = [tuple(r) for r in conn.execute(
        "select id, published from releases where rowid in (select rowid from releases_fts where releases_fts match "
        "'\"les\"') order by published desc")]
    conn.close()
    assert 3 < len(expected) < 50
    ds = make_datasette(built_db, site)

    async def get(path):
        await ds.invoke_startup()
        return await ds.client.get(path)

    def fetch(path):  # in a thread of its own: another test's event loop may be running in this one
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, get(path)).result()

    data = fetch("/pressroom/releases.json?_search=LES&_col=id&_col=published").json()
    rows = [dict(zip(data["columns"], row, strict=True)) for row in data["rows"]]
    assert [r["published"] for r in rows] == [published for _, published in expected]  # newest first
    assert {r["id"] for r in rows} == {i for i, _ in expected}
    html = fetch("/pressroom/releases?_search=les").text
    if limit == 3:
        assert data["filtered_table_rows_count"] is None and not data["facet_results"]
        assert "plus de 3 communiqués correspondent : les plus récents d'abord, sans décompte ni facettes" in \
            data["human_description_en"]
        assert "plus de 3 communiqués correspondent" in html
    else:
        assert data["filtered_table_rows_count"] == len(expected)
        assert list(data["facet_results"]) == ["publisher_id", "kind", "place", "year", "topics"]
        assert "plus de" not in data["human_description_en"]
