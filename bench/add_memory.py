"""What a long add keeps in the Python heap, passport by passport (issue 15, "flat memory").

    python3 bench/add_memory.py --size 30000 --first 10000

Writes ``--size`` demo passports as N-Quads (kept next to the registry for the next run), adds
them to a new registry with ``tracemalloc`` on, prints the resident and traced memory every
5,000 passports, and at the end the largest differences between the heap after ``--first``
passports and after the last, by line and by call stack. ``tracemalloc`` makes the add several
times slower; the figures are for finding what grows, not for timing. A long add keeps one string
per passport (its IRI, in the duplicate checks and the report); the batches in flight come and go.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.core.settings import Settings
from registry.demo import write
from registry.model.documents import read_file
from registry.store.registry import Registry

BASE = "http://localhost:8000/"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=30_000)
    parser.add_argument("--first", type=int, default=10_000, help="passports added at the first snapshot")
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "passports-add-memory")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()

    args.work_dir.mkdir(parents=True, exist_ok=True)
    source = args.work_dir / f"demo-{args.size}.nq"
    if not source.exists():
        write(source, size=args.size, seed=1, base=BASE, fmt="nq")
    shutil.rmtree(args.work_dir / "registry", ignore_errors=True)
    tracemalloc.start(8)
    first: list[tracemalloc.Snapshot] = []
    added = [0]
    started = time.perf_counter()

    def progress(batch: int) -> None:
        added[0] += batch
        if added[0] % 5000 == 0:
            traced = tracemalloc.get_traced_memory()[0] / 2**20
            print(f"{added[0]:>8} passports {time.perf_counter() - started:7.0f} s  resident {rss_mb():7.1f} MB"
                  f"  traced {traced:7.1f} MB", flush=True)
        if added[0] == args.first:
            first.append(tracemalloc.take_snapshot())

    with Registry.open(Settings(data_dir=args.work_dir / "registry", base_iri=BASE)) as registry:
        registry.add(read_file(source, BASE), source=str(source), batch_size=1000, progress=progress)
        last = tracemalloc.take_snapshot()
    if not first:
        raise SystemExit(f"--first {args.first} was never reached (a multiple of 1,000 up to --size)")
    for kind in ("lineno", "traceback"):
        print(f"--- heap after {added[0]:,} passports against after {args.first:,}, by {kind}")
        for stat in last.compare_to(first[0], kind)[:args.top]:
            print(f"{stat.size_diff / 2**20:9.2f} MB {stat.count_diff:>9} blocks")
            for line in stat.traceback.format()[-8:] if kind == "traceback" else stat.traceback.format()[:2]:
                print("      ", line)


if __name__ == "__main__":
    main()
