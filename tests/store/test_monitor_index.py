"""The monitor aggregates (``registry.store.monitor_index``) stay exactly consistent with the store:
after each kind of write (add, new version, retire, valuate, a reference-data change) every figure
from the aggregates (``monitor_answers``) equals the saved query's rows through ``named_queries``,
on the fixed indicator dataset and on a small random demo store; a missing or dirty file is
rebuilt at opening (a crash between the store commit and the aggregate update)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import BASE, docs_from
from pyoxigraph import NamedNode

from registry.demo.stream import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport, parse_passport_iri
from registry.model.vocab import MP, RDF_TYPE
from registry.query import saved
from registry.store import named_queries
from registry.store.monitor_answers import (
    FIGURES,
    LISTS,
    SAMPLE_COLUMNS,
    figure,
    open_figures,
)
from registry.store.monitor_index import MONITOR_FILE, divide, join_exact, split_exact
from registry.store.registry import Registry
from registry.store.valuations import valuate
from registry.store.versions import iter_passport_iris

DATA = Path(__file__).resolve().parents[1] / "data" / "indicators"
MPV = "https://w3id.org/materiaalpaspoort/id/"
SCOPES = (None, MPV + "municipality/GM0153", MPV + "municipality/GM0164")
DAYS = (date(2026, 12, 31), date(2026, 6, 30), date(2024, 2, 29))
INDICATIVE = "https://w3id.org/materiaalpaspoort/id/pricelist/indicative/2026"
P1, P3 = (BASE + "id/passport/" + k for k in ("GM0153/brug-ind-1", "GM0164/brug-ind-2"))


def query_rows(store, name: str, municipality: str | None, day: date) -> list[dict[str, str]]:
    query = saved.get(name)
    known = {p.name for p in query.parameters}
    values = {"municipality": municipality, "date": day.isoformat(), "year": str(day.year)}
    bindings = query.bindings({k: v for k, v in values.items() if k in known and v is not None})
    return named_queries.select_plain(store, name, {var.value: term for var, term in bindings.items()})


def assert_consistent(registry, scopes=SCOPES, days=DAYS) -> int:
    """Every figure, scope and day: the aggregates' rows are the saved query's rows; how many rows."""
    conn = open_figures(registry.settings.data_dir)
    compared = 0
    try:
        for name in FIGURES + LISTS:
            for municipality in scopes:
                for day in days:
                    want = query_rows(registry.store, name, municipality, day)
                    got = figure(conn, name, municipality, on=day, year=day.year)
                    assert same_rows(got, want), (name, municipality, day, got, want)
                    compared += len(want)
    finally:
        conn.close()
    return compared


def same_rows(got: list[dict[str, str]], want: list[dict[str, str]]) -> bool:
    """Equal rows, value for value; a SAMPLE (one of an object's geometries) present in both."""
    def plain(rows):
        return [{k: "sample" if k in SAMPLE_COLUMNS else v for k, v in row.items()} for row in rows]
    return plain(got) == plain(want)


def reopen_and_compare(settings) -> None:
    reopened = Registry.open(settings)
    try:
        assert reopened.monitor_index.is_fresh()
        assert_consistent(reopened)
    finally:
        reopened.close()


def write_fixed(registry) -> None:
    for path in sorted(DATA.glob("*.ttl")):
        assert registry.add(docs_from(path.read_text(encoding="utf-8"))).written == 1


def test_every_kind_of_write_on_the_fixed_dataset(registry):
    write_fixed(registry)
    assert assert_consistent(registry) > 20
    # add: a second bench in GM0164
    bench = (DATA / "p2-bank-ind-1.ttl").read_text(encoding="utf-8")
    bench = bench.replace("GM0153/bank-ind-1", "GM0164/bank-ind-2").replace('"bank-ind-1"', '"bank-ind-2"')
    assert registry.add(docs_from(bench.replace("municipality\\/GM0153", "municipality\\/GM0164"))).written == 1
    assert_consistent(registry)
    # new version of P1: the deck's concrete from 100 t to 50 t (its value shared over less mass)
    p1 = (DATA / "p1-brug-ind-1.ttl").read_text(encoding="utf-8")
    assert registry.add(docs_from(p1.replace("qudt:numericValue 100 ;", "qudt:numericValue 50 ;"))).written == 1
    assert_consistent(registry)
    # valuate: records for every passport (their latest valuation changes, goal 3 counts them)
    assert valuate(registry, date(2026, 12, 31), price_list=INDICATIVE).created
    assert_consistent(registry)
    # valuate again on the same day: nothing changes; on another day: new records beside the old
    assert not valuate(registry, date(2026, 12, 31), price_list=INDICATIVE).created
    valuate(registry, date(2026, 5, 1), price_list=INDICATIVE, municipality=MPV + "municipality/GM0164")
    assert_consistent(registry)
    # retire P3
    registry.retire(parse_passport_iri(BASE, P3), "demolished")
    assert_consistent(registry)


def test_a_reference_data_change_rebuilds_at_opening(settings, registry):
    write_fixed(registry)
    registry.close()
    conn = open_figures(settings.data_dir)
    conn.execute("UPDATE meta SET value = 'other' WHERE key = 'reference'")  # as after an ontology edit
    conn.close()
    reopen_and_compare(settings)


def test_an_interrupted_first_build_with_older_tables_is_rebuilt_at_opening(settings, registry):
    """A file whose first build was interrupted has no schema version, and its tables may be of an
    older layout (found on a store of an earlier version: "table mci has 12 columns but 15 values
    were supplied", and no aggregates at all after that)."""
    write_fixed(registry)
    registry.close()
    conn = open_figures(settings.data_dir)
    conn.execute("DELETE FROM meta")
    conn.execute("ALTER TABLE mci DROP COLUMN mci")
    conn.commit()
    conn.close()
    reopen_and_compare(settings)


@pytest.mark.parametrize("damage", ["missing", "dirty"])
def test_missing_or_dirty_aggregates_are_rebuilt_at_opening(settings, registry, damage):
    write_fixed(registry)
    if damage == "dirty":
        # a crash between the store commit and the aggregate update: the mark is set, the rows
        # of the write are not there
        registry.monitor_index.apply = lambda *a, **k: None
        bench = (DATA / "p2-bank-ind-1.ttl").read_text(encoding="utf-8").replace("bank-ind-1", "bank-ind-9")
        assert registry.add(docs_from(bench)).written == 1
        assert not registry.monitor_index.is_fresh()
    registry.close()
    if damage == "missing":
        for suffix in ("", "-wal", "-shm"):
            (settings.data_dir / (MONITOR_FILE + suffix)).unlink(missing_ok=True)
    reopen_and_compare(settings)


def test_a_small_random_demo_store(registry):
    docs = (PassportDoc(owning_passport(BASE, iri), triples, "demo") for iri, triples in generate(300, seed=7, base=BASE))
    assert registry.add(docs).written == 300
    scopes = (None, MPV + "municipality/GM0153")
    days = (date(2026, 12, 31), date(2001, 1, 1))  # 2001: nothing valued, 0 kg of a mass with grams
    assert assert_consistent(registry, scopes, days) > 20
    valuate(registry, date(2026, 12, 31), price_list=INDICATIVE, municipality=MPV + "municipality/GM0153")
    assert_consistent(registry, scopes, days)
    first = sorted(iter_passport_iris(registry))[:3]
    assert len(first) == 3
    for iri in first:
        registry.retire(parse_passport_iri(BASE, iri), "demolished")
    assert_consistent(registry, scopes, days)


@pytest.mark.parametrize("value", ["0", "1", "-2.5", "10000.123456789012345678", "0.000000000000000001"])
def test_exact_decimals_split_and_join(value):
    from decimal import Decimal

    assert join_exact(*split_exact(Decimal(value))) == Decimal(value)


def test_division_truncates_as_the_store_does():
    from decimal import Decimal

    assert str(divide(Decimal(1), Decimal(3))) == "0.333333333333333333"
    assert str(divide(Decimal("0.5"), Decimal(3))) == "0.166666666666666666"
    assert divide(Decimal(1), Decimal(0)) is None
    # pyoxigraph 0.5: zero divided by a decimal with a fraction is an error (unbound), by a whole one 0
    assert divide(Decimal(0), Decimal("1.5")) is None and divide(Decimal(0), Decimal("2.0")) == 0


def test_the_columns_are_the_saved_queries_variables(registry):
    from registry.store.monitor_answers import COLUMNS

    for name in FIGURES + LISTS:
        variables = named_queries.run(registry.store, name, {}).variables
        assert COLUMNS[name] == tuple(v.value for v in variables), name


def test_monitor_page_figures_from_the_aggregates_equal_those_of_the_saved_queries(registry):
    from registry.model.terms import get_terms
    from registry.views.pages import monitor

    write_fixed(registry)
    valuate(registry, date(2026, 12, 31), price_list=INDICATIVE, municipality=MPV + "municipality/GM0153")
    terms = get_terms()
    answered = [spec for spec in monitor.FIGURES if spec.query in FIGURES]
    assert len(answered) == len(FIGURES)
    for spec in answered:
        for municipality in SCOPES[:2]:
            fast = monitor.run_figure(registry.store, spec, terms, municipality, DAYS[0],
                                      aggregates=registry.settings.data_dir, base=registry.base)
            slow = monitor.run_figure(registry.store, spec, terms, municipality, DAYS[0])
            assert (fast.columns, fast.rows, fast.chart) == (slow.columns, slow.rows, slow.chart), spec.query
    # a dirty file is not read: the page asks the store
    registry.monitor_index.mark_dirty()
    from registry.store.monitor_answers import readable

    assert readable(registry.settings.data_dir, registry.base) is None


def test_a_failed_update_is_not_hidden_by_the_next_write(settings, registry):
    import sqlite3

    write_fixed(registry)
    index = registry.monitor_index

    def full_disk(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    index._insert = full_disk  # the update after the store commit fails (the write stays stored)
    bench = (DATA / "p2-bank-ind-1.ttl").read_text(encoding="utf-8")
    assert registry.add(docs_from(bench.replace("bank-ind-1", "bank-ind-8"))).written == 1
    del index._insert
    # the next write's update succeeds, but the file lacks the earlier one: it stays dirty
    assert registry.add(docs_from(bench.replace("bank-ind-1", "bank-ind-7"))).written == 1
    assert not index.is_fresh()
    from registry.store.monitor_answers import readable

    assert readable(settings.data_dir, registry.base) is None
    registry.close()
    reopen_and_compare(settings)


class Stop(Exception):
    pass


HAS_INPUT, INPUT = NamedNode(MP + "hasValuationInput"), NamedNode(MP + "ValuationInput")


def test_an_interrupted_valuation_keeps_whole_batches_and_exact_aggregates(settings, registry):
    """``valuate`` loads its batches on a thread of its own and adds their records to the aggregates on
    another: a run that stops after handing over its second batch leaves whole batches (every record
    with all its inputs), no journal, and clean aggregates equal to the saved queries; a re-run values
    the rest."""
    write_fixed(registry)
    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) == 2:  # the first batch (one record) and the second (two) handed over
            raise Stop

    with pytest.raises(Stop):
        valuate(registry, date(2026, 12, 31), price_list=INDICATIVE, progress=progress, batch=1)
    stored = {r["record"] for r in named_queries.select_plain(registry.store, "valuation-records")
              if r["graph"].startswith(BASE + "graph/valuation/")}
    assert len(stored) in (1, 3)  # whole batches: the first, or both
    for record in stored:
        linked = {q.object for q in registry.store.quads_for_pattern(NamedNode(record), HAS_INPUT, None, None)}
        typed = {q.subject for q in registry.store.quads_for_pattern(None, RDF_TYPE, INPUT, None)
                 if q.subject.value.startswith(record + "#")}
        assert linked and linked == typed
    assert not (settings.data_dir / "valuation-journal").exists()
    assert registry.monitor_index.is_fresh()
    assert_consistent(registry)
    again = valuate(registry, date(2026, 12, 31), price_list=INDICATIVE)
    assert (len(again.created), again.unchanged) == (3 - len(stored), len(stored))
    assert_consistent(registry)

