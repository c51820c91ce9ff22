"""``passports report --municipality GM0153 --year 2026``: the annual report of a municipality (or,
without ``--municipality``, of the region) as a folder: ``index.html`` readable offline and one CSV
per table (:mod:`registry.static_site.annual_report`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from registry.cli.common import BaseOption, DataOption, fail, opened, out, settings_from
from registry.core.errors import RegistryError
from registry.core.phrases import Wording, counted
from registry.model.terms import get_terms
from registry.static_site.annual_report import write_report

WORDS = Wording({
    "lang": ("--lang {lang}: use nl or en", "--lang {lang}: gebruik nl of en"),
    "wrote": ("wrote {folder}/index.html and {csv} CSV files ({files})",
              "{folder}/index.html en {csv} CSV-bestanden geschreven ({files})"),
})


def report_command(
    municipality: Annotated[str | None, typer.Option(help="CBS code, e.g. GM0153; default: the whole region")] = None,
    year: Annotated[int | None, typer.Option(help="The year reported on (reference date 31 December); "
                                                  "default: this year")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder to write (default report-GM0153-2026)")] = None,
    lang: Annotated[str, typer.Option(help="Language of the report: nl or en")] = "nl",
    data: Path = DataOption, base: str = BaseOption,
) -> None:
    """Write an annual report: index.html (tables and charts, readable offline) and a CSV per table."""
    if lang not in ("nl", "en"):
        fail(WORDS.both("lang", lang=lang))
    year = year or dt.date.today().year
    folder = out_dir or Path(f"report-{(municipality or 'region').upper()}-{year}")
    settings = settings_from(data, base)
    with opened(settings, read_only=True) as registry:
        try:
            report = write_report(registry, get_terms(), municipality, year, folder, lang)
        except RegistryError as exc:
            fail(exc, lang=lang)
    out.print(WORDS.say("wrote", lang, folder=report.folder, csv=report.figures,
                        files=counted(len(report.files), "file", lang)), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
