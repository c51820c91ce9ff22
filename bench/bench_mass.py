"""Benchmark (issue 12, item 2): what deriving the mass of every quantity costs a validated `add`.

    python3 bench/bench_mass.py --size 5000             # the figure in docs/benchmarks.md
    python3 bench/bench_mass.py --size 500 --rounds 1   # quick

In one process, on the same demo N-Quads file: `Registry.add` into a fresh store with the mass
derivation switched off (the writer's `mass_triples` replaced by one returning nothing: the write
path as it was before masses) and on, alternating (off, on, off, on, ...) so that both see the same
load of the machine; the best and the median of each are compared. Also the derivation alone
(`mass_triples` over every passport's triples, no store), which does not depend on disk or load.
Then `refresh_masses` on the last store written without masses (all added), and again (nothing to
change): what reopening a store costs after the reference values changed. Writes
bench/results/mass.json.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.core.settings import Settings
from registry.demo import write
from registry.model.documents import read_file
from registry.model.mass import mass_tables, mass_triples
from registry.model.vocab import MASS_KG
from registry.store import writer
from registry.store.registry import Registry

BASE = "http://localhost:8000/"


def timed_add(source: Path, directory: Path, batch: int) -> tuple[float, int]:
    settings = Settings(data_dir=directory, base_iri=BASE)
    with Registry.open(settings) as registry:
        t0 = time.perf_counter()
        report = registry.add(read_file(source, BASE), batch_size=batch)
        seconds = time.perf_counter() - t0
        masses = sum(1 for _ in registry.store.quads_for_pattern(None, MASS_KG, None, None))
        assert not report.rejected
    return seconds, masses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "mass.json")
    args = parser.parse_args()

    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-mass-") as tmp:
        tmp = Path(tmp)
        source = tmp / "demo.nq"
        write(source, size=args.size, seed=1, base=BASE, fmt="nq")
        docs = list(read_file(source, BASE))
        triples = [doc.triples for doc in docs]
        tables = mass_tables()
        t0 = time.perf_counter()
        derived = sum(len(mass_triples(t, tables)) for t in triples)
        derive_s = time.perf_counter() - t0
        quantities = derived // 5
        del docs, triples

        off: list[float] = []
        on: list[float] = []
        masses_written = 0
        for i in range(args.rounds):
            writer.mass_triples = lambda *_: []  # the write path before masses
            off.append(timed_add(source, tmp / f"off-{i}", args.batch)[0])
            writer.mass_triples = mass_triples
            seconds, masses_written = timed_add(source, tmp / f"on-{i}", args.batch)
            on.append(seconds)
        # re-deriving a store's masses (Registry.open does it when the reference values changed):
        # the last store written without masses gets them all, then a second pass changes nothing
        with Registry.open(Settings(data_dir=tmp / f"off-{args.rounds - 1}", base_iri=BASE)) as registry:
            t0 = time.perf_counter()
            refreshed = registry.refresh_masses()
            refresh_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            unchanged = registry.refresh_masses()
            recheck_s = time.perf_counter() - t0

    result = {
        "passports": args.size,
        "rounds": args.rounds,
        "quantities_with_mass": quantities,
        "mass_triples": derived,
        "masses_in_store": masses_written,
        "derivation_only_seconds": round(derive_s, 3),
        "derivation_microseconds_per_passport": round(derive_s / args.size * 1e6, 1),
        "add_without_mass_seconds": [round(s, 2) for s in off],
        "add_with_mass_seconds": [round(s, 2) for s in on],
        "refresh_store_without_masses_seconds": round(refresh_s, 2),
        "refresh_graphs_changed": refreshed,
        "refresh_passports_per_second": round(args.size / refresh_s, 1),
        "refresh_again_seconds": round(recheck_s, 2),
        "refresh_again_graphs_changed": unchanged,
        "best_ratio_with_to_without": round(min(on) / min(off), 3),
        "median_ratio_with_to_without": round(statistics.median(on) / statistics.median(off), 3),
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
