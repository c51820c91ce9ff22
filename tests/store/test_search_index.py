"""The search index (SQLite FTS5): what it finds, its counts, and that it follows every write.

A real registry of demo passports on disk (``pages_support.build_registry``: one passport in a
second version, one retired); answers are checked against the store itself.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time

import pyoxigraph as ox
import pytest
from pages_support import BASE, build_registry

from registry.core.settings import Settings
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.model.vocab import MP, MPV
from registry.store.registry import Registry
from registry.store.search_index import index_path
from registry.store.search_query import SearchQuery, match_expression, reader

CONCRETE = ox.NamedNode(MPV + "material/concrete")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("search") / "data", size=150, seed=5)


@pytest.fixture(scope="module")
def index(fixture):
    return reader(fixture.data_dir)


def found(index, text: str = "", **filters) -> list[str]:
    total, rows = index.search(SearchQuery(text, **filters), 0, 100_000)
    assert total == len(rows)
    return [r["iri"] for r in rows]


def store_passports(fixture, predicate: str, value: ox.NamedNode) -> set[str]:
    """Current passports whose graph has ``predicate value`` (read from the store, not the index)."""
    registry = Registry.open(Settings(data_dir=fixture.data_dir, base_iri=BASE), read_only=True)
    graphs = {q.graph_name.value for q in registry.store.quads_for_pattern(None, ox.NamedNode(predicate),
                                                                           value, None)}
    return graphs & set(fixture.iris)


def test_materials_by_dutch_and_english_name_and_prefix(fixture, index):
    with_concrete = store_passports(fixture, MP + "material", CONCRETE)
    assert len(with_concrete) > 20
    beton, concrete, bet = found(index, "beton"), found(index, "Concrete"), found(index, "bet")
    # every passport with concrete, by its Dutch and English name; synonyms such as "betonstaal"
    # (reinforcing steel) may add a few more
    assert with_concrete <= set(beton) and with_concrete <= set(concrete) and set(beton) <= set(bet)
    assert set(found(index, material="concrete")) == with_concrete


def test_a_municipality_ranks_above_streets_named_after_it(fixture, index):
    enschede = store_passports(fixture, MP + "municipality", ox.NamedNode(MPV + "municipality/GM0153"))
    assert enschede
    for text in ("Enschede", "enschede", "GM0153", "Municipality of Enschede", "Gemeente Enschede"):
        hits = found(index, text)
        assert set(hits[:len(enschede)]) == enschede, text
    assert set(found(index, municipality="GM0153")) == enschede


def test_accents_case_and_identifiers(fixture, index):
    hengelo = found(index, "Hengelo")
    assert hengelo and found(index, "Hengélo") == hengelo == found(index, "HENGELO")
    iri = fixture.iris[7]
    key = iri.rsplit("/", 1)[-1]
    assert found(index, key)[0] == iri
    assert iri in found(index, key.upper().replace("-", " "))


def test_street_names_in_dutch_and_english_names(fixture, index):
    registry = Registry.open(Settings(data_dir=fixture.data_dir, base_iri=BASE), read_only=True)
    iri = fixture.iris[12]
    labels = {t.object.language: t.object.value for t in registry.get(owning_passport(BASE, iri))
              if t.predicate == LABEL and t.subject.value.startswith(f"{BASE}id/object/")}
    street = labels["nl"].split()[-1]  # "Trottoirband Haaksbergerstraat"
    assert iri in found(index, street) and iri in found(index, labels["en"])
    assert iri in found(index, street[:5])  # a prefix of the street


def test_filters_combine_and_counts_match_the_result(fixture, index):
    query = SearchQuery("beton", phase="management")
    total, rows = index.search(query, 0, 100_000)
    facets = index.facets(query)
    assert total and sum(n for _, n in facets["municipality"]) == total
    assert dict(facets["phase"]) == {"management": total}
    for facet in ("municipality", "kind"):
        for value, count in facets[facet]:
            assert count == sum(1 for r in rows if r[facet] == value), (facet, value)
    value, count = facets["material"][0]
    assert index.search(SearchQuery("beton", phase="management", material=value))[0] == count
    decade, count = facets["release"][0]
    narrowed = SearchQuery("beton", phase="management", release_from=int(decade), release_to=int(decade) + 9)
    assert index.search(narrowed)[0] == count
    rstrategy, count = facets["rstrategy"][-1]
    assert index.search(SearchQuery("beton", phase="management", rstrategy=rstrategy))[0] == count


def test_sorting_and_paging(index):
    by_mass = [r["mass_kg"] for r in index.search(SearchQuery(sort="mass"), 0, 1000)[1]]
    known = [m for m in by_mass if m is not None]
    assert known == sorted(known, reverse=True) and by_mass[:len(known)] == known
    years = [r["release_year"] for r in index.search(SearchQuery("beton", sort="release"), 0, 1000)[1]]
    assert [y for y in years if y] == sorted(y for y in years if y)
    names = [r["name_en"].lower() for r in index.search(SearchQuery(sort="title", lang="en"), 0, 1000)[1]]
    assert names == sorted(names)
    _, everything = index.search(SearchQuery("beton"), 0, 1000)
    pages = [r for start in range(0, len(everything), 7) for r in index.search(SearchQuery("beton"), start, 7)[1]]
    assert [r["iri"] for r in pages] == [r["iri"] for r in everything]


@pytest.mark.parametrize("text", ['"', '"unbalanced', "a*", "*", "NEAR(a b)", "NEAR", "a -b", "-",
                                  "title:beton", ":", "a OR b", "AND", "((", "^x", "{a b}", "'", "\\",
                                  "x" * 10_000, "ë" * 3000 + " " + "a " * 3000])
def test_hostile_text_is_only_text(index, text):
    started = time.perf_counter()
    index.search(SearchQuery(text))
    index.facets(SearchQuery(text))
    assert time.perf_counter() - started < 0.5
    expression = match_expression(text)
    assert expression is None or expression.count('"') == 2 * expression.count('"*')


def test_the_index_follows_add_new_version_and_retire(fixture, tmp_path):
    """In-process: each write is searchable at once; a second process's reader sees it too."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(fixture.data_dir, data)
    registry = Registry.open(Settings(data_dir=data, base_iri=BASE))
    index = reader(data)
    iri = fixture.iris[20]
    triples = registry.get(owning_passport(BASE, iri))
    renamed = [t for t in triples if t.predicate != LABEL or not t.subject.value.startswith(f"{BASE}id/object/")]
    obj = next(t.subject for t in triples if t.subject.value.startswith(f"{BASE}id/object/"))
    renamed.append(ox.Triple(obj, LABEL, ox.Literal("Zoekproef Vindbaarstraat", language="nl")))
    from registry.model.vocab import MANAGED_PREDICATES
    renamed = [t for t in renamed if t.predicate not in MANAGED_PREDICATES]
    started = time.perf_counter()
    report = registry.add([PassportDoc(owning_passport(BASE, iri), renamed)])
    assert report.updated == [iri]
    assert found(index, "vindbaarstraat") == [iri], time.perf_counter() - started
    registry.retire(owning_passport(BASE, iri), "gesloopt")
    assert found(index, "vindbaarstraat") == [] and iri not in found(index, municipality=iri.split("/")[-2])
    registry.close()


def test_a_dirty_or_missing_index_is_rebuilt_at_opening(fixture, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(fixture.data_dir, data)
    before = sorted(found(reader(fixture.data_dir), "beton"))
    with sqlite3.connect(index_path(data)) as conn:
        conn.execute("UPDATE meta SET value = 'dirty' WHERE key = 'state'")
        conn.execute("DELETE FROM passport_text")
    Registry.open(Settings(data_dir=data, base_iri=BASE)).close()
    assert sorted(found(reader(data), "beton")) == before
    index_path(data).unlink()
    for extra in data.glob("search.sqlite-*"):
        extra.unlink()
    Registry.open(Settings(data_dir=data, base_iri=BASE)).close()
    assert sorted(found(reader(data), "beton")) == before


def test_search_csv_holds_every_result(fixture):
    from fastapi.testclient import TestClient

    from registry.web.app import create_app

    settings = Settings(data_dir=fixture.data_dir, base_iri=BASE, page_workers=0)
    with TestClient(create_app(settings)) as client:
        for params in ({"q": "beton"}, {"material": "steel", "sort": "mass"}, {"q": "straat", "lang": "en"}):
            text = client.get("/search.csv", params=params).text
            rows = list(csv.DictReader(io.StringIO(text)))
            shown = []
            page = 1
            while True:
                html = client.get("/search", params={**params, "page": page}).text
                import re
                shown += [BASE + "id/passport/" + p for p in re.findall(
                    r'<td><a href="/doc/passport/(GM\d{4}/[^"]+)"', html)]
                if 'rel="next"' not in html:
                    break
                page += 1
            assert len(rows) > 25 and [r["iri"] for r in rows] == shown, params
            assert f"{len(rows)}" in html.replace(".", "").replace(",", "")


def test_bulk_adds_on_the_writer_thread_are_indexed(settings):
    """A large add validates in a second process and writes on a writer thread (as the demo
    generator and imports do): every passport lands in the index."""
    from registry.demo import generate

    registry = Registry.open(settings)
    docs = [PassportDoc(owning_passport(BASE, iri), triples) for iri, triples in generate(45, 3, BASE)]
    report = registry.add(docs, batch_size=10)
    assert len(report.created) == 45
    assert set(found(reader(settings.data_dir))) == set(report.created)
    registry.close()


def test_searches_on_threads_while_the_index_grows(settings):
    """Searches on several threads while writes add passports (the in-memory columns grow and
    are replaced): no error, and every count is one the index had."""
    import threading

    from registry.demo import generate

    registry = Registry.open(settings)
    generated = list(generate(60, 4, BASE))
    index = reader(settings.data_dir)
    errors: list[BaseException] = []
    counts: list[int] = []
    done = threading.Event()

    def search_until_done():
        try:
            while not done.is_set():
                counts.append(index.find(SearchQuery("beton", sort="mass")).total)
                index.find(SearchQuery(sort="title"))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=search_until_done) for _ in range(3)]
    for t in threads:
        t.start()
    for iri, triples in generated:
        registry.add([PassportDoc(owning_passport(BASE, iri), triples)])
    done.set()
    for t in threads:
        t.join()
    registry.close()
    assert errors == [] and counts and max(counts) <= 60
    assert index.find(SearchQuery()).total == 60


def test_rows_carry_the_registry_managed_mass(fixture, index):
    """A row's mass is the sum of mp:massKg of the passport's stored quantities (MASS contract),
    for passports written through ``Registry.add``."""
    registry = Registry.open(Settings(data_dir=fixture.data_dir, base_iri=BASE), read_only=True)
    checked = 0
    for iri in fixture.iris[:30]:
        stored = [float(q.object.value) for q in registry.store.quads_for_pattern(
            None, ox.NamedNode(MP + "massKg"), None, ox.NamedNode(iri))]
        _, rows = index.search(SearchQuery(iri.rsplit("/", 1)[-1]), 0, 5)
        row = next(r for r in rows if r["iri"] == iri)
        if stored:
            assert row["mass_kg"] == pytest.approx(sum(stored), rel=1e-6), iri
            checked += 1
        else:
            assert row["mass_kg"] is None
    assert checked > 20
