"""Benchmark of the HTML pages and of the static site build.

    python3 bench/bench_pages.py --size 2000            # make a registry of 2,000 demo passports
    python3 bench/bench_pages.py --data ./data          # or use an existing data directory

1. Serves the registry with uvicorn (one process, as ``passports serve`` does) and loads it with
   ``wrk`` (``apt-get install wrk``): passport pages of random passports (uniform over all of
   them, so no page cache helps), the home page, municipality pages, material pages and searches;
   throughput and p50/p90/p99 latency per kind.
2. Builds the static site from the same registry (``--workers`` processes) and reports pages/s,
   then builds it again (nothing changed) to time the incremental check.

Results go to ``bench/results/pages.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "http://localhost:8000/"


def make_registry(data_dir: Path, size: int, seed: int) -> float:
    from registry.config import Settings
    from registry.demo import generate
    from registry.documents import PassportDoc
    from registry.store import Registry
    from registry.uris import owning_passport

    started = time.perf_counter()
    registry = Registry.open(Settings(data_dir=data_dir, base_iri=BASE))
    docs = (PassportDoc(owning_passport(BASE, iri), triples) for iri, triples in generate(size, seed, BASE))
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        print(f"\r  loaded {done}/{size} passports", end="", file=sys.stderr, flush=True)

    report = registry.add(docs, source="urn:bench:demo", progress=progress)
    print(file=sys.stderr)
    registry.close()
    if report.rejected:
        raise SystemExit(f"{len(report.rejected)} demo passports were rejected: {report.rejected[0]}")
    return time.perf_counter() - started


def passport_paths(data_dir: Path, limit: int, seed: int) -> list[str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(data_dir / "main"))
    iris = [q.subject.value for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("https://w3id.org/materiaalpaspoort/def#Passport"), None)
        if q.subject == q.graph_name]
    del store
    base = iris[0].split("id/passport/")[0]
    random.Random(seed).shuffle(iris)
    return ["/doc/" + i[len(base) + 3:] for i in iris[:limit]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PASSPORTS_DATA": str(data_dir), "PASSPORTS_BASE": BASE,
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "registry.app:create_app",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                             "--no-access-log"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/static/css/site.css", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise SystemExit("the server did not start")


def warm_up(url: str, paths: list[str]) -> float:
    """Wait until the cached whole-store counts are there (first computation), then touch pages."""
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=600, headers={"Accept": "text/html"}) as client:
        while "worden op dit moment berekend" in client.get("/").text:
            time.sleep(0.5)
        for path in ("/municipality/", "/material/", "/concepts/rstrategy", "/doc/material/concrete",
                     "/doc/municipality/GM0153"):
            client.get(path)
        for path in paths[:20]:
            client.get(path)
    return time.perf_counter() - started


LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local n = #paths
request = function()
  return wrk.format("GET", paths[math.random(n)], {["Accept"] = "text/html"})
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %%d, \\"errors\\": %%d, \\"non2xx\\": %%d, \\"seconds\\": %%f, \\"p50\\": %%f, \\"p90\\": %%f, \\"p99\\": %%f, \\"max\\": %%f}\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def run_wrk(url: str, paths: list[str], connections: int, seconds: int, workdir: Path, name: str) -> dict:
    listing = workdir / f"{name}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = workdir / f"{name}.lua"
    script.write_text(LUA % listing)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
                          str(script), url], capture_output=True, text=True, check=True).stdout
    found = json.loads(re.search(r"^JSON (.*)$", out, re.MULTILINE).group(1))
    found["throughput_rps"] = round(found["requests"] / found["seconds"], 1)
    for key in ("p50", "p90", "p99", "max"):
        found[f"{key}_ms"] = round(found.pop(key), 2)
    found["seconds"] = round(found["seconds"], 1)
    found["connections"] = connections
    found["distinct_paths"] = len(paths)
    return found


def bench_site(data_dir: Path, workers: int) -> dict:
    from registry.config import Settings
    from registry.site_build import build_site

    out = Path(tempfile.mkdtemp(prefix="bench-site-"))
    try:
        settings = Settings(data_dir=data_dir, base_iri=BASE)
        first = build_site(settings, out, progress=False, workers=workers)
        second = build_site(settings, out, progress=False, workers=workers)
        files = sum(1 for _ in out.rglob("*") if _.is_file())
        return {"workers": workers, "files": files, "first": first.as_dict(),
                "passport_phase_seconds": round(first.passport_seconds, 2),
                "passport_pages_per_second": round(
                    (first.pages_written - _overview_pages(out)) / first.passport_seconds, 1)
                if first.passport_seconds else None,
                "incremental_noop": second.as_dict()}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _overview_pages(out: Path) -> int:
    return sum(1 for p in out.rglob("*.html") if "/doc/passport/" not in p.as_posix())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2000, help="demo passports to load (without --data)")
    parser.add_argument("--data", type=Path, help="use this data directory instead of making one")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--connections", type=int, nargs="+", default=[8], help="concurrent connections")
    parser.add_argument("--seconds", type=int, default=15, help="duration of each load run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="site build processes")
    parser.add_argument("--no-site", action="store_true", help="skip the site build benchmark")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pages.json")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    scratch = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    result: dict = {"machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
                    "command": " ".join([Path(sys.argv[0]).name] + (argv or sys.argv[1:]))}
    try:
        data_dir = args.data
        if data_dir is None:
            data_dir = scratch / "data"
            print(f"loading {args.size} demo passports ...", file=sys.stderr)
            result["load_seconds"] = round(make_registry(data_dir, args.size, args.seed), 1)
        paths = passport_paths(data_dir, 100_000, args.seed)
        result["passports"] = len(passport_paths(data_dir, 10**9, args.seed))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(data_dir, port)
        try:
            result["warm_up_seconds"] = round(warm_up(url, paths), 2)
            kinds = {
                "passport": paths,
                "home": ["/"],
                "municipality": [f"/doc/municipality/{gm}" for gm in (
                    "GM0141", "GM0147", "GM0153", "GM0158", "GM0164", "GM0200", "GM0150", "GM0301")],
                "material": [f"/doc/material/{m}" for m in ("concrete", "asphalt", "steel", "timber", "sand")],
                "search": [f"/search?q={q}" for q in ("brug", "straat", "laan", "bank", "riool", "weg")],
            }
            result["load"] = {}
            for connections in args.connections:
                for name, kind_paths in kinds.items():
                    print(f"wrk {name} c={connections} ...", file=sys.stderr)
                    result["load"][f"{name}_c{connections}"] = run_wrk(
                        url, kind_paths, connections, args.seconds, scratch, name)
        finally:
            server.terminate()
            server.wait(timeout=30)
        if not args.no_site:
            print("site build ...", file=sys.stderr)
            result["site_build"] = bench_site(data_dir, args.workers)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["machine"]["load_average_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
