"""Benchmark (issue 2): validated `add` of demo passports next to raw `Store.bulk_load` of the same triples.

    python3 bench/bench_add.py --size 100000          # the issue's figure
    python3 bench/bench_add.py --size 5000            # quick
    python3 bench/bench_add.py --size 1000000 --work-dir /big/m1   # keeps the registry for later runs

Writes bench/results/add.json and prints a summary. Both runs read the same N-Quads file from
disk into a fresh store in the same process, one after the other. The validated add validates in a
second process (registry/validation_worker.py) while it writes; CPU seconds of both are recorded.
CPU seconds (all threads of this process, and the worker's) are recorded for both, with their
ratio: on a machine shared with other work that ratio moves much less than the wall-clock one.
Memory: resident set size of the main process and of the worker is sampled after every batch;
`rss_growth_mb` compares the last fifth of the run with the first fifth, so a leak that grows with
the number of passports shows up there. ``timeline`` gives the elapsed seconds and resident memory
at every tenth of the add, so the rate can be read as the store grows.

``--work-dir`` keeps the registry's data directory (``DIR/registry``, compacted) for the page,
document and site benchmarks; the raw store is removed as soon as it is measured, so the disk
holds the N-Quads and one store at a time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.core.settings import Settings
from registry.demo import write
from registry.model.documents import read_file
from registry.store.registry import Registry

BASE = "http://localhost:8000/"


def rss_mb(pid: int | str = "self") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def io_counters() -> dict[str, int]:
    return {k: int(v) for k, v in (line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())}


def written_bytes() -> int:
    """Bytes this process (all its threads, RocksDB's background ones too) had written to the disk:
    ``write_bytes`` less ``cancelled_write_bytes`` (pages of files deleted or truncated before they
    were written back: a spool file, SST files compacted away at once, ...), which never reach it."""
    io = io_counters()
    return io["write_bytes"] - io["cancelled_write_bytes"]


class PeakSampler:
    """Resident memory of this process ten times a second (the per-batch samples miss the loads)."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, rss_mb())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def tree_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def slope_per_10k(samples: list[float], batch: int) -> float | None:
    """Least-squares growth of the samples after the first fifth (the store's start-up), in MB per
    10,000 passports: flat memory is a slope near zero."""
    tail = samples[len(samples) // 5:]
    if len(tail) < 3:
        return None
    xs = [i * batch for i in range(len(tail))]
    mx, my = sum(xs) / len(xs), sum(tail) / len(tail)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, tail)) / sum((x - mx) ** 2 for x in xs)
    return round(slope * 10_000, 1)


def children_rss_mb() -> float:
    """Resident memory of this process's children (the validation worker)."""
    children = []
    for task in Path("/proc/self/task").iterdir():
        try:
            children += (task / "children").read_text().split()
        except OSError:  # a thread that ended meanwhile
            pass
    return sum(rss_mb(pid) for pid in children)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "add.json")
    parser.add_argument("--gzip", action="store_true",
                        help="the N-Quads gzipped (a million passports are ~25 GB of N-Quads): both loads read it")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="keep the registry here (DIR/registry) instead of in a temporary folder")
    args = parser.parse_args()

    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-add-") as scratch:
        tmp = args.work_dir or Path(scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        source = tmp / ("demo.nq.gz" if args.gzip else "demo.nq")
        t0 = time.perf_counter()
        write(source, size=args.size, seed=1, base=BASE, fmt="nq")
        generate_s = time.perf_counter() - t0
        with (gzip.open(source, "rb") if args.gzip else open(source, "rb")) as stream:
            triples = sum(1 for _ in ox.parse(stream, format=ox.RdfFormat.N_QUADS))

        raw = ox.Store(str(tmp / "raw"))
        t0, w0, raw_cpu0 = time.perf_counter(), written_bytes(), time.process_time()
        c0 = io_counters()["cancelled_write_bytes"]
        if args.gzip:
            with gzip.open(source, "rb") as compressed:
                raw.bulk_load(compressed, format=ox.RdfFormat.N_QUADS)
        else:
            raw.bulk_load(path=str(source), format=ox.RdfFormat.N_QUADS)
        raw.flush()
        raw_s, raw_cpu = time.perf_counter() - t0, time.process_time() - raw_cpu0
        del raw
        raw_written, raw_size = written_bytes() - w0, tree_bytes(tmp / "raw")
        raw_cancelled = io_counters()["cancelled_write_bytes"] - c0
        shutil.rmtree(tmp / "raw")
        print(f"raw bulk_load: {raw_s:.0f} s, {raw_size / 1e9:.1f} GB", flush=True)

        settings = Settings(data_dir=tmp / "registry", base_iri=BASE)
        samples: list[float] = []
        worker_samples: list[float] = []
        timeline: list[dict] = []
        tenth = max(args.batch, args.size // 10)
        added = [0]

        def sample(batch: int) -> None:  # passports of the batch just stored
            samples.append(rss_mb())
            worker_samples.append(children_rss_mb())
            added[0] += batch
            n = added[0]
            if n // tenth >= len(timeline):
                timeline.append({"passports": n, "seconds": round(time.perf_counter() - t0, 1),
                                 "rss_mb": samples[-1], "worker_rss_mb": worker_samples[-1],
                                 "load_average": os.getloadavg()[0]})
                print(f"add: {n} passports, {timeline[-1]['seconds']:.0f} s", flush=True)

        with Registry.open(settings) as registry:
            cpu0, children0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
            t0, w0, c0 = time.perf_counter(), written_bytes(), io_counters()["cancelled_write_bytes"]
            sampler = PeakSampler()
            report = registry.add(read_file(source, BASE), source=str(source), batch_size=args.batch,
                                  progress=sample)
            add_s = time.perf_counter() - t0
            peak_10hz = sampler.stop()
            main_cpu = time.process_time() - cpu0
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            worker_cpu = (children.ru_utime + children.ru_stime) - (children0.ru_utime + children0.ru_stime)
            stored = registry.count_passports()
            # what closing the registry then does: compact the store the import left in many files
            t0 = time.perf_counter()
            compacted = registry.needs_compaction()
            if compacted:
                registry.compact()
            compact_s = time.perf_counter() - t0
        add_written, add_size = written_bytes() - w0, tree_bytes(tmp / "registry")  # closed: all flushed
        add_cancelled = io_counters()["cancelled_write_bytes"] - c0

    fifth = max(1, len(samples) // 5)
    result = {
        "passports": args.size,
        "triples": triples,
        "batch_size": args.batch,
        "source": source.name,
        "generate_seconds": round(generate_s, 2),
        "raw_bulk_load_seconds": round(raw_s, 2),
        "raw_passports_per_second": round(args.size / raw_s, 1),
        "raw_triples_per_second": round(triples / raw_s),
        "validated_add_seconds": round(add_s, 2),
        "validated_passports_per_second": round(args.size / add_s, 1),
        "ratio_validated_to_raw": round(raw_s / add_s, 3),
        "compacted_after_add": compacted,
        "compact_seconds": round(compact_s, 2),
        "ratio_validated_and_compacted_to_raw": round(raw_s / (add_s + compact_s), 3),
        "raw_written_mb": round(raw_written / 1e6, 1),
        "raw_store_mb": round(raw_size / 1e6, 1),
        "raw_write_amplification": round(raw_written / raw_size, 2),
        "raw_cancelled_mb": round(raw_cancelled / 1e6, 1),  # not in raw_written_mb: never reached the disk
        "add_written_mb": round(add_written / 1e6, 1),
        "add_store_mb": round(add_size / 1e6, 1),
        "add_write_amplification": round(add_written / add_size, 2),
        "add_cancelled_mb": round(add_cancelled / 1e6, 1),
        "add_load_mib": getattr(settings, "add_load_mib", None),  # PASSPORTS_ADD_LOAD (None: before it)
        "validated_add_cpu_seconds_main": round(main_cpu, 1),
        "validated_add_cpu_seconds_worker": round(worker_cpu, 1),
        # on a machine shared with other work the wall-clock ratio follows the load; the CPU
        # seconds of both (all threads, the validation worker too) do much less
        "raw_bulk_load_cpu_seconds": round(raw_cpu, 1),
        "ratio_cpu_raw_to_validated": round(raw_cpu / (main_cpu + worker_cpu), 3),
        "load_average_at_end": os.getloadavg(),
        "target_ratio": 0.5,
        "stored": stored,
        "rejected": len(report.rejected),
        "load_average_at_start": load_at_start,
        "rss_mb_first_fifth": round(sum(samples[:fifth]) / fifth, 1) if samples else None,
        "rss_mb_last_fifth": round(sum(samples[-fifth:]) / fifth, 1) if samples else None,
        "rss_growth_mb": round(sum(samples[-fifth:]) / fifth - sum(samples[:fifth]) / fifth, 1) if samples else None,
        "rss_mb_peak": round(max(samples), 1) if samples else None,
        "rss_mb_peak_10hz": round(peak_10hz, 1),  # sampled ten times a second, during the loads too
        "worker_rss_mb_first_fifth": round(sum(worker_samples[:fifth]) / fifth, 1) if worker_samples else None,
        "worker_rss_mb_last_fifth": round(sum(worker_samples[-fifth:]) / fifth, 1) if worker_samples else None,
        "worker_rss_mb_peak": round(max(worker_samples), 1) if worker_samples else None,
        "rss_mb_at_end": round(samples[-1], 1) if samples else None,
        "rss_slope_mb_per_10k_passports": slope_per_10k(samples, args.batch),
        "worker_rss_slope_mb_per_10k_passports": slope_per_10k(worker_samples, args.batch),
        "timeline": timeline,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"validated add: {result['validated_passports_per_second']} passports/s = "
          f"{result['ratio_validated_to_raw']:.0%} of raw bulk_load "
          f"({result['raw_passports_per_second']} passports/s); target 50%")


if __name__ == "__main__":
    main()
