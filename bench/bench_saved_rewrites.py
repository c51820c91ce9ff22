"""Benchmark: the saved queries rewritten for Virtuoso 7.2 (docs/deployment.md, "The saved queries
on a server"), before and after, on the embedded store and on Virtuoso.

    python3 bench/bench_saved_rewrites.py --size 1000     # results in bench/results/saved-rewrites.json

Loads ``--size`` demo passports with ``Registry.add`` into both, then runs each query's text as of
commit ``--before`` (from git) and as it is now, interleaved (before and after, embedded and
Virtuoso, ``--repeat`` rounds; median ms). A server answer that takes longer than ``--timeout``
seconds is recorded as such. The machine's load (``uptime``) before and after is in the result.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "http://localhost:8000/"
NAMES = ["indicator-goal3-valued-share", "indicator-municipality-comparison", "indicator-rstrategy-by-mass",
         "indicator-detachability-distribution", "indicator-stock-by-material", "indicator-mci", "valuation-inputs"]


def texts(name: str, before: str) -> dict[str, str]:
    old = subprocess.run(["git", "-C", str(ROOT), "show", f"{before}:sparql/{name}.rq"], capture_output=True,
                         text=True, check=True).stdout
    return {"before": old, "after": (ROOT / "sparql" / f"{name}.rq").read_text(encoding="utf-8")}


def uptime() -> str:
    return subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    import httpx

    from registry.core.settings import Settings
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport
    from registry.query import saved
    from registry.store.registry import Registry
    from tests import external_servers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--before", default="1a36d0d", help="the commit before the rewrites")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "saved-rewrites.json")
    args = parser.parse_args(argv)
    result = {"passports": args.size, "repeat": args.repeat, "before": args.before, "uptime_before": uptime(),
              "ms": {}}
    # the server ends a query itself a little after --timeout (else an abandoned one runs on and delays
    # the shutdown; a little after: at its limit Virtuoso may answer with the rows found so far)
    with tempfile.TemporaryDirectory() as work, external_servers.virtuoso(
            Path(work) / "virtuoso", query_seconds=int(args.timeout) + 30) as server:
        docs = list(generate(args.size, 42, BASE))
        plain = Settings(data_dir=Path(work) / "data", base_iri=BASE)
        stores = {"embedded": Registry.open(Settings(data_dir=Path(work) / "embedded", base_iri=BASE)),
                  "virtuoso": Registry.open(dataclasses.replace(plain, backend="sparql", sparql_query_url=server.query_url,
                                                                sparql_update_url=server.update_url))}
        for registry in stores.values():
            registry.add(PassportDoc(owning_passport(BASE, iri), triples) for iri, triples in docs)
        result["engine"] = server.engine

        def run(engine: str, body: str) -> float | None:
            started = time.perf_counter()
            if engine == "embedded":
                list(stores["embedded"].query(body))
            else:
                try:
                    httpx.post(server.query_url, data={"query": body}, timeout=args.timeout,
                               headers={"Accept": "application/sparql-results+json"}).raise_for_status()
                except httpx.TimeoutException:
                    return None
            return (time.perf_counter() - started) * 1000

        for name in NAMES:
            bodies = {k: saved.parse(name, v).body for k, v in texts(name, args.before).items()}
            times: dict[str, list] = {f"{k} {e}": [] for k in bodies for e in stores}
            for _ in range(args.repeat):
                for key, got in times.items():
                    if None not in got:
                        version, engine = key.split()
                        got.append(run(engine, bodies[version]))
            result["ms"][name] = {key: (f"> {args.timeout:g} s" if None in got else round(statistics.median(got), 1))
                                  for key, got in times.items()}
            print(name, result["ms"][name], flush=True)
        for registry in stores.values():
            registry.close()
        result["uptime_after"] = uptime()
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
