"""The per-object lists in pages (``registry.store.monitor_lists``): the pages, chained by their
positions, are the whole list (every row once, in order) at every page size, also where rows share
their release year, municipality and passport; a bad position or limit is refused in nl and en."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest
from conftest import BASE

from registry.demo.stream import generate
from registry.model.documents import PassportDoc
from registry.model.terms import get_terms
from registry.model.uris import owning_passport
from registry.store import monitor_lists
from registry.store.monitor_answers import figure, open_figures
from registry.views.pages import monitor as page_monitor

MPV = "https://w3id.org/materiaalpaspoort/id/"
YEAR = 2026


@pytest.fixture(scope="module")
def demo_conn(tmp_path_factory):
    from registry.core.settings import Settings
    from registry.store.registry import Registry

    settings = Settings(data_dir=tmp_path_factory.mktemp("lists") / "data", base_iri=BASE)
    registry = Registry.open(settings)
    docs = (PassportDoc(owning_passport(BASE, iri), triples, "demo") for iri, triples in generate(250, seed=11, base=BASE))
    assert registry.add(docs).written == 250
    registry.close()
    conn = open_figures(settings.data_dir)
    yield conn
    conn.close()


def chained(conn, name, municipality, limit) -> tuple[list[dict], int]:
    rows, after, pages = [], None, 0
    while True:
        found, position = monitor_lists.page(conn, name, municipality, year=YEAR, limit=limit, after=after)
        rows += found
        pages += 1
        assert len(found) <= limit
        if position is None:
            return rows, pages
        assert len(found) == limit
        after = monitor_lists.decode_position(name, position)


@pytest.mark.parametrize("name", monitor_lists.PAGED)
@pytest.mark.parametrize("municipality", [None, MPV + "municipality/GM0153"])
@pytest.mark.parametrize("limit", [1, 2, 7, 100, 10_000])
def test_pages_chain_to_the_whole_list(demo_conn, name, municipality, limit):
    whole = figure(demo_conn, name, municipality, year=YEAR)
    assert len(whole) >= 10
    rows, pages = chained(demo_conn, name, municipality, limit)
    assert rows == whole
    assert pages == max(1, -(-len(whole) // limit))


def test_rows_of_equal_sort_values_are_each_on_one_page(demo_conn):
    """Rows sharing release year, municipality and passport (several materials of one object), and
    many rows of one year and municipality, are cut between pages and still all there once."""
    name = monitor_lists.RELEASE
    whole = figure(demo_conn, name, None, year=YEAR)
    keys = [tuple(r[c] for c, _ in monitor_lists.KEYS[name]) for r in whole]
    assert len(set(keys)) == len(keys)  # the key is unique: a position is never ambiguous
    same_passport = [a for a, b in itertools.pairwise(keys) if a[:3] == b[:3]]
    assert same_passport, "the demo has objects with several materials released in one year"
    for limit in (1, 3):
        rows, _ = chained(demo_conn, name, None, limit)
        assert rows == whole


def test_a_page_starts_after_any_row(demo_conn):
    name = monitor_lists.MCI
    whole = figure(demo_conn, name, None, year=YEAR)
    for i in (0, 5, len(whole) - 1):
        after = monitor_lists.decode_position(name, monitor_lists.encode_position(name, whole[i]))
        found, _ = monitor_lists.page(demo_conn, name, None, year=YEAR, limit=3, after=after)
        assert found == whole[i + 1:i + 4]


def test_the_whole_list_streams_as_it_is_read(demo_conn):
    for name in monitor_lists.PAGED:
        assert list(monitor_lists.rows(demo_conn, name, None, year=YEAR)) == figure(demo_conn, name, None, year=YEAR)


@pytest.mark.parametrize("text", ["", "x", "!!!!", "WzFd", "eyJhIjoxfQ", "WyJhIiwiYiJd", "W251bGxd"])
def test_a_bad_position_is_refused_in_both_languages(text):
    # "WzFd" is [1] (not an IRI), "eyJhIjoxfQ" {"a":1}, "WyJhIiwiYiJd" two parts, "W251bGxd" [null]
    with pytest.raises(monitor_lists.PositionError) as caught:
        monitor_lists.decode_position(monitor_lists.MCI, text)
    assert caught.value.status == 400
    assert "is not a position in this list" in caught.value.message("en")
    assert "is geen positie in deze lijst" in caught.value.message("nl")


def test_a_release_position_needs_a_year_first():
    good = monitor_lists.encode_position(monitor_lists.RELEASE, {
        "releaseYear": "2030", "passportMunicipality": "m", "passport": "p", "material": "c", "quality": "q"})
    assert monitor_lists.decode_position(monitor_lists.RELEASE, good) == (2030, "m", "p", "c", "q")
    with pytest.raises(monitor_lists.PositionError):
        monitor_lists.decode_position(monitor_lists.MCI, good)


@pytest.mark.parametrize("text", ["0", "-1", "10001", "abc", "1.5", "١٢"])
def test_a_bad_limit_is_refused_in_both_languages(text):
    with pytest.raises(monitor_lists.PositionError) as caught:
        monitor_lists.parse_limit(text)
    assert "limit" in caught.value.message("en") and "geheel getal" in caught.value.message("nl")


def test_limits_that_are_fine():
    assert monitor_lists.parse_limit(None) == monitor_lists.DEFAULT_LIMIT
    assert monitor_lists.parse_limit(" 250 ") == 250
    assert monitor_lists.parse_limit(str(monitor_lists.MAX_LIMIT)) == monitor_lists.MAX_LIMIT


@pytest.mark.parametrize("name", monitor_lists.PAGED)
@pytest.mark.parametrize("municipality", [None, MPV + "municipality/GM0153", MPV + "municipality/GM9999"])
def test_count_is_the_number_of_rows(demo_conn, name, municipality):
    whole = figure(demo_conn, name, municipality, year=YEAR)
    assert monitor_lists.count(demo_conn, name, municipality, year=YEAR) == len(whole)


def test_the_monitor_page_reads_only_the_first_rows_of_a_list(demo_conn, tmp_path_factory):
    """A monitor page shows the first rows of the release forecast per object and says how many
    there are; the report (no ``list_rows``) has them all."""
    spec = next(f for f in page_monitor.FIGURES if f.query == monitor_lists.RELEASE)
    data = Path(demo_conn.execute("PRAGMA database_list").fetchone()[2]).parent
    day = date(YEAR, 12, 31)
    whole = page_monitor.run_figure(None, spec, get_terms(), None, day, aggregates=data, base=BASE)
    first = page_monitor.run_figure(None, spec, get_terms(), None, day, aggregates=data, base=BASE, list_rows=7)
    assert len(whole.rows) > 7 and whole.total_rows is None
    assert first.rows == whole.rows[:7] and first.total_rows == len(whole.rows)
