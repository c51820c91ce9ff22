"""Benchmark of the HTML pages and of the static site build.

    python3 bench/bench_pages.py --size 2000            # make a registry of 2,000 demo passports
    python3 bench/bench_pages.py --data ./data          # or use an existing data directory
    python3 bench/bench_pages.py --data /big/data --connections 4 8 32 --no-site   # 100,000 passports

1. Serves the registry with uvicorn (as ``passports serve`` does, without the access log; with
   ``--page-workers`` page worker processes, several values for a run each) and loads it with ``wrk`` (``apt-get install wrk``): passport pages of random
   passports (uniform over all of them, or over a uniform sample of ``--paths`` of them, so no
   cache helps), the home page, municipality pages, material pages and searches. Per kind and
   connection count: requests, throughput, p50/p90/p99/max latency, the CPU time the server
   spent per request (``/proc/PID/stat`` of the server and its query workers, before and after
   the run) and the load average around the run.
2. Builds the static site from the same registry (``--workers`` processes), then builds it again
   (nothing changed) to time the incremental check. Reports HTML pages/s and files/s (HTML + RDF)
   per wall-clock second, the CPU seconds of the build (this process and its workers), CPU ms per
   passport and per HTML page, the pages/s that CPU time gives on the machine's cores alone
   (``cpu_bound_html_pages_per_second``: what a quiet machine would show) and the load average.
   Then the same files written with nothing but ``os`` calls (what the file system alone costs).
   ``--site-dirs`` builds in several folders, one benchmark each: creating a file costs the
   kernel from 0.01 ms (tmpfs) to over 1 ms (a virtual disk), so ``/tmp /dev/shm`` shows the
   build on the disk and without the disk.

    python3 bench/bench_pages.py --site-only --size 3000    # only the site build, no server or wrk
    python3 bench/bench_pages.py --site-only --data DIR --site-dirs /tmp /dev/shm --rounds 3

Results go to ``bench/results/pages.json`` (``--out``; with ``--site-only``:
``bench/results/site_build.json``).
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

from registry.core.settings import Settings

BASE = "http://localhost:8000/"


def write_result(path: Path, result: dict) -> None:
    """The figures as JSON to ``path`` (folders made) and to stdout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def make_registry(data_dir: Path, size: int, seed: int, compact: bool = True) -> float:
    """Load ``size`` demo passports (``compact=False``: close without compacting, as a store left
    by an import looks before ``Registry.compact``); returns the seconds it took."""
    from registry.core.settings import Settings
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport
    from registry.store.registry import Registry

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
    registry.close(compact=compact)
    if report.rejected:
        raise SystemExit(f"{len(report.rejected)} demo passports were rejected: {report.rejected[0]}")
    return time.perf_counter() - started


def passport_paths(data_dir: Path, limit: int, seed: int) -> tuple[list[str], int, str]:
    """A uniform random sample of at most ``limit`` passport page paths, how many passports there
    are and the registry's base IRI: one pass over the index of current passports, keeping only
    the sample (reservoir sampling), so a registry of any size fits."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(data_dir / "main"))
    rng = random.Random(seed)
    sample: list[str] = []
    seen = 0
    for quad in store.quads_for_pattern(
            None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://w3id.org/materiaalpaspoort/def#Passport"), None):
        if quad.subject != quad.graph_name:
            continue
        iri = quad.subject.value
        seen += 1
        if len(sample) < limit:
            sample.append(iri)
        else:
            slot = rng.randrange(seen)
            if slot < limit:
                sample[slot] = iri
    del store
    if not sample:
        raise SystemExit(f"no passports in {data_dir}")
    base = sample[0].split("id/passport/")[0]
    rng.shuffle(sample)
    return ["/doc/" + i[len(base) + 3:] for i in sample], seen, base


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, port: int, base: str = BASE, page_workers: int | None = None) -> subprocess.Popen:
    env = {**os.environ, "PASSPORTS_DATA": str(data_dir), "PASSPORTS_BASE": base,
           "PYTHONPATH": str(ROOT)}
    if page_workers is not None:
        env["PASSPORTS_PAGE_WORKERS"] = str(page_workers)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "registry.web.app:create_app",
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


COMPUTING = "worden op dit moment berekend"  # the counts of a page are being computed
INDEXING = "De zoekindex wordt op dit moment opgebouwd"  # the search index is being built


def warm_up(url: str, paths: list[str], pages: dict[str, list[str]], page_workers: int = 0) -> float:
    """Wait until the whole-store counts and the search index are there (their first computation
    runs in the background, in every page worker), then request every page of the other kinds and
    a few passports: each page until it came complete from every worker in a row."""
    started = time.perf_counter()
    in_a_row = 2 * max(page_workers, 1)

    def complete(client: httpx.Client, path: str) -> None:
        done = 0
        while done < in_a_row:
            text = client.get(path).text
            done = done + 1 if COMPUTING not in text and INDEXING not in text else 0
            if not done:
                time.sleep(0.5)

    with httpx.Client(base_url=url, timeout=600, headers={"Accept": "text/html"}) as client:
        for path in ("/", "/search?q=brug", "/municipality/", "/material/", "/concepts/rstrategy"):
            complete(client, path)
        for kind_paths in pages.values():
            for path in kind_paths:
                complete(client, path)
        for path in paths[:20]:
            client.get(path)
    return time.perf_counter() - started


_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> tuple[float, float]:
    """(CPU seconds of process ``pid``, of it and its descendants), user + system, from /proc."""
    def own(p: int) -> float:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / _TICK

    def children(p: int) -> list[int]:
        found = []
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                found += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
        return found

    main = own(pid)
    total, todo = main, children(pid)
    while todo:
        child = todo.pop()
        total += own(child)
        todo += children(child)
    return main, total


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


def run_wrk(url: str, paths: list[str], connections: int, seconds: int, workdir: Path, name: str,
            server_pid: int) -> dict:
    listing = workdir / f"{name}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = workdir / f"{name}.lua"
    script.write_text(LUA % listing)
    load_before = os.getloadavg()
    cpu_before = process_cpu(server_pid)
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
                          str(script), url], capture_output=True, text=True, check=True).stdout
    cpu_after = process_cpu(server_pid)
    found = json.loads(re.search(r"^JSON (.*)$", out, re.MULTILINE).group(1))
    found["throughput_rps"] = round(found["requests"] / found["seconds"], 1)
    for key in ("p50", "p90", "p99", "max"):
        found[f"{key}_ms"] = round(found.pop(key), 2)
    found["seconds"] = round(found["seconds"], 1)
    found["connections"] = connections
    found["distinct_paths"] = len(paths)
    requests = max(found["requests"], 1)
    found["server_cpu_ms_per_request"] = round((cpu_after[0] - cpu_before[0]) * 1000 / requests, 3)
    found["server_and_workers_cpu_ms_per_request"] = round(
        (cpu_after[1] - cpu_before[1]) * 1000 / requests, 3)
    found["load_average_before"] = [round(x, 2) for x in load_before]
    found["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return found


def file_system_of(folder: Path) -> str:
    """The type of the file system holding ``folder`` (ext4, tmpfs, ...), from /proc/mounts."""
    target, best, kind = str(folder.resolve()), "", "unknown"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    for line in mounts:
        fields = line.split()
        if len(fields) >= 3 and (target == fields[1] or target.startswith(fields[1].rstrip("/") + "/")) \
                and len(fields[1]) >= len(best):
            best, kind = fields[1], fields[2]
    return kind


def bench_sites(data_dir: Path, workers: int, base: str, rounds: int, site_dirs: list[Path] | None) -> list[dict]:
    """``bench_site`` in each of ``site_dirs`` (default: the system's temporary folder)."""
    found = []
    for parent in site_dirs or [Path(tempfile.gettempdir())]:
        print(f"site build in {parent} ({file_system_of(parent)}) ...", file=sys.stderr)
        found.append(bench_site(data_dir, workers, base, rounds, parent))
    return found


def bench_site(data_dir: Path, workers: int, base: str = BASE, rounds: int = 1, parent: Path | None = None) -> dict:
    """The site build in a new folder under ``parent``: a first build into an empty folder, then
    again with nothing changed; with ``rounds`` > 1 more first builds into fresh folders
    (file-system costs on shared machines vary from minute to minute: the best and the median
    round are reported too). Then the file system alone: the same files written with plain
    ``os`` calls into the same folder (after the site is removed, so both need not fit)."""
    from registry.core.settings import Settings
    from registry.static_site.builder import build_site

    scratch = Path(tempfile.mkdtemp(prefix="bench-site-", dir=parent))
    out = scratch / "site"
    try:
        settings = Settings(data_dir=data_dir, base_iri=base)
        figures = {"folder": str(scratch.parent), "file_system": file_system_of(scratch),
                   "workers": workers, "cores": os.cpu_count()}
        for name in ("first", "incremental_noop"):
            load_before, usage_before = os.getloadavg(), _usage()
            report = build_site(settings, out, workers=workers)
            figures[name] = site_figures(report, load_before)
            # user: Python and pyoxigraph; system: mostly the kernel creating files and folders
            figures[name].update({f"cpu_{kind}_seconds": round(after - before, 2) for kind, before, after
                                  in zip(("user", "system"), usage_before, _usage())})
            print(f"  {name}: {figures[name]['html_pages_per_second']} HTML pages/s, "
                  f"{figures[name]['files_per_second']} files/s, {report.cpu_seconds:.1f} s CPU "
                  f"({figures[name]['cpu_ms_per_passport']} ms per passport built), "
                  f"{figures[name]['cpu_bound_html_pages_per_second']} HTML pages/s if CPU-bound, "
                  f"load {figures[name]['load_average_after'][0]}", file=sys.stderr)
        speeds = [figures["first"]["html_pages_per_second"]]
        for round_number in range(2, rounds + 1):
            again = scratch / f"site-{round_number}"
            report = build_site(settings, again, workers=workers)
            speeds.append(site_figures(report, os.getloadavg())["html_pages_per_second"])
            shutil.rmtree(again)
            print(f"  first build, round {round_number}: {speeds[-1]} HTML pages/s", file=sys.stderr)
        figures["first_build_rounds_html_pages_per_second"] = speeds
        figures["first_build_best_html_pages_per_second"] = max(speeds)
        figures["first_build_median_html_pages_per_second"] = sorted(speeds)[len(speeds) // 2]
        files = [(str(path.relative_to(out)), path.stat().st_size) for path in out.rglob("*") if path.is_file()]
        figures["files_on_disk"] = len(files)
        shutil.rmtree(out)
        figures["file_system_alone"] = raw_writes(files, scratch / "raw")
        print(f"  the same {len(files)} files written with plain os calls: "
              f"{figures['file_system_alone']['files_per_second']} files/s, "
              f"{figures['file_system_alone']['cpu_system_seconds']} s system CPU", file=sys.stderr)
        return figures
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def raw_writes(files: list[tuple[str, int]], root: Path) -> dict:
    """The file system alone, in the same run: the site's files (same paths, same sizes) written
    with plain ``os`` calls and nothing else. Creating many small files costs kernel time that
    differs a lot from machine to machine (on the benchmark VM 0.1 to 1 ms per file)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    prefix = str(root) + "/"
    load_before, usage_before, started = os.getloadavg(), _usage(), time.perf_counter()
    for rel, size in files:
        target = prefix + rel
        try:
            fd = os.open(target, flags, 0o644)
        except FileNotFoundError:
            os.makedirs(target.rpartition("/")[0], exist_ok=True)
            fd = os.open(target, flags, 0o644)
        os.write(fd, bytes(size))
        os.close(fd)
    seconds = time.perf_counter() - started
    user, system = (after - before for before, after in zip(usage_before, _usage()))
    return {"files": len(files), "seconds": round(seconds, 2),
            "files_per_second": round(len(files) / seconds, 1) if seconds else None,
            "cpu_user_seconds": round(user, 2), "cpu_system_seconds": round(system, 2),
            "load_average_before": [round(x, 2) for x in load_before]}


def _usage() -> tuple[float, float]:
    """(user, system) CPU seconds of this process and its children that ended."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime


def site_figures(report, load_before: tuple[float, ...]) -> dict:
    """One build's figures: HTML pages and files per wall-clock second, CPU per passport and per
    page, and what the CPU time would give on this machine's cores alone (no other load)."""
    cores = os.cpu_count() or 1
    files = report.pages_written + report.rdf_files
    cpu = report.cpu_seconds
    found = report.as_dict()
    found.update({
        "html_pages_per_second": round(report.pages_written / report.seconds, 1) if report.seconds else None,
        "files_per_second": round(files / report.seconds, 1) if report.seconds else None,
        "cpu_ms_per_passport": round(cpu * 1000 / report.passports_built, 2) if report.passports_built else None,
        "cpu_ms_per_html_page": round(cpu * 1000 / report.pages_written, 2) if report.pages_written else None,
        "cpu_bound_html_pages_per_second": round(report.pages_written * cores / cpu, 1) if cpu else None,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    })
    return found


def registry_for(args, scratch: Path, result: dict) -> Path:
    """``--data`` as given, or a new registry of ``--size`` demo passports in ``scratch``."""
    if args.data is not None:
        return args.data
    data_dir = scratch / "data"
    print(f"loading {args.size} demo passports ...", file=sys.stderr)
    result["load_seconds"] = round(make_registry(data_dir, args.size, args.seed), 1)
    return data_dir


def site_only(args, argv: list[str] | None) -> int:
    """``--site-only``: the site build benchmark alone (no server, no wrk)."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-site-data-"))
    result: dict = {"machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
                    "command": " ".join([Path(sys.argv[0]).name] + (argv or sys.argv[1:]))}
    try:
        data_dir = registry_for(args, scratch, result)
        _, result["passports"], base = passport_paths(data_dir, 1, args.seed)
        print("site build ...", file=sys.stderr)
        result["site_builds"] = bench_sites(data_dir, args.workers, base, args.rounds, args.site_dirs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["machine"]["load_average_at_end"] = os.getloadavg()
    out = args.out or ROOT / "bench" / "results" / "site_build.json"
    write_result(out, result)
    return 0


# The pages of each kind requested under load (besides the passports, sampled from the store).
KINDS: dict[str, list[str]] = {
    "passport": [],
    "home": ["/"],
    "municipality": [f"/doc/municipality/{gm}" for gm in (
        "GM0141", "GM0147", "GM0153", "GM0158", "GM0164", "GM0200", "GM0150", "GM0301")],
    "material": [f"/doc/material/{m}" for m in ("concrete", "asphalt", "steel", "timber", "sand")],
    "search": [f"/search?q={q}" for q in ("brug", "straat", "laan", "bank", "riool", "weg")],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2000, help="demo passports to load (without --data)")
    parser.add_argument("--data", type=Path, help="use this data directory instead of making one")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--connections", type=int, nargs="+", default=[8], help="concurrent connections")
    parser.add_argument("--seconds", type=int, default=15, help="duration of each load run")
    parser.add_argument("--paths", type=int, default=100_000,
                        help="passport pages requested: a uniform sample of at most this many")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS),
                        help="page kinds to load")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="site build processes")
    parser.add_argument("--page-workers", type=int, nargs="+", default=[Settings().page_workers],
                        help="page worker processes of the server (0: pages rendered in the server "
                             "process); several values: one server and one set of runs each")
    parser.add_argument("--no-site", action="store_true", help="skip the site build benchmark")
    parser.add_argument("--rounds", type=int, default=1, help="first site builds (best and median reported)")
    parser.add_argument("--site-dirs", type=Path, nargs="+", default=None,
                        help="folders to build the site in, one benchmark each (default: the temporary "
                             "folder), e.g. /tmp /dev/shm for a disk and a memory file system")
    parser.add_argument("--site-only", action="store_true",
                        help="only the site build benchmark (no server, no wrk)")
    parser.add_argument("--out", type=Path, default=None,
                        help="results file (default bench/results/pages.json, with --site-only "
                             "bench/results/site_build.json)")
    args = parser.parse_args(argv)
    if args.site_only:
        return site_only(args, argv)
    args.out = args.out or ROOT / "bench" / "results" / "pages.json"
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    scratch = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    result: dict = {"machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
                    "command": " ".join([Path(sys.argv[0]).name] + (argv or sys.argv[1:]))}
    try:
        data_dir = registry_for(args, scratch, result)
        paths, result["passports"], base = passport_paths(data_dir, args.paths, args.seed)
        kinds = {name: KINDS[name] for name in args.kinds if name != "passport"}
        result["runs"] = []
        for page_workers in args.page_workers:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            print(f"server with {page_workers} page workers ...", file=sys.stderr)
            server = start_server(data_dir, port, base, page_workers)
            run: dict = {"page_workers": page_workers, "load": {}}
            result["runs"].append(run)
            try:
                run["warm_up_seconds"] = round(warm_up(url, paths, kinds, page_workers), 2)
                load_kinds = {"passport": paths, **kinds} if "passport" in args.kinds else kinds
                for connections in args.connections:
                    for name, kind_paths in load_kinds.items():
                        print(f"wrk {name} c={connections} ...", file=sys.stderr)
                        found = run["load"][f"{name}_c{connections}"] = run_wrk(
                            url, kind_paths, connections, args.seconds, scratch, name, server.pid)
                        print(f"  {found['throughput_rps']} req/s, p50 {found['p50_ms']} ms, "
                              f"p99 {found['p99_ms']} ms, {found['server_and_workers_cpu_ms_per_request']} "
                              f"ms CPU/request, load {found['load_average_after'][0]}", file=sys.stderr)
            finally:
                server.terminate()
                server.wait(timeout=30)
        if not args.no_site:
            print("site build ...", file=sys.stderr)
            result["site_builds"] = bench_sites(data_dir, args.workers, base, args.rounds, args.site_dirs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["machine"]["load_average_at_end"] = os.getloadavg()
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
