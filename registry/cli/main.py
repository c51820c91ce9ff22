"""The ``passports`` command: one entry point for every job users do."""

from __future__ import annotations

import csv
import gzip
import json
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import typer
from rich.table import Table

from registry.cli.common import (
    BaseOption,
    DataOption,
    err,
    fail,
    finish,
    opened,
    out,
    print_verdicts,
    progress_bar,
    read_with_progress,
    settings_from,
    summarise,
)
from registry.cli.demo import demo as demo_command
from registry.cli.demo import register as register_demo
from registry.cli.imports import register as register_import
from registry.cli.masses import cli as masses_cli
from registry.cli.site import cli as site_cli
from registry.cli.tokens import cli as tokens_cli
from registry.core.errors import EXIT_ERROR, RegistryError
from registry.core.settings import Settings
from registry.model.documents import DocumentError, LimitError, ParseLimits, grouped, read_file
from registry.model.reference import ontology_files
from registry.model.uris import UriError, parse_passport_iri
from registry.model.vocab import PREFIXES
from registry.store.failures import DENIED, FULL
from registry.store.named_queries import UnknownQuery, load
from registry.store.registry import AddReport, Registry
from registry.validation.validator import Validator, Verdict, report_graph

app = typer.Typer(help="Material passport registry / Materialenpaspoorten-register",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
ontology_app = typer.Typer(help="The ontology: checks.", no_args_is_help=True)
app.add_typer(ontology_app, name="ontology")

# --- commands ------------------------------------------------------------------------------

@app.command()
def init(data: Path = DataOption, base: str = BaseOption) -> None:
    """Create an empty registry in the data directory."""
    settings = settings_from(data, base)
    with opened(settings) as registry:
        n = registry.count_passports()
    out.print(f"registry ready in {settings.data_dir.resolve()} ({n} passports), base {settings.base_iri}")


@app.command()
def add(files: list[Path] = typer.Argument(..., help="Turtle, TriG, JSON-LD, N-Triples or N-Quads (.gz ok)"),
        data: Path = DataOption, base: str = BaseOption,
        municipality: str = typer.Option(None, help="Only accept passports of this CBS code"),
        lang: str = typer.Option("en", help="Language of messages: nl or en")) -> None:
    """Validate and store passports; new content becomes a new version, same content is skipped."""
    settings = settings_from(data, base)
    total = AddReport()
    with opened(settings) as registry, progress_bar() as progress:
        for path in files:
            if not path.is_file():
                fail(f"{path}: no such file")
            try:
                report = registry.add(read_with_progress(path, settings.base_iri, progress,
                                                         ParseLimits.from_settings(settings)),
                                      source=str(path), comment=f"passports add {path.name}",
                                      municipality=municipality)
            except (DocumentError, LimitError) as exc:
                fail(f"{exc}\nNothing after the last complete batch was stored; passports stored before "
                     "stay. Fix the file and run the same command again: stored passports are skipped.")
            total.merge(report)
    print_verdicts(total.rejected, lang)
    summarise(total)
    finish(not total.rejected)


@app.command()
def validate(file: Path, base: str = BaseOption,
             format: str = typer.Option("text", "--format", help="text, json or ttl"),
             lang: str = typer.Option("en", help="Language of messages: nl or en"),
             engine: str = typer.Option("fast", help="fast (compiled shapes, pySHACL reports failures) "
                                                     "or pyshacl (pySHACL only)")) -> None:
    """Validate passports in a file without storing them (exit 0 conforms, 1 does not, 2 error)."""
    settings = settings_from(None, base)
    if not file.is_file():
        fail(f"{file}: no such file")
    if engine not in ("fast", "pyshacl"):
        fail(f"unknown engine {engine!r}; use fast or pyshacl")
    validator = Validator(engine=engine)
    verdicts: list[Verdict] = []
    try:
        for batch in grouped(read_file(file, settings.base_iri, limits=ParseLimits.from_settings(settings)),
                             1000):
            verdicts += validator.validate(batch)
    except (DocumentError, LimitError) as exc:
        fail(str(exc))
    if not verdicts:
        fail(f"{file}: no passport found (nothing typed mp:Passport)")
    conforms = all(v.conforms for v in verdicts)
    if format == "json":
        out.print_json(json.dumps({"conforms": conforms, "passports": [
            {"iri": v.iri, "conforms": v.conforms, "results": [i.as_dict() for i in v.issues]}
            for v in verdicts]}))
    elif format == "ttl":
        sys.stdout.write(report_graph(verdicts).serialize(format="turtle"))
    else:
        print_verdicts(verdicts, lang, limit=10_000)
        bad = sum(not v.conforms for v in verdicts)
        out.print(f"{len(verdicts)} passport(s), {bad} do(es) not conform", highlight=False)
    finish(conforms)


def _ref(registry: Registry, iri: str):
    try:
        return parse_passport_iri(registry.base, iri)
    except UriError as exc:
        fail(str(exc))


@app.command()
def show(iri: str, data: Path = DataOption, base: str = BaseOption,
         format: str = typer.Option("ttl", "--format", help="ttl, nt or jsonld")) -> None:
    """Print a passport (current version, or a version IRI ending in /v/N)."""
    formats = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
    if format not in formats:
        fail(f"unknown format {format!r}; use one of {', '.join(formats)}")
    with opened(settings_from(data, base), read_only=True) as registry:
        ref = _ref(registry, iri)
        triples = registry.get(ref)
        if triples is None:
            fail(f"{iri} is not in this registry", 1)
        sys.stdout.write(ox.serialize(triples, format=formats[format],
                                      prefixes=PREFIXES if format == "ttl" else None).decode())


@app.command()
def history(iri: str, data: Path = DataOption, base: str = BaseOption) -> None:
    """List the versions of a passport with their provenance."""
    with opened(settings_from(data, base), read_only=True) as registry:
        ref = _ref(registry, iri)
        versions = registry.history(ref)
        if not versions:
            fail(f"{iri} has no versions in this registry", 1)
        table = Table("version", "written", "replaced/retired", "by", "source")
        for v in versions:
            table.add_row(str(v.number), v.generated, v.invalidated or "", v.agent or "", v.source or "")
        out.print(table)
        retired = registry.retirement(ref)
        if retired:
            out.print(f"retired at {retired['at']}: {retired['reason']}", highlight=False)


@app.command()
def retire(iri: str, reason: str = typer.Option(..., help="Why, e.g. 'gesloopt in 2026'"),
           data: Path = DataOption, base: str = BaseOption) -> None:
    """Retire a passport; it stays resolvable with its history."""
    with opened(settings_from(data, base)) as registry:
        ref = _ref(registry, iri)
        try:
            version = registry.retire(ref, reason)
        except ValueError as exc:
            fail(str(exc), 1)
    out.print(f"retired {iri} (last version {version})", highlight=False)


@app.command()
def query(file: Path = typer.Argument(None, help="A .rq file"),
          name: str = typer.Option(None, "--name", help="A saved query of sparql/ by name"),
          data: Path = DataOption, base: str = BaseOption,
          format: str = typer.Option("table", "--format", help="table, csv or json")) -> None:
    """Run a SPARQL query over the current passports and the reference data (union of their graphs)."""
    if (file is None) == (name is None):
        fail("give a .rq file or --name NAME (one of them)")
    try:
        text = file.read_text(encoding="utf-8") if file else load(name)
    except (OSError, UnknownQuery) as exc:
        fail(f"cannot read the query: {exc}")
    with opened(settings_from(data, base), read_only=True) as registry:
        try:
            result = registry.query(text)
        except SyntaxError as exc:
            fail(f"SPARQL syntax error: {exc}")
        if isinstance(result, ox.QueryBoolean):
            out.print(json.dumps(bool(result)) if format == "json" else str(bool(result)).lower())
            return
        if isinstance(result, ox.QueryTriples):
            sys.stdout.write(ox.serialize(list(result), format=ox.RdfFormat.TURTLE).decode())
            return
        names = [v.value for v in result.variables]
        rows = [[row[n].value if row[n] is not None else "" for n in names] for row in result]
    if format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
    elif format == "json":
        sys.stdout.write(json.dumps([dict(zip(names, r)) for r in rows], ensure_ascii=False, indent=1) + "\n")
    else:
        table = Table(*names)
        for r in rows:
            table.add_row(*r)
        out.print(table)


@app.command()
def compact(data: Path = DataOption, base: str = BaseOption) -> None:
    """Rewrite the store's files for fast reading (after large imports; an import that makes up a
    quarter of the store or more does this by itself). The content stays the same."""
    with opened(settings_from(data, base)) as registry:
        started = time.perf_counter()
        with err.status("Compacting the store ..."):
            registry.compact()
    out.print(f"store compacted in {time.perf_counter() - started:.1f} s")


@app.command()
def export(output: Path = typer.Option(None, "--output", "-o", help="File; .gz compresses; default stdout"),
           format: str = typer.Option("nq", "--format", help="nq, trig or ttl (ttl: union, no graphs)"),
           history: bool = typer.Option(False, "--history", help="Also dump every past version"),
           data: Path = DataOption, base: str = BaseOption) -> None:
    """Dump the whole registry (N-Quads by default)."""
    formats = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "ttl": ox.RdfFormat.TURTLE}
    if format not in formats:
        fail(f"unknown format {format!r}; use nq, trig or ttl")
    with opened(settings_from(data, base), read_only=True) as registry:
        if output is None:
            registry.export(sys.stdout.buffer, formats[format], include_history=history)
            return
        with (gzip.open(output, "wb") if output.suffix == ".gz" else open(output, "wb")) as stream:
            registry.export(stream, formats[format], include_history=history)
    err.print(f"wrote {output}")


@app.command()
def serve(data: Path = DataOption, base: str = BaseOption, host: str = typer.Option("127.0.0.1"),
          port: int = typer.Option(8000), with_demo: bool = typer.Option(False, "--demo",
          help="Load demo passports first when the registry is empty"),
          access_log: bool = typer.Option(True, "--access-log/--no-access-log",
          help="Log every request (about 0.15 ms CPU per request; bench/bench_pages.py runs without)"),
          page_workers: int | None = typer.Option(None, "--page-workers", min=0,
          help="Processes rendering HTML pages (default PASSPORTS_PAGE_WORKERS, else one per core "
               "up to 8; 0: the server process renders them)")) -> None:
    """Run the registry: SPARQL endpoint, linked-data URIs, write API and pages."""
    import dataclasses

    import uvicorn  # the web stack is loaded by this command only: every other command starts faster

    from registry.web.app import create_app
    from registry.web.clients import server_options

    if base is None and port != 8000:
        base = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"
    settings = settings_from(data, base)
    if page_workers is not None:
        settings = dataclasses.replace(settings, page_workers=page_workers)
    with opened(settings) as registry:  # a store in use by another process: one line, exit 2
        empty = with_demo and registry.count_passports() == 0
    if empty:
        _demo_into(settings)
    out.print(f"serving {settings.base_iri} from {settings.data_dir.resolve()}", highlight=False)
    # X-Forwarded-For is believed only from PASSPORTS_TRUSTED_PROXIES (uvicorn's default: loopback)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=access_log,
                **server_options(settings))


def _demo_into(settings: Settings, size: int = 500) -> None:
    try:
        demo_command(size=size, seed=42, data=settings.data_dir, base=settings.base_iri)
    except typer.Exit as exit_:
        if exit_.exit_code:
            fail("demo data did not load")


@ontology_app.command("check")
def ontology_check(extra: list[Path] = typer.Argument(None, help="Extra Turtle files to check together "
                                                                 "with ontology/*.ttl")) -> None:
    """Run the HermiT reasoner: consistency and unsatisfiable classes."""
    from registry.validation.consistency import check_consistency  # owlready2: loaded for this command only

    missing = [p for p in extra or () if not p.is_file()]
    if missing:
        fail(f"no such file: {', '.join(map(str, missing))}")
    result = check_consistency(ontology_files() + list(extra) if extra else None)
    out.print(str(result), highlight=False)
    finish(result.ok)


app.add_typer(tokens_cli, name="token")
app.add_typer(site_cli, name="site")
app.add_typer(masses_cli, name="masses")
register_import(app)
register_demo(app)


def main() -> None:
    """The ``passports`` command. Any :class:`RegistryError` that reaches here is printed as one
    line (no traceback) and exits with its exit code (2)."""
    try:
        app()
    except RegistryError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except OSError as exc:  # a full disk or an unwritable file outside the store (which says its own)
        if exc.errno not in (*FULL, *DENIED):
            raise
        err.print(f"[bold red]error:[/] {exc.filename or 'a file'}: {exc.strerror}. Free space on that "
                  "disk or make the folder writable, then run the command again.", highlight=False)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
