"""``passports import FILE --municipality GM0153 --mapping NAME|FILE``: an asset-register export
(CSV, XLSX, GeoJSON) to validated passports, with a progress bar, a summary and a per-row report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from importers.pipeline import ImportFailed, ImportResult, import_file
from registry.cli.common import err, fail, finish, opened, out, settings_from
from registry.cli.valuation import parse_day, print_valuation, run_valuation


def _summary(result: ImportResult, lang: str) -> None:
    verb = "would be " if result.dry_run else ""
    table = Table(title=f"{Path(result.file).name} -> {result.municipality} (mapping {result.mapping})"
                  + (" - DRY RUN, nothing written" if result.dry_run else ""), show_header=False)
    table.add_column("what")
    table.add_column("how many", justify="right")
    rows = [("rows read", result.rows_read), ("empty rows skipped", result.rows_empty),
            ("rows of other municipalities skipped", result.rows_other_municipality),
            ("objects (passports) in the file", result.objects + result.rejected),
            (f"{verb}created", result.created), (f"{verb}updated (new version)", result.updated),
            ("unchanged", result.unchanged),
            ("not imported (objects)", result.rejected), ("rows not imported", result.rows_rejected),
            ("stored with warnings", result.with_warnings),
            (f"{verb}retired (absent from export)", len(result.retired))]
    for label, n in rows:
        if n or label in ("rows read", f"{verb}created", "unchanged", "not imported (objects)"):
            table.add_row(label, f"{n:,}")
    out.print(table)
    out.print("read as: " + "; ".join(result.notes), highlight=False)
    if result.problem_counts:
        problems = Table(title="problems by kind", show_header=True)
        problems.add_column("severity: problem")
        problems.add_column("count", justify="right")
        for name, n in list(result.problem_counts.items())[:15]:
            problems.add_row(name, f"{n:,}")
        out.print(problems)
    shown = [i for i in result.issues if i.severity == "Violation"][:10]
    for issue in shown:
        text = issue.message_nl if lang == "nl" else issue.message_en
        where = f"row {issue.row}" + (f", column {issue.column}" if issue.column else "") + \
            (f", value {issue.value!r}" if issue.value else "")
        err.print(f"[red]{where}[/]: {text}", highlight=False)
    if result.stored_nothing:
        err.print("[bold red]--all-or-nothing: the file has problems, so NOTHING was stored.[/] "
                  "Fix the rows above (see the report) and import again.", highlight=False)
    if result.report_path:
        out.print(f"per-row report: {result.report_path}", highlight=False)
    elif result.severity_counts.get("Violation"):
        out.print("add --report problems.csv for every problem with its row, column and message",
                  highlight=False)
    out.print(f"{result.seconds:.1f} s, {result.rows_read / max(result.seconds, 1e-9):,.0f} rows/s",
              highlight=False)


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
    lang: Annotated[str, typer.Option("--lang", help="language of the messages on screen: nl or en")] = "nl",
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    data: Annotated[Path | None, typer.Option("--data", help="Data directory (default $PASSPORTS_DATA "
                                                               "or ./data)")] = None,
    base: Annotated[str | None, typer.Option("--base", help="Base IRI of this instance")] = None,
) -> None:
    """Import an asset-register export (CSV, XLSX, GeoJSON) with a mapping into passports."""
    if export_date:
        try:
            date.fromisoformat(export_date)
        except ValueError:
            fail(f"--export-date {export_date!r} is not a date like 2026-03-01")
    valuation_day = parse_day(valuate_date, "--valuate-date")
    settings = settings_from(data, base)
    valued = None
    progress = Progress(TextColumn("[bold]import"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
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
            fail(exc.message(lang))
        if valuation_day and not dry_run and result.stored:
            valued = run_valuation(registry, valuation_day, municipality=result.municipality,
                                   price_list=price_list, dry_run=False, passports=result.stored)
    if as_json:
        out.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        _summary(result, lang)
    if valued is not None:
        print_valuation(valued, as_json)
    finish(result.ok)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
