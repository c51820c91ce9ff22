"""The dumps of a site build: ``dumps/registry.nq.gz`` (current passports, provenance and the
reference graphs) and
``dumps/history.nq.gz`` (every superseded version), written while the pages are built; then the
per-municipality and reference dumps and ``dumps/manifest.json``
(:mod:`registry.static_site.opendata_dumps`)."""

from __future__ import annotations

import gzip
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from registry.model.reference import is_reference_graph
from registry.static_site.manifest import Manifest
from registry.static_site.opendata_dumps import HISTORY, MAIN, write_open_data_dumps
from registry.static_site.report import BuildReport, TaskResult
from registry.store.registry import Registry
from registry.views.feed import feed_position
from registry.views.opendata.dumpinfo import MANIFEST


class Build(Protocol):
    """What the dumps need of the build they are part of (a ``SiteBuilder``)."""

    registry: Registry
    out: Path
    generation: str
    manifest: Manifest
    report: BuildReport
    seen_files: set[str]


class Dumps:
    """``dumps/registry.nq.gz`` and ``dumps/history.nq.gz``, written while the pages are built,
    when the store moved on since the last dump (or a dump is missing).

    On a first build (every passport is read by the workers anyway) the main store's dump is
    made of what the workers send: each passport task its graphs as one gzip member of N-Quads;
    then the provenance graph and the reference graphs are added. If the workers did not cover the whole store after all,
    and on incremental builds, pyoxigraph dumps the main store. pyoxigraph dumps run in threads
    (they release the GIL), next to the page work.
    """

    MAIN, HISTORY = MAIN, HISTORY

    def __init__(self, builder: Build, first_build: bool):
        self.builder = builder
        self.registry = builder.registry
        self.out = builder.out
        self.generation = builder.generation
        self.stores = {rel: store for rel, store in ((self.MAIN, self.registry.store),
                                                     (self.HISTORY, self.registry.history_store))
                       if store is not None}
        builder.seen_files.update(self.stores)
        self.needed = builder.manifest.meta("generation") != self.generation or not all(
            (self.out / rel).exists() for rel in (*self.stores, MANIFEST))
        self.collecting = self.needed and first_build and self.MAIN in self.stores
        self.graphs: set[str] = set()
        self.quads = 0
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self.feed = feed_position(self.registry) if self.needed else None  # before the dumps start
        if not self.needed:
            return
        (self.out / "dumps").mkdir(parents=True, exist_ok=True)
        if self.collecting:
            self.collected = self.out / (self.MAIN + ".collect")
            self.stream = open(self.collected, "wb")  # noqa: SIM115 (closed in finish or close)
        for rel, store in self.stores.items():
            if not (rel == self.MAIN and self.collecting):
                self._start(store, rel)

    def _start(self, store: ox.Store, rel: str) -> None:
        thread = threading.Thread(target=self._dump_in_thread, name=f"dump {rel}",
                                  args=(store, self.out / rel), daemon=True)
        thread.start()
        self.threads.append(thread)

    def _dump_in_thread(self, store: ox.Store, target: Path) -> None:
        try:
            dump_store(store, target)
        except Exception as exc:  # noqa: BLE001 (re-raised in finish())
            self.errors.append(exc)

    def add(self, result: TaskResult) -> None:
        if self.collecting:
            self.stream.write(result.dump)
            self.quads += result.dump_quads
            self.graphs.update(row[0] for row in result.rows)

    def finish(self) -> None:
        if not self.needed:
            return
        if self.collecting:
            complete = self._complete()
            self.stream.close()
            if complete:
                self.collected.replace(self.out / self.MAIN)
            else:
                self.collected.unlink()
                dump_store(self.registry.store, self.out / self.MAIN)
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        write_open_data_dumps(self.registry, self.out, self.generation, self.feed)
        manifest = self.builder.manifest
        manifest.set_meta("generation", self.generation)
        manifest.set_meta("dumped_at", datetime.now(UTC).isoformat(timespec="seconds"))
        self.builder.report.dumps_written = True

    def close(self) -> None:
        """When the build failed: drop what was collected."""
        if self.collecting and not self.stream.closed:
            self.stream.close()
            self.collected.unlink(missing_ok=True)

    def _complete(self) -> bool:
        """Whether the collected graphs, the registry's own graphs (provenance, valuations, price lists:
        ``{base}graph/...``) and the reference graphs are the whole store; if so those are appended."""
        store = self.registry.store
        own = f"{self.registry.base}graph/"
        others = [g for g in store.named_graphs() if g.value not in self.graphs]
        if any(not g.value.startswith(own) and not is_reference_graph(g.value) for g in others):
            return False
        if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
            return False
        rest = b"".join(  # the registry's own graphs and the reference graphs (ontology, schemes)
            store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).replace(
                b" .\n", f" <{graph.value}> .\n".encode())
            for graph in others)
        if self.quads + rest.count(b"\n") != len(store):
            return False
        self.stream.write(gzip.compress(rest, compresslevel=5, mtime=0))
        return True


def dump_store(store: ox.Store, target: Path) -> None:
    """The whole of ``store`` as gzip N-Quads in ``target`` (written beside it, then moved)."""
    partial = target.with_suffix(".partial")
    with gzip.open(partial, "wb", compresslevel=5) as stream:
        store.dump(stream, ox.RdfFormat.N_QUADS)
    partial.replace(target)
