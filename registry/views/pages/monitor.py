"""The monitor: dashboard pages for the region (``/monitor``) and each municipality
(``/monitor/GM0153``), and the figures of the annual report (``passports report``).

Every figure is the result of one saved query of ``sparql/`` (:data:`FIGURES`), run with the
parameters that query declares (``?municipality`` on a municipality's page, ``?date``, ``?year``)
bound as values; the page shows its rows as a table (and, for most, a chart drawn on the server,
:mod:`registry.views.pages.charts`), links to the same result as CSV (``/query/NAME?...&format=csv``
with the same parameters) and to the query's own page. The progress towards the three regional
goals (:data:`GOALS`) is read from the rows of such figures. Figures are computed once per store
generation (``memo_for``: a page never shows figures from before a finished write).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from registry.model.terms import Terms
from registry.model.vocab import MP, MPV, XSD
from registry.query import saved as saved_queries
from registry.store import monitor_answers, monitor_lists, named_queries
from registry.store.search_query import POINT, SearchQuery
from registry.store.search_query import reader as search_reader
from registry.views.pages.charts import bar_chart, gauge
from registry.views.pages.fresh import background_for, ready
from registry.views.pages.geo import vocabulary_wkt, wkt_points

MAP_MAX = 25_000  # objects drawn on a map at most (the page says when there are more)
TABLE_MAX = 200  # rows of a figure's table on a page (the chart and the CSV have them all)


@dataclass(frozen=True)
class Figure:
    """One figure of the monitor: a saved query, and how its rows are drawn.

    ``chart``: ``"bar"`` (one bar per row of ``x``), ``"years"`` (``x`` holds years: one tick per
    year), ``"parts"`` (one bar per column of ``parts``, summed over the rows) or ``""`` (a table
    only). ``series`` splits the bars (stacked). ``region``: always for the whole region (the
    comparison of municipalities), also on a municipality's page."""

    key: str
    query: str
    chart: str = ""
    x: str = ""
    y: str = ""
    series: str = ""
    region: bool = False
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Goal:
    """A regional goal: the current value is the sum of ``column`` over the rows of a figure,
    divided by the sum of ``per`` when given (a share of a total); with ``weight``, the average
    of ``column`` weighted by that column (the MCI of several rows, by mass)."""

    key: str
    year: int
    figure: str
    column: str
    per: str
    target: float
    lower_is_better: bool = False
    scale: float = 1.0
    weight: str = ""


FIGURES = (
    Figure("stock", "indicator-stock-by-material", "bar", "material", "massKg"),
    Figure("stock_years", "indicator-stock-over-years", "years", "year", "massKg"),
    Figure("origin", "indicator-goal2-material-origin", "parts",
           parts=("primaryAbioticKg", "secondaryAbioticKg", "biobasedKg", "natureUnknownKg")),
    Figure("goal3", "indicator-goal3-valued-share", "parts", parts=("massKg", "valuedMassKg")),
    Figure("mci", "indicator-mci"),
    Figure("rstrategy", "indicator-rstrategy-by-mass", "bar", "strategy", "massKg"),
    Figure("detachability", "indicator-detachability-distribution", "bar", "class", "massKg"),
    Figure("carbon", "indicator-embodied-carbon", "bar", "material", "kgCO2e"),
    Figure("release", "indicator-release-forecast", "years", "releaseYear", "massKg", "material"),
    Figure("release_where", "indicator-release-forecast-objects"),  # where: each object, with its geometry
    Figure("comparison", "indicator-municipality-comparison", "bar", "municipality", "massKg", region=True),
)

GOALS = (
    Goal("goal2", 2030, "origin", "primaryAbioticKg", "massKg", 0.5, lower_is_better=True),
    Goal("goal3", 2035, "goal3", "valuedMassKg", "massKg", 0.5),
    Goal("goal1", 2050, "mci", "mci", "", 1.0, weight="massKg"),
)


@dataclass
class FigureData:
    key: str
    query: str
    title: dict[str, str]
    params: dict[str, str]  # the query's parameters as given in the URL of its page
    columns: list[str] = field(default_factory=list)
    rows: list[list[tuple[str, str]]] = field(default_factory=list)  # (kind, value): iri, num, year, text, ""
    chart: dict | None = None
    missing: bool = False  # the saved query does not exist (yet)
    computing: bool = False  # not ready yet (the page says so; a reload shows it)
    regional: bool = False  # shown for the region on a municipality's page
    total_rows: int | None = None  # rows of the whole list when ``rows`` holds only its first ones

    def column(self, name: str) -> list[str]:
        """The values of one column, as text ("" when unbound)."""
        i = self.columns.index(name) if name in self.columns else -1
        return [row[i][1] for row in self.rows] if i >= 0 else []


def _cell(term) -> tuple[str, str]:
    if term is None:
        return ("", "")
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        return ("num", term.value)
    return ("text", term.value)


_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "long", "int",
                              "nonNegativeInteger", "positiveInteger")}


def parameters(query: str, municipality: str | None, day: dt.date) -> dict[str, str]:
    """The values of the parameters ``query`` declares: municipality, date, year (as text)."""
    available = {"municipality": municipality or "", "date": day.isoformat(), "year": str(day.year)}
    declared = [p.name for p in saved_queries.get(query).parameters]
    return {name: available[name] for name in declared if available.get(name)}


def _bindings(query: str, params: dict[str, str]) -> dict[str, ox.Term]:
    out: dict[str, ox.Term] = {}
    for p in saved_queries.get(query).parameters:
        if p.name in params:
            kind, *spec = p.term(params[p.name])
            out[p.name] = ox.NamedNode(spec[0]) if kind == "iri" else \
                ox.Literal(spec[0], datatype=ox.NamedNode(spec[1])) if spec[1] else ox.Literal(spec[0])
    return out


def _rows(store: ox.Store, spec: Figure, params: dict[str, str], scope: str | None, day: dt.date,
          aggregates: Path | None, base: str, list_rows: int | None = None
          ) -> tuple[list[str], list[list[tuple[str, str]]], int | None]:
    """Columns and cells of a figure: from the monitor aggregates (``monitor_answers``, the same
    rows as the saved query) when they answer it and are up to date, else from the saved query;
    ``list_rows``: of a per-object list (``monitor_lists``) only its first rows, and how many it has."""
    conn = monitor_answers.readable(aggregates, base) if aggregates and spec.query in monitor_answers.FIGURES else None
    if conn is not None:
        total = None
        try:
            if list_rows is not None and spec.query in monitor_lists.PAGED:
                found, _ = monitor_lists.page(conn, spec.query, scope, year=day.year, limit=list_rows)
                total = monitor_lists.count(conn, spec.query, scope, year=day.year)
            else:
                found = monitor_answers.figure(conn, spec.query, scope, on=day, year=day.year)
        finally:
            conn.close()
        columns = list(monitor_answers.COLUMNS[spec.query])
        return columns, [[(monitor_answers.cell_kind(c, row[c]), row[c]) if c in row else ("", "") for c in columns]
                         for row in found], total
    result = named_queries.run(store, spec.query, _bindings(spec.query, params))
    columns = [v.value for v in result.variables]
    return columns, [[_cell(solution[c]) for c in columns] for solution in result], None


def run_figure(store: ox.Store, spec: Figure, terms: Terms, municipality: str | None, day: dt.date, *,
               aggregates: Path | None = None, base: str = "", list_rows: int | None = None) -> FigureData:
    """The rows of one figure, and its chart (``aggregates``: the data directory whose monitor
    aggregates may answer it; ``list_rows``: of a list of objects, the first rows only, as a page
    shows them)."""
    try:
        saved = saved_queries.get(spec.query)
    except saved_queries.UnknownSavedQuery:
        return FigureData(spec.key, spec.query, {}, {}, missing=True)
    scope = None if spec.region else municipality
    params = parameters(spec.query, scope, day)
    columns, rows, total = _rows(store, spec, params, scope, day, aggregates, base, list_rows)
    for i, name in enumerate(columns):  # years without a thousands separator, shares as percentages
        kind = "year" if name == "year" or name.endswith("Year") else "share" if name.endswith("Share") else ""
        for row in rows if kind else ():
            if row[i][0] == "num":
                row[i] = (kind, row[i][1])
    figure = FigureData(spec.key, spec.query, {"nl": saved.title("nl"), "en": saved.title("en")}, params,
                        columns, rows, regional=bool(municipality and "municipality" not in params), total_rows=total)
    figure.chart = _chart(figure, spec, terms)
    return figure


def total(figure: FigureData, column: str) -> float | None:
    """The sum of a numeric column over the rows; None without such a column or numbers."""
    found = None
    for value in figure.column(column):
        try:
            found = (found or 0.0) + float(value)
        except ValueError:
            continue
    return found


def _weighted(figure: FigureData, column: str, weight: str) -> float | None:
    pairs = []
    for value, w in zip(figure.column(column), figure.column(weight)):
        try:
            pairs.append((float(value), float(w)))
        except ValueError:
            continue
    whole = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / whole if whole else None


def _chart(figure: FigureData, spec: Figure, terms: Terms) -> dict | None:
    if spec.chart == "parts":
        sums = [(name, total(figure, name)) for name in spec.parts]
        return bar_chart([(name, "", value) for name, value in sums if value is not None]) | {"iris": False,
                                                                                            "columns": True}
    if not spec.chart or spec.x not in figure.columns or spec.y not in figure.columns:
        return None
    xs, ys = figure.column(spec.x), figure.column(spec.y)
    series = figure.column(spec.series) if spec.series in figure.columns else [""] * len(xs)
    points = []
    for x, y, s in zip(xs, ys, series):
        try:
            value = float(y)
        except ValueError:
            continue
        if x:
            points.append((x, s, value))
    if spec.chart == "years":
        points = [(x, s, v) for x, s, v in points if x.lstrip("-").isdigit()]
    chart = bar_chart(points, years=spec.chart == "years")
    chart["iris"] = any(p[0].startswith(("http://", "https://")) for p in points)
    chart["columns"] = False
    return chart


def compute(registry, terms: Terms, municipality: str | None, day: dt.date) -> dict:
    """Every figure and goal of one monitor page (or report), computed here and now."""
    figures = [run_figure(registry.store, spec, terms, municipality, day, aggregates=registry.settings.data_dir,
                          base=registry.base) for spec in FIGURES]
    return {"figures": figures, "goals": goals_of(figures)}


def goals_of(figures: list[FigureData]) -> list[dict]:
    """The progress towards each goal, from the figures (a figure not ready: not measured)."""
    by_key = {f.key: f for f in figures}
    goals = []
    for goal in GOALS:
        figure = by_key.get(goal.figure)
        value = total(figure, goal.column) if figure is not None else None
        if value is not None and goal.weight:
            value = _weighted(figure, goal.column, goal.weight)
        if value is not None and goal.per:
            whole = total(figure, goal.per)
            value = value / whole if whole else None
        usable = figure is not None and not figure.missing and not figure.computing
        goals.append({"key": goal.key, "year": goal.year, "target": goal.target,
                      "figure": goal.figure if usable else "",
                      "computing": figure is not None and figure.computing,
                      "gauge": gauge(value, goal.target, lower_is_better=goal.lower_is_better,
                                     scale=goal.scale)})
    return goals


def map_points(registry, municipality: str | None) -> dict:
    """The objects with a location, for the map: ``points`` as [lat, lon, kind index, label nl,
    label en, page path], ``kinds`` (IRIs), ``total`` (all objects with a location). From the
    search index (its located results, the first ``MAP_MAX`` by title) when it is ready, else
    from the store (``page-monitor-objects``)."""
    index = search_reader(registry.settings.data_dir)
    if index.ready():
        code = municipality[len(MPV + "municipality/"):] if municipality else ""
        found = index.find(SearchQuery(sort="title", municipality=code), facets=False)
        kinds: list[str] = []
        where: dict[str, int] = {}
        points = []
        for row in index.rows(index.top(found, MAP_MAX, located=True), columns=POINT):
            kind = MP + row["kind"] if row["kind"] else ""
            if kind not in where:
                where[kind] = len(kinds)
                kinds.append(kind)
            iri = row["iri"]
            path = "/doc/" + iri[len(registry.base) + 3:] if iri.startswith(registry.base + "id/") else ""
            points.append([round(row["lat"], 6), round(row["lon"], 6), where[kind], row["name_nl"] or "",
                           row["name_en"] or "", path])
        return {"points": points, "kinds": kinds, "total": index.located(found)}
    bindings = {"municipality": ox.NamedNode(municipality)} if municipality else {}
    base = registry.base + "id/"
    kinds: list[str] = []
    index: dict[str, int] = {}
    points, total = [], 0
    for row in named_queries.solutions(registry.store, "page-monitor-objects", bindings):
        total += 1
        if len(points) >= MAP_MAX:
            continue
        found = wkt_points(row["geometry"].value) if row["geometry"] is not None else None
        if not found or not found["points"]:
            continue
        lat = sum(p[0] for p in found["points"]) / len(found["points"])
        lon = sum(p[1] for p in found["points"]) / len(found["points"])
        kind = row["kind"].value if row["kind"] is not None else ""
        if kind not in index:
            index[kind] = len(kinds)
            kinds.append(kind)
        iri = row["passport"].value
        path = "/doc/" + iri[len(base):] if iri.startswith(base) else ""
        points.append([round(lat, 6), round(lon, 6), index[kind],
                       row["labelNl"].value if row["labelNl"] is not None else "",
                       row["labelEn"].value if row["labelEn"] is not None else "", path])
    return {"points": points, "kinds": kinds, "total": total}


def monitor(registry, terms: Terms, municipality: str | None = None, *, day: dt.date | None = None,
            with_map: bool = True, wait: float | None = None) -> dict:
    """The context of a monitor page: the figures, goals, map and the municipalities to pick.

    Figures are computed in the background (``fresh.background_for``), once per store generation;
    ``wait``: seconds to wait for those not ready (None: for all), the others say "computing"."""
    day = day or dt.date.today()
    memo = background_for(registry)
    deadline = None if wait is None else time.monotonic() + wait
    figures = []
    for spec in FIGURES:
        found = memo.get(("figure", spec.key, municipality, day),
                         lambda spec=spec: run_figure(registry.store, spec, terms, municipality, day,
                                                      aggregates=registry.settings.data_dir, base=registry.base,
                                                      list_rows=TABLE_MAX),
                         deadline)
        figures.append(found if ready(found) else FigureData(spec.key, spec.query, {}, {}, computing=True))
    context = {"figures": figures, "goals": goals_of(figures), "municipality": municipality,
               "date": day.isoformat(), "active": "monitor", "table_max": TABLE_MAX,
               "municipalities": sorted(terms.municipalities, key=lambda i: terms.label(i, "nl")),
               "map": None, "centroid": None, "bbox": None, "computing": any(f.computing for f in figures)}
    if municipality:
        region = terms.iris(municipality, MP + "region")
        context.update(region=region[0] if region else "",
                       centroid=vocabulary_wkt(terms, municipality, MP + "centroid"),
                       bbox=vocabulary_wkt(terms, municipality, MP + "bbox"))
    if with_map:
        found = memo.get(("map", municipality), lambda: map_points(registry, municipality), deadline)
        context["map"] = found if ready(found) else None
        context["computing"] = context["computing"] or not ready(found)
    return context


def municipality_iri(code: str, terms: Terms) -> str | None:
    """The IRI of the municipality with CBS code ``code`` (GM0153), None when there is none."""
    iri = f"{MPV}municipality/{code}"
    return iri if code.isascii() and code.isalnum() and iri in terms.municipalities else None


__all__ = ["FIGURES", "GOALS", "MAP_MAX", "TABLE_MAX", "Figure", "FigureData", "Goal", "compute", "goals_of",
           "map_points", "monitor", "municipality_iri", "parameters", "run_figure", "total"]
