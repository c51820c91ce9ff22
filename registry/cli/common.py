"""What every sub-command shares: the consoles, the common options, opening the registry, failing
with an exit code (0 success, 1 the data does not conform, 2 an error: ``registry.core.errors``)."""

from __future__ import annotations

import contextlib
import gzip
import json
import sys
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

from registry.cli.texts import cli_language, say
from registry.core.errors import EXIT_ERROR, EXIT_NOT_CONFORMING, EXIT_OK, RegistryError
from registry.core.settings import Settings
from registry.model.documents import ParseLimits, format_for, read_stream
from registry.store import stored_base
from registry.store.registry import AddReport, Registry, StoreError
from registry.validation.validator import Verdict

# Piped output is not cut to 80 columns.
out = Console(width=None if sys.stdout.isatty() else 400)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 400)


def print_json(value) -> None:
    """``value`` as JSON on standard output, written as it is made (through rich's highlighter the
    report of a million valuation records took many minutes)."""
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()

DataOption = typer.Option(None, "--data", help="Data directory (default $PASSPORTS_DATA or ./data)")
BaseOption = typer.Option(None, "--base", help="Base IRI of this instance, chosen at init and stored with "
                                               "the data (default: the stored one, $PASSPORTS_BASE or "
                                               "http://localhost:8000/)")


def settings_from(data: Path | None, base: str | None) -> Settings:
    """The settings of a command, with the base IRI stored with the data (``stored_base``): a
    --base or PASSPORTS_BASE other than the stored one is an error that names both."""
    kwargs = {}
    if data is not None:
        kwargs["data_dir"] = data
    if base is not None:
        kwargs["base_iri"] = base
    return stored_base.resolve(Settings(**kwargs))


def finish(conforms: bool) -> None:
    """End a command that ran: exit 0 when everything conformed, 1 when something did not."""
    raise typer.Exit(EXIT_OK if conforms else EXIT_NOT_CONFORMING)


def fail(message: str | tuple[str, str] | RegistryError, code: int = EXIT_ERROR, lang: str | None = None) -> None:
    """Print an error in the command's language (``--lang``, else PASSPORTS_LANG) and exit with
    ``code``: ``message`` is an error carrying both languages, or a pair (English, Dutch) from a
    module's :class:`~registry.core.phrases.Wording`, or text that is the same in both (a path)."""
    lang = lang or cli_language()
    if isinstance(message, RegistryError):
        message = message.message(lang)
    elif isinstance(message, tuple):
        message = message[1] if lang == "nl" else message[0]
    err.print(f"[bold red]{say('error', lang)}:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def opened(settings: Settings, read_only: bool = False):
    try:
        registry = Registry.open(settings, read_only=read_only)
    except StoreError as exc:
        fail(exc)
    try:
        yield registry
        if registry.needs_compaction():
            with err.status(say("compacting.import", cli_language())):
                registry.compact()
    except BaseException:
        registry.close(compact=False)
        raise
    registry.close()


def progress_bar() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                    TransferSpeedColumn(), TimeElapsedColumn(), TextColumn("{task.fields[passports]} " + say("passports", cli_language())),
                    console=err, transient=False, disable=not err.is_terminal)


def read_with_progress(path: Path, base: str, progress: Progress, limits: ParseLimits | None = None):
    """Passport documents from a file (pre-scanned against ``limits``), the bar following the bytes
    read."""
    fmt = format_for(path.name)
    task = progress.add_task(path.name, total=path.stat().st_size, passports=0)
    count = 0
    with open(path, "rb") as raw:
        tracked = progress.wrap_file(raw, total=path.stat().st_size, task_id=task)
        with (gzip.GzipFile(fileobj=tracked, mode="rb") if path.suffix == ".gz"
              else contextlib.nullcontext(tracked)) as stream:
            try:
                for doc in read_stream(stream, base, fmt, source=str(path), size_hint=path.stat().st_size,
                                       limits=limits):
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
                err.print(say("more", lang))
                return
            colour = {"Violation": "red", "Warning": "yellow"}.get(issue.severity, "cyan")
            en, nl = issue.field
            field = nl if lang == "nl" else en
            err.print(f"[{colour}]{say(issue.severity, lang)}[/] {verdict.iri}\n  {say('issue.focus', lang)}: "
                      f"{issue.focus}"
                      + (f"\n  {say('issue.field', lang)}: {field}" if field else "")
                      + (f"\n  {say('issue.path', lang)}: {issue.path}" if issue.path else "")
                      + (f"\n  {say('issue.value', lang)}: {issue.value}" if issue.value else "")
                      + f"\n  {issue.text(lang)}", highlight=False)
            shown += 1


def summarise(report: AddReport, lang: str = "en") -> None:
    err.print(say("add.summary", lang, created=len(report.created), updated=len(report.updated),
                  unchanged=len(report.unchanged), rejected=len(report.rejected),
                  warnings=len(report.warnings)), highlight=False)


def agent_name(agent: str | None, names: dict[str, str], lang: str = "en") -> str:
    """Who made a version, by name: the label recorded with the agent (a configured
    PASSPORTS_AGENT_NAME, a municipality's name), else the last part of its IRI."""
    if not agent:
        return ""
    return names.get(agent) or agent.rstrip("/").rsplit("/", 1)[-1]
