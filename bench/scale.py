"""How the registry's figures grow from 10,000 to 1,000,000 passports (issue 15): one run per size.

    python3 bench/scale.py --size 10000 --work-dir /big/s10k        # load, pages, documents, site
    python3 bench/scale.py --size 1000000 --work-dir /big/m1        # reuses DIR/registry if there
    python3 bench/scale.py --report 10000 100000 1000000            # the table and the plot

Per size, each step a benchmark of its own, run as a command (its JSON kept under bench/results/):

1. load: ``bench_add.py --gzip --work-dir DIR`` (validated add next to raw bulk_load, peak memory,
   bytes written, store size, the add's rate per tenth); skipped when ``DIR/registry`` and
   ``add_SIZE.json`` are there (a million passports take hours);
2. pages: ``bench_pages.py --data DIR/registry --connections 8 --no-site`` (p50/p99 per page kind);
3. RDF documents: ``bench_linked_data.py --registry DIR/registry`` (Turtle by content negotiation
   next to ``oxigraph serve`` on a checkpoint of the same store);
4. the static site build, for at most ``--site-seconds``: the passports rendered per second while
   the build runs (at a million passports the whole build takes hours; the rate is what grows).

``scale-SIZE.json`` collects the figures; ``--report`` turns every ``scale-*.json`` into a Markdown
table (printed, for docs/benchmarks.md) and a plot (``docs/img/scale.svg``, matplotlib: the
``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BASE = "http://localhost:8000/"
PAGE_KINDS = ("passport", "home", "municipality", "material", "search")


def run(args: list[str], log: Path) -> None:
    print("$", " ".join(args), flush=True)
    with open(log, "ab") as out:
        subprocess.run([sys.executable, *args], cwd=ROOT, check=True, stdout=out, stderr=subprocess.STDOUT)


def tree_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _build(data: str, out: str, log: str) -> None:
    """The site build in a child process, its progress as ``seconds part done`` lines."""
    sys.path.insert(0, str(ROOT))
    from registry.core.settings import Settings
    from registry.static_site.builder import build_site

    started = time.perf_counter()
    with open(log, "w", buffering=1) as fh:
        last = [0.0]

        def progress(part: str, done: int, _total: int | None) -> None:
            now = time.perf_counter() - started
            if now - last[0] >= 1:
                last[0] = now
                fh.write(f"{now:.2f} {part.replace(' ', '_')} {done}\n")

        build_site(Settings(data_dir=Path(data), base_iri=BASE), Path(out), progress=progress,
                   workers=os.cpu_count() or 1)  # as `passports site build` does
        fh.write(f"{time.perf_counter() - started:.2f} done 0\n")


def site_rate(data: Path, scratch: Path, seconds: float) -> dict:
    """Passports rendered per second by the static site build, over at most ``seconds``."""
    out, log = scratch / "site", scratch / "site-progress.txt"
    shutil.rmtree(out, ignore_errors=True)
    child = multiprocessing.get_context("spawn").Process(target=_build, args=(str(data), str(out), str(log)))
    child.start()
    child.join(seconds)
    complete = not child.is_alive()
    if not complete:
        child.terminate()
        child.join()
    points = [(float(t), part, int(n)) for t, part, n in (line.split() for line in log.read_text().splitlines())]
    elapsed = points[-1][0] if points else 0.0
    figures: dict = {"complete": complete, "seconds": round(elapsed, 1), "limit_seconds": seconds}
    for part in ("overview_pages", "passports"):  # the build's two parts, overview pages first
        seen = [(t, n) for t, name, n in points if name == part and n > 0]
        if len(seen) >= 2:
            (t0, n0), (t1, n1) = seen[0], seen[-1]
            figures[part] = {"done": n1, "per_second": round((n1 - n0) / (t1 - t0), 1),
                             "from_seconds": round(t0, 1), "to_seconds": round(t1, 1)}
    html = sum(1 for _ in out.rglob("*.html")) if out.exists() else 0
    figures["html_pages"] = {"written": html, "per_second": round(html / elapsed, 1) if elapsed else None}
    shutil.rmtree(out, ignore_errors=True)
    return figures


def measure(args) -> dict:
    size, work = args.size, args.work_dir.resolve()
    data, log = work / "registry", work / "scale.log"
    work.mkdir(parents=True, exist_ok=True)
    add_json = RESULTS / f"add_{size}.json"
    if not (data.exists() and add_json.exists()):
        run(["bench/bench_add.py", "--size", str(size), "--gzip", "--work-dir", str(work),
             "--output", str(add_json)], log)
    pages_json, documents_json = RESULTS / f"pages_{size}.json", RESULTS / f"linked_data_{size}.json"
    run(["bench/bench_pages.py", "--data", str(data), "--connections", "8", "--seconds", str(args.seconds),
         "--no-site", "--out", str(pages_json)], log)
    run(["bench/bench_linked_data.py", "--registry", str(data), "--connections", "8", "--rounds", "2",
         "--duration", str(args.seconds), "--output", str(documents_json)], log)
    site = site_rate(data, work, args.site_seconds)
    add, pages, documents = (json.loads(p.read_text()) for p in (add_json, pages_json, documents_json))
    loads = pages["runs"][0]["load"]
    return {
        "passports": size, "quads": add["triples"], "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cores": os.cpu_count(), "load_average_at_end": os.getloadavg(),
        "load": {k: add.get(k) for k in (
            "validated_add_seconds", "validated_passports_per_second", "raw_bulk_load_seconds",
            "ratio_validated_to_raw", "ratio_cpu_raw_to_validated", "add_store_mb", "raw_store_mb",
            "add_write_amplification", "rss_mb_peak_10hz", "worker_rss_mb_peak", "compact_seconds",
            "load_average_at_start", "load_average_at_end", "timeline")},
        "store_on_disk_mb": round(tree_bytes(data) / 1e6, 1),
        "pages_c8": {kind: {m: loads[f"{kind}_c8"][m] for m in ("throughput_rps", "p50_ms", "p99_ms", "errors")}
                     for kind in PAGE_KINDS if f"{kind}_c8" in loads},
        "documents_c8": {"ours_rps": documents["ours"]["best"]["throughput_rps"],
                         "ours_p99_ms": documents["ours"]["best"]["p99_ms"],
                         "oxigraph_rps": documents["oxigraph"]["best"]["throughput_rps"],
                         "oxigraph_p99_ms": documents["oxigraph"]["best"]["p99_ms"],
                         "ratio": documents["throughput_ratio"]},
        "site": site,
    }


def report(sizes: list[int], plot: Path) -> str:
    rows = [json.loads((RESULTS / f"scale-{n}.json").read_text()) for n in sizes]
    lines = ["| figure | " + " | ".join(f"{r['passports']:,}" for r in rows) + " |",
             "|---|" + "---|" * len(rows)]

    def row(name: str, values) -> None:
        lines.append(f"| {name} | " + " | ".join(values) + " |")

    row("quads", (f"{r['quads']:,}" for r in rows))
    row("validated add, passports/s", (f"{r['load']['validated_passports_per_second']:,}" for r in rows))
    row("add / raw bulk_load (wall; CPU)", (f"{r['load']['ratio_validated_to_raw']}; "
                                            f"{r['load']['ratio_cpu_raw_to_validated']}" for r in rows))
    row("store on disk, GB", (f"{r['store_on_disk_mb'] / 1000:.1f}" for r in rows))
    row("peak memory of the add, MB (worker)", (f"{r['load']['rss_mb_peak_10hz']:,.0f} "
                                                f"({r['load']['worker_rss_mb_peak']:,.0f})" for r in rows))
    row("write amplification", (f"{r['load']['add_write_amplification']}" for r in rows))
    for kind in PAGE_KINDS:
        row(f"{kind} page p50 / p99 ms, 8 connections",
            (f"{r['pages_c8'][kind]['p50_ms']} / {r['pages_c8'][kind]['p99_ms']}" if kind in r["pages_c8"] else "-"
             for r in rows))
    row("RDF documents req/s, ours / oxigraph", (f"{r['documents_c8']['ours_rps']:,.0f} / "
                                                 f"{r['documents_c8']['oxigraph_rps']:,.0f}" for r in rows))
    row("site build: overview tasks/s; passports/s; HTML pages/s", (
        "; ".join(str(r["site"].get(part, {}).get("per_second", "-"))
                  for part in ("overview_pages", "passports", "html_pages"))
        for r in rows))
    row("load average at the end", (f"{r['load_average_at_end'][0]:.1f}" for r in rows))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [r["passports"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    axes[0].plot(xs, [r["load"]["validated_passports_per_second"] for r in rows], "o-", label="validated add")
    axes[0].plot(xs, [r["passports"] / r["load"]["raw_bulk_load_seconds"] for r in rows], "s--", label="raw bulk_load")
    axes[0].set_ylabel("passports/s")
    axes[1].plot(xs, [max(p["p99_ms"] for p in r["pages_c8"].values()) for r in rows], "o-", label="slowest page p99")
    axes[1].plot(xs, [r["documents_c8"]["ours_p99_ms"] for r in rows], "s--", label="RDF document p99")
    axes[1].axhline(50, color="grey", linewidth=0.8, label="50 ms")
    axes[1].set_ylabel("ms, 8 connections")
    axes[2].plot(xs, [r["store_on_disk_mb"] / 1000 for r in rows], "o-", label="store on disk, GB")
    axes[2].plot(xs, [r["load"]["rss_mb_peak_10hz"] / 1000 for r in rows], "s--", label="peak memory, GB")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("passports")
        ax.legend(fontsize=8)
    fig.tight_layout()
    plot.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(plot)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, help="passports (with --work-dir)")
    parser.add_argument("--work-dir", type=Path, help="where the N-Quads and the registry go (kept)")
    parser.add_argument("--seconds", type=int, default=15, help="seconds of load per page kind and document round")
    parser.add_argument("--site-seconds", type=float, default=600, help="the longest the site build runs")
    parser.add_argument("--report", type=int, nargs="+", help="sizes to put in the table and the plot")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "img" / "scale.svg")
    args = parser.parse_args(argv)
    if args.report:
        print(report(args.report, args.plot))
        return 0
    if not (args.size and args.work_dir):
        parser.error("--size and --work-dir, or --report")
    result = measure(args)
    out = RESULTS / f"scale-{args.size}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
