"""Benchmark: the saved queries about one passport (a parameter ``?passport``, ``?graph`` or
``?object``), as ``/query/NAME?passport=...`` runs them, on an existing registry.

    python3 bench/bench_passport_queries.py --data DIR [--sample 50] [--out FILE]

Such a query must cost the same at a thousand passports and at a million: it reads the passport's
own records by index. Each query runs for ``--sample`` passports (median ms per passport), and, with
``--compare OLD_DIR`` holding earlier texts of some queries (``NAME.rq``), those too, with a check
that both give the same rows. Run it at two sizes to see that the time does not grow with the store.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ONE_PASSPORT = ("passport", "graph", "object")


def _rows(store, text: str, bindings: dict) -> list[tuple]:
    return sorted(tuple(str(t) for t in solution) for solution in
                  store.query(text, use_default_graph_as_union=True, substitutions=bindings))


def main(argv: list[str] | None = None) -> int:
    import pyoxigraph as ox
    from bench_pages import write_result

    from registry.core.settings import Settings
    from registry.query import saved
    from registry.store.registry import Registry
    from registry.store.versions import iter_passport_iris

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--compare", type=Path, help="a folder of earlier query texts (NAME.rq)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    registry = Registry.open(Settings(data_dir=args.data), read_only=True)
    iris = []
    for iri in iter_passport_iris(registry):
        iris.append(ox.NamedNode(iri))
        if len(iris) == args.sample:
            break
    result = {"passports": registry.count_passports(), "sample": len(iris), "queries": {}}
    for query in saved.all_queries().values():
        names = [p.name for p in query.parameters if p.name in ONE_PASSPORT]
        if not names:
            continue
        texts = {"now": query.body}
        earlier = args.compare / f"{query.name}.rq" if args.compare else None
        if earlier is not None and earlier.exists():
            texts["before"] = earlier.read_text(encoding="utf-8")
        figures, answers = {}, {}
        for label, text in texts.items():
            times, answers[label] = [], []
            for iri in iris:
                started = time.perf_counter()
                answers[label].append(_rows(registry.store, text, {ox.Variable(n): iri for n in names}))
                times.append(time.perf_counter() - started)
            figures[f"{label}_ms"] = round(statistics.median(times) * 1000, 3)
        if "before" in answers:
            figures["same_rows"] = answers["before"] == answers["now"]
        result["queries"][query.name] = figures
        print(query.name, figures, file=sys.stderr)
    registry.close()
    if args.out:
        write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
