"""The SHACL Core constraint components the engine compiles, one module per family of the spec.

https://www.w3.org/TR/shacl/#core-components (section 4), as pySHACL's ``constraints/core``:

- ``value_type``: sh:class, sh:datatype, sh:nodeKind (4.1)
- ``cardinality``: sh:minCount, sh:maxCount (4.2)
- ``value_range``: sh:minExclusive, sh:minInclusive, sh:maxExclusive, sh:maxInclusive (4.3)
- ``string_based``: sh:minLength, sh:maxLength, sh:pattern, sh:languageIn, sh:uniqueLang (4.4)
- ``property_pair``: sh:equals, sh:disjoint (4.5)
- ``logical``: sh:not, sh:and, sh:or, sh:xone (4.6)
- ``shape_based``: sh:node, sh:property, sh:qualifiedValueShape (4.7)
- ``other``: sh:closed, sh:hasValue, sh:in (4.8)

``COMPONENTS`` lists them and ``PARAMETERS`` maps each parameter to its component; both are built
here only.
"""

from __future__ import annotations

import rdflib

from registry.validation.engine.constraints import (
    cardinality,
    logical,
    other,
    property_pair,
    shape_based,
    string_based,
    value_range,
    value_type,
)
from registry.validation.engine.constraints.component import Compiler, Component

# The order in which a shape's components are compiled, and so the order in which its checks run
# and its results are reported: the engine's order since it was written, kept so that reports and
# the results compared with pySHACL stay the same. Per value node first, then per set of values
# (the two kinds keep separate lists in a compiled shape), then sh:property.
COMPONENTS: tuple[Component, ...] = (
    value_type.CLASS, value_type.DATATYPE, value_type.NODE_KIND, other.IN, string_based.PATTERN,
    string_based.MIN_LENGTH, string_based.MAX_LENGTH, value_range.MIN_INCLUSIVE, value_range.MAX_INCLUSIVE,
    value_range.MIN_EXCLUSIVE, value_range.MAX_EXCLUSIVE, string_based.LANGUAGE_IN, shape_based.NODE,
    logical.NOT, logical.OR, logical.AND, logical.XONE,
    cardinality.MIN_COUNT, cardinality.MAX_COUNT, other.HAS_VALUE, string_based.UNIQUE_LANG,
    property_pair.EQUALS, property_pair.DISJOINT, shape_based.QUALIFIED_VALUE_SHAPE, other.CLOSED,
    shape_based.PROPERTY,
)

# Constraint parameter -> the component that reads it.
PARAMETERS: dict[rdflib.URIRef, Component] = {
    parameter: component for component in COMPONENTS for parameter in component.parameters}

__all__ = ["COMPONENTS", "PARAMETERS", "Compiler", "Component"]
