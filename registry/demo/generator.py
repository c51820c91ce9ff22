"""Seeded, deterministic demo passports for the municipalities of Twente and Stedendriehoek.

``generate(size, seed)`` yields ``(passport IRI, triples)`` one passport at a time (constant
memory, so a million passports stream straight into a file or a store); ``write`` serialises them
with ``pyoxigraph.serialize`` (N-Quads/TriG with one named graph per passport, Turtle, N-Triples;
gzip when the path ends in ``.gz``); ``write_csv`` writes the same objects as the flat
asset-register export (one row per material quantity) that municipalities hold in their GBI.

Data, not code:

- municipalities (CBS code, name, region, ``mp:bbox``, ``mp:centroid``) come from
  ``ontology/organisations.ttl``;
- material densities and prices (``mp:defaultDensity``, ``mp:defaultPricePerTonne``) and Dutch
  names come from ``ontology/materials.ttl``; only when that file is absent does the tiny
  ``_FALLBACK_MATERIALS`` table below stand in;
- the scores of the detachability concepts (``mp:score`` of ``mpv:connectiontype/...``,
  ``mpv:accessibility/...``, ``mpv:intersection/...``, ``mpv:productedge/...``) come from whichever
  ``ontology/*.ttl`` file defines them; a component's accessibility, intersection and product
  edge are picked by rank of score (good / medium / poor), so the concept names are data too.

What *is* code: the recipes of the object kinds (which components, which materials, plausible
dimensions), service lives, and the distributions of phases, conditions and origins.

Speed: pyoxigraph's ``Triple(s, p, o)`` costs ~0.3 us with an IRI object but ~2.7 us with a
literal object (the binding tries the other term kinds first and builds an error for each), so
each passport is written as N-Triples text (vocabulary terms pre-rendered, repeated labels cached)
and turned into terms by ``pyoxigraph.parse(..., lenient=True)``, ~1 us a statement. The base IRI
is checked once; everything else in the text is built here from known-safe parts.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import os
import random
import re
import subprocess
import sys
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from registry.core.settings import DEFAULT_BASE
from registry.core.resources import ONTOLOGY_DIR, PACKAGES_DIR
from registry.model.vocab import DCTERMS, GEO, MP, MPV, PREFIXES, QUDT, RDF, RDFS, UNIT, XSD

REFERENCE_YEAR = 2026
"""The 'now' of the demo data: latest valuation year, age of objects (fixed for reproducibility)."""

ORGANISATIONS_FILE = ONTOLOGY_DIR / "organisations.ttl"
MATERIALS_FILE = ONTOLOGY_DIR / "materials.ttl"
RD_NEW = "http://www.opengis.net/def/crs/EPSG/0/28992"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOS_NOTATION = SKOS + "notation"
SKOS_PREFLABEL = SKOS + "prefLabel"

# --------------------------------------------------------------------------------------------
# Reference data read from the ontology
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    region: str  # local name of mpv:region/..., e.g. "twente"
    bbox: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max (WGS84)
    centroid: tuple[float, float]  # lon, lat

    @property
    def iri(self) -> str:
        return f"{MPV}municipality/{self.code}"

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 <= lon <= x1 and y0 <= lat <= y1


@dataclass(frozen=True)
class Material:
    key: str  # local name of mpv:material/...
    name_nl: str
    density: float  # kg/m3
    price: float  # EUR per tonne


# Used only when ontology/materials.ttl does not exist: (Dutch name, density kg/m3, EUR/t).
# Deliberately small and rough; the ontology's values win as soon as the file is there.
_FALLBACK_MATERIALS = {
    "concrete": ("beton", 2400, 12), "recycled-concrete": ("beton met betongranulaat", 2350, 12),
    "asphalt": ("asfalt", 2350, 10), "clinker": ("gebakken klinkers", 2000, 90),
    "natural-stone": ("natuursteen", 2700, 120), "steel": ("staal", 7850, 300),
    "stainless-steel": ("roestvast staal", 7900, 1200), "aluminium": ("aluminium", 2700, 1400),
    "cast-iron": ("gietijzer", 7200, 250), "hardwood": ("hardhout", 1000, 400),
    "softwood": ("naaldhout", 500, 80), "certified-timber": ("gecertificeerd hout", 600, 150),
    "pvc": ("pvc", 1400, 250), "pp": ("polypropyleen", 900, 300), "hdpe": ("hdpe", 950, 350),
    "recycled-plastic": ("gerecycled kunststof", 950, 200), "glass": ("glas", 2500, 40),
    "soil": ("grond", 1700, 5), "sand": ("zand", 1600, 10), "granulate": ("granulaat", 1500, 8),
    "textile": ("geotextiel", 300, 50), "hemp": ("hennep", 110, 150), "straw": ("stro", 110, 80),
    "copper": ("koper", 8900, 6500), "zinc": ("zink", 7140, 1800), "bitumen": ("bitumen", 1050, 0.5),
    "rubber": ("rubber", 950, 60), "stone-wool": ("steenwol", 40, 0.5),
}

_FACTOR_SCHEMES = ("connectiontype", "accessibility", "intersection", "productedge")

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _wkt_numbers(wkt: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(wkt.split(">")[-1])]


@lru_cache(maxsize=4)
def load_municipalities(path: Path = ORGANISATIONS_FILE) -> dict[str, Municipality]:
    """The municipalities of ``organisations.ttl`` by CBS code, sorted by code."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} is missing: the demo generator reads the municipalities "
                                "(CBS code, region, mp:bbox) from it")
    rows: dict[str, dict] = {}
    municipality_class = MP + "Municipality"
    typed: set[str] = set()
    wanted = {SKOS_NOTATION: "code", MP + "region": "region", MP + "bbox": "bbox",
              MP + "centroid": "centroid", SKOS_PREFLABEL: "name"}
    for t in ox.parse(path=str(path)):
        s = t.subject.value
        p = t.predicate.value
        if p == RDF + "type" and t.object.value == municipality_class:
            typed.add(s)
        field_name = wanted.get(p)
        if field_name is None:
            continue
        if field_name == "name" and getattr(t.object, "language", None) != "nl":
            continue
        rows.setdefault(s, {})[field_name] = t.object.value
    out = {}
    for s in sorted(typed):
        r = rows.get(s, {})
        missing = [k for k in ("code", "region", "bbox", "centroid", "name") if k not in r]
        if missing:
            raise ValueError(f"{path}: municipality {s} lacks {', '.join(missing)}; give it "
                             "skos:notation, skos:prefLabel @nl, mp:region, mp:bbox and mp:centroid")
        xs = _wkt_numbers(r["bbox"])
        lons, lats = xs[0::2], xs[1::2]
        c = _wkt_numbers(r["centroid"])
        out[r["code"]] = Municipality(r["code"], r["name"], r["region"].rsplit("/", 1)[-1],
                                      (min(lons), min(lats), max(lons), max(lats)), (c[0], c[1]))
    if not out:
        raise ValueError(f"{path} defines no mp:Municipality")
    return dict(sorted(out.items()))


@lru_cache(maxsize=4)
def load_materials(path: Path = MATERIALS_FILE) -> tuple[dict[str, Material], str]:
    """Materials with density and price, and where they came from (the file, or 'fallback')."""
    if not Path(path).exists():
        return ({k: Material(k, nl, float(d), float(p)) for k, (nl, d, p) in _FALLBACK_MATERIALS.items()},
                "fallback")
    prefix = MPV + "material/"
    found: dict[str, dict] = {}
    for t in ox.parse(path=str(path)):
        s = t.subject.value
        if not s.startswith(prefix):
            continue
        p = t.predicate.value
        key = s[len(prefix):]
        if p == MP + "defaultDensity":
            found.setdefault(key, {})["density"] = float(t.object.value)
        elif p == MP + "defaultPricePerTonne":
            found.setdefault(key, {})["price"] = float(t.object.value)
        elif p == SKOS_PREFLABEL and getattr(t.object, "language", None) == "nl":
            found.setdefault(key, {})["nl"] = t.object.value
    out = {}
    for key, v in found.items():
        if "density" in v and "price" in v:
            out[key] = Material(key, v.get("nl", key), v["density"], v["price"])
    return out, str(path)


@lru_cache(maxsize=4)
def load_factor_scores(ontology_dir: Path = ONTOLOGY_DIR) -> dict[str, dict[str, float]]:
    """Scores (mp:score) of the detachability factor concepts, by scheme and local name."""
    found: dict[str, dict[str, float]] = {s: {} for s in _FACTOR_SCHEMES}
    score = MP + "score"
    for f in sorted(Path(ontology_dir).glob("*.ttl")):
        for t in ox.parse(path=str(f)):
            if t.predicate.value != score or not t.subject.value.startswith(MPV):
                continue
            scheme, _, local = t.subject.value[len(MPV):].partition("/")
            if scheme in found and local:
                found[scheme][local] = float(t.object.value)
    empty = [s for s, v in found.items() if not v]
    if empty:
        raise ValueError(f"no concepts with mp:score for mpv:{', mpv:'.join(empty)} in {ontology_dir}/*.ttl: "
                         "the demo needs the detachability factors of the ontology")
    return found


def detachability_index(scores: Iterable[float]) -> float:
    """The detachability index (*losmaakbaarheidsindex*) of one component from its factor scores.

    Harmonic mean of the four factor scores (connection type, accessibility, intersection,
    product edge), each 0.1..1.0: ``LI = n / sum(1 / f_i)``. The harmonic mean lets the weakest
    factor weigh most, which is how the Dutch method v2.0 (Van Vliet et al., DGBC 2021) describes
    its product-level formula; we are not certain that the published formula is exactly this
    one-stage harmonic mean rather than a two-stage one (connection and composition first), so
    change this function if the normative text says otherwise. Rounded to two decimals.
    """
    values = [max(float(s), 0.01) for s in scores]
    if not values:
        raise ValueError("a detachability index needs at least one factor score")
    return round(len(values) / sum(1.0 / v for v in values), 2)


# --------------------------------------------------------------------------------------------
# Intermediate model: one object with its components and material quantities
# --------------------------------------------------------------------------------------------


class _Amount:
    """One material in one component: the measured quantity and the mass derived from it."""

    __slots__ = ("emit_natural", "factor", "mass_t", "material", "mphase", "origin", "quality", "recycled",
                 "slug", "unit", "value")

    def __init__(self, material, value, unit, mass_t, factor, emit_natural, quality, origin,
                 mphase, recycled):
        self.material = material
        self.value = value  # natural measure as recorded in the asset register
        self.unit = unit  # "m3", "m2", "m", "st", "kg", "t"
        self.mass_t = mass_t
        self.factor = factor  # m3 per unit: layer thickness (m) for m2, cross-section (m2) for m
        self.emit_natural = emit_natural
        self.quality = quality
        self.origin = origin
        self.mphase = mphase
        self.recycled = recycled
        self.slug = ""


class _Part:
    __slots__ = ("amounts", "children", "connection", "en", "factors", "index", "level", "nl", "slug",
                 "strategy")

    def __init__(self, slug, nl, en, strategy, connection, level):
        self.slug = slug
        self.nl = nl
        self.en = en
        self.strategy = strategy
        self.connection = connection  # None: no detachability assessment (e.g. a living tree)
        self.level = level  # 0 good, 1 medium, 2 poor: picks accessibility/intersection/edge
        self.amounts: list[_Amount] = []
        self.children: list[_Part] = []
        self.factors: list[tuple[str, str]] = []  # (scheme, concept) of the four factors
        self.index = 0.0


class _Asset:
    __slots__ = ("angle", "condition", "flat", "gm", "key", "kind", "lat", "lon", "maintainer", "noun_en",
                 "noun_nl", "number", "parts", "phase", "predecessor", "rd", "release_month",
                 "release_quality", "release_year", "strategy", "street", "valuations", "x", "y", "year")


_ORIGIN_NL = {"primary": "primair", "secondary": "secundair (hergebruikt)", "recycled": "gerecycled",
              "biobased": "biobased", "renewable": "hernieuwbaar"}
_BIOBASED = frozenset({"hardwood", "softwood", "certified-timber", "timber", "hemp", "flax", "straw"})
_REUSABLE = frozenset({"clinker", "natural-stone", "concrete", "steel", "hardwood", "cast-iron"})
_CONDITION_FACTOR = {None: 1.0, 1: 1.0, 2: 0.95, 3: 0.85, 4: 0.7, 5: 0.5, 6: 0.3}


class _Builder:
    """What a recipe uses to add components and material quantities to one object."""

    __slots__ = ("assess", "circular", "flat", "materials", "parts", "r", "value", "year")

    def __init__(self, r: random.Random, materials: dict[str, Material], year: int, assess=None):
        self.r = r
        self.materials = materials
        self.year = year
        self.assess = assess  # (connection, level) -> (factors, index), or None
        self.value = 0.0  # EUR at today's indicative prices, before condition
        # newer objects (and planned ones, tendered with circular criteria) use more secondary,
        # recycled and biobased material
        self.circular = 0.05 if year < 2000 else (0.15 if year < 2018 else 0.35)
        self.parts: list[_Part] = []
        self.flat: list[tuple[_Part | None, _Part]] = []  # (parent, part), parents first

    def part(self, slug, nl, en, strategy, connection, level, parent: _Part | None = None) -> _Part:
        p = _Part(slug if parent is None else f"{parent.slug}-{slug}", nl, en, strategy, connection,
                  level)
        (self.parts if parent is None else parent.children).append(p)
        self.flat.append((parent, p))
        if connection is not None and self.assess is not None:
            p.factors, p.index = self.assess(connection, level)
        return p

    def _add(self, part: _Part, a: _Amount, price: float) -> _Amount:
        a.slug = f"{part.slug}-{a.material}"
        if any(other.material == a.material for other in part.amounts):
            a.slug += f"-{len(part.amounts) + 1}"
        part.amounts.append(a)
        self.value += a.mass_t * price
        return a

    def _origin(self, material: str, reusable: bool):
        r = self.r
        if material in _BIOBASED:
            return "biobased", "new", None
        if material in ("granulate", "recycled-plastic"):
            return "recycled", "new", 1.0
        if material == "recycled-concrete":
            return "recycled", "new", round(r.uniform(0.3, 0.6), 2)
        if reusable and material in _REUSABLE and r.random() < self.circular:
            return "secondary", ("second-use" if r.random() < 0.8 else "third-use-or-later"), None
        if material == "asphalt":
            rc = round(r.uniform(0.2, 0.6), 2) if self.year >= 1995 else 0.0
            return ("recycled" if rc >= 0.5 else "primary"), "new", rc or None
        if material in ("steel", "aluminium") and r.random() < 0.3:
            return "primary", "new", round(r.uniform(0.2, 0.7), 2)
        return "primary", "new", None

    def volume(self, part: _Part, material: str, m3: float, *, reusable=False):
        """A material the register records as a volume (m3)."""
        return self._measured(part, material, m3, "m3", 0.0, m3, reusable)

    def area(self, part: _Part, material: str, m2: float, thickness: float, *, reusable=False):
        """A layer the register records as an area (m2) with its thickness (m)."""
        m2 = round(m2, 1)
        return self._measured(part, material, m2, "m2", thickness, m2 * thickness, reusable)

    def length(self, part: _Part, material: str, m: float, section: float, *, reusable=False):
        """A linear element the register records as a length (m) with its cross-section (m2)."""
        m = round(m, 1)
        return self._measured(part, material, m, "m", section, m * section, reusable)

    def _measured(self, part, material, value, unit, factor, m3, reusable):
        mat = self.materials[material]
        origin, mphase, rc = self._origin(material, reusable)
        emit_natural = self.r.random() < 0.15  # the register's own measure, not converted
        return self._add(part, _Amount(material, value, unit, m3 * mat.density / 1000.0, factor,
                                       emit_natural, "measured" if emit_natural else "estimated",
                                       origin, mphase, rc), mat.price)

    def mass(self, part: _Part, material: str, kg: float, *, reusable=False, count=None):
        """A material given as a mass (delivery note, weighing or product catalogue)."""
        origin, mphase, rc = self._origin(material, reusable)
        quality = "default" if count is not None or self.r.random() < 0.3 else "measured"
        unit, value = ("t", kg / 1000.0) if kg >= 1000 else ("kg", kg)
        return self._add(part, _Amount(material, value, unit, kg / 1000.0, 0.0, True, quality, origin,
                                       mphase, rc), self.materials[material].price)


# --------------------------------------------------------------------------------------------
# Random picks (cheaper per call than the random module's; the recipes make many of them)
# --------------------------------------------------------------------------------------------


def _cumulative(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _randint(r: random.Random, low: int, high: int) -> int:
    """``r.randint(low, high)``, cheaper per call."""
    return low + int(r.random() * (high - low + 1))


@lru_cache(maxsize=256)
def _cumulative_of(weights: tuple) -> list[float]:
    return _cumulative(weights)


def _weighted(r: random.Random, items: tuple, weights: tuple):
    """``r.choices(items, weights)[0]``, cheaper per call."""
    return _pick(r, items, _cumulative_of(weights))


def _choice(r: random.Random, items):
    """``r.choice(items)``, cheaper per call (one ``random()``, no rejection sampling)."""
    return items[int(r.random() * len(items))]


def _pick(r: random.Random, items, cum: list[float]):
    """A weighted choice (like ``random.choices`` with cum_weights, but cheaper per call)."""
    return items[bisect_right(cum, r.random() * cum[-1])]


# --------------------------------------------------------------------------------------------
# Recipes of the object kinds
# --------------------------------------------------------------------------------------------


def _bridge(b: _Builder):
    r = b.r
    variant = _weighted(r, ("road", "cycle", "foot"), (5, 3, 2))
    if variant == "road":
        span, width = r.uniform(8, 35), r.uniform(6, 14)
        prefab = r.random() < 0.4
        deck = b.part("deck", "Brugdek", "Bridge deck", "R3" if prefab else "R8",
                      "dry" if prefab else "cast", 1 if prefab else 2)
        b.volume(deck, "concrete", span * width * r.uniform(0.45, 0.7), reusable=prefab)
        rail = b.part("railing", "Leuning", "Railing", "R3", "bolt", 0, deck)
        b.mass(rail, "steel", 2 * span * r.uniform(25, 45), reusable=True)
        wear = b.part("wearing-course", "Slijtlaag", "Wearing course", "R8", "chemical", 2, deck)
        b.area(wear, "asphalt", span * width, round(r.uniform(0.04, 0.08), 2))
    elif variant == "cycle":
        span, width = r.uniform(10, 40), r.uniform(2.5, 4.5)
        deck = b.part("deck", "Brugdek", "Bridge deck", "R3", _choice(r, ("bolt", "weld")), 1)
        b.mass(deck, "steel", span * width * r.uniform(120, 220), reusable=True)
        rail = b.part("railing", "Leuning", "Railing", "R3", "bolt", 0, deck)
        b.mass(rail, _choice(r, ("steel", "stainless-steel")), 2 * span * r.uniform(18, 30),
               reusable=True)
    else:
        span, width = r.uniform(4, 15), r.uniform(1.5, 3)
        wood = "hardwood" if r.random() < 0.6 else "certified-timber"
        deck = b.part("deck", "Brugdek", "Bridge deck", "R3", "screw", 0)
        b.volume(deck, wood, span * width * 0.08)
        beams = b.part("beams", "Liggers", "Beams", "R7", "bolt", 1, deck)
        b.volume(beams, wood, span * 2 * 0.3 * 0.3)
        rail = b.part("railing", "Leuning", "Railing", "R3", "screw", 0, deck)
        b.volume(rail, wood, 2 * span * 0.012)
    ab = b.part("abutments", "Landhoofden", "Abutments", "R8", "cast", 2)
    b.volume(ab, "concrete", 2 * (width + 1) * r.uniform(2, 6))
    piles = b.part("piles", "Funderingspalen", "Foundation piles", "R9" if b.year < 1960 else "R8",
                   "cast", 2)
    if b.year < 1960 and r.random() < 0.6:
        n, length = _randint(r, 16, 40), r.uniform(10, 14)
        b.length(piles, "softwood", n * length, math.pi * 0.125 ** 2)
    else:
        n, length = _randint(r, 6, 24), r.uniform(12, 20)
        b.length(piles, "concrete", n * length, 0.1225)
    return ("Verkeersbrug", "Road bridge") if variant == "road" else (
        ("Fietsbrug", "Cycle bridge") if variant == "cycle" else ("Voetgangersbrug", "Footbridge"))


def _road(b: _Builder):
    r = b.r
    length, width = r.uniform(50, 600), r.uniform(5, 8.5)
    area = length * width
    top = b.part("surface-course", "Deklaag", "Surface course", "R8", "chemical", 2)
    b.area(top, "asphalt", area, 0.04)
    binder = b.part("binder-course", "Tussenlaag", "Binder course", "R8", "chemical", 2)
    b.area(binder, "asphalt", area, 0.06)
    base = b.part("road-base", "Funderingslaag", "Road base", "R3", "dry", 0)
    b.area(base, "granulate", area, 0.25)
    sub = b.part("sand-bed", "Zandbed", "Sand sub-base", "R3", "dry", 0)
    t = round(r.uniform(0.3, 0.6), 2)
    b.area(sub, "sand", area, t)
    if r.random() < 0.25:
        geo = b.part("geotextile", "Geotextiel", "Geotextile", "R9", "dry", 1)
        b.mass(geo, "textile", area * 0.3)
    return "Wegvak", "Road section"


def _paving(b: _Builder):
    r = b.r
    area = r.uniform(80, 2500)
    kind = _weighted(r, ("concrete", "clinker", "natural-stone", "tiles"), (50, 30, 8, 12))
    nl, en, mat, t = {
        "concrete": ("Betonklinkers", "Concrete pavers", "concrete", 0.08),
        "clinker": ("Gebakken klinkers", "Clay pavers", "clinker", 0.08),
        "natural-stone": ("Natuursteen keien", "Natural stone setts", "natural-stone", 0.12),
        "tiles": ("Betontegels", "Concrete tiles", "concrete", 0.06)}[kind]
    top = b.part("pavers", nl, en, "R3", "dry", 0)
    b.area(top, mat, area, t, reusable=True)
    bed = b.part("bedding", "Straatlaag", "Bedding layer", "R3", "dry", 0)
    b.area(bed, "sand", area, 0.04)
    if r.random() < 0.5:
        base = b.part("base", "Fundering", "Base layer", "R3", "dry", 0)
        b.area(base, "granulate", area, 0.2)
    return {"concrete": ("Bestrating", "Paving"), "clinker": ("Klinkerbestrating", "Brick paving"),
            "natural-stone": ("Keienbestrating", "Cobbled paving"),
            "tiles": ("Trottoir", "Pavement")}[kind]


def _kerb(b: _Builder):
    r = b.r
    length = r.uniform(20, 450)
    if r.random() < 0.85:
        kerbs = b.part("kerbstones", "Opsluitbanden", "Kerbstones", "R3", "dry", 1)
        b.length(kerbs, "concrete", length, 0.025, reusable=True)
    else:
        kerbs = b.part("kerbstones", "Natuursteen banden", "Natural stone kerbs", "R3", "dry", 1)
        b.length(kerbs, "natural-stone", length, 0.03, reusable=True)
    back = b.part("backing", "Ruggensteun", "Concrete backing", "R8", "cast", 2)
    b.volume(back, "concrete", length * r.uniform(0.015, 0.03))
    return "Trottoirband", "Kerb"


def _bench(b: _Builder):
    r = b.r
    seat = b.part("seat", "Zitting", "Seat", "R3", "screw", 0)
    mat = _weighted(r, ("hardwood", "recycled-plastic", "steel"), (6, 3, 1))
    b.mass(seat, mat, {"hardwood": r.uniform(35, 60), "recycled-plastic": r.uniform(40, 70),
                       "steel": r.uniform(25, 40)}[mat], reusable=True, count=1)
    frame = b.part("frame", "Onderstel", "Frame", "R3", "bolt", 0)
    fmat = _weighted(r, ("cast-iron", "steel", "stainless-steel"), (4, 4.5, 1.5))
    b.mass(frame, fmat, {"cast-iron": r.uniform(50, 90), "steel": r.uniform(30, 50),
                         "stainless-steel": r.uniform(25, 40)}[fmat], reusable=True, count=1)
    anchor = b.part("anchoring", "Verankering", "Anchoring", "R8", "cast", 2)
    b.volume(anchor, "concrete", r.uniform(0.05, 0.15))
    return "Zitbank", "Bench"


def _lamp(b: _Builder):
    r = b.r
    height = _choice(r, (4, 5, 6, 8, 10))
    aluminium = r.random() < 0.3
    mast = b.part("mast", "Mast", "Mast", _choice(r, ("R3", "R5")), "bolt" if aluminium else "dry", 0)
    b.mass(mast, "aluminium" if aluminium else "steel",
           height * (r.uniform(6, 9) if aluminium else r.uniform(14, 22)), reusable=True)
    lum = b.part("luminaire", "Armatuur", "Luminaire", "R6", "screw", 0, mast)
    b.mass(lum, "aluminium", r.uniform(5, 12), count=1)
    b.mass(lum, "glass", r.uniform(1, 3), count=1)
    if r.random() < 0.5:
        b.mass(lum, "copper", r.uniform(0.5, 2.5))
    found = b.part("foundation", "Fundering", "Foundation", "R8", "dry", 1)
    if aluminium:
        b.mass(found, "steel", r.uniform(20, 40))
    else:
        b.volume(found, "concrete", r.uniform(0.08, 0.25))
    return "Lichtmast", "Lamp post"


def _pipe_volume(diameter: float, wall: float, length: float) -> float:
    r0 = diameter / 2
    return math.pi * ((r0 + wall) ** 2 - r0 ** 2) * length


def _sewer(b: _Builder):
    r = b.r
    length = r.uniform(25, 80)
    if b.year >= 1975 and r.random() < 0.45:
        d = _choice(r, (0.2, 0.25, 0.315, 0.4))
        pipe = b.part("pipe", f"Rioolbuis PVC {int(d * 1000)} mm", f"PVC sewer pipe {int(d * 1000)} mm",
                      "R8", "dry", 1)
        b.length(pipe, "pvc", length, _pipe_volume(d, d / 30, 1))
    else:
        d = _choice(r, (0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2))
        wall = 0.05 + 0.08 * d
        pipe = b.part("pipe", f"Rioolbuis beton {int(d * 1000)} mm",
                      f"Concrete sewer pipe {int(d * 1000)} mm", _choice(r, ("R8", "R8", "R3")), "dry", 1)
        b.length(pipe, "concrete", length, _pipe_volume(d, wall, 1), reusable=True)
    fill = b.part("backfill", "Zandaanvulling", "Sand backfill", "R3", "dry", 1)
    b.volume(fill, "sand", length * (d + 0.6) * (d + 1.0))
    return "Riolering", "Sewer"


def _manhole(b: _Builder):
    r = b.r
    if b.year >= 1990 and r.random() < 0.2:
        chamber = b.part("chamber", "Putlichaam", "Manhole chamber", "R8", "dry", 1)
        b.mass(chamber, _choice(r, ("hdpe", "pp")), r.uniform(150, 400), count=1)
    else:
        chamber = b.part("chamber", "Putlichaam", "Manhole chamber", _choice(r, ("R8", "R3")), "dry", 1)
        b.mass(chamber, "concrete", r.uniform(1500, 5000), reusable=True, count=1)
    cover = b.part("cover", "Putdeksel met raam", "Cover and frame", "R3", "dry", 0)
    b.mass(cover, "cast-iron", r.uniform(80, 160), reusable=True, count=1)
    return "Rioolput", "Manhole"


def _playground(b: _Builder):
    r = b.r
    structure = b.part("structure", "Constructie", "Structure", _choice(r, ("R3", "R5")), "bolt", 0)
    mat = _weighted(r, ("hardwood", "steel", "stainless-steel"), (4, 4, 2))
    b.mass(structure, mat, r.uniform(200, 1500) if mat == "hardwood" else r.uniform(150, 800),
           reusable=True)
    panels = b.part("panels", "Panelen", "Panels", "R8", "screw", 0, structure)
    b.mass(panels, "recycled-plastic" if r.random() < 0.3 else "hdpe", r.uniform(20, 150))
    area = r.uniform(10, 80)
    surface = b.part("impact-surface", "Valondergrond", "Impact surface", "R3", "dry", 0)
    if r.random() < 0.5:
        b.area(surface, "rubber", area, 0.05)
    else:
        b.area(surface, "sand", area, 0.3)
    found = b.part("foundation", "Fundering", "Foundation", "R8", "cast", 2)
    b.volume(found, "concrete", r.uniform(0.1, 0.8))
    return _choice(r, (("Speeltoestel", "Play equipment"), ("Klimtoestel", "Climbing frame"),
                     ("Schommel", "Swing")))


_BUILDINGS = (("Sporthal", "Sports hall"), ("Basisschool", "Primary school"),
              ("Gemeentewerf", "Municipal depot"), ("Wijkcentrum", "Community centre"),
              ("Bibliotheek", "Library"), ("Brandweerkazerne", "Fire station"),
              ("Kantoor", "Office building"))


def _building(b: _Builder):
    r = b.r
    gfa = r.uniform(150, 5000)
    storeys = _randint(r, 1, 4)
    footprint = gfa / storeys
    facade = 4 * math.sqrt(footprint) * 3.2 * storeys
    biobased = b.year >= 2018 and r.random() < 0.3
    structure = b.part("structure", "Draagconstructie", "Load-bearing structure",
                       "R3" if biobased else "R8", "bolt" if biobased else "cast", 1 if biobased else 2)
    if biobased:
        b.volume(structure, "certified-timber", gfa * r.uniform(0.12, 0.2))
    else:
        b.volume(structure, _choice(r, ("concrete", "concrete", "recycled-concrete"))
                 if b.year >= 2010 else "concrete", gfa * r.uniform(0.35, 0.6))
        rebar = b.part("reinforcement", "Wapening", "Reinforcement", "R8", "cast", 2, structure)
        b.mass(rebar, "steel", gfa * r.uniform(25, 45))
    skin = b.part("facade", "Gevel", "Facade", "R3" if b.year < 1950 else "R8", "cast", 2)
    b.area(skin, "clinker", facade * 0.75, 0.1, reusable=b.year < 1950)
    windows = b.part("windows", "Kozijnen en beglazing", "Window frames and glazing", "R3", "screw", 1,
                     skin)
    b.area(windows, "glass", facade * 0.25, 0.012)
    if b.year >= 1990:
        b.mass(windows, "aluminium", facade * 0.25 * 4)
    else:
        b.volume(windows, "hardwood", facade * 0.25 * 0.01)
    if b.year >= 1975:
        ins = b.part("insulation", "Isolatie", "Insulation", "R8", "dry", 1, skin)
        mat = _choice(r, ("hemp", "straw")) if biobased else "stone-wool"
        b.volume(ins, mat, facade * 0.75 * 0.12)
    roof = b.part("roof", "Dak", "Roof", "R8", "glue", 2)
    b.mass(roof, "bitumen", footprint * r.uniform(4, 7))
    if r.random() < 0.5:
        b.mass(roof, "zinc", 4 * math.sqrt(footprint) * r.uniform(2, 3.5))
    found = b.part("foundation", "Fundering", "Foundation", "R9", "cast", 2)
    b.volume(found, "concrete", footprint * r.uniform(0.2, 0.4))
    return _choice(r, _BUILDINGS)


def _quay(b: _Builder):
    r = b.r
    length, height = r.uniform(20, 250), r.uniform(2, 6)
    if b.year < 1950 and r.random() < 0.5:
        wall = b.part("wall", "Gemetselde kademuur", "Masonry quay wall", "R3", "cast", 2)
        b.volume(wall, "clinker", length * height * 0.8, reusable=True)
    elif r.random() < 0.3:
        wall = b.part("wall", "Houten beschoeiing", "Timber revetment", "R7", "nail", 1)
        b.volume(wall, "hardwood", length * (height + 2) * 0.1)
    else:
        wall = b.part("sheet-piling", "Damwand", "Sheet piling", "R3", "dry", 1)
        area = length * (height + 5)
        b.area(wall, "steel", area, 0.018, reusable=True)
        anchors = b.part("anchors", "Verankering", "Anchors", "R8", "bolt", 2, wall)
        b.mass(anchors, "steel", length / 2.5 * r.uniform(150, 250))
    cap = b.part("capping-beam", "Deksloof", "Capping beam", "R8", "cast", 2)
    b.length(cap, "concrete", length, 0.48)
    return "Kademuur", "Quay wall"


def _fence(b: _Builder):
    r = b.r
    length = r.uniform(10, 300)
    mat = _weighted(r, ("steel", "softwood", "hardwood", "recycled-plastic"), (6, 2, 1, 1))
    panels = b.part("panels", "Hekwerkpanelen", "Fence panels", "R3", "bolt", 0)
    if mat in ("steel", "recycled-plastic"):
        b.mass(panels, mat, length * r.uniform(8, 16), reusable=True)
    else:
        b.length(panels, mat, length, 0.02)
    posts = b.part("posts", "Palen", "Posts", "R3", "dry", 1)
    n = max(2, int(length / 2.5))
    if mat == "steel":
        b.mass(posts, "steel", n * r.uniform(10, 18), reusable=True)
    else:
        b.volume(posts, "hardwood" if mat != "softwood" else "softwood", n * 0.1 * 0.1 * 2.2)
    footings = b.part("footings", "Poeren", "Footings", "R8", "cast", 2)
    b.volume(footings, "concrete", n * 0.05)
    return "Hekwerk", "Fence"


def _sign(b: _Builder):
    r = b.r
    plate = b.part("plate", "Bord", "Sign plate", _choice(r, ("R8", "R3")), "screw", 0)
    b.mass(plate, "aluminium", r.uniform(2, 6), count=1)
    post = b.part("post", "Paal", "Post", "R3", "dry", 0)
    if r.random() < 0.7:
        b.mass(post, "steel", r.uniform(12, 25), reusable=True, count=1)
    else:
        b.mass(post, "aluminium", r.uniform(6, 12), count=1)
    foot = b.part("foot", "Voet", "Foot", "R8", "cast", 2)
    b.volume(foot, "concrete", r.uniform(0.03, 0.08))
    return "Verkeersbord", "Traffic sign"


def _culvert(b: _Builder):
    r = b.r
    length = r.uniform(6, 30)
    d = _choice(r, (0.4, 0.6, 0.8, 1.0, 1.25, 1.5))
    if b.year >= 1985 and r.random() < 0.25:
        pipe = b.part("pipe", "Duikerbuis", "Culvert pipe", "R3", "dry", 1)
        b.length(pipe, "hdpe", length, _pipe_volume(d, d / 20, 1))
    else:
        wall = 0.06 + 0.08 * d
        pipe = b.part("pipe", "Duikerbuis", "Culvert pipe", _choice(r, ("R3", "R8")), "dry", 1)
        b.length(pipe, "concrete", length, _pipe_volume(d, wall, 1), reusable=True)
    heads = b.part("headwalls", "Kopmuren", "Headwalls", "R8", "cast", 2)
    b.volume(heads, "concrete", 2 * r.uniform(1, 4))
    bed = b.part("bed-protection", "Bodembescherming", "Bed protection", "R3", "dry", 0)
    b.mass(bed, "natural-stone", r.uniform(2000, 15000), reusable=True)
    return "Duiker", "Culvert"


def _tree(b: _Builder):
    r = b.r
    age = max(5, REFERENCE_YEAR - b.year)
    trunk_d = min(1.0, 0.05 + age * r.uniform(0.005, 0.009))
    height = min(25.0, 3 + age * r.uniform(0.2, 0.3))
    wood = b.part("trunk-crown", "Stam en kroon", "Trunk and crown", _choice(r, ("R7", "R8", "R9")),
                  None, 0)
    # trunk as a cylinder with form factor 0.5, crown wood another 30 %
    b.volume(wood, "hardwood", math.pi * (trunk_d / 2) ** 2 * height * 0.5 * 1.3)
    pit = b.part("tree-pit", "Groeiplaats", "Tree pit", "R3", "dry", 0)
    b.volume(pit, "soil", r.uniform(6, 30))
    if r.random() < 0.3:
        grate = b.part("tree-grate", "Boomrooster", "Tree grate", "R3", "dry", 0)
        b.mass(grate, "cast-iron", r.uniform(80, 200), reusable=True, count=1)
    return _choice(r, (("Straatboom eik", "Street tree oak"), ("Straatboom linde", "Street tree lime"),
                     ("Straatboom es", "Street tree ash"), ("Straatboom plataan", "Street tree plane")))


def _bin(b: _Builder):
    r = b.r
    body = b.part("bin", "Bak", "Bin", "R3", "bolt", 0)
    mat = _weighted(r, ("steel", "hdpe", "recycled-plastic"), (5, 3, 2))
    b.mass(body, mat, r.uniform(15, 35) if mat == "steel" else r.uniform(8, 15), count=1)
    post = b.part("post", "Paal", "Post", "R3", "dry", 0)
    b.mass(post, "steel", r.uniform(8, 15), reusable=True, count=1)
    foot = b.part("foot", "Voet", "Foot", "R8", "cast", 2)
    b.volume(foot, "concrete", r.uniform(0.02, 0.05))
    return "Afvalbak", "Litter bin"


@dataclass(frozen=True)
class Kind:
    cls: str  # local name of the mp: class
    slug: str  # key prefix, e.g. "brug" -> brug-000042
    code: str  # source identifier prefix, e.g. "BR" -> BR-000042
    weight: float
    years: tuple[int, int, int]  # earliest, latest, most common construction year
    life: tuple[int, int]  # service life in years: mean, standard deviation
    recipe: object


KINDS: tuple[Kind, ...] = (
    Kind("Bridge", "brug", "BR", 2, (1930, 2025, 1975), (80, 15), _bridge),
    Kind("RoadSection", "wegvak", "WV", 6, (1960, 2025, 2000), (30, 8), _road),
    Kind("Paving", "bestrating", "BS", 14, (1960, 2025, 1995), (35, 10), _paving),
    Kind("Kerb", "band", "BD", 12, (1960, 2025, 1990), (45, 10), _kerb),
    Kind("Bench", "bank", "BK", 6, (1985, 2026, 2012), (20, 5), _bench),
    Kind("LampPost", "lichtmast", "LM", 14, (1970, 2026, 2005), (40, 8), _lamp),
    Kind("SewerPipe", "riool", "RL", 12, (1930, 2025, 1970), (70, 15), _sewer),
    Kind("Manhole", "put", "PT", 10, (1930, 2025, 1972), (60, 15), _manhole),
    Kind("PlaygroundEquipment", "speeltoestel", "ST", 3, (1995, 2026, 2015), (18, 4), _playground),
    Kind("Building", "gebouw", "GB", 1.5, (1900, 2025, 1975), (75, 20), _building),
    Kind("Quay", "kademuur", "KD", 1, (1900, 2025, 1965), (60, 15), _quay),
    Kind("Fence", "hekwerk", "HK", 3, (1985, 2026, 2010), (25, 6), _fence),
    Kind("TrafficSign", "verkeersbord", "VB", 8, (1990, 2026, 2012), (18, 5), _sign),
    Kind("Culvert", "duiker", "DK", 2, (1930, 2025, 1975), (60, 15), _culvert),
    Kind("Tree", "boom", "BM", 8, (1930, 2024, 1985), (60, 20), _tree),
    Kind("StreetFurniture", "afvalbak", "AB", 5, (1995, 2026, 2014), (15, 4), _bin),
)

STREETS = ("Kerkstraat", "Molenstraat", "Stationsstraat", "Schoolstraat", "Dorpsstraat",
           "Julianastraat", "Wilhelminastraat", "Beatrixstraat", "Kanaalstraat", "Markt",
           "Nieuwstraat", "Hoofdstraat", "Bornsestraat", "Haaksbergerstraat", "Oldenzaalsestraat",
           "Deventerstraat", "Zutphensestraat", "Apeldoornseweg", "Twentekanaal", "Esweg",
           "Veldweg", "Brinkstraat", "Parkweg", "Sportlaan", "Industrieweg", "Havenstraat",
           "Bleekweg", "Beekstraat", "Oranjestraat", "Marktstraat", "Lindenlaan", "Eikenlaan",
           "Berkenlaan", "Rijksweg", "Grotestraat", "Dijkstraat", "Hengelosestraat",
           "Enschedesestraat", "Vaassenseweg", "IJsselkade", "Spoorstraat", "Burgemeester Jansenlaan")

_PHASES = (("management", 78), ("end-of-use", 5), ("realisation", 5), ("design", 5),
           ("tendering", 3), ("exploration", 2), ("initiative", 2))
_ANGLES = (("public-space", 74), ("purchasing", 12), ("area-development", 10), ("businesses", 2),
           ("residents", 2))
_PLANNED = frozenset({"initiative", "exploration", "design", "tendering"})


# --------------------------------------------------------------------------------------------
# Planning one asset (all randomness happens here, in a fixed order)
# --------------------------------------------------------------------------------------------


_KIND_CUM = _cumulative(k.weight for k in KINDS)
_PHASE_ITEMS, _PHASE_CUM = tuple(p for p, _ in _PHASES), _cumulative(w for _, w in _PHASES)
_ANGLE_ITEMS, _ANGLE_CUM = tuple(a for a, _ in _ANGLES), _cumulative(w for _, w in _ANGLES)
_CHUNK = 512  # assets planned ahead, so RD coordinates can be projected in one pyproj call


class _Planner:
    """Plans assets one after another from one ``random.Random(seed)``: all randomness is here."""

    def __init__(self, seed: int, municipalities: list[Municipality]):
        self.r = random.Random(seed)
        self.municipalities = municipalities
        self.materials, self.materials_source = load_materials()
        self.recent_end_of_use: dict[str, deque] = {m.code: deque(maxlen=16) for m in municipalities}
        self.factor_scores = load_factor_scores()
        self.ranked = {s: sorted(v, key=lambda k: -v[k]) for s, v in self.factor_scores.items()}
        self._assessments: dict[tuple, tuple[list, float]] = {}
        self._to_rd = None

    def assets(self, size: int) -> Iterator[_Asset]:
        chunk: list[_Asset] = []
        for number in range(1, size + 1):
            chunk.append(self.plan(number))
            if len(chunk) == _CHUNK:
                self._project(chunk)
                yield from chunk
                chunk = []
        if chunk:
            self._project(chunk)
            yield from chunk

    def _project(self, chunk: list[_Asset]) -> None:
        """RD New coordinates for the assets that record their location in RD."""
        rd = [a for a in chunk if a.rd]
        if not rd:
            return
        if self._to_rd is None:
            from pyproj import Transformer
            self._to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
        xs, ys = self._to_rd.transform([a.lon for a in rd], [a.lat for a in rd])
        for a, x, y in zip(rd, xs, ys):
            a.x, a.y = x, y

    def plan(self, number: int) -> _Asset:
        r = self.r
        m = _choice(r, self.municipalities)
        kind = _pick(r, KINDS, _KIND_CUM)
        phase = _pick(r, _PHASE_ITEMS, _PHASE_CUM)
        planned = phase in _PLANNED
        a = _Asset()
        a.kind, a.gm, a.number, a.phase = kind, m.code, number, phase
        a.key = f"{kind.slug}-{number:06d}"
        a.street = _choice(r, STREETS)
        lo, hi, mode = kind.years
        life_mean, life_sd = kind.life
        if planned:
            year = REFERENCE_YEAR + _randint(r, 1, 3)
        elif phase == "realisation":
            year = REFERENCE_YEAR  # being delivered now: condition 1 at delivery
        elif phase == "end-of-use":
            year = min(int(r.triangular(lo, REFERENCE_YEAR - 10, mode)), REFERENCE_YEAR - 10)
        else:
            year = int(r.triangular(lo, hi, mode))
        a.year = year
        # condition (NEN 2767): worse with age relative to service life; none before it is built
        if year > REFERENCE_YEAR or planned:
            a.condition = None
        elif phase == "end-of-use":
            a.condition = _choice(r, (4, 5, 5, 6))
        else:
            # most assets past their service life are kept at condition 4-5 by maintenance
            frac = min(1.2, (REFERENCE_YEAR - year) / life_mean)
            a.condition = max(1, min(6, round(1 + 2.8 * frac ** 1.5 + r.gauss(0, 0.5))))
        a.angle = "area-development" if kind.cls == "Building" and planned \
            else _pick(r, _ANGLE_ITEMS, _ANGLE_CUM)
        a.maintainer = None
        if kind.cls in ("Culvert", "Quay") and m.region == "twente" and r.random() < 0.4:
            a.maintainer = "waterschap-vechtstromen"
        elif kind.cls == "Bridge" and m.region == "twente" and r.random() < 0.1:
            a.maintainer = "provincie-overijssel"
        elif kind.cls == "StreetFurniture" and m.region == "stedendriehoek" and r.random() < 0.5:
            a.maintainer = "circulus"
        # the recipe; planned objects are tendered with circular criteria (secondary material)
        b = _Builder(r, self.materials, year, self._assess)
        if planned:
            b.circular = 0.5
        a.noun_nl, a.noun_en = kind.recipe(b)
        a.parts = b.parts
        a.flat = b.flat
        a.strategy = b.parts[0].strategy  # the recipe's main component decides the object's route
        # location: around the centre, inside the municipality's bbox (projected to RD later)
        x0, y0, x1, y1 = m.bbox
        cx, cy = m.centroid
        mx, my = (x1 - x0) * 0.01, (y1 - y0) * 0.01
        a.lon = min(max(r.gauss(cx, (x1 - x0) / 5), x0 + mx), x1 - mx)
        a.lat = min(max(r.gauss(cy, (y1 - y0) / 5), y0 + my), y1 - my)
        a.rd = r.random() < 0.6
        a.x = a.y = None
        # expected release: construction year + service life (with spread)
        release = int(year + max(5.0, r.gauss(life_mean, life_sd)))
        if phase == "end-of-use":
            release = REFERENCE_YEAR + _randint(r, 0, 1)
        elif release <= REFERENCE_YEAR:
            release = REFERENCE_YEAR + _randint(r, 1, 6)  # overdue: replacement is planned
        a.release_year, a.release_month = release, 1 + int(r.random() * 12)
        a.release_quality = _release_quality(r, a.strategy, a.condition, phase)
        # predecessor: reused material that moved on from an earlier end-of-use passport
        recent = self.recent_end_of_use[m.code]
        a.predecessor = None
        if recent and r.random() < 0.5 and any(
                am.origin == "secondary" for _, p in a.flat for am in p.amounts):
            a.predecessor = r.choice(recent)
        if phase == "end-of-use":
            recent.append(a.key)
        a.valuations = self._valuations(a, b.value)
        return a

    def _assess(self, connection: str, level: int) -> tuple[list, float]:
        """The four detachability factors of a component and its index; each of the three factors
        after the connection type is one step worse than typical in 1 of 5 cases."""
        u = self.r.random()
        key = (connection, level, u < 0.2, (u * 5) % 1 < 0.2, (u * 25) % 1 < 0.2)
        assessed = self._assessments.get(key)
        if assessed is None:
            assessed = self._assessments[key] = self._assessment(*key)
        return assessed

    def _assessment(self, connection: str, level: int, *worse: bool) -> tuple[list, float]:
        picks = [("connectiontype", connection)]
        for scheme, shift in zip(("accessibility", "intersection", "productedge"), worse):
            options = self.ranked[scheme]
            i = round((len(options) - 1) * level / 2) + shift
            picks.append((scheme, options[min(i, len(options) - 1)]))
        return picks, detachability_index(self.factor_scores[s][local] for s, local in picks)

    def _valuations(self, a: _Asset, value: float) -> list[tuple[int, str, float]]:
        r = self.r
        base_value = value * _CONDITION_FACTOR[a.condition]
        if a.phase == "end-of-use":
            method = "residual"
        elif a.kind.cls == "Building" and r.random() < 0.3:
            method = "replacement"
        else:
            method = "book" if r.random() < 0.1 else "market"
        years = (REFERENCE_YEAR,)
        if a.phase in ("management", "end-of-use") and a.year <= REFERENCE_YEAR - 5 \
                and r.random() < 0.35:
            years = range(REFERENCE_YEAR - _randint(r, 2, 5) + 1, REFERENCE_YEAR + 1)
        factor = 0.6 if method == "book" else 1.0
        return [(y, method, max(0.01, round(base_value * factor * (1 + 0.035 * (y - REFERENCE_YEAR))
                                            * r.uniform(0.95, 1.05), 2))) for y in years]


def _release_quality(r: random.Random, strategy: str, condition: int | None, phase: str) -> str:
    rank = int(strategy[1:])
    if phase == "end-of-use" and condition == 6:
        return "downcycle" if r.random() < 0.5 else "waste"
    if rank <= 3:
        return "reuse-as-is" if r.random() < 0.5 else "reuse-after-repair"
    if rank <= 7:
        return "reuse-after-repair"
    if rank == 8:
        return "recycle" if r.random() < 0.75 else "downcycle"
    return "waste"


# --------------------------------------------------------------------------------------------
# RDF terms and emission
# --------------------------------------------------------------------------------------------

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


class _Vocab:
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


def _fmt(value: float) -> str:
    """A decimal lexical form with sensible precision (never exponent notation)."""
    if value >= 100:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}" if value >= 0.001 else f"{value:.6f}"


def _emit(a: _Asset, base: str, V: _Vocab, materials: dict[str, Material], source: str,
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
        f'{O} {V.constructionYear} "{a.year}"{V.gyear}{e}'
        f"{O} {V.plannedRStrategy} {V.c_rstrategy[a.strategy]}{e}"
        f"{O} {V.has_geometry} {G}{e}"
        f"{O} {V.expectedRelease} {R}{e}"
    )]
    add = out.append
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
                f'{Q} {V.numeric_value} "{_fmt(value)}"{decimal}{e}'
                f"{Q} {V.unit} {units[unit]}{e}"
                f"{Q} {V.dataQuality} {c_quality[am.quality]}{e}"
                f"{Q} {V.origin} {c_origin[am.origin]}{e}"
                f"{Q} {V.materialPhase} {c_mphase[am.mphase]}{e}")
            if am.recycled is not None:
                add(f'{Q} {V.recycledContent} "{am.recycled:.2f}"{decimal}{e}')
            if not am.emit_natural:
                # only numbers, material keys and a file name: nothing to escape
                measure = f"{_fmt(am.value)} {am.unit}"
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
            f'{W} {V.priceSource} "Indicatieve marktprijzen per ton (mp:defaultPricePerTonne), '
            f'prijspeil {year}"{e}')
    return passport_iri, "".join(out)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _select(municipalities) -> list[Municipality]:
    known = load_municipalities()
    if municipalities is None:
        return list(known.values())
    codes = [municipalities] if isinstance(municipalities, str) else list(municipalities)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(f"unknown municipality code(s) {', '.join(unknown)}: use CBS codes from "
                         f"{ORGANISATIONS_FILE.name}, e.g. {', '.join(list(known)[:3])}")
    if not codes:
        raise ValueError("no municipalities selected: pass None for all, or a list of CBS codes")
    return [known[c] for c in dict.fromkeys(codes)]


def _planner(seed: int, municipalities) -> _Planner:
    """A planner over the selected municipalities, after checking the ontology has what it needs."""
    planner = _Planner(seed, _select(municipalities))
    missing = sorted(m for m in _recipe_materials() if m not in planner.materials)
    if missing:
        raise ValueError(f"{planner.materials_source} has no mp:defaultDensity/mp:defaultPricePerTonne "
                         f"for material(s) {', '.join(missing)} that the demo recipes use: add them")
    absent = sorted(c for c in _recipe_connections() if c not in planner.factor_scores["connectiontype"])
    if absent:
        raise ValueError(f"connection type(s) {', '.join(absent)} have no mp:score in ontology/*.ttl "
                         "(mpv:connectiontype/...): add them")
    return planner


def _checked_base(base: str) -> str:
    if not base.endswith("/"):
        base += "/"
    try:
        ox.NamedNode(base + "id/")
    except ValueError as e:
        raise ValueError(f"base {base!r} is not an absolute IRI (e.g. {DEFAULT_BASE}): {e}") from None
    if any(c in base for c in '<>"{}|^`\\ '):
        raise ValueError(f"base {base!r} contains characters not allowed in an IRI")
    return base


def _texts(size: int, seed: int, base: str, municipalities, graph: bool) -> Iterator[tuple[str, str]]:
    """(passport IRI, N-Triples or N-Quads text) for ``size`` passports, in this process."""
    if size < 0:
        raise ValueError(f"size must be 0 or more, not {size}")
    base = _checked_base(base)
    planner = _planner(seed, municipalities)
    vocab = _Vocab()
    materials, source = planner.materials, Path(planner.materials_source).name
    for asset in planner.assets(size):
        yield _emit(asset, base, vocab, materials, source, graph)


PARALLEL_FROM = 20_000
"""From this many passports on, ``parallel=None`` plans and writes the text in a second process."""


def _texts_in_worker(size: int, seed: int, base: str, municipalities,
                     graph: bool) -> Iterator[tuple[str, bytes]]:
    """The same as ``_texts``, produced by a child process while this one parses (two cores).

    The child (``python3 -c 'registry.demo.generator._worker()'``) writes ``"{bytes} {iri}\n"`` + text per
    passport to its stdout; the pipe's buffer bounds the memory. Output is identical to ``_texts``.
    """
    if size < 0:
        raise ValueError(f"size must be 0 or more, not {size}")
    base = _checked_base(base)
    codes = None if municipalities is None else [m.code for m in _select(municipalities)]
    _planner(seed, codes)  # the same checks as in-process, raised here with a clear traceback
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(PACKAGES_DIR), os.environ.get("PYTHONPATH", "")) if p)}
    args = json.dumps({"size": size, "seed": seed, "base": base, "municipalities": codes, "graph": graph})
    proc = subprocess.Popen([sys.executable, "-c", "from registry.demo.generator import _worker; _worker()", args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(PACKAGES_DIR),
                            bufsize=1 << 20)
    produced = 0
    try:
        stream = proc.stdout
        while True:
            header = stream.readline()
            if not header:
                break
            length, iri = header.split(b" ", 1)
            yield iri[:-1].decode(), stream.read(int(length))
            produced += 1
        error = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0 or produced != size:
            raise RuntimeError(f"the demo worker process stopped after {produced} of {size} passports "
                               f"(exit code {proc.returncode}): {error.strip()[-2000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def _worker() -> None:
    """Entry point of the child process of ``_texts_in_worker``."""
    params = json.loads(sys.argv[1])
    out = sys.stdout.buffer
    for iri, text in _texts(**params):
        data = text.encode()
        out.write(b"%d %s\n" % (len(data), iri.encode()))
        out.write(data)
    out.flush()


def _use_worker(parallel: bool | None, size: int) -> bool:
    if parallel is None:
        return size >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2
    return parallel


@lru_cache(maxsize=1)
def _recipe_materials() -> frozenset[str]:
    """Every material the recipes can use (found by running them with a probing builder)."""
    return frozenset(_probe()[0])


@lru_cache(maxsize=1)
def _recipe_connections() -> frozenset[str]:
    return frozenset(_probe()[1])


@lru_cache(maxsize=1)
def _probe() -> tuple[set[str], set[str]]:
    class _AnyMaterial(dict):
        def __missing__(self, key):
            return Material(key, key, 1000.0, 1.0)

    used, connections = set(), set()
    r = random.Random(0)
    for kind in KINDS:
        for year in (1930, 1955, 1980, 2000, 2020, 2027):
            for _ in range(60):
                b = _Builder(r, _AnyMaterial(), year)
                kind.recipe(b)
                for _, p in b.flat:
                    used.update(am.material for am in p.amounts)
                    if p.connection:
                        connections.add(p.connection)
    return used, connections


def generate(size: int, seed: int = 42, base: str = DEFAULT_BASE, municipalities=None, *,
             parallel: bool | None = None) -> Iterator[tuple[str, list[ox.Triple]]]:
    """Yield ``size`` demo passports as ``(passport IRI, triples)``, lazily and deterministically.

    ``municipalities``: None for all 22 of ``ontology/organisations.ttl``, or CBS codes.
    The same ``seed`` gives the same passports; the registry-managed predicates (versionNumber,
    contentHash, created, ...) are not included. ``parallel``: plan the passports in a second
    process while this one builds the terms (None: from ``PARALLEL_FROM`` passports on, with two
    or more cores); the output is the same either way.
    """
    texts = (_texts_in_worker if _use_worker(parallel, size) else _texts)(
        size, seed, base, municipalities, graph=False)
    parse, fmt = ox.parse, ox.RdfFormat.N_TRIPLES
    for iri, text in texts:
        # lenient: the IRIs are built here from a checked base, so skip re-validating them
        # (N-Triples parse to quads in the default graph; .triple is the triple itself)
        yield iri, [q.triple for q in parse(text, fmt, lenient=True)]


_FORMATS = {"nq": ox.RdfFormat.N_QUADS, "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
            "ttl": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
            "ntriples": ox.RdfFormat.N_TRIPLES}


def format_for(path: str | Path, fmt: str | ox.RdfFormat | None = None) -> ox.RdfFormat:
    """The RDF format named by ``fmt``, or guessed from the file name (``.nq.gz`` -> N-Quads)."""
    if isinstance(fmt, ox.RdfFormat):
        return fmt
    name = str(fmt).lower().lstrip(".") if fmt else None
    if name is None:
        suffixes = [s.lstrip(".").lower() for s in Path(path).suffixes]
        if suffixes and suffixes[-1] == "gz":
            suffixes = suffixes[:-1]
        name = suffixes[-1] if suffixes else ""
    if name not in _FORMATS:
        raise ValueError(f"unknown RDF format {name!r} for {path}: use one of "
                         f"{', '.join(sorted(set(_FORMATS)))} (or a file name ending in "
                         ".nq, .trig, .ttl or .nt, optionally followed by .gz)")
    return _FORMATS[name]


def _open_binary(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "wb", compresslevel=5)
    return open(path, "wb")


@dataclass
class WriteStats:
    """What a write produced: passports, and records (RDF statements, or CSV rows)."""

    path: Path
    passports: int
    records: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.passports / self.seconds if self.seconds else 0.0


def _progress(enabled: bool):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                    disable=not enabled, transient=False)


def write(path: str | Path, size: int, seed: int = 42, base: str = DEFAULT_BASE,
          fmt: str | ox.RdfFormat | None = None, municipalities=None,
          progress: bool = True, parallel: bool | None = None) -> WriteStats:
    """Write ``size`` demo passports to ``path`` with ``pyoxigraph.serialize``.

    N-Quads and TriG put every passport in its own named graph (graph name = passport IRI);
    Turtle and N-Triples write all triples into one graph. ``.gz`` compresses.
    """
    path = Path(path)
    rdf_format = format_for(path, fmt)
    quads = rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
    if not base.endswith("/"):
        base += "/"
    counts = [0, 0]
    started = time.perf_counter()

    with _progress(progress) as bar, _open_binary(path) as fh:
        task = bar.add_task(f"demo -> {path.name}", total=size, rate="")

        def statements() -> Iterator:
            parse = ox.parse
            parse_format = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
            n = 0
            texts = (_texts_in_worker if _use_worker(parallel, size) else _texts)(
                size, seed, base, municipalities, graph=quads)
            for _, text in texts:
                terms = list(parse(text, parse_format, lenient=True))
                if not quads:
                    terms = [q.triple for q in terms]
                yield from terms
                counts[1] += len(terms)
                n += 1
                if n % 1000 == 0 or n == size:
                    rate = n / max(time.perf_counter() - started, 1e-9)
                    bar.update(task, completed=n, rate=f"{rate:,.0f} passports/s")
            counts[0] = n

        prefixes = None
        if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
            prefixes = {**PREFIXES, **{scheme: f"{MPV}{scheme}/" for scheme in _TURTLE_SCHEMES}}
        ox.serialize(statements(), fh, rdf_format, prefixes=prefixes)
    return WriteStats(path, counts[0], counts[1], time.perf_counter() - started)


_TURTLE_SCHEMES = ("municipality", "organisation", "phase", "policyangle", "rstrategy", "condition",
                   "releasequality", "material", "dataquality", "origin", "materialphase",
                   "valuationmethod", "connectiontype", "accessibility", "intersection",
                   "productedge")

CSV_COLUMNS = ("bron_id", "sleutel", "gemeentecode", "gemeente", "objecttype", "omschrijving",
               "straat", "onderdeel_code", "onderdeel", "bovenliggend_onderdeel", "materiaal",
               "materiaal_code", "hoeveelheid", "eenheid", "m3_per_eenheid", "herkomst",
               "gerecycled_aandeel", "verbinding", "losmaakbaarheidsindex", "aanlegjaar", "conditie",
               "projectfase", "r_strategie", "verwacht_vrijkomen", "x", "y", "crs", "waarde_eur",
               "waardepeildatum")


def _csv_rows(a: _Asset, municipalities: dict[str, Municipality],
              materials: dict[str, Material]) -> Iterator[list]:
    m = municipalities[a.gm]
    year, _, amount = a.valuations[-1]
    common_head = [f"{a.kind.code}-{a.number:06d}", a.key, a.gm, m.name, a.noun_nl,
                   f"{a.noun_nl} {a.street}", a.street]
    if a.rd:
        x, y, crs = f"{a.x:.2f}", f"{a.y:.2f}", "EPSG:28992"
    else:
        x, y, crs = f"{a.lon:.6f}", f"{a.lat:.6f}", "EPSG:4326"
    common_tail = [a.year, a.condition if a.condition is not None else "", a.phase, a.strategy,
                   f"{a.release_year}-{a.release_month:02d}", x, y, crs, f"{amount:.2f}", f"{year}-01-01"]
    for parent, p in a.flat:
        for am in p.amounts:
            yield common_head + [
                p.slug, p.nl, parent.slug if parent else "", materials[am.material].name_nl,
                am.material, _fmt(am.value), am.unit, f"{am.factor:.4g}" if am.factor else "",
                _ORIGIN_NL[am.origin],
                "" if am.recycled is None else f"{am.recycled:.2f}",
                p.factors[0][1] if p.factors else "", f"{p.index:.2f}" if p.factors else ""] + common_tail


def write_csv(path: str | Path, size: int, seed: int = 42, municipalities=None,
              progress: bool = False) -> WriteStats:
    """Write the same objects as ``generate(size, seed)`` as a flat asset-register CSV.

    One row per material quantity, with the quantity as the register records it (m3, m2, m, st,
    kg or t, before any conversion to mass), Dutch column names and Dutch material names,
    comma-separated, UTF-8, '.' as decimal separator. Gzip when the path ends in ``.gz``.
    """
    path = Path(path)
    started = time.perf_counter()
    rows = 0
    n = 0
    known = load_municipalities()
    with _progress(progress) as bar:
        task = bar.add_task(f"demo -> {path.name}", total=size, rate="")
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "wt", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(CSV_COLUMNS)
            planner = _planner(seed, municipalities)
            materials = planner.materials
            for asset in planner.assets(size):
                for row in _csv_rows(asset, known, materials):
                    w.writerow(row)
                    rows += 1
                n += 1
                if n % 1000 == 0:
                    bar.update(task, completed=n, rate="")
            bar.update(task, completed=n)
    return WriteStats(path, n, rows, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """``python3 -m registry.demo OUT --size N [--seed S]``: write demo data (RDF or .csv)."""
    ap = argparse.ArgumentParser(prog="python3 -m registry.demo", description=main.__doc__)
    ap.add_argument("out", help="output file: .nq, .trig, .ttl, .nt or .csv, optionally .gz")
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--base", default=DEFAULT_BASE)
    ap.add_argument("--municipality", action="append", help="CBS code (repeatable); default all")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if ".csv" in out.suffixes:
        stats = write_csv(out, args.size, args.seed, args.municipality, progress=True)
        what = "rows"
    else:
        stats = write(out, args.size, args.seed, args.base, municipalities=args.municipality)
        what = "triples"
    print(f"{stats.passports} passports, {stats.records} {what} -> {stats.path} "
          f"in {stats.seconds:.1f} s ({stats.rate:,.0f} passports/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
