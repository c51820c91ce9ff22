"""Units as exports write them (``m2``, ``m²``, ``ton``, ``st``, ``mm``) to the QUDT units of the model.

A quantity is stored in one of ``unit:KiloGM``, ``unit:TON_Metric``, ``unit:M3``, ``unit:M2``,
``unit:M`` or ``unit:NUM`` (docs/model.md); a source unit is one of those times a factor (``mm`` is
0.001 ``M``, ``g`` is 0.001 ``KiloGM``, ``dm3`` is 0.001 ``M3``). A mapping file can add its own
names under ``units:``.
"""

from __future__ import annotations

from dataclasses import dataclass

from importers.values import ValueProblem, decimal_literal
from importers.vocabulary import normalise
from registry.model.vocab import UNIT

TARGETS = ("KiloGM", "TON_Metric", "M3", "M2", "M", "NUM")
MASS = frozenset({"KiloGM", "TON_Metric"})
# What a target measures, for derivations.
DIMENSION = {"KiloGM": "mass", "TON_Metric": "mass", "M3": "volume", "M2": "area", "M": "length",
             "NUM": "count"}


@dataclass(frozen=True)
class Unit:
    target: str  # one of TARGETS
    factor: float = 1.0  # source value x factor = value in target

    @property
    def iri(self) -> str:
        return UNIT + self.target

    @property
    def dimension(self) -> str:
        return DIMENSION[self.target]


BUILT_IN: dict[str, Unit] = {}


def _names(target: str, factor: float, *names: str) -> None:
    for name in names:
        BUILT_IN[normalise(name)] = Unit(target, factor)


_names("KiloGM", 1, "kg", "kilo", "kilogram", "kilogramme", "KiloGM")
_names("KiloGM", 0.001, "g", "gram")
_names("TON_Metric", 1, "t", "ton", "tonne", "tonnes", "tons", "TON_Metric", "ton (metrisch)")
_names("M3", 1, "m3", "m³", "m^3", "kubieke meter", "cubic metre", "cubic meter", "M3", "m3.")
_names("M3", 0.001, "dm3", "dm³", "l", "liter", "litre")
_names("M2", 1, "m2", "m²", "m^2", "vierkante meter", "square metre", "square meter", "M2", "m2.")
_names("M2", 0.0001, "cm2", "cm²")
_names("M", 1, "m", "m1", "meter", "metre", "strekkende meter", "str. m", "str.m", "m¹", "M")
_names("M", 0.01, "cm")
_names("M", 0.001, "mm")
_names("M", 1000, "km")
_names("NUM", 1, "st", "st.", "stuk", "stuks", "stk", "pcs", "pc", "piece", "pieces", "each",
       "aantal", "NUM")


class UnitTable:
    """Built-in unit names plus a mapping's own."""

    def __init__(self, extra: dict[str, Unit] | None = None):
        self._units = dict(BUILT_IN)
        for name, unit in (extra or {}).items():
            self._units[normalise(name)] = unit

    def get(self, name: object) -> Unit:
        unit = self._units.get(normalise(str(name)))
        if unit is None:
            known = "m3, m2, m, mm, cm, kg, g, t, st"
            raise ValueProblem(
                "unknown unit",
                f"unit {str(name)!r} is unknown; use one of {known} or add it under 'units:' in the "
                "mapping file",
                f"eenheid {str(name)!r} is onbekend; gebruik een van {known} of voeg hem toe onder "
                "'units:' in het mappingbestand")
        return unit


@dataclass(frozen=True)
class Sizes:
    """What the dimensions of a row add to its quantity, so that the registry derives its mass
    (registry/model/mass.py): the quantity's own ``thickness`` (m) or ``cross_section`` (m2), or, for
    a count of pieces with three dimensions, a ``volume`` (m3) that replaces the count, with ``how``."""

    thickness: float | None = None
    cross_section: float | None = None
    volume: float | None = None
    how: str = ""


def own_sizes(value: float | None, unit: Unit | None, dims: dict[str, float | None]) -> Sizes | None:
    """The sizes the row's dimensions (in metres) give its quantity: a thickness for an area, a cross-
    section (width x height) for a length, a volume for a count (or no amount) with length, width and
    height/thickness; None when they give nothing (a mass, or no dimensions that fit)."""
    if unit is not None and unit.target in MASS:
        return None
    length, width, height, thickness = (dims.get(k) for k in ("length", "width", "height", "thickness"))
    if unit is not None and unit.target == "M2" and thickness:
        return Sizes(thickness=thickness)
    if unit is not None and unit.target == "M" and width and (height or thickness):
        return Sizes(cross_section=width * (height or thickness))
    if length and width and (height or thickness) and (unit is None or unit.target == "NUM"):
        count = value * unit.factor if value is not None and unit is not None else 1
        depth = height or thickness
        how = (f"{decimal_literal(count)} x " if count != 1 else "") + \
            f"{decimal_literal(length)} m x {decimal_literal(width)} m x {decimal_literal(depth)} m"
        return Sizes(volume=count * length * width * depth, how=how)
    return None
