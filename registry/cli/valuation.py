"""``passports valuate`` and ``passports prices import|list`` (docs/valuation.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from registry.cli.common import BaseOption, DataOption, err, fail, opened, out, print_json, settings_from
from registry.cli.texts import LangOption, cli_language, language, say
from registry.core.errors import RegistryError
from registry.core.phrases import Wording, counted, in_language, number
from registry.model.uris import UriError, check_municipality
from registry.store.price_lists import price_lists, store_price_list
from registry.store.valuations import ValuationReport, valuate

WORDS = Wording({
    "date": ("{option} {value!r} is not a date like 2026-12-31", "{option} {value!r} is geen datum zoals 2026-12-31"),
    "header": ("valuation on {date} with price list {price_list}", "waardering op {date} met prijslijst {price_list}"),
    "dry": (" - DRY RUN, nothing written", " - PROEF, niets geschreven"),
    "counts": ("created {created}, unchanged {unchanged}, total {total} EUR",
               "gemaakt {created}, ongewijzigd {unchanged}, totaal {total} EUR"),
    "counts.dry": ("would be created {created}, unchanged {unchanged}, total {total} EUR",
                   "zou worden gemaakt {created}, ongewijzigd {unchanged}, totaal {total} EUR"),
    "bad_rows": ("{rows}: nothing was stored", "{rows}: niets opgeslagen"),
    "where": ("row {row}, column {column}, value {value!r}", "rij {row}, kolom {column}, waarde {value!r}"),
    "imported": ("imported: {iri} ({prices}; {notes})", "geïmporteerd: {iri} ({prices}; {notes})"),
    "unchanged": ("unchanged (already imported): {iri} ({prices}; {notes})",
                  "ongewijzigd (al geïmporteerd): {iri} ({prices}; {notes})"),
    "list.title": ("price lists", "prijslijsten"),
    "list.columns": ("IRI|title|issued|valid|prices|indicative", "IRI|titel|uitgegeven|geldig|prijzen|indicatief"),
    "yes": ("yes", "ja"),
})
prices_app = typer.Typer(help="Price lists for valuation.", no_args_is_help=True)


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(WORDS.both("date", option=option, value=value))
    return None


def print_valuation(report: ValuationReport, as_json: bool = False) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    lang = cli_language()
    out.print(WORDS.say("header", lang, date=report.date, price_list=report.price_list)
              + (WORDS.say("dry", lang) if report.dry_run else ""), highlight=False)
    out.print(WORDS.say("counts.dry" if report.dry_run else "counts", lang, created=len(report.created),
                        unchanged=report.unchanged, total=number(report.total, lang, 2)), highlight=False)


def run_valuation(registry, on: date, *, municipality: str | None, price_list: str | None, dry_run: bool,
                  passports=None) -> ValuationReport:
    """Valuate with a Rich progress bar (on a terminal); errors end the command with exit code 2."""
    progress = Progress(TextColumn("[bold]valuate"), BarColumn(), MofNCompleteColumn(), TextColumn(say("progress.passports", cli_language())),
                        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
    task = progress.add_task("valuate", total=None)
    try:
        with progress:
            return valuate(registry, on, municipality=municipality, price_list=price_list, dry_run=dry_run,
                           passports=passports, progress=lambda d, t: progress.update(task, completed=d, total=t))
    except RegistryError as exc:
        fail(exc)
    raise AssertionError  # fail() exits


def valuate_command(
    on: Annotated[str, typer.Option("--date", help="valuation date, e.g. 2026-12-31")],
    municipality: Annotated[str | None, typer.Option("--municipality", "-m", help="only this CBS code")] = None,
    price_list: Annotated[str | None, typer.Option("--price-list", help="IRI of a price-list version "
                                                   "(default: the newest valid on the date)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="compute and report; write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    data: Path = DataOption, base: str = BaseOption, lang: str = LangOption,
) -> None:
    """Value every current passport on a date: one record per passport, earlier records kept."""
    language(lang)  # checked: messages follow --lang
    day = parse_day(on, "--date")
    if municipality:
        try:
            municipality = check_municipality(municipality.strip().upper())
        except UriError as exc:
            fail(exc)
    with opened(settings_from(data, base)) as registry:
        report = run_valuation(registry, day, municipality=municipality, price_list=price_list, dry_run=dry_run)
    print_valuation(report, as_json)


@prices_app.command("list")
def list_prices(data: Path = DataOption, base: str = BaseOption, lang: str = LangOption) -> None:
    """The price lists in the registry, newest first."""
    lang = language(lang)
    settings = settings_from(data, base)
    with opened(settings, read_only=True) as registry:
        found = price_lists(registry.store, settings.base_iri)
    table = Table(title=WORDS.say("list.title", lang))
    for name in WORDS.say("list.columns", lang).split("|"):
        table.add_column(name)
    for p in found:
        table.add_row(p.iri, (p.title_nl if lang == "nl" else "") or p.title, p.issued, f"{p.valid_from or ''} - {p.valid_until or ''}", str(p.entries),
                      WORDS.say("yes", lang) if p.indicative else "")
    out.print(table)


@prices_app.command("import")
def import_prices(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: material, price, unit[, date, source, region, validity]",
                                         exists=True, dir_okay=False)],
    name: Annotated[str, typer.Option("--name", help="name of the price list, e.g. twente-2026")],
    source: Annotated[str | None, typer.Option("--source", help="where the prices come from")] = None,
    title: Annotated[str | None, typer.Option("--title", help="title of the list")] = None,
    region: Annotated[list[str] | None, typer.Option("--region", help="GM code or region (repeatable)")] = None,
    valid_from: Annotated[str | None, typer.Option("--valid-from", help="first day, e.g. 2026-01-01")] = None,
    valid_until: Annotated[str | None, typer.Option("--valid-until", help="last day, e.g. 2026-12-31")] = None,
    lang: str = LangOption, data: Path = DataOption, base: str = BaseOption,
) -> None:
    """Import a price list; every bad row is reported (row, column, value, reason) and nothing is stored."""
    from importers.prices import parse_region, read_price_file
    from importers.values import ValueProblem
    from importers.vocabulary import load_vocabulary

    lang = language(lang)
    first, last = parse_day(valid_from, "--valid-from"), parse_day(valid_until, "--valid-until")
    try:
        regions = [parse_region(r, load_vocabulary()) for r in region or []]
        rows, problems, notes = read_price_file(file)
    except (ValueProblem, RegistryError) as exc:
        fail(exc)
    for problem in problems:
        where = WORDS.say("where", lang, row=problem.row, column=problem.column, value=problem.value)
        err.print(f"[red]{where}[/]: {problem.message(lang)}", highlight=False)
    if problems:
        fail((WORDS.say("bad_rows", "en", rows=counted(len(problems), "bad row", "en")),
              WORDS.say("bad_rows", "nl", rows=counted(len(problems), "bad row", "nl"))), code=1)
    with opened(settings_from(data, base)) as registry:
        try:
            iri, created = store_price_list(registry, name, rows, source=source or file.name, title=title or name,
                                            regions=regions, valid_from=first, valid_until=last)
        except RegistryError as exc:
            fail(exc)
    out.print(WORDS.say("imported" if created else "unchanged", lang, iri=iri,
                        prices=counted(len(rows), "price", lang), notes="; ".join(in_language(note, lang) for note in notes)), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("valuate")(valuate_command)
    app.add_typer(prices_app, name="prices")
