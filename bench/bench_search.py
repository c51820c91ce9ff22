"""Benchmark: the search index (SQLite FTS5) at scale.

    python3 bench/bench_search.py --data DIR            # a demo store, e.g. `passports demo --size 100000`
    python3 bench/bench_search.py --size 2000           # generate one in a temporary folder first

Opens the registry for writing (which builds the index if it is missing), then per kind of query
(material in Dutch and English, prefix, municipality, street, identifier, accents, filters only,
text and filters, sorted by mass, a release window, hostile text of 10 kB) times ``--rounds``
runs of what the search page asks the index: one page of rows with the count, the counts per
filter value and the map's points. Then the whole page (``GET /search?...`` in process, HTML
rendered, no page workers) for each kind, and the index update of a write: the facts of a
passport read from its triples, the dirty mark and the transaction that replaces its row, for
``--writes`` passports one at a time. Results (milliseconds: p50, p99, max of wall-clock time, and of
this process's CPU time, which the other work on a shared machine does not inflate as much) and
the machine's load in bench/results/search.json.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "http://localhost:8000/"


def percentiles(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {"p50": round(statistics.median(xs), 2), "p99": round(xs[min(len(xs) - 1, int(len(xs) * 0.99))], 2),
            "max": round(xs[-1], 2), "runs": len(xs)}


def queries(index) -> dict[str, dict]:
    """The kinds of query, with values taken from the data (a street and an identifier)."""
    from registry.store.search_query import SearchQuery

    _, rows = index.search(SearchQuery(municipality="GM0153"), 0, 50)
    street = next((r["name_nl"].split()[-1] for r in rows if len(r["name_nl"].split()) > 1), "Molenstraat")
    ident = rows[len(rows) // 2]["identifier"] if rows else "brug-0001"
    return {"material nl": {"text": "beton"}, "material en": {"text": "concrete"},
            "prefix": {"text": "bet"}, "municipality": {"text": "Enschede"},
            "street": {"text": street}, "identifier": {"text": ident}, "accents": {"text": "Hengélo"},
            "two words": {"text": "staal Deventer"},
            "filters only": {"material": "concrete", "municipality": "GM0153"},
            "text and filters": {"text": "beton", "municipality": "GM0153", "phase": "management",
                                 "rstrategy": "R3"},
            "sorted by mass": {"text": "beton", "sort": "mass"},
            "release window": {"text": "straat", "release_from": 2030, "release_to": 2039, "sort": "release"},
            "everything, sorted by name": {"sort": "title"},
            "hostile 10 kB": {"text": ('"NEAR(* -:^ ' * 1000)[:10_000]}}


def time_index(data_dir: Path, kinds: dict[str, dict], rounds: int) -> dict:
    """What the search page asks the index (``views.pages.search.search``): a page of rows with
    the count, the counts per filter value and up to MAP_MAX points for the map."""
    from types import SimpleNamespace

    from registry.views.pages.search import SearchForm, search

    registry = SimpleNamespace(settings=SimpleNamespace(data_dir=data_dir))
    out = {}
    for name, params in kinds.items():
        xs, cpu = [], []
        total = 0
        for i in range(rounds):
            form = SearchForm(**{"text" if k == "text" else k: v for k, v in params.items()}, page=1 + i % 3)
            started, started_cpu = time.perf_counter(), time.process_time()
            total = search(registry, form).total
            xs.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        out[name] = {**percentiles(xs), "cpu": percentiles(cpu), "results": total}
        print(f"index  {name:28} {out[name]}", flush=True)
    return out


def time_pages(data_dir: Path, kinds: dict[str, dict], rounds: int) -> dict:
    from fastapi.testclient import TestClient

    from registry.core.settings import Settings
    from registry.web.app import create_app

    names = {"text": "q", "release_from": "from", "release_to": "to"}
    out = {}
    with TestClient(create_app(Settings(data_dir=data_dir, base_iri=BASE, page_workers=0))) as client:
        for name, params in kinds.items():
            query = {names.get(k, k): str(v)[:100] for k, v in params.items()}
            xs = []
            for _ in range(rounds):
                started = time.perf_counter()
                r = client.get("/search", params=query)
                xs.append((time.perf_counter() - started) * 1000)
                assert r.status_code == 200, (name, r.status_code)
            out[name] = percentiles(xs)
            print(f"page   {name:28} {out[name]}", flush=True)
    return out


def time_writes(registry, writes: int) -> dict:
    """The index part of a write, one passport at a time: facts, dirty mark, replace transaction."""
    from registry.model.uris import owning_passport
    from registry.store.versions import iter_passport_iris

    index = registry.search_index
    iris = []
    for iri in iter_passport_iris(registry):
        iris.append(iri)
        if len(iris) >= writes:
            break
    facts_ms, apply_ms, total_ms, cpu_ms = [], [], [], []
    for iri in iris:
        triples = registry.get(owning_passport(registry.base, iri))
        # CPU of this thread: the sidecar's upkeep thread works beside it
        started, started_cpu = time.perf_counter(), time.thread_time()
        facts = index.facts(iri, triples)
        middle = time.perf_counter()
        index.mark_dirty()
        index.apply([facts])
        ended = time.perf_counter()
        facts_ms.append((middle - started) * 1000)
        apply_ms.append((ended - middle) * 1000)
        total_ms.append((ended - started) * 1000)
        cpu_ms.append((time.thread_time() - started_cpu) * 1000)
    return {"facts": percentiles(facts_ms), "dirty mark and transaction": percentiles(apply_ms),
            "total": percentiles(total_ms), "total cpu": percentiles(cpu_ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="data directory of a registry (default: a new demo one)")
    parser.add_argument("--size", type=int, default=2000, help="demo passports when --data is not given")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--page-rounds", type=int, default=100)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true", help="also time a rebuild of the whole index")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "search.json")
    args = parser.parse_args()

    from registry.core.settings import Settings
    from registry.store.registry import Registry
    from registry.store.search_index import index_path
    from registry.store.search_query import SearchQuery, reader

    data_dir = args.data
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="bench-search-")) / "data"
        from registry.demo import generate
        from registry.model.documents import PassportDoc
        from registry.model.uris import owning_passport
        with Registry.open(Settings(data_dir=data_dir, base_iri=BASE)) as registry:
            registry.add(PassportDoc(owning_passport(BASE, iri), triples)
                         for iri, triples in generate(args.size, 42, BASE))
    load_before = os.getloadavg()
    started = time.perf_counter()
    registry = Registry.open(Settings(data_dir=data_dir, base_iri=BASE))
    opened = time.perf_counter() - started
    index = reader(data_dir)
    started = time.perf_counter()
    index.find(SearchQuery("warm"))
    result_columns_s = time.perf_counter() - started  # the first search of a process reads the columns
    count = index.search(SearchQuery(), 0, 1)[0]
    rebuild_s = None
    if args.rebuild:
        started = time.perf_counter()
        registry.search_index.rebuild(registry.store)
        rebuild_s = round(time.perf_counter() - started, 1)
    print(f"{count} passports; open {opened:.1f} s; rebuild {rebuild_s} s", flush=True)
    kinds = queries(index)
    result = {
        "passports": count, "data": str(data_dir),
        "index_bytes": index_path(data_dir).stat().st_size,
        "open_s": round(opened, 1), "rebuild_s": rebuild_s,
        "first_search_reads_columns_s": round(result_columns_s, 2),
        "index": time_index(data_dir, kinds, args.rounds),
        "write": time_writes(registry, args.writes),
    }
    registry.close(compact=False)
    result["page"] = time_pages(data_dir, kinds, args.page_rounds)
    result["load_average_before"] = [round(x, 2) for x in load_before]
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["cpus"] = os.cpu_count()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("index", "page")}, indent=1))


if __name__ == "__main__":
    main()
