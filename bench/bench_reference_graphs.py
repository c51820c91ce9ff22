"""Benchmark: the whole-store counts of the pages with and without the reference graphs.

    python3 bench/bench_reference_graphs.py --size 20000   # results in bench/results/reference_graphs.json

Stores ``--size`` demo passports (``Registry.add``; opening the registry loads the reference graphs
of ``ontology/``), copies the store and removes the reference graphs from the copy, compacts both,
then times on read-only handles (best and median of several runs): ``count-passports``, the page
aggregates (``compute_stats``) and ``page-counts-by-value`` (two
predicates). Also times the check ``Registry.open`` makes (the files' hash against the manifest)
and a full reload of the reference graphs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "http://localhost:8000/"
MP = "https://w3id.org/materiaalpaspoort/def#"


def timed(fn, runs: int) -> dict[str, float]:
    xs = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - started) * 1000)
    return {"best_ms": round(min(xs), 2), "median_ms": round(statistics.median(xs), 2)}


def figures(path: Path, runs: int) -> dict[str, dict[str, float]]:
    import pyoxigraph as ox

    from registry.store import named_queries
    from registry.views.pages.stats import compute_stats

    store = ox.Store.read_only(str(path))
    out = {"count-passports": timed(lambda: named_queries.select(store, "count-passports"), runs * 3),
           "compute_stats": timed(lambda: compute_stats(store), runs)}
    for predicate in ("plannedRStrategy", "material"):
        out[f"page-counts-by-value {predicate}"] = timed(
            lambda p=predicate: named_queries.select(store, "page-counts-by-value", {"predicate": ox.NamedNode(MP + p)}),
            runs * 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "reference_graphs.json")
    args = parser.parse_args()

    import pyoxigraph as ox

    from registry.core.settings import Settings
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.reference import is_reference_graph
    from registry.model.uris import owning_passport
    from registry.store import reference_graphs
    from registry.store.registry import Registry

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "with", base_iri=BASE)
        with Registry.open(settings) as registry:
            registry.add(PassportDoc(owning_passport(BASE, iri), triples)
                         for iri, triples in generate(args.size, seed=42, base=BASE))
            registry.compact()
            quads_with = len(registry.store)
            check = timed(lambda: reference_graphs.sync(registry.store), args.runs * 3)
        bare = Path(tmp) / "bare"
        shutil.copytree(settings.data_dir, bare)
        store = ox.Store(str(bare / "main"))
        for graph in [g for g in store.named_graphs() if is_reference_graph(g.value)]:
            store.remove_graph(graph)
        store.optimize()
        quads_bare = len(store)
        started = time.perf_counter()
        reference_graphs.sync(store)  # a full load into a store of --size passports
        reload_ms = round((time.perf_counter() - started) * 1000, 1)
        for graph in [g for g in store.named_graphs() if is_reference_graph(g.value)]:
            store.remove_graph(graph)
        store.optimize()
        del store
        result = {"size": args.size, "quads_with_reference": quads_with, "quads_without": quads_bare,
                  "open_check": check, "full_load_ms": reload_ms,
                  "without_reference_graphs": figures(bare / "main", args.runs),
                  "with_reference_graphs": figures(settings.main_store_path, args.runs)}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
