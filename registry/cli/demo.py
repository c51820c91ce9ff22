"""``passports demo``: seeded demo passports, stored in the registry or written to a file.

``passports demo --size 500`` validates and stores them (as ``passports add`` would);
``passports demo --output demo.nq.gz`` writes them instead: RDF (``.nq``, ``.trig``, ``.ttl``,
``.nt``) or the flat asset-register CSV (``.csv``), each optionally gzipped (``.gz``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from registry.cli.common import err, finish, opened, print_verdicts, progress_bar, settings_from, summarise
from registry.cli.texts import LangOption, language
from registry.core.phrases import Wording, counted, number
from registry.core.settings import Settings
from registry.demo import generate, write, write_csv
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport

WORDS = Wording({
    "rate": ("{rate} passports/s", "{rate} paspoorten/s"),
    "written": ("{passports}, {records} -> {path} in {seconds} s ({rate})",
                "{passports}, {records} -> {path} in {seconds} s ({rate})"),
})


def demo(
    size: Annotated[int, typer.Option(help="How many passports")] = 500,
    seed: Annotated[int, typer.Option(help="Seed of the random generator (the same seed gives the same passports)")] = 42,
    data: Annotated[Path | None, typer.Option("--data", help="Data directory (default $PASSPORTS_DATA "
                                                               "or ./data)")] = None,
    base: Annotated[str | None, typer.Option("--base", help="Base IRI of this instance (default "
                                                            "$PASSPORTS_BASE or http://localhost:8000/)")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the passports to this file instead of storing them: .nq, .trig, .ttl, "
                               ".nt or .csv (flat asset register), optionally followed by .gz")] = None,
    municipality: Annotated[list[str] | None, typer.Option(
        "--municipality", help="CBS code, e.g. GM0153 (repeatable); default all 22")] = None,
    lang: str = LangOption,
) -> None:
    """Generate realistic demo passports for both regions and store them (or write them to a file)."""
    lang = language(lang)
    settings = settings_from(data, base)
    if output is not None:
        _write_file(output, size, seed, settings.base_iri, municipality or None, lang)
        return
    _store(settings, size, seed, municipality or None, lang)


def _store(settings: Settings, size: int, seed: int, municipalities: list[str] | None, lang: str) -> None:
    with opened(settings) as registry, progress_bar() as progress:
        task = progress.add_task("demo", total=size, passports=0)
        docs = (PassportDoc(owning_passport(registry.base, iri), triples, "demo")
                for iri, triples in generate(size, seed=seed, base=registry.base,
                                             municipalities=municipalities))
        report = registry.add(docs, source="urn:passports:demo", comment=f"passports demo --size {size}",
                              progress=lambda n: progress.update(task, advance=n,
                                                                 passports=progress.tasks[task].completed + n))
    print_verdicts(report.rejected, lang)
    summarise(report, lang)
    finish(not report.rejected)


def _write_file(path: Path, size: int, seed: int, base: str, municipalities: list[str] | None,
                lang: str) -> None:
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                   console=err, disable=not err.is_terminal, transient=False)
    task = bar.add_task(f"demo -> {path.name}", total=size, rate="")
    started = time.perf_counter()

    def advance(done: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        bar.update(task, completed=done, rate=WORDS.say("rate", lang, rate=number(rate, lang)))

    with bar:
        if ".csv" in path.suffixes:
            stats = write_csv(path, size, seed, municipalities, progress=advance)
            what = "row"
        else:
            stats = write(path, size, seed, base, municipalities=municipalities, progress=advance)
            what = "triple"
    err.print(WORDS.say("written", lang, passports=counted(stats.passports, "passport", lang),
                        records=counted(stats.records, what, lang), path=stats.path, seconds=number(stats.seconds, lang, 1),
                        rate=WORDS.say("rate", lang, rate=number(stats.rate, lang))), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
