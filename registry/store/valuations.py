"""``valuate``: one dated valuation record per current passport (docs/valuation.md).

A record lives in the municipality's valuation graph ``{base}graph/valuation/{GMxxxx}`` (never a
passport: it has no ``mp:Passport``), under a deterministic IRI made of the passport, the date and a
digest of the version valued and the price-list version, so a second run for the same date and
price list finds every record there and writes nothing ("unchanged"). Earlier records are never
touched: a new date, a new price list or a new passport version adds a record beside them.

Each record says what it valued (``mp:valuationOf``, ``mp:valuedVersion``, ``prov:wasDerivedFrom``
the version), with which price list and model, and holds one ``mp:ValuationInput`` per material
quantity (mass, price, each factor, costs, notes). The run is a ``prov:Activity`` in the
provenance graph (agent, start, end, ``prov:used`` the price list).
"""

from __future__ import annotations

import contextlib
import os
import queue
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pyoxigraph as ox

from registry.model.reference import load_municipalities
from registry.model.vocab import MP, MPV, PROV, RDF_TYPE, RDFS
from registry.store import named_queries
from registry.store.background import Worker
from registry.store.price_lists import choose_price_list, load_factors, load_price_list
from registry.store.provenance import now
from registry.store.valuation_inputs import passport_graphs
from registry.store.valuation_reader import Job, batches, batches_from_process
from registry.store.valuation_records import RecordSummary, record_iri, valuation_graph, valuation_prefix

BATCH = 1000
# The loads grow from BATCH records to GROWTH * BATCH (about 100 MB of N-Quads) and shrink again
# towards the end of a run, which ends when its last load does. At 100,000 passports the 6 M triples
# of the records took 41 s as one load into the full store and 46 s as 15 loads: the number of loads
# costs little; the size bounds the memory (one batch loading, one waiting, one being made).
GROWTH = 8
READER_MIN = 5000  # passports from which a run reads them in a second process (``valuation_reader``)
JOURNAL = "valuation-journal"
VALUATION = ox.NamedNode(MP + "Valuation")


@dataclass
class ValuationReport:
    """What a run did; ``dry_run``: what it would do."""

    date: date
    price_list: str
    created: list[RecordSummary] = field(default_factory=list)
    unchanged: int = 0
    activity: str | None = None
    dry_run: bool = False

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.created), Decimal(0))

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "price_list": self.price_list, "dry_run": self.dry_run,
                "created": len(self.created), "unchanged": self.unchanged, "activity": self.activity,
                "total_amount": str(self.total),
                "records": [{"record": r.iri, "passport": r.passport, "version": r.version,
                             "amount": str(r.amount)} for r in self.created]}


def valuate(registry, on: date, *, municipality: str | None = None, price_list: str | None = None,
            dry_run: bool = False, agent: str | None = None, passports: Iterable[str] | None = None,
            progress: Callable[[int, int], None] | None = None, batch: int = BATCH,
            reader_process: bool | None = None) -> ValuationReport:
    """Value every current passport (of ``municipality``; only ``passports`` when given) on ``on``.

    The passports are read graph by graph (``iter_inputs``), valued and written as N-Quads in
    batches (``valuation_reader.batches``), which a thread bulk-loads behind the journal
    (``_Writer``) while the next passports are read. ``reader_process``: read them in a second
    process (on a snapshot of the store) rather than in this thread; None: when a run of at least
    :data:`READER_MIN` passports writes to a local store. Its records' summaries have no ``inputs``."""
    from registry.store.provenance import cli_agent

    store = registry.store
    base = registry.base
    recover(registry)
    info = choose_price_list(store, base, on, price_list)
    prices = load_price_list(store, info)
    factors = load_factors(store)
    report = ValuationReport(on, info.iri, dry_run=dry_run)
    graphs = passport_graphs(store, municipality)
    if passports is not None:
        wanted = set(passports)
        graphs = [g for g in graphs if g.value in wanted]
    regions = {m.iri: frozenset({m.iri, f"{MPV}region/{m.region}"}) for m in load_municipalities().values()}
    activity = ox.NamedNode(f"{base}id/activity/{uuid.uuid4()}")
    prov = registry.provenance_graph
    started = now()
    main_path = registry.settings.main_store_path
    if reader_process is None:
        reader_process = len(graphs) >= READER_MIN
    reader_process = reader_process and not dry_run and isinstance(store, ox.Store) and main_path.exists()
    job = Job(base, on, info.iri, prices, factors, activity.value, regions, batch, GROWTH, write=not dry_run,
              keep_inputs=not reader_process)
    index = None if dry_run else getattr(registry, "monitor_index", None)
    if index is not None:  # until the last batch's records are added (``_Writer``)
        registry._sidecar_call(index, "mark_dirty")
    writer = None if dry_run else _Writer(registry, index)
    if reader_process:
        store.flush()  # the reader's snapshot is of the files
        source = batches_from_process(main_path, [g.value for g in graphs], job)
    else:
        source = batches(store, graphs, job)
    held = None  # the last batch of records waits for the run's activity
    try:
        for made in source:
            report.created += made.summaries
            report.unchanged = made.unchanged
            if made.records and writer is not None:
                if held is not None:
                    writer.put(held)
                held = ([made.text], made.records, made.rows)
            if progress:
                progress(made.seen, len(graphs))
        if report.created and writer is not None:
            agent_node = ox.NamedNode(agent or cli_agent(base))
            held = held or ([], [], [])
            held[0].append(ox.serialize([
                ox.Quad(activity, RDF_TYPE, ox.NamedNode(PROV + "Activity"), prov),
                ox.Quad(activity, ox.NamedNode(PROV + "startedAtTime"), started, prov),
                ox.Quad(activity, ox.NamedNode(PROV + "endedAtTime"), now(), prov),
                ox.Quad(activity, ox.NamedNode(PROV + "wasAssociatedWith"), agent_node, prov),
                ox.Quad(activity, ox.NamedNode(PROV + "used"), ox.NamedNode(info.iri), prov),
                ox.Quad(activity, ox.NamedNode(RDFS + "comment"),
                        ox.Literal(f"passports valuate --date {on.isoformat()}"), prov)],
                format=ox.RdfFormat.N_QUADS).decode())
            report.activity = activity.value
        if held is not None and writer is not None:
            writer.put(held)
        if writer is not None:
            writer.close()  # waits for the loads handed over; raises the failure of one
    except BaseException:
        if writer is not None:
            writer.close(abandon=True)  # the batch waiting is not loaded
        raise
    finally:
        if reader_process:
            source.close()  # ends the reading process
    if progress:
        progress(len(graphs), len(graphs))
    return report


def _journal(registry):
    return registry.settings.data_dir / JOURNAL


class _Writer:
    """The bulk loads of a run on a thread of their own (``background.Worker``): one batch loads
    (``_write``, without the GIL) while ``valuate`` reads and values the next passports, with at most
    one more batch waiting (bounded memory). The records of each loaded batch are added to the monitor
    aggregates (``monitor_index``) by ``valuate``'s own thread (``take``): on a thread of their own,
    their many short SQLite calls would each wait for the GIL of the busy reading thread. The
    aggregates stay marked dirty from before the first load until the last records are added, so a
    process that dies in between leaves them to be rebuilt at the next opening."""

    def __init__(self, registry, index) -> None:
        self.registry, self.index = registry, index
        self.loaded: queue.SimpleQueue = queue.SimpleQueue()  # the rows of each batch loaded
        self.worker = Worker(self._load, "valuate-writer")

    def _load(self, batch: tuple[list[str], list[tuple[str, str, int]], list]) -> None:
        lines, records, rows = batch
        _write(self.registry, lines, records)
        self.loaded.put(rows)

    def put(self, batch: tuple) -> None:
        self.worker.put(batch)
        self.take()

    def take(self) -> None:
        """Add the records of the batches loaded so far to the aggregates (kept dirty)."""
        rows = []
        with contextlib.suppress(queue.Empty):
            while True:
                rows += self.loaded.get_nowait()
        if rows and self.index is not None:
            self.registry._sidecar_call(self.index, "add_records", rows, False)

    def close(self, abandon: bool = False) -> None:
        """Wait for the loads (``abandon``: only the one running), add their records, and mark the
        aggregates clean (unless an update of them failed); raises a failure of a load."""
        try:
            self.worker.close(abandon)
        finally:
            self.take()
            if self.index is not None:
                self.registry._sidecar_call(self.index, "add_records", [], True)


def _write(registry, lines: list[str], records: list[tuple[str, str, int]]) -> None:
    """Bulk-load a batch behind a journal (as ``store.writer`` does for new passports): the records of
    the batch are listed and synced first, the list is removed after the load; ``recover`` removes the
    records of a batch whose load was interrupted, so every record is stored whole or not at all."""
    registry._writable()
    journal = _journal(registry)
    with registry._storage("valuate"):
        with open(journal, "w", encoding="utf-8") as out:
            out.write("\n".join(f"{g}\t{r}\t{n}" for g, r, n in records))
            out.flush()
            os.fsync(out.fileno())
        try:
            payload = "".join(lines).encode()
            lines.clear()  # one copy of the batch, not two
            registry.store.bulk_load(payload, ox.RdfFormat.N_QUADS)
        except BaseException:
            recover(registry)
            raise
        journal.unlink()
    registry._bump_generation()


def recover(registry) -> None:
    """Remove the records of an interrupted batch (see ``_write``); called before every run and when
    the registry opens for writing."""
    journal = _journal(registry)
    if registry.read_only or not journal.exists():
        return
    for line in journal.read_text(encoding="utf-8").splitlines():
        graph, _, rest = line.partition("\t")
        record, _, inputs = rest.partition("\t")
        if not record or not inputs.isdigit():
            continue
        g = ox.NamedNode(graph)
        for subject in [record] + [f"{record}#q{i}" for i in range(1, int(inputs) + 1)]:
            for quad in list(registry.store.quads_for_pattern(ox.NamedNode(subject), None, None, g)):
                registry.store.remove(quad)
    registry.store.flush()
    journal.unlink()
    registry._bump_generation()


def records_of(store: ox.Store, base: str, passport: str) -> list[dict]:
    """The valuation records of one passport, newest first (for its page): date, amount, currency,
    price list, the version valued and its number, the record's IRI."""
    prefix = valuation_prefix(base)
    out = []
    for row in named_queries.select_plain(store, "valuation-records", {"passport": ox.NamedNode(passport)}):
        if row["graph"].startswith(prefix):
            out.append({"iri": row["record"], "date": row["date"], "amount": float(row["amount"]),
                        "currency": row["currency"], "price_list": row["priceList"], "version": row["version"],
                        "version_number": row["version"].rsplit("/", 1)[-1]})
    return out


__all__ = ["JOURNAL", "RecordSummary", "ValuationReport", "record_iri", "records_of", "recover", "valuate",
           "valuation_graph", "valuation_prefix"]
