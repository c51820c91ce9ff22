"""Benchmark: the public SPARQL endpoint under concurrent load.

N demo passports (``registry.demo``, one named graph each) are bulk-loaded into ``DATA/main``; the
endpoint app (``registry.sparql_protocol.create_endpoint_app``) runs in a uvicorn subprocess; an
asyncio + httpx load generator sends, for a fixed time with a fixed number of connections:

- ``point``: a SELECT of one random passport's own triples (``GRAPH <P> { <P> ?p ?o }``), JSON;
- ``aggregate``: the saved query ``count-passports-per-municipality`` over all passports, CSV;
- ``under-long-query``: point queries again while one query that would run for minutes (a
  cartesian product) holds a worker until the time limit kills it; records how long the long
  query took to be stopped.

    python3 bench/bench_sparql.py                      # 10,000 passports, 10 s per workload
    python3 bench/bench_sparql.py --size 1000 --duration 3

Results go to ``bench/results/sparql.json``; a summary is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "sparql.json"
BASE = "http://localhost:8000/"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def build(data: Path, size: int, seed: int) -> tuple[list[str], int]:
    import pyoxigraph as ox

    from registry import demo

    data.mkdir(parents=True, exist_ok=True)
    nq = data / "passports.nq"
    demo.write(nq, size, seed=seed, base=BASE, fmt="nq")
    store = ox.Store(str(data / "main"))
    started = time.perf_counter()
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    loaded = time.perf_counter() - started
    iris = [str(q.graph_name.value) for q in store.quads_for_pattern(None, ox.NamedNode(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(
        "https://w3id.org/materiaalpaspoort/def#Passport"))]
    triples = len(store)
    del store
    nq.unlink()
    print(f"{size} passports, {triples} quads bulk-loaded in {loaded:.1f} s")
    return iris, triples


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: Path, port: int, timeout: float, workers: int) -> subprocess.Popen:
    code = ("import uvicorn\n"
            "from registry.core.settings import Settings\n"
            "from registry.web.routers.sparql import create_endpoint_app\n"
            f"s = Settings(data_dir={str(data)!r}, base_iri={BASE!r}, query_timeout={timeout}, "
            f"query_workers={workers}, rate_limit_per_minute=0)\n"
            f"uvicorn.run(create_endpoint_app(s), host='127.0.0.1', port={port}, log_level='warning')\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


async def load(url: str, make_request, connections: int, duration: float) -> dict:
    import httpx

    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + duration

    async def one(client):
        nonlocal errors
        while time.monotonic() < stop:
            method, path, params, headers = make_request()
            started = time.perf_counter()
            r = await client.request(method, path, params=params, headers=headers)
            latencies.append(time.perf_counter() - started)
            if r.status_code != 200:
                errors += 1

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        started = time.monotonic()
        await asyncio.gather(*(one(client) for _ in range(connections)))
        elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2) if latencies else None

    return {"requests": len(latencies), "errors": errors, "seconds": round(elapsed, 2),
            "throughput_per_s": round(len(latencies) / elapsed, 1), "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2, help="query worker processes")
    ap.add_argument("--timeout", type=float, default=5.0, help="the endpoint's query time limit")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-sparql-") as tmp:
        data = Path(tmp) / "data"
        iris, quads = build(data, args.size, args.seed)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(data, port, args.timeout, args.workers)
        rnd = random.Random(args.seed)
        try:
            def point():
                p = rnd.choice(iris)
                return ("GET", "/sparql", {"query": f"SELECT ?p ?o WHERE {{ GRAPH <{p}> {{ <{p}> ?p ?o }} }}"},
                        {"Accept": "application/sparql-results+json"})

            def aggregate():
                return ("GET", "/query/count-passports-per-municipality", {"format": "csv"}, {})

            results = {"point": asyncio.run(load(url, point, args.connections, args.duration))}
            print("point      ", results["point"])
            results["aggregate"] = asyncio.run(load(url, aggregate, min(args.connections, 4), args.duration))
            print("aggregate  ", results["aggregate"])

            long_query = {}

            async def under_long():
                import httpx

                async def long_one():
                    started = time.perf_counter()
                    async with httpx.AsyncClient(base_url=url, timeout=120) as c:
                        r = await c.get("/sparql", params={"query": CARTESIAN})
                    long_query.update(status=r.status_code, seconds=round(time.perf_counter() - started, 2))

                task = asyncio.create_task(long_one())
                await asyncio.sleep(0.2)
                stats = await load(url, point, args.connections, args.timeout)
                await task
                return stats

            results["under_long_query"] = asyncio.run(under_long())
            results["long_query"] = long_query
            print("under-long ", results["under_long_query"], "long query:", long_query)
        finally:
            proc.terminate()
            proc.wait(10)

    out = {"size": args.size, "quads": quads, "duration_s": args.duration, "connections": args.connections,
           "workers": args.workers, "timeout_s": args.timeout, "machine": {"cpus": os.cpu_count(),
                                                                          "python": platform.python_version()},
           "results": results, "when": time.strftime("%Y-%m-%dT%H:%M:%S")}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
