"""What the catalog and its page say about the store, read once per store generation: the
municipalities of the reference data (CBS code, names, TOOI identifier, extent), the passports per
municipality (the pages' counts, :func:`registry.views.pages.stats.stats`), the first and last
date of each municipality's passports (kept by the monitor aggregates, ``catalog_counts``; else
``sparql/catalog-temporal-coverage.rq``) and the ontology's version IRI (``sparql/catalog-*.rq``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.store import catalog_counts
from registry.store.named_queries import select, select_plain
from registry.views.pages.cache import memo_for
from registry.views.pages.stats import from_sidecars, stats


@dataclass(frozen=True)
class Place:
    """A municipality with passports: its IRI, CBS code, names, its identifier in the Dutch
    government register (TOOI), extent (WKT, CRS84) and centroid, passports and their dates."""

    iri: str
    code: str
    name_nl: str
    name_en: str
    register: str
    bbox: str
    centroid: str
    passports: int
    start: str
    end: str

    def name(self, lang: str) -> str:
        return self.name_nl if lang == "nl" else self.name_en or self.name_nl


@dataclass(frozen=True)
class Facts:
    places: list[Place] = field(default_factory=list)
    version: str = ""

    @property
    def passports(self) -> int:
        return sum(p.passports for p in self.places)

    @property
    def start(self) -> str:
        return min((p.start for p in self.places if p.start), default="")

    @property
    def end(self) -> str:
        return max((p.end for p in self.places if p.end), default="")


def sparql_dates(store) -> dict[str, tuple[str, str]]:
    """The first and last date of each municipality's passports by the saved query (a scan)."""
    return {row["municipality"]: (row.get("start", ""), row.get("end", ""))
            for row in select_plain(store, "catalog-temporal-coverage")}


def dates_of(registry) -> dict[str, tuple[str, str]]:
    """The first and last date of each municipality's passports: from the monitor aggregates
    (two index seeks per municipality), else from the saved query in the background cache."""
    data_dir, base = registry.settings.data_dir, registry.base
    return from_sidecars(registry, "catalog-dates", lambda: catalog_counts.temporal_coverage(data_dir, base),
                         lambda: sparql_dates(registry.store), wait=None)


def compute_facts(registry) -> Facts:
    store = registry.store
    counts = stats(registry, wait=None).by_municipality
    dates = dates_of(registry)
    places = []
    for row in select_plain(store, "catalog-municipalities"):
        iri = row["municipality"]
        if not counts.get(iri):
            continue
        start, end = dates.get(iri, ("", ""))
        places.append(Place(iri, row["code"], row.get("nameNl", row["code"]), row.get("nameEn", ""),
                            row.get("register", ""), row.get("bbox", ""), row.get("centroid", ""),
                            counts[iri], start, end))
    version = next((row["version"].value for row in select(store, "catalog-ontology-version")), "")
    return Facts(places, version)


def facts(registry) -> Facts:
    """The :class:`Facts` of the store's current generation, computed on request once per generation
    (milliseconds: the counts and dates from the monitor aggregates, two small queries of the
    reference data)."""
    return memo_for(registry).get("catalog-facts", lambda: compute_facts(registry))
