"""``passports site build OUT``: the static copy of the site (see :mod:`registry.static_site.builder`),
with its progress as bars on stderr."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from registry.cli.common import err, fail, opened, settings_from
from registry.cli.texts import LangOption, cli_language, language, say
from registry.core.phrases import Wording, counted, number
from registry.static_site.builder import build_site
from registry.static_site.downloads import store_generation, write_all_dumps
from registry.static_site.writer import STATIC_LIST_PAGES
from registry.store.registry import StoreError

cli = typer.Typer(help="Static copy of the site", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True, highlight=False)
WORDS = Wording({
    "languages": ("--languages takes nl and/or en, not {given}", "--languages neemt nl en/of en, niet {given}"),
    "file": ("{out} is a file; give a folder for the site", "{out} is een bestand; geef een map voor de site"),
    "done": (("site in {out}: {written} pages written, {unchanged} unchanged, {rdf} RDF files; passports {built} "
              "built, {same} unchanged; {seconds} s ({pages} pages/s, {files} files/s; {cpu} s CPU in {workers} "
              "worker processes and this one){elsewhere}"),
             ("site in {out}: {written} pagina's geschreven, {unchanged} ongewijzigd, {rdf} RDF-bestanden; "
              "paspoorten {built} gemaakt, {same} ongewijzigd; {seconds} s ({pages} pagina's/s, {files} "
              "bestanden/s; {cpu} s CPU in {workers} werkprocessen en dit proces){elsewhere}")),
    "elsewhere": ("; {n} passports of other registries (harvested) are linked to their own pages",
                  "; {n} paspoorten van andere registers (geoogst) verwijzen naar hun eigen pagina's"),
})


@contextmanager
def _progress_bars(enabled: bool):
    """A ``progress`` callback for :func:`build_site` that draws a bar per part of the build (from
    the first call on: a build that fails before it starts draws nothing)."""
    if not enabled:
        yield None
        return
    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)
    tasks: dict[str, TaskID] = {}

    def progress(part: str, done: int, total: int | None) -> None:
        if not tasks:
            bars.start()
        if part not in tasks:
            tasks[part] = bars.add_task(say(f"progress.{part}", cli_language()), total=total, completed=done)
        else:
            bars.update(tasks[part], completed=done, total=total)

    try:
        yield progress
    finally:
        if tasks:
            bars.stop()


@cli.command("build")
def build_command(
        out: Path = typer.Argument(..., help="output folder (created if missing)"),
        data_dir: Path | None = typer.Option(None, "--data", envvar="PASSPORTS_DATA",
                                             help="data directory of the registry (default ./data)"),
        base: str | None = typer.Option(None, "--base", envvar="PASSPORTS_BASE",
                                        help="base IRI of the registry's data"),
        site_url: str | None = typer.Option(None, "--site-url",
                                            help="URL where the site will be published (for sitemap.xml "
                                                 "and the JSON-LD context); default: the base IRI"),
        languages: str = typer.Option("nl,en", "--languages", help="page languages, comma-separated"),
        list_pages: int = typer.Option(STATIC_LIST_PAGES, "--list-pages", min=1,
                                       help="pages of passports per material, object kind and concept"),
        force: bool = typer.Option(False, "--force", help="rebuild everything"),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
        workers: int = typer.Option(0, "--workers", min=0,
                                    help="processes rendering passports (0: one per CPU core)"),
        lang: str = LangOption,
) -> None:
    """Write the whole site (HTML, RDF per resource, dumps, sitemap) into OUT, incrementally."""
    langs = tuple(code.strip() for code in languages.split(",") if code.strip())
    unknown = [code for code in langs if code not in ("nl", "en")]
    if not langs or unknown:
        fail(WORDS.both("languages", given=", ".join(unknown) or "-"))
    settings = settings_from(data_dir, base)  # the base IRI stored with the data
    if out.exists() and not out.is_dir():
        fail(WORDS.both("file", out=out))
    try:
        with _progress_bars(progress) as callback:
            report = build_site(settings, out, site_url=site_url, languages=langs, force=force,
                                list_pages=list_pages, progress=callback,
                                workers=workers or os.cpu_count() or 1)
    except StoreError as exc:
        fail(exc)
    lang = language(lang)
    console.print(WORDS.say(
        "done", lang, out=out, written=report.pages_written, unchanged=report.pages_unchanged,
        rdf=report.rdf_files, built=report.passports_built, same=report.passports_unchanged,
        seconds=number(report.seconds, lang, 1), pages=number(report.pages_per_second, lang),
        files=number(report.files_per_second, lang), cpu=number(report.cpu_seconds, lang, 1),
        workers=report.workers,
        elsewhere=WORDS.say("elsewhere", lang, n=report.passports_elsewhere) if report.passports_elsewhere else ""))


def export_dumps(settings, folder: Path, lang: str) -> None:
    """``passports export --dumps DIR``: every dump of the downloads page, as the live server and
    the static site make them, with ``dumps/manifest.json``."""
    with opened(settings, read_only=True) as registry:
        files = write_all_dumps(registry, folder, store_generation(registry.settings.data_dir))
    err.print(say("export.dumps", lang, files=counted(len(files), "file", lang), folder=folder / "dumps",
                  manifest="manifest.json"), highlight=False)
