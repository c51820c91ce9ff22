"""Benchmark: a regional query federated across peer registries vs the same on a harvested copy.

Two peer registries (Enschede GM0153 and Deventer GM0150, ``--size`` demo passports each, each its own
data directory) run as ``passports serve`` processes on loopback ports, and a regional instance (also a
process) whose SERVICE allow-list names them. For each regional saved query the bench measures, in
the same run:

The third query, objects within 40 km of a point between the two towns, is the kind SERVICE cannot
narrow at the peer (substitutions do not travel into a SERVICE clause), so every object's centre crosses
the wire.

- ``federated``: ``GET /regional/{name}`` on the regional instance (SERVICE to both peers in its query
  workers, the peers answering on their endpoints, the union made by the regional instance);
- ``peer_direct``: the local twin of the query (``count-passports-per-municipality``,
  ``materials-stock-by-material``) on one peer over HTTP (``/query/{name}?format=json``): what a
  client pays for one registry's answer;
- ``harvested``: the local twin on one store into which both peers' stores were copied (what a
  regional instance holds after harvesting), in process: the engine's cost without HTTP.

    python3 bench/bench_federation.py                 # 500 passports per peer, 20 rounds
    python3 bench/bench_federation.py --size 100 --rounds 5

Results go to ``bench/results/federation.json``; a summary is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from federation_support import free_port, make_peer_data, peer_server

from registry.store import named_queries

RESULTS = ROOT / "bench" / "results" / "federation.json"
POINT = {"lat": "52.25", "long": "6.5", "km": "40"}  # between Deventer and Enschede
# regional query -> (its local twin, parameters)
QUERIES = {"regional-passports-per-municipality": ("count-passports-per-municipality", {}),
           "regional-material-stock": ("materials-stock-by-material", {}),
           "regional-objects-within-distance": ("objects-within-distance", POINT)}
DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")


def timed(fn, rounds: int) -> dict:
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return {"p50_ms": round(statistics.median(seconds) * 1000, 1),
            "p95_ms": round(seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))] * 1000, 1),
            "min_ms": round(seconds[0] * 1000, 1), "rounds": rounds}


def harvested_copy(dirs: list[Path]) -> ox.Store:
    """One in-memory store with every quad of both peers' stores (reference graphs once)."""
    store = ox.Store()
    for data in dirs:
        peer = ox.Store.read_only(str(data / "main"))
        store.bulk_extend(peer.quads_for_pattern(None, None, None, None))
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=500, help="passports per peer")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    result: dict = {"size_per_peer": args.size, "load_before": os.getloadavg(), "cores": os.cpu_count(),
                    "queries": {}}
    with tempfile.TemporaryDirectory(prefix="bench-federation-") as tmp:
        root = Path(tmp)
        ports = [free_port(), free_port(), free_port()]
        dirs = []
        for (code, seed), port in zip((("GM0153", 1), ("GM0150", 2)), ports):
            dirs.append(root / code / "data")
            started = time.perf_counter()
            make_peer_data(dirs[-1], port, code, args.size, seed)
            print(f"{code}: {args.size} passports in {time.perf_counter() - started:.1f} s", flush=True)
        harvested = harvested_copy(dirs)
        result["harvested_quads"] = len(harvested)
        (root / "regional").mkdir()
        with peer_server(dirs[0], ports[0]) as enschede, peer_server(dirs[1], ports[1]) as deventer:
            env = {"PASSPORTS_SERVICE_ALLOWLIST": f"{enschede} {deventer}", "PASSPORTS_QUERY_WORKERS": "2"}
            with peer_server(root / "regional" / "data", ports[2], env=env) as regional_sparql, \
                    httpx.Client(timeout=120) as client:
                regional = regional_sparql.removesuffix("sparql")
                peer = enschede.removesuffix("sparql")
                for name, (local, params) in QUERIES.items():
                    rows = {}
                    bindings = {k: ox.Literal(v, datatype=DECIMAL) for k, v in params.items()}

                    def federated(name=name, rows=rows, params=params):
                        r = client.get(f"{regional}regional/{name}", params=params)
                        r.raise_for_status()
                        body = r.json()
                        assert not body["federation"]["failed"], body["federation"]
                        rows["federated"] = len(body["results"]["bindings"])

                    def direct(local=local, rows=rows, params=params):
                        r = client.get(f"{peer}query/{local}", params={"format": "json", **params})
                        r.raise_for_status()
                        rows["peer_direct"] = len(r.json()["results"]["bindings"])

                    def in_process(local=local, rows=rows, bindings=bindings):
                        rows["harvested"] = len(named_queries.select(harvested, local, bindings))

                    federated()  # warm: workers started, stores opened
                    direct()
                    in_process()
                    figures = {"federated": timed(federated, args.rounds),
                               "peer_direct": timed(direct, args.rounds),
                               "harvested": timed(in_process, args.rounds), "rows": rows}
                    figures["federated_over_harvested"] = round(
                        figures["federated"]["p50_ms"] / max(figures["harvested"]["p50_ms"], 0.01), 1)
                    result["queries"][name] = figures
                    print(name, json.dumps(figures), flush=True)
    result["load_after"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
