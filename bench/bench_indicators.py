"""Time every indicator query (sparql/indicator-*.rq) for the region and for one municipality on a
demo store, as the query pages run them (union default graph, parameters bound as substitutions).

    python3 bench/bench_indicators.py --size 20000                 # builds a demo store first
    python3 bench/bench_indicators.py --data /tmp/demo20k --rounds 3

Writes bench/results/indicators.json with the time of each round, the rows and the load average
before and after each query (the machine is shared: the load says how much the figures mean).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.core.settings import Settings
from registry.query import saved
from registry.store import named_queries
from registry.store.registry import Registry

BASE = "http://localhost:8000/"
SCOPES = {"region": {}, "GM0153": {"municipality": "mpv:municipality/GM0153"}}
FIXED = {"date": "2026-12-31", "year": "2026"}


def demo_store(size: int) -> Path:
    data = Path(tempfile.mkdtemp(prefix="bench-indicators-")) / "data"
    subprocess.run([sys.executable, "-m", "registry.cli", "demo", "--size", str(size), "--data", str(data),
                    "--base", BASE], check=True, cwd=ROOT)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an existing data directory (else a demo store is made)")
    parser.add_argument("--size", type=int, default=20000, help="passports of the demo store to make")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="indicator names to time (default all)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "indicators.json")
    args = parser.parse_args()
    data = args.data or demo_store(args.size)
    registry = Registry.open(Settings(data_dir=data, base_iri=BASE))  # loads reference data, derives masses
    passports = registry.count_passports()
    registry.close()
    store = ox.Store.read_only(str(data / "main"))
    names = args.only or sorted(n for n in saved.all_queries() if n.startswith("indicator-"))
    results = {"passports": passports, "rounds": args.rounds, "cpus": os.cpu_count(), "fixed": FIXED,
               "load_before": os.getloadavg(), "queries": {}}
    for name in names:
        query = saved.get(name)
        declared = {p.name for p in query.parameters}
        for scope, values in SCOPES.items():
            wanted = {k: v for k, v in {**FIXED, **values}.items() if k in declared}
            bindings = query.bindings(wanted)
            times, rows, loads = [], 0, []
            for _ in range(args.rounds):
                loads.append(os.getloadavg()[0])
                start = time.perf_counter()
                rows = sum(1 for _ in store.query(named_queries.load(name), use_default_graph_as_union=True,
                                                  substitutions=bindings))
                times.append(round(time.perf_counter() - start, 3))
            results["queries"][f"{name} {scope}"] = {"seconds": times, "best": min(times), "rows": rows,
                                                     "load_average_1min": loads}
            print(f"{name:40} {scope:7} {min(times):7.2f} s  {rows:6} rows  load {loads[0]:.1f}", flush=True)
    results["load_after"] = os.getloadavg()
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
