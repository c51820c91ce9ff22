"""Every monitor figure from the aggregates (``registry.store.monitor_figures``) against its saved
query (``sparql/indicator-*.rq``), for the region and one municipality, on a demo store; the cost of
keeping the aggregates (rebuild, and µs per passport of a write); and the SQL figures on synthetic
aggregate rows of the same shape (``--synthetic 1000000``: the < 1 s at 1,000,000 passports).

    python3 bench/bench_monitor_figures.py --size 2000                  # builds a demo store first
    python3 bench/bench_monitor_figures.py --data /tmp/agg/demo100k --sparql GM0153 --synthetic 1000000

Writes bench/results/monitor_figures.json with the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.core.settings import Settings
from registry.query import saved
from registry.store import named_queries
from registry.store.monitor_answers import (
    FIGURES,
    LISTS,
    SAMPLE_COLUMNS,
    figure,
    open_figures,
)
from registry.store.monitor_index import MonitorIndex, split_exact
from registry.store.monitor_mci import rounded
from registry.store.registry import Registry
from registry.store.sidecar import passport_graphs

BASE = "http://localhost:8000/"
MPV = "https://w3id.org/materiaalpaspoort/id/"
SCOPES = {"region": None, "GM0153": MPV + "municipality/GM0153"}
DAY = date(2026, 12, 31)


def demo_store(size: int) -> Path:
    data = Path(tempfile.mkdtemp(prefix="bench-monitor-")) / "data"
    subprocess.run([sys.executable, "-m", "registry.cli", "demo", "--size", str(size), "--data", str(data),
                    "--base", BASE], check=True, cwd=ROOT)
    return data


def best(fn, rounds: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return round(min(times), 4), out


def query_rows(store, name: str, municipality: str | None) -> list[dict[str, str]]:
    query = saved.get(name)
    known = {p.name for p in query.parameters}
    values = {"municipality": municipality, "date": DAY.isoformat(), "year": str(DAY.year)}
    bindings = query.bindings({k: v for k, v in values.items() if k in known and v is not None})
    return named_queries.select_plain(store, name, {var.value: term for var, term in bindings.items()})


def write_cost(registry: Registry, sample: int) -> dict:
    """µs per passport of the aggregates' part of a write: facts from the triples, then one apply
    (delete the old rows, insert the new) per batch of 1,000, as the writer does."""
    index = registry.monitor_index
    graphs = []
    for iri, quads in passport_graphs(registry.store, f"{registry.base}id/passport/"):
        graphs.append((iri, list(quads)))
        if len(graphs) >= sample:
            break
    start = time.perf_counter()
    facts = [index.facts(iri, quads) for iri, quads in graphs]
    facts_s = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(0, len(facts), 1000):
        index.mark_dirty()
        index.apply([f for f in facts[i:i + 1000] if f is not None])
    apply_s = time.perf_counter() - start
    n = max(1, len(graphs))
    # what valuate adds per record: made-up records (not in the store), so the file is marked dirty
    # afterwards and the next opening rebuilds it
    records = [(f"urn:bench:record:{i}", iri, "2026-12-31", "1234.56") for i, (iri, _) in enumerate(graphs)]
    start = time.perf_counter()
    for i in range(0, len(records), 1000):
        index.mark_dirty()
        index.add_records(records[i:i + 1000])
    records_s = time.perf_counter() - start
    index.mark_dirty()
    return {"passports": len(graphs), "facts_us_per_passport": round(facts_s / n * 1e6, 1),
            "apply_us_per_passport": round(apply_s / n * 1e6, 1),
            "total_us_per_passport": round((facts_s + apply_s) / n * 1e6, 1),
            "valuation_record_us": round(records_s / n * 1e6, 1)}


def store_figures(data: Path, rounds: int, sparql: tuple[str, ...]) -> dict:
    start = time.perf_counter()
    registry = Registry.open(Settings(data_dir=data, base_iri=BASE))  # rebuilds the aggregates if needed
    opened = time.perf_counter() - start
    index = registry.monitor_index
    start = time.perf_counter()
    index.rebuild(registry.store)
    rebuild = time.perf_counter() - start
    out = {"passports": registry.count_passports(), "open_s": round(opened, 2), "rebuild_s": round(rebuild, 2),
           "figures": {}}
    conn = open_figures(data)
    for name in FIGURES + LISTS:
        for scope, municipality in SCOPES.items():
            agg_s, rows = best(partial(figure, conn, name, municipality, on=DAY, year=DAY.year), rounds)
            entry = {"aggregates_s": agg_s, "rows": len(rows), "load_1min": os.getloadavg()[0]}
            if scope in sparql:
                query_s, want = best(partial(query_rows, registry.store, name, municipality), 1)
                entry.update(saved_query_s=query_s, equal=same_rows(rows, want))
            out["figures"][f"{name} {scope}"] = entry
            print(f"{name:40} {scope:7} {agg_s:8.4f} s  {entry.get('saved_query_s', '-')!s:>8} s  "
                  f"{len(rows):5} rows  equal {entry.get('equal', '-')}", flush=True)
    conn.close()
    out["write_cost"] = write_cost(registry, 5000)
    print("write cost", out["write_cost"], flush=True)
    registry.close()
    return out


def same_rows(got: list[dict], want: list[dict]) -> bool:
    """Equal rows; a SAMPLE present in both (as the consistency test)."""
    def norm(rows):
        return [{k: "*" if k in SAMPLE_COLUMNS else v for k, v in row.items()} for row in rows]
    return norm(got) == norm(want)


def _bulk(table: str, keys: str, sums: str, source: str) -> str:
    return (f"INSERT INTO {table} SELECT json_array({keys}), {keys}, {sums} FROM {source} GROUP BY {keys}")


# the totals of the synthetic rows in one statement each (a write keeps them per passport instead)
BULK_TOTALS = (
    _bulk("t_passport", "municipality", "SUM(grams), COUNT(*)", "passport"),
    _bulk("t_built", "municipality, built", "SUM(grams), COUNT(*)", "passport"),
    _bulk("t_material", "municipality, material", "SUM(grams), SUM(v_units), SUM(v_high), SUM(v_low), COUNT(*), "
          "SUM(quantities), SUM(with_mass)", "material"),
    _bulk("t_strategy", "municipality, strategy", "SUM(grams), COUNT(*), COUNT(grams), COUNT(DISTINCT passport)",
          "quantity"),
    _bulk("t_detachability", "municipality, detachability", "SUM(grams), COUNT(*)", "quantity"),
    _bulk("t_release", "municipality, release_year, material, quality",
          "SUM(grams), COUNT(DISTINCT passport), COUNT(*), COUNT(grams)", "quantity"),
    _bulk("t_origin", "municipality, material, life_cycle, nature, origin, phase, recycled",
          "SUM(grams), COUNT(*), COUNT(grams)", "quantity"),
    _bulk("t_value", "municipality", "SUM(la_units), SUM(la_high), SUM(la_low), COUNT(*)", "passport"),
    _bulk("t_mci", "municipality", "SUM(grams), COUNT(*), COUNT(mci), SUM(w_units), SUM(w_high), SUM(w_low)", "mci"),
    _bulk("t_valued", "municipality, day, prev", "SUM(grams), SUM(grams), COUNT(*)",
          "(SELECT p.municipality, v.date AS day, '' AS prev, p.grams FROM valuation v JOIN passport p ON p.iri = v.passport)"),
)


# the per-object release rows of the synthetic quantities (a write makes them per passport)
BULK_RELEASE_OBJECTS = (
    "INSERT INTO release_object SELECT q.release_year, q.municipality, p.iri, q.material, q.quality, q.passport, "
    "SUM(COALESCE(q.grams, 0)), COUNT(*) - COUNT(q.grams) FROM quantity q JOIN passport p ON p.id = q.passport "
    "WHERE q.material IS NOT NULL AND q.release_year IS NOT NULL GROUP BY q.passport, q.release_year, q.material, "
    "q.quality")


def synthetic(size: int, rounds: int) -> dict:
    """The figures on :func:`make_synthetic` rows."""
    data, made = make_synthetic(size)
    out = {"passports": size, "make_s": round(made, 1), "file_mb": round((data / MonitorIndex.FILE).stat().st_size / 1e6),
           "figures": {}}
    reader = open_figures(data)
    for name in FIGURES + LISTS:
        for scope, municipality in SCOPES.items():
            seconds, rows = best(partial(figure, reader, name, municipality, on=DAY, year=DAY.year), rounds)
            out["figures"][f"{name} {scope}"] = {"aggregates_s": seconds, "rows": len(rows),
                                                 "load_1min": os.getloadavg()[0]}
            print(f"synthetic {size}: {name:40} {scope:7} {seconds:8.4f} s  {len(rows):5} rows", flush=True)
    reader.close()
    return out


def make_synthetic(size: int) -> tuple[Path, float]:
    """Aggregate rows of the demo's shape made directly (no store): 22 municipalities, 3-4
    quantities per passport over 30 materials, a third of the passports valued; the data
    directory and the seconds it took."""
    data = Path(tempfile.mkdtemp(prefix="bench-monitor-synthetic-"))
    index = MonitorIndex(data, BASE)
    conn = index.conn
    r = random.Random(1)
    municipalities = [f"{MPV}municipality/GM{n:04d}" for n in range(150, 172)]
    municipalities[3] = MPV + "municipality/GM0153"
    materials = [f"{MPV}material/m{n}" for n in range(30)]
    strategies = [f"{MPV}rstrategy/R{n}" for n in range(1, 11)] + ["none"]
    qualities = [f"{MPV}releasequality/q{n}" for n in range(4)] + ["unknown"]
    start = time.perf_counter()
    conn.execute("BEGIN")
    for first in range(0, size, 10000):
        passports, quantities, mats, vals, mcis = [], [], [], [], []
        for pid in range(first + 1, min(size, first + 10000) + 1):
            muni = r.choice(municipalities)
            rows = [(r.choice(materials), r.randint(1, 10 ** 8)) for _ in range(r.randint(3, 4))]
            grams = sum(g for _, g in rows)
            iri = f"{BASE}id/passport/X/{pid}"
            valued = r.random() < 0.33
            when = f"2026-{r.randint(1, 12):02d}-01"
            obj = f"{BASE}id/object/X/{pid}"
            passports.append((pid, iri, muni, grams, r.randint(1900, 2025), f"{when} 1000" if valued else None, 0,
                              obj, f"POINT({r.uniform(6, 7):.5f} {r.uniform(52, 53):.5f})", 1000 if valued else 0, 0, 0,
                              None, None))  # no kind, no uses (the pages' counts are not measured here)
            lfi = r.random()
            mci = max(0.0, 1 - lfi * 0.9)
            mcis.append((pid, iri, obj, muni, grams, str(grams / 2000), str(grams / 4000), lfi, r.randint(1, 80), None,
                         1.0, mci, *split_exact(rounded(mci) * Decimal(grams) / 1000)))
            if valued:
                vals.append((iri, when, "1000", None))
            for material, g in rows:
                quantities.append((pid, muni, material, g, r.choice(strategies), f"0.{r.randint(1, 9)}",
                                   r.randint(2020, 2090), r.choice(qualities), None, None,
                                   f"{MPV}origin/primary", None, None))
                mats.append((pid, muni, material, g, 1, 1, r.randint(0, 500), r.randint(0, 10 ** 9 - 1), 0))
        conn.executemany("INSERT INTO passport VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", passports)
        conn.executemany("INSERT INTO mci VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", mcis)
        conn.executemany("INSERT INTO quantity VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", quantities)
        conn.executemany("INSERT INTO material VALUES (?,?,?,?,?,?,?,?,?)", mats)
        conn.executemany("INSERT INTO valuation VALUES (?,?,?,?)", vals)
    for sql in (*BULK_TOTALS, BULK_RELEASE_OBJECTS):
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    made = time.perf_counter() - start
    index.close()
    return data, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an existing data directory (else a demo store is made)")
    parser.add_argument("--size", type=int, default=2000, help="passports of the demo store to make")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sparql", nargs="*", default=list(SCOPES), choices=list(SCOPES),
                        help="the scopes in which to run the saved queries too (default both; none: just the aggregates)")
    parser.add_argument("--synthetic", type=int, default=0, help="also time the SQL figures on this many "
                        "synthetic passports")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "monitor_figures.json")
    args = parser.parse_args()
    results = {"cpus": os.cpu_count(), "date": DAY.isoformat(), "load_before": os.getloadavg(),
               "uptime": subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()}
    if args.data or args.size:
        results["store"] = store_figures(args.data or demo_store(args.size), args.rounds, tuple(args.sparql))
    if args.synthetic:
        results["synthetic"] = synthetic(args.synthetic, args.rounds)
    results["load_after"] = os.getloadavg()
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
