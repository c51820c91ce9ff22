"""Soak test: a mixed read/write load at a fixed rate against a real ``passports serve``, for minutes.

    python3 bench/soak.py --minutes 30                 # the real run (issue 15), 500 demo passports
    python3 bench/soak.py --minutes 2 --size 200       # the version the test suite runs

A registry of ``--size`` demo passports is made (or ``--data`` used), a write token made for
GM0153, and ``passports serve`` started on a free loopback port (its page and query workers as
configured). Requests are sent open-loop at ``--rate`` per second (each at its scheduled time,
whatever the earlier ones do; ``--threads`` clients), drawn from a fixed mix:

- ``page``: HTML pages (a passport's page, the home page, the municipality list, the monitor of a
  municipality, a search; ``--pages`` chooses others);
- ``rdf``: a passport's RDF document (Turtle, N-Triples or JSON-LD by content negotiation);
- ``sparql``: ``/sparql`` (one passport's graph as a CONSTRUCT, or a count per municipality);
- ``write``: an authenticated ``PUT /api/v1/passports/GM0153/soak-N`` (new passports, then new
  versions of them).

Every second the resident memory (RSS) of the server and all its worker processes is summed from
``/proc``. The verdict compares the first third of the run (after a warm-up of a tenth) with the
last third: no request may fail (an error is any answer other than 2xx/3xx, or no answer), the
RSS of the last third may be at most ``--max-rss-growth`` times the first's (default 1.25) and the
p99 latency of the last third at most twice the first's plus 50 ms. Results go to
``bench/results/soak.json`` (``--out``); the exit code is 0 when the verdict holds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "soak.json"
TEMPLATE = ROOT / "tests" / "data" / "brug-0042.ttl"
MIX = {"page": 4, "rdf": 3, "sparql": 2, "write": 1}
PAGES = ("PASSPORT", "/", "/municipality/", "/monitor/GM0153", "/search?q=brug", "PASSPORT")
RDF_TYPES = ("text/turtle", "application/n-triples", "application/ld+json")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The load comes from one address but stands for many clients: the per-client budgets of the
# anonymous endpoints (PASSPORTS_CLIENT_CONCURRENCY 2, PASSPORTS_RATE_LIMIT 120 a minute) are raised.
CLIENTS_ENV = {"PASSPORTS_CLIENT_CONCURRENCY": "64", "PASSPORTS_RATE_LIMIT": "1000000",
               "PASSPORTS_BUDGET_SECONDS": "1000000", "PASSPORTS_BUDGET_BYTES": str(2**50)}


def start_server(data: Path, port: int, log: Path) -> subprocess.Popen:
    """``passports serve`` on ``data``; its log (and its workers') goes to the file ``log``: a pipe
    nobody reads would block the server once its buffer is full."""
    with log.open("ab") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--data", str(data), "--port",
                                 str(port), "--no-access-log"], cwd=ROOT, env={**os.environ, **CLIENTS_ENV},
                                stdout=subprocess.DEVNULL, stderr=sink)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"passports serve exited: {log_tail(log)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("passports serve did not answer")


def log_tail(log: Path, size: int = 3000) -> str:
    try:
        return log.read_bytes()[-size:].decode(errors="replace")
    except OSError:
        return ""


def tree_rss(pid: int) -> dict[int, tuple[str, int]]:
    """pid -> (command, bytes of resident memory) of ``pid`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = {}, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            command = Path(f"/proc/{current}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found[current] = (command, int(line.split()[1]) * 1024)
        except OSError:
            pass
    return found


def memory_split(pid: int) -> dict:
    """Resident memory of ``pid`` by kind (MiB): anonymous (heaps), file-backed (mapped files)."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    except (OSError, ValueError):
        return {}
    return {k: round(int(fields[k].split()[0]) / 1024, 1) for k in ("RssAnon", "RssFile", "RssShmem", "VmData")
            if k in fields}


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 2)


class Soak:
    def __init__(self, url: str, base: str, token: str, passports: list[str], seed: int) -> None:
        self.url, self.base, self.token, self.passports = url, base, token, passports
        self.random = random.Random(seed)
        self.local = threading.local()
        self.template = TEMPLATE.read_text(encoding="utf-8").replace(
            "mp:predecessor <http://localhost:8000/id/passport/GM0153/brug-0007> .", ".").replace(
            "http://localhost:8000/", base)
        self.pages = PAGES
        self.records: list[tuple[float, str, float, int]] = []  # (start, kind, seconds, status)
        self.slowest: list[tuple[float, float, str, str]] = []  # (seconds, start, kind, path): the 10 slowest
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.largest: dict[str, int] = {}  # command -> largest RSS seen
        self.largest_split: dict[str, dict] = {}  # command -> its memory_split() when largest
        self.max_rss = 4 * 2**30

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(base_url=self.url, timeout=60)
        return self.local.client

    def request(self, i: int, kind: str) -> tuple[str, str, dict, bytes | None]:
        """(method, path, headers, body) of the ``i``-th request, a ``kind`` one."""
        pick = random.Random(i)
        passport = pick.choice(self.passports)
        path = passport.removeprefix(self.base.rstrip("/"))
        if kind == "page":
            page = pick.choice([path if p == "PASSPORT" else p for p in self.pages])
            return "GET", page, {"Accept": "text/html"}, None
        if kind == "rdf":
            return "GET", path, {"Accept": pick.choice(RDF_TYPES)}, None
        if kind == "sparql":
            query = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{passport}> {{ ?s ?p ?o }} }}" if pick.random() < 0.7
                     else "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g LIMIT 20")
            return "GET", "/sparql?" + str(httpx.QueryParams({"query": query})), \
                {"Accept": "text/turtle" if query.startswith("CONSTRUCT") else "application/sparql-results+json"}, None
        key = f"soak-{i % 40}"
        body = self.template.replace("GM0153/brug-0042", f"GM0153/{key}").replace('"brug-0042"', f'"{key}"')
        body = body.replace('"Brug Twentekanaal"@nl', f'"Soak {i}"@nl')
        return "PUT", f"/api/v1/passports/GM0153/{key}", {"Authorization": f"Bearer {self.token}",
                                                          "Content-Type": "text/turtle"}, body.encode()

    def one(self, i: int, kind: str, started_at: float) -> None:
        method, path, headers, body = self.request(i, kind)
        start = time.monotonic()
        try:
            answer = self.client().request(method, path, headers=headers, content=body, follow_redirects=True)
            status = answer.status_code
            problem = None if status < 400 else f"{method} {path}: {status} {answer.text[:200]}"
        except httpx.HTTPError as exc:
            status, problem = 0, f"{method} {path}: {type(exc).__name__} {exc}"
        with self.lock:
            took = time.monotonic() - start
            self.records.append((start - started_at, kind, took, status))
            self.slowest = sorted([*self.slowest, (took, start - started_at, kind, f"{method} {path[:160]}")],
                                  reverse=True)[:10]
            if problem:
                self.errors.append(problem)

    def run(self, seconds: float, rate: float, threads: int, rss_of) -> dict:
        kinds = [k for k, weight in MIX.items() for _ in range(weight)]
        rss: list[tuple[float, int]] = []
        stop = threading.Event()
        started_at = time.monotonic()

        def sample() -> None:
            while not stop.wait(1.0):
                processes = rss_of()
                total = sum(b for _, b in processes.values())
                rss.append((time.monotonic() - started_at, total))
                for pid, (command, size) in processes.items():
                    if size > self.largest.get(command, 0):
                        self.largest[command] = size
                        self.largest_split[command] = memory_split(pid)
                if total > self.max_rss:
                    self.errors.append(f"the server's processes hold {total / 2**20:.0f} MiB, over "
                                       f"--max-rss-mib {self.max_rss / 2**20:.0f}: the run was stopped")
                    stop.set()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        late = 0
        with ThreadPoolExecutor(threads) as pool:
            for i in range(int(seconds * rate)):
                if stop.is_set():
                    break
                due = started_at + i / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -0.1:
                    late += 1
                pool.submit(self.one, i, kinds[self.random.randrange(len(kinds))], started_at)
        stop.set()
        sampler.join()
        return self.summary(seconds, rate, rss, late)

    def summary(self, seconds: float, rate: float, rss: list[tuple[float, int]], late: int) -> dict:
        warm = seconds / 10
        first = (warm, warm + (seconds - warm) / 3)
        last = (seconds - (seconds - warm) / 3, seconds + 3600)

        def within(span, kind=None):
            return [d for t, k, d, _ in self.records if span[0] <= t < span[1] and (kind is None or k == kind)]

        def mean_rss(span):
            values = [b for t, b in rss if span[0] <= t < span[1]]
            return sum(values) / len(values) if values else None

        thirds = {name: {"p50_ms": percentile(within(span), 50), "p99_ms": percentile(within(span), 99),
                         "requests": len(within(span)), "rss_mib": round((mean_rss(span) or 0) / 2**20, 1),
                         "per_kind_p99_ms": {k: percentile(within(span, k), 99) for k in MIX}}
                  for name, span in (("first_third", first), ("last_third", last))}
        growth = (mean_rss(last) / mean_rss(first)) if mean_rss(first) and mean_rss(last) else None
        p99_first, p99_last = thirds["first_third"]["p99_ms"], thirds["last_third"]["p99_ms"]
        return {
            "requests": len(self.records),
            "per_kind": {k: sum(1 for r in self.records if r[1] == k) for k in MIX},
            "errors": len(self.errors), "first_errors": self.errors[:20],
            "late_sends": late,
            "p50_ms": percentile([r[2] for r in self.records], 50),
            "p99_ms": percentile([r[2] for r in self.records], 99),
            **thirds,
            "rss_growth": round(growth, 3) if growth else None,
            "largest_processes_mib": {c: round(b / 2**20, 1) for c, b in
                                      sorted(self.largest.items(), key=lambda i: -i[1])[:6]},
            "largest_processes_split_mib": {c: self.largest_split.get(c) for c in
                                            sorted(self.largest, key=lambda c: -self.largest[c])[:2]},
            "slowest_requests": [{"ms": round(took * 1000, 1), "at_s": round(at, 1), "kind": kind, "request": what}
                                 for took, at, kind, what in self.slowest],
            "rss_mib_samples": [round(b / 2**20, 1) for _, b in rss[:: max(1, len(rss) // 60)]],
            "p99_ratio_last_to_first": round(p99_last / p99_first, 3) if p99_first and p99_last else None,
            "p99_stable": bool(p99_first and p99_last and p99_last <= 2 * p99_first + 50),
        }


def passports_of(url: str, base: str, n: int = 300) -> list[str]:
    query = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "
             f'"{base}id/passport/")) }} LIMIT {n}')
    answer = httpx.get(f"{url}/sparql", params={"query": query}, timeout=60,
                       headers={"Accept": "application/sparql-results+json"})
    answer.raise_for_status()
    return [b["g"]["value"] for b in answer.json()["results"]["bindings"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--size", type=int, default=500, help="demo passports (without --data)")
    parser.add_argument("--data", type=Path, help="an existing data directory (copied: the soak writes)")
    parser.add_argument("--rate", type=float, default=20, help="requests per second")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-rss-growth", type=float, default=1.25)
    parser.add_argument("--max-rss-mib", type=float, default=4096,
                        help="stop the run when the server's processes hold more (protects the machine)")
    parser.add_argument("--pages", nargs="+", default=PAGES,
                        help="the HTML pages of the mix (PASSPORT: a random passport's page)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from registry.core.settings import Settings
    from registry.store.tokens import TokenStore

    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        data = Path(tmp) / "data"
        port = free_port()
        base = f"http://localhost:{port}/"
        if args.data:
            subprocess.run(["cp", "-a", str(args.data), str(data)], check=True)
        else:
            subprocess.run([sys.executable, "-m", "registry.cli", "demo", "--size", str(args.size), "--data",
                            str(data), "--base", base], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        token = TokenStore(Settings(data_dir=data).tokens_path).create("GM0153", "soak")[1]
        load_before = os.getloadavg()
        log = Path(tmp) / "server.log"
        server = start_server(data, port, log)
        try:
            url = f"http://127.0.0.1:{port}"
            stored = (data / "base-iri").read_text().strip() if (data / "base-iri").exists() else base
            soak = Soak(url, stored, token, passports_of(url, stored), args.seed)
            soak.max_rss = args.max_rss_mib * 2**20
            soak.pages = args.pages
            result = soak.run(args.minutes * 60, args.rate, args.threads, lambda: tree_rss(server.pid))
        finally:
            server.terminate()
            server.wait(60)
            result_log = log_tail(log)
    result = {"benchmark": "soak", "minutes": args.minutes, "rate_per_second": args.rate, "mix": MIX,
              "passports": args.size if not args.data else str(args.data), "machine": {
                  "cores": os.cpu_count(), "python": platform.python_version(),
                  "load_before": [round(x, 2) for x in load_before],
                  "load_after": [round(x, 2) for x in os.getloadavg()]},
              **result, "server_log_tail": result_log}
    result["verdict"] = bool(result["errors"] == 0 and result["p99_stable"] and result["rss_growth"] is not None
                             and result["rss_growth"] <= args.max_rss_growth)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "rss_mib_samples"}, indent=2))
    return 0 if result["verdict"] else 1


if __name__ == "__main__":
    sys.exit(main())
