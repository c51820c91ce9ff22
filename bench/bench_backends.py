"""Benchmark: the same registry on the embedded store, on Virtuoso and on Fuseki (PASSPORTS_BACKEND).

    python3 bench/bench_backends.py --size 1000     # results in bench/results/backends.json

For each backend: loads ``--size`` demo passports with ``Registry.add`` (batches of 1,000; the CPU
seconds of the registry's processes and of the server beside the wall time), writes a new version
of ``--updates`` of them (one ``add``: replaced graphs, history, provenance), runs a
mix of saved queries (``sparql/*.rq`` without parameters, each ``--repeat`` times, median), reads
``--reads`` passports as the linked-data documents do (``graph_triples``) and their version
history, and answers a passport's HTML page and its Turtle document through the whole app
(in-process client, median of ``--repeat``). The servers run on loopback, started by
tests/external_servers.py (Fuseki: the Jena ARQ/TDB2 stand-in where the Fuseki jar cannot be had;
the result names the engine), each with the same memory (``--memory`` MB) and the same query
time limit (``--query-seconds``: a query stopped there is recorded as such, not timed).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BASE = "http://localhost:8000/"
QUERIES = ["count-passports", "count-passports-per-municipality", "passports-per-object-kind",
           "r-ladder-distribution", "value-per-municipality", "page-counts-by-municipality",
           "page-recent-changes"]


def median_ms(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def registry_cpu() -> float:
    """CPU seconds of this process and its finished children (the validation worker)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def changed(docs):
    """The documents with one more triple each (a comment on the passport): new versions."""
    import pyoxigraph as ox

    from registry.model.documents import PassportDoc

    comment = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
    for doc in docs:
        yield PassportDoc(doc.ref, [*doc.statements(), ox.Triple(ox.NamedNode(doc.iri), comment,
                                                                  ox.Literal("bench: a new version"))])


def measure(settings, size: int, reads: int, repeat: int, updates: int = 0, server_pid: int | None = None) -> dict:
    import pyoxigraph as ox
    from fastapi.testclient import TestClient

    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport, passport_ref
    from registry.store import named_queries
    from registry.store.registry import Registry
    from registry.store.versions import iter_passport_iris
    from registry.views.linked_data import graph_triples
    from registry.web.app import create_app

    def server_cpu() -> float:
        return cpu_seconds(server_pid) if server_pid else 0.0

    started, cpu, served = time.perf_counter(), registry_cpu(), server_cpu()
    registry = Registry.open(settings)
    docs = (PassportDoc(owning_passport(BASE, iri), triples) for iri, triples in generate(size, 42, BASE))
    report = registry.add(docs, source="urn:bench:demo")
    load = time.perf_counter() - started
    assert not report.rejected, report.rejected[:1]
    result = {"load_seconds": round(load, 1), "passports_per_second": round(size / load, 1),
              "load_cpu_registry_s": round(registry_cpu() - cpu, 1), "load_cpu_server_s": round(server_cpu() - served, 1),
              "queries_ms": {}}
    if updates:
        started, cpu, served = time.perf_counter(), registry_cpu(), server_cpu()
        docs = (PassportDoc(owning_passport(BASE, iri), triples) for iri, triples in generate(updates, 42, BASE))
        report = registry.add(changed(docs), source="urn:bench:update")
        assert len(report.updated) == updates, (len(report.updated), report.rejected[:1])
        result.update(update_seconds=round(time.perf_counter() - started, 1),
                      update_cpu_registry_s=round(registry_cpu() - cpu, 1),
                      update_cpu_server_s=round(server_cpu() - served, 1))
    for name in QUERIES:
        try:
            result["queries_ms"][name] = median_ms(lambda n=name: named_queries.select(registry.store, n), repeat)
        except (SyntaxError, RuntimeError) as exc:  # a query the server refuses or stops: recorded, not timed
            words = str(exc).splitlines()[0][:160]
            result["queries_ms"][name] = (f"stopped at the time limit: {words}" if "timed out" in words.lower()
                                          else f"refused: {words}")
    iris = list(iter_passport_iris(registry))[:reads]
    nodes = [ox.NamedNode(iri) for iri in iris]
    result["graph_read_ms"] = round(median_ms(lambda: [graph_triples(registry.store, n) for n in nodes], 1)
                                    / len(nodes), 2)
    refs = [passport_ref(BASE, *iri.rsplit("/", 2)[-2:]) for iri in iris]
    result["history_ms"] = round(median_ms(lambda: [registry.history(r) for r in refs], 1) / len(refs), 2)
    registry.close()
    app = create_app(dataclasses.replace(settings, query_workers=1, page_workers=0, parse_workers=1))
    path = "/" + iris[0][len(BASE):]
    with TestClient(app) as client:
        for accept, key in (("text/html", "page_html_ms"), ("text/turtle", "page_turtle_ms")):
            def get(accept=accept):
                assert client.get(path, headers={"Accept": accept}).status_code == 200
            result[key] = median_ms(get, repeat)
        query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
        result["sparql_count_all_ms"] = median_ms(lambda: client.get("/sparql", params=query), repeat)
    return result


def main(argv: list[str] | None = None) -> int:
    from bench_pages import write_result

    from registry.core.settings import Settings
    from tests import external_servers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--updates", type=int, default=0, help="passports given a new version after the load")
    parser.add_argument("--memory", type=int, default=2000, help="MB for each server")
    parser.add_argument("--query-seconds", type=int, default=300, help="the servers' query time limit")
    parser.add_argument("--backends", default="embedded,virtuoso,fuseki")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "backends.json")
    args = parser.parse_args(argv)
    result = {"passports": args.size, "updates": args.updates, "query_seconds": args.query_seconds,
              "load_before": os.getloadavg(), "backends": {}}
    for name in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
            settings = Settings(data_dir=Path(tmp) / "data", base_iri=BASE)
            start = (nullcontext(None) if name == "embedded"
                     else getattr(external_servers, name)(Path(tmp) / "server", memory_mb=args.memory,
                                                          query_seconds=args.query_seconds))
            with start as server:
                if server is not None:
                    settings = dataclasses.replace(settings, backend="sparql", sparql_query_url=server.query_url,
                                                   sparql_update_url=server.update_url)
                    if hasattr(settings, "sparql_graph_store_url"):  # (the code before it had none)
                        settings = dataclasses.replace(settings, sparql_graph_store_url=server.gsp_url)
                figures = measure(settings, args.size, args.reads, args.repeat, args.updates,
                                  server.process.pid if server is not None else None)
                figures["engine"] = server.engine if server is not None else "pyoxigraph (embedded)"
                result["backends"][name] = figures
                print(name, figures, file=sys.stderr)
    result["load_after"] = os.getloadavg()
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
