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

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.model.reference import REFERENCE_PREFIX, is_reference_graph
from registry.model.valuation import Factors, PriceEntry, PriceList
from registry.model.vocab import MP, MPV, SKOS
from registry.store import named_queries

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
            "indicative" in row and row["indicative"].value == "true", int(row["entries"].value)))
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
