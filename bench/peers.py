"""The engines side by side: this registry's ``/sparql``, ``oxigraph serve-read-only`` and Virtuoso on
the same quads, with the query mix of issue 15 (``make bench``; docs/benchmarks.md).

    python3 bench/peers.py                           # 10,000 demo passports (the default)
    python3 bench/peers.py --sizes 10000,100000      # one run per size
    python3 bench/peers.py --sizes 1000 --rounds 5 --engines registry,oxigraph   # a quick look

Per size: the demo generator makes the passports and ``passports demo`` stores them (validated, as
a municipality's import is: the load time is reported); the registry's main store is copied with
RocksDB's checkpoint for ``oxigraph serve-read-only --union-default-graph`` (the ``oxigraph`` CLI,
PyPI ``oxigraph``, the same version as pyoxigraph) and dumped as N-Quads for Virtuoso
(Debian ``virtuoso-opensource``, started here on loopback ports in a temporary folder and loaded
with its bulk loader; ``bench/virtuoso.py``). Then each query of the mix runs ``--rounds`` times
on every engine, interleaved (engine A, B, C, A, B, C, ...: a load change of the shared machine
hits all three alike), and the answers are compared after normalisation (rows sorted, numbers as
numbers, triples as sets): a query whose answers differ is reported, and the command exits 1.
Last, the one-passport query's throughput at ``--connections`` clients for ``--seconds``.

The mix: one passport's graph (CONSTRUCT), the same with a pause of ``--pause`` seconds before
each (a reader's store handle is cold again, or reopened), one municipality's passports (a page of
50), the mass per material over all passports, passports per kind x municipality, titles
CONTAINing a word, and the dashboard's release forecast (saved query
``indicator-release-forecast``, year 2026).

Results go to ``bench/results/peers-SIZE.json`` (``--out-dir``): per query and engine p50, p90
and max in ms, the ratios to oxigraph, whether the answers agree, the load average before and
after and the machine (cores, RAM).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from soak import free_port
from virtuoso import Virtuoso

OXIGRAPH = shutil.which("oxigraph") or "/root/.pyenv/shims/oxigraph"
RESULTS = ROOT / "bench" / "results"
PREFIXES = """PREFIX mp: <https://w3id.org/materiaalpaspoort/def#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
VIRTUOSO_WKT = "urn:bench:wktLiteral"
BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger")}


def queries(passports: list[str], municipality: str) -> dict[str, object]:
    """name -> query text, or a function of a random generator giving one (a random passport)."""
    forecast = (ROOT / "sparql" / "indicator-release-forecast.rq").read_text(encoding="utf-8")
    # the region's forecast from 2026 (the saved query as it is: its municipality filter,
    # ?m = COALESCE(?municipality, ?m), is true for an unbound ?municipality on Virtuoso too)
    forecast = forecast.replace("xsd:integer(?year)", "2026")
    return {
        "passport": lambda rnd: f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{rnd.choice(passports)}> {{ ?s ?p ?o }} }}",
        "passport_after_pause": lambda rnd: ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH "
                                             f"<{rnd.choice(passports)}> {{ ?s ?p ?o }} }}"),
        "municipality_page": PREFIXES + "SELECT ?passport ?title WHERE { ?passport a mp:Passport ; "
                             f"mp:municipality <{municipality}> ; dcterms:title ?title "
                             'FILTER(LANG(?title) = "nl") } ORDER BY ?passport LIMIT 50 OFFSET 50',
        "mass_per_material": PREFIXES + "SELECT ?material (SUM(?kg) AS ?mass) (COUNT(?q) AS ?n) WHERE { "
                             "?q a mp:MaterialQuantity ; mp:material ?material ; mp:massKg ?kg } GROUP BY ?material",
        "kind_x_municipality": PREFIXES + "SELECT ?municipality ?kind (COUNT(?passport) AS ?n) WHERE { "
                               "?passport a mp:Passport ; mp:municipality ?municipality ; mp:describes ?object . "
                               "?object a ?kind } GROUP BY ?municipality ?kind",
        "title_contains": PREFIXES + "SELECT ?passport ?title WHERE { ?passport a mp:Passport ; "
                          'dcterms:title ?title FILTER(CONTAINS(?title, "Molenstraat")) }',
        "release_forecast": forecast,
    }


def normalise(answer: httpx.Response) -> object:
    """Rows (sorted tuples) of a JSON result, or the set of N-Triples lines of a graph."""
    kind = answer.headers.get("content-type", "")
    if "json" in kind:
        body = answer.json()
        names = sorted(body["head"]["vars"])
        return sorted(tuple(term(b.get(n)) for n in names) for b in body["results"]["bindings"])
    triples = ox.parse(answer.content, format=ox.RdfFormat.TURTLE)
    return sorted(f"{node(t.subject)} {t.predicate} {literal(node(t.object))}".replace(VIRTUOSO_WKT, WKT)
                  for t in triples)


def node(term):
    """A blank node without its label (each engine names them its own way)."""
    return "_:b" if isinstance(term, ox.BlankNode) else term


def literal(node) -> str:
    """A number as a number: Virtuoso keeps a whole xsd:decimal ("9750") as an xsd:integer, and a
    boolean as 1 or 0."""
    if isinstance(node, ox.Literal) and node.datatype.value in NUMERIC:
        return repr(round(float(node.value), 4))
    if isinstance(node, ox.Literal) and node.datatype.value == BOOLEAN:  # Virtuoso answers 1 or 0
        return repr(1.0 if node.value in ("true", "1") else 0.0)
    if isinstance(node, ox.Literal) and node.datatype.value == DATETIME and "." in node.value:
        # the same moment: Virtuoso writes 10.530Z where the others write 10.53Z
        whole, _, fraction = node.value.partition(".")
        digits = fraction.rstrip("Z").rstrip("0")
        return f'"{whole}{"." + digits if digits else ""}Z"^^<{DATETIME}>' if fraction.endswith("Z") else str(node)
    return str(node)


def virtuoso_copy(nquads: Path) -> Path:
    """The N-Quads for Virtuoso: its loader refuses a geo:wktLiteral that starts with a CRS IRI
    (RD New, as every passport's geometry does: "RDFGE: RDF box with a geometry RDF type and a
    non-geometry content"), so those literals get another datatype IRI there; the answers are
    compared with it mapped back."""
    copy = nquads.with_suffix(".virtuoso.nq")
    with open(nquads, "rb") as source, open(copy, "wb") as target:
        target.writelines(line.replace(f"^^<{WKT}>".encode(), f"^^<{VIRTUOSO_WKT}>".encode()) for line in source)
    return copy


def term(binding: dict | None) -> str:
    if binding is None:
        return ""
    if binding.get("datatype") in NUMERIC:
        return repr(round(float(binding["value"]), 4))
    lang = binding.get("xml:lang")
    return binding["value"] + (f"@{lang}" if lang else "")


class Engine:
    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url
        self.client = httpx.Client(timeout=600)

    def ask(self, query: str) -> tuple[float, object]:
        accept = "text/turtle" if "CONSTRUCT" in query.split("WHERE", 1)[0] else "application/sparql-results+json"
        started = time.perf_counter()
        answer = self.client.post(self.url, data={"query": query}, headers={"Accept": accept})
        seconds = time.perf_counter() - started
        answer.raise_for_status()
        return seconds, normalise(answer)


def wait_for(url: str, proc: subprocess.Popen, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if httpx.post(url, data={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer")


def machine() -> dict:
    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.machine())
    return {"cores": os.cpu_count(), "cpu": model, "ram_gib": round(int(memory.split()[1]) / 2**20, 1),
            "python": platform.python_version(), "pyoxigraph": ox.__version__,
            "oxigraph_cli": subprocess.run([OXIGRAPH, "--version"], capture_output=True, text=True,
                                           check=False).stdout.strip()}


def throughput(engine: Engine, make, connections: int, seconds: float) -> float:
    done = [0] * connections
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        rnd, http = random.Random(i), httpx.Client(timeout=60)
        while time.monotonic() < stop:
            http.post(engine.url, data={"query": make(rnd)}, headers={"Accept": "text/turtle"}).raise_for_status()
            done[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return round(sum(done) / seconds, 1)


def run_size(size: int, args, tmp: Path) -> dict:
    data = tmp / f"data-{size}"
    port = free_port()
    base = "http://localhost:8000/"
    started = time.perf_counter()
    if args.in_place:  # a data folder made before (bench_add.py --work-dir DIR: DIR/registry), used as it is
        data, load_seconds = args.in_place, None
    elif args.reuse:  # a data folder `passports demo --size N` made before: copied, not made again
        shutil.copytree(args.reuse, data, symlinks=True, ignore=shutil.ignore_patterns("readers"))
        load_seconds = None
    else:
        subprocess.run([sys.executable, "-m", "registry.cli", "demo", "--size", str(size), "--data", str(data),
                        "--base", base], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        load_seconds = round(time.perf_counter() - started, 1)
    store = ox.Store.read_only(str(data / "main"))
    quads = len(store)
    store.backup(str(tmp / f"oxigraph-{size}"))
    nquads = tmp / f"dump-{size}.nq"
    if "virtuoso" in args.engines:
        store.dump(str(nquads), ox.RdfFormat.N_QUADS)
    rows = store.query("SELECT ?g WHERE { GRAPH ?g { ?g a <https://w3id.org/materiaalpaspoort/def#Passport> } }")
    passports = sorted(r["g"].value for r in rows)
    del store
    env = {**os.environ, "PASSPORTS_RATE_LIMIT": "10000000", "PASSPORTS_BUDGET_SECONDS": "10000000",
           "PASSPORTS_BUDGET_BYTES": str(2**50), "PASSPORTS_CLIENT_CONCURRENCY": "64",
           "PASSPORTS_RESULT_CAP": "1000000"}
    procs, engines = [], []
    virtuoso = None
    try:
        if "registry" in args.engines:
            procs.append(subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--data", str(data),
                                           "--port", str(port), "--no-access-log"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            engines.append(Engine("registry", f"http://127.0.0.1:{port}/sparql"))
            wait_for(engines[-1].url, procs[-1], "passports serve")
        if "oxigraph" in args.engines:
            ox_port = free_port()
            procs.append(subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(tmp / f"oxigraph-{size}"),
                                           "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            engines.append(Engine("oxigraph", f"http://127.0.0.1:{ox_port}/query"))
            wait_for(engines[-1].url, procs[-1], "oxigraph serve-read-only")
        virtuoso_load = None
        if "virtuoso" in args.engines:
            virtuoso = Virtuoso(tmp / f"virtuoso-{size}").__enter__()
            virtuoso_load = virtuoso.load(virtuoso_copy(nquads))
            engines.append(Engine("virtuoso", virtuoso.sparql_url))
        load_before = os.getloadavg()
        result = {"size": size, "quads": quads, "load_seconds_registry": load_seconds,
                  "reused": str(args.in_place or args.reuse or "") or None,
                  "load_seconds_virtuoso": virtuoso_load, "rounds": args.rounds, "queries": {}}
        rnd = random.Random(args.seed)
        municipality = "https://w3id.org/materiaalpaspoort/id/municipality/GM0153"
        for name, query in queries(passports, municipality).items():
            times: dict[str, list[float]] = {e.name: [] for e in engines}
            answers: dict[str, object] = {}
            errors: dict[str, str] = {}  # an engine that refused or failed the query: its status and words
            agree = True
            reference = None
            for _ in range(args.rounds):
                text = query(rnd) if callable(query) else query
                reference = None
                for engine in engines:
                    if name == "passport_after_pause":
                        time.sleep(args.pause)
                    try:
                        seconds, answer = engine.ask(text)
                    except httpx.HTTPStatusError as exc:
                        errors[engine.name] = f"{exc.response.status_code}: {exc.response.text[:300]}"
                        continue
                    times[engine.name].append(seconds)
                    if reference is None:
                        reference = answer
                    elif answer != reference:
                        agree = False
                        differ = sorted(set(map(str, answer)) ^ set(map(str, reference)))
                        answers[engine.name] = (len(answer), len(reference), differ[:4])
            entry = {e: {"p50_ms": round(statistics.median(t) * 1000, 2),
                         "p90_ms": round(sorted(t)[int(0.9 * (len(t) - 1))] * 1000, 2),
                         "max_ms": round(max(t) * 1000, 2)} if t else {"error": errors.get(e)}
                     for e, t in times.items()}
            if entry.get("oxigraph", {}).get("p50_ms"):
                for figures in entry.values():
                    if "p50_ms" in figures:
                        figures["p50_to_oxigraph"] = round(figures["p50_ms"] / entry["oxigraph"]["p50_ms"], 2)
            result["queries"][name] = {"answers_agree": agree and not errors,
                                       "rows": len(reference) if reference is not None else None,
                                       "disagreement": answers or None, "errors": errors or None, **entry}
            print(f"{size} {name}: " + ", ".join(f"{e} {v.get('p50_ms', 'failed')} ms" for e, v in entry.items())
                  + ("" if agree else "  ANSWERS DIFFER") + (f"  FAILED {errors}" if errors else ""), file=sys.stderr)
        make = queries(passports, municipality)["passport"]
        result["passport_throughput_per_second"] = {
            e.name: throughput(e, make, args.connections, args.seconds) for e in engines}
        result["connections"] = args.connections
        result["load_average_before"] = [round(x, 2) for x in load_before]
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        return result
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(60)
        if virtuoso is not None:
            virtuoso.__exit__(None, None, None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated numbers of passports")
    parser.add_argument("--engines", default="registry,oxigraph,virtuoso")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pause", type=float, default=1.5, help="seconds before each passport_after_pause query")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    parser.add_argument("--work-dir", type=Path, default=None, help="where the stores go (default a temp dir)")
    parser.add_argument("--reuse", type=Path, default=None,
                        help="a data folder made by `passports demo --size N` (one size only): copied instead of made")
    parser.add_argument("--in-place", type=Path, default=None,
                        help="a registry data folder used as it is, not copied (one size only; a million passports)")
    args = parser.parse_args(argv)
    args.engines = args.engines.split(",")
    ok = True
    for size in (int(s.replace("_", "")) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="peers-", dir=args.work_dir) as tmp:
            result = {"benchmark": "peers", "machine": machine(), **run_size(size, args, Path(tmp))}
        ok = ok and all(q["answers_agree"] for q in result["queries"].values())
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / f"peers-{size}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
