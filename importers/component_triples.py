"""The triples of an object's components and their material quantities: ``ComponentTriples``.

Each row adds one material quantity to the component named by ``component.key`` (``main``
without one), as recorded; the row's dimensions add the quantity's own thickness or cross-section (or,
for pieces, its volume), from which the registry derives the mass (registry/model/mass.py).
"""

from __future__ import annotations

import pyoxigraph as ox

from importers.keys import slug
from importers.row_reader import RowReader
from importers.source import Record
from importers.terms import LABEL, MPN, NUMERIC_VALUE, RDF_TYPE, UNIT_P, XSD_DECIMAL, N
from importers.units import Unit, own_sizes
from importers.values import ValueProblem, decimal_literal, parse_fraction, text_of
from registry.model.reference import local_name
from registry.model.uris import PassportRef
from registry.model.vocab import MPV


class ComponentTriples(RowReader):
    """Builds the triples of the components and material quantities of an object's rows."""

    def _component_key(self, record: Record) -> str:
        raw = self._value("component.key", record)
        return slug(text_of(raw)) if raw is not None else "main"

    def _component_parent(self, record: Record) -> str | None:
        raw = self._value("component.parent", record)
        return slug(text_of(raw)) if raw is not None else None

    def _component_triples(self, ref: PassportRef, ckey: str, C: ox.NamedNode,
                           record: Record) -> list[ox.Triple]:
        T = ox.Triple
        out = [T(C, RDF_TYPE, MPN["Component"])]
        label = self.tagged("component.label", record, "nl")
        if label is None and "component.key" not in self.f:
            label = self.tagged("object.label", record, "nl")
        label_en = self.tagged("component.label_en", record, "en")
        out += [T(C, LABEL, literal) for literal in (label, label_en) if literal is not None]
        for key, predicate in (("component.planned_r_strategy", "plannedRStrategy"),
                               ("component.condition", "condition")):
            node = self.concept(key, record)
            if node is not None:
                out.append(T(C, MPN[predicate], node))
        connection = self.concept("component.connection_type", record)
        index = self._typed("component.detachability_index", record,
                            lambda v: parse_fraction(v, self.decimal))
        if connection is not None or index is not None:
            D = N(f"{ref.prefix('detachability')}/{ckey}")
            out += [T(C, MPN["detachability"], D), T(D, RDF_TYPE, MPN["DetachabilityAssessment"])]
            if connection is not None:
                out.append(T(D, MPN["connectionType"], connection))
            if index is not None:
                out.append(T(D, MPN["detachabilityIndex"], ox.Literal(decimal_literal(index, 4),
                                                                      datatype=XSD_DECIMAL)))
        return out

    def _dimension(self, name: str, record: Record) -> float | None:
        key = f"dimensions.{name}"
        value = self.positive(key, record, f"the {name}", name)
        if value is None:
            return None
        unit = self.units.get(self.f[key].spec.unit or "m")
        if unit.target != "M":
            raise self.mapping.error(f"the unit of a dimension must be a length (m, cm, mm), not "
                                     f"{self.f[key].spec.unit!r}", f"{key}.unit")
        return value * unit.factor

    def _quantity_triples(self, ref: PassportRef, ckey: str, C: ox.NamedNode, record: Record,
                          names: dict[str, int]) -> list[ox.Triple]:
        T = ox.Triple
        material = self.concept("quantity.material", record)
        if material is None:
            raise ValueProblem("no material", "the material is empty", "het materiaal is leeg",
                               column=self.f["quantity.material"].column)
        value = self.positive("quantity.value", record, "the quantity", "de hoeveelheid")
        unit = None
        if value is not None:
            unit_raw = self._value("quantity.unit", record)
            if unit_raw is None:
                raise ValueProblem("no unit", "the quantity has no unit", "de hoeveelheid heeft geen eenheid",
                                   column=self.f["quantity.unit"].column)
            try:
                unit = self.units.get(text_of(unit_raw))
            except ValueProblem as exc:
                raise exc.at(self.f["quantity.unit"].column, text_of(unit_raw))
        dims = {name: self._dimension(name, record) for name in ("length", "width", "height", "thickness")
                if f"dimensions.{name}" in self.f}
        sizes = own_sizes(value, unit, dims) if self.mapping.quantity.derive_mass else None
        if value is None and (sizes is None or sizes.volume is None):
            raise ValueProblem("no quantity", "the row gives no quantity (and no dimensions to compute one)",
                               "de rij geeft geen hoeveelheid (en geen afmetingen om die te berekenen)",
                               column=self.f["quantity.value"].column if "quantity.value" in self.f else "")
        base = f"{ckey}-{local_name(material.value)}"
        names[base] = names.get(base, 0) + 1
        Q = N(f"{ref.prefix('quantity')}/{base}" + (f"-{names[base]}" if names[base] > 1 else ""))
        out = [T(C, MPN["hasMaterialQuantity"], Q), T(Q, RDF_TYPE, MPN["MaterialQuantity"]),
               T(Q, MPN["material"], material)]
        # The recorded amount stays as it is; the registry derives the mass (registry/model/mass.py),
        # with the row's own thickness or cross-section where its dimensions give one.
        if sizes is not None and sizes.volume is not None:  # pieces with three dimensions: a volume
            out += [T(Q, NUMERIC_VALUE, ox.Literal(decimal_literal(sizes.volume, 6), datatype=XSD_DECIMAL)),
                    T(Q, UNIT_P, N(Unit("M3").iri)),
                    T(Q, MPN["dataQuality"], N(f"{MPV}dataquality/estimated")),
                    T(Q, MPN["derivedFrom"], ox.Literal(sizes.how))]
        else:
            out += [T(Q, NUMERIC_VALUE, ox.Literal(decimal_literal(value * unit.factor, 6),
                                                   datatype=XSD_DECIMAL)),
                    T(Q, UNIT_P, N(unit.iri))]
            quality = self.concept("quantity.data_quality", record)
            if quality is not None:
                out.append(T(Q, MPN["dataQuality"], quality))
            for size, predicate in ((sizes and sizes.thickness, "thickness"),
                                    (sizes and sizes.cross_section, "crossSection")):
                if size:
                    out.append(T(Q, MPN[predicate], ox.Literal(decimal_literal(size, 6), datatype=XSD_DECIMAL)))
        for key, predicate in (("quantity.origin", "origin"), ("quantity.material_phase", "materialPhase")):
            node = self.concept(key, record)
            if node is not None:
                out.append(T(Q, MPN[predicate], node))
        recycled = self._typed("quantity.recycled_content", record, lambda v: parse_fraction(
            v, self.decimal, self.f["quantity.recycled_content"].spec.percent))
        if recycled is not None:
            out.append(T(Q, MPN["recycledContent"], ox.Literal(decimal_literal(recycled, 4),
                                                               datatype=XSD_DECIMAL)))
        return out
