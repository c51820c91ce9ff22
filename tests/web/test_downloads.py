"""The live server offers what the static site does: the downloads page, the dumps (made on
demand, made again after a write) and the sitemap (every page in Dutch and English)."""

from __future__ import annotations

import gzip
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from pages_support import BASE, doc_path, served

from registry.model.uris import owning_passport

SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from served(tmp_path_factory, "downloads", size=8, seed=4)


def graphs_of(body: bytes) -> set[str]:
    quads = ox.parse(gzip.decompress(body), format=ox.RdfFormat.N_QUADS)
    return {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}


def test_downloads_page_links_every_download(server):
    with server.client() as client:
        for lang, heading in (("nl", "Downloads"), ("en", "Downloads")):
            page = client.get("/downloads", params={"lang": lang})
            assert page.status_code == 200 and f"<h1>{heading}</h1>" in page.text
            for href in ("/dumps/registry.nq.gz", "/dumps/history.nq.gz", "/def.ttl", "/def.jsonld",
                         "/sitemap.xml"):
                assert f'href="{href}"' in page.text, href
        assert 'href="/downloads"' in client.get("/").text  # in the menu of every page


def test_dumps_hold_the_registry_and_follow_writes(server):
    fixture = server.fixture
    with server.client() as client:
        main = client.get("/dumps/registry.nq.gz")
        assert main.status_code == 200 and main.headers["content-type"] == "application/gzip"
        graphs = graphs_of(main.content)
        assert set(fixture.iris) <= graphs and BASE + "graph/provenance" in graphs
        history = graphs_of(client.get("/dumps/history.nq.gz").content)
        assert f"{fixture.updated}/v/1" in history
        assert "Gebouwd op" in client.get("/downloads").text  # the date they were made
        assert client.get("/dumps/other.nq.gz").status_code == 404

        assert client.get("/dumps/registry.nq.gz").content == main.content  # kept, not made again
        server.registry.retire(owning_passport(BASE, fixture.iris[-1]), "test: removed")
        assert client.get("/dumps/registry.nq.gz").content != main.content  # made again after the write


def test_sitemap_lists_every_page_in_both_languages(server):
    fixture = server.fixture
    with server.client() as client:
        index = client.get("/sitemap.xml")
        assert index.status_code == 200 and index.headers["content-type"].startswith("application/xml")
        chunks = [loc.text for loc in ElementTree.fromstring(index.content).findall("s:sitemap/s:loc", SITEMAP)]
        assert chunks
        urls = []
        for chunk in chunks:
            part = client.get(chunk.removeprefix(server.url))
            assert part.status_code == 200
            urls += [loc.text for loc in ElementTree.fromstring(part.content).findall("s:url/s:loc", SITEMAP)]
        current = [iri for iri in fixture.iris if server.registry.status(owning_passport(BASE, iri)) == "current"]
        for iri in current:
            assert server.url + doc_path(iri) in urls
            assert server.url + doc_path(iri) + "?lang=en" in urls
        for url in (server.url + "/downloads", server.url + "/municipality/?lang=en", server.url + "/sparql"):
            assert url in urls
        for url in urls[:: max(1, len(urls) // 25)]:  # a sample of them answers
            assert client.get(url.removeprefix(server.url)).status_code == 200, url
