"""``/query/indicator-*`` over HTTP from ``passports serve``: the answer from the monitor aggregates
(new, ``registry/web/figure_answers.py``) against the saved query in a query worker (old, what the
route did before, and still does while the aggregates are dirty), in the same run on the same
server: the aggregates' state is set to dirty in ``monitor.sqlite`` for the old answers and back
to clean for the new ones. Both answers are parsed and compared term for term.

    python3 bench/bench_figures_query.py --data /tmp/figs/demo100k   # a copy: aggregates may be rebuilt

Writes bench/results/figures_query_100k.json with the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_linked_data import free_port, stop
from bench_linked_data import start as start_server

GM0153 = "https://w3id.org/materiaalpaspoort/id/municipality/GM0153"
CASES = [("indicator-goal3-valued-share", {"municipality": GM0153, "date": "2026-12-31"}),
         ("indicator-stock-by-material", {"municipality": GM0153}),
         ("indicator-rstrategy-by-mass", {}),
         ("indicator-municipality-comparison", {"date": "2026-12-31"})]


def _state(data: Path, state: str) -> None:
    conn = sqlite3.connect(data / "monitor.sqlite")
    try:
        with conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'state'", (state,))
    finally:
        conn.close()


def _terms(body: bytes) -> tuple:
    result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return [v.value for v in result.variables], [list(row) for row in result]


def _timed(client, name: str, params: dict, rounds: int) -> tuple[list[float], bytes]:
    times, body = [], b""
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(f"/query/{name}", params={**params, "format": "json"})
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (name, response.status_code, response.text[:300])
        body = response.content
    return times, body


def measure(data: Path, base: str, old_rounds: int, new_rounds: int) -> dict:
    import httpx

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PASSPORTS_QUERY_TIMEOUT": "300", "PASSPORTS_RATE_LIMIT": "100000"}
    url, out = f"http://127.0.0.1:{port}", {}
    server = start_server([sys.executable, "-m", "registry.cli", "serve", "--data", str(data), "--base", base,
                           "--port", str(port)], url + "/query/", "passports serve", wait=1200, env=env)
    try:
        with httpx.Client(base_url=url, timeout=900) as client:
            for name, params in CASES:
                _state(data, "clean")
                new, new_body = _timed(client, name, params, new_rounds)
                _state(data, "dirty")
                old, old_body = _timed(client, name, params, old_rounds)
                _state(data, "clean")
                entry = {"params": params, "new_best_s": round(min(new), 4), "new_median_s": round(statistics.median(new), 4),
                         "old_best_s": round(min(old), 3), "old_all_s": [round(t, 3) for t in old],
                         "speedup_best": round(min(old) / min(new)), "rows": len(_terms(new_body)[1]),
                         "same_terms": _terms(new_body) == _terms(old_body), "load_1min": os.getloadavg()[0]}
                out[name] = entry
                print(name, json.dumps(entry), flush=True)
    finally:
        _state(data, "clean")
        stop(server)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a data directory (a copy)")
    parser.add_argument("--base", default="http://localhost:8000/")
    parser.add_argument("--old-rounds", type=int, default=2)
    parser.add_argument("--new-rounds", type=int, default=7)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "figures_query_100k.json")
    args = parser.parse_args()
    uptime = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    results: dict = {"cpus": os.cpu_count(), "data": str(args.data), "uptime_before": uptime}
    results["figures"] = measure(args.data, args.base, args.old_rounds, args.new_rounds)
    results["uptime_after"] = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
