"""Units as exports write them (``m2``, ``m²``, ``ton``, ``st``, ``mm``) to the QUDT units of the model.

A quantity is stored in one of ``unit:KiloGM``, ``unit:TON_Metric``, ``unit:M3``, ``unit:M2``,
``unit:M`` or ``unit:NUM`` (docs/model.md); a source unit is one of those times a factor (``mm`` is
0.001 ``M``, ``g`` is 0.001 ``KiloGM``, ``dm3`` is 0.001 ``M3``). A mapping file can add its own
names under ``units:``.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.vocab import UNIT

from .values import ValueProblem
from .vocabulary import normalise

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
