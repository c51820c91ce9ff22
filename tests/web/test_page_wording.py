"""What the pages say, in the page's language and in words: query descriptions in Dutch and English,
the pages' own queries not listed, price sources in the page language, a step's place on the
R-ladder, abbreviations explained, times with seconds and zone, the materials in use counted, the
ontology offered as Turtle and JSON-LD."""

from __future__ import annotations

import csv
import io
import re

import pytest
from pages_support import doc_path, served

from registry.query import saved


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from served(tmp_path_factory, "wording", size=12, seed=8)


@pytest.fixture(scope="module")
def client(server):
    with server.client() as c:
        yield c


def test_query_list_in_the_page_language_without_the_pages_own_queries(client):
    public = saved.public_queries()
    assert public and all(not q.name.startswith("page-") for q in public)
    for q in public:
        assert q.description("nl") and q.description("nl") != q.description("en"), q.name
    for lang in ("nl", "en"):
        page = client.get("/query/", params={"lang": lang}).text
        assert "page-" not in page
        for q in public:
            assert q.description(lang).split("\n")[0][:40] in page.replace("&#39;", "'"), (lang, q.name)
    assert client.get("/query/page-recent-changes").status_code == 200  # still reachable


def test_passport_page_words(client, server):
    fixture = server.fixture
    for other in fixture.iris:
        en = client.get(doc_path(other), params={"lang": "en"}).text
        if "Indicative market prices" in en:
            break
    else:
        pytest.fail("no passport shows an English price source")
    assert "Indicatieve" not in en and "mp:defaultPricePerTonne" not in en
    nl = client.get(doc_path(other), params={"lang": "nl"}).text
    assert "Indicatieve marktprijzen" in nl
    assert re.search(r'<abbr title="Detachability index[^"]*">DI</abbr>', en)
    assert "DI is the detachability index" in en
    assert re.search(r'<abbr title="Losmaakbaarheidsindex[^"]*">LMI</abbr>', nl)
    # a time with seconds and zone
    history = client.get(doc_path(fixture.updated), params={"lang": "en"}).text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", history)


def test_rladder_step_and_words_instead_of_rdf_terms(client):
    assert "<dt>Step</dt><dd>4 of 10</dd>" in client.get("/doc/rstrategy/R3", params={"lang": "en"}).text
    assert "<dt>Trede</dt><dd>4 van 10</dd>" in client.get("/doc/rstrategy/R3", params={"lang": "nl"}).text
    for path in ("/concepts/rstrategy", "/concepts/phase", "/concepts/condition", "/material/"):
        for lang in ("nl", "en"):
            text = client.get(path, params={"lang": lang}).text
            prose = re.sub(r"<code>.*?</code>", "", text, flags=re.DOTALL)
            assert not re.search(r"\bmp:(rank|defaultDensity|defaultPricePerTonne)\b", prose), (path, lang)


def test_home_counts_the_materials_in_use(client):
    home = client.get("/", params={"lang": "nl"}).text
    shown = int(re.search(r'<dt>Materialen</dt><dd title="[^"]*">([0-9.]+)</dd>', home).group(1).replace(".", ""))
    rows = list(csv.reader(io.StringIO(client.get("/table/materials-in-use.csv?lang=nl").text)))[1:]
    assert shown == len(rows) and shown > 0


def test_ontology_page_offers_its_rdf_and_keeps_the_namespace_as_written(client):
    page = client.get("/ontology").text
    assert 'href="/def.ttl"' in page and 'href="/def.jsonld"' in page
    assert "&lt;https://w3id.org/materiaalpaspoort/def#&gt;" in page
    css = client.get("/static/css/site.css").text
    assert re.search(r"\.kicker code \{[^}]*text-transform: none", css)
    assert client.get("/def.jsonld").status_code == 200
