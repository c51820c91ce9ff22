"""The search page: its form, checked, and what the search index (``registry.store.search_index``,
SQLite FTS5) finds: one page of rows, the number of results, counts per filter value, points for
the map, and every row for the CSV download."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from registry.model.terms import Terms
from registry.model.vocab import MP, MPV
from registry.store.search_query import POINT, SORTS, SearchQuery, reader
from registry.views.pages.cache import memo_for, note_provisional

SEARCH_TEXT_MAX = 100
PAGE_SIZE = 25
MAX_PAGE = 400
MAP_MAX = 500  # markers on the map of the results; more are counted and named in a note
YEARS = (1900, 2300)
FILTERS = ("municipality", "kind", "material", "phase", "rstrategy")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class SearchForm:
    """Validated search parameters; ``errors`` lists what was refused and why (UI string keys)."""

    text: str = ""
    municipality: str = ""  # CBS code
    kind: str = ""  # local name of an object class
    material: str = ""  # local name of a material concept
    phase: str = ""
    rstrategy: str = ""
    release_from: int | None = None
    release_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    lang: str = "nl"
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.text or any(getattr(self, f) for f in FILTERS)
                    or self.release_from is not None or self.release_to is not None)

    def query(self, **changes) -> dict:
        """The URL parameters of this search (``changes`` replace some; None or "" drops one)."""
        values = {"q": self.text, **{f: getattr(self, f) for f in FILTERS},
                  "from": self.release_from, "to": self.release_to,
                  "sort": "" if self.sort == "relevance" else self.sort}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def search_query(self) -> SearchQuery:
        return SearchQuery(self.text, self.municipality, self.kind, self.material, self.phase,
                           self.rstrategy, self.release_from, self.release_to, self.sort, self.lang)


def parse_search(terms: Terms, params: Mapping[str, str], lang: str = "nl") -> SearchForm:
    """The form of the request's parameters: unknown values are refused with a reason; a text
    longer than ``SEARCH_TEXT_MAX`` is cut there, with a notice."""
    form = SearchForm(lang=lang)
    text = _CONTROL.sub(" ", params.get("q") or "").strip()
    if len(text) > SEARCH_TEXT_MAX:
        form.notices.append("search.error.text_long")
        text = text[:SEARCH_TEXT_MAX]
    form.text = text
    known = {"municipality": lambda v: f"{MPV}municipality/{v}" in terms.municipalities,
             "kind": lambda v: f"{MP}{v}" in terms.object_kinds,
             "material": lambda v: f"{MPV}material/{v}" in terms.members(f"{MPV}material"),
             "phase": lambda v: f"{MPV}phase/{v}" in terms.members(f"{MPV}phase"),
             "rstrategy": lambda v: f"{MPV}rstrategy/{v}" in terms.members(f"{MPV}rstrategy")}
    for name, check in known.items():
        value = params.get(name) or ""
        if value:
            if check(value):
                setattr(form, name, value)
            else:
                form.errors.append(f"search.error.{name}")
    for name, attr in (("from", "release_from"), ("to", "release_to")):
        value = (params.get(name) or "").strip()
        if value:
            if value.isascii() and value.isdigit() and YEARS[0] <= int(value) <= YEARS[1]:
                setattr(form, attr, int(value))
            else:
                form.errors.append("search.error.year")
    sort = params.get("sort") or "relevance"
    if sort in SORTS:
        form.sort = sort
    else:
        form.errors.append("search.error.sort")
    page = params.get("page")
    if page:
        if page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE:
            form.page = int(page)
        else:
            form.errors.append("search.error.page")
    return form


@dataclass
class SearchResult:
    total: int = 0
    rows: list[dict] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    points: list[dict] = field(default_factory=list)
    located: int = 0  # results with a location (the map shows up to MAP_MAX of them)
    ready: bool = True  # False while the index is first being built


def search(registry, form: SearchForm) -> SearchResult:
    """One page of results with their count, the counts per filter value and the map's points."""
    index = reader(registry.settings.data_dir)
    if not index.ready():
        note_provisional()
        return SearchResult(ready=False)
    found = index.find(form.search_query())
    start = (form.page - 1) * PAGE_SIZE
    return SearchResult(found.total, index.rows(index.top(found, start + PAGE_SIZE)[start:]), found.facets,
                        index.rows(index.top(found, MAP_MAX, located=True), columns=POINT), index.located(found))


def with_labels(row: dict) -> dict:
    """A result row with the IRIs the page links to."""
    return {**row, "kind_iri": MP + row["kind"] if row["kind"] else "",
            "municipality_iri": f"{MPV}municipality/{row['municipality']}",
            "materials": [(f"{MPV}material/{key}", kg) for key, kg in row["materials"]]}


def map_points(points: list[dict], terms: Terms, lang: str, base: str) -> list[list]:
    """``[lat, lon, name, kind label, page path]`` per point, for the map's script."""
    return [[p["lat"], p["lon"], p["name_en" if lang == "en" else "name_nl"],
             terms.label(MP + p["kind"], lang) if p["kind"] else "",
             "/doc/" + p["iri"][len(base) + len("id/"):]] for p in points if p["iri"].startswith(base)]


def object_map(registry, terms: Terms, **page_filter: str) -> dict:
    """The map of a page's objects (a municipality's, a material's, an object kind's): the search
    index's located results for that filter (``municipality``/``material``/``kind`` as on the search
    page), the first ``MAP_MAX`` by title, as ``map_points`` per language, and how many have a location."""
    index = reader(registry.settings.data_dir)
    if not index.ready():
        note_provisional()
        return {"points": {"nl": [], "en": []}, "located": 0, "max": MAP_MAX}

    def make() -> dict:
        found = index.find(SearchQuery(sort="title", **page_filter), facets=False)
        points = index.rows(index.top(found, MAP_MAX, located=True), columns=POINT)
        return {"points": _PerLanguage(lambda lang: map_points(points, terms, lang, registry.base)),
                "located": index.located(found), "max": MAP_MAX}

    # once per store generation: every page of a municipality's list shows the same map (the
    # static site writes hundreds of them); the generation moves again once the index has a write
    return memo_for(registry).get(("object_map", id(terms), tuple(sorted(page_filter.items()))), make)


class _PerLanguage(dict):
    """``{lang: value}`` made for a language when a page first asks for it (a page shows one)."""

    def __init__(self, make) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, lang: str):
        value = self[lang] = self._make(lang)
        return value


CSV_COLUMNS = ("iri", "identifier", "name", "kind", "municipality", "phase", "materials", "mass_kg",
               "release_year", "latitude", "longitude")


def csv_lines(registry, terms: Terms, form: SearchForm) -> Iterator[str]:
    """Every result of the search as CSV (header first), in the order of the page."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    lang = form.lang
    for n, row in enumerate(reader(registry.settings.data_dir).all_rows(replace(form, page=1).search_query())):
        materials = "; ".join(terms.label(f"{MPV}material/{k}", lang) + (f" {kg:g} kg" if kg is not None else "")
                              for k, kg in row["materials"])
        out.writerow((row["iri"], row["identifier"], row["name_en" if lang == "en" else "name_nl"],
                      terms.label(MP + row["kind"], lang) if row["kind"] else "",
                      terms.label(f"{MPV}municipality/{row['municipality']}", lang),
                      terms.label(f"{MPV}phase/{row['phase']}", lang) if row["phase"] else "",
                      materials, "" if row["mass_kg"] is None else f"{row['mass_kg']:.3f}",
                      row["release_year"] or "", row["lat"] or "", row["lon"] or ""))
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


__all__ = ["CSV_COLUMNS", "MAP_MAX", "PAGE_SIZE", "SEARCH_TEXT_MAX", "SearchForm", "SearchResult",
           "csv_lines", "map_points", "object_map", "parse_search", "search", "with_labels"]
