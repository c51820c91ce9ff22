"""The indicators the monitor aggregates answer: :func:`figure` gives exactly the rows
``named_queries.select_plain`` gives for the saved query of the same name (``sparql/indicator-*.rq``),
from ``DATA/monitor.sqlite`` (:func:`readable`: only while it matches the store), with the saved
queries' columns (:data:`COLUMNS`). The figures themselves are in ``monitor_figures``,
``monitor_mci`` and ``monitor_comparison``; tests/store/test_monitor_index.py compares every one
with its saved query after each kind of write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

from registry.store.monitor_comparison import municipality_comparison
from registry.store.monitor_figures import (
    detachability_distribution,
    embodied_carbon,
    goal2_material_origin,
    goal3_valued_share,
    release_forecast,
    rstrategy_by_mass,
    stock_by_material,
    stock_over_years,
)
from registry.store.monitor_index import MONITOR_FILE, MonitorIndex
from registry.store.monitor_lists import mci_per_object, release_forecast_objects
from registry.store.monitor_mci import mci_figure
from registry.store.sidecar import connect, open_fresh

Row = dict[str, str]


def open_figures(data_dir: Path) -> sqlite3.Connection:
    return connect(Path(data_dir) / MONITOR_FILE)


def figure(conn: sqlite3.Connection, name: str, municipality: str | None = None, *,
           on: date | None = None, year: int | None = None) -> list[Row]:
    """The rows of indicator ``name`` from the aggregates (``KeyError`` for one not answered here)."""
    on = on or date.today()
    functions: dict[str, Callable[[], list[Row]]] = {
        "indicator-goal3-valued-share": lambda: goal3_valued_share(conn, municipality, on),
        "indicator-stock-by-material": lambda: stock_by_material(conn, municipality),
        "indicator-rstrategy-by-mass": lambda: rstrategy_by_mass(conn, municipality),
        "indicator-detachability-distribution": lambda: detachability_distribution(conn, municipality),
        "indicator-release-forecast": lambda: release_forecast(conn, municipality, year or on.year),
        "indicator-release-forecast-objects": lambda: release_forecast_objects(conn, municipality, year or on.year),
        "indicator-stock-over-years": lambda: stock_over_years(conn, municipality),
        "indicator-goal2-material-origin": lambda: goal2_material_origin(conn, municipality),
        "indicator-embodied-carbon": lambda: embodied_carbon(conn, municipality),
        "indicator-mci": lambda: mci_figure(conn, municipality),
        "indicator-mci-per-object": lambda: mci_per_object(conn, municipality),
        "indicator-municipality-comparison": lambda: municipality_comparison(conn, municipality, on),
    }
    return functions[name]()


# the variables of each saved query, in its order (tests/store/test_monitor_index.py checks them)
COLUMNS: dict[str, tuple[str, ...]] = {
    "indicator-goal3-valued-share": ("municipality", "date", "from", "until", "objects", "valuedObjects",
                                     "objectShare", "massKg", "valuedMassKg", "massShare", "target", "targetYear"),
    "indicator-stock-by-material": ("municipality", "material", "labelNl", "labelEn", "massKg", "valueEur",
                                    "passports", "quantities", "quantitiesWithoutMass"),
    "indicator-rstrategy-by-mass": ("municipality", "strategy", "rank", "labelNl", "labelEn", "massKg", "quantities",
                                    "quantitiesWithoutMass", "objects"),
    "indicator-detachability-distribution": ("municipality", "class", "rank", "labelNl", "labelEn", "massKg",
                                             "quantities"),
    "indicator-release-forecast": ("year", "municipality", "releaseYear", "passportMunicipality", "material",
                                   "quality", "massKg", "objects", "quantities", "quantitiesWithoutMass"),
    "indicator-stock-over-years": ("municipality", "year", "massKg", "objects"),
    "indicator-goal2-material-origin": ("municipality", "massKg", "primaryAbioticKg", "secondaryAbioticKg",
                                        "biobasedKg", "natureUnknownKg", "lifeCycleNotRecordedKg",
                                        "primaryAbioticShare", "secondaryAbioticShare", "biobasedShare",
                                        "quantities", "quantitiesWithoutMass"),
    "indicator-embodied-carbon": ("municipality", "material", "labelNl", "labelEn", "massKg", "kgCO2ePerKg",
                                  "kgCO2e", "massWithoutFactorKg", "source"),
    "indicator-mci": ("municipality", "objects", "massKg", "mci"),
    "indicator-release-forecast-objects": ("year", "municipality", "passport", "object", "passportMunicipality",
                                           "releaseYear", "material", "quality", "massKg", "wkt",
                                           "quantitiesWithoutMass"),
    "indicator-municipality-comparison": ("municipality", "name", "date", "passports", "massKg", "valueEur",
                                          "valuedObjects", "objectShare", "valuedMassKg", "massShare",
                                          "primaryAbioticShare", "mci"),
    "indicator-mci-per-object": ("municipality", "passport", "object", "passportMunicipality", "massKg", "virginKg",
                                 "wasteKg", "lfi", "lifetime", "averageLifetime", "utility", "mci"),
}
# a SAMPLE of the query: any one of the object's geometries (the aggregates keep the first by text)
SAMPLE_COLUMNS = frozenset({"wkt"})
IRI_COLUMNS = frozenset({"municipality", "material", "strategy", "class", "quality", "passportMunicipality",
                         "source", "passport", "object"})
TEXT_COLUMNS = frozenset({"labelNl", "labelEn", "date", "from", "until", "source", "name", "wkt"})


def cell_kind(column: str, value: str) -> str:
    """What kind of term a value of ``column`` is: "iri", "num" or "text" (as the saved query gives it)."""
    if column in IRI_COLUMNS and value.startswith(("http://", "https://", "urn:")):
        return "iri"
    return "text" if column in TEXT_COLUMNS or column in IRI_COLUMNS else "num"


def readable(data_dir: Path, base: str) -> sqlite3.Connection | None:
    """A reader's connection to the aggregates when they match the store as the last write left
    them (clean, this schema, base IRI and reference data); None otherwise: the caller asks the
    store (the saved query), which is always right."""
    return open_fresh(Path(data_dir) / MONITOR_FILE, MonitorIndex.SCHEMA_VERSION, base)


# The terms of the saved queries' literal columns, in one place (``registry.query.row_results.
# indicator_columns`` makes the SPARQL results of them; tests/web/test_figure_answers.py compares
# them term for term with the saved queries' results). A label, a name and a source are language-
# tagged strings (the ontology's and the municipality list's languages).
_XSD, _GEO = "http://www.w3.org/2001/XMLSchema#", "http://www.opengis.net/ont/geosparql#"
LANGUAGES = {"labelNl": "nl", "labelEn": "en", "name": "nl", "source": "en"}
INTEGER_COLUMNS = frozenset({"year", "releaseYear", "rank", "targetYear", "objects", "passports", "quantities",
                             "quantitiesWithoutMass", "valuedObjects", "lifetime", "averageLifetime"})
DATE_COLUMNS = frozenset({"date", "from", "until"})
# a sum of the masses of quantities in which a quantity without a mass counts as the integer 0
# (``COALESCE(xsd:decimal(?recordedMass), 0)``, ``IF(..., ?mass, 0)``): the sum is that integer 0
# when no quantity of the row has a mass, else a decimal (a recorded mass is never 0 kg). The
# abiotic mass is split in two products (mass x (1 - secondary fraction), mass x fraction): one of
# them is 0 as a decimal when the other is not 0, the integer 0 when both are (no abiotic mass).
ZERO_INTEGERS: dict[str, str | None] = {
    "massKg": None, "massWithoutFactorKg": None, "natureUnknownKg": None, "biobasedKg": None,
    "lifeCycleNotRecordedKg": None, "primaryAbioticKg": "secondaryAbioticKg", "secondaryAbioticKg": "primaryAbioticKg"}
_DOUBLES = {"indicator-mci-per-object": frozenset({"lfi", "utility", "mci"})}


def _datatype(name: str, column: str) -> str:
    if column == "wkt":
        return _GEO + "wktLiteral"
    if column in _DOUBLES.get(name, ()):
        return _XSD + "double"
    if column in INTEGER_COLUMNS:
        return _XSD + "integer"
    return _XSD + ("date" if column in DATE_COLUMNS else "decimal")


# (an IRI column's value that is no IRI, the detachability class "unknown", is a plain string)
DATATYPES: dict[str, dict[str, str]] = {
    name: {c: _datatype(name, c) for c in columns if c not in LANGUAGES and c not in IRI_COLUMNS}
    for name, columns in COLUMNS.items()}
# the parameter a query gives back as a column only when it is given (unbound otherwise)
ECHOES = {"indicator-goal3-valued-share": "date", "indicator-municipality-comparison": "date",
          "indicator-release-forecast": "year", "indicator-release-forecast-objects": "year"}


def today() -> date:
    """The day the saved queries default to (``NOW()`` is in UTC)."""
    return datetime.now(UTC).date()


def answer(conn: sqlite3.Connection, name: str, given: Mapping[str, str]) -> list[Row] | None:
    """The rows of saved query ``name`` run with the parameters ``given`` (the texts its
    substitutions bind: ``municipality`` an IRI, ``date``, ``year``), with its defaults (today,
    this year), or None for a value the aggregates do not answer exactly (a date or year not in
    canonical form, or outside 0002..9989): the saved query answers those."""
    default = today()
    try:
        on = date.fromisoformat(given["date"]) if "date" in given else default
        year = int(given["year"]) if "year" in given else default.year
    except ValueError:
        return None
    if ("date" in given and on.isoformat() != given["date"]) or ("year" in given and str(year) != given["year"]):
        return None
    if not (1 < on.year and 1 < year < 9990):
        return None
    rows = figure(conn, name, given.get("municipality"), on=on, year=year)
    echo = ECHOES.get(name)
    if echo is None or echo in given:
        return rows
    return [{k: v for k, v in row.items() if k != echo} for row in rows]


FIGURES = ("indicator-goal3-valued-share", "indicator-stock-by-material", "indicator-rstrategy-by-mass",
           "indicator-detachability-distribution", "indicator-release-forecast", "indicator-stock-over-years",
           "indicator-goal2-material-origin", "indicator-embodied-carbon", "indicator-mci",
           "indicator-municipality-comparison", "indicator-release-forecast-objects")
# answered here too, but not a figure of the monitor pages (a list: its CSV and the report use it)
LISTS = ("indicator-mci-per-object",)

__all__ = ["COLUMNS", "DATATYPES", "ECHOES", "FIGURES", "LANGUAGES", "LISTS", "SAMPLE_COLUMNS", "ZERO_INTEGERS", "answer",
           "cell_kind", "figure", "open_figures", "readable", "today"]
