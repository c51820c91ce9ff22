"""``valuate``: one dated valuation record per current passport (docs/valuation.md).

A record lives in the municipality's valuation graph ``{base}graph/valuation/{GMxxxx}`` (never a
passport: it has no ``mp:Passport``), under a deterministic IRI made of the passport, the date and a
digest of the version valued and the price-list version, so a second run for the same date and
price list finds every record there and writes nothing ("unchanged"). Earlier records are never
touched: a new date, a new price list or a new passport version adds a record beside them.

Each record says what it valued (``mp:valuationOf``, ``mp:valuedVersion``, ``prov:wasDerivedFrom``
the version), with which price list and model, and holds one ``mp:ValuationInput`` per material
quantity (mass, price, each factor, costs, notes). The run is a ``prov:Activity`` in the
provenance graph (agent, start, end, ``prov:used`` the price list).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pyoxigraph as ox

from registry.model.reference import load_municipalities
from registry.model.valuation import Quantity, QuantityValue, quantity_mass_kg, value_quantity
from registry.model.vocab import DCTERMS, MP, MPV, PROV, RDF_TYPE, RDFS, XSD
from registry.store import named_queries
from registry.store.price_lists import choose_price_list, load_factors, load_price_list
from registry.store.provenance import now

BATCH = 1000
MARKET = ox.NamedNode(MPV + "valuationmethod/market")
DECIMAL = ox.NamedNode(XSD + "decimal")


def valuation_prefix(base: str) -> str:
    return f"{base}graph/valuation/"


def valuation_graph(base: str, municipality_code: str) -> ox.NamedNode:
    return ox.NamedNode(f"{valuation_prefix(base)}{municipality_code}")


def record_iri(passport: str, version: str, price_list: str, on: date) -> str:
    """``{base}id/valuationrecord/GM0153/brug-0042/2026-12-31/{digest}`` for a passport IRI
    ``{base}id/passport/GM0153/brug-0042``."""
    base, _, rest = passport.partition("id/passport/")
    digest = hashlib.sha256(f"{version}\0{price_list}".encode()).hexdigest()[:12]
    return f"{base}id/valuationrecord/{rest}/{on.isoformat()}/{digest}"


def _dec(x: Decimal) -> ox.Literal:
    text = format(x.normalize(), "f") if x == x.to_integral() else format(x, "f")
    return ox.Literal(text if "." in text else text + ".0", datatype=DECIMAL)


@dataclass
class RecordSummary:
    iri: str
    passport: str
    version: str
    amount: Decimal
    inputs: list[QuantityValue]


@dataclass
class ValuationReport:
    """What a run did; ``dry_run``: what it would do."""

    date: date
    price_list: str
    created: list[RecordSummary] = field(default_factory=list)
    unchanged: int = 0
    activity: str | None = None
    dry_run: bool = False

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.created), Decimal(0))

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "price_list": self.price_list, "dry_run": self.dry_run,
                "created": len(self.created), "unchanged": self.unchanged, "activity": self.activity,
                "total_amount": str(self.total),
                "records": [{"record": r.iri, "passport": r.passport, "version": r.version,
                             "amount": str(r.amount)} for r in self.created]}


def _term(row, name: str) -> str | None:
    term = row[name]
    return term.value if term is not None else None


def _quantities(store: ox.Store, municipality: str | None) -> dict[str, tuple[str, str, dict[str, Quantity]]]:
    """Per passport: (version, municipality IRI, quantities by IRI), first row of a quantity counts."""
    bindings = {"municipality": ox.NamedNode(f"{MPV}municipality/{municipality}")} if municipality else {}
    found: dict[str, tuple[str, str, dict[str, Quantity]]] = {}
    for row in named_queries.solutions(store, "valuation-inputs", bindings):
        passport = row["passport"].value
        entry = found.get(passport)
        if entry is None:
            entry = found[passport] = (row["version"].value, row["municipality"].value, {})
        quantity = row["quantity"].value
        if quantity in entry[2]:
            continue
        material, unit = row["material"].value, _term(row, "unit")
        value = _number(row["value"])
        entry[2][quantity] = Quantity(
            quantity, material, value, unit, quantity_mass_kg(value, unit, material, _number(row["massKg"])),
            _term(row, "condition"), _number(row["index"]), _term(row, "strategy"), _term(row, "quality"))
    return found


def _number(term: ox.Term | None) -> Decimal | None:
    if term is None:
        return None
    try:
        return Decimal(term.value)
    except ArithmeticError:
        return None


def _record_quads(iri: str, passport: str, version: str, graph: ox.NamedNode, on: date, price_list: str,
                  model: str, currency: str, activity: ox.NamedNode, values: list[QuantityValue]) -> list[ox.Quad]:
    node = ox.NamedNode(iri)
    amount = sum((v.net for v in values), Decimal("0.00"))
    q = [ox.Quad(node, RDF_TYPE, ox.NamedNode(MP + "Valuation"), graph),
         ox.Quad(node, RDF_TYPE, ox.NamedNode(PROV + "Entity"), graph),
         ox.Quad(node, ox.NamedNode(MP + "valuationOf"), ox.NamedNode(passport), graph),
         ox.Quad(node, ox.NamedNode(MP + "valuedVersion"), ox.NamedNode(version), graph),
         ox.Quad(node, ox.NamedNode(PROV + "wasDerivedFrom"), ox.NamedNode(version), graph),
         ox.Quad(node, ox.NamedNode(DCTERMS + "date"), ox.Literal(on.isoformat(), datatype=ox.NamedNode(XSD + "date")),
                 graph),
         ox.Quad(node, ox.NamedNode(MP + "amount"), _dec(amount), graph),
         ox.Quad(node, ox.NamedNode(MP + "currency"), ox.Literal(currency), graph),
         ox.Quad(node, ox.NamedNode(MP + "valuationMethod"), MARKET, graph),
         ox.Quad(node, ox.NamedNode(MP + "priceList"), ox.NamedNode(price_list), graph),
         ox.Quad(node, ox.NamedNode(MP + "valuationModel"), ox.NamedNode(model), graph),
         ox.Quad(node, ox.NamedNode(PROV + "wasGeneratedBy"), activity, graph)]
    for i, v in enumerate(values, 1):
        inp = ox.NamedNode(f"{iri}#q{i}")
        q += [ox.Quad(node, ox.NamedNode(MP + "hasValuationInput"), inp, graph),
              ox.Quad(inp, RDF_TYPE, ox.NamedNode(MP + "ValuationInput"), graph),
              ox.Quad(inp, ox.NamedNode(MP + "valuedQuantity"), ox.NamedNode(v.quantity.iri), graph),
              ox.Quad(inp, ox.NamedNode(MP + "costs"), _dec(v.costs), graph),
              ox.Quad(inp, ox.NamedNode(MP + "netValue"), _dec(v.net), graph)]
        if v.quantity.mass_kg is not None:
            q.append(ox.Quad(inp, ox.NamedNode(MP + "inputMassKg"), _dec(v.quantity.mass_kg), graph))
        for name, factor in v.factors.items():
            q.append(ox.Quad(inp, ox.NamedNode(f"{MP}{name}Factor"), _dec(factor), graph))
        if v.entry is not None:
            q += [ox.Quad(inp, ox.NamedNode(MP + "priceEntry"), ox.NamedNode(v.entry.iri), graph),
                  ox.Quad(inp, ox.NamedNode(MP + "unitPrice"), _dec(v.entry.price), graph),
                  ox.Quad(inp, ox.NamedNode(MP + "priceUnit"), ox.NamedNode(v.entry.unit), graph),
                  ox.Quad(inp, ox.NamedNode(MP + "pricedAmount"), _dec(v.priced_amount), graph),
                  ox.Quad(inp, ox.NamedNode(MP + "grossValue"), _dec(v.gross), graph)]
        for en, nl in v.notes:
            q += [ox.Quad(inp, ox.NamedNode(RDFS + "comment"), ox.Literal(en, language="en"), graph),
                  ox.Quad(inp, ox.NamedNode(RDFS + "comment"), ox.Literal(nl, language="nl"), graph)]
    return q


def valuate(registry, on: date, *, municipality: str | None = None, price_list: str | None = None,
            dry_run: bool = False, agent: str | None = None, passports: Iterable[str] | None = None,
            progress: Callable[[int, int], None] | None = None, batch: int = BATCH) -> ValuationReport:
    """Value every current passport (of ``municipality``; only ``passports`` when given) on ``on``."""
    from registry.store.provenance import cli_agent

    store = registry.store
    base = registry.base
    info = choose_price_list(store, base, on, price_list)
    prices = load_price_list(store, info)
    factors = load_factors(store)
    report = ValuationReport(on, info.iri, dry_run=dry_run)
    found = _quantities(store, municipality)
    if passports is not None:
        wanted = set(passports)
        found = {p: v for p, v in found.items() if p in wanted}
    regions = {m.iri: frozenset({m.iri, f"{MPV}region/{m.region}"}) for m in load_municipalities().values()}
    activity = ox.NamedNode(f"{base}id/activity/{uuid.uuid4()}")
    prov = registry.provenance_graph
    pending: list[ox.Quad] = []
    started = now()
    for done, passport in enumerate(sorted(found), 1):
        version, municipality_iri, quantities = found[passport]
        iri = record_iri(passport, version, info.iri, on)
        graph = valuation_graph(base, municipality_iri.rsplit("/", 1)[-1])
        if ox.Quad(ox.NamedNode(iri), RDF_TYPE, ox.NamedNode(MP + "Valuation"), graph) in store:
            report.unchanged += 1
        else:
            places = regions.get(municipality_iri, frozenset({municipality_iri}))
            values = [value_quantity(quantities[k], prices, factors, on, places) for k in sorted(quantities)]
            summary = RecordSummary(iri, passport, version, sum((v.net for v in values), Decimal("0.00")), values)
            report.created.append(summary)
            if not dry_run:
                pending += _record_quads(iri, passport, version, graph, on, info.iri, factors.model,
                                         prices.currency, activity, values)
        if len(pending) >= batch * 20 or (done % batch == 0 and pending):
            _write(registry, pending)
            pending = []
        if progress and (done % 200 == 0 or done == len(found)):
            progress(done, len(found))
    if report.created and not dry_run:
        agent_node = ox.NamedNode(agent or cli_agent(base))
        pending += [ox.Quad(activity, RDF_TYPE, ox.NamedNode(PROV + "Activity"), prov),
                    ox.Quad(activity, ox.NamedNode(PROV + "startedAtTime"), started, prov),
                    ox.Quad(activity, ox.NamedNode(PROV + "endedAtTime"), now(), prov),
                    ox.Quad(activity, ox.NamedNode(PROV + "wasAssociatedWith"), agent_node, prov),
                    ox.Quad(activity, ox.NamedNode(PROV + "used"), ox.NamedNode(info.iri), prov),
                    ox.Quad(activity, ox.NamedNode(RDFS + "comment"),
                            ox.Literal(f"passports valuate --date {on.isoformat()}"), prov)]
        report.activity = activity.value
    if pending:
        _write(registry, pending)
    return report


def _write(registry, quads: list[ox.Quad]) -> None:
    """One transaction per batch: a record is stored whole or not at all."""
    registry._writable()
    with registry._storage("valuate"):
        registry.store.extend(quads)
    registry._bump_generation()


