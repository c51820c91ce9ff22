"""``passports valuate`` and ``passports prices import|list`` (docs/valuation.md)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from registry.cli.common import BaseOption, DataOption, err, fail, opened, out, settings_from
from registry.core.errors import RegistryError
from registry.model.uris import UriError, check_municipality
from registry.store.price_lists import price_lists, store_price_list
from registry.store.valuations import ValuationReport, valuate

prices_app = typer.Typer(help="Price lists for valuation / Prijslijsten voor de waardering.", no_args_is_help=True)


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date like 2026-12-31 / is geen datum zoals 2026-12-31")
    return None


def print_valuation(report: ValuationReport, as_json: bool = False) -> None:
    if as_json:
        out.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    verb = "would be created" if report.dry_run else "created"
    out.print(f"valuation on {report.date} with price list {report.price_list}"
              + (" - DRY RUN, nothing written" if report.dry_run else ""), highlight=False)
    out.print(f"{verb} {len(report.created)}, unchanged {report.unchanged}, total {report.total} EUR",
              highlight=False)


def run_valuation(registry, on: date, *, municipality: str | None, price_list: str | None, dry_run: bool,
                  passports=None) -> ValuationReport:
    """Valuate with a Rich progress bar (on a terminal); errors end the command with exit code 2."""
    progress = Progress(TextColumn("[bold]valuate"), BarColumn(), MofNCompleteColumn(), TextColumn("passports"),
                        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
    task = progress.add_task("valuate", total=None)
    try:
        with progress:
            return valuate(registry, on, municipality=municipality, price_list=price_list, dry_run=dry_run,
                           passports=passports, progress=lambda d, t: progress.update(task, completed=d, total=t))
    except RegistryError as exc:
        fail(str(exc))
    raise AssertionError  # fail() exits


def valuate_command(
    on: Annotated[str, typer.Option("--date", help="valuation date, e.g. 2026-12-31")],
    municipality: Annotated[str | None, typer.Option("--municipality", "-m", help="only this CBS code")] = None,
    price_list: Annotated[str | None, typer.Option("--price-list", help="IRI of a price-list version "
                                                   "(default: the newest valid on the date)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="compute and report; write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    data: Path = DataOption, base: str = BaseOption,
) -> None:
    """Value every current passport on a date: one record per passport, earlier records kept."""
    day = parse_day(on, "--date")
    if municipality:
        try:
            municipality = check_municipality(municipality.strip().upper())
        except UriError as exc:
            fail(str(exc))
    with opened(settings_from(data, base)) as registry:
        report = run_valuation(registry, day, municipality=municipality, price_list=price_list, dry_run=dry_run)
    print_valuation(report, as_json)


@prices_app.command("list")
def list_prices(data: Path = DataOption, base: str = BaseOption) -> None:
    """The price lists in the registry, newest first."""
    settings = settings_from(data, base)
    with opened(settings, read_only=True) as registry:
        found = price_lists(registry.store, settings.base_iri)
    table = Table(title="price lists / prijslijsten")
    for name in ("IRI", "title", "issued", "valid", "prices", "indicative"):
        table.add_column(name)
    for p in found:
        table.add_row(p.iri, p.title, p.issued, f"{p.valid_from or ''} - {p.valid_until or ''}", str(p.entries),
                      "yes" if p.indicative else "")
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
    lang: Annotated[str, typer.Option("--lang", help="language of the messages: nl or en")] = "en",
    data: Path = DataOption, base: str = BaseOption,
) -> None:
    """Import a price list; every bad row is reported (row, column, value, reason) and nothing is stored."""
    from importers.prices import parse_region, read_price_file
    from importers.values import ValueProblem
    from importers.vocabulary import load_vocabulary

    first, last = parse_day(valid_from, "--valid-from"), parse_day(valid_until, "--valid-until")
    try:
        regions = [parse_region(r, load_vocabulary()) for r in region or []]
        rows, problems, notes = read_price_file(file)
    except (ValueProblem, RegistryError) as exc:
        fail(exc.nl if lang == "nl" and isinstance(exc, ValueProblem) else str(exc))
    words = ("rij", "kolom", "waarde") if lang == "nl" else ("row", "column", "value")
    for problem in problems:
        err.print(f"[red]{words[0]} {problem.row}, {words[1]} {problem.column}, {words[2]} {problem.value!r}[/]: "
                  f"{problem.message(lang)}", highlight=False)
    if problems:
        fail(f"{len(problems)} bad row(s): nothing was stored / {len(problems)} foute rij(en): niets opgeslagen",
             code=1)
    with opened(settings_from(data, base)) as registry:
        try:
            iri, created = store_price_list(registry, name, rows, source=source or file.name, title=title or name,
                                            regions=regions, valid_from=first, valid_until=last)
        except RegistryError as exc:
            fail(str(exc))
    out.print(f"{'imported' if created else 'unchanged (already imported)'}: {iri} ({len(rows)} prices; "
              + "; ".join(notes) + ")", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("valuate")(valuate_command)
    app.add_typer(prices_app, name="prices")
