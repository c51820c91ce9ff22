"""The monitor's per-object lists (``indicator-release-forecast-objects``, ``indicator-mci-per-object``)
in pages and streamed (``registry.store.monitor_lists``, ``/query/NAME``), against the whole list
built in memory as before (``monitor_answers.figure`` and one document).

For each list and scope (the region, GM0153): the first page and a page from the middle (keyset,
``limit`` 100), and the whole list as CSV, streamed (time to the first bytes, total, peak RSS of a
process that does only that) and unstreamed (total, peak RSS); the peak RSS of a process that only
opens the file is the baseline. With ``--serve``, the same over HTTP from ``passports serve`` on
the data directory (time to first byte, total, the server's peak RSS).

    python3 bench/bench_object_lists.py --synthetic 1000000            # aggregate rows made directly
    python3 bench/bench_object_lists.py --data /tmp/copy/demo100k --serve  # a copy: the aggregates are rebuilt

Writes bench/results/object_lists.json (``--output``) with the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_linked_data import free_port, stop
from bench_linked_data import start as start_server

MPV = "https://w3id.org/materiaalpaspoort/id/"
SCOPES = {"region": None, "GM0153": MPV + "municipality/GM0153"}
YEAR = 2026
LIMIT = 100


def child(mode: str, data: Path, name: str, municipality: str | None) -> dict:
    """One measurement in this (fresh) process: ``open``, ``stream`` or ``whole``."""
    from registry.query.row_results import chunks, document
    from registry.store import monitor_lists
    from registry.store.monitor_answers import figure, open_figures
    from registry.web.object_lists import columns_of

    conn = open_figures(data)
    start = time.perf_counter()
    out: dict = {}
    if mode == "stream":
        size = first = 0
        with open(os.devnull, "wb") as sink:
            for piece in chunks("csv", columns_of(name), monitor_lists.rows(conn, name, municipality, year=YEAR)):
                first = first or time.perf_counter() - start
                size += sink.write(piece)
        out.update(first_bytes_s=round(first, 4), bytes=size)
    elif mode == "whole":
        rows = figure(conn, name, municipality, year=YEAR)
        body = document("csv", columns_of(name), rows)
        out.update(bytes=len(body), rows=len(rows))
    out["total_s"] = round(time.perf_counter() - start, 3)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def in_child(mode: str, data: Path, name: str, municipality: str | None) -> dict:
    args = [sys.executable, __file__, "--child", mode, "--data", str(data), "--name", name]
    found = subprocess.run(args + (["--municipality", municipality] if municipality else []), check=True,
                           capture_output=True, text=True, cwd=ROOT)
    return json.loads(found.stdout)


def pages(data: Path, name: str, municipality: str | None) -> dict:
    from registry.store import monitor_lists
    from registry.store.monitor_answers import open_figures

    conn = open_figures(data)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        found, _ = monitor_lists.page(conn, name, municipality, year=YEAR, limit=LIMIT)
        times.append(time.perf_counter() - start)
    total = sum(1 for _ in monitor_lists.rows(conn, name, municipality, year=YEAR))
    middle = None
    for i, row in enumerate(monitor_lists.rows(conn, name, municipality, year=YEAR)):
        if i == total // 2:
            middle = monitor_lists.decode_position(name, monitor_lists.encode_position(name, row))
            break
    mid_times = []
    for _ in range(3):
        start = time.perf_counter()
        later, _ = monitor_lists.page(conn, name, municipality, year=YEAR, limit=LIMIT, after=middle)
        mid_times.append(time.perf_counter() - start)
    count_times = []
    for _ in range(3):  # what a monitor page reads of the list besides its first 200 rows
        start = time.perf_counter()
        counted = monitor_lists.count(conn, name, municipality, year=YEAR)
        count_times.append(time.perf_counter() - start)
    conn.close()
    assert counted == total
    return {"rows": total, "first_page_s": round(min(times), 4), "middle_page_s": round(min(mid_times), 4),
            "page_rows": len(found), "middle_page_rows": len(later), "count_s": round(min(count_times), 4)}


def measure(data: Path) -> dict:
    from registry.store import monitor_lists

    out = {"baseline": in_child("open", data, monitor_lists.MCI, None)}
    for name in monitor_lists.PAGED:
        for scope, municipality in SCOPES.items():
            entry = pages(data, name, municipality)
            entry["streamed"] = in_child("stream", data, name, municipality)
            entry["whole_in_memory"] = in_child("whole", data, name, municipality)
            entry["load_1min"] = os.getloadavg()[0]
            out[f"{name} {scope}"] = entry
            print(name, scope, json.dumps(entry), flush=True)
    return out


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def over_http(data: Path, base: str) -> dict:
    """The lists from ``passports serve`` on ``data``: first page and whole CSV, timed by a client."""
    import httpx

    from registry.store import monitor_lists

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server([sys.executable, "-m", "registry.cli", "serve", "--data", str(data), "--base", base,
                           "--port", str(port)], url + "/query/", "passports serve", wait=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    out: dict = {}
    try:
        out["server_rss_after_start_mb"] = _peak_rss_mb(server.pid)
        with httpx.Client(base_url=url, timeout=600) as client:
            for name in monitor_lists.PAGED:
                for scope, municipality in SCOPES.items():
                    params = {"year": str(YEAR)} if name == monitor_lists.RELEASE else {}
                    params.update({"municipality": municipality} if municipality else {})
                    start = time.perf_counter()
                    page = client.get(f"/query/{name}", params={**params, "format": "json", "limit": str(LIMIT)})
                    page_s = time.perf_counter() - start
                    start, first, size = time.perf_counter(), 0.0, 0
                    with client.stream("GET", f"/query/{name}", params={**params, "format": "csv"}) as response:
                        for piece in response.iter_bytes():
                            first = first or time.perf_counter() - start
                            size += len(piece)
                    entry = {"first_page_s": round(page_s, 4), "page_status": page.status_code,
                             "stream_first_byte_s": round(first, 4), "stream_total_s": round(time.perf_counter() - start, 3),
                             "stream_bytes": size, "stream_status": response.status_code,
                             "server_peak_rss_mb": _peak_rss_mb(server.pid), "load_1min": os.getloadavg()[0]}
                    out[f"{name} {scope}"] = entry
                    print("http", name, scope, json.dumps(entry), flush=True)
    finally:
        stop(server)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a data directory (a copy: its aggregates may be rebuilt)")
    parser.add_argument("--base", default="http://localhost:8000/")
    parser.add_argument("--synthetic", type=int, default=0, help="synthetic aggregate rows of this many passports")
    parser.add_argument("--serve", action="store_true", help="also over HTTP from passports serve (with --data)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "object_lists.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--municipality", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.data, args.name, args.municipality)))
        return
    results = {"cpus": os.cpu_count(), "year": YEAR, "limit": LIMIT, "load_before": os.getloadavg(),
               "uptime_before": subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()}
    if args.synthetic:
        from bench_monitor_figures import make_synthetic

        data, made = make_synthetic(args.synthetic)
        results["synthetic"] = {"passports": args.synthetic, "make_s": round(made, 1), **measure(data)}
    if args.data:
        from registry.core.settings import Settings
        from registry.store.registry import Registry

        start = time.perf_counter()
        registry = Registry.open(Settings(data_dir=args.data, base_iri=args.base))  # rebuilds stale aggregates
        results["store"] = {"passports": registry.count_passports(), "open_s": round(time.perf_counter() - start, 1)}
        registry.close()
        results["store"].update(measure(args.data))
        if args.serve:
            results["store"]["http"] = over_http(args.data, args.base)
    results["load_after"] = os.getloadavg()
    results["uptime_after"] = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
