"""Benchmark of the monitor pages (``/monitor``, ``/monitor/GMxxxx``) and of ``passports report``.

    python3 bench/bench_monitor.py --size 2000          # make a registry of 2,000 demo passports
    python3 bench/bench_monitor.py --data /tmp/dash20k  # or use an existing data directory

Per page (the region and ``--municipalities``): the time of each figure's saved query run cold
(the first request after a write computes them all), of the map's points, of the whole first
request (in-process client, no page workers: it waits up to 2 s for the figures, then says
"being computed" for those not ready), the time until every figure is there (computed in the
background, once per store generation), and of a request after that. Then the annual report of the first municipality. The load average is
recorded before and after, because the machine may be shared. Results go to
``bench/results/monitor.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, round(time.perf_counter() - start, 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="an existing data directory")
    parser.add_argument("--size", type=int, default=2000, help="demo passports to make when --data is not given")
    parser.add_argument("--municipalities", nargs="*", default=["GM0153", "GM0200"])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "monitor.json")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from registry.core.settings import Settings
    from registry.model.terms import get_terms
    from registry.static_site.annual_report import write_report
    from registry.store.registry import Registry
    from registry.views.pages import monitor
    from registry.web.app import create_app

    data = args.data
    if data is None:
        data = Path(tempfile.mkdtemp(prefix="bench-monitor-")) / "data"
        from registry.demo import generate
        from registry.model.documents import PassportDoc
        from registry.model.uris import owning_passport

        registry = Registry.open(Settings(data_dir=data))
        base = registry.base
        registry.add((PassportDoc(owning_passport(base, iri), triples)
                      for iri, triples in generate(args.size, 42, base)), source="urn:bench:monitor")
        registry.close()
    load_before = os.getloadavg()
    settings = Settings(data_dir=data)
    terms = get_terms()
    result: dict = {"machine": {"cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in load_before]},
                    "command": "bench_monitor.py " + " ".join(f"{k}={v}" for k, v in vars(args).items()),
                    "date": dt.date.today().isoformat(), "pages": {}}
    registry = Registry.open(settings, read_only=True)
    result["passports"] = registry.count_passports()
    day = dt.date.today()
    for code in [None, *args.municipalities]:
        iri = monitor.municipality_iri(code, terms) if code else None
        figures = {}
        for spec in monitor.FIGURES:
            figure, seconds = _timed(lambda spec=spec, iri=iri: monitor.run_figure(registry.store, spec, terms, iri, day))
            figures[spec.query] = {"seconds": seconds, "rows": len(figure.rows)}
        points, map_seconds = _timed(lambda iri=iri: monitor.map_points(registry, iri))
        result["pages"][code or "region"] = {"figures": figures, "map_seconds": map_seconds,
                                             "map_points": len(points["points"]),
                                             "figures_seconds": round(sum(f["seconds"] for f in figures.values()), 4)}
    registry.close()
    app = create_app(replace(settings, query_workers=1, page_workers=0, parse_workers=1))
    with TestClient(app) as client:
        for code in [None, *args.municipalities]:
            path = f"/monitor/{code}" if code else "/monitor"
            first, cold = _timed(lambda path=path: client.get(path))
            started = time.perf_counter()
            while 'class="computing"' in client.get(path).text:
                time.sleep(0.2)
            until_ready = round(time.perf_counter() - started + cold, 4)
            second, warm = _timed(lambda path=path: client.get(path))
            assert first.status_code == 200 and second.status_code == 200, (path, first.status_code)
            result["pages"][code or "region"].update(
                path=path, first_request_seconds=cold, first_request_complete='class="computing"' not in first.text,
                seconds_until_every_figure=until_ready, ready_request_seconds=warm,
                html_bytes=len(second.content))
        registry = client.app.state.registry
        with tempfile.TemporaryDirectory() as folder:
            report, seconds = _timed(lambda: write_report(registry, terms, args.municipalities[0], day.year,
                                                          Path(folder), "nl"))
            result["report"] = {"municipality": args.municipalities[0], "seconds": seconds, "files": len(report.files)}
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
