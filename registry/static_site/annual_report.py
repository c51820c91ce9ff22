"""The annual report of a municipality (or of the region): ``passports report``.

One folder: ``index.html``, readable offline with nothing else (the figures of the monitor as
tables and inline SVG charts, the style in the page, no script), and one CSV per table, named
after its saved query (``materials-stock-by-material.csv``), with the query's variables as
columns and the values as the query gives them (IRIs in full, numbers as their lexical form):
the same rows as ``/query/NAME?format=csv`` with the parameters the report names in its
``parameters.json``. The reference date is the last day of the year.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from registry.core.errors import RegistryError
from registry.model.terms import Terms
from registry.views.pages import monitor as page_monitor
from registry.views.pages.links import Links
from registry.views.pages.render import render

REPORT_TABLE_MAX = 1000  # rows of a table in index.html (its CSV has them all)


class UnknownMunicipality(RegistryError, LookupError):
    status = 404


@dataclass
class AnnualReport:
    folder: Path
    files: list[Path] = field(default_factory=list)
    figures: int = 0


def report_day(year: int) -> dt.date:
    """The reference date of the report of ``year``: 31 December."""
    if not 1900 <= year <= 2200:
        raise RegistryError(f"year {year}: give a year between 1900 and 2200",
                            message_nl=f"jaar {year}: geef een jaar tussen 1900 en 2200")
    return dt.date(year, 12, 31)


def write_report(registry, terms: Terms, code: str | None, year: int, out: Path, lang: str = "nl") -> AnnualReport:
    """Write the report of municipality ``code`` (CBS code, None: the region) for ``year`` to ``out``."""
    iri = None
    if code:
        iri = page_monitor.municipality_iri(code.upper(), terms)
        if iri is None:
            raise UnknownMunicipality(
                f"--municipality {code}: no municipality with that CBS code (e.g. GM0153 for Enschede)",
                message_nl=f"--municipality {code}: geen gemeente met die CBS-code (bijv. GM0153 voor Enschede)")
    day = report_day(year)
    data = page_monitor.compute(registry, terms, iri, day)
    out.mkdir(parents=True, exist_ok=True)
    report = AnnualReport(out)
    csv_files = {}
    parameters = {}
    for figure in data["figures"]:
        if figure.missing:
            continue
        path = out / f"{figure.query}.csv"
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\r\n")
            writer.writerow(figure.columns)
            writer.writerows([value for _, value in row] for row in figure.rows)
        csv_files[figure.key] = path.name
        parameters[figure.query] = figure.params
        report.files.append(path)
        report.figures += 1
    params_path = out / "parameters.json"
    params_path.write_text(json.dumps({"date": day.isoformat(), "municipality": iri, "queries": parameters},
                                      indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report.files.append(params_path)
    links = Links(registry.base, lang, current="index.html")
    html = render("report.html", lang, links, terms, **data, municipality=iri, year=year,
                  date=day.isoformat(), made=dt.date.today().isoformat(), csv_files=csv_files,
                  switch_url="", table_max=REPORT_TABLE_MAX)
    index = out / "index.html"
    index.write_text(html, encoding="utf-8")
    report.files.insert(0, index)
    return report


__all__ = ["AnnualReport", "UnknownMunicipality", "report_day", "write_report"]
