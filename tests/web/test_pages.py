"""The HTML pages, over HTTP from a real uvicorn server on a registry of demo passports."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser

import httpx
import pyoxigraph as ox
import pytest
from pages_support import BASE, Server, build_registry, doc_path

MPV = "https://w3id.org/materiaalpaspoort/id/"
VOID_TAGS = {"meta", "link", "img", "br", "input", "hr", "source", "wbr", "area", "base", "col"}


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("pages") / "data")


@pytest.fixture(scope="module")
def server(fixture):
    with Server(fixture.data_dir) as srv:
        yield srv


@pytest.fixture()
def client(server):
    with httpx.Client(base_url=server.url, timeout=30, headers={"Accept": "text/html"}) as c:
        yield c


class _Balance(HTMLParser):
    """Checks that every element is closed in order (our templates write well-formed HTML)."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> at {self.getpos()}")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()


def well_formed(html: str) -> None:
    parser = _Balance()
    parser.feed(html)
    assert not parser.errors, parser.errors[:5]
    assert not parser.stack, parser.stack
    duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
    assert not duplicates, duplicates


def count_passports(fixture) -> int:
    return len(fixture.iris)


# ---------------------------------------------------------------------------------------------
def test_home_dutch_by_default_with_counts(client, fixture):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-language"] == "nl"
    html = r.text
    well_formed(html)
    assert '<html lang="nl">' in html
    for item in ("Home", "Zoeken", "Gemeenten", "Materialen", "R-ladder", "SPARQL", "Ontologie"):
        assert f">{item}</a>" in html
    total = re.search(r"<dt>Paspoorten</dt><dd>([\d.]+)</dd>", html).group(1)
    assert int(total.replace(".", "")) == count_passports(fixture)
    assert "Recente wijzigingen" in html
    assert fixture.new_title in html  # the newest change is the revised passport


def test_language_switch_sets_cookie(client):
    r = client.get("/?lang=en")
    assert r.status_code == 200 and '<html lang="en">' in r.text
    assert "Passports per municipality" in r.text
    assert r.cookies.get("lang") == "en"
    again = client.get("/municipality/")  # the cookie keeps English
    assert "Municipalities" in again.text and '<html lang="en">' in again.text
    back = client.get("/?lang=nl")
    assert '<html lang="nl">' in back.text and back.cookies.get("lang") == "nl"
    bogus = client.get("/?lang=xx")
    assert bogus.status_code == 200


def test_passport_page(client, fixture):
    iri = fixture.updated
    r = client.get(doc_path(iri))
    assert r.status_code == 200, r.text[:500]
    html = r.text
    well_formed(html)
    assert fixture.new_title in html
    # the cite box names the immutable version IRI, with a copy button
    assert f'value="{iri}/v/2"' in html and "data-copy-target" in html
    # every RDF format
    for suffix in (".ttl", ".jsonld", ".nt", ".rdf"):
        assert f'{doc_path(iri)}{suffix}"' in html
    # version history: both versions, with their provenance
    assert f'href="{doc_path(iri)}/v/1"' in html and f'href="{doc_path(iri)}/v/2"' in html
    assert "title revised" in html
    # map and chart data are JSON in the page
    map_data = json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>',
                                    html, re.DOTALL).group(1))
    lat, lon = map_data["points"][0]
    assert 51.5 < lat < 53 and 5.5 < lon < 7.2  # Twente / Stedendriehoek, converted from RD New
    assert "Materialen" in html and "Opbouw: onderdelen en materialen" in html
    assert "Geplande R-strategie" in html and 'class="rbadge' in html


def test_valuation_history_chart_data(client, fixture):
    charts = []
    for iri in fixture.iris[:15]:
        html = client.get(doc_path(iri)).text
        found = re.search(r'id="valuation-data">(.*?)</script>', html, re.DOTALL)
        if found:
            charts.append((json.loads(found.group(1)), html))
    assert charts, "some demo passports have a valuation history"
    chart, html = charts[0]
    assert len(chart) >= 2 and all(len(row) == 2 and row[1] > 0 for row in chart)
    assert [row[0] for row in chart] == sorted(row[0] for row in chart)
    assert "uPlot.iife.min.js" in html


def test_passport_page_english(client, fixture):
    r = client.get(doc_path(fixture.iris[0]) + "?lang=en")
    assert r.status_code == 200
    assert "Cite this version" in r.text and "Version history" in r.text
    client.cookies.clear()


def test_version_page_is_immutable_and_old(client, fixture):
    r = client.get(doc_path(fixture.updated) + "/v/1")
    assert r.status_code == 200
    assert fixture.old_title in r.text and fixture.new_title not in r.text.split("<h1>")[1].split("</h1>")[0]
    assert "U bekijkt versie 1" in r.text
    assert "max-age" in r.headers.get("cache-control", "")
    missing = client.get(doc_path(fixture.updated) + "/v/9")
    assert missing.status_code == 404


def test_retired_passport_answers_410_with_reason_and_history(client, fixture):
    r = client.get(doc_path(fixture.retired))
    assert r.status_code == 410
    well_formed(r.text)
    assert "Gesloopt in 2026 voor nieuwbouw" in r.text
    assert f'href="{doc_path(fixture.retired)}/v/1"' in r.text
    version = client.get(doc_path(fixture.retired) + "/v/1")
    assert version.status_code == 200


def test_unknown_pages_answer_404_with_search(client):
    for path in ("/doc/passport/GM0153/bestaat-niet", "/nergens/te/vinden"):
        r = client.get(path)
        assert r.status_code == 404
        assert 'role="search"' in r.text or "search" in r.text.lower()


def test_municipality_page_lists_only_its_passports(client, fixture, monkeypatch):
    gm = fixture.iris[0].split("/id/passport/")[1].split("/")[0]
    own = [i for i in fixture.iris if f"/passport/{gm}/" in i]
    r = client.get(f"/doc/municipality/{gm}")
    assert r.status_code == 200
    well_formed(r.text)
    listed = set(re.findall(r'href="/doc/passport/(GM\d{4}/[^"/]+)"', r.text))
    assert listed == {i.split("/id/passport/")[1] for i in own}
    assert 'id="results-map"' in r.text and 'id="results-map-outline"' in r.text  # its objects over its area


def test_lists_are_paged(client, fixture, server, monkeypatch):
    from registry.views.pages import paging

    monkeypatch.setattr(paging, "PAGE_SIZE", 3)  # in this process: pages rendered here
    monkeypatch.setattr(server.app.state, "page_pool", None)
    kind = "Paving" if "Verharding" in client.get("/").text else None
    gm_counts: dict[str, int] = {}
    for i in fixture.iris:
        gm = i.split("/id/passport/")[1].split("/")[0]
        gm_counts[gm] = gm_counts.get(gm, 0) + 1
    gm, n = max(gm_counts.items(), key=lambda kv: kv[1])
    assert n > 3, "the demo data should give one municipality more than three passports"
    seen: list[str] = []
    page = 1
    while True:
        r = client.get(f"/doc/municipality/{gm}", params={"page": page})
        found = re.findall(r'href="/doc/passport/(GM\d{4}/[^"/]+)"', r.text)
        assert len(found) <= 3
        seen += found
        if 'rel="next"' not in r.text:
            break
        page += 1
    assert len(seen) == len(set(seen)) == n
    del kind


def test_material_page_totals_match_the_store(client, fixture):
    r = client.get("/doc/material/concrete")
    assert r.status_code == 200
    well_formed(r.text)
    store = ox.Store.read_only(str(fixture.data_dir / "main"))
    query = """PREFIX mp: <https://w3id.org/materiaalpaspoort/def#>
        SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?q mp:material <%s> . ?g a mp:Passport } }
        """ % (MPV + "material/concrete")
    expected = int(next(iter(store.query(query)))["n"].value)
    del store
    assert expected > 0
    shown = re.search(r"In ([\d.]+) paspoorten", r.text).group(1)
    assert int(shown.replace(".", "")) == expected
    listed = set(re.findall(r'href="/doc/passport/(GM\d{4}/[^"/]+)"', r.text))
    assert len(listed) == min(expected, 50)


def test_r_ladder_is_ordered_and_concepts_resolve(client):
    r = client.get("/concepts/rstrategy")
    assert r.status_code == 200
    well_formed(r.text)
    codes = re.findall(r'<span class="rcode">(R\d)</span>', r.text)
    assert codes == [f"R{i}" for i in range(10)]
    assert "Hergebruiken" in r.text
    phases = client.get("/doc/phase")
    if phases.status_code == 200:  # the linked-data router passes /doc/{scheme} to the pages
        order = re.findall(r'href="/doc/phase/([a-z-]+)"', phases.text)
        assert order[0] == "initiative" and order.index("design") < order.index("management")
    r3 = client.get("/doc/rstrategy/R3")
    assert r3.status_code == 200 and "Hergebruiken" in r3.text
    assert re.search(r'href="/doc/passport/GM\d{4}/', r3.text)
    for path in ("/doc/policyangle/public-space", "/doc/objectkind/Bridge", "/concepts/", "/material/",
                 "/municipality/", "/ontology"):
        page = client.get(path)
        assert page.status_code == 200, path
        well_formed(page.text)
    assert "mp:Bridge" in client.get("/ontology").text


def test_search_text_and_filters(client, fixture):
    title = fixture.new_title
    word = title.split()[-2]  # e.g. a street name
    r = client.get("/search", params={"q": word})
    assert r.status_code == 200
    well_formed(r.text)
    assert doc_path(fixture.updated) in r.text
    gm = fixture.updated.split("/id/passport/")[1].split("/")[0]
    filtered = client.get("/search", params={"q": "", "municipality": gm})
    listed = re.findall(r'href="/doc/passport/(GM\d{4})/', filtered.text)
    assert listed and set(listed) == {gm}
    by_material = client.get("/search", params={"material": "concrete"})
    assert by_material.status_code == 200 and re.search(r'href="/doc/passport/GM', by_material.text)
    by_kind = client.get("/search", params={"kind": "Bridge"})
    assert by_kind.status_code == 200
    nothing = client.get("/search", params={"q": "zzzz-bestaat-niet-zzzz"})
    assert "Gevonden paspoorten: 0" in nothing.text


@pytest.mark.parametrize("hostile", [
    '") } DROP ALL ; #', "' } ; CLEAR DEFAULT ; #", '\\" . ?s ?p ?o } #', "<http://evil/>",
    "}}}}{{{{", "%00\x00\x01", "a" * 500, 'x" || true || "', '"unbalanced', "NEAR(a b)", "a* OR b*",
    "-beton", "title:beton", "^beton", "beton AND", "(((", "x" * 10_000])
def test_search_is_not_injectable(client, fixture, hostile):
    """FTS5 and SPARQL syntax in the search text is only text: never an error, never a change."""
    before = client.get("/").text
    r = client.get("/search", params={"q": hostile})
    assert r.status_code == 200
    assert "Gevonden paspoorten:" in r.text  # words in it may be found: "?s ?p" has "s" and "p"
    if len(hostile) > 100:
        assert "te lang" in r.text
    assert client.get("/search.csv", params={"q": hostile}).status_code == 200
    assert re.search(r"<dt>Paspoorten</dt><dd>([\d.]+)</dd>", client.get("/").text).group(1) == \
        re.search(r"<dt>Paspoorten</dt><dd>([\d.]+)</dd>", before).group(1)


def test_search_parameters_are_validated(client):
    for params, message in (({"municipality": "GM9999"}, "Onbekende gemeente"),
                            ({"municipality": "../etc"}, "Onbekende gemeente"),
                            ({"kind": "Passport"}, "Onbekende objectsoort"),
                            ({"material": "kryptonite"}, "Onbekend materiaal"),
                            ({"q": "brug", "page": "-3"}, "Ongeldig paginanummer"),
                            ({"q": "brug", "page": "zeven"}, "Ongeldig paginanummer"),
                            ({"q": "brug", "page": "100000"}, "Ongeldig paginanummer"),
                            ({"phase": "demolition-party"}, "Onbekende projectfase"),
                            ({"rstrategy": "R99"}, "Onbekende R-strategie"),
                            ({"from": "20x0"}, "Ongeldig jaar"), ({"to": "99999"}, "Ongeldig jaar"),
                            ({"q": "brug", "sort": "random()"}, "Onbekende sortering")):
        r = client.get("/search", params=params)
        assert r.status_code == 400, params
        assert message in r.text, params


def test_static_files_and_no_traversal(client):
    css = client.get("/static/css/site.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/vendor/uplot/uPlot.iife.min.js").status_code == 200
    for path in ("/static/../registry/app.py", "/static/%2e%2e/registry/app.py",
                 "/static/..%2f..%2fpyproject.toml", "/static/css/../../templates/base.html"):
        r = client.get(path)
        assert r.status_code in (400, 404), path  # 400: a dot segment, refused before routing
        assert "def create_app" not in r.text and "{% block" not in r.text


def test_no_page_references_the_network(client, fixture):
    for path in ("/", doc_path(fixture.iris[2]), "/doc/municipality/GM0153", "/concepts/rstrategy",
                 "/search?q=a"):
        html = client.get(path).text
        for ref in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
            # only links to the data itself (IRIs) and external vocabularies, never assets
            assert not re.search(r"\.(js|css|png|svg|woff2?)(\?|$)", ref), ref
        assert "<script src=\"http" not in html and "<link rel=\"stylesheet\" href=\"http" not in html


def test_home_counts_follow_writes(server, client, fixture, monkeypatch):
    """The counts are cached per store generation and refreshed after a write."""
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport
    from registry.views.pages import cache as page_cache

    registry = server.app.state.registry
    cache = page_cache.cache_for(registry)
    monkeypatch.setattr(cache, "min_interval", 0.0)  # the cache of this process: pages rendered here
    monkeypatch.setattr(server.app.state, "page_pool", None)
    before = int(re.search(r"<dt>Paspoorten</dt><dd>([\d.]+)</dd>", client.get("/").text).group(1))
    extra = [(iri, triples) for iri, triples in generate(60, 99, BASE)][-1]
    report = registry.add([PassportDoc(owning_passport(BASE, extra[0]), extra[1])])
    if not report.created:
        pytest.skip("the extra demo passport already exists")
    deadline = time.monotonic() + 20
    after = before
    while time.monotonic() < deadline and after == before:
        after = int(re.search(r"<dt>Paspoorten</dt><dd>([\d.]+)</dd>", client.get("/").text).group(1))
        time.sleep(0.2)
    assert after == before + 1


def test_map_tiles_come_from_the_settings(tmp_path):
    """``PASSPORTS_TILE_URL`` is a setting like the others: the passport map gets it (in-process app)."""
    from fastapi.testclient import TestClient

    from registry.core.settings import Settings
    from registry.web.app import create_app

    fixture = build_registry(tmp_path / "data")
    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings = Settings(data_dir=fixture.data_dir, base_iri=BASE, page_workers=0, query_workers=1,
                        tile_url=tiles)
    with TestClient(create_app(settings)) as client:
        page = client.get(doc_path(fixture.updated), headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert f'data-tiles="{tiles}"' in page.text
