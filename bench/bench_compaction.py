"""Benchmark: reading passports from a store left by a large import, before and after compaction.

    python3 bench/bench_compaction.py --size 20000      # results in bench/results/compaction.json

Loads ``--size`` demo passports with ``Registry.add`` (batches of 1,000, each a bulk load), closes
the registry *without* compacting, then reads the graphs of ``--reads`` passports (the same
CONSTRUCT the pages and the site build use) from a read-only handle; compacts
(``Registry.compact``, what closing the registry does after such an import) and reads the same
graphs again. Reports ms per graph before and after, the ratio, and the compaction's time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BASE = "http://localhost:8000/"


def read_graphs(settings, iris: list[str]) -> float:
    """ms per graph, best of three passes over ``iris`` from a fresh read-only handle."""
    import pyoxigraph as ox

    from registry.store.registry import Registry
    from registry.views.linked_data import graph_triples

    registry = Registry.open(settings, read_only=True)
    nodes = [ox.NamedNode(iri) for iri in iris]
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for node in nodes:
            graph_triples(registry.store, node)
        best = min(best, time.process_time() - started)
    registry.close()
    return best * 1000 / len(nodes)


def main(argv: list[str] | None = None) -> int:
    from bench_pages import make_registry, write_result

    from registry.core.settings import Settings
    from registry.store.compaction import folder_bytes
    from registry.store.registry import Registry
    from registry.store.versions import iter_passport_iris

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--reads", type=int, default=2_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "compaction.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-compaction-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", base_iri=BASE)
        load_seconds = make_registry(settings.data_dir, args.size, 42, compact=False)
        registry = Registry.open(settings, read_only=True)
        step = max(1, args.size // args.reads)
        iris = [iri for i, iri in enumerate(iter_passport_iris(registry)) if i % step == 0][:args.reads]
        registry.close()
        files_before = sum(1 for p in settings.main_store_path.iterdir() if p.suffix == ".sst")
        bytes_before = folder_bytes(settings.main_store_path)
        before = read_graphs(settings, iris)
        registry = Registry.open(settings)
        started = time.perf_counter()
        registry.compact()
        compact_seconds = time.perf_counter() - started
        registry.close()
        after = read_graphs(settings, iris)
        result = {
            "passports": args.size, "graphs_read": len(iris), "load_seconds": round(load_seconds, 1),
            "store_files_before": files_before,
            "store_files_after": sum(1 for p in settings.main_store_path.iterdir() if p.suffix == ".sst"),
            "store_mb_before": round(bytes_before / 2**20, 1),
            "store_mb_after": round(folder_bytes(settings.main_store_path) / 2**20, 1),
            "ms_per_graph_before": round(before, 3), "ms_per_graph_after": round(after, 3),
            "read_speedup": round(before / after, 2), "compact_seconds": round(compact_seconds, 1),
        }
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
