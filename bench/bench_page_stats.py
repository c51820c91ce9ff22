"""Benchmark: the pages' whole-store counts from the sidecar indexes against the saved aggregate queries.

    python3 bench/bench_page_stats.py --size 2000                 # a demo store made here
    python3 bench/bench_page_stats.py --data /tmp/copy-of-100k    # an existing data directory
    # results in bench/results/page_stats.json (--out)

``--data`` is opened for writing once (``Registry.open`` rebuilds sidecars of an older schema:
give a copy), then read-only, as a page worker opens it. Times (best and median of ``--runs``):
``sidecar_stats`` (monitor totals, feed, a dozen provenance lookups) against ``compute_stats`` (the
five saved queries ``sparql/page-*.rq``), and the uses of each value of every property of
``SCHEME_PREDICATES`` (``t_use`` against ``page-counts-by-value``); checks that both give the same
counts; ``--pages``: also renders five pages and finds those counts on them. The machine's load
(``uptime``) is recorded before and after.
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


def timed(fn, runs: int) -> tuple[dict[str, float], object]:
    xs, value = [], None
    for _ in range(runs):
        started = time.perf_counter()
        value = fn()
        xs.append((time.perf_counter() - started) * 1000)
    return {"best_ms": round(min(xs), 3), "median_ms": round(statistics.median(xs), 3), "runs": runs}, value


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def same(a, b) -> bool:
    """The same counts (masses to a millionth)."""
    if a.total != b.total or a.by_municipality != b.by_municipality or a.by_kind != b.by_kind \
            or a.material_counts != b.material_counts:
        return False
    return all(a.materials.get(m, {}).get(muni, (None,))[:3] == row[:3]
               and abs(a.materials[m][muni][3] - row[3]) <= 1e-6 * max(1.0, row[3])
               for m, per in b.materials.items() for muni, row in per.items())


def measure(data_dir: Path, runs: int, sparql_runs: int) -> dict:
    from registry.core.settings import Settings
    from registry.store.registry import Registry
    from registry.views.pages import stats as page_stats
    from registry.views.pages.vocabulary import SCHEME_PREDICATES

    settings = Settings(data_dir=data_dir)
    started = time.perf_counter()
    Registry.open(settings).close()  # rebuilds sidecars of an older schema
    opened_s = round(time.perf_counter() - started, 1)
    reader = Registry.open(settings, read_only=True)
    try:
        sidecar, mine = timed(lambda: page_stats.sidecar_stats(reader), runs)
        sparql, theirs = timed(lambda: page_stats.compute_stats(reader.store), sparql_runs)
        values = {}
        for name, predicate in SCHEME_PREDICATES.items():
            fast, got = timed(lambda p=predicate: page_stats.page_counts.value_uses(
                data_dir, reader.base, p), runs)
            slow, want = timed(lambda p=predicate: page_stats.sparql_value_counts(reader.store, p), sparql_runs)
            values[name] = {"sidecar": fast, "sparql": slow, "same": got == want}
        return {"passports": mine.total, "writable_open_s": opened_s, "sidecar_stats": sidecar,
                "compute_stats_sparql": sparql, "same_counts": same(mine, theirs),
                "same_recent_times": sorted(r["generated"] for r in mine.recent)
                == sorted(r["generated"] for r in theirs.recent),
                "ratio": round(sparql["best_ms"] / sidecar["best_ms"]), "value_counts": values,
                "value_counts_total_ms": {k: round(sum(v[k]["best_ms"] for v in values.values()), 2)
                                          for k in ("sidecar", "sparql")}}
    finally:
        reader.close()


def check_pages(data_dir: Path) -> dict:
    """Render the home page, a municipality's, the largest kind's, the R-ladder and the R3 page in
    the app (in-process) and look for the saved queries' counts in them (English number format)."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from registry.core.settings import Settings
    from registry.model.vocab import MP, MPV
    from registry.views.pages import stats as page_stats
    from registry.web.app import create_app

    app = create_app(replace(Settings(data_dir=data_dir), query_workers=1, page_workers=0, parse_workers=1))
    out: dict = {}
    with TestClient(app) as client:
        store = app.state.registry.store
        want = page_stats.compute_stats(store)
        uses = page_stats.sparql_value_counts(store, MP + "plannedRStrategy")
        gm = min(want.by_municipality)
        kind = max(want.by_kind, key=want.by_kind.get)
        checks = {"/": [want.total, want.by_municipality[gm]],
                  f"/doc/{gm[len(MPV):]}": [want.by_municipality[gm], *want.by_municipality_kind[gm].values()],
                  f"/doc/objectkind/{kind[len(MP):]}": [want.by_kind[kind]],
                  "/doc/rstrategy/": list(uses.values()), "/doc/rstrategy/R3": [uses[MPV + "rstrategy/R3"]]}
        for path, numbers in checks.items():
            started = time.perf_counter()
            page = client.get(path, params={"lang": "en"}, headers={"Accept": "text/html"})
            out[path] = {"status": page.status_code, "first_render_ms": round((time.perf_counter() - started) * 1000, 1),
                         "numbers": len(numbers), "missing": [n for n in numbers if f"{n:,}" not in page.text]}
    return out


def demo_data(tmp: Path, size: int) -> Path:
    """A data directory in ``tmp`` with ``size`` demo passports (seed 42)."""
    from registry.core.settings import Settings
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport
    from registry.store.registry import Registry

    settings = Settings(data_dir=tmp / "data", base_iri=BASE)
    with Registry.open(settings) as registry:
        registry.add(PassportDoc(owning_passport(BASE, iri), triples) for iri, triples in generate(size, seed=42, base=BASE))
    return settings.data_dir


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=None, help="an existing data directory (a copy: opened for writing)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sparql-runs", type=int, default=2)
    parser.add_argument("--pages", action="store_true", help="also check the numbers on five pages")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "page_stats.json")
    args = parser.parse_args()
    result = {"machine": f"{os.cpu_count()} cores", "load_before": load()}
    if args.data is not None:
        result["data"] = str(args.data)
        result.update(measure(args.data, args.runs, args.sparql_runs))
        if args.pages:
            result["load_before_pages"] = load()
            result["pages"] = check_pages(args.data)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result.update(measure(demo_data(Path(tmp), args.size), args.runs, args.sparql_runs))
    result["load_after"] = load()
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
