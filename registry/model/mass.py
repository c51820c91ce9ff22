"""The mass of every material quantity (docs/model.md, "Mass"): the one place Python code gets masses.

``derive`` turns one recorded quantity into kilograms, table-driven and pure: recorded as mass (kg, t)
it is converted; a volume is multiplied by the density, an area by a thickness and the density, a length
by a cross-section and the density, a count by a mass per piece. Each factor is the passport's own
(``mp:density``, ``mp:thickness``, ``mp:crossSection``, ``mp:massPerPiece``) or else a default from the
reference data (``registry.model.mass_tables``). The quality says how sure the mass is: a recorded mass
keeps the quantity's ``mp:dataQuality`` (measured when it gives none); a derived mass is "estimated"
when every factor came from the passport and "default" when a default was used; never better than the
recorded quantity's own quality. ``None`` when no derivation is possible (no density, no default size).

``mass_triples`` gives the registry-managed triples (``MANAGED_QUANTITY_PREDICATES``) for the triples
of one passport; the store writes them next to the recorded ones with every version.

>>> from registry.model.mass_tables import mass_tables
>>> m = derive(Quantity("concrete", Decimal("243.9"), "M3"), mass_tables())
>>> m.kg, m.quality, m.method
(Decimal('585360'), 'default', 'volume-density')
>>> m.derivation["en"]
'243.9 m³ × 2,400 kg/m³ = 585,360 kg (default density of Concrete: NEN-EN 1991-1-1:2002 (Eurocode 1), Annex A, Tables A.1-A.6)'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from registry.model.mass_tables import MassTables, RefValue, mass_tables
from registry.model.vocab import (
    MASS_DERIVATION,
    MASS_KG,
    MASS_METHOD,
    MASS_QUALITY,
    MP,
    MPV,
    QUDT,
    RDF_TYPE,
    UNIT,
    XSD,
)

__all__ = ["Mass", "Quantity", "derive", "mass_tables", "mass_triples", "quantities"]

GRAM = Decimal("0.001")
QUALITY_RANK = {"measured": 1, "estimated": 2, "default": 3}
DATA_QUALITY = MPV + "dataquality/"
MASS_METHOD_SCHEME = MPV + "massmethod/"
MATERIAL = MPV + "material/"
DECIMAL = ox.NamedNode(XSD + "decimal")
# unit local name -> (method, factors in order: (own property, reference table or "density", symbol))
METHODS: dict[str, tuple[str, tuple[str, ...]]] = {
    "KiloGM": ("recorded", ()),
    "TON_Metric": ("recorded", ()),
    "M3": ("volume-density", ("density",)),
    "M2": ("area-thickness-density", ("thickness", "density")),
    "M": ("length-section-density", ("section", "density")),
    "NUM": ("pieces-typical-mass", ("piece",)),
}
UNIT_SYMBOL = {"KiloGM": "kg", "TON_Metric": "t", "M3": "m³", "M2": "m²", "M": "m", "NUM": {"nl": "stuks", "en": "pieces"}}
FACTOR_SYMBOL = {"density": "kg/m³", "thickness": "m", "section": "m²", "piece": "kg"}
FACTOR_NAME = {  # (nl, en) of the default named in the derivation text
    "density": ("standaarddichtheid", "default density"),
    "thickness": ("standaarddikte", "default thickness"),
    "section": ("standaarddoorsnede", "default cross-section"),
    "piece": ("typische massa per stuk", "typical mass per piece"),
}
OWN_NAME = {"density": ("dichtheid", "density"), "thickness": ("dikte", "thickness"),
            "section": ("doorsnede", "cross-section"), "piece": ("massa per stuk", "mass per piece")}


@dataclass(frozen=True)
class Quantity:
    """One recorded quantity: material and unit as local names (``concrete``, ``M3``), the object kinds
    of its object (``Paving``), its ``mp:dataQuality`` (``measured``...) and the passport's own factors."""

    material: str
    value: Decimal
    unit: str
    kinds: tuple[str, ...] = ()
    quality: str | None = None
    density: Decimal | None = None
    thickness: Decimal | None = None
    section: Decimal | None = None
    piece: Decimal | None = None


@dataclass(frozen=True)
class Mass:
    kg: Decimal
    quality: str  # local name in mpv:dataquality
    method: str  # local name in mpv:massmethod
    derivation: dict[str, str]  # "nl" and "en"


def number(value: Decimal, lang: str) -> str:
    """A decimal as people read it: 2,400.5 in English, 2.400,5 in Dutch."""
    text = format(value.normalize(), ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,")) if lang == "nl" else text


def canonical(value: Decimal) -> str:
    """The lexical form the store keeps of an xsd:decimal (``120500``, ``403.2``), so that a derived
    mass compares equal to the stored one."""
    return format(value.normalize(), "f")


def _unit(unit: str, lang: str) -> str:
    symbol = UNIT_SYMBOL[unit]
    return symbol[lang] if isinstance(symbol, dict) else symbol


def _worst(*qualities: str | None) -> str:
    return max((q for q in qualities if q in QUALITY_RANK), key=QUALITY_RANK.__getitem__, default="measured")


def derive(q: Quantity, tables: MassTables) -> Mass | None:
    """The mass of ``q`` in kg with its quality, method and derivation text, or None."""
    known = METHODS.get(q.unit)
    if known is None or q.value is None:
        return None
    method, factors = known
    if method == "recorded":
        kg = q.value * (1000 if q.unit == "TON_Metric" else 1)
        quality = _worst(q.quality)
        texts = {lang: f"{number(q.value, lang)} {_unit(q.unit, lang)}"
                 + (f" = {number(kg.quantize(GRAM), lang)} kg" if q.unit != "KiloGM" else "")
                 + (" (vastgelegd)" if lang == "nl" else " (recorded)") for lang in ("nl", "en")}
        return Mass(kg.quantize(GRAM), quality, method, texts)
    kg = q.value
    used_default = False
    parts = {"nl": [f"{number(q.value, 'nl')} {_unit(q.unit, 'nl')}"],
             "en": [f"{number(q.value, 'en')} {_unit(q.unit, 'en')}"]}
    notes: dict[str, list[str]] = {"nl": [], "en": []}
    for factor in factors:
        own: Decimal | None = getattr(q, factor)
        ref: RefValue | None = None
        if own is None:
            ref = (_density(tables, q.material) if factor == "density"
                   else tables.lookup(factor, q.kinds, q.material))
            if ref is None:
                return None
            used_default = True
        value = own if own is not None else ref.value
        kg *= value
        for i, lang in enumerate(("nl", "en")):
            parts[lang].append(f"{number(value, lang)} {FACTOR_SYMBOL[factor]}")
            notes[lang].append(_note(factor, q, ref, tables, lang, i))
    kg = kg.quantize(GRAM)
    texts = {lang: " × ".join(parts[lang]) + f" = {number(kg, lang)} kg (" + "; ".join(notes[lang]) + ")"
             for lang in ("nl", "en")}
    return Mass(kg, _worst(q.quality, "default" if used_default else "estimated"), method, texts)


def _density(tables: MassTables, material: str) -> RefValue | None:
    return next((tables.density[m] for m in tables.materials(material) if m in tables.density), None)


def _note(factor: str, q: Quantity, ref: RefValue | None, tables: MassTables, lang: str, i: int) -> str:
    """Where one factor came from: the passport, or which default for what, with its citation."""
    if ref is None:
        return ("opgegeven in het paspoort: " if lang == "nl" else "given in the passport: ") + OWN_NAME[factor][i]
    of, for_ = ("van", "voor") if lang == "nl" else ("of", "for")
    subject = " ".join(x for x in (tables.label(ref.kind, lang).lower() if ref.kind else "",
                                    (f"{of} " if ref.kind else "") + tables.label(ref.material, lang).lower()
                                    if ref.material else "") if x)
    what = f"{FACTOR_NAME[factor][i]} {of if factor == 'density' else for_} {subject}" if subject else FACTOR_NAME[factor][i]
    return f"{what}: {ref.cite(lang)}"


# --- from a passport's triples -------------------------------------------------------------------------

MATERIAL_QUANTITY = ox.NamedNode(MP + "MaterialQuantity")
FIELDS = {
    ox.NamedNode(MP + "material"): "material",
    ox.NamedNode(QUDT + "numericValue"): "value",
    ox.NamedNode(QUDT + "unit"): "unit",
    ox.NamedNode(MP + "dataQuality"): "quality",
    ox.NamedNode(MP + "density"): "density",
    ox.NamedNode(MP + "thickness"): "thickness",
    ox.NamedNode(MP + "crossSection"): "section",
    ox.NamedNode(MP + "massPerPiece"): "piece",
}
DESCRIBES = ox.NamedNode(MP + "describes")
NUMBERS = ("value", "density", "thickness", "section", "piece")


def _decimal(term: ox.Term) -> Decimal | None:
    try:
        return Decimal(term.value) if isinstance(term, ox.Literal) else None
    except InvalidOperation:
        return None


def quantities(triples: Iterable[ox.Triple]) -> list[tuple[ox.NamedNode | ox.BlankNode, Quantity]]:
    """The material quantities among one passport's triples, each with its subject; the object kinds
    are the ``mp:`` types of what the passport ``mp:describes``."""
    found: dict = {}
    types: dict = {}
    described: list = []
    for t in triples:
        p = t.predicate
        name = FIELDS.get(p)
        if name is not None:
            found.setdefault(t.subject, {})[name] = t.object
        elif p == RDF_TYPE:
            types.setdefault(t.subject, []).append(t.object.value)
        elif p == DESCRIBES:
            described.append(t.object)
    kinds = tuple(iri[len(MP):] for o in described for iri in types.get(o, ()) if iri.startswith(MP))
    out = []
    for subject, fields in found.items():
        if MATERIAL_QUANTITY.value not in types.get(subject, ()):
            continue
        material, unit = fields.get("material"), fields.get("unit")
        if not (isinstance(material, ox.NamedNode) and material.value.startswith(MATERIAL)
                and isinstance(unit, ox.NamedNode) and unit.value.startswith(UNIT)):
            continue
        values = {n: _decimal(fields[n]) if n in fields else None for n in NUMBERS}
        if values["value"] is None:
            continue
        quality = fields.get("quality")
        out.append((subject, Quantity(
            material.value[len(MATERIAL):], values["value"], unit.value[len(UNIT):], kinds,
            quality.value[len(DATA_QUALITY):] if quality is not None and quality.value.startswith(DATA_QUALITY) else None,
            values["density"], values["thickness"], values["section"], values["piece"])))
    return out


def mass_triples(triples: Iterable[ox.Triple], tables: MassTables | None = None) -> list[ox.Triple]:
    """The registry-managed mass triples for the quantities among one passport's triples."""
    tables = tables or mass_tables()
    out: list[ox.Triple] = []
    for subject, q in quantities(triples):
        m = derive(q, tables)
        if m is None:
            continue
        out += [
            ox.Triple(subject, MASS_KG, ox.Literal(canonical(m.kg), datatype=DECIMAL)),
            ox.Triple(subject, MASS_QUALITY, ox.NamedNode(DATA_QUALITY + m.quality)),
            ox.Triple(subject, MASS_METHOD, ox.NamedNode(MASS_METHOD_SCHEME + m.method)),
            ox.Triple(subject, MASS_DERIVATION, ox.Literal(m.derivation["nl"], language="nl")),
            ox.Triple(subject, MASS_DERIVATION, ox.Literal(m.derivation["en"], language="en")),
        ]
    return out
