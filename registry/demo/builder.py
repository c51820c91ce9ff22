"""The intermediate model of one demo object, and the builder its recipe fills.

A recipe (``recipes.py``) adds components (``Part``) and material quantities (``Amount``) through a
``Builder``; the planner (``planner.py``) puts them in an ``Asset`` with location, phase,
condition and valuations; ``emit.py`` writes the asset as a passport.
"""

from __future__ import annotations

import random

from registry.core.errors import RegistryError
from registry.model.reference import Material

REFERENCE_YEAR = 2026
"""The 'now' of the demo data: latest valuation year, age of objects (fixed for reproducibility)."""


class DemoError(RegistryError, ValueError):
    """Demo arguments or reference data the demo cannot work with; the message says what to do."""


class Amount:
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


class Part:
    __slots__ = ("amounts", "children", "connection", "en", "factors", "index", "level", "nl", "slug",
                 "strategy")

    def __init__(self, slug, nl, en, strategy, connection, level):
        self.slug = slug
        self.nl = nl
        self.en = en
        self.strategy = strategy
        self.connection = connection  # None: no detachability assessment (e.g. a living tree)
        self.level = level  # 0 good, 1 medium, 2 poor: picks accessibility/intersection/edge
        self.amounts: list[Amount] = []
        self.children: list[Part] = []
        self.factors: list[tuple[str, str]] = []  # (scheme, concept) of the four factors
        self.index = 0.0


class Asset:
    __slots__ = ("angle", "condition", "flat", "gm", "key", "kind", "lat", "lon", "maintainer", "noun_en",
                 "noun_nl", "number", "parts", "phase", "predecessor", "rd", "release_month",
                 "release_quality", "release_year", "strategy", "street", "valuations", "x", "y", "year")


_BIOBASED = frozenset({"hardwood", "softwood", "certified-timber", "timber", "hemp", "flax", "straw"})
_REUSABLE = frozenset({"clinker", "natural-stone", "concrete", "steel", "hardwood", "cast-iron"})


class Builder:
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
        self.parts: list[Part] = []
        self.flat: list[tuple[Part | None, Part]] = []  # (parent, part), parents first

    def part(self, slug, nl, en, strategy, connection, level, parent: Part | None = None) -> Part:
        p = Part(slug if parent is None else f"{parent.slug}-{slug}", nl, en, strategy, connection,
                 level)
        (self.parts if parent is None else parent.children).append(p)
        self.flat.append((parent, p))
        if connection is not None and self.assess is not None:
            p.factors, p.index = self.assess(connection, level)
        return p

    def _add(self, part: Part, a: Amount, price: float) -> Amount:
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

    def volume(self, part: Part, material: str, m3: float, *, reusable=False):
        """A material the register records as a volume (m3)."""
        return self._measured(part, material, m3, "m3", 0.0, m3, reusable)

    def area(self, part: Part, material: str, m2: float, thickness: float, *, reusable=False):
        """A layer the register records as an area (m2) with its thickness (m)."""
        m2 = round(m2, 1)
        return self._measured(part, material, m2, "m2", thickness, m2 * thickness, reusable)

    def length(self, part: Part, material: str, m: float, section: float, *, reusable=False):
        """A linear element the register records as a length (m) with its cross-section (m2)."""
        m = round(m, 1)
        return self._measured(part, material, m, "m", section, m * section, reusable)

    def _measured(self, part, material, value, unit, factor, m3, reusable):
        mat = self.materials[material]
        origin, mphase, rc = self._origin(material, reusable)
        emit_natural = self.r.random() < 0.15  # the register's own measure, not converted
        return self._add(part, Amount(material, value, unit, m3 * mat.density / 1000.0, factor,
                                      emit_natural, "measured" if emit_natural else "estimated",
                                      origin, mphase, rc), mat.price)

    def mass(self, part: Part, material: str, kg: float, *, reusable=False, count=None):
        """A material given as a mass (delivery note, weighing or product catalogue)."""
        origin, mphase, rc = self._origin(material, reusable)
        quality = "default" if count is not None or self.r.random() < 0.3 else "measured"
        unit, value = ("t", kg / 1000.0) if kg >= 1000 else ("kg", kg)
        return self._add(part, Amount(material, value, unit, kg / 1000.0, 0.0, True, quality, origin,
                                      mphase, rc), self.materials[material].price)
