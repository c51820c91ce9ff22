"""The ``passports`` command: one entry point for every job users do."""

from __future__ import annotations

import csv
import gzip
import json
import socket
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import typer
from rich.table import Table

from registry.cli.backup import register as register_backup
from registry.cli.common import (
    BaseOption,
    DataOption,
    agent_name,
    err,
    fail,
    finish,
    opened,
    out,
    print_json,
    print_verdicts,
    progress_bar,
    read_with_progress,
    settings_from,
    summarise,
)
from registry.cli.demo import demo as demo_command
from registry.cli.demo import register as register_demo
from registry.cli.harvest import register as register_harvest
from registry.cli.imports import register as register_import
from registry.cli.lists import figure_rows
from registry.cli.lists import register as register_lists
from registry.cli.masses import cli as masses_cli
from registry.cli.masses import geometries_cli
from registry.cli.report import register as register_report
from registry.cli.site import cli as site_cli
from registry.cli.site import export_dumps
from registry.cli.speech import register as register_language
from registry.cli.speech import run
from registry.cli.texts import LangOption, both, cli_language, export_summary, language, say
from registry.cli.tokens import cli as tokens_cli
from registry.cli.valuation import register as register_valuation
from registry.core.errors import EXIT_ERROR, RegistryError
from registry.core.phrases import counted, number, timestamp, validation_summary
from registry.core.settings import Settings
from registry.model.documents import DocumentError, LimitError, ParseLimits, grouped, read_file
from registry.model.reference import ontology_files
from registry.model.uris import UriError, parse_passport_iri
from registry.model.vocab import PREFIXES
from registry.query import saved as saved_queries
from registry.store.failures import DENIED, FULL
from registry.store.named_queries import UnknownQuery, load
from registry.store.registry import AddReport, Registry
from registry.store.stored_base import stored_base
from registry.validation.validator import Validator, Verdict, report_graph

app = typer.Typer(help="Material passport registry",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
ontology_app = typer.Typer(help="The ontology: checks.", no_args_is_help=True)
app.add_typer(ontology_app, name="ontology")

# --- commands ------------------------------------------------------------------------------

@app.command()
def init(data: Path = DataOption, base: str = BaseOption, lang: str = LangOption) -> None:
    """Create an empty registry in the data directory; its base IRI is stored with the data."""
    lang = language(lang)
    settings = settings_from(data, base)
    with opened(settings) as registry:
        n = registry.count_passports()
        settings = registry.settings  # the base the data has (stored, or read from older data)
    out.print(say("init.ready", lang, data=settings.data_dir.resolve(), passports=counted(n, "passport", lang),
                  base=settings.base_iri), highlight=False)


@app.command()
def add(files: list[Path] = typer.Argument(..., help="Turtle, TriG, JSON-LD, N-Triples or N-Quads (.gz ok)"),
        data: Path = DataOption, base: str = BaseOption,
        municipality: str = typer.Option(None, help="Only accept passports of this CBS code"),
        lang: str = LangOption) -> None:
    """Validate and store passports; new content becomes a new version, same content is skipped."""
    lang = language(lang)
    settings = settings_from(data, base)
    total = AddReport()
    with opened(settings) as registry, progress_bar() as progress:
        for path in files:
            if not path.is_file():
                fail(both("no_file", path=path))
            try:
                report = registry.add(read_with_progress(path, registry.base, progress,
                                                         ParseLimits.from_settings(settings)),
                                      source=str(path), comment=f"passports add {path.name}",
                                      municipality=municipality)
            except (DocumentError, LimitError) as exc:
                fail(both("add.broken", problem=exc.message(lang)))
            total.merge(report)
    print_verdicts(total.rejected, lang)
    summarise(total, lang)
    finish(not total.rejected)


@app.command()
def validate(file: Path, base: str = BaseOption,
             format: str = typer.Option("text", "--format", help="text, json or ttl"),
             lang: str = LangOption,
             engine: str = typer.Option("fast", help="fast (compiled shapes, pySHACL reports failures) "
                                                     "or pyshacl (pySHACL only)")) -> None:
    """Validate passports in a file without storing them (exit 0 conforms, 1 does not, 2 error)."""
    lang = language(lang)
    settings = settings_from(None, base)
    if not file.is_file():
        fail(both("no_file", path=file))
    if engine not in ("fast", "pyshacl"):
        fail(both("engine", engine=engine))
    validator = Validator(engine=engine)
    verdicts: list[Verdict] = []
    try:
        for batch in grouped(read_file(file, settings.base_iri, limits=ParseLimits.from_settings(settings)),
                             1000):
            verdicts += validator.validate(batch)
    except (DocumentError, LimitError) as exc:
        fail(exc)
    if not verdicts:
        fail(both("validate.none", file=file))
    conforms = all(v.conforms for v in verdicts)
    if format == "json":
        print_json({"conforms": conforms, "passports": [
            {"iri": v.iri, "conforms": v.conforms, "results": [i.as_dict() for i in v.issues]}
            for v in verdicts]})
    elif format == "ttl":
        sys.stdout.write(report_graph(verdicts).serialize(format="turtle"))
    else:
        print_verdicts(verdicts, lang, limit=10_000)
        bad = sum(not v.conforms for v in verdicts)
        out.print(validation_summary(bad, len(verdicts), lang), highlight=False)
    finish(conforms)


def _ref(registry: Registry, iri: str):
    """The passport an IRI names; for an IRI under another base, an error that says the data's base."""
    if not iri.startswith(registry.base) and "/id/passport/" in iri:
        own = registry.base + "id/passport/" + iri.split("/id/passport/", 1)[1]
        file = registry.settings.base_path
        raise RegistryError(
            f"{iri} is not under the base IRI of this registry's data, {registry.base} (stored in {file}); "
            f"its passports are named {registry.base}id/passport/GMxxxx/key: did you mean {own}?",
            message_nl=f"{iri} valt niet onder de basis-IRI van de gegevens van dit register, {registry.base} "
                       f"(opgeslagen in {file}); de paspoorten heten {registry.base}id/passport/GMxxxx/sleutel: "
                       f"bedoelt u {own}?")
    try:
        return parse_passport_iri(registry.base, iri)
    except UriError as exc:
        fail(exc)


@app.command()
def show(iri: str, data: Path = DataOption, base: str = BaseOption,
         format: str = typer.Option("ttl", "--format", help="ttl, nt or jsonld"), lang: str = LangOption) -> None:
    """Print a passport (current version, or a version IRI ending in /v/N)."""
    language(lang)  # messages follow --lang
    formats = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
    if format not in formats:
        fail(both("format", format=format, formats=", ".join(formats)))
    with opened(settings_from(data, base), read_only=True) as registry:
        ref = _ref(registry, iri)
        triples = registry.get(ref)
        if triples is None:
            fail(both("show.missing", iri=iri), 1)
        sys.stdout.write(ox.serialize(triples, format=formats[format],
                                      prefixes=PREFIXES if format == "ttl" else None).decode())


@app.command()
def history(iri: str, data: Path = DataOption, base: str = BaseOption, lang: str = LangOption) -> None:
    """List the versions of a passport with their provenance."""
    lang = language(lang)
    with opened(settings_from(data, base), read_only=True) as registry:
        ref = _ref(registry, iri)
        versions = registry.history(ref)
        if not versions:
            fail(both("history.none", iri=iri), 1)
        table = Table(*(say(f"history.{key}", lang) for key in ("version", "written", "replaced", "by", "source")))
        names = registry.agent_names({v.agent for v in versions if v.agent}, lang)
        for v in versions:
            table.add_row(str(v.number), timestamp(v.generated), timestamp(v.invalidated),
                          agent_name(v.agent, names, lang), v.source or "")
        out.print(table)
        retired = registry.retirement(ref)
        if retired:
            out.print(say("history.retired", lang, at=timestamp(retired["at"]), reason=retired["reason"]),
                      highlight=False)


@app.command()
def retire(iri: str, reason: str = typer.Option(..., help="Why, e.g. 'gesloopt in 2026'"),
           data: Path = DataOption, base: str = BaseOption, lang: str = LangOption) -> None:
    """Retire a passport; it stays resolvable with its history."""
    with opened(settings_from(data, base)) as registry:
        ref = _ref(registry, iri)
        try:
            version = registry.retire(ref, reason)
        except ValueError as exc:
            fail(exc if isinstance(exc, RegistryError) else str(exc), 1)
    out.print(say("retire.done", language(lang), iri=iri, version=version), highlight=False)


@app.command()
def query(file: Path = typer.Argument(None, help="A .rq file"),
          name: str = typer.Option(None, "--name", help="A saved query of sparql/ by name"),
          data: Path = DataOption, base: str = BaseOption, lang: str = LangOption,
          format: str = typer.Option("table", "--format", help="table, csv or json"),
          param: list[str] = typer.Option(None, "--param", help="NAME=VALUE, a parameter of the saved "
                                          "query (repeatable), e.g. municipality=mpv:municipality/GM0153")) -> None:
    """Run a SPARQL query over the current passports and the reference data (union of their graphs)."""
    language(lang)  # messages follow --lang
    if (file is None) == (name is None):
        fail(both("query.which"))
    substitutions, given = {}, dict(p.partition("=")[::2] for p in param or ())
    if param:
        if name is None:
            fail(both("query.param"))
        try:
            substitutions = saved_queries.get(name).bindings(given)
        except (saved_queries.UnknownSavedQuery, saved_queries.ParameterError) as exc:
            fail(both("query.bind", problem=exc))
    try:
        text = file.read_text(encoding="utf-8") if file else load(name)
    except (OSError, UnknownQuery) as exc:
        fail(both("query.read", problem=exc))
    with opened(settings_from(data, base), read_only=True) as registry:
        try:  # an indicator from the monitor aggregates when they are clean
            answered = figure_rows(registry, name, given) if name else None
            result = answered or registry.query(text, substitutions=substitutions)
        except SyntaxError as exc:
            fail(both("query.syntax", problem=exc))
        if isinstance(result, ox.QueryBoolean):
            out.print(json.dumps(bool(result)) if format == "json" else str(bool(result)).lower())
            return
        if isinstance(result, ox.QueryTriples):
            sys.stdout.write(ox.serialize(list(result), format=ox.RdfFormat.TURTLE).decode())
            return
        names, rows = answered or ([v.value for v in result.variables], None)
        if answered is None:
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
def compact(data: Path = DataOption, base: str = BaseOption, lang: str = LangOption) -> None:
    """Rewrite the store's files for fast reading (after large imports; an import that makes up a
    quarter of the store or more does this by itself). The content stays the same."""
    with opened(settings_from(data, base)) as registry:
        started = time.perf_counter()
        with err.status(say("compact.busy", language(lang))):
            registry.compact()
    out.print(say("compact.done", language(lang), seconds=number(time.perf_counter() - started, language(lang), 1)))


@app.command()
def export(output: Path = typer.Option(None, "--output", "-o", help="File; .gz compresses; default stdout"),
           format: str = typer.Option("nq", "--format", help="nq, trig or ttl (ttl: the union of the current "
                                                            "data, no graphs and so no past versions)"),
           history: bool = typer.Option(True, "--history/--no-history",
                                        help="Also dump every past version, and so the last content of "
                                             "retired passports (default; nq and trig only)"),
           dumps: Path = typer.Option(None, "--dumps", help="Instead: write every dump of the downloads page "
                                      "(registry, history, reference data, a Turtle file per municipality and "
                                      "manifest.json) into DIR/dumps/", metavar="DIR"),
           data: Path = DataOption, base: str = BaseOption, lang: str = LangOption) -> None:
    """Dump the whole registry (N-Quads by default): current passports, every past version, retired
    passports' last content, provenance, reference data and valuations. What it holds is printed
    on stderr."""
    lang = language(lang)
    if dumps is not None:
        return export_dumps(settings_from(data, base), dumps, lang)
    formats = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "ttl": ox.RdfFormat.TURTLE}
    if format not in formats:
        fail(both("format", format=format, formats="nq, trig, ttl"))
    with opened(settings_from(data, base), read_only=True) as registry:
        if output is None:
            summary = registry.export(sys.stdout.buffer, formats[format], include_history=history)
        else:
            with (gzip.open(output, "wb") if output.suffix == ".gz" else open(output, "wb")) as stream:
                summary = registry.export(stream, formats[format], include_history=history)
    err.print(export_summary(summary, output, format, lang), highlight=False)


@app.command()
def serve(data: Path = DataOption, base: str = BaseOption, host: str = typer.Option("127.0.0.1", help="Address to listen on"),
          port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on"), with_demo: bool = typer.Option(False, "--demo",
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

    check_port(host, port)  # before anything is loaded: a busy port is one line, exit 2
    settings = settings_from(data, base)
    if base is None and port != 8000 and stored_base(settings) is None and not settings.base_given:
        # the first start on a new data directory chooses the base from the port; it is stored
        chosen = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"
        settings = dataclasses.replace(settings, base_iri=chosen, base_given=False)
    if page_workers is not None:
        settings = dataclasses.replace(settings, page_workers=page_workers)
    with opened(settings) as registry:  # a store in use by another process: one line, exit 2
        empty = with_demo and registry.count_passports() == 0
        settings = registry.settings  # the base the data has
    if empty:
        _demo_into(settings)
    out.print(say("serve.serving", cli_language(), base=settings.base_iri,
                  data=settings.data_dir.resolve(), host=host, port=port), highlight=False)
    # X-Forwarded-For is believed only from PASSPORTS_TRUSTED_PROXIES (uvicorn's default: loopback)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=access_log,
                **server_options(settings))


def check_port(host: str, port: int) -> None:
    """Exit 2 with a message when ``host:port`` cannot be listened on (in use, or not allowed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise RegistryError(
                f"cannot listen on {host}:{port}: {exc.strerror}. Another program (perhaps another "
                f"`passports serve`) uses that port: stop it or give another one with --port. Nothing "
                "was loaded.",
                message_nl=f"kan niet luisteren op {host}:{port}: {exc.strerror}. Een ander programma "
                           "(misschien een andere `passports serve`) gebruikt die poort: stop het of kies "
                           "een andere met --port. Er is niets geladen.") from None


def _demo_into(settings: Settings, size: int = 500) -> None:
    try:
        # called as a function, not by Typer: every option the command reads is given
        demo_command(size=size, seed=42, data=settings.data_dir, base=settings.base_iri, output=None,
                     municipality=None, lang=None)
    except typer.Exit as exit_:
        if exit_.exit_code:
            fail(both("demo.failed"))


@ontology_app.command("check")
def ontology_check(extra: list[Path] = typer.Argument(None, help="Extra Turtle files to check together "
                                                                 "with ontology/*.ttl"),
                   lang: str = LangOption) -> None:
    """Run the HermiT reasoner: consistency and unsatisfiable classes."""
    from registry.validation.consistency import check_consistency  # owlready2: loaded for this command only

    missing = [p for p in extra or () if not p.is_file()]
    if missing:
        fail(both("no_file", path=", ".join(map(str, missing))))
    result = check_consistency(ontology_files() + list(extra) if extra else None)
    out.print(result.summary(language(lang)), highlight=False)
    finish(result.ok)


app.add_typer(tokens_cli, name="token")
app.add_typer(site_cli, name="site")
app.add_typer(masses_cli, name="masses")
app.add_typer(geometries_cli, name="geometries")
register_import(app)
register_valuation(app)
register_report(app)
register_lists(app)
register_demo(app)
register_harvest(app)
register_backup(app)
register_language(app)


def main() -> None:
    """The ``passports`` command. Any :class:`RegistryError` that reaches here is printed as one
    line (no traceback) and exits with its exit code (2)."""
    try:
        run(app)
    except RegistryError as exc:
        lang = cli_language()
        err.print(f"[bold red]{say('error', lang)}:[/] {exc.message(lang)}", highlight=False)
        sys.exit(exc.exit_code)
    except OSError as exc:  # a full disk or an unwritable file outside the store (which says its own)
        if exc.errno not in (*FULL, *DENIED):
            raise
        lang = cli_language()
        err.print(f"[bold red]{say('error', lang)}:[/] " + say("disk", lang, file=exc.filename or "?",
                  reason=exc.strerror), highlight=False)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
