"""Where the monitor aggregates cannot give the inputs (their file was not updated after a write: they wait
for a rebuild), ``valuate`` reads the quantities from a snapshot of the store as the run found it (its own
bulk loads would make every later read dearer): the records are quad for quad what reading the store itself
gives, and the snapshot exists only while quantities are read. (With the aggregates up to date it takes no
snapshot: tests/valuation/test_kept_inputs.py.)"""

from __future__ import annotations

from datetime import date

import pyoxigraph as ox
from conftest import BASE

from registry.demo import write
from registry.model.documents import read_file
from registry.store.snapshots import READERS
from registry.store.valuations import _record_lines, valuate, valuation_graph, valuation_prefix

DAY = date(2026, 12, 31)


def _demo(registry, tmp_path, size: int = 60) -> None:
    source = tmp_path / "demo.nq"
    write(source, size=size, seed=5, base=BASE, fmt="nq")
    registry.add(read_file(source, BASE), _validated=True)
    registry.monitor_index.missed = True  # as after a failed update of the file: read from the store


def _snapshots(registry) -> list[str]:
    folder = registry.settings.main_store_path.parent / READERS
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_records_read_from_the_snapshot_are_those_of_the_store(registry, tmp_path):
    """A dry run reads the store itself; the real run (a load every 7 records, so most passports are read
    after loads) writes exactly the records of the dry run's values, quad for quad."""
    _demo(registry, tmp_path)
    expected = valuate(registry, DAY, dry_run=True)
    report = valuate(registry, DAY, batch=7)
    assert len(report.created) == len(expected.created) > 50
    assert [(r.iri, r.version, r.amount, r.inputs) for r in report.created] == \
        [(r.iri, r.version, r.amount, r.inputs) for r in expected.created]
    from registry.store.price_lists import choose_price_list, load_factors, load_price_list

    info = choose_price_list(registry.store, BASE, DAY, None)
    prices, factors = load_price_list(registry.store, info), load_factors(registry.store)
    lines = []
    for r in expected.created:
        code = r.passport.split("id/passport/")[1].split("/")[0]
        lines += _record_lines(r.iri, r.passport, r.version, valuation_graph(BASE, code).value, DAY, info.iri,
                               factors.model, prices.currency, report.activity, r.inputs)
    scratch = ox.Store()  # stored as the registry's store stores them (decimals in canonical form)
    scratch.load("".join(lines).encode(), format=ox.RdfFormat.N_QUADS)
    want = set(scratch)
    prefix = valuation_prefix(BASE)
    stored = {q for q in registry.store if isinstance(q.graph_name, ox.NamedNode)
              and q.graph_name.value.startswith(prefix)}
    assert stored == want


def test_the_snapshot_lives_only_while_quantities_are_read(registry, tmp_path):
    _demo(registry, tmp_path, size=30)
    during: list[list[str]] = []
    report = valuate(registry, DAY, batch=5, progress=lambda done, total: during.append(_snapshots(registry)))
    assert report.created and any(during[:-1])  # taken for the run ...
    assert _snapshots(registry) == []  # ... and removed with it
    during.clear()
    again = valuate(registry, DAY, batch=5, progress=lambda done, total: during.append(_snapshots(registry)))
    assert again.unchanged == len(report.created) and not again.created
    assert not any(during)  # nothing to read: no snapshot
    valuate(registry, date(2027, 12, 31), dry_run=True,
            progress=lambda done, total: during.append(_snapshots(registry)))
    assert not any(during)  # a dry run reads the store itself
