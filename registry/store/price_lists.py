"""Price lists and the valuation model in the store (docs/valuation.md).

- the shipped indicative list is reference data (``pricelists/``, a reference graph);
- an imported list is one named graph per version, ``{base}graph/pricelist/{name}/{digest}``, whose
  version IRI is ``{base}id/pricelist/{name}/{digest}`` (the digest of its content): importing the same
  content again changes nothing, a changed list is a new version beside the old one;
- the factor tables and costs of ``ontology/valuation.ttl`` (``load_factors``), read from the reference
  graphs only.

Price lists are found only in the registry's own graphs, never in a passport's graph.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.model.reference import REFERENCE_PREFIX, is_reference_graph
from registry.model.valuation import Factors, PriceEntry, PriceList
from registry.model.vocab import DCTERMS, MP, MPV, RDF_TYPE, SKOS, XSD
from registry.store import named_queries
from registry.validation.price_lists import check_price_list

MODEL_IRI = MPV + "valuationmodel/market-2026"


class ValuationError(RegistryError, ValueError):
    """A valuation or price list that cannot be made as asked: names the field and what to do."""

    status = 422


def imported_prefix(base: str) -> str:
    return f"{base}graph/pricelist/"


@dataclass(frozen=True)
class PriceListInfo:
    iri: str
    graph: str
    title: str
    source: str
    issued: str
    valid_from: date | None
    valid_until: date | None
    currency: str
    indicative: bool
    entries: int
    title_nl: str = ""  # the Dutch title, when the list has one

    def valid_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_until is None
                                                                       or on <= self.valid_until)


def _date(term: ox.Term | None) -> date | None:
    return date.fromisoformat(term.value) if term is not None else None


def price_lists(store: ox.Store, base: str, iri: str | None = None) -> list[PriceListInfo]:
    """Every price-list version (or the one ``iri``), newest issue first."""
    bindings = {}
    if iri:
        bindings["priceList"] = ox.NamedNode(iri)
    out = []
    for row in named_queries.select(store, "valuation-price-lists", bindings):
        if not row["graph"].value.startswith((imported_prefix(base), REFERENCE_PREFIX)):
            continue  # a price list in a passport's graph is the passport's business, not a price list
        out.append(PriceListInfo(
            row["priceList"].value, row["graph"].value, row.get("title", row["priceList"]).value,
            row["source"].value if "source" in row else "", row["issued"].value if "issued" in row else "",
            _date(row.get("validFrom")), _date(row.get("validUntil")),
            row["currency"].value if "currency" in row else "EUR",
            "indicative" in row and row["indicative"].value == "true", int(row["entries"].value),
            row["titleNl"].value if "titleNl" in row else ""))
    return out


def choose_price_list(store: ox.Store, base: str, on: date, iri: str | None = None) -> PriceListInfo:
    """The price list ``iri``, or else the newest one valid on ``on``, an imported list before the
    shipped indicative one. Raises ValuationError (field ``price_list``) when there is none."""
    if iri:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ValuationError(f"price_list: {iri!r} is not an IRI; see `passports prices list`",
                                 message_nl=f"price_list: {iri!r} is geen IRI; zie `passports prices list`") from None
        found = price_lists(store, base, iri)
        if not found:
            raise ValuationError(
                f"price_list: there is no price list {iri}; `passports prices list` shows the ones there are",
                message_nl=f"price_list: er is geen prijslijst {iri}; `passports prices list` toont welke er zijn")
        return found[0]
    valid = [p for p in price_lists(store, base) if p.valid_on(on)]
    valid.sort(key=lambda p: (not p.indicative, p.issued), reverse=True)
    if not valid:
        raise ValuationError(
            f"price_list: no price list is valid on {on}; import one with `passports prices import` or name "
            "one with --price-list",
            message_nl=f"price_list: geen prijslijst is geldig op {on}; importeer er een met `passports prices import` "
               "of noem er een met --price-list")
    return valid[0]


def load_price_list(store: ox.Store, info: PriceListInfo) -> PriceList:
    entries: dict[tuple[str, str], PriceEntry] = {}
    regions: dict[str, set[str]] = {}
    rows = named_queries.select(store, "valuation-price-entries",
                                {"priceList": ox.NamedNode(info.iri), "graph": ox.NamedNode(info.graph)})
    for row in rows:
        if "region" in row:
            regions.setdefault(row["entry"].value, set()).add(row["region"].value)
    for row in rows:
        entry = PriceEntry(row["entry"].value, row["material"].value, Decimal(row["price"].value),
                           row["unit"].value, _date(row.get("validFrom")), _date(row.get("validUntil")),
                           frozenset(regions.get(row["entry"].value, ())))
        entries.setdefault((entry.material, entry.unit), entry)
    return PriceList(info.iri, info.currency, entries, info.title, info.indicative)


def load_factors(store: ox.Store, model: str = MODEL_IRI) -> Factors:
    """The factor tables and costs of the valuation model, from the reference graphs of the store."""
    def reference(predicate: str):
        for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
            if isinstance(quad.graph_name, ox.NamedNode) and is_reference_graph(quad.graph_name.value):
                yield quad

    value = {q.subject.value: Decimal(q.object.value) for q in reference(MP + "valueFactor")}
    general: dict[str, Decimal] = {}
    material_costs: dict[str, list] = {}
    for i, name in enumerate(("dismantlingCostPerTonne", "transportCostPerTonne")):
        for q in reference(MP + name):
            if q.subject.value == model:
                general[name] = Decimal(q.object.value)
            else:
                material_costs.setdefault(q.subject.value, [None, None])[i] = Decimal(q.object.value)
    figures = {q.predicate.value[len(MP):]: Decimal(q.object.value)
               for p in ("detachabilityFloor", "missingFactor") for q in reference(MP + p)
               if q.subject.value == model}
    if len(figures) < 2 or len(general) < 2:
        raise ValuationError(f"the valuation model {model} is not in the store's reference data "
                             "(ontology/valuation.ttl): open the registry for writing once to load it",
                             message_nl=f"het waarderingsmodel {model} staat niet in de referentiegegevens "
                                "(ontology/valuation.ttl): open het register eenmaal om te schrijven")
    broader = {q.subject.value: q.object.value for q in reference(SKOS + "broader")
               if q.subject.value.startswith(MPV + "material/")}
    return Factors(value, figures["detachabilityFloor"], figures["missingFactor"],
                   general["dismantlingCostPerTonne"], general["transportCostPerTonne"],
                   {k: (v[0], v[1]) for k, v in material_costs.items()}, broader, model)


# --- storing an imported price list ------------------------------------------------------------------

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class NewEntry:
    """One price to store (``importers.prices.PriceRow`` is one read from a file)."""

    material: str
    price: Decimal
    unit: str
    date: date | None = None
    source: str = ""
    region: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None


def _day(d: date) -> ox.Literal:
    return ox.Literal(d.isoformat(), datatype=ox.NamedNode(XSD + "date"))


def store_price_list(registry, name: str, entries: Iterable[NewEntry], *, source: str, title: str = "",
                     regions: Iterable[str] = (), valid_from: date | None = None, valid_until: date | None = None,
                     issued: date | None = None, currency: str = "EUR") -> tuple[str, bool]:
    """Store a price list as a new version in its own graph; the same content again changes nothing.
    Returns the version IRI and whether it was new."""
    if not _NAME.match(name):
        raise ValuationError(f"name: {name!r} is not a price-list name; use lower-case letters, digits and '-', "
                             "such as twente-2026", message_nl=f"name: {name!r} is geen naam voor een prijslijst; "
                             "gebruik kleine letters, cijfers en '-', zoals twente-2026")
    entries = sorted(entries, key=lambda e: (e.material, e.unit, e.region or "", str(e.valid_from)))
    if not entries:
        raise ValuationError("the price list has no prices", message_nl="de prijslijst heeft geen prijzen")
    regions = sorted(set(regions))
    canonical = repr((name, source, title, regions, valid_from, valid_until, issued, currency,
                      [(e.material, str(e.price), e.unit, e.date, e.source, e.region, e.valid_from, e.valid_until)
                       for e in entries]))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:12]
    base = registry.base
    iri = ox.NamedNode(f"{base}id/pricelist/{name}/{digest}")
    graph = ox.NamedNode(f"{imported_prefix(base)}{name}/{digest}")
    if registry.store.contains_named_graph(graph):
        return iri.value, False
    p = lambda local: ox.NamedNode(MP + local)
    dc = lambda local: ox.NamedNode(DCTERMS + local)
    quads = [ox.Quad(iri, RDF_TYPE, p("PriceList"), graph),
             ox.Quad(iri, dc("isVersionOf"), ox.NamedNode(f"{base}id/pricelist/{name}"), graph),
             ox.Quad(iri, dc("title"), ox.Literal(title or name), graph),
             ox.Quad(iri, dc("source"), ox.Literal(source), graph),
             ox.Quad(iri, dc("issued"), _day(issued or date.today()), graph),
             ox.Quad(iri, p("priceCurrency"), ox.Literal(currency), graph),
             ox.Quad(iri, p("indicative"), ox.Literal("false", datatype=ox.NamedNode(XSD + "boolean")), graph)]
    quads += [ox.Quad(iri, dc("spatial"), ox.NamedNode(r), graph) for r in regions]
    if valid_from:
        quads.append(ox.Quad(iri, p("validFrom"), _day(valid_from), graph))
    if valid_until:
        quads.append(ox.Quad(iri, p("validUntil"), _day(valid_until), graph))
    for i, e in enumerate(entries, 1):
        node = ox.NamedNode(f"{iri.value}/{i}")
        quads += [ox.Quad(iri, p("hasPriceEntry"), node, graph), ox.Quad(node, RDF_TYPE, p("PriceEntry"), graph),
                  ox.Quad(node, p("pricedMaterial"), ox.NamedNode(e.material), graph),
                  ox.Quad(node, p("price"), ox.Literal(format(e.price, "f"), datatype=ox.NamedNode(XSD + "decimal")),
                          graph),
                  ox.Quad(node, p("priceUnit"), ox.NamedNode(e.unit), graph)]
        if e.date:
            quads.append(ox.Quad(node, dc("date"), _day(e.date), graph))
        if e.source:
            quads.append(ox.Quad(node, dc("source"), ox.Literal(e.source), graph))
        if e.region:
            quads.append(ox.Quad(node, dc("spatial"), ox.NamedNode(e.region), graph))
        if e.valid_from:
            quads.append(ox.Quad(node, p("validFrom"), _day(e.valid_from), graph))
        if e.valid_until:
            quads.append(ox.Quad(node, p("validUntil"), _day(e.valid_until), graph))
    violations = [i for i in check_price_list(quads) if i.severity == "Violation"]
    if violations:
        first = violations[0]
        raise ValuationError(f"the price list does not conform: {first.text('en')} ({first.focus})",
                             message_nl=f"de prijslijst klopt niet: {first.text('nl')} ({first.focus})")
    registry._writable()
    with registry._storage("import the price list"):
        registry.store.extend(quads)
    registry._bump_generation()
    return iri.value, True
