"""Benchmark: RDF documents by content negotiation, our server next to ``oxigraph serve``.

With N demo passports stored through ``Registry.add`` (default 100,000), both servers answer the
same passports in the same run:

- ours: ``GET /doc/passport/{GM}/{key}`` with ``Accept: text/turtle`` (the negotiated Turtle
  document of the current version, with ETag and Last-Modified);
- oxigraph: ``GET /query?query=CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <P> { ?s ?p ?o } }`` with
  ``Accept: text/turtle``, on a copy of the same store (the N-Quads dump of ``DATA/main`` loaded
  with ``oxigraph load``).

Before the load runs, sample documents from both are parsed and compared (isomorphic graphs), so
the two answer the same question. Load: ``wrk`` (Debian package) when installed, else a Python
asyncio + httpx generator; a fixed number of connections for a fixed time, requests cycling over
a random sample of passports (ours keeps documents by their ETag, ``PASSPORTS_DOCUMENT_CACHE``:
a ``--sample`` that fits in it measures kept documents after the first round, one larger than
it, e.g. 200,000 at a million, documents read and written each time). Fairness: by default each
server is pinned to the same single core (``taskset``) and the load generator to the other one;
``--no-pin`` lets all run on all cores (then oxigraph uses both cores and our single uvicorn
worker one).

    python3 bench/bench_linked_data.py                 # 100,000 passports
    python3 bench/bench_linked_data.py --size 2000 --duration 5   # CI-sized

Results go to ``bench/results/linked_data.json``; a summary is printed. Target (issue 3, part 7):
our throughput at least 50 % of oxigraph's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "linked_data.json"
BASE = "http://localhost:8000/"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }"
TARGET_RATIO = 0.5


# --- data ------------------------------------------------------------------------------------

def build_registry(data: Path, size: int, seed: int, validated: int) -> dict:
    """``size`` demo passports in the registry's storage layout under ``data``; reused when ``data``
    already holds the same size and seed.

    The registry's own write path builds the store, in memory: the first ``validated`` passports
    through ``Registry.add`` (SHACL-validated, as every real write), the rest through the same
    ``Registry._write`` that ``add`` calls once a batch has passed validation (SHACL costs tens of
    milliseconds per passport, which would make 100,000 passports take an hour and measures
    nothing read-side). The in-memory store is then dumped as N-Quads, and that one file is
    bulk-loaded into ``DATA/main`` for our server and, with ``oxigraph load``, for oxigraph.
    """
    import pyoxigraph as ox

    from registry.core.settings import Settings
    from registry.demo import generate
    from registry.model.documents import grouped, make_doc
    from registry.store.provenance import cli_agent, now
    from registry.store.registry import Registry

    marker = data / "bench.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("size") == size and info.get("seed") == seed:
            print(f"   reusing {data}")
            return info
    if data.exists():
        shutil.rmtree(data)
    started = time.perf_counter()
    settings = Settings(data_dir=data, base_iri=BASE)
    data.mkdir(parents=True)  # the write journal lives there
    reg = Registry(settings, ox.Store(), ox.Store())
    docs = (make_doc(iri, BASE, "demo", triples=triples) for iri, triples in generate(size, seed, BASE))
    first = [doc for _, doc in zip(range(validated), docs)]
    report = reg.add(first, comment="benchmark data (validated)")
    if report.rejected:
        bad = report.rejected[0]
        raise SystemExit(f"{len(report.rejected)} demo passports were rejected, first {bad.iri}: "
                         f"{bad.issues[0].text('en') if bad.issues else ''}")
    activity = ox.NamedNode(f"{BASE}id/activity/{uuid.uuid4()}")
    done = len(first)
    for batch in grouped(docs, 1000):
        reg._write([(doc, 0) for doc in batch], cli_agent(BASE), "registry.demo", "benchmark data",
                   activity, now())
        done += len(batch)
        if done % 10_000 < len(batch) or done == size:
            print(f"   {done:,}/{size:,} passports ({done / (time.perf_counter() - started):,.0f}/s)",
                  flush=True)
    dump = data / "main.nq"
    with open(dump, "wb") as fh:
        reg.store.dump(fh, ox.RdfFormat.N_QUADS)
    quads = len(reg.store)
    del reg
    main = ox.Store(str(settings.main_store_path))
    main.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    main.optimize()
    main.flush()
    del main
    ox.Store(str(settings.history_store_path)).flush()
    info = {"size": size, "seed": seed, "passports": size, "validated": len(first), "quads": quads,
            "build_seconds": round(time.perf_counter() - started, 1)}
    marker.write_text(json.dumps(info))
    return info


def build_oxigraph(data: Path, target: Path) -> float:
    """A copy of the same data for oxigraph: the same N-Quads dump loaded with ``oxigraph load``."""
    marker = target / "bench-loaded"
    if marker.exists() and marker.read_text() == (data / "bench.json").read_text():
        return 0.0
    if target.exists():
        shutil.rmtree(target)
    started = time.perf_counter()
    subprocess.run(["oxigraph", "load", "--location", str(target), "--file", str(data / "main.nq")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Compacted like our store (build_registry optimizes DATA/main), as oxigraph load advises.
    subprocess.run(["oxigraph", "optimize", "--location", str(target)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker.write_text((data / "bench.json").read_text())
    return time.perf_counter() - started


def checkpoint_registry(data: Path, target: Path) -> tuple[dict, float]:
    """An existing registry as it is, and a RocksDB checkpoint of its main store for oxigraph (the
    same files, hard-linked: nothing dumped or loaded again)."""
    import pyoxigraph as ox

    from registry.model.vocab import PASSPORT, RDF_TYPE

    started = time.perf_counter()
    store = ox.Store.read_only(str(data / "main"))
    passports = sum(1 for q in store.quads_for_pattern(None, RDF_TYPE, PASSPORT, None) if q.subject == q.graph_name)
    quads = len(store)
    if not target.exists():
        store.backup(str(target))
    del store
    return {"passports": passports, "quads": quads}, time.perf_counter() - started


def sample_passports(data: Path, count: int, seed: int) -> list[str]:
    import pyoxigraph as ox

    from registry.model.vocab import PASSPORT, RDF_TYPE

    store = ox.Store.read_only(str(data / "main"))
    iris = [q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, PASSPORT, None)
            if q.subject == q.graph_name]
    del store
    iris.sort()
    return random.Random(seed).sample(iris, min(count, len(iris)))


# --- servers ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cmd: list[str], cores: str | None) -> list[str]:
    return ["taskset", "-c", cores, *cmd] if cores else cmd


def start(cmd: list[str], url: str, name: str, log: Path | None = None, *, wait: float = 120.0,
          env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a server and poll ``url`` until it answers (a status below 500) within ``wait`` seconds
    (a registry rebuilding its sidecars at opening may need many minutes); its output goes to
    ``log`` (None: discarded), ``env``: its environment (None: this one's)."""
    import httpx

    if log is None:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited at start" + (f"; see {log}:\n{log.read_text()[-2000:]}" if log else ""))
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise SystemExit(f"{name} did not answer within {wait:.0f} s" + (f"; see {log}" if log else ""))


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def our_server(data: Path, port: int, cores: str | None) -> list[str]:
    code = ("import uvicorn\n"
            "from registry.web.app import create_app\n"
            "from registry.core.settings import Settings\n"
            f"uvicorn.run(create_app(Settings(data_dir={str(data)!r}, base_iri={BASE!r})), "
            f"host='127.0.0.1', port={port}, log_level='warning', access_log=False)\n")
    return pinned([sys.executable, "-c", code], cores)


def oxigraph_server(location: Path, port: int, cores: str | None) -> list[str]:
    return pinned(["oxigraph", "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"], cores)


def wait_kept(data: Path, passports: int, seconds: float) -> float:
    """Wait until the server's background walk has kept every current passport's Turtle document
    (``DATA/documents.sqlite``); returns the seconds waited."""
    import sqlite3

    started = time.monotonic()
    kept = 0
    while time.monotonic() - started < seconds:
        try:
            conn = sqlite3.connect(f"file:{data / 'documents.sqlite'}?mode=ro", uri=True, timeout=5)
            try:
                kept = conn.execute("SELECT count(*) FROM document WHERE format = 'turtle'").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.Error:
            kept = 0
        if kept >= passports:
            waited = time.monotonic() - started
            print(f"   every passport's Turtle kept on disk after {waited:.0f} s")
            return round(waited, 1)
        time.sleep(2)
    raise SystemExit(f"only {kept:,} of {passports:,} documents kept after {seconds:.0f} s")


def our_path(iri: str) -> str:
    return "/doc/" + iri[len(BASE) + len("id/"):]


def oxigraph_path(iri: str) -> str:
    return "/query?query=" + quote(CONSTRUCT % iri, safe="")


def check_equivalent(ours: str, oxigraph: str, iris: list[str]) -> int:
    """Both servers answer each sample with isomorphic graphs; returns the triples compared."""
    import httpx
    import rdflib
    from rdflib.compare import isomorphic

    compared = 0
    with httpx.Client(timeout=30) as client:
        for iri in iris:
            a = client.get(ours + our_path(iri), headers={"Accept": "text/turtle"})
            b = client.get(oxigraph + oxigraph_path(iri), headers={"Accept": "text/turtle"})
            if a.status_code != 200 or b.status_code != 200:
                raise SystemExit(f"{iri}: ours {a.status_code}, oxigraph {b.status_code}")
            ga = rdflib.Graph().parse(data=a.content, format="turtle")
            gb = rdflib.Graph().parse(data=b.content, format="turtle")
            if not isomorphic(ga, gb):
                raise SystemExit(f"{iri}: the two documents differ ({len(ga)} vs {len(gb)} triples)")
            compared += len(ga)
    return compared


# --- load ------------------------------------------------------------------------------------

WRK_SCRIPT = """
paths = {%s}
local counter = 0
local headers = {["Accept"] = "text/turtle"}
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,' ..
    '"max_us":%%d,"mean_us":%%.1f,"non_2xx":%%d,"socket_errors":%%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(url: str, paths: list[str], duration: float, connections: int, cores: str | None,
            scratch: Path) -> dict:
    script = scratch / "paths.lua"
    script.write_text(WRK_SCRIPT % ",".join(json.dumps(p) for p in paths))
    cmd = pinned(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
                  "-s", str(script), url], cores)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^WRKJSON (.*)$", out, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no result:\n{out}")
    raw = json.loads(match.group(1))
    seconds = raw["duration_us"] / 1e6
    return {"tool": "wrk", "requests": raw["requests"], "seconds": round(seconds, 2),
            "throughput_rps": round(raw["requests"] / seconds, 1),
            "p50_ms": raw["p50_us"] / 1000, "p90_ms": raw["p90_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000, "mean_ms": round(raw["mean_us"] / 1000, 3),
            "mb_per_s": round(raw["bytes"] / seconds / 1e6, 2),
            "non_2xx": raw["non_2xx"], "socket_errors": raw["socket_errors"]}


async def _python_load(url: str, paths: list[str], duration: float, connections: int) -> dict:
    import httpx

    latencies: list[float] = []
    failures = 0
    sent = 0
    received = 0
    stop_at = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
        async def worker(offset: int) -> None:
            nonlocal failures, sent, received
            i = offset
            while time.perf_counter() < stop_at:
                path = paths[i % len(paths)]
                i += connections
                t0 = time.perf_counter()
                try:
                    r = await client.get(path, headers={"Accept": "text/turtle"})
                    received += len(r.content)
                    if r.status_code != 200:
                        failures += 1
                except httpx.HTTPError:
                    failures += 1
                latencies.append(time.perf_counter() - t0)
                sent += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(connections)))
        seconds = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 3)

    return {"tool": "python-httpx", "requests": sent, "seconds": round(seconds, 2),
            "throughput_rps": round(sent / seconds, 1), "p50_ms": pct(50), "p90_ms": pct(90),
            "p99_ms": pct(99), "max_ms": round(latencies[-1] * 1000, 3),
            "mean_ms": round(sum(latencies) / len(latencies) * 1000, 3),
            "mb_per_s": round(received / seconds / 1e6, 2), "non_2xx": failures, "socket_errors": 0}


def run_load(url: str, paths: list[str], duration: float, connections: int, cores: str | None,
             scratch: Path, use_wrk: bool) -> dict:
    if use_wrk:
        return run_wrk(url, paths, duration, connections, cores, scratch)
    # The Python generator is itself the bottleneck long before either server; pinned like wrk.
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(c) for c in cores.split(",")})
    return asyncio.run(_python_load(url, paths, duration, connections))


# --- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="passports to load (default 100,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--validated", type=int, default=500,
                        help="passports stored through the validating Registry.add (the rest skip SHACL)")
    parser.add_argument("--duration", type=float, default=15, help="seconds of load per server and round")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    parser.add_argument("--sample", type=int, default=5000, help="distinct passports requested")
    parser.add_argument("--data", type=Path, default=None,
                        help="data folder to build or reuse (default: a folder under the system temp dir)")
    parser.add_argument("--no-pin", action="store_true",
                        help="do not pin servers and load generator to cores")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator, not wrk")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--build-only", action="store_true", help="build (or check) the data and stop")
    parser.add_argument("--registry", type=Path, default=None,
                        help="an existing registry data folder (e.g. bench_add.py --work-dir DIR: DIR/registry), "
                             "used as it is; oxigraph gets a checkpoint of its main store")
    parser.add_argument("--document-store", choices=("on", "off"), default="on",
                        help="every current passport's Turtle kept on disk (PASSPORTS_DOCUMENT_STORE); "
                             "with on, the load starts once the server's background walk has kept them all")
    parser.add_argument("--wait-kept", type=float, default=3600,
                        help="seconds to wait for that walk at most (default 3600)")
    args = parser.parse_args(argv)

    data = args.data or Path(tempfile.gettempdir()) / f"passports-bench-ld-{args.size}-{args.seed}"
    data = data.resolve()
    cores = os.cpu_count() or 1
    pin = not args.no_pin and cores >= 2 and shutil.which("taskset")
    server_cores = str(cores - 1) if pin else None
    load_cores = ",".join(str(c) for c in range(cores - 1)) if pin else None
    use_wrk = bool(shutil.which("wrk")) and not args.python_load
    if shutil.which("oxigraph") is None:
        raise SystemExit("the oxigraph CLI is missing: pip install oxigraph")

    if args.registry:
        data = args.registry.resolve()
        ox_dir = data.parent / (data.name + "-oxigraph")
        print(f"1. the registry in {data}; 2. a checkpoint of its main store for oxigraph in {ox_dir}")
        info, seconds = checkpoint_registry(data, ox_dir)
    else:
        print(f"1. {args.size:,} demo passports into {data}")
        info = build_registry(data, args.size, args.seed, min(args.validated, args.size))
        print("2. the same store for oxigraph (N-Quads dump + oxigraph load)")
        ox_dir = data.parent / (data.name + "-oxigraph")
        seconds = build_oxigraph(data, ox_dir)
    print(f"   {info['passports']:,} passports, {info['quads']:,} quads")
    if seconds:
        print(f"   loaded in {seconds:.1f} s")
    if args.build_only:
        return 0
    iris = sample_passports(data, args.sample, args.seed)
    ours_paths = [our_path(i) for i in iris]
    ox_paths = [oxigraph_path(i) for i in iris]

    scratch = Path(tempfile.mkdtemp(prefix="bench-ld-run-"))
    our_port, ox_port = free_port(), free_port()
    ours_url, ox_url = f"http://127.0.0.1:{our_port}", f"http://127.0.0.1:{ox_port}"
    print(f"3. servers on {'core ' + server_cores if server_cores else 'all cores'}, load "
          f"({'wrk' if use_wrk else 'python'}, {args.connections} connections) on "
          f"{'cores ' + load_cores if load_cores else 'all cores'}")
    env = {**os.environ, "PASSPORTS_DOCUMENT_STORE": "1" if args.document_store == "on" else "0"}
    ours = start(our_server(data, our_port, server_cores), ours_url + "/context.jsonld", "our server",
                 scratch / "ours.log", env=env)
    kept_seconds = wait_kept(data, info["passports"], args.wait_kept) if args.document_store == "on" else None
    oxi = start(oxigraph_server(ox_dir, ox_port, server_cores), ox_url + "/query?query=ASK%7B%7D",
                "oxigraph serve", scratch / "oxigraph.log")
    results: dict[str, list[dict]] = {"ours": [], "oxigraph": []}
    load_before = os.getloadavg()[0]
    try:
        triples = check_equivalent(ours_url, ox_url, iris[:25])
        print(f"   same graphs from both for 25 sample passports ({triples:,} triples compared)")
        targets = {"ours": (ours_url, ours_paths), "oxigraph": (ox_url, ox_paths)}
        for name, (url, paths) in targets.items():
            run_load(url, paths, args.warmup, args.connections, load_cores, scratch, use_wrk)
        for round_number in range(1, args.rounds + 1):
            for name, (url, paths) in targets.items():
                result = run_load(url, paths, args.duration, args.connections, load_cores, scratch, use_wrk)
                results[name].append(result)
                print(f"   round {round_number} {name:9s} {result['throughput_rps']:8,.0f} req/s  "
                      f"p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  "
                      f"non-2xx {result['non_2xx']}")
    finally:
        stop(ours)
        stop(oxi)
        shutil.rmtree(scratch, ignore_errors=True)

    best = {name: max(runs, key=lambda r: r["throughput_rps"]) for name, runs in results.items()}
    ratio = best["ours"]["throughput_rps"] / best["oxigraph"]["throughput_rps"]
    # Rounds alternate between the servers, so each pair saw about the same background load.
    pair_ratios = [a["throughput_rps"] / b["throughput_rps"]
                   for a, b in zip(results["ours"], results["oxigraph"], strict=True)]
    import pyoxigraph

    output = {
        "benchmark": "linked-data RDF documents (Turtle by content negotiation) vs oxigraph serve CONSTRUCT",
        "command": " ".join(["python3 bench/bench_linked_data.py",
                             *(argv if argv is not None else sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "passports": info["passports"], "quads": info["quads"], "sample_passports": len(iris),
        "connections": args.connections, "duration_s": args.duration, "rounds": args.rounds,
        "load_generator": "wrk" if use_wrk else "python-httpx",
        "cpu": {"cores": cores, "server_cores": server_cores or "all", "load_cores": load_cores or "all",
                # other work on the machine skews both servers; rounds alternate to share it
                "load_average_before": round(load_before, 2),
                "load_average_after": round(os.getloadavg()[0], 2)},
        "ours": {"request": "GET /doc/passport/{GM}/{key}, Accept: text/turtle", "best": best["ours"],
                 "runs": results["ours"]},
        "oxigraph": {"request": "GET /query?query=" + CONSTRUCT % "{P}" + ", Accept: text/turtle",
                     "best": best["oxigraph"], "runs": results["oxigraph"]},
        "document_store": args.document_store,
        "kept_on_disk_after_s": kept_seconds,
        "throughput_ratio": round(ratio, 3), "round_ratios": [round(r, 3) for r in pair_ratios],
        "target_ratio": TARGET_RATIO, "target_met": ratio >= TARGET_RATIO,
        "versions": {"python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
                     "oxigraph_cli": subprocess.run(["oxigraph", "--version"], check=False,
                                                    capture_output=True, text=True).stdout.strip()},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(output, indent=2) + "\n")
    print(f"\nours     {best['ours']['throughput_rps']:8,.0f} req/s  p50 {best['ours']['p50_ms']:.2f} ms  "
          f"p99 {best['ours']['p99_ms']:.2f} ms")
    print(f"oxigraph {best['oxigraph']['throughput_rps']:8,.0f} req/s  "
          f"p50 {best['oxigraph']['p50_ms']:.2f} ms  "
          f"p99 {best['oxigraph']['p99_ms']:.2f} ms")
    print(f"ratio of the best runs {ratio:.2f}, per round {', '.join(f'{r:.2f}' for r in pair_ratios)} "
          f"(target >= {TARGET_RATIO}): {'met' if ratio >= TARGET_RATIO else 'NOT met'}; "
          f"written to {args.output}")
    return 0 if all(r["non_2xx"] == 0 for runs in results.values() for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
