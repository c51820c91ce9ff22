"""The maps of objects on the municipality, material and object-kind pages: their points are the
search index's located results for the page's filter (the same code as the search page's map),
drawn by the one macro and script of the search page, with a note when there are more than the map
shows. A real registry on disk (demo passports), no server."""

from __future__ import annotations

import json
import re

import pytest
from pages_support import BASE, build_registry

from registry.core.settings import Settings
from registry.model.terms import get_terms
from registry.store.registry import Registry
from registry.store.search_query import SearchQuery, reader
from registry.views.pages import contexts
from registry.views.pages import search as page_search
from registry.views.pages.links import Links
from registry.views.pages.render import render

PAGES = (("municipality", "GM0153", "municipality"), ("material", "concrete", "material"),
         ("objectkind", "Kerb", "kind"))


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("object-maps") / "data", size=80, seed=13)


@pytest.fixture()
def registry(fixture):
    reg = Registry.open(Settings(data_dir=fixture.data_dir, base_iri=BASE))
    yield reg
    reg.close()


def located(fixture, **page_filter) -> set[str]:
    """Page paths of every passport the search index finds for the filter that has a location."""
    _, rows = reader(fixture.data_dir).search(SearchQuery(**page_filter), 0, 100_000)
    return {"/doc/" + r["iri"][len(BASE) + 3:] for r in rows if r["lat"] is not None}


def page_html(page, lang: str, *, static: bool = False) -> str:
    terms = get_terms()
    links = Links(BASE, lang, current_path=page.path, object_kinds=frozenset(terms.object_kinds),
                  current="doc/x/y.html" if static else None)
    return render(page.template, lang, links, terms, switch_url="", **page.context)


def drawn(html: str) -> list[list]:
    found = re.search(r'<script type="application/json" id="results-map-data">(.*?)</script>', html, re.DOTALL)
    return json.loads(found.group(1)) if found else []


@pytest.mark.parametrize("kind,name,facet", PAGES)
def test_points_are_the_located_search_results_of_the_page(registry, fixture, kind, name, facet):
    page = contexts.resolve(registry, get_terms(), kind, name)
    assert page.status == 200
    expected = located(fixture, **{facet: name})
    assert len(expected) >= 2, "the demo data has located objects for this page"
    objects = page.context["objects"]
    assert objects["located"] == len(expected)
    for lang in ("nl", "en"):
        points = drawn(page_html(page, lang))
        assert {p[4] for p in points} == expected
        assert all(51 < p[0] < 53.5 and 5 < p[1] < 7.5 and p[2] and p[3] for p in points)
        assert "map-more" not in page_html(page, lang)
    # the same rows as the search page's map for that filter (its names and kinds per language)
    form = page_search.parse_search(get_terms(), {facet: name}, "en")
    result = page_search.search(registry, form)
    assert objects["points"]["en"] and sorted(objects["points"]["en"]) == sorted(
        page_search.map_points(result.points, get_terms(), "en", registry.base))


def test_kinds_and_names_in_the_page_language(registry):
    page = contexts.resolve(registry, get_terms(), "objectkind", "Kerb")
    assert {p[3] for p in drawn(page_html(page, "nl"))} == {"Band"}
    assert {p[3] for p in drawn(page_html(page, "en"))} == {"Kerb"}


@pytest.mark.parametrize("kind,name,facet", PAGES)
def test_note_when_more_objects_than_the_map_shows(registry, fixture, monkeypatch, kind, name, facet):
    monkeypatch.setattr(page_search, "MAP_MAX", 1)
    page = contexts.resolve(registry, get_terms(), kind, name)
    total = len(located(fixture, **{facet: name}))
    nl, en = page_html(page, "nl"), page_html(page, "en")
    assert len(drawn(nl)) == len(drawn(en)) == 1
    assert f"De kaart toont 1 van de {total} objecten met een locatie." in nl
    assert f"The map shows 1 of the {total} objects with a location." in en


def test_static_pages_link_markers_to_their_files(registry):
    page = contexts.resolve(registry, get_terms(), "material", "concrete")
    points = drawn(page_html(page, "en", static=True))
    assert points and all(p[4].startswith("../../en/doc/passport/") and p[4].endswith(".html") for p in points)


def test_municipality_without_objects_shows_its_area(registry, fixture):
    terms = get_terms()
    codes = {r["municipality"] for r in reader(fixture.data_dir).search(SearchQuery(), 0, 100_000)[1]}
    empty = next(iri for iri in terms.municipalities if iri.rsplit("/", 1)[1] not in codes)
    page = contexts.resolve(registry, terms, "municipality", empty.rsplit("/", 1)[1])
    html = page_html(page, "nl")
    assert drawn(html) == [] and 'id="results-map-outline"' in html and "js/results-map.js" in html


def test_the_map_is_made_once_per_store_generation(registry, fixture):
    """Every page of a municipality's list shows the same map (the static site writes hundreds):
    made once while the store is unchanged, made again after a write, which it then shows."""
    import pyoxigraph as ox
    from conftest import passport_ttl

    from registry.model.documents import read_bytes

    terms = get_terms()
    first = page_search.object_map(registry, terms, municipality="GM0153")
    assert page_search.object_map(registry, terms, municipality="GM0153") is first
    assert page_search.object_map(registry, terms, municipality="GM0164") is not first
    nl = first["points"]["nl"]
    assert first["points"]["nl"] is nl  # one list per language, kept with the map
    docs = list(read_bytes(passport_ttl("map-once-0001").encode(), BASE, ox.RdfFormat.TURTLE))
    report = registry.add(docs, source="urn:test", comment="a new object on the map")
    assert not report.rejected, report.rejected[0]
    again = page_search.object_map(registry, terms, municipality="GM0153")
    assert again is not first
    added = {p[4] for p in again["points"]["nl"]} - {p[4] for p in nl}
    assert added == {"/doc/passport/GM0153/map-once-0001"} and again["located"] == first["located"] + 1
