"""Benchmark: a passport's JSON-LD (framed and flat, the registry's own code and pyld) next to Turtle.

For N demo passports (default 200) the same triples are written, in one process and one run, as:

- Turtle and N-Triples by pyoxigraph (the peer: what the other formats cost);
- framed JSON-LD (the default answer) and flat JSON-LD by ``registry.views.jsonld_compact``;
- the server's path: the passport's named graph read from a store and written as Turtle and as
  framed JSON-LD (``serialize_graph``, no cache);
- framed and compacted JSON-LD by pyld (the reference algorithms, from pyoxigraph's expanded
  JSON-LD, the context given inline so nothing is fetched), on the first ``--pyld`` passports.

Each figure is the median (and p95) time per passport in milliseconds; the ratios to Turtle are
what to read on a shared machine. The load average before and after goes into the results.

    python3 bench/bench_jsonld.py                  # 200 passports, pyld on 50
    python3 bench/bench_jsonld.py --size 20 --pyld 5

Results: ``bench/results/jsonld.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "jsonld.json"
BASE = "http://localhost:8000/"


def timed(fn, docs, rounds: int) -> list[float]:
    """Milliseconds per document: the best of ``rounds`` for each document."""
    times = []
    for triples in docs:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            fn(triples)
            best = min(best, time.perf_counter() - start)
        times.append(best * 1000)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3),
            "n": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--pyld", type=int, default=50, help="passports to run through pyld (slow)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    import pyoxigraph as ox
    from pyld import jsonld

    from registry.demo import generate
    from registry.model.jsonld import context
    from registry.views import jsonld_compact
    from registry.views.negotiation import JSON_LD, TURTLE
    from registry.views.serialization import PASSPORT_PREFIXES, serialize_graph, to_jsonld

    load_before = os.getloadavg()
    docs = [list(triples) for _, triples in generate(args.size, 11, BASE)]
    triples_per_doc = statistics.mean(len(d) for d in docs)
    ctx = context()

    def pyld_input(triples):
        expanded = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
        for node in expanded:
            types = node.pop(jsonld_compact.RDF_TYPE_IRI, None)
            if types:
                node["@type"] = [t["@id"] for t in types]
        return expanded

    cases = {
        "turtle": lambda t: ox.serialize(t, format=ox.RdfFormat.TURTLE, prefixes=PASSPORT_PREFIXES),
        "ntriples": lambda t: ox.serialize(t, format=ox.RdfFormat.N_TRIPLES),
        "jsonld_framed": lambda t: to_jsonld(t),
        "jsonld_flat": lambda t: to_jsonld(t, framed=False),
    }
    # The server's path: a passport's named graph read from the store and written (no cache).
    store = ox.Store()
    graphs = []
    for i, triples in enumerate(docs):
        graph = ox.NamedNode(f"{BASE}graph/{i}")
        store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])
        graphs.append(graph)
    cases["store_turtle"] = lambda g: serialize_graph(store, g, TURTLE, prefixes=PASSPORT_PREFIXES)
    cases["store_jsonld_framed"] = lambda g: serialize_graph(store, g, JSON_LD, prefixes=PASSPORT_PREFIXES)
    inputs = {name: graphs if name.startswith("store_") else docs for name in cases}
    results = {name: summary(timed(fn, inputs[name], args.rounds)) for name, fn in cases.items()}
    few = docs[:args.pyld]
    results["pyld_framed"] = summary(timed(
        lambda t: jsonld.frame(pyld_input(t), {**ctx, **jsonld_compact.FRAME}, {"omitGraph": True}), few, 1))
    results["pyld_compacted"] = summary(timed(
        lambda t: jsonld.compact(pyld_input(t), ctx, {"compactArrays": True}), few, 1))
    turtle = results["turtle"]["median_ms"]
    ratios = {name: round(r["median_ms"] / turtle, 2) for name, r in results.items()}
    load_after = os.getloadavg()
    report = {
        "what": "ms per passport (best of rounds, then median and p95 over passports), one process",
        "size": args.size, "triples_per_passport": round(triples_per_doc, 1), "rounds": args.rounds,
        "results": results, "ratio_to_turtle": ratios,
        "speedup_framed_vs_pyld": round(results["pyld_framed"]["median_ms"] / results["jsonld_framed"]["median_ms"], 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for name, r in results.items():
        print(f"{name:15} median {r['median_ms']:8.3f} ms  p95 {r['p95_ms']:8.3f} ms  x{ratios[name]} of Turtle")
    print(f"framed: {report['speedup_framed_vs_pyld']}x faster than pyld; load {load_before[0]:.1f} -> {load_after[0]:.1f}")


if __name__ == "__main__":
    main()
