"""What ``valuate`` makes of the passports, in batches: read (``valuation_inputs``), valued
(``registry.model.valuation``) and written as N-Quads lines (:func:`batches`), in ``valuate``'s own
thread or in a second process (:func:`batches_from_process`).

The second process (``python -m registry.store.valuation_reader``, a plain subprocess like the
query workers) opens the store on a snapshot (``registry.store.snapshots``: the writer's
compactions during the run's bulk loads cannot pull a table file from under it), taken before the
run's first load, so it sees exactly the store the run started from. It gets its :class:`Job` on
standard input and writes each :class:`Batch` to standard output (pickled); ``valuate`` hands the
batches to its writer thread as they come. The Python work of a run (decoding the statements,
valuing, writing the lines) is then on a core of its own while the bulk loads run in this process.
The records' summaries it sends back have no ``inputs`` (the records in the store hold them).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.model.valuation import QuantityValue, value_quantity
from registry.model.vocab import MP, RDF_TYPE
from registry.store.valuation_inputs import iter_inputs
from registry.store.valuation_records import RecordSummary, record_iri, record_lines, valuation_graph

VALUATION_TYPE = ox.NamedNode(MP + "Valuation")
PROGRESS_EVERY = 200  # passports between two progress reports


@dataclass
class Job:
    """What a run values with: the date, price list and factors, the run's activity, the regions of
    each municipality, the batch sizes (``batch`` records, growing to ``growth`` times that)."""

    base: str
    on: date
    price_list: str
    prices: object
    factors: object
    activity: str
    regions: dict[str, frozenset]
    batch: int
    growth: int
    write: bool = True  # False (a dry run): no lines
    keep_inputs: bool = True


@dataclass
class Batch:
    """The records made since the batch before: their N-Quads text, (graph, record, inputs) for the
    journal, (record, passport, date, amount) for the aggregates, the summaries; ``seen`` passports
    of the run so far, ``unchanged`` of them valued already."""

    text: str = ""
    records: list[tuple[str, str, int]] = field(default_factory=list)
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    summaries: list[RecordSummary] = field(default_factory=list)
    seen: int = 0
    unchanged: int = 0


def batches(store: ox.Store, graphs: list[ox.NamedNode], job: Job) -> Iterator[Batch]:
    """The batches of a run over ``graphs``: one each time ``size`` records are made (``size``
    doubles up to ``growth × batch`` and shrinks again towards the end, so the run ends when its
    last load does), and an empty one every :data:`PROGRESS_EVERY` passports in between."""
    counts = {"seen": 0, "unchanged": 0}

    def counted() -> Iterator[ox.NamedNode]:
        for graph in graphs:
            counts["seen"] += 1
            yield graph

    def valued(passport: str, version: str, municipality_iri: str) -> bool:
        """Valued on this date with this price list already (its quantities are then not read)."""
        graph = valuation_graph(job.base, municipality_iri.rsplit("/", 1)[-1])
        if ox.Quad(ox.NamedNode(record_iri(passport, version, job.price_list, job.on)), RDF_TYPE, VALUATION_TYPE,
                   graph) in store:
            counts["unchanged"] += 1
            return True
        return False

    lines: list[str] = []
    records: list[tuple[str, str, int]] = []
    rows: list[tuple[str, str, str, str]] = []
    summaries: list[RecordSummary] = []
    size = job.batch

    def batch(full: bool) -> Batch:
        nonlocal lines, records, rows, summaries
        out = Batch("".join(lines), records, rows, summaries, counts["seen"], counts["unchanged"]) if full else \
            Batch(summaries=summaries, seen=counts["seen"], unchanged=counts["unchanged"])
        if full:
            lines, records, rows = [], [], []
        summaries = []
        return out

    for done, (passport, version, municipality_iri, quantities) in enumerate(
            iter_inputs(store, counted(), skip=valued), 1):
        iri = record_iri(passport, version, job.price_list, job.on)
        graph = valuation_graph(job.base, municipality_iri.rsplit("/", 1)[-1]).value
        places = job.regions.get(municipality_iri, frozenset({municipality_iri}))
        values: list[QuantityValue] = [value_quantity(quantities[k], job.prices, job.factors, job.on, places)
                                       for k in sorted(quantities)]
        amount = sum((v.net for v in values), Decimal("0.00"))
        summaries.append(RecordSummary(iri, passport, version, amount, values if job.keep_inputs else []))
        if job.write:
            records.append((graph, iri, len(values)))
            rows.append((iri, passport, job.on.isoformat(), str(amount)))
            lines += record_lines(iri, passport, version, graph, job.on, job.price_list, job.factors.model,
                                  job.prices.currency, job.activity, values)
            if len(lines) >= size * 60 or len(records) >= size:
                yield batch(True)
                size = min(2 * size, job.growth * job.batch, max(job.batch, (len(graphs) - counts["seen"]) // 4))
                continue
        if done % PROGRESS_EVERY == 0:
            yield batch(False)
    yield batch(True)


class ReaderFailed(RegistryError):
    """The reading process of a run failed or ended early (the records loaded so far stay, whole)."""

    status = 500


def batches_from_process(store_path: Path, graphs: list[str], job: Job) -> Iterator[Batch]:
    """:func:`batches` made by a second process on a snapshot of the store at ``store_path``; closing
    the iterator early ends the process."""
    process = subprocess.Popen([sys.executable, "-m", "registry.store.valuation_reader"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
    finished = False
    try:
        with process.stdin:
            pickle.dump((str(store_path), graphs, job), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        while True:
            try:
                item = pickle.load(process.stdout)
            except EOFError:
                raise ReaderFailed(f"the reading process of valuate ended early (exit code {process.wait()})",
                                   message_nl="het leesproces van valuate stopte te vroeg (afsluitcode "
                                              f"{process.wait()})") from None
            if item is None:
                finished = True
                break
            if isinstance(item, str):
                raise ReaderFailed(f"the reading process of valuate failed: {item}",
                                   message_nl=f"het leesproces van valuate faalde: {item}")
            yield item
    finally:
        if not finished and process.poll() is None:
            process.kill()  # ended early: the caller failed or stopped reading
        process.stdout.close()
        process.wait()  # a finished reader removes its snapshot first


def _serve() -> None:
    """The reading process: the job from standard input, the batches to standard output."""
    from registry.store.snapshots import open_read_only

    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed goes to the log, never into the batches
    try:
        store_path, graphs, job = pickle.load(sys.stdin.buffer)
        store = open_read_only(store_path)
        for made in batches(store, [ox.NamedNode(g) for g in graphs], job):
            pickle.dump(made, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        pickle.dump(None, out)
    except Exception:  # noqa: BLE001 - reported to valuate, which raises it
        pickle.dump(traceback.format_exc(limit=5), out)
    out.flush()


if __name__ == "__main__":  # pickled classes must be this module's, not __main__'s
    from registry.store.valuation_reader import _serve as serve

    serve()
