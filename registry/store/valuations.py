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
import hashlib
import os
import queue
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import product

import pyoxigraph as ox

from registry.model.reference import load_municipalities
from registry.model.valuation import QuantityValue, value_quantity
from registry.model.vocab import DCTERMS, MP, MPV, PROV, RDF, RDF_TYPE, RDFS, XSD
from registry.store.background import Worker
from registry.store.price_lists import choose_price_list, load_factors, load_price_list
from registry.store.provenance import now
from registry.store.valuation_inputs import iter_inputs, iter_kept, passport_graphs

BATCH = 1000
# The loads grow from BATCH records to GROWTH * BATCH (about 100 MB of N-Quads) and shrink again
# towards the end of a run, which ends when its last load does. At 100,000 passports the 6 M triples
# of the records took 41 s as one load into the full store and 46 s as 15 loads: the number of loads
# costs little; the size bounds the memory (one batch loading, one waiting, one being made).
GROWTH = 8
MARKET = f"<{MPV}valuationmethod/market>"
JOURNAL = "valuation-journal"
VALUATION = ox.NamedNode(MP + "Valuation")
P = {name: f"<{MP}{name}>" for name in (
    "Valuation", "valuationOf", "valuedVersion", "amount", "currency", "valuationMethod", "priceList",
    "valuationModel", "hasValuationInput", "ValuationInput", "valuedQuantity", "costs", "netValue", "inputMassKg",
    "conditionFactor", "detachabilityFactor", "releaseQualityFactor", "rStrategyFactor", "priceEntry", "unitPrice",
    "priceUnit", "pricedAmount", "grossValue")}
ENTITY, DERIVED_FROM, GENERATED_BY = (f"<{PROV}{n}>" for n in ("Entity", "wasDerivedFrom", "wasGeneratedBy"))
TYPE, DATE, COMMENT = f"<{RDF}type>", f"<{DCTERMS}date>", f"<{RDFS}comment>"


def valuation_prefix(base: str) -> str:
    return f"{base}graph/valuation/"


def valuation_graph(base: str, municipality_code: str) -> ox.NamedNode:
    return ox.NamedNode(f"{valuation_prefix(base)}{municipality_code}")


def record_iri(passport: str, version: str, price_list: str, on: date) -> str:
    """``{base}id/valuationrecord/GM0153/brug-0042/2026-12-31/{digest}`` for a passport IRI
    ``{base}id/passport/GM0153/brug-0042``."""
    base, _, rest = passport.partition("id/passport/")
    digest = hashlib.sha256(f"{version}\0{price_list}".encode()).hexdigest()[:12]
    return f"{base}id/valuationrecord/{rest}/{on.isoformat()}/{digest}"


def _dec(x: Decimal) -> str:
    """An xsd:decimal literal in N-Triples syntax."""
    text = format(x, "f")
    return f'"{text if "." in text else text + ".0"}"^^<{XSD}decimal>'


@dataclass
class RecordSummary:
    iri: str
    passport: str
    version: str
    amount: Decimal
    inputs: list[QuantityValue]


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


def _record_lines(iri: str, passport: str, version: str, graph: str, on: date, price_list: str,
                  model: str, currency: str, activity: str, values: list[QuantityValue]) -> list[str]:
    """The record as N-Quads lines (made here rather than as pyoxigraph terms: a third of the time of a
    run). Every IRI comes from the store or from this module, every literal is a number or is written
    by pyoxigraph (``str(ox.Literal)``), so the lines are always valid N-Quads."""
    amount = sum((v.net for v in values), Decimal("0.00"))
    g = f"<{graph}> .\n"
    s = f"<{iri}> "
    out = [f"{s}{TYPE} {P['Valuation']} {g}", f"{s}{TYPE} {ENTITY} {g}",
           f"{s}{P['valuationOf']} <{passport}> {g}", f"{s}{P['valuedVersion']} <{version}> {g}",
           f"{s}{DERIVED_FROM} <{version}> {g}", f'{s}{DATE} "{on.isoformat()}"^^<{XSD}date> {g}',
           f"{s}{P['amount']} {_dec(amount)} {g}", f"{s}{P['currency']} {ox.Literal(currency)} {g}",
           f"{s}{P['valuationMethod']} {MARKET} {g}", f"{s}{P['priceList']} <{price_list}> {g}",
           f"{s}{P['valuationModel']} <{model}> {g}", f"{s}{GENERATED_BY} <{activity}> {g}"]
    for i, v in enumerate(values, 1):
        inp = f"<{iri}#q{i}> "
        out += [f"{s}{P['hasValuationInput']} {inp}{g}", f"{inp}{TYPE} {P['ValuationInput']} {g}",
                f"{inp}{P['costs']} {_dec(v.costs)} {g}", f"{inp}{P['netValue']} {_dec(v.net)} {g}"]
        if not v.quantity.iri.startswith("_:"):  # a blank node of the passport cannot be named from the record
            out.append(f"{inp}{P['valuedQuantity']} <{v.quantity.iri}> {g}")
        if v.quantity.mass_kg is not None:
            out.append(f"{inp}{P['inputMassKg']} {_dec(v.quantity.mass_kg)} {g}")
        out += [f"{inp}{P[name + 'Factor']} {_dec(factor)} {g}" for name, factor in v.factors.items()]
        if v.entry is not None:
            out += [f"{inp}{P['priceEntry']} <{v.entry.iri}> {g}", f"{inp}{P['unitPrice']} {_dec(v.entry.price)} {g}",
                    f"{inp}{P['priceUnit']} <{v.entry.unit}> {g}",
                    f"{inp}{P['pricedAmount']} {_dec(v.priced_amount)} {g}",
                    f"{inp}{P['grossValue']} {_dec(v.gross)} {g}"]
        out += [f"{inp}{COMMENT} {_note(en, 'en')} {g}{inp}{COMMENT} {_note(nl, 'nl')} {g}" for en, nl in v.notes]
    return out


@lru_cache(maxsize=4096)
def _note(text: str, lang: str) -> str:
    return str(ox.Literal(text, language=lang))


def valuate(registry, on: date, *, municipality: str | None = None, price_list: str | None = None,
            dry_run: bool = False, agent: str | None = None, passports: Iterable[str] | None = None,
            progress: Callable[[int, int], None] | None = None, batch: int = BATCH) -> ValuationReport:
    """Value every current passport (of ``municipality``; only ``passports`` when given) on ``on``.

    Each passport's inputs come from the monitor aggregates' rows (``iter_kept``) while those are up to
    date, else from the passport graphs (``iter_inputs``); the records are handed in batches to a
    thread that bulk-loads each batch behind the journal (``_Writer``) while this thread values the
    next passports."""
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
    seen = 0
    snapshot = _Snapshot(registry, take=not dry_run)

    def counted() -> Iterator[ox.NamedNode]:
        nonlocal seen
        for graph in graphs:
            seen += 1
            yield graph

    def valued(passport: str, version: str, municipality_iri: str) -> bool:
        """Valued on this date with this price list already (its quantities are then not read)."""
        graph = valuation_graph(base, municipality_iri.rsplit("/", 1)[-1])
        if ox.Quad(ox.NamedNode(record_iri(passport, version, info.iri, on)), RDF_TYPE, VALUATION, graph) in store:
            report.unchanged += 1
            return True
        return False

    regions = {m.iri: frozenset({m.iri, f"{MPV}region/{m.region}"}) for m in load_municipalities().values()}
    activity = ox.NamedNode(f"{base}id/activity/{uuid.uuid4()}")
    prov = registry.provenance_graph
    pending: list[str] = []  # N-Quads lines
    records: list[tuple[str, str, int]] = []  # (graph, record, inputs) of the batch, for the journal
    rows: list[tuple[str, str, str, str]] = []  # (record, passport, date, amount) for the aggregates
    started = now()
    size = batch  # records per bulk load: batch, then twice as many, ... up to GROWTH * batch (``_Writer``)
    kept = getattr(registry, "monitor_index", None)
    if kept is not None and kept.fresh():  # each passport's inputs as its last write left them: no store reads
        inputs = iter_kept(kept, store, counted(), skip=valued)
    else:
        inputs = iter_inputs(store, counted(), skip=valued, quantities_from=snapshot.store)
    index = None if dry_run else kept
    if index is not None:  # until the last batch's records are added (``_Writer``)
        registry._sidecar_call(index, "mark_dirty")
    writer = None if dry_run else _Writer(registry, index)
    try:
        for done, (passport, version, municipality_iri, quantities) in enumerate(inputs, 1):
            handed = False
            iri = record_iri(passport, version, info.iri, on)
            graph = valuation_graph(base, municipality_iri.rsplit("/", 1)[-1]).value
            places = regions.get(municipality_iri, frozenset({municipality_iri}))
            values = [value_quantity(quantities[k], prices, factors, on, places) for k in sorted(quantities)]
            summary = RecordSummary(iri, passport, version, sum((v.net for v in values), Decimal("0.00")), values)
            report.created.append(summary)
            if writer is not None:
                records.append((graph, iri, len(values)))
                rows.append((iri, passport, on.isoformat(), str(summary.amount)))
                pending += _record_lines(iri, passport, version, graph, on, info.iri, factors.model,
                                         prices.currency, activity.value, values)
                if len(pending) >= size * 60 or len(records) >= size:
                    writer.put((pending, records, rows))
                    pending, records, rows = [], [], []
                    # and smaller again towards the end: the run ends when the last load does
                    size = min(2 * size, GROWTH * batch, max(batch, (len(graphs) - seen) // 4))
                    handed = True
            if progress and (handed or done % 200 == 0):  # after each batch, and every 200 passports
                progress(seen, len(graphs))
        if report.created and writer is not None:
            agent_node = ox.NamedNode(agent or cli_agent(base))
            pending.append(ox.serialize([
                ox.Quad(activity, RDF_TYPE, ox.NamedNode(PROV + "Activity"), prov),
                ox.Quad(activity, ox.NamedNode(PROV + "startedAtTime"), started, prov),
                ox.Quad(activity, ox.NamedNode(PROV + "endedAtTime"), now(), prov),
                ox.Quad(activity, ox.NamedNode(PROV + "wasAssociatedWith"), agent_node, prov),
                ox.Quad(activity, ox.NamedNode(PROV + "used"), ox.NamedNode(info.iri), prov),
                ox.Quad(activity, ox.NamedNode(RDFS + "comment"),
                        ox.Literal(f"passports valuate --date {on.isoformat()}"), prov)],
                format=ox.RdfFormat.N_QUADS).decode())
            report.activity = activity.value
        if pending and writer is not None:
            writer.put((pending, records, rows))
        if writer is not None:
            writer.close()  # waits for the loads handed over; raises the failure of one
    except BaseException:
        if writer is not None:
            writer.close(abandon=True)  # the batch waiting is not loaded
        raise
    finally:
        snapshot.close()
    if progress:
        progress(len(graphs), len(graphs))
    return report


class _Snapshot:
    """The store the quantities are read from: a snapshot of the store as the run found it
    (``snapshots.open_read_only``: hard links, no copy), opened when the first passport's quantities
    are read, so before the first load. Read from the store itself, each range of a passport graph
    costs more with every batch loaded (each bulk load adds table files, merged in the background, that
    every range read then looks into); from the snapshot it costs what it did at the start: at 100,000
    passports the run took 13 % less CPU (docs/benchmarks.md, "Valuation"). A run that reads no
    quantity (every passport valued already) opens none; a dry run (``take`` False, it writes nothing)
    and a store that is not an embedded pyoxigraph store read the store itself."""

    def __init__(self, registry, take: bool) -> None:
        self.registry, self.take = registry, take
        self.handle: ox.Store | None = None

    def store(self) -> ox.Store:
        if self.handle is None:
            store = self.registry.store
            if self.take and isinstance(store, ox.Store) and not self.registry.read_only:
                from registry.store.snapshots import open_read_only
                self.handle = open_read_only(self.registry.settings.main_store_path)
            else:
                self.handle = store
        return self.handle

    def close(self) -> None:
        """Let the handle go and remove its snapshot (kept if something still holds the handle: then
        at the next opening of one, or at exit)."""
        from registry.store import snapshots

        handle, self.handle = self.handle, None
        if handle is not None and handle is not self.registry.store:
            snapshots.let_go(handle)
            del handle
            snapshots.sweep()


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
                self.registry._bump_generation()  # the aggregates have the records now


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
    price list, the version valued and its number, the record's IRI. The rows of the saved query
    ``valuation-records`` for this passport, read by index lookups: the records that name the
    passport, then each record's statements in its graph (the query, run with the passport
    substituted, took 70-110 ms at 10,000 passports however few records there were)."""
    prefix = valuation_prefix(base)
    out = []
    for link in store.quads_for_pattern(None, _VALUATION_OF, ox.NamedNode(passport), None):
        graph = link.graph_name
        if not isinstance(graph, ox.NamedNode) or not graph.value.startswith(prefix):
            continue
        found: dict = {}
        for quad in store.quads_for_pattern(link.subject, None, None, graph):
            found.setdefault(quad.predicate, set()).add(quad.object)
        if _VALUATION not in found.get(RDF_TYPE, ()) or not all(found.get(p) for p in _RECORD_FIELDS):
            continue
        for date_, amount, currency, price_list, version, _activity in product(
                *(sorted(found[p], key=str) for p in _RECORD_FIELDS)):
            out.append({"iri": link.subject.value, "date": date_.value, "amount": float(amount.value),
                        "currency": currency.value, "price_list": price_list.value, "version": version.value,
                        "version_number": version.value.rsplit("/", 1)[-1]})
    out.sort(key=lambda r: r["iri"])
    out.sort(key=lambda r: r["date"], reverse=True)
    return out


_VALUATION, _VALUATION_OF = ox.NamedNode(MP + "Valuation"), ox.NamedNode(MP + "valuationOf")
_RECORD_FIELDS = tuple(ox.NamedNode(iri) for iri in (
    DCTERMS + "date", MP + "amount", MP + "currency", MP + "priceList", MP + "valuedVersion",
    PROV + "wasGeneratedBy"))
