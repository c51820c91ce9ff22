"""Benchmark (issue 12): `passports valuate` of every passport next to raw `Store.bulk_load` of the
same triples it writes, measured in the same run.

    python3 bench/bench_valuate.py --size 100000      # the issue's figure
    python3 bench/bench_valuate.py --size 2000        # quick

Demo passports are stored first (without validation: the benchmark is about valuation). Then the timed
`valuate` reads every quantity (passport graph by passport graph, registry/store/valuation_inputs.py), computes
the values and writes one record per passport (bulk loads of 1,000 growing to 8,000 records behind a journal, on
a writer thread while the next passports are read). Its records (the valuation graphs and the run's activity) are then dumped as N-Quads and bulk-loaded into a fresh store: the ratio is raw seconds
/ valuate seconds for the same triples (target >= 0.25). A second `valuate` for the same date and price
list (every record "unchanged") is timed too. Writes bench/results/valuate.json. The CPU seconds of the
process during valuate and during the raw load are recorded too (the machine is shared: wall clock follows
the other work, CPU time less so).

    python3 bench/bench_valuate.py --size 20000 --keep /tmp/reg20k     # keep the registry made
    python3 bench/bench_valuate.py --size 20000 --data /tmp/reg20k     # runs again on a copy of it
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.core.settings import Settings
from registry.demo import write
from registry.model.documents import read_file
from registry.store.registry import Registry
from registry.store.valuations import valuate, valuation_prefix

BASE = "http://localhost:8000/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "valuate.json")
    parser.add_argument("--data", type=Path, help="a registry data folder of --size demo passports (made by an earlier "
                                                  "run with --keep): copied instead of made again")
    parser.add_argument("--keep", type=Path, help="copy the registry made, before valuate, to this folder")
    args = parser.parse_args()
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-valuate-") as tmp:
        tmp = Path(tmp)
        settings = Settings(data_dir=tmp / "registry", base_iri=BASE)
        t0 = time.perf_counter()
        if args.data is not None:
            shutil.copytree(args.data, settings.data_dir, symlinks=True)
        else:
            source = tmp / "demo.nq"
            write(source, size=args.size, seed=1, base=BASE, fmt="nq")
        with Registry.open(settings) as registry:
            if args.data is None:
                registry.add(read_file(source, BASE), source=str(source), _validated=True)
                if registry.needs_compaction():
                    registry.compact()
                if args.keep is not None:
                    registry.store.flush()
                    shutil.copytree(settings.data_dir, args.keep, symlinks=True)
            setup_s = time.perf_counter() - t0
            before = len(registry.store)
            load_before = os.getloadavg()
            t0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
            report = valuate(registry, date(2026, 12, 31))
            valuate_s, valuate_cpu = time.perf_counter() - t0, time.process_time() - c0
            valuate_main_cpu = time.thread_time() - m0
            load_after = os.getloadavg()
            written = len(registry.store) - before
            t0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
            again = valuate(registry, date(2026, 12, 31))
            again_s, again_cpu = time.perf_counter() - t0, time.process_time() - c0
            again_main_cpu = time.thread_time() - m0
            prefix = valuation_prefix(BASE)
            graphs = [g for g in registry.store.named_graphs() if g.value.startswith(prefix)]
            payload = b"".join(registry.store.dump(format=ox.RdfFormat.N_QUADS, from_graph=g) for g in graphs)
            activity = ox.NamedNode(report.activity)
            payload += ox.serialize(registry.store.quads_for_pattern(activity, None, None, None),
                                    format=ox.RdfFormat.N_QUADS)
        dumped = payload.count(b"\n")
        raw = ox.Store(str(tmp / "raw"))
        raw_load_before = os.getloadavg()
        t0, c0 = time.perf_counter(), time.process_time()
        raw.bulk_load(payload, ox.RdfFormat.N_QUADS)
        raw.flush()
        raw_s, raw_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert len(raw) == dumped
        del raw  # closed before its folder is removed
    result = {
        "passports": args.size,
        "records_created": len(report.created),
        "triples_written": written,
        "triples_bulk_loaded": dumped,
        "setup_seconds": round(setup_s, 2),
        "valuate_seconds": round(valuate_s, 2),
        "valuate_triples_per_second": round(written / valuate_s),
        "valuate_passports_per_second": round(args.size / valuate_s, 1),
        "raw_bulk_load_seconds": round(raw_s, 2),
        "raw_triples_per_second": round(dumped / raw_s),
        "ratio_valuate_to_raw": round(raw_s / valuate_s, 3),
        # CPU seconds of the whole process (every thread: valuate's, its writer's, RocksDB's) during each
        "valuate_cpu_seconds": round(valuate_cpu, 2),
        "valuate_main_thread_cpu_seconds": round(valuate_main_cpu, 2),  # reading, valuing, the aggregates
        "raw_bulk_load_cpu_seconds": round(raw_cpu, 2),
        "ratio_cpu": round(raw_cpu / valuate_cpu, 3),
        "second_run_cpu_seconds": round(again_cpu, 2),
        "second_run_main_thread_cpu_seconds": round(again_main_cpu, 2),
        "load_average_valuate": [load_before, load_after],
        "load_average_raw_start": raw_load_before,
        "target_ratio": 0.25,
        "second_run_unchanged": again.unchanged,
        "second_run_created": len(again.created),
        "second_run_seconds": round(again_s, 2),
        "total_amount_eur": str(report.total),
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"valuate: {result['valuate_triples_per_second']} triples/s = {result['ratio_valuate_to_raw']:.0%} of "
          f"raw bulk_load ({result['raw_triples_per_second']} triples/s); target 25%")


if __name__ == "__main__":
    main()
