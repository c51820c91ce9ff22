"""``valuate``: the worked example of docs/valuation.md, idempotence, history, provenance, scoping, and
that valuation records and price lists are never counted as passports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyoxigraph as ox
import pytest
from conftest import BASE, docs_from, dump, passport_ttl

from registry.model.reference import load_materials
from registry.model.vocab import MP, MPV, PROV
from registry.store import named_queries
from registry.store.price_lists import NewEntry, ValuationError, price_lists, store_price_list
from registry.store.valuations import valuate, valuation_graph

INDICATIVE = "https://w3id.org/materiaalpaspoort/id/pricelist/indicative/2026"
PASSPORT = BASE + "id/passport/GM0153/brug-0042"
DAY = date(2026, 12, 31)
TONNE = "http://qudt.org/vocab/unit/TON_Metric"


@pytest.fixture
def stored(registry):
    report = registry.add(docs_from(passport_ttl()))
    assert report.created == [PASSPORT]
    return registry


def records(registry) -> list[dict[str, str]]:
    return [r for r in named_queries.select_plain(registry.store, "valuation-records")
            if r["graph"].startswith(BASE + "graph/valuation/")]


def test_worked_example_of_the_docs(stored):
    """docs/valuation.md, "Worked example": the numbers there are these."""
    report = valuate(stored, DAY, price_list=INDICATIVE)
    [record] = report.created
    concrete, steel = record.inputs  # sorted by quantity IRI: deck-concrete, railing-steel
    assert concrete.entry.price == Decimal(10) and steel.entry.price == Decimal(300)
    # concrete: 120.5 t x 10 EUR/t x 0.75 (condition 3) x 0.91 (0.5 + 0.5 x index 0.82) x 0.8 (reuse after
    # repair) x 1.0 (R3) = 657.93; costs 120.5 t x (5 + 4) EUR/t = 1084.50; net negative -> 0 with a note
    assert concrete.factors == {"condition": Decimal("0.75"), "releaseQuality": Decimal("0.8"),
                                "rStrategy": Decimal("1.0"), "detachability": Decimal("0.91")}
    assert (concrete.gross, concrete.costs, concrete.net) == (Decimal("657.93"), Decimal("1084.50"), Decimal(0))
    assert any("426.57" in en for en, _ in concrete.notes)
    # steel: 2.4 t x 300 x 0.75 x 1.0 (no detachability recorded) x 0.8 x 1.0 = 432.00; costs 2.4 x (40 + 10)
    assert (steel.gross, steel.costs, steel.net) == (Decimal("432.00"), Decimal("120.00"), Decimal("312.00"))
    assert record.amount == Decimal("312.00")
    [row] = records(stored)
    assert Decimal(row["amount"]) == Decimal("312.00") and row["currency"] == "EUR" and row["date"] == "2026-12-31"
    assert row["version"] == PASSPORT + "/v/1" and row["priceList"] == INDICATIVE


def test_same_date_and_price_list_twice_changes_nothing(stored):
    first = valuate(stored, DAY, price_list=INDICATIVE)
    before = dump(stored)
    again = valuate(stored, DAY, price_list=INDICATIVE)
    assert (len(first.created), len(again.created), again.unchanged) == (1, 0, 1)
    assert dump(stored) == before


def test_a_second_date_adds_a_record_and_keeps_the_first(stored):
    valuate(stored, DAY, price_list=INDICATIVE)
    valuate(stored, date(2027, 12, 31), price_list=INDICATIVE)
    assert sorted(r["date"] for r in records(stored)) == ["2026-12-31", "2027-12-31"]


def test_the_record_keeps_pointing_at_the_version_it_valued(stored):
    valuate(stored, DAY, price_list=INDICATIVE)
    assert stored.add(docs_from(passport_ttl(amount="130.0"))).updated == [PASSPORT]
    report = valuate(stored, DAY, price_list=INDICATIVE)  # same date, new version: a record of its own
    assert len(report.created) == 1
    versions = sorted(r["version"] for r in records(stored))
    assert versions == [PASSPORT + "/v/1", PASSPORT + "/v/2"]


def test_provenance_of_a_run(stored):
    report = valuate(stored, DAY, price_list=INDICATIVE)
    record = ox.NamedNode(report.created[0].iri)
    activity = ox.NamedNode(report.activity)
    graph = valuation_graph(BASE, "GM0153")
    store = stored.store
    assert ox.Quad(record, ox.NamedNode(PROV + "wasDerivedFrom"), ox.NamedNode(PASSPORT + "/v/1"), graph) in store
    assert ox.Quad(record, ox.NamedNode(PROV + "wasGeneratedBy"), activity, graph) in store
    prov = stored.provenance_graph
    assert ox.Quad(activity, ox.NamedNode(PROV + "used"), ox.NamedNode(INDICATIVE), prov) in store
    for p in ("startedAtTime", "endedAtTime", "wasAssociatedWith"):
        assert next(store.quads_for_pattern(activity, ox.NamedNode(PROV + p), None, prov), None) is not None
    inputs = list(store.quads_for_pattern(record, ox.NamedNode(MP + "hasValuationInput"), None, graph))
    assert len(inputs) == 2


def test_records_and_price_lists_are_never_passports(stored):
    counts = (stored.count_passports(), named_queries.select_plain(stored.store, "count-passports"))
    valuate(stored, DAY, price_list=INDICATIVE)
    store_price_list(stored, "test", [NewEntry(MPV + "material/steel", Decimal(1), TONNE)], source="t")
    assert (stored.count_passports(), named_queries.select_plain(stored.store, "count-passports")) == counts


def test_dry_run_writes_nothing(stored):
    before = dump(stored)
    report = valuate(stored, DAY, dry_run=True)
    assert len(report.created) == 1 and report.activity is None
    assert dump(stored) == before


def test_municipality_values_only_its_own_passports(stored):
    stored.add(docs_from(passport_ttl(key="brug-1", municipality="GM0164")))
    report = valuate(stored, DAY, municipality="GM0164", price_list=INDICATIVE)
    assert [r.passport for r in report.created] == [BASE + "id/passport/GM0164/brug-1"]
    assert {r["graph"] for r in records(stored)} == {BASE + "graph/valuation/GM0164"}


def test_unknown_price_list_is_refused_with_the_field(stored):
    with pytest.raises(ValuationError, match="price_list"):
        valuate(stored, DAY, price_list="http://example.org/no-such-list")
    with pytest.raises(ValuationError, match="price_list"):
        valuate(stored, date(1990, 1, 1))  # nothing valid then


def test_imported_price_list_is_preferred_and_versioned(stored):
    entries = [NewEntry(MPV + "material/concrete", Decimal(20), "http://qudt.org/vocab/unit/TON_Metric")]
    iri, created = store_price_list(stored, "twente-2026", entries, source="quote")
    assert created and store_price_list(stored, "twente-2026", entries, source="quote") == (iri, False)
    changed = [NewEntry(MPV + "material/concrete", Decimal(21), "http://qudt.org/vocab/unit/TON_Metric")]
    iri2, created2 = store_price_list(stored, "twente-2026", changed, source="quote")
    assert created2 and iri2 != iri
    assert {iri, iri2} <= {p.iri for p in price_lists(stored.store, BASE)}
    report = valuate(stored, DAY)  # default: an imported list valid on the date before the indicative one
    assert report.price_list in (iri, iri2)


def test_price_list_in_a_passport_graph_is_ignored(registry):
    forged = passport_ttl().replace("<http://localhost:8000/id/object/GM0153/brug-0042> a mp:Bridge ;",
                                    "<http://localhost:8000/id/object/GM0153/brug-0042> a mp:Bridge , mp:PriceList ;")
    assert registry.add(docs_from(forged)).created
    found = {p.iri for p in price_lists(registry.store, BASE)}
    assert INDICATIVE in found and BASE + "id/object/GM0153/brug-0042" not in found


def test_shipped_indicative_prices_are_the_materials_default_prices(registry):
    [info] = [p for p in price_lists(registry.store, BASE) if p.iri == INDICATIVE]
    assert info.indicative
    rows = named_queries.select_plain(registry.store, "valuation-price-entries",
                                      {"priceList": ox.NamedNode(INDICATIVE), "graph": ox.NamedNode(info.graph)})
    prices = {r["material"].rsplit("/", 1)[1]: float(r["price"]) for r in rows}
    assert prices == {k: m.price for k, m in load_materials()[0].items()}


def test_an_interrupted_batch_is_removed_at_the_next_opening(stored, settings):
    from registry.store.registry import Registry

    report = valuate(stored, DAY, price_list=INDICATIVE)
    record = report.created[0].iri
    (settings.data_dir / "valuation-journal").write_text(f"{BASE}graph/valuation/GM0153\t{record}\t2")
    stored.close()  # as if the process died during the bulk load of that batch
    with Registry.open(settings) as reopened:
        assert records(reopened) == []
        left = [q for q in reopened.store.quads_for_pattern(None, None, None, valuation_graph(BASE, "GM0153"))]
        assert left == []  # the inputs too
        assert not (settings.data_dir / "valuation-journal").exists()
        assert len(valuate(reopened, DAY, price_list=INDICATIVE).created) == 1  # a re-run writes it whole
        assert len(records(reopened)) == 1


def test_a_retired_passport_is_not_valued_and_keeps_its_records(stored):
    from registry.model.uris import parse_passport_iri

    valuate(stored, DAY, price_list=INDICATIVE)
    stored.retire(parse_passport_iri(BASE, PASSPORT), "demolished in 2027")
    report = valuate(stored, date(2027, 12, 31), price_list=INDICATIVE)
    assert (len(report.created), report.unchanged) == (0, 0)
    assert [r["date"] for r in records(stored)] == ["2026-12-31"]


def test_a_passports_records_for_its_page_are_the_saved_querys_rows(stored):
    """``records_of`` (index lookups, for the passport page) gives the rows of ``valuation-records``
    for the passport, newest first."""
    from registry.store.valuations import records_of

    assert records_of(stored.store, BASE, PASSPORT) == []
    for day in (date(2025, 12, 31), DAY, date(2026, 6, 30)):
        valuate(stored, day, price_list=INDICATIVE)
    expected = [{"iri": r["record"], "date": r["date"], "amount": float(r["amount"]), "currency": r["currency"],
                 "price_list": r["priceList"], "version": r["version"],
                 "version_number": r["version"].rsplit("/", 1)[-1]}
                for r in records(stored) if r["passport"] == PASSPORT]
    found = records_of(stored.store, BASE, PASSPORT)
    assert found == expected and [r["date"] for r in found] == ["2026-12-31", "2026-06-30", "2025-12-31"]
    assert records_of(stored.store, BASE, BASE + "id/passport/GM0153/other") == []
