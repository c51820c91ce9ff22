"""``valuate`` reading its inputs in a second process (``registry.store.valuation_reader``): the
same records as in its own thread, the aggregates consistent, a second run for the same date
changes nothing, a failing reader raises and leaves every stored record whole."""

from __future__ import annotations

from datetime import date

import pyoxigraph as ox
import pytest
from conftest import BASE

from registry.core.settings import Settings
from registry.demo.stream import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.store.monitor_answers import open_figures
from registry.store.registry import Registry
from registry.store.valuation_reader import Job, ReaderFailed, batches_from_process
from registry.store.valuations import valuate, valuation_prefix

DAY = date(2026, 12, 31)


def demo_registry(path) -> Registry:
    registry = Registry.open(Settings(data_dir=path, base_iri=BASE))
    docs = (PassportDoc(owning_passport(BASE, iri), triples, "demo") for iri, triples in generate(150, seed=9, base=BASE))
    assert registry.add(docs).written == 150
    return registry


def records(registry, activity: str) -> set[str]:
    """The valuation graphs as N-Quads lines, the run's activity IRI made the same."""
    prefix = valuation_prefix(BASE)
    graphs = [g for g in registry.store.named_graphs() if g.value.startswith(prefix)]
    text = b"".join(registry.store.dump(format=ox.RdfFormat.N_QUADS, from_graph=g) for g in graphs).decode()
    return set(text.replace(activity, "ACTIVITY").splitlines())


def aggregates(registry) -> tuple:
    conn = open_figures(registry.settings.data_dir)
    try:
        return (conn.execute("SELECT value FROM meta WHERE key = 'state'").fetchone(),
                conn.execute("SELECT passport, date, amount, record FROM valuation ORDER BY passport, date").fetchall(),
                conn.execute("SELECT iri, latest, la_units, la_high, la_low FROM passport ORDER BY iri").fetchall(),
                conn.execute("SELECT * FROM t_valued ORDER BY key").fetchall(),
                conn.execute("SELECT * FROM t_value ORDER BY key").fetchall())
    finally:
        conn.close()


def test_the_reader_process_makes_the_same_records(tmp_path):
    own, other = demo_registry(tmp_path / "own"), demo_registry(tmp_path / "other")
    try:
        seen: list[int] = []
        here = valuate(own, DAY, reader_process=False, batch=20)
        there = valuate(other, DAY, reader_process=True, batch=20, progress=lambda n, total: seen.append(n))
        assert len(there.created) == len(here.created) > 100
        assert [(r.iri, r.amount) for r in there.created] == [(r.iri, r.amount) for r in here.created]
        assert there.total == here.total and seen[-1] == 150
        assert records(other, there.activity) == records(own, here.activity)
        assert len(other.store) == len(own.store)
        assert aggregates(other) == aggregates(own)  # the same valuations and totals, marked clean
        again = valuate(other, DAY, reader_process=True)
        assert not again.created and again.unchanged == len(there.created)
        assert not list(other.settings.data_dir.glob("readers/*"))  # the reader removed its snapshot
    finally:
        own.close()
        other.close()


def test_a_failing_reader_raises(tmp_path):
    job = Job(BASE, DAY, "urn:x", None, None, "urn:a", {}, 10, 2)
    with pytest.raises(ReaderFailed) as caught:
        list(batches_from_process(tmp_path / "nothing-here", ["urn:g"], job))
    assert "failed" in caught.value.message("en") and "faalde" in caught.value.message("nl")
