"""The search page: its form, checked, and the passports it finds (by the text index, or by index
lists checked per passport; by a named query while the text index is first being built)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.model.terms import Terms
from registry.model.vocab import MP, MPV, MUNICIPALITY, RDF_TYPE
from registry.store.named_queries import solutions
from registry.views.pages.lists import is_current, iter_kind, iter_material, iter_municipality
from registry.views.pages.paging import MAX_PAGE, cached_page, page_of
from registry.views.pages.stats import stats
from registry.views.pages.text_index import text_index

SEARCH_TEXT_MAX = 100
SCAN_SEARCH_MAX = 20_000  # while the text index is built, larger registries do not scan labels


@dataclass
class SearchForm:
    """Validated search parameters; ``errors`` lists what was refused and why (UI string keys)."""

    text: str = ""
    municipality: str = ""  # CBS code
    kind: str = ""  # local name of an object class
    material: str = ""  # local name of a material concept
    page: int = 1
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.text or self.municipality or self.kind or self.material)

    def query(self) -> dict:
        return {k: v for k, v in (("q", self.text), ("municipality", self.municipality),
                                  ("kind", self.kind), ("material", self.material)) if v}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_search(terms: Terms, q: str | None, municipality: str | None, kind: str | None,
                 material: str | None, page: str | None) -> SearchForm:
    form = SearchForm()
    text = _CONTROL.sub(" ", (q or "")).strip()
    if len(text) > SEARCH_TEXT_MAX:
        form.errors.append("search.error.text_long")
        text = text[:SEARCH_TEXT_MAX]
    form.text = text
    if municipality:
        if f"{MPV}municipality/{municipality}" in terms.municipalities:
            form.municipality = municipality
        else:
            form.errors.append("search.error.municipality")
    if kind:
        if f"{MP}{kind}" in terms.object_kinds:
            form.kind = kind
        else:
            form.errors.append("search.error.kind")
    if material:
        if f"{MPV}material/{material}" in terms.members(f"{MPV}material"):
            form.material = material
        else:
            form.errors.append("search.error.material")
    if page:
        try:
            form.page = int(page)
        except ValueError:
            form.errors.append("search.error.page")
        if not 1 <= form.page <= MAX_PAGE:
            form.errors.append("search.error.page")
            form.page = min(max(form.page, 1), MAX_PAGE)
    return form


def paged_passports(store: ox.Store, name: str, bindings: dict[str, ox.Term], page: int,
                    size: int | None = None) -> tuple[list[str], bool]:
    """Passport IRIs of page ``page`` of a named query with a ``?passport`` column."""
    rows = (row["passport"].value for row in solutions(store, name, bindings)
            if isinstance(row["passport"], ox.NamedNode))
    return page_of(rows, page, size)


def search(registry, form: SearchForm, *, wait: float | None = 2.0) -> tuple[list[str], bool]:
    """Passports matching the form.

    With a text: the text index (``TextIndex``), the other criteria checked per hit by index
    lookups; while the index is first being built, the named query ``page-search-text``
    (``-material``) with the text bound as a string literal (never query text). Without a text:
    the most selective index list (material, object kind, municipality), the other criteria
    checked per passport by index lookups.
    """
    store = registry.store
    municipality = f"{MPV}municipality/{form.municipality}" if form.municipality else ""
    kind = f"{MP}{form.kind}" if form.kind else ""
    material = f"{MPV}material/{form.material}" if form.material else ""
    index = text_index(registry, wait=wait) if form.text else None
    if form.text and index is not None:
        own = f"{registry.base}id/passport/{form.municipality}/" if municipality else ""

        def by_text() -> tuple[list[str], bool]:
            checks = _checks(store, "", kind, material)
            checks.insert(0, lambda g: is_current(store, g))  # the index may predate a retirement
            hits = (iri for iri in index.find(form.text)
                    if iri.startswith(own) and all(check(ox.NamedNode(iri)) for check in checks))
            return page_of(hits, form.page)
        # Keyed on the index too: a rebuilt index (after a write) gives a new key.
        return cached_page(registry, ("search", index.serial, form.text, municipality, kind, material,
                                      form.page), by_text)
    if form.text:
        counted = stats(registry, wait=0)
        if counted is None or counted.total > SCAN_SEARCH_MAX:
            # A scan of every label would take too long here: say so instead of waiting.
            form.notices.append("search.indexing")
            return [], False
        bindings: dict[str, ox.Term] = {"text": ox.Literal(form.text)}
        name = "page-search-text"
        if municipality:
            bindings["municipality"] = ox.NamedNode(municipality)
        if kind:
            bindings["kind"] = ox.NamedNode(kind)
        if material:
            bindings["material"] = ox.NamedNode(material)
            name += "-material"
        return paged_passports(store, name, bindings, form.page)

    def by_filters() -> tuple[list[str], bool]:
        if material:
            candidates = iter_material(store, material)
        elif kind:
            candidates = iter_kind(store, kind)
        else:
            candidates = iter_municipality(store, municipality)
        checks = _checks(store, municipality if (material or kind) else "", kind if material else "", "")
        matching = (iri for iri in candidates if all(check(ox.NamedNode(iri)) for check in checks))
        return page_of(matching, form.page)
    return cached_page(registry, ("search", None, "", municipality, kind, material, form.page), by_filters)


def _checks(store: ox.Store, municipality: str, kind: str, material: str) -> list:
    """Index lookups that test one passport graph against the given criteria."""
    checks = []
    if municipality:
        muni = ox.NamedNode(municipality)
        checks.append(lambda g: next(store.quads_for_pattern(g, MUNICIPALITY, muni, g), None) is not None)
    if kind:
        kind_node = ox.NamedNode(kind)
        checks.append(lambda g: next(store.quads_for_pattern(None, RDF_TYPE, kind_node, g), None) is not None)
    if material:
        material_node = ox.NamedNode(material)
        material_p = ox.NamedNode(MP + "material")
        checks.append(lambda g: next(store.quads_for_pattern(None, material_p, material_node, g),
                                     None) is not None)
    return checks


__all__ = ["SCAN_SEARCH_MAX", "SEARCH_TEXT_MAX", "SearchForm", "paged_passports", "parse_search",
           "search"]
