"""Benchmark (issue 11, items 1-3 and 12): hostile RDF bodies against pyoxigraph's parsers as they
are, and against the registry's reader with its pre-scan; the pre-scan's cost on normal bodies; the
cost of parsing request bodies in a parse worker process.

    python3 bench/bench_hostile_parse.py            # quick: smaller bombs, 20 s per case
    python3 bench/bench_hostile_parse.py --full     # the issue's sizes (a minute, 3 GB for "raw")
    python3 bench/bench_hostile_parse.py --no-cases --rounds 900   # only the costs on normal bodies

Every parse runs in a subprocess of its own (a crash there is a result, not the end of the run);
its time and peak memory come from ``/usr/bin/time``. Writes bench/results/hostile_parse.json
(``--no-cases``: hostile_parse_costs.json).
"""

from __future__ import annotations

import argparse
import json
import os
import signal as signal_module
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import hostile_rdf as h

from registry.core.settings import Settings
from registry.model.parse_pool import ParsePool, parse_body
from registry.model.prescan import ParseLimits, check

BASE = "http://localhost:8000/"
RAW = "import sys, pyoxigraph as ox; data = sys.stdin.buffer.read(); " \
      "n = sum(1 for _ in ox.parse(data, ox.RdfFormat.from_media_type(sys.argv[1]), base_iri='http://e/')); " \
      "print(n, 'triples')"
GUARDED = "import sys, pyoxigraph as ox; from registry.model.documents import read_bytes; " \
          "data = sys.stdin.buffer.read(); " \
          "read_bytes(data, 'http://localhost:8000/', ox.RdfFormat.from_media_type(sys.argv[1]))"


def cases(full: bool) -> list[tuple[str, ox.RdfFormat, bytes]]:
    f = ox.RdfFormat
    return [
        ("JSON-LD @list nested 5,000 deep", f.JSON_LD, h.jsonld_lists(5_000)),
        ("JSON objects nested 10,000 deep", f.JSON_LD, h.json_objects(10_000)),
        ("RDF/XML billion laughs, 8 levels" if full else "RDF/XML billion laughs, 6 levels", f.RDF_XML,
         h.rdfxml_laughs(8 if full else 6)),
        ("RDF/XML external entity (file:///etc/passwd)", f.RDF_XML, h.rdfxml_external_entity()),
        ("RDF/XML nested 40,000 elements" if full else "RDF/XML nested 10,000 elements", f.RDF_XML,
         h.rdfxml_elements(40_000 if full else 10_000)),
        ("Turtle [ ] nested 100,000 deep", f.TURTLE, h.deep(f.TURTLE, 100_000)),
        ("TriG ( ) nested 100,000 deep", f.TRIG, h.deep(f.TRIG, 100_000)),
        ("N-Triples <<( )>> nested 100,000 deep", f.N_TRIPLES, h.deep(f.N_TRIPLES, 100_000)),
        ("N-Triples literal of 50 MB" if full else "N-Triples literal of 20 MB", f.N_TRIPLES,
         h.big_literal(f.N_TRIPLES, (50 if full else 20) * 2**20)),
    ]


def run(code: str, data: bytes, media_type: str, timeout: float) -> dict:
    """``python -c code media_type`` with ``data`` on stdin, under ``/usr/bin/time`` for the peak
    memory of that process alone (``wait4`` would count the parent's pages a fork copies)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as out, \
            tempfile.NamedTemporaryFile(mode="r") as usage:
        stdin.write(data)
        stdin.seek(0)
        started = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", usage.name, sys.executable, "-c", code,
                                 media_type], stdin=stdin, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        try:
            status = proc.wait(timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal_module.SIGKILL)  # /usr/bin/time and the parse, its own group
            status, timed_out = proc.wait(), True
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode(errors="replace").strip().splitlines()
        lines = usage.read().strip().splitlines()
    signal = next((line.split()[-1] for line in lines if "terminated by signal" in line), None)
    peak = int(lines[-1]) // 1024 if lines and lines[-1].isdigit() else None
    return {"exit": -int(signal) if signal else status, "seconds": round(seconds, 3), "max_rss_mb": peak,
            "timed_out": timed_out, "said": (text[-1] if text else "")[:300]}


def prescan_throughput() -> dict:
    """Seconds to pre-scan normal bodies of about 10 MB, and to parse them."""
    limits = ParseLimits.from_settings(Settings(), request=False)
    result = {}
    for fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML):
        data = h.many_triples(fmt, 150_000)
        started = time.perf_counter()
        check(data, fmt, limits)
        scan = time.perf_counter() - started
        started = time.perf_counter()
        n = sum(1 for _ in ox.parse(data, fmt, base_iri="http://e/"))
        parse = time.perf_counter() - started
        result[fmt.name] = {"mb": round(len(data) / 2**20, 1), "triples": n, "prescan_s": round(scan, 3),
                            "parse_s": round(parse, 3)}
    return result


def worker_overhead(rounds: int) -> dict:
    """Median milliseconds to turn the model's example passport (a few KB of Turtle) into documents:
    in this process, and through a parse worker."""
    body = (ROOT / "tests" / "data" / "brug-0042.ttl").read_bytes()
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), base_iri=BASE)
    limits = ParseLimits.from_settings(settings, request=True)

    def timed(fn) -> float:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(times), 3)

    in_process = timed(lambda: parse_body(body, BASE, ox.RdfFormat.TURTLE, limits))
    scan = timed(lambda: check(body, ox.RdfFormat.TURTLE, limits))
    started = time.perf_counter()
    pool = ParsePool(settings, size=1)
    pool.wait_ready()
    startup = time.perf_counter() - started
    try:
        worker = timed(lambda: pool.parse(body, BASE, ox.RdfFormat.TURTLE))
    finally:
        pool.close()
    return {"body_bytes": len(body), "in_process_ms": in_process, "of_which_prescan_ms": scan,
            "worker_ms": worker, "worker_startup_s": round(startup, 2)}


def put_latency(rounds: int) -> dict:
    """Median milliseconds of a PUT of the example passport (unchanged after the first), through
    the whole in-process app, with the body parsed in the server process and in a parse worker."""
    from fastapi.testclient import TestClient

    from registry.store.tokens import TokenStore
    from registry.web.app import create_app

    body = (ROOT / "tests" / "data" / "brug-0042.ttl").read_bytes().replace(
        b"mp:predecessor <http://localhost:8000/id/passport/GM0153/brug-0007> .", b".")
    result = {}
    for workers in (0, 1):
        settings = Settings(data_dir=Path(tempfile.mkdtemp()) / "data", base_iri=BASE, query_workers=1,
                            page_workers=0, parse_workers=workers)
        token = TokenStore(settings.tokens_path).create("GM0153", "bench")[1]
        headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}
        with TestClient(create_app(settings)) as client:
            if client.app.state.parse_pool is not None:
                client.app.state.parse_pool.wait_ready()
            first = client.put("/api/v1/passports/GM0153/brug-0042", content=body, headers=headers)
            assert first.status_code in (200, 201), first.text
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                r = client.put("/api/v1/passports/GM0153/brug-0042", content=body, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert r.status_code == 200, r.text
        result[f"parse_workers={workers}"] = round(statistics.median(times), 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's sizes")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per raw parse")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--no-cases", action="store_true", help="only the costs on normal bodies")
    args = parser.parse_args()
    results = {"cases": [], "prescan": prescan_throughput(), "worker": worker_overhead(args.rounds),
               "put_ms": put_latency(args.rounds // 3)}
    for name, fmt, data in [] if args.no_cases else cases(args.full):
        media_type = h.MEDIA[fmt]
        row = {"case": name, "bytes": len(data), "raw": run(RAW, data, media_type, args.timeout),
               "guarded": run(GUARDED, data, media_type, args.timeout)}
        results["cases"].append(row)
        raw, guarded = row["raw"], row["guarded"]
        print(f"{name} ({len(data):,} bytes)\n  raw:     exit {raw['exit']}, {raw['seconds']} s, "
              f"{raw['max_rss_mb']} MB{' (killed at the timeout)' if raw['timed_out'] else ''}: {raw['said'][:90]}"
              f"\n  guarded: exit {guarded['exit']}, {guarded['seconds']} s, {guarded['max_rss_mb']} MB: "
              f"{guarded['said'][:160]}", flush=True)
    print(json.dumps({key: results[key] for key in ("prescan", "worker", "put_ms")}, indent=1))
    out = ROOT / "bench" / "results" / ("hostile_parse_costs.json" if args.no_cases else "hostile_parse.json")
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
