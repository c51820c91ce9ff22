"""The pages' counts from the sidecar indexes (``registry.store.page_counts``, ``stats.sidecar_stats``)
equal those of the saved aggregate queries (``stats.compute_stats``, ``sparql/page-*.rq``) on a demo
store, after new passports, new versions (other materials, another object kind), retirements and a
valuation; a page shows the counts of the last write at once; without sidecars, or while one is
being updated, the pages still get counts."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from conftest import BASE

from registry.demo.stream import generate
from registry.model.documents import PassportDoc
from registry.model.terms import local_name
from registry.model.uris import owning_passport, parse_passport_iri
from registry.model.vocab import MP, MPV, RDF_TYPE
from registry.store import page_counts
from registry.store.monitor_facts import COUNTED
from registry.store.registry import Registry
from registry.store.valuations import valuate
from registry.views.pages import stats as page_stats
from registry.views.pages.vocabulary import SCHEME_PREDICATES

MATERIAL = ox.NamedNode(MP + "material")
CONCRETE, STEEL = (ox.NamedNode(MPV + "material/" + m) for m in ("concrete", "steel"))
MARKET = MPV + "valuationmethod/market"
INDICATIVE = "https://w3id.org/materiaalpaspoort/id/pricelist/indicative/2026"


def demo_docs(size: int, seed: int = 11, change=None):
    for iri, triples in generate(size, seed=seed, base=BASE):
        yield PassportDoc(owning_passport(BASE, iri), change(iri, triples) if change else triples, "demo")


def assert_same_counts(registry) -> page_stats.Stats:
    """The sidecars' counts are the saved queries' (mass to the gram); the sidecars' Stats."""
    got, want = page_stats.sidecar_stats(registry), page_stats.compute_stats(registry.store)
    assert got is not None
    assert got.total == want.total > 0
    assert got.by_municipality == want.by_municipality
    # one kind per passport; the demo's objects have one class each, so the SPARQL's every class agrees
    assert got.by_municipality_kind == want.by_municipality_kind
    assert got.by_kind == want.by_kind
    assert got.material_counts == want.material_counts
    assert got.materials.keys() == want.materials.keys()
    for material, per in want.materials.items():
        assert got.materials[material].keys() == per.keys()
        for muni, (passports, records, with_mass, kg) in per.items():
            mine = got.materials[material][muni]
            assert mine[:3] == (passports, records, with_mass), (material, muni)
            assert abs(mine[3] - kg) < 1e-6 * max(1.0, kg), (material, muni)
    # the latest versions: the same times (ties in any order), newest first
    assert sorted(r["generated"] for r in got.recent) == sorted(r["generated"] for r in want.recent)
    assert [r["generated"] for r in got.recent] == sorted((r["generated"] for r in got.recent), reverse=True)
    for row in got.recent:
        assert row["version"] == f"{row['passport']}/v/{row['number']}" and row["agent"]
    return got


def assert_search_agrees(registry, stats: page_stats.Stats) -> None:
    """The search index (its kind facet) files every passport under the kind the pages count it under."""
    conn = sqlite3.connect(Path(registry.settings.data_dir) / "search.sqlite")
    try:
        rows = conn.execute("SELECT municipality, kind, COUNT(*) FROM passport GROUP BY municipality, kind").fetchall()
    finally:
        conn.close()
    assert {(m, k): n for m, k, n in rows} == {(local_name(m), local_name(k)): n
                                               for m, kinds in stats.by_municipality_kind.items()
                                               for k, n in kinds.items()}


def value_counts(registry) -> dict[str, tuple[dict, dict]]:
    return {p: (page_counts.value_uses(registry.settings.data_dir, registry.base, p),
                page_stats.sparql_value_counts(registry.store, p)) for p in SCHEME_PREDICATES.values()}


def assert_same_value_counts(registry) -> None:
    for predicate, (got, want) in value_counts(registry).items():
        assert got == want, predicate


def test_every_counted_property_is_kept():
    assert set(SCHEME_PREDICATES.values()) <= set(COUNTED)


def test_sidecar_counts_equal_the_saved_queries_after_each_kind_of_write(registry):
    assert registry.add(demo_docs(120)).written == 120
    first = assert_same_counts(registry)
    assert_same_value_counts(registry)
    # new versions: concrete becomes steel in a third of them, and a new object kind for some
    kinds = sorted(first.by_kind)
    changed = []

    def change(iri, triples):
        if len(changed) % 3:
            changed.append(iri)
            return triples
        changed.append(iri)
        out = [ox.Triple(t.subject, t.predicate, STEEL) if t.predicate == MATERIAL and t.object == CONCRETE else t
               for t in triples]
        if len(changed) % 2:
            out = [ox.Triple(t.subject, t.predicate, ox.NamedNode(kinds[0]))
                   if t.predicate == RDF_TYPE and t.object.value in kinds else t for t in out]
        return out
    result = registry.add(demo_docs(60, change=change))  # some kinds need what others lack: rejected
    assert result.written >= 10
    second = assert_same_counts(registry)
    assert_search_agrees(registry, second)
    assert second.by_kind != first.by_kind and second.material_counts != first.material_counts
    assert_same_value_counts(registry)
    # retirements and new passports of another seed
    for iri in changed[:7]:
        registry.retire(parse_passport_iri(BASE, iri), "demolished")
    assert registry.add(demo_docs(30, seed=12)).written == 30
    assert assert_same_counts(registry).total == 120 - 7 + 30
    assert_same_value_counts(registry)
    # a valuation writes records beside the passports: the passports' counts do not change; the
    # saved query also counts the records' mp:valuationMethod (they are not in a passport graph)
    before = value_counts(registry)
    created = len(valuate(registry, date(2026, 12, 31), price_list=INDICATIVE).created)
    assert created
    assert_same_counts(registry)
    for predicate, (got, want) in value_counts(registry).items():
        assert got == before[predicate][0], predicate
        if predicate == MP + "valuationMethod":
            want = {**want, MARKET: want[MARKET] - created}
        assert got == {k: v for k, v in want.items() if v}, predicate


def test_a_page_shows_the_counts_of_the_last_write_at_once(registry):
    # (the saved queries' cache kept the first counts PASSPORTS_STATS_REFRESH seconds: 60)
    assert registry.add(demo_docs(20)).written == 20
    assert page_stats.stats(registry, wait=0).total == 20  # no background computation to wait for
    assert registry.add(demo_docs(5, seed=13)).written == 5
    assert page_stats.stats(registry, wait=0).total == 25
    counts = page_stats.value_counts(registry, MP + "material", wait=0)
    assert counts == page_stats.sparql_value_counts(registry.store, MP + "material")


def test_while_a_sidecar_is_updated_the_last_counts_are_served(registry):
    assert registry.add(demo_docs(10)).written == 10
    assert page_stats.stats(registry).total == 10
    registry.monitor_index.mark_dirty()  # as during a write, before its rows are applied
    registry._bump_generation()
    assert page_counts.page_counts(registry.settings.data_dir, registry.base) is None
    assert page_stats.stats(registry, wait=0).total == 10


def test_a_reader_that_finds_a_sidecar_dirty_waits_once_then_uses_the_saved_queries(settings, registry):
    import time

    assert registry.add(demo_docs(10)).written == 10
    registry.monitor_index.mark_dirty()  # as after a crash between a store commit and the update
    reader = Registry.open(settings, read_only=True)
    try:
        started = time.monotonic()
        assert page_stats.stats(reader, wait=None).total == 10  # from the saved queries
        waited = time.monotonic() - started
        assert waited >= page_stats.RETRIES * page_stats.RETRY_PAUSE
        started = time.monotonic()
        assert page_stats.stats(reader, wait=None).total == 10
        assert time.monotonic() - started < page_stats.RETRIES * page_stats.RETRY_PAUSE / 2
        uses = page_stats.value_counts(reader, MP + "material", wait=None)
        assert uses == page_stats.sparql_value_counts(reader.store, MP + "material")
    finally:
        reader.close()


def test_without_sidecars_the_saved_queries_give_the_counts(settings, registry):
    assert registry.add(demo_docs(15)).written == 15
    registry.close()
    for path in Path(settings.data_dir).glob("*.sqlite*"):
        path.unlink()
    reader = Registry.open(settings, read_only=True)
    try:
        assert not page_counts.has_sidecars(settings.data_dir)
        found = page_stats.stats(reader, wait=None)
        assert found.total == 15 and found.recent
        assert page_stats.value_counts(reader, MP + "material", wait=None) == \
            page_stats.sparql_value_counts(reader.store, MP + "material")
    finally:
        reader.close()


def test_rebuilt_sidecars_give_the_same_counts(settings, registry):
    assert registry.add(demo_docs(40)).written == 40
    registry.retire(parse_passport_iri(BASE, next(iter(generate(1, seed=11, base=BASE)))[0]), "demolished")
    kept = page_stats.sidecar_stats(registry), value_counts(registry)
    registry.close()
    for path in Path(settings.data_dir).glob("monitor.sqlite*"):
        path.unlink()
    reopened = Registry.open(settings)  # rebuilds the monitor aggregates from the store
    try:
        rebuilt = assert_same_counts(reopened)
        assert (rebuilt.by_municipality_kind, rebuilt.materials) == (kept[0].by_municipality_kind, kept[0].materials)
        assert value_counts(reopened) == kept[1]
    finally:
        reopened.close()


def test_an_object_with_two_kinds_is_filed_under_one_whatever_the_order():
    from registry.model.terms import get_terms
    from registry.store.search_facts import object_kind

    kinds = get_terms().object_kinds
    two = [MP + "Luminaire", MP + "LampPost", MP + "PhysicalObject", "https://example.org/Other"]
    assert object_kind(two, kinds) == object_kind(reversed(two), kinds) == MP + "LampPost"
    assert object_kind(["https://example.org/Other"], kinds) == ""
