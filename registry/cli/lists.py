"""``passports list NAME``: a per-object list of the monitor (``indicator-release-forecast-objects``,
``indicator-mci-per-object``) from the monitor aggregates, whole (written to standard output a row
at a time) or a page at a time (``--limit``, ``--after``; the position of the next page goes to
standard error), as SPARQL results in CSV, TSV, JSON or XML: the same documents as
``/query/NAME?format=...`` (``registry.web.object_lists``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from registry.cli.common import BaseOption, DataOption, err, fail, opened, settings_from
from registry.cli.texts import LangOption, language
from registry.core.phrases import Wording
from registry.query import saved as saved_queries
from registry.query.row_results import WRITERS, chunks, indicator_columns
from registry.store import monitor_answers, monitor_lists

WORDS = Wording({
    "name": ("{name} is not a per-object list; use one of {names}",
             "{name} is geen lijst per object; gebruik een van {names}"),
    "format": ("--format {value}: use csv, tsv, json or xml", "--format {value}: gebruik csv, tsv, json of xml"),
    "stale": (("the monitor figures do not match the store yet (open it for writing once, e.g. with passports "
               "serve); passports query --name {name} answers from the store itself"),
              ("de monitorcijfers passen nog niet bij de opslag (open die een keer om te schrijven, bijvoorbeeld "
               "met passports serve); passports query --name {name} antwoordt uit de opslag zelf")),
    "next": ("next page: --after {position}", "volgende pagina: --after {position}"),
})


def list_command(
    name: Annotated[str, typer.Argument(help="indicator-release-forecast-objects or indicator-mci-per-object")],
    municipality: Annotated[str | None, typer.Option(help="IRI of a municipality (or mpv:municipality/GM0153); "
                                                          "default: the whole region")] = None,
    year: Annotated[int | None, typer.Option(help="First year of the release forecast (default: this year)")] = None,
    limit: Annotated[int | None, typer.Option(help="Rows of one page (1-10000); default: the whole list")] = None,
    after: Annotated[str | None, typer.Option(help="Position to start after (printed with the page before)")] = None,
    format: Annotated[str, typer.Option("--format", help="csv, tsv, json or xml (SPARQL results)")] = "csv",
    data: Path = DataOption, base: str = BaseOption, lang: str = LangOption,
) -> None:
    """Write a per-object list of the monitor, whole or one page, from the monitor figures."""
    lang = language(lang)
    if name not in monitor_lists.PAGED:
        fail(WORDS.both("name", name=name, names=", ".join(monitor_lists.PAGED)))
    if format not in WRITERS:
        fail(WORDS.both("format", value=format))
    try:
        query = saved_queries.get(name)
        given = {"municipality": municipality, "year": None if year is None else str(year)}
        values = {p.name: given[p.name] for p in query.parameters if given.get(p.name)}
        scope = {key: spec[1] for key, spec in query.substitutions(values)}
        size = None if limit is None and after is None else monitor_lists.parse_limit(
            None if limit is None else str(limit))
        position = monitor_lists.decode_position(name, after) if after else None
    except (saved_queries.ParameterError, monitor_lists.PositionError) as exc:
        fail(exc, lang=lang)
    first_year = int(scope.get("year") or monitor_answers.today().year)  # the query's NOW() is UTC
    columns = indicator_columns(name)
    with opened(settings_from(data, base), read_only=True) as registry:
        conn = monitor_answers.readable(registry.settings.data_dir, registry.base)  # in a read transaction
        if conn is None:
            fail(WORDS.both("stale", name=name), lang=lang)
        try:
            options = {"year": first_year, "after": position, "echo_year": "year" in scope}
            next_position = None
            if size is None:
                found = monitor_lists.rows(conn, name, scope.get("municipality"), **options)
            else:
                found, next_position = monitor_lists.page(conn, name, scope.get("municipality"), limit=size, **options)
            for piece in chunks(format, columns, found):
                sys.stdout.buffer.write(piece)
            sys.stdout.buffer.flush()
        finally:
            conn.close()
    if next_position:
        err.print(WORDS.say("next", lang, position=next_position), highlight=False)


def figure_rows(registry, name: str, values: dict[str, str]) -> tuple[list[str], list[list[str]]] | None:
    """The variables and rows of indicator ``name`` (``passports query --name``) from the monitor
    aggregates, as the saved query gives them; None when they are not readable and clean, or for
    another query: the saved query answers."""
    if name not in monitor_answers.FIGURES + monitor_answers.LISTS:
        return None
    given = {key: spec[1] for key, spec in saved_queries.get(name).substitutions(values)}
    conn = monitor_answers.readable(registry.settings.data_dir, registry.base)
    if conn is None:
        return None
    try:
        found = monitor_answers.answer(conn, name, given)
    finally:
        conn.close()
    names = list(monitor_answers.COLUMNS[name])
    return None if found is None else (names, [[row.get(n, "") for n in names] for row in found])


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
