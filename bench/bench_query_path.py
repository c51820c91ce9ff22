"""Benchmark: the query path of ``/sparql`` next to ``oxigraph serve-read-only`` (issue 15).

N demo passports are made by the demo generator (``passports demo --size N``, through the
registry's validated write path); the N-Quads dump of ``DATA/main`` (every quad of it, so both
have the same union default graph) is loaded with ``oxigraph load`` into a second store. Both
stores are compacted (``optimize``). Then, in the same run:

- our server: ``passports serve`` (the whole app, query workers as configured: 2 by default),
  with the client budget and rate limit turned off for the load (``PASSPORTS_RATE_LIMIT=0`` ...);
- oxigraph: ``oxigraph serve-read-only --union-default-graph`` (the PyPI ``oxigraph`` CLI of the
  same version as pyoxigraph);

and the two get the same queries, interleaved (one request to one, then the same to the other):

- ``passport``: one passport's graph, ``CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <P> { ?s ?p ?o } }``
  as Turtle, random passports; p50 back to back, p50 with requests ``--apart`` seconds apart, and
  throughput at ``--connections`` connections for ``--duration`` seconds (``wrk``, two rounds
  each, alternating);
- ``ask``: ``ASK {}``, the fixed cost of one request;
- the aggregates: mass per material over all passports, passports per kind x municipality, title
  CONTAINS, one municipality's passports as a page of 50 (SPARQL JSON results).

Before timing, every query's answers are compared (the same solutions; isomorphic graphs). The
load average is recorded before and after: the machine is shared.

    python3 bench/bench_query_path.py                    # 20,000 passports
    python3 bench/bench_query_path.py --size 2000 --duration 5 --rounds 50

Results go to ``bench/results/query_path.json`` (the results of the run before under ``previous``);
a Markdown table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_linked_data import free_port, run_wrk, start, stop, wait_kept

from registry.core.allocator import preload_library

RESULTS = ROOT / "bench" / "results" / "query_path.json"
BASE = "http://localhost:8000/"
PREFIXES = ("PREFIX mp: <https://w3id.org/materiaalpaspoort/def#>\n"
            "PREFIX dcterms: <http://purl.org/dc/terms/>\n")
PASSPORT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }"
AGGREGATES = {
    "mass per material": PREFIXES + """SELECT ?material (SUM(?kg) AS ?totalKg) (COUNT(?q) AS ?quantities)
WHERE { ?q a mp:MaterialQuantity ; mp:material ?material ; mp:massKg ?kg }
GROUP BY ?material ORDER BY ?material""",
    "passports per kind x municipality": PREFIXES + """SELECT ?municipality ?kind (COUNT(?passport) AS ?n)
WHERE { ?passport a mp:Passport ; mp:municipality ?municipality ; mp:describes ?object . ?object a ?kind }
GROUP BY ?municipality ?kind ORDER BY ?municipality ?kind""",
    "title CONTAINS": PREFIXES + """SELECT ?passport ?title
WHERE { ?passport a mp:Passport ; dcterms:title ?title FILTER(CONTAINS(LCASE(?title), "brug")) }
ORDER BY ?passport ?title""",
    "municipality page of 50": PREFIXES + """SELECT ?passport ?title
WHERE { ?passport a mp:Passport ; mp:municipality <https://w3id.org/materiaalpaspoort/id/municipality/GM0153> ;
        dcterms:title ?title FILTER(LANGMATCHES(LANG(?title), "nl")) }
ORDER BY ?title ?passport LIMIT 50 OFFSET 50""",
}
JSON_RESULTS = "application/sparql-results+json"
OXIGRAPH_READY = "http://127.0.0.1:%d/query?query=ASK%%7B%%7D"  # polled until oxigraph answers
ENV = {"PASSPORTS_RATE_LIMIT": "0", "PASSPORTS_BUDGET_SECONDS": "1000000000",
       "PASSPORTS_BUDGET_BYTES": str(2**50), "PASSPORTS_CLIENT_CONCURRENCY": "1000"}


# --- data ------------------------------------------------------------------------------------

def build(data: Path, size: int, seed: int) -> dict:
    import pyoxigraph as ox

    marker = data / "bench-query-path.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    if not (data / "registry" / "main").exists():  # else made before by `passports demo --size N`
        subprocess.run([sys.executable, "-m", "registry.cli", "demo", "--size", str(size), "--seed", str(seed),
                        "--data", str(data / "registry"), "--base", BASE], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    made = time.perf_counter() - started
    # Opened once by this code before the copy: opening may add what a newer version derives (the
    # CRS84 copies of geometries, masses), which the server would add at its start anyway.
    subprocess.run([sys.executable, "-c", ("import sys; from registry.core.settings import Settings; "
                    "from registry.store.registry import Registry; "
                    "Registry.open(Settings(data_dir=sys.argv[1], base_iri=sys.argv[2])).close()"),
                    str(data / "registry"), BASE], check=True, env=env, cwd=ROOT)
    store = ox.Store(str(data / "registry" / "main"))
    quads = len(store)
    if marker.exists():
        info = json.loads(marker.read_text())
        if info["size"] == size and info["quads"] == quads and (data / "oxigraph").exists():
            return info
    store.optimize()
    store.dump(str(data / "main.nq"), format=ox.RdfFormat.N_QUADS)
    del store
    shutil.rmtree(data / "oxigraph", ignore_errors=True)
    for step in (["load", "--file", str(data / "main.nq")], ["optimize"]):
        subprocess.run(["oxigraph", step[0], "--location", str(data / "oxigraph"), *step[1:]], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (data / "main.nq").unlink()
    info = {"size": size, "seed": seed, "quads": quads, "demo_seconds": round(made, 1)}
    marker.write_text(json.dumps(info))
    return info


def passports(data: Path) -> list[str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(data / "registry" / "main"))
    found = store.query(PREFIXES + "SELECT ?p WHERE { GRAPH ?p { ?p a mp:Passport } } ORDER BY ?p")
    return [row[0].value for row in found]


def open_seconds(data: Path, times: int = 7) -> float:
    """What a query worker pays to reopen its read-only store (the median of ``times`` opens)."""
    import pyoxigraph as ox

    spent = []
    for _ in range(times):
        started = time.perf_counter()
        store = ox.Store.read_only(str(data / "registry" / "main"))
        spent.append(time.perf_counter() - started)
        del store
    return statistics.median(spent)


# --- the two servers -------------------------------------------------------------------------

class Engine:
    def __init__(self, name: str, server, path: str) -> None:
        import httpx

        self.name, self.url, self.path, self.pid = name, server.url, path, server.pid
        self.client = httpx.Client(base_url=self.url, timeout=120)

    def target(self, query: str) -> str:
        return f"{self.path}?query={quote(query, safe='')}"

    def get(self, query: str, accept: str):
        r = self.client.get(self.target(query), headers={"Accept": accept})
        if r.status_code != 200:
            raise SystemExit(f"{self.name}: {r.status_code} {r.text[:500]}")
        return r

    def timed(self, query: str, accept: str) -> float:
        started = time.perf_counter()
        assert self.get(query, accept).content is not None
        return time.perf_counter() - started


def same_answers(engines: list[Engine], iris: list[str]) -> int:
    import rdflib
    from rdflib.compare import isomorphic

    checked = 0
    for iri in iris[:5]:
        graphs = [rdflib.Graph().parse(data=e.get(PASSPORT % iri, "text/turtle").content, format="turtle")
                  for e in engines]
        if not all(isomorphic(graphs[0], g) for g in graphs[1:]) or len(graphs[0]) < 10:
            raise SystemExit(f"{iri}: the engines answer different graphs")
        checked += 1
    for name, query in AGGREGATES.items():
        answers = []
        for engine in engines:
            bindings = engine.get(query, JSON_RESULTS).json()["results"]["bindings"]
            answers.append([{k: (v["type"], v["value"]) for k, v in b.items()} for b in bindings])
        if any(a != answers[0] for a in answers[1:]) or not answers[0]:
            raise SystemExit(f"{name}: the engines answer differently ({[len(a) for a in answers]} rows)")
        checked += 1
    return checked


def interleaved(engines: list[Engine], queries: list[str], accept: str, pause: float = 0.0) -> dict:
    """Each query to each engine in turn (the order alternating); the latencies in ms."""
    spent: dict[str, list[float]] = {e.name: [] for e in engines}
    for i, query in enumerate(queries):
        if pause:
            time.sleep(pause)
        for engine in (engines if i % 2 == 0 else engines[::-1]):
            spent[engine.name].append(engine.timed(query, accept) * 1000)
    return {name: {"p50_ms": round(statistics.median(v), 3), "p90_ms": round(sorted(v)[int(0.9 * (len(v) - 1))], 3),
                   "samples": len(v)} for name, v in spent.items()}


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by process ``pid`` and every process below it (the query workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    family, ticks = {pid}, 0
    for _ in range(4):  # server -> workers (and a shell's exec keeps the pid)
        family |= {child for child, parent in parents.items() if parent in family}
    for member in family:
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def throughput(engines: list[Engine], iris: list[str], args, scratch: Path) -> dict:
    """wrk at ``--connections`` on each engine, two rounds alternating; with the CPU time the
    engine's processes used per request (less sensitive to the load of a shared machine than
    the rate itself)."""
    out: dict[str, list[dict]] = {e.name: [] for e in engines}
    for round_ in range(2):
        for engine in (engines if round_ == 0 else engines[::-1]):
            paths = [engine.target(PASSPORT % iri) for iri in iris]
            cpu = cpu_seconds(engine.pid)
            run = run_wrk(engine.url, paths, args.duration, args.connections, None, scratch)
            run["cpu_ms_per_request"] = round((cpu_seconds(engine.pid) - cpu) * 1000 / max(1, run["requests"]), 3)
            out[engine.name].append(run)
    return {name: {"throughput_rps": round(statistics.mean(r["throughput_rps"] for r in runs), 1),
                   "p50_ms": round(statistics.mean(r["p50_ms"] for r in runs), 3),
                   "p99_ms": round(statistics.mean(r["p99_ms"] for r in runs), 3),
                   "cpu_ms_per_request": round(statistics.mean(r["cpu_ms_per_request"] for r in runs), 3),
                   "non_2xx": sum(r["non_2xx"] for r in runs), "rounds": runs} for name, runs in out.items()}


def our_server(root: Path, data: Path, scratch: Path, name: str):
    """``passports serve`` of the checkout at ``root`` on ``data`` (the registry directory)."""
    port = free_port()
    os.environ.update({**ENV, "PYTHONPATH": str(root)})  # for our server (oxigraph ignores them)
    serve = [sys.executable, "-m", "registry.cli", "serve", "--data", str(data), "--port", str(port), "--base", BASE,
             "--no-access-log", "--page-workers", "0"]
    # In the checkout's own directory: ``python -m`` (the server and its query workers) imports from there.
    proc = start(["sh", "-c", 'cd "$0" && exec "$@"', str(root), *serve],
                 f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", name, scratch / f"{name}.log")
    proc.url = f"http://127.0.0.1:{port}"
    return proc


def baseline_server(root: Path, data: Path, scratch: Path):
    copy = scratch / "before-registry"
    if not copy.exists():
        shutil.copytree(data / "registry", copy)
    return our_server(root, copy, scratch, "before")


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data", type=Path, help="keep the data here (reused when its size matches)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each wrk round")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=300, help="back-to-back passport requests per engine")
    parser.add_argument("--apart", type=float, default=2.0, help="seconds between the spaced requests")
    parser.add_argument("--spaced", type=int, default=10, help="how many spaced requests per engine")
    parser.add_argument("--aggregate-rounds", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-previous", action="store_true",
                        help="do not keep the results already in --output (else under 'previous')")
    parser.add_argument("--baseline", type=Path, help="a checkout of this project before the change: its "
                        "server (on a copy of the same data) joins the run as a third engine, 'before'")
    parser.add_argument("--oxigraph-preload", metavar="LIBRARY",
                        help="start oxigraph serve with this shared library preloaded (LD_PRELOAD), e.g. the "
                             "jemalloc the registry's query workers use (PASSPORTS_WORKER_ALLOCATOR), to compare "
                             "like with like; default: oxigraph as shipped")
    parser.add_argument("--document-store", choices=("on", "off"), default="on",
                        help="passport documents kept on disk (PASSPORTS_DOCUMENT_STORE; with on, the timing "
                             "starts once the server's background walk has kept every passport's Turtle)")
    args = parser.parse_args(argv)
    ENV["PASSPORTS_DOCUMENT_STORE"] = "1" if args.document_store == "on" else "0"

    scratch = Path(tempfile.mkdtemp(prefix="bench-qpath-"))
    data = args.data or scratch
    data.mkdir(parents=True, exist_ok=True)
    info = build(data, args.size, args.seed)
    iris = passports(data)
    random.Random(args.seed).shuffle(iris)
    print(f"{info['size']} passports, {info['quads']} quads")
    load_before = loadavg()
    opened = open_seconds(data)

    ours = our_server(ROOT, data / "registry", scratch, "ours")
    kept_after = wait_kept(data / "registry", len(iris), 3600) if args.document_store == "on" else None
    ox_port = free_port()
    oxi = start(["oxigraph", "serve-read-only", "--location", str(data / "oxigraph"), "--bind",
                 f"127.0.0.1:{ox_port}", "--union-default-graph"],
                OXIGRAPH_READY % ox_port, "oxigraph", scratch / "oxigraph.log",
                env={**os.environ, "LD_PRELOAD": args.oxigraph_preload} if args.oxigraph_preload else None)
    servers = [ours, oxi]
    try:
        oxi.url = f"http://127.0.0.1:{ox_port}"
        engines = [Engine("ours", ours, "/sparql"), Engine("oxigraph", oxi, "/query")]
        if args.baseline:
            servers.append(baseline_server(args.baseline, data, scratch))
            engines.append(Engine("before", servers[-1], "/sparql"))
        checked = same_answers(engines, iris)
        interleaved(engines, [PASSPORT % iri for iri in iris[:50]], "text/turtle")  # warm-up
        rows = {
            "ask": interleaved(engines, ["ASK {}"] * args.rounds, JSON_RESULTS),
            "passport": interleaved(engines, [PASSPORT % iri for iri in iris[:args.rounds]], "text/turtle"),
            "passport, requests apart": interleaved(
                engines, [PASSPORT % iri for iri in iris[-args.spaced:]], "text/turtle", pause=args.apart),
        }
        for name, query in AGGREGATES.items():
            rows[name] = interleaved(engines, [query] * args.aggregate_rounds, JSON_RESULTS)
        rates = throughput(engines, iris[:2000], args, scratch)
    finally:
        for server in servers:
            stop(server)
    load_after = loadavg()
    shutil.rmtree(scratch / "before-registry", ignore_errors=True)  # the copy for the baseline server

    import pyoxigraph

    for name, row in rows.items():
        row["ratio_p50"] = round(row["ours"]["p50_ms"] / row["oxigraph"]["p50_ms"], 3)
        if "before" in row:
            row["before_ratio_p50"] = round(row["before"]["p50_ms"] / row["oxigraph"]["p50_ms"], 3)
    ratio_rps = round(rates["ours"]["throughput_rps"] / rates["oxigraph"]["throughput_rps"], 3)
    result = {
        "benchmark": "query_path", "data": info, "checked_same_answers": checked,
        "document_store": args.document_store, "kept_on_disk_after_s": kept_after,
        "allocators": {"query_workers": preload_library(os.environ.get("PASSPORTS_WORKER_ALLOCATOR", "auto"))
                       or "system", "oxigraph": args.oxigraph_preload or "as shipped"},
        "reopen_store_ms": round(opened * 1000, 1), "latency": rows,
        "throughput": {**rates, "connections": args.connections, "seconds": args.duration, "ratio": ratio_rps},
        "targets": {"throughput_ratio_min": 0.8, "passport_p50_ratio_max": 1.3, "aggregate_ratio_max": 1.1},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "pyoxigraph": pyoxigraph.__version__, "load_before": load_before, "load_after": load_after,
                    "note": "shared 2-core machine (other engineers' jobs run beside it); both servers unpinned"},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if args.output.exists() and not args.no_previous:  # the run before, for comparison
        previous = json.loads(args.output.read_text())
        previous.pop("previous", None)
        result["previous"] = previous
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    before = "before" in rates
    print("| query | this project | oxigraph serve | ratio |" + (" before this change | ratio |" if before else ""))
    print("|---|---|---|---|" + ("---|---|" if before else ""))
    for name, row in rows.items():
        print(f"| {name} (p50) | {row['ours']['p50_ms']:.2f} ms | {row['oxigraph']['p50_ms']:.2f} ms | "
              f"{row['ratio_p50']:.2f} |" + (f" {row['before']['p50_ms']:.2f} ms | {row['before_ratio_p50']:.2f} |"
                                           if before else ""))
    ox_rps = rates["oxigraph"]["throughput_rps"]
    print(f"| passport, {args.connections} connections | {rates['ours']['throughput_rps']:.0f} req/s | "
          f"{ox_rps:.0f} req/s | {ratio_rps:.2f} |" + (
              f" {rates['before']['throughput_rps']:.0f} req/s | {rates['before']['throughput_rps'] / ox_rps:.2f} |"
              if before else ""))
    print("CPU ms per passport request under load: " + ", ".join(
        f"{name} {rates[name]['cpu_ms_per_request']:.3f}" for name in rates))
    print(f"reopen of the store: {opened * 1000:.1f} ms; load {load_before} -> {load_after}; -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
