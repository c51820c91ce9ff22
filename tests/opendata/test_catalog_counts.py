"""The VoID figures and the catalog's first and last dates kept by the monitor aggregates
(``registry.store.catalog_counts``) equal the saved queries' (``sparql/void-*.rq``,
``catalog-temporal-coverage.rq``), for the region and every municipality, after new passports,
new versions, retirements, a valuation, a harvested page (a staged write), masses derived again
and a rebuild; ``/.well-known/void`` and ``/catalog`` show them from the first request after a
write; the distinct objects are given only when counted for the current data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyoxigraph as ox
from conftest import BASE

from registry.demo.stream import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport, parse_passport_iri
from registry.model.vocab import DCTERMS, MASS_KG, MP, MPV
from registry.store import catalog_counts
from registry.store.registry import Registry
from registry.store.staging import staged
from registry.store.valuations import valuate
from registry.views.opendata import void
from registry.views.opendata.facts import facts, sparql_dates
from registry.views.pages import cache

MATERIAL = ox.NamedNode(MP + "material")
CONCRETE, STEEL = (ox.NamedNode(MPV + "material/" + m) for m in ("concrete", "steel"))
INDICATIVE = "https://w3id.org/materiaalpaspoort/id/pricelist/indicative/2026"
VOID = "http://rdfs.org/ns/void#"


def docs(size: int, seed: int = 11, change=None):
    for iri, triples in generate(size, seed=seed, base=BASE):
        yield PassportDoc(owning_passport(BASE, iri), change(iri, triples) if change else triples, "demo")


def steel(iri, triples):
    """Concrete becomes steel, and one more triple: another version with other counts."""
    out = [ox.Triple(t.subject, t.predicate, STEEL) if t.predicate == MATERIAL and t.object == CONCRETE else t
           for t in triples]
    return [*out, ox.Triple(ox.NamedNode(iri), ox.NamedNode(DCTERMS + "description"), ox.Literal("changed"))]


def assert_same(registry) -> dict[str, void.Counts]:
    """The kept figures are the saved queries' (all but the distinct objects); the kept ones."""
    got = void.sidecar_counts(registry.settings.data_dir, registry.base)
    want = void.compute_counts(registry.store)
    assert got is not None
    assert got.keys() == want.keys() and "region" in got and len(got) > 2
    for code, counts in want.items():
        mine = got[code]
        assert mine.totals == {k: v for k, v in counts.totals.items() if k != "objects"}, code
        assert (mine.example, mine.municipality) == (counts.example, counts.municipality), code
        assert mine.classes == counts.classes, code
        assert mine.properties == counts.properties, code
    dates = catalog_counts.temporal_coverage(registry.settings.data_dir, registry.base)
    assert dates == sparql_dates(registry.store) and dates
    return got


def test_kept_figures_equal_the_saved_queries_after_each_kind_of_write(registry):
    # batches of 8: validated in the worker process, which derives the facts (``prepared``)
    assert registry.add(docs(60), batch_size=8).written == 60
    first = assert_same(registry)
    # new versions of a third: another material, one more triple each
    changed = [iri for iri, _ in generate(60, seed=11, base=BASE)][::3]
    again = [d for d in docs(60, change=steel) if d.iri in set(changed)]
    assert registry.add(again).written == len(again)
    second = assert_same(registry)
    assert second["region"].totals["triples"] == first["region"].totals["triples"] + len(again)
    assert second["region"].classes == first["region"].classes
    # retirements, new passports of another seed
    for iri in changed[:5]:
        registry.retire(parse_passport_iri(BASE, iri), "demolished")
    assert registry.add(docs(20, seed=12)).written == 20
    assert_same(registry)
    # a valuation writes records beside the passport graphs: nothing of theirs changes
    before = assert_same(registry)
    assert valuate(registry, date(2026, 12, 31), price_list=INDICATIVE).created
    assert assert_same(registry) == before
    # a harvested page: several writes in one transaction, a new version and a retirement of one passport
    target = changed[6]
    with staged(registry, [target, changed[7]]):
        registry.add([d for d in docs(60) if d.iri == target])
        registry.retire(parse_passport_iri(BASE, changed[7]), "harvested")
    assert_same(registry)


def test_masses_derived_again_and_a_rebuild_give_the_same_figures(settings, registry):
    assert registry.add(docs(30)).written == 30
    registry.retire(parse_passport_iri(BASE, next(iter(generate(1, seed=11, base=BASE)))[0]), "demolished")
    kept = assert_same(registry)
    # the reference values change: masses missing from the graphs are derived again (another
    # triple count until then), and the aggregates are built again from the store
    for quad in list(registry.store.quads_for_pattern(None, MASS_KG, None, None)):
        registry.store.remove(quad)
    assert registry.refresh_masses() > 0
    assert assert_same(registry) == kept
    registry.close()
    for path in Path(settings.data_dir).glob("monitor.sqlite*"):
        path.unlink()
    with Registry.open(settings) as reopened:
        assert assert_same(reopened) == kept


def test_without_aggregates_the_saved_queries_give_the_figures(settings, registry):
    assert registry.add(docs(12)).written == 12
    registry.close()
    for path in Path(settings.data_dir).glob("monitor.sqlite*"):
        path.unlink()
    with Registry.open(settings, read_only=True) as reader:
        assert catalog_counts.void_totals(settings.data_dir, BASE) is None
        assert void.counts(reader) == void.compute_counts(reader.store)
        assert {p.iri: (p.start, p.end) for p in facts(reader).places} == sparql_dates(reader.store)


def test_the_distinct_objects_are_given_only_when_counted_for_the_current_data(registry):
    assert registry.add(docs(10)).written == 10
    want = void.compute_counts(registry.store)
    assert void.counts(registry, background=False) == want  # the static site waits for them
    cache.cache_for(registry).get("void-objects", lambda: None, wait=None)  # the background count is done
    assert void.counts(registry) == want
    assert registry.add(docs(3, seed=12)).written == 3
    served = void.counts(registry)  # the count of the data before the write is not served
    assert all("objects" not in c.totals for c in served.values())
    assert served["region"].totals["triples"] == void.compute_counts(registry.store)["region"].totals["triples"]


def test_void_and_catalog_after_a_write_show_the_kept_figures(app_client):
    registry = app_client.app.state.registry
    assert registry.add(docs(8)).written == 8
    app_client.get("/.well-known/void")
    assert registry.add(docs(4, seed=12)).written == 4
    body = app_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert body.status_code == 200
    served = ox.Store()
    served.load(body.content, ox.RdfFormat.TURTLE)
    region = ox.NamedNode(BASE + ".well-known/void#region")
    want = void.compute_counts(registry.store)["region"]

    def value(predicate: str) -> list[int]:
        return [int(q.object.value) for q in served.quads_for_pattern(region, ox.NamedNode(VOID + predicate), None)]
    assert value("triples") == [want.totals["triples"]]
    assert value("entities") == [want.totals["entities"]]
    assert value("distinctObjects") in ([], [want.totals["objects"]])
    said = {q.object.value for q in served.quads_for_pattern(ox.NamedNode(BASE + ".well-known/void"),
                                                             ox.NamedNode(DCTERMS + "description"), None)}
    assert any("void:distinctObjects" in text and "background" in text for text in said)
    assert any("achtergrond" in text for text in said)
    catalog = app_client.get("/catalog.ttl")
    assert catalog.status_code == 200
    end = max(end for _, end in sparql_dates(registry.store).values())
    assert end.encode() in catalog.content
