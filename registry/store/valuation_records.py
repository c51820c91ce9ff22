"""A valuation record of ``valuate`` (docs/valuation.md): its graph, its deterministic IRI, and its
statements as N-Quads lines (``record_lines``), as the records of a run are made in ``valuate``'s
thread or in its reading process (``valuation_reader``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

import pyoxigraph as ox

from registry.model.valuation import QuantityValue
from registry.model.vocab import DCTERMS, MP, MPV, PROV, RDF, RDFS, XSD

MARKET = f"<{MPV}valuationmethod/market>"
VALUATION = ox.NamedNode(MP + "Valuation")
P = {name: f"<{MP}{name}>" for name in (
    "Valuation", "valuationOf", "valuedVersion", "amount", "currency", "valuationMethod", "priceList",
    "valuationModel", "hasValuationInput", "ValuationInput", "valuedQuantity", "costs", "netValue", "inputMassKg",
    "conditionFactor", "detachabilityFactor", "releaseQualityFactor", "rStrategyFactor", "priceEntry", "unitPrice",
    "priceUnit", "pricedAmount", "grossValue")}
ENTITY, DERIVED_FROM, GENERATED_BY = (f"<{PROV}{n}>" for n in ("Entity", "wasDerivedFrom", "wasGeneratedBy"))
TYPE, DATE, COMMENT = f"<{RDF}type>", f"<{DCTERMS}date>", f"<{RDFS}comment>"


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


def _dec(x: Decimal) -> str:
    """An xsd:decimal literal in N-Triples syntax."""
    text = format(x, "f")
    return f'"{text if "." in text else text + ".0"}"^^<{XSD}decimal>'


@dataclass
class RecordSummary:
    iri: str
    passport: str
    version: str
    amount: Decimal
    inputs: list[QuantityValue]


def record_lines(iri: str, passport: str, version: str, graph: str, on: date, price_list: str,
                  model: str, currency: str, activity: str, values: list[QuantityValue]) -> list[str]:
    """The record as N-Quads lines (made here rather than as pyoxigraph terms: a third of the time of a
    run). Every IRI comes from the store or from this module, every literal is a number or is written
    by pyoxigraph (``str(ox.Literal)``), so the lines are always valid N-Quads."""
    amount = sum((v.net for v in values), Decimal("0.00"))
    g = f"<{graph}> .\n"
    s = f"<{iri}> "
    out = [f"{s}{TYPE} {P['Valuation']} {g}", f"{s}{TYPE} {ENTITY} {g}",
           f"{s}{P['valuationOf']} <{passport}> {g}", f"{s}{P['valuedVersion']} <{version}> {g}",
           f"{s}{DERIVED_FROM} <{version}> {g}", f'{s}{DATE} "{on.isoformat()}"^^<{XSD}date> {g}',
           f"{s}{P['amount']} {_dec(amount)} {g}", f"{s}{P['currency']} {ox.Literal(currency)} {g}",
           f"{s}{P['valuationMethod']} {MARKET} {g}", f"{s}{P['priceList']} <{price_list}> {g}",
           f"{s}{P['valuationModel']} <{model}> {g}", f"{s}{GENERATED_BY} <{activity}> {g}"]
    for i, v in enumerate(values, 1):
        inp = f"<{iri}#q{i}> "
        out += [f"{s}{P['hasValuationInput']} {inp}{g}", f"{inp}{TYPE} {P['ValuationInput']} {g}",
                f"{inp}{P['valuedQuantity']} <{v.quantity.iri}> {g}", f"{inp}{P['costs']} {_dec(v.costs)} {g}",
                f"{inp}{P['netValue']} {_dec(v.net)} {g}"]
        if v.quantity.mass_kg is not None:
            out.append(f"{inp}{P['inputMassKg']} {_dec(v.quantity.mass_kg)} {g}")
        out += [f"{inp}{P[name + 'Factor']} {_dec(factor)} {g}" for name, factor in v.factors.items()]
        if v.entry is not None:
            out += [f"{inp}{P['priceEntry']} <{v.entry.iri}> {g}", f"{inp}{P['unitPrice']} {_dec(v.entry.price)} {g}",
                    f"{inp}{P['priceUnit']} <{v.entry.unit}> {g}",
                    f"{inp}{P['pricedAmount']} {_dec(v.priced_amount)} {g}",
                    f"{inp}{P['grossValue']} {_dec(v.gross)} {g}"]
        out += [f"{inp}{COMMENT} {_note(en, 'en')} {g}{inp}{COMMENT} {_note(nl, 'nl')} {g}" for en, nl in v.notes]
    return out


@lru_cache(maxsize=4096)
def _note(text: str, lang: str) -> str:
    return str(ox.Literal(text, language=lang))



__all__ = ["RecordSummary", "record_iri", "record_lines", "valuation_graph", "valuation_prefix"]
