"""The ``passports`` command: one entry point for every job users do."""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn
from rich.table import Table

from registry.core.settings import Settings
from registry.model.documents import DocumentError, format_for, read_stream
from registry.model.uris import UriError, parse_passport_iri
from registry.store.registry import AddReport, Registry, StoreError
from registry.validation.validator import Verdict, report_graph

app = typer.Typer(help="Material passport registry / Materialenpaspoorten-register",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
ontology_app = typer.Typer(help="The ontology: checks.", no_args_is_help=True)
app.add_typer(ontology_app, name="ontology")

# Piped output is not cut to 80 columns.
out = Console(width=None if sys.stdout.isatty() else 400)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 400)

DataOption = typer.Option(None, "--data", help="Data directory (default $PASSPORTS_DATA or ./data)")
BaseOption = typer.Option(None, "--base", help="Base IRI of this instance (default $PASSPORTS_BASE "
                                               "or http://localhost:8000/)")


def settings_from(data: Path | None, base: str | None) -> Settings:
    kwargs = {}
    if data is not None:
        kwargs["data_dir"] = data
    if base is not None:
        kwargs["base_iri"] = base
    return Settings(**kwargs)


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def opened(settings: Settings, read_only: bool = False):
    try:
        registry = Registry.open(settings, read_only=read_only)
    except StoreError as exc:
        fail(str(exc))
    try:
        yield registry
        if registry.needs_compaction():
            with err.status("Compacting the store after a large import (reads are faster after it) ..."):
                registry.compact()
    except BaseException:
        registry.close(compact=False)
        raise
    registry.close()


def progress_bar() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                    TransferSpeedColumn(), TimeElapsedColumn(), TextColumn("{task.fields[passports]} passports"),
                    console=err, transient=False, disable=not err.is_terminal)


def read_with_progress(path: Path, base: str, progress: Progress):
    """Passport documents from a file, the bar following the bytes read."""
    fmt = format_for(path.name)
    task = progress.add_task(path.name, total=path.stat().st_size, passports=0)
    count = 0
    with open(path, "rb") as raw:
        tracked = progress.wrap_file(raw, total=path.stat().st_size, task_id=task)
        with (gzip.GzipFile(fileobj=tracked, mode="rb") if path.suffix == ".gz"
              else contextlib.nullcontext(tracked)) as stream:
            try:
                for doc in read_stream(stream, base, fmt, source=str(path), size_hint=path.stat().st_size):
                    count += 1
                    if count % 500 == 0:
                        progress.update(task, passports=count)
                    yield doc
            finally:
                progress.update(task, passports=count)


def print_verdicts(verdicts: list[Verdict], lang: str, limit: int = 50) -> None:
    shown = 0
    for verdict in verdicts:
        for issue in verdict.issues:
            if shown >= limit:
                err.print("... and more; use --format json for the full report")
                return
            colour = {"Violation": "red", "Warning": "yellow"}.get(issue.severity, "cyan")
            err.print(f"[{colour}]{issue.severity}[/] {verdict.iri}\n  focus: {issue.focus}"
                      + (f"\n  path: {issue.path}" if issue.path else "")
                      + (f"\n  value: {issue.value}" if issue.value else "")
                      + f"\n  {issue.text(lang)}", highlight=False)
            shown += 1


def summarise(report: AddReport) -> None:
    err.print(f"created {len(report.created)}, updated {len(report.updated)}, unchanged "
              f"{len(report.unchanged)}, rejected {len(report.rejected)}, with warnings "
              f"{len(report.warnings)}", highlight=False)


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
                report = registry.add(read_with_progress(path, settings.base_iri, progress),
                                      source=str(path), comment=f"passports add {path.name}",
                                      municipality=municipality)
            except DocumentError as exc:
                fail(f"{exc}\nNothing after the last complete batch was stored; passports stored before "
                     "stay. Fix the file and run the same command again: stored passports are skipped.")
            total.merge(report)
    print_verdicts(total.rejected, lang)
    summarise(total)
    raise typer.Exit(1 if total.rejected else 0)


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
    from registry.validation.validator import Validator

    validator = Validator(engine=engine)
    verdicts: list[Verdict] = []
    try:
        from registry.model.documents import grouped, read_file

        for batch in grouped(read_file(file, settings.base_iri), 1000):
            verdicts += validator.validate(batch)
    except DocumentError as exc:
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
    raise typer.Exit(0 if conforms else 1)


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
        from registry.model.vocab import PREFIXES

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
    """Run a SPARQL query over the current passports (union of their graphs)."""
    from registry.store.named_queries import UnknownQuery, load

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

    import uvicorn

    from registry.web.app import create_app

    if base is None and port != 8000:
        base = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"
    settings = settings_from(data, base)
    if page_workers is not None:
        settings = dataclasses.replace(settings, page_workers=page_workers)
    if with_demo:
        with opened(settings) as registry:
            empty = registry.count_passports() == 0
        if empty:
            _demo_into(settings)
    out.print(f"serving {settings.base_iri} from {settings.data_dir.resolve()}", highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=access_log)


def _demo_into(settings: Settings, size: int = 500) -> None:
    from registry.cli.demo import demo

    try:
        demo(size=size, seed=42, data=settings.data_dir, base=settings.base_iri)
    except typer.Exit as exit_:
        if exit_.exit_code:
            fail("demo data did not load")


@ontology_app.command("check")
def ontology_check(extra: list[Path] = typer.Argument(None, help="Extra Turtle files to check together "
                                                                 "with ontology/*.ttl")) -> None:
    """Run the HermiT reasoner: consistency and unsatisfiable classes."""
    from registry.model.reference import OntologyError, ontology_files
    from registry.validation.consistency import check_consistency

    missing = [p for p in extra or () if not p.is_file()]
    if missing:
        fail(f"no such file: {', '.join(map(str, missing))}")
    try:
        result = check_consistency(ontology_files() + list(extra) if extra else None)
    except OntologyError as exc:
        fail(str(exc), exc.exit_code)
    out.print(str(result), highlight=False)
    raise typer.Exit(0 if result.ok else 1)


# --- sub-command groups from other modules (one line each) ---------------------------------
# The modules import ``app``'s helpers from here, so they come after it.
from registry.cli.demo import register as _register_demo
from registry.cli.imports import register as _register_import
from registry.cli.tokens import cli as _tokens
from registry.static_site.build import cli as _site

app.add_typer(_tokens, name="token")
app.add_typer(_site, name="site")
_register_import(app)
_register_demo(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
