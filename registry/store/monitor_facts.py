"""What the monitor aggregates (``monitor_index``) keep of one passport, read from its triples.

One function, :func:`monitor_facts`, used when a write adds a version (on the document's triples
with their registry-managed masses, before they are stored) and when the aggregates are rebuilt
from the store, so the two cannot disagree. It reads each quantity as the saved indicator queries
(``sparql/indicator-*.rq``) read it; tests/store/test_monitor_index.py compares every figure with
the saved query after each kind of write.

* mass: ``mp:massKg`` of the quantity (the registry derives it; see ``registry.model.mass``),
  kept as an integer number of grams (the registry rounds masses to the gram), so sums are exact;
* R-strategy: the part's ``mp:plannedRStrategy``, else the object's, else ``"none"``;
* detachability index: the part's ``mp:detachability/mp:detachabilityIndex``, else the object's;
* release: the part's ``mp:expectedRelease`` date (a ``xsd:gYear`` or a date: its year), else the
  object's, with the quality of the release the date came from (else ``"unknown"``);
* valuations recorded in the passport: ``?passport mp:describes ?o . ?o mp:valuation ?v`` with
  ``dcterms:date`` (and ``mp:amount``). Records of ``passports valuate`` are kept apart (they are
  not in the passport graph; ``monitor_index`` adds them when valuate writes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation, localcontext

import pyoxigraph as ox

from registry.model.vocab import CURRENT_VERSION, DCTERMS, GEO, MP, RDF, XSD
from registry.store.search_facts import by_subject
from registry.store.valuation_inputs import encode_inputs, quantities_in
from registry.store.void_facts import VoidFacts, void_facts

SCALE = Decimal(10) ** -18  # the store divides decimals to 18 decimals, truncated
NINE = 10 ** 9
GYEAR = XSD + "gYear"
DATES = (XSD + "date", XSD + "dateTime", XSD + "dateTimeStamp")
_P = {name: iri for name, iri in (
    ("type", RDF + "type"), ("municipality", MP + "municipality"), ("describes", MP + "describes"),
    ("quantity", MP + "hasMaterialQuantity"), ("material", MP + "material"), ("mass", MP + "massKg"),
    ("rstrategy", MP + "plannedRStrategy"), ("detachability", MP + "detachability"),
    ("index", MP + "detachabilityIndex"), ("release", MP + "expectedRelease"), ("date", MP + "releaseDate"),
    ("quality", MP + "releaseQuality"), ("valuation", MP + "valuation"), ("when", DCTERMS + "date"),
    ("amount", MP + "amount"), ("built", MP + "constructionYear"), ("lifeCycle", MP + "lifeCycleOrigin"),
    ("nature", MP + "materialNature"), ("origin", MP + "origin"), ("phase", MP + "materialPhase"),
    ("recycled", MP + "recycledContent"), ("geometry", GEO + "hasGeometry"), ("wkt", GEO + "asWKT"),
    ("version", CURRENT_VERSION.value))}
# The properties whose uses of each value (an IRI) the pages count (``registry.views.pages.vocabulary``
# ``SCHEME_PREDICATES``): the statements with it in a current passport's graph, kept per passport.
COUNTED = tuple(MP + name for name in (
    "plannedRStrategy", "projectPhase", "policyAngle", "theme", "material", "origin", "materialPhase",
    "dataQuality", "condition", "releaseQuality", "valuationMethod", "connectionType", "accessibility",
    "intersection", "productEdge"))
_P.update([(iri, iri) for iri in COUNTED if iri not in _P.values()])  # the others named by their IRI
_COUNTED_NAMES = {name: iri for name, iri in _P.items() if iri in COUNTED}
_NAMES = {iri: name for name, iri in _P.items()}


@dataclass
class QuantityRow:
    material: str | None  # IRI (a quantity without mp:material counts only where the query allows)
    grams: int | None  # mp:massKg in grams; None: no mass
    strategy: str  # IRI or "none"
    detachability: str | None  # the index as written (a decimal), None: not assessed
    release_year: int | None
    quality: str  # IRI or "unknown"
    # as recorded, for goal 2's origin axes (``monitor_figures.origin_axes``): IRIs, the content a decimal
    life_cycle: str | None = None
    nature: str | None = None
    origin: str | None = None
    phase: str | None = None
    recycled: str | None = None


@dataclass
class MonitorFacts:
    iri: str
    municipality: str = ""  # IRI
    built: int | None = None  # the first four characters of the object's mp:constructionYear
    obj: str = ""  # the IRI of the object the passport describes
    kinds: tuple[str, ...] = ()  # the object's rdf:type IRIs
    object_release: int | None = None  # the year of the object's own mp:expectedRelease (not a part's)
    wkt: str | None = None  # a geo:asWKT of the object's geometry (the saved queries take any one: SAMPLE)
    quantities: list[QuantityRow] = field(default_factory=list)
    valuations: list[tuple[str, str | None]] = field(default_factory=list)  # (date, canonical amount)
    uses: dict[tuple[str, str], int] = field(default_factory=dict)  # (property, IRI) -> statements (COUNTED)
    void: VoidFacts = field(default_factory=VoidFacts)  # the VoID figures and dates of the graph (``void_facts``)
    stored: VoidFacts | None = None  # the same with the managed triples the writer adds (``with_managed``)
    # what ``valuate`` reads (``valuation_inputs.quantities_in``, as ``encode_inputs`` writes it, made where the
    # facts are: in the validation worker of a long add; None: read it from the store), and the version it is
    # of (a managed triple: set by ``MonitorIndex.managed`` when a write adds the version)
    inputs: str | None = None
    version: str | None = None


def canonical_decimal(text: str) -> str | None:
    """``STR(xsd:decimal(x))`` as the store writes it: no exponent, no trailing zeros."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or "e" in text.lower():
        return None
    out = format(value, "f")
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def divide(a: Decimal, b: Decimal) -> Decimal | None:
    """``a / b`` as the store divides decimals: 18 decimals, truncated; None when ``b`` is zero, and
    (as pyoxigraph 0.5 does: its division of zero by a decimal with a fraction is an error) when
    ``a`` is zero and ``b`` is not a whole number."""
    if b == 0 or (a == 0 and b != b.to_integral_value()):
        return None
    with localcontext() as ctx:
        ctx.prec = 80
        return (a / b).quantize(SCALE, rounding=ROUND_DOWN)


def split_exact(value: Decimal) -> tuple[int, int, int]:
    """A decimal with at most 18 decimals as (units, first nine decimals, next nine decimals)."""
    scaled = int((value / SCALE).to_integral_value(rounding=ROUND_DOWN))
    sign = -1 if scaled < 0 else 1
    units, fraction = divmod(abs(scaled), 10 ** 18)
    high, low = divmod(fraction, NINE)
    return sign * units, sign * high, sign * low


def join_exact(units: int, high: int, low: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return Decimal(units) + Decimal(high) / NINE + Decimal(low) * SCALE


def grams(term: ox.Term) -> int | None:
    text = canonical_decimal(term.value) if isinstance(term, ox.Literal) else None
    if text is None:
        return None
    value = Decimal(text) * 1000
    return int(value) if value == value.to_integral_value() else None


def release_year(term: ox.Term) -> int | None:
    """Year of a release date: a ``xsd:gYear`` by its first four characters, a date by its year."""
    if not isinstance(term, ox.Literal):
        return None
    text, datatype = term.value, term.datatype.value
    if datatype == GYEAR:
        head = text[:4]
    elif datatype in DATES:  # YEAR() of anything else is an error in the query: no year
        head = text.lstrip("-")[:4]
    else:
        return None
    return int(head) if head.isdigit() else None


def first_of(p: dict[str, list[ox.Term]], name: str) -> ox.Term | None:
    return p.get(name, [None])[0]


def _value(p: dict[str, list[ox.Term]], name: str) -> str | None:
    term = first_of(p, name)
    return None if term is None else term.value


def _recycled(q: dict[str, list[ox.Term]]) -> str | None:
    term = first_of(q, "recycled")
    return None if term is None else canonical_decimal(term.value)


def monitor_facts(iri: str, triples: Iterable[ox.Triple | ox.Quad]) -> MonitorFacts | None:
    """The facts of passport ``iri``; None for a tombstone or a graph that is not a passport."""
    triples = triples if isinstance(triples, list) else list(triples)
    props = by_subject(triples, _NAMES)
    own = props.get(iri, {})
    if not any(o.value == MP + "Passport" for o in own.get("type", ())) or not own.get("describes"):
        return None
    facts = MonitorFacts(iri, own["municipality"][0].value if own.get("municipality") else "")
    facts.void = void_facts(iri, triples)
    facts.obj = own["describes"][0].value
    facts.version = _value(own, "version")
    facts.inputs = encode_inputs(quantities_in(triples, facts.obj), iri)
    obj = props.get(facts.obj, {})
    built = first_of(obj, "built")
    facts.built = int(built.value[:4]) if built is not None and built.value[:4].isdigit() else None
    facts.kinds = tuple(t.value for t in obj.get("type", ()))
    wkts = sorted(w.value for g in obj.get("geometry", ()) for w in props.get(g.value, {}).get("wkt", ()))
    facts.wkt = wkts[0] if wkts else None

    def index_of(p: dict[str, list[ox.Term]]) -> str | None:
        node = first_of(p, "detachability")
        value = first_of(props.get(node.value, {}), "index") if node is not None else None
        return canonical_decimal(value.value) if value is not None else None

    def release_of(p: dict[str, list[ox.Term]]) -> tuple[int | None, str] | None:
        node = first_of(p, "release")
        release = props.get(node.value, {}) if node is not None else {}
        date = first_of(release, "date")
        if date is None:
            return None
        quality = first_of(release, "quality")
        return release_year(date), quality.value if quality is not None else "unknown"

    obj_strategy = first_of(obj, "rstrategy")
    obj_index, obj_release = index_of(obj), release_of(obj)
    facts.object_release = obj_release[0] if obj_release else None
    for part in props.values():
        for quantity in part.get("quantity", ()):
            q = props.get(quantity.value, {})
            material, mass = first_of(q, "material"), first_of(q, "mass")
            strategy = first_of(part, "rstrategy") or obj_strategy
            index = index_of(part)
            year, quality = release_of(part) or obj_release or (None, "unknown")
            facts.quantities.append(QuantityRow(
                material.value if material is not None else None, grams(mass) if mass is not None else None,
                strategy.value if strategy is not None else "none", index if index is not None else obj_index,
                year, quality, _value(q, "lifeCycle"), _value(q, "nature"), _value(q, "origin"),
                _value(q, "phase"), _recycled(q)))
    uses = facts.uses
    for p in props.values():
        for name, objects in p.items():
            predicate = _COUNTED_NAMES.get(name)
            if predicate is not None:
                for o in objects:
                    if type(o) is ox.NamedNode:
                        key = (predicate, o.value)
                        uses[key] = uses.get(key, 0) + 1
    for valuation in obj.get("valuation", ()):
        v = props.get(valuation.value, {})
        amount = first_of(v, "amount")
        for when in v.get("when", ()):
            facts.valuations.append((when.value, canonical_decimal(amount.value) if amount is not None else None))
    return facts


__all__ = ["COUNTED", "MonitorFacts", "QuantityRow", "canonical_decimal", "divide", "grams", "join_exact", "monitor_facts",
           "release_year", "split_exact"]
