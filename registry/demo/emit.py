"""One planned object as its passport: N-Triples (or N-Quads) text.

Speed: pyoxigraph's ``Triple(s, p, o)`` costs ~0.3 us with an IRI object but ~2.7 us with a
literal object (the binding tries the other term kinds first and builds an error for each), so
each passport is written as N-Triples text (vocabulary terms pre-rendered, repeated labels cached)
and turned into terms by ``pyoxigraph.parse(..., lenient=True)``, ~1 us a statement. The base IRI
is checked once (``checked_base``); everything else in the text is built here from known-safe
parts.
"""

from __future__ import annotations

import pyoxigraph as ox

from registry.core.settings import DEFAULT_BASE
from registry.demo.builder import REFERENCE_YEAR, Asset, DemoError
from registry.demo.recipes import KINDS
from registry.model.reference import Material
from registry.model.vocab import DCTERMS, GEO, MP, MPV, QUDT, RDF, RDFS, UNIT, XSD

RD_NEW = "http://www.opengis.net/def/crs/EPSG/0/28992"
_UNIT_IRI = {"t": "TON_Metric", "kg": "KiloGM", "m3": "M3", "m2": "M2", "m": "M", "st": "NUM"}
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _quoted(text: str) -> str:
    """``text`` as an N-Triples string literal."""
    return f'"{text.translate(_ESCAPES)}"'


class _Concepts(dict):
    """``<mpv:{scheme}/{local}>`` in N-Triples form, made on first use."""

    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix

    def __missing__(self, local) -> str:
        node = self[local] = f"<{self.prefix}{local}>"
        return node


class Vocab:
    """The vocabulary's terms in N-Triples form, and caches of repeated literals."""

    def __init__(self):
        self.type = f"<{RDF}type>"
        self.label = f"<{RDFS}label>"
        self.identifier = f"<{DCTERMS}identifier>"
        self.title = f"<{DCTERMS}title>"
        self.date = f"<{DCTERMS}date>"
        self.as_wkt = f"<{GEO}asWKT>"
        self.has_geometry = f"<{GEO}hasGeometry>"
        self.geometry = f"<{GEO}Geometry>"
        self.numeric_value = f"<{QUDT}numericValue>"
        self.unit = f"<{QUDT}unit>"
        for local in ("Passport", "Component", "MaterialQuantity", "DetachabilityAssessment",
                      "ExpectedRelease", "Valuation", "municipality", "describes", "projectPhase",
                      "policyAngle", "predecessor", "sourceIdentifier", "owner", "maintainer",
                      "constructionYear", "condition", "plannedRStrategy", "expectedRelease",
                      "hasComponent", "valuation", "releaseDate", "releaseQuality", "detachability",
                      "connectionType", "accessibility", "intersection", "productEdge",
                      "detachabilityIndex", "hasMaterialQuantity", "material", "dataQuality",
                      "origin", "materialPhase", "recycledContent", "derivedFrom", "amount",
                      "currency", "valuationMethod", "priceSource"):
            setattr(self, local, f"<{MP}{local}>")
        self.kinds = {k.cls: f"<{MP}{k.cls}>" for k in KINDS}
        self.units = {k: f"<{UNIT}{v}>" for k, v in _UNIT_IRI.items()}
        for scheme in ("municipality", "organisation", "phase", "policyangle", "rstrategy",
                       "condition", "releasequality", "material", "dataquality", "origin",
                       "materialphase", "valuationmethod", "connectiontype", "accessibility",
                       "intersection", "productedge"):
            setattr(self, "c_" + scheme, _Concepts(f"{MPV}{scheme}/"))
        self.factor_predicates = (self.connectionType, self.accessibility, self.intersection,
                                  self.productEdge)
        self.factor_schemes = (self.c_connectiontype, self.c_accessibility, self.c_intersection,
                               self.c_productedge)
        self.decimal = f"^^<{XSD}decimal>"
        self.date_type = f"^^<{XSD}date>"
        self.gyear = f"^^<{XSD}gYear>"
        self.wkt = f"^^<{GEO}wktLiteral>"
        self.eur = '"EUR"'
        self._nl: dict[str, str] = {}
        self._en: dict[str, str] = {}

    def nl(self, text: str) -> str:
        lit = self._nl.get(text)
        if lit is None:
            lit = self._nl[text] = _quoted(text) + "@nl"
        return lit

    def en(self, text: str) -> str:
        lit = self._en.get(text)
        if lit is None:
            lit = self._en[text] = _quoted(text) + "@en"
        return lit


def decimal_text(value: float) -> str:
    """A decimal lexical form with sensible precision (never exponent notation)."""
    if value >= 100:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}" if value >= 0.001 else f"{value:.6f}"


def emit_passport(a: Asset, base: str, V: Vocab, materials: dict[str, Material], source: str,
                  graph: bool) -> tuple[str, str]:
    """The passport of one asset: its IRI and its statements as N-Triples (or N-Quads) text.

    Statements are grouped by subject (passport, object, geometry, release, then each component
    with its assessment and quantities, then the valuations) so Turtle output stays readable.
    Text parsed by pyoxigraph is the cheapest way to many terms: ``Triple(s, p, literal)`` costs
    ~2.7 us in the bindings (they try the other term kinds first), a parsed statement ~1 us.
    """
    tail = f"{a.gm}/{a.key}"
    idb = f"{base}id/"
    passport_iri = f"{idb}passport/{tail}"
    P = f"<{passport_iri}>"
    e = f" {P} .\n" if graph else " .\n"
    O = f"<{idb}object/{tail}>"
    G = f"<{idb}geometry/{tail}>"
    R = f"<{idb}release/{tail}>"
    T = V.type
    gm = V.c_municipality[a.gm]
    label_nl = f"{a.noun_nl} {a.street}"
    label_en = f"{a.noun_en} {a.street}"
    out = [(
        f"{P} {T} {V.Passport}{e}"
        f'{P} {V.identifier} "{a.key}"{e}'
        f"{P} {V.title} {V.nl('Materialenpaspoort ' + label_nl)}{e}"
        f"{P} {V.title} {V.en('Material passport ' + label_en)}{e}"
        f"{P} {V.municipality} {gm}{e}"
        f"{P} {V.describes} {O}{e}"
        f"{P} {V.projectPhase} {V.c_phase[a.phase]}{e}"
        f"{P} {V.policyAngle} {V.c_policyangle[a.angle]}{e}"
        f"{O} {T} {V.kinds[a.kind.cls]}{e}"
        f"{O} {V.label} {V.nl(label_nl)}{e}"
        f"{O} {V.label} {V.en(label_en)}{e}"
        f'{O} {V.sourceIdentifier} "{a.kind.code}-{a.number:06d}"{e}'
        f"{O} {V.owner} {gm}{e}"
        f"{O} {V.maintainer} {V.c_organisation[a.maintainer] if a.maintainer else gm}{e}"
        f"{O} {V.plannedRStrategy} {V.c_rstrategy[a.strategy]}{e}"
        f"{O} {V.has_geometry} {G}{e}"
        f"{O} {V.expectedRelease} {R}{e}"
    )]
    add = out.append
    if a.year <= REFERENCE_YEAR:  # a planned object (design and earlier) has no construction year yet
        add(f'{O} {V.constructionYear} "{a.year}"{V.gyear}{e}')
    if a.predecessor:
        add(f"{P} {V.predecessor} <{idb}passport/{a.gm}/{a.predecessor}>{e}")
    if a.condition is not None:
        add(f"{O} {V.condition} {V.c_condition[a.condition]}{e}")
    comp_base = f"<{idb}component/{tail}/"
    det_base = f"<{idb}detachability/{tail}/"
    qty_base = f"<{idb}quantity/{tail}/"
    val_base = f"<{idb}valuation/{tail}/"
    has_component = V.hasComponent
    for parent, p in a.flat:
        if parent is None:
            add(f"{O} {has_component} {comp_base}{p.slug}>{e}")
    valuation = V.valuation
    for year, _, _ in a.valuations:
        add(f"{O} {valuation} {val_base}{year}>{e}")
    if a.rd:
        wkt = f'"<{RD_NEW}> POINT({a.x:.2f} {a.y:.2f})"{V.wkt}'
    else:
        wkt = f'"POINT({a.lon:.6f} {a.lat:.6f})"{V.wkt}'
    add(f"{G} {T} {V.geometry}{e}"
        f"{G} {V.as_wkt} {wkt}{e}"
        f"{R} {T} {V.ExpectedRelease}{e}"
        f'{R} {V.releaseDate} "{a.release_year}-{a.release_month:02d}-01"{V.date_type}{e}'
        f"{R} {V.releaseQuality} {V.c_releasequality[a.release_quality]}{e}")
    c_material, c_quality, c_origin, c_mphase = V.c_material, V.c_dataquality, V.c_origin, V.c_materialphase
    units, decimal = V.units, V.decimal
    component, label, strategy, has_quantity = V.Component, V.label, V.plannedRStrategy, V.hasMaterialQuantity
    quantity_type, c_rstrategy = V.MaterialQuantity, V.c_rstrategy
    for _, p in a.flat:
        C = f"{comp_base}{p.slug}>"
        add(f"{C} {T} {component}{e}"
            f"{C} {label} {V.nl(p.nl)}{e}"
            f"{C} {label} {V.en(p.en)}{e}"
            f"{C} {strategy} {c_rstrategy[p.strategy]}{e}")
        for child in p.children:
            add(f"{C} {has_component} {comp_base}{child.slug}>{e}")
        for am in p.amounts:
            add(f"{C} {has_quantity} {qty_base}{am.slug}>{e}")
        if p.factors:
            D = f"{det_base}{p.slug}>"
            (_, f1), (_, f2), (_, f3), (_, f4) = p.factors
            add(f"{C} {V.detachability} {D}{e}"
                f"{D} {T} {V.DetachabilityAssessment}{e}"
                f"{D} {V.connectionType} {V.c_connectiontype[f1]}{e}"
                f"{D} {V.accessibility} {V.c_accessibility[f2]}{e}"
                f"{D} {V.intersection} {V.c_intersection[f3]}{e}"
                f"{D} {V.productEdge} {V.c_productedge[f4]}{e}"
                f'{D} {V.detachabilityIndex} "{p.index:.2f}"{decimal}{e}')
        for am in p.amounts:
            Q = f"{qty_base}{am.slug}>"
            if am.emit_natural:
                value, unit = am.value, am.unit
            elif am.mass_t >= 1:
                value, unit = am.mass_t, "t"
            else:
                value, unit = am.mass_t * 1000.0, "kg"
            add(f"{Q} {T} {quantity_type}{e}"
                f"{Q} {V.material} {c_material[am.material]}{e}"
                f'{Q} {V.numeric_value} "{decimal_text(value)}"{decimal}{e}'
                f"{Q} {V.unit} {units[unit]}{e}"
                f"{Q} {V.dataQuality} {c_quality[am.quality]}{e}"
                f"{Q} {V.origin} {c_origin[am.origin]}{e}"
                f"{Q} {V.materialPhase} {c_mphase[am.mphase]}{e}")
            if am.recycled is not None:
                add(f'{Q} {V.recycledContent} "{am.recycled:.2f}"{decimal}{e}')
            if not am.emit_natural:
                # only numbers, material keys and a file name: nothing to escape
                measure = f"{decimal_text(am.value)} {am.unit}"
                if am.unit == "m2":
                    measure += f" x {am.factor:.4g} m"
                elif am.unit == "m":
                    measure += f" x {am.factor:.4g} m2"
                add(f'{Q} {V.derivedFrom} "{measure} x {materials[am.material].density:g} kg/m3 '
                    f'(mp:defaultDensity of mpv:material/{am.material}, {source})"{e}')
    for year, method, amount in a.valuations:
        W = f"{val_base}{year}>"
        add(f"{W} {T} {V.Valuation}{e}"
            f'{W} {V.amount} "{amount:.2f}"{decimal}{e}'
            f"{W} {V.currency} {V.eur}{e}"
            f'{W} {V.date} "{year}-01-01"{V.date_type}{e}'
            f"{W} {V.valuationMethod} {V.c_valuationmethod[method]}{e}"
            f'{W} {V.priceSource} "Indicatieve marktprijzen per ton (standaardprijs van elk materiaal), '
            f'prijspeil {year}"@nl{e}'
            f'{W} {V.priceSource} "Indicative market prices per tonne (default price of each material), '
            f'price level {year}"@en{e}')
    return passport_iri, "".join(out)


def checked_base(base: str) -> str:
    """``base`` with a final ``/``, checked once so that the IRIs built on it need no checking."""
    if not base.endswith("/"):
        base += "/"
    try:
        ox.NamedNode(base + "id/")
    except ValueError as e:
        raise DemoError(f"base {base!r} is not an absolute IRI (e.g. {DEFAULT_BASE}): {e}",
                        message_nl=f"basis {base!r} is geen absolute IRI (bijv. {DEFAULT_BASE}): {e}") from None
    if any(c in base for c in '<>"{}|^`\\ '):
        raise DemoError(f"base {base!r} contains characters not allowed in an IRI",
                        message_nl=f"basis {base!r} bevat tekens die in een IRI niet mogen")
    return base
