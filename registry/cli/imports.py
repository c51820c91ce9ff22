"""``passports import FILE --municipality GM0153 --mapping NAME|FILE``: an asset-register export
(CSV, XLSX, GeoJSON) to validated passports, with a progress bar, a summary and a per-row report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from importers.pipeline import ImportFailed, ImportResult, import_file
from registry.cli.common import err, fail, finish, opened, out, print_json, settings_from
from registry.cli.texts import LangOption, language
from registry.cli.texts import say as cli_say
from registry.cli.valuation import parse_day, print_valuation, run_valuation
from registry.core.phrases import Wording, in_language, number

WORDS = Wording({
    "title": ("{file} -> {municipality} (mapping {mapping})", "{file} -> {municipality} (koppeling {mapping})"),
    "dry": (" - DRY RUN, nothing written", " - PROEF, niets geschreven"),
    "what": ("what", "wat"),
    "how_many": ("how many", "aantal"),
    "read": ("rows read", "rijen gelezen"),
    "empty": ("empty rows skipped", "lege rijen overgeslagen"),
    "other": ("rows of other municipalities skipped", "rijen van andere gemeenten overgeslagen"),
    "objects": ("objects (passports) in the file", "objecten (paspoorten) in het bestand"),
    "created": ("created", "nieuw"),
    "created.dry": ("would be created", "zou nieuw zijn"),
    "updated": ("updated (new version)", "bijgewerkt (nieuwe versie)"),
    "updated.dry": ("would be updated (new version)", "zou worden bijgewerkt (nieuwe versie)"),
    "unchanged": ("unchanged", "ongewijzigd"),
    "rejected": ("not imported (objects)", "niet geïmporteerd (objecten)"),
    "rows_rejected": ("rows not imported", "rijen niet geïmporteerd"),
    "warnings": ("stored with warnings", "opgeslagen met waarschuwingen"),
    "retired": ("retired (absent from export)", "ingetrokken (niet meer in de export)"),
    "retired.dry": ("would be retired (absent from export)", "zou worden ingetrokken (niet meer in de export)"),
    "read_as": ("read as: {notes}", "gelezen als: {notes}"),
    "problems": ("problems by kind", "problemen per soort"),
    "problem": ("severity: problem", "ernst: probleem"),
    "count": ("count", "aantal"),
    "where": ("row {row}", "rij {row}"),
    "column": (", column {column}", ", kolom {column}"),
    "value": (", value {value!r}", ", waarde {value!r}"),
    "nothing": (("[bold red]--all-or-nothing: the file has problems, so NOTHING was stored.[/] Fix the rows above "
                "(see the report) and import again."),
                ("[bold red]--all-or-nothing: het bestand heeft problemen, dus er is NIETS opgeslagen.[/] Verbeter "
                "de rijen hierboven (zie het rapport) en importeer opnieuw.")),
    "report": ("per-row report: {path}", "rapport per rij: {path}"),
    "ask_report": ("add --report problems.csv for every problem with its row, column and message",
                   "voeg --report problemen.csv toe voor elk probleem met zijn rij, kolom en melding"),
    "speed": ("{seconds} s, {rate} rows/s", "{seconds} s, {rate} rijen/s"),
    "export_date": ("--export-date {value!r} is not a date like 2026-03-01",
                    "--export-date {value!r} is geen datum zoals 2026-03-01"),
})


def _summary(result: ImportResult, lang: str) -> None:
    def say(key: str, **values) -> str:
        return WORDS.say(key, lang, **values)

    dry = ".dry" if result.dry_run else ""
    table = Table(title=say("title", file=Path(result.file).name, municipality=result.municipality,
                            mapping=result.mapping) + (say("dry") if result.dry_run else ""), show_header=False)
    table.add_column(say("what"))
    table.add_column(say("how_many"), justify="right")
    rows = [("read", result.rows_read), ("empty", result.rows_empty), ("other", result.rows_other_municipality),
            ("objects", result.objects + result.rejected), (f"created{dry}", result.created),
            (f"updated{dry}", result.updated), ("unchanged", result.unchanged), ("rejected", result.rejected),
            ("rows_rejected", result.rows_rejected), ("warnings", result.with_warnings),
            (f"retired{dry}", len(result.retired))]
    for key, n in rows:
        if n or key in ("read", f"created{dry}", "unchanged", "rejected"):
            table.add_row(say(key), number(n, lang))
    out.print(table)
    out.print(say("read_as", notes="; ".join(in_language(note, lang) for note in result.notes)), highlight=False)
    if result.problem_counts:
        problems = Table(title=say("problems"), show_header=True)
        problems.add_column(say("problem"))
        problems.add_column(say("count"), justify="right")
        for name, n in list(result.problem_counts.items())[:15]:
            severity, _, problem = name.partition(": ")  # the problem is a code, as in the report's CSV
            problems.add_row(f"{cli_say(severity, lang)}: {problem}" if problem else name, number(n, lang))
        out.print(problems)
    shown = [i for i in result.issues if i.severity == "Violation"][:10]
    for issue in shown:
        text = issue.message_nl if lang == "nl" else issue.message_en
        where = say("where", row=issue.row) + (say("column", column=issue.column) if issue.column else "") + \
            (say("value", value=issue.value) if issue.value else "")
        err.print(f"[red]{where}[/]: {text}", highlight=False)
    if result.stored_nothing:
        err.print(say("nothing"), highlight=False)
    if result.report_path:
        out.print(say("report", path=result.report_path), highlight=False)
    elif result.severity_counts.get("Violation"):
        out.print(say("ask_report"), highlight=False)
    out.print(say("speed", seconds=number(result.seconds, lang, 1),
                  rate=number(result.rows_read / max(result.seconds, 1e-9), lang)), highlight=False)


def import_command(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or GeoJSON export", exists=True, dir_okay=False)],
    municipality: Annotated[str, typer.Option("--municipality", "-m", help="CBS code, e.g. GM0153")],
    mapping: Annotated[str, typer.Option("--mapping", help="name of a shipped mapping (importers/mappings) "
                                                            "or path of a mapping .yaml")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="read, map and validate; write nothing")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="write every problem to this CSV file")] = None,
    all_or_nothing: Annotated[bool, typer.Option("--all-or-nothing",
                                                 help="store nothing unless every row is valid")] = False,
    retire_missing: Annotated[bool, typer.Option(
        "--retire-missing", help="retire this source's passports that are not in the file (the file is a "
                                 "full export)")] = False,
    export_date: Annotated[str | None, typer.Option(
        "--export-date", help="date of the export, for the retirement reason (default today)")] = None,
    no_bbox_check: Annotated[bool, typer.Option(
        "--no-bbox-check", help="do not check coordinates against the municipality's extent (for trying a "
                                "mapping on another municipality's data)")] = False,
    valuate_date: Annotated[str | None, typer.Option(
        "--valuate-date", help="value the imported passports on this date (passports valuate)")] = None,
    price_list: Annotated[str | None, typer.Option(
        "--price-list", help="with --valuate-date: IRI of the price-list version to use")] = None,
    lang: str = LangOption,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    data: Annotated[Path | None, typer.Option("--data", help="Data directory (default $PASSPORTS_DATA "
                                                               "or ./data)")] = None,
    base: Annotated[str | None, typer.Option("--base", help="Base IRI of this instance")] = None,
) -> None:
    """Import an asset-register export (CSV, XLSX, GeoJSON) with a mapping into passports."""
    lang = language(lang)
    if export_date:
        try:
            date.fromisoformat(export_date)
        except ValueError:
            fail(WORDS.both("export_date", value=export_date))
    valuation_day = parse_day(valuate_date, "--valuate-date")
    settings = settings_from(data, base)
    valued = None
    progress = Progress(TextColumn("[bold]import"), BarColumn(), MofNCompleteColumn(), 
                        TextColumn(cli_say("progress.rows", lang)),
                        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
    task = progress.add_task("import", total=None)

    def advance(done: int, total: int | None) -> None:
        progress.update(task, completed=done, total=total)

    with opened(settings) as registry:
        try:
            with progress:
                result = import_file(registry, file, municipality.strip().upper(), mapping, dry_run=dry_run,
                                     report_path=report, all_or_nothing=all_or_nothing,
                                     retire_missing=retire_missing, progress=advance,
                                     check_bbox=not no_bbox_check, export_date=export_date)
        except ImportFailed as exc:
            fail(exc)
        if valuation_day and not dry_run and result.stored:
            valued = run_valuation(registry, valuation_day, municipality=result.municipality,
                                   price_list=price_list, dry_run=False, passports=result.stored)
    if as_json:
        print_json(result.as_dict())
    else:
        _summary(result, lang)
    if valued is not None:
        print_valuation(valued, as_json)
    finish(result.ok)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
