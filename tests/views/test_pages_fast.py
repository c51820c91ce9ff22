"""The short ways the pages take to their data: they must show exactly what the long ways show.

- a passport page reads its graph once (``passport_graph``) and its history by index look-ups;
- lists and cards are remembered per store generation (``cache.memo_for``) and never shown
  after a write has changed them;
- the template engine calls helpers and reads view attributes by shorter paths.

A real registry on disk (demo passports, one in two versions, one retired), no server.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from pages_support import BASE, DC_TITLE, build_registry

from registry.core.settings import Settings
from registry.model.documents import PassportDoc
from registry.model.terms import get_terms
from registry.model.uris import PassportRef, owning_passport
from registry.store.registry import Registry
from registry.views.pages import contexts as page_contexts
from registry.views.pages.attrs import Attrs
from registry.views.pages.history import history_rows
from registry.views.pages.links import Links
from registry.views.pages.passport_view import graph_status, passport_graph, passport_view
from registry.views.pages.render import environment, render
from registry.views.pages.search import parse_search


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("pages-fast") / "data", size=30, seed=5)


@pytest.fixture()
def registry(fixture):
    reg = Registry.open(Settings(data_dir=fixture.data_dir, base_iri=BASE))
    yield reg
    reg.close()


def _ref(iri: str) -> PassportRef:
    ref = owning_passport(BASE, iri)
    return PassportRef(BASE, ref.municipality, ref.key)


def test_history_rows_match_the_named_query(registry, fixture):
    """The index look-ups give what ``sparql/passport-history.rq`` gives, for every passport."""
    for iri in fixture.iris + [fixture.retired]:
        ref = _ref(iri)
        expected = [{"number": v.number, "iri": v.iri, "generated": v.generated,
                     "invalidated": v.invalidated, "agent": v.agent, "source": v.source,
                     "activity": v.activity, "comment": v.comment} for v in registry.history(ref)]
        rows = history_rows(registry, ref)
        assert all(isinstance(r.pop("agent_names"), dict) for r in rows)  # the recorded names, if any
        assert rows == expected, iri
    updated = history_rows(registry, _ref(fixture.updated))
    assert [r["number"] for r in updated] == [1, 2]
    assert updated[0]["invalidated"] and not updated[1]["invalidated"]
    assert updated[1]["comment"] == "title revised" and updated[1]["source"] == "urn:test:update"


def test_view_from_the_graph_equals_the_view_from_triples(registry, fixture):
    terms = get_terms()
    for iri in fixture.iris[:10]:
        ref = _ref(iri)
        node = ox.NamedNode(iri)
        graph = passport_graph(registry.store, node)
        assert graph_status(graph, node) == "current"
        assert len(graph) == len(registry.get(ref))
        from_graph = passport_view(registry, ref, graph, terms)
        from_triples = passport_view(registry, ref, registry.get(ref), terms)
        assert from_graph == from_triples
        assert from_graph.object.kind and from_graph.materials


def test_passport_page_status_comes_from_its_graph(registry, fixture):
    terms = get_terms()
    assert page_contexts.passport(registry, terms, _ref(fixture.iris[0])).status == 200
    gone = page_contexts.passport(registry, terms, _ref(fixture.retired))
    assert gone.status == 410 and gone.template == "gone.html"
    missing = PassportRef(BASE, "GM0153", "bestaat-niet-9999")
    assert page_contexts.passport(registry, terms, missing).status == 404


def _municipality_with_most(fixture) -> str:
    counts: dict[str, int] = {}
    for iri in fixture.iris:
        gm = owning_passport(BASE, iri).municipality
        counts[gm] = counts.get(gm, 0) + 1
    return max(counts, key=counts.get)


def test_lists_and_cards_are_remembered_until_a_write(registry, fixture):
    terms = get_terms()
    gm = _municipality_with_most(fixture)
    muni = f"https://w3id.org/materiaalpaspoort/id/municipality/{gm}"
    first = page_contexts.municipality(registry, terms, muni, 1, wait=None)
    again = page_contexts.municipality(registry, terms, muni, 1, wait=None)
    links = Links(BASE, "nl", current_path=first.path, object_kinds=frozenset(terms.object_kinds))

    def page_html(page) -> str:
        return render(page.template, "nl", links, terms, switch_url="x", **page.context)

    page_html(first)
    assert again.context["cards"] is first.context["cards"]  # remembered: no store reads

    # A new title for a listed passport: the very next page shows it.
    card = first.context["cards"][0]
    triples = registry.get(_ref(card["iri"]))
    node = ox.NamedNode(card["iri"])
    new_title = "Herzien voor de cache-test"
    changed = [t for t in triples if not (t.subject == node and t.predicate == DC_TITLE)]
    changed.append(ox.Triple(node, DC_TITLE, ox.Literal(new_title, language="nl")))
    from registry.model.vocab import MANAGED_PREDICATES
    changed = [t for t in changed if t.predicate not in MANAGED_PREDICATES]
    report = registry.add([PassportDoc(owning_passport(BASE, card["iri"]), changed)])
    assert report.updated == [card["iri"]], report
    after = page_contexts.municipality(registry, terms, muni, 1, wait=None)
    assert after.context["cards"] is not first.context["cards"]
    shown = next(c for c in after.context["cards"] if c["iri"] == card["iri"])
    assert shown["title"]["nl"] == new_title
    # the list rows are remembered per passport version: the page shows the new title, not the old row
    assert new_title not in page_html(first) and new_title in page_html(after)

    # A retired passport leaves the list, the filtered search and the text search at once.
    title = shown["title"]["nl"]
    form = parse_search(terms, {"q": title, "municipality": gm})
    assert card["iri"] in [c["iri"] for c in page_contexts.search(registry, terms, form).context["rows"]]
    by_municipality = parse_search(terms, {"municipality": gm})
    assert card["iri"] in [c["iri"] for c in
                           page_contexts.search(registry, terms, by_municipality).context["rows"]]
    registry.retire(owning_passport(BASE, card["iri"]), "weg voor de cache-test")
    listed = page_contexts.municipality(registry, terms, muni, 1, wait=None).context["cards"]
    assert card["iri"] not in [c["iri"] for c in listed]
    form = parse_search(terms, {"q": title, "municipality": gm})
    assert card["iri"] not in [c["iri"] for c in page_contexts.search(registry, terms, form).context["rows"]]
    by_municipality = parse_search(terms, {"municipality": gm})
    assert card["iri"] not in [c["iri"] for c in
                               page_contexts.search(registry, terms, by_municipality).context["rows"]]


def test_memo_reads_the_generation_on_every_call(tmp_path):
    from registry.views.pages.cache import FreshMemo

    generation = tmp_path / "generation"
    generation.write_text("a")
    memo = FreshMemo(generation, max_entries=2)
    calls = []
    assert memo.get("k", lambda: calls.append(1) or len(calls)) == 1
    assert memo.get("k", lambda: calls.append(1) or len(calls)) == 1
    generation.write_text("b")
    assert memo.get("k", lambda: calls.append(1) or len(calls)) == 2
    for key in ("x", "y"):  # the oldest entry goes when there are too many
        memo.get(key, lambda: 0)
    assert memo.get("k", lambda: calls.append(1) or len(calls)) == 3


def test_template_calls_and_attributes_keep_jinja_semantics():
    from jinja2 import pass_context

    @pass_context
    def who(context, name):
        return f"{context['greeting']} {name}"

    class Callable:
        def __call__(self, x):
            return x * 2

    def boom():
        raise StopIteration

    template = environment().from_string(
        "{{ who('Ada') }}|{{ twice(2) }}|{{ view.kind }}|{{ plain.items is callable }}|"
        "{{ view.items is callable }}|{{ obj.upper() }}|{{ boom() is undefined }}")
    out = template.render(greeting="Dag", who=who, twice=Callable(), boom=boom, obj="x",
                          view=Attrs(kind="Brug", items="not a method"),
                          plain={"items": 1})
    assert out == "Dag Ada|4|Brug|True|True|X|True"
    with pytest.raises(Exception, match="missing"):
        environment().from_string("{{ view.missing }}").render(view=Attrs(kind="x"))


def test_fast_escape_gives_what_markupsafe_gives():
    from markupsafe import Markup, escape

    from registry.views.pages.render import fast_escape

    class Html:
        def __html__(self):
            return "<b>x</b>"

    class Text(str):
        pass

    for value in ("", "plain", "<a href=\"x\">'&'</a>", "é ☃ \u2028", 0, 12.5, None, True,
                  Markup("<i>kept</i>"), Html(), Text("<s>"), ["<list>"]):
        fast, slow = fast_escape(value), escape(value)
        assert type(fast) is Markup and fast == slow, value


def test_site_parts_are_remembered_per_active_item(registry, fixture):
    """The header and navigation are rendered once per language, depth and active menu item:
    each page still marks its own item as current."""
    terms = get_terms()
    kinds = frozenset(terms.object_kinds)
    for _ in range(2):
        for lang in ("nl", "en"):
            links = Links(BASE, lang, current_path="/", object_kinds=kinds)
            home = render("home.html", lang, links, terms, switch_url="x",
                          **page_contexts.home(registry, terms, wait=None).context)
            materials = render("materials.html", lang, links, terms, switch_url="x",
                               **page_contexts.materials(registry, terms, wait=None).context)
            assert '<a href="/" aria-current="page">' in home
            assert '<a href="/material/" aria-current="page">' in materials
            assert '<a href="/" aria-current="page">' not in materials
            assert f'<html lang="{lang}">' in home and ("Zoeken" in home) == (lang == "nl")


def test_links_are_remembered_per_language_and_depth(registry, fixture):
    """Links and labels made for one page are reused by the next only with the same language and
    depth: a Dutch page never lends its labels to an English one, nor a server page its links to
    a static file."""
    terms = get_terms()
    page = page_contexts.passport(registry, terms, _ref(fixture.iris[0]))
    phase = page.context["view"]["phase"]
    nl_label, en_label = terms.label(phase, "nl"), terms.label(phase, "en")
    assert nl_label != en_label
    kinds = frozenset(terms.object_kinds)
    phase_path = "/doc/" + phase.split("/id/", 1)[1]

    def page_html(lang: str, current: str | None = None) -> str:
        links = Links(BASE, lang, current=current, current_path=page.path, object_kinds=kinds)
        return render(page.template, lang, links, terms, switch_url="x", **page.context)

    for _ in range(2):  # the second round is served from what the first remembered
        dutch, english = page_html("nl"), page_html("en")
        static = page_html("nl", current="doc/passport/GM0153/x.html")
        assert f'<a href="{phase_path}">{nl_label}</a>' in dutch
        assert f'<a href="{phase_path}">{en_label}</a>' in english  # the language is a cookie
        assert f'<a href="../../..{phase_path}.html">{nl_label}</a>' in static


def test_aggregates_are_computed_once_for_all_processes(tmp_path):
    """Two caches (as in two page workers) on one data folder: the second gets the first one's
    value for the same generation, computes again after a write, and a concurrent second asker
    waits for the computation instead of doing it too."""
    import threading
    import time

    from registry.core.workers import bump_generation
    from registry.views.pages.cache import GenerationCache

    bump_generation(tmp_path)
    calls: list[str] = []

    def compute(who: str):
        def run():
            calls.append(who)
            time.sleep(0.3)
            return {"total": len(calls)}
        return run

    first, second = (GenerationCache(tmp_path / "generation", min_interval=0, shared_dir=tmp_path / "cache")
                     for _ in range(2))
    asked = threading.Thread(target=lambda: first.get("stats", compute("first")))
    asked.start()
    time.sleep(0.05)
    assert second.get("stats", compute("second")) == {"total": 1}
    asked.join()
    assert calls == ["first"]
    time.sleep(0.25)  # generation files are re-read at most every 0.2 s
    bump_generation(tmp_path)
    third = GenerationCache(tmp_path / "generation", min_interval=0, shared_dir=tmp_path / "cache")
    assert third.get("stats", compute("third")) == {"total": 2}
    assert calls == ["first", "third"]


def test_counts_refresh_interval_comes_from_the_settings(fixture, monkeypatch):
    from registry.views.pages.cache import cache_for

    monkeypatch.setenv("PASSPORTS_STATS_REFRESH", "7.5")
    assert Settings().stats_refresh == 7.5
    monkeypatch.delenv("PASSPORTS_STATS_REFRESH")
    assert Settings().stats_refresh == 60
    registry = Registry.open(Settings(data_dir=fixture.data_dir, base_iri=BASE, stats_refresh=3), read_only=True)
    try:
        assert cache_for(registry).min_interval == 3
    finally:
        registry.close()


def test_shared_cache_survives_a_broken_file(tmp_path):
    from registry.core.workers import bump_generation
    from registry.views.pages.cache import GenerationCache

    bump_generation(tmp_path)
    cache = GenerationCache(tmp_path / "generation", shared_dir=tmp_path / "cache")
    assert cache.get("k", lambda: 1) == 1
    for stored in (tmp_path / "cache").glob("*.pickle"):
        stored.write_bytes(b"not a pickle")
    again = GenerationCache(tmp_path / "generation", shared_dir=tmp_path / "cache")
    assert again.get("k", lambda: 2) == 2


def test_shared_cache_in_a_folder_that_cannot_be_written(tmp_path):
    from registry.core.workers import bump_generation
    from registry.views.pages.cache import GenerationCache

    bump_generation(tmp_path)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    cache = GenerationCache(tmp_path / "generation", shared_dir=blocked / "pages")
    assert cache.get("k", lambda: 41) == 41


def test_a_tables_csv_in_all_languages_at_once_is_each_languages_csv(registry, fixture):
    """The static site makes a passports table once for both languages (``table_csvs``, each
    passport's card read once): the same bytes as each language's own table."""
    from registry.model.vocab import MPV
    from registry.views.pages.cards import passport_cards
    from registry.views.pages.tables import table_csv, table_csvs

    terms = get_terms()
    card = passport_cards(registry.store, [fixture.iris[3]], terms)[0]
    for params in ({"municipality": card["municipality"]}, {"kind": card["kind"]},
                   {"material": MPV + "material/concrete"}, {"concept": MPV + "rstrategy/R3"}):
        both = table_csvs(registry, terms, "passports", params, ["nl", "en"])
        assert both == {lang: table_csv(registry, terms, "passports", params, lang) for lang in ("nl", "en")}
        assert both["nl"].startswith(b"Paspoort,Objectsoort") and both["en"] != both["nl"]
    rows = table_csvs(registry, terms, "passports", {"municipality": card["municipality"]}, ["nl", "en"])
    assert card["iri"].encode() in rows["nl"] and rows["nl"].count(b"\r\n") > 2
    assert table_csvs(registry, terms, "kinds", {}, ["en"]) == {"en": table_csv(registry, terms, "kinds", {}, "en")}
