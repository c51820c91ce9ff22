"""Benchmark of the change feed (docs/feed.md) and of ``passports harvest``.

    python3 bench/bench_feed.py --size 2000      # a registry of 2,000 demo passports

Times (in this process, no HTTP): the rebuild of ``DATA/feed.sqlite`` from the provenance graph,
and page 1, a middle page and the last full page in N-Quads, made (a page is an index range, so
the last costs what the first does) and then read from ``DATA/cache/feed``. Then a harvest of the whole feed from a live server on loopback
into a second data directory (pages and members a second, validation and writes included), and
a second, idempotent run. Then a new replica started from the peer's dumps (``--from-dump``:
download, checks, validation of every passport, bulk load, then the feed from the dumps' position)
into a third data directory, in the same run as the full harvest it is compared with (after the
peer has made its dumps, timed apart): two of each, in the order dump, full, full, dump. Last, one
more ``--from-dump`` start as the command line in its own process, whose peak resident memory
(``VmHWM``) is recorded beside the size of the dumps (``from_dump_peak``). ``--dump-only`` leaves out
the harvests of the feed and the in-process replicas (for sizes where a full harvest takes long).
The load average is recorded before and after, because the machine may be shared. Results go to
``bench/results/feed.json`` (``--out``).

    python3 bench/bench_feed.py --size 20000 --dump-only --out bench/results/feed_dump_20k.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(fn, repeat: int = 1) -> tuple[object, float]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return value, round(statistics.median(times), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2000, help="demo passports")
    parser.add_argument("--page-size", type=int, default=250)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "feed.json")
    parser.add_argument("--dump-only", action="store_true", help="only the peer, its dumps and the measured --from-dump")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    import httpx

    from importers.harvest import harvest
    from registry.core.settings import Settings
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport
    from registry.store.registry import Registry
    from registry.views.feed import Feed
    from tests.peak_memory import run_cli_peak
    from tests.servers import free_port, serve

    folder = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    port = free_port()
    settings = Settings(data_dir=folder / "peer", base_iri=f"http://127.0.0.1:{port}/", feed_page_size=args.page_size,
                        rate_limit_per_minute=0, budget_seconds_per_minute=0, budget_bytes_per_minute=0,
                        query_workers=1, page_workers=0, parse_workers=1)
    registry = Registry.open(settings)
    base = registry.base
    _, add_seconds = _timed(lambda: registry.add((PassportDoc(owning_passport(base, iri), triples)
                                                  for iri, triples in generate(args.size, 42, base)),
                                                 source="urn:bench:feed"))
    load_before = os.getloadavg()
    events, rebuild_seconds = _timed(lambda: registry.feed_index.rebuild(registry.store))
    feed = Feed(registry, args.page_size)
    full = events // args.page_size
    pages = {}
    for number in sorted({1, max(1, full // 2), max(1, full)}):
        document, made = _timed(lambda n=number: feed.page(n, "application/n-quads"))
        _, kept = _timed(lambda n=number: feed.page(n, "application/n-quads"), repeat=5)
        pages[str(number)] = {"made_seconds": made, "kept_seconds_median_of_5": kept,
                              "bytes": len(document.body), "immutable": document.immutable}
    feed.close()
    registry.close()

    local = Settings(data_dir=folder / "local", harvest_timeout=120)
    result = {"passports": args.size, "events": events, "add_seconds": round(add_seconds, 2),
              "feed_index_rebuild_seconds": rebuild_seconds, "pages": pages}
    with serve(settings, port) as server, Registry.open(local) as target:
        feed_url = server.url + "/feed/passports"
        _, dumps_seconds = _timed(lambda: httpx.get(server.url + "/dumps/manifest.json", timeout=600).raise_for_status())
        if not args.dump_only:
            result.update(_harvests(harvest, Registry, Settings, target, feed_url, local, folder, dumps_seconds))
        peak_start = time.perf_counter()
        done, peak = run_cli_peak("harvest", feed_url, "--data", str(folder / "replica-peak"), "--from-dump", cwd=ROOT)
        peak_seconds = time.perf_counter() - peak_start
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        manifest = httpx.get(server.url + "/dumps/manifest.json", timeout=600).json()
        sizes = {f["kind"]: f["size"] for f in manifest["files"] if f.get("kind") in ("registry", "history")}
        with gzip.open(next(settings.data_dir.rglob("dumps/registry.nq.gz")), "rb") as stream:
            unpacked = sum(len(block) for block in iter(lambda: stream.read(1 << 20), b""))
        result["from_dump_peak"] = {
            "peak_rss_mb": round(peak / 2**20, 1), "seconds": round(peak_seconds, 2),
            "peer_makes_dumps_seconds": round(dumps_seconds, 2),
            "registry_dump_gzip_bytes": sizes["registry"], "history_dump_gzip_bytes": sizes["history"],
            "registry_dump_n_quads_bytes": unpacked, "summary": done.stderr.strip().splitlines()[-3:-1]}
    load_after = os.getloadavg()
    result = {
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in load_before],
                    "load_average_at_end": [round(x, 2) for x in load_after]},
        "command": "bench_feed.py " + " ".join(f"{k}={v}" for k, v in vars(args).items()),
        "date": dt.date.today().isoformat(), **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


def _harvests(harvest, registry_class, settings_class, target, feed_url: str, local, folder: Path,
              dumps_seconds: float) -> dict:
    """The harvest of the whole feed and a second run, then new replicas from the dumps and by a
    full harvest, ABBA (the same share of the machine's load)."""
    report, harvest_seconds = _timed(lambda: harvest(target, feed_url, local))
    again, again_seconds = _timed(lambda: harvest(target, feed_url, local))
    replicas: dict[str, list[float]] = {"full": [], "dump": []}
    for n, kind in enumerate(("dump", "full", "full", "dump")):
        replica = settings_class(data_dir=folder / f"replica-{n}", harvest_timeout=120)
        with registry_class.open(replica) as started:
            dumped, seconds = _timed(lambda s=started, r=replica, k=kind: harvest(s, feed_url, r, from_dump=k == "dump"))
        replicas[kind].append(round(seconds, 2))
    return {
        "harvest": {"seconds": round(harvest_seconds, 2), "pages": report.pages, "members": report.members,
                    "created": len(report.added.created), "rejected": len(report.added.rejected),
                    "members_per_second": round(report.members / harvest_seconds, 1)},
        "second_run": {"seconds": round(again_seconds, 2), "pages": again.pages,
                       "created": len(again.added.created), "updated": len(again.added.updated)},
        "new_replica": {"peer_makes_dumps_seconds": round(dumps_seconds, 2),
                        "from_dump_seconds": replicas["dump"], "full_harvest_seconds": replicas["full"],
                        "passports_from_dump": dumped.from_dump, "pages_read_after_the_dump": dumped.pages,
                        "full_over_dump_start": round(sum(replicas["full"]) / sum(replicas["dump"]), 1)},
    }


if __name__ == "__main__":
    main()
