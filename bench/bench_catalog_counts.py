"""Benchmark: the catalog's dates and the VoID figures on the first request after a write, from the
monitor aggregates (kept with every write) against the saved queries (the code before: whole-store
scans on the first request of a generation).

    python3 bench/bench_catalog_counts.py --size 2000                 # a demo store made here
    python3 bench/bench_catalog_counts.py --data /tmp/copy-of-100k    # an existing data directory
    # results in bench/results/catalog_counts.json (--out)

``--data`` is opened for writing (``Registry.open`` rebuilds the sidecars of an older schema: give
a copy; the time is recorded). Then ``--writes`` rounds of: a write of one passport, then what
``/catalog`` and ``/.well-known/void`` compute in the new generation (``facts.facts``,
``void.counts``: the first call of a generation, nothing memoised), wall time and CPU time of the
calling thread (the distinct objects are counted by a background thread: not in these figures).
Against it, once (``--sparql-runs``), the saved queries the code before ran on that first request:
``void.compute_counts`` (the four ``void-*`` queries) and ``catalog-temporal-coverage``; and the
background count of the distinct objects (``void-distinct-objects``). Checks that the figures are the
same. The dumps (``LiveDumps``, made again on the first request after a write) are not measured.
The machine's load (``uptime``) is recorded before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_page_stats import demo_data, load


def timed(fn) -> tuple[dict[str, float], object]:
    wall, cpu = time.perf_counter(), time.thread_time()
    value = fn()
    return {"wall_ms": round((time.perf_counter() - wall) * 1000, 2),
            "cpu_ms": round((time.thread_time() - cpu) * 1000, 2)}, value


def summary(xs: list[dict[str, float]]) -> dict[str, float]:
    return {f"{stat}_{key}": round(fn(x[key] for x in xs), 2) for key in ("wall_ms", "cpu_ms")
            for stat, fn in (("best", min), ("median", lambda v: statistics.median(list(v))))} | {"runs": len(xs)}


def measure(data_dir: Path, writes: int, sparql_runs: int) -> dict:
    from registry.core.settings import Settings
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport
    from registry.model.vocab import DCTERMS
    from registry.store.registry import Registry
    from registry.views.opendata import facts, void
    from registry.views.pages.cache import cache_for, memo_for

    settings = Settings(data_dir=data_dir, stats_refresh=3600)
    out: dict = {}
    started = time.perf_counter()
    registry = Registry.open(settings)  # rebuilds sidecars of an older schema
    out["writable_open_s"] = round(time.perf_counter() - started, 1)
    try:
        note = ox.NamedNode(DCTERMS + "description")  # a new version at every run, never "unchanged"
        docs = [PassportDoc(owning_passport(registry.base, iri), [*triples, ox.Triple(
                    ox.NamedNode(iri), note, ox.Literal(f"bench {uuid.uuid4()}"))])
                for iri, triples in generate(writes, seed=4242, base=registry.base)]
        generations = set()
        # the background count of the distinct objects, once (not again during the rounds:
        # ``stats_refresh`` is an hour), waited for here so that it does not run beside them
        t, _ = timed(lambda: (void.counts(registry), cache_for(registry).get("void-objects", lambda: None, wait=None)))
        out["distinct_objects_background_s"] = round(t["wall_ms"] / 1000, 1)
        rounds = []
        for doc in docs:
            assert registry.add([doc]).written == 1
            generations.add(memo_for(registry).generation())
            catalog, found = timed(lambda: facts.facts(registry))
            counts, kept = timed(lambda: void.counts(registry))
            rounds.append((catalog, counts))
        assert len(generations) == len(docs)  # each round measured a new generation
        out["catalog_facts_after_write"] = summary([r[0] for r in rounds])
        out["void_counts_after_write"] = summary([r[1] for r in rounds])
        out["passports"] = found.passports
        out["municipalities"] = len(found.places)
        out["load_after_kept"] = load()
        sparql_void, sparql_dates = [], []
        for _ in range(sparql_runs):
            t, want = timed(lambda: void.compute_counts(registry.store))
            sparql_void.append(t)
            t, dates = timed(lambda: facts.sparql_dates(registry.store))
            sparql_dates.append(t)
        out["void_counts_sparql"] = summary(sparql_void)
        out["catalog_dates_sparql"] = summary(sparql_dates)
        objects = void.counts(registry, background=False)  # the distinct objects counted now
        out["same_void_figures"] = all(
            kept[code].totals == {k: v for k, v in want[code].totals.items() if k in kept[code].totals}
            and (kept[code].classes, kept[code].properties, kept[code].example)
            == (want[code].classes, want[code].properties, want[code].example) for code in want) \
            and kept.keys() == want.keys()
        out["same_distinct_objects"] = {c: n.totals["objects"] for c, n in objects.items()} == \
            {c: w.totals["objects"] for c, w in want.items()}
        out["same_dates"] = {p.iri: (p.start, p.end) for p in found.places} == \
            {m: d for m, d in dates.items() if m in {p.iri for p in found.places}}
        first = out["void_counts_after_write"]["median_wall_ms"] + out["catalog_facts_after_write"]["median_wall_ms"]
        before = out["void_counts_sparql"]["best_wall_ms"] + out["catalog_dates_sparql"]["best_wall_ms"]
        out["ratio_wall"] = round(before / first)
    finally:
        registry.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=None,
                        help="an existing data directory (a copy: opened for writing)")
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--sparql-runs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "catalog_counts.json")
    args = parser.parse_args()
    result = {"machine": f"{os.cpu_count()} cores", "load_before": load()}
    if args.data is not None:
        result["data"] = str(args.data)
        result.update(measure(args.data, args.writes, args.sparql_runs))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result.update(measure(demo_data(Path(tmp), args.size), args.writes, args.sparql_runs))
    result["load_after"] = load()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
