"""XSD literals: which lexical forms are well-formed, and which values can be compared.

``sh:datatype`` (https://www.w3.org/TR/shacl/#DatatypeConstraintComponent) needs the first: an
ill-typed literal does not conform. The value range components
(https://www.w3.org/TR/shacl/#core-components-range) need the second. Lexical spaces from XML Schema
1.1 Part 2 (https://www.w3.org/TR/xmlschema11-2/).
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib.namespace import XSD

from registry.validation.engine.terms import Node

# Lexical forms of the XSD datatypes, for sh:datatype (an ill-typed literal does not conform).
_INT = r"[+-]?[0-9]+"
_TZ = r"(Z|[+-][0-9]{2}:[0-9]{2})?"
LEXICAL = {
    str(XSD.string): None,
    str(XSD.boolean): re.compile(r"^(true|false|1|0)$"),
    str(XSD.decimal): re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"),
    str(XSD.integer): re.compile(rf"^{_INT}$"),
    str(XSD.nonNegativeInteger): re.compile(r"^(\+?[0-9]+|-0+)$"),
    str(XSD.positiveInteger): re.compile(r"^\+?0*[1-9][0-9]*$"),
    str(XSD.double): re.compile(r"^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$"),
    str(XSD.float): re.compile(r"^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$"),
    str(XSD.date): re.compile(rf"^-?[0-9]{{4,}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]){_TZ}$"),
    str(XSD.dateTime): re.compile(rf"^-?[0-9]{{4,}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
                                  rf"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?{_TZ}$"),
    str(XSD.gYear): re.compile(rf"^-?[0-9]{{4,}}{_TZ}$"),
    str(XSD.anyURI): None,
}
NUMERIC = {str(XSD.decimal), str(XSD.integer), str(XSD.double), str(XSD.float), str(XSD.nonNegativeInteger),
           str(XSD.positiveInteger), str(XSD.int), str(XSD.long)}


def well_formed(literal: ox.Literal, datatype: str) -> bool:
    """Whether ``literal``'s lexical form is one of ``datatype`` (true for datatypes not listed)."""
    pattern = LEXICAL.get(datatype)
    if pattern is None:
        return True
    if not pattern.match(literal.value):
        return False
    if datatype == str(XSD.date):  # the day must exist in that month
        try:
            import datetime

            datetime.date.fromisoformat(literal.value[:10])
        except ValueError:
            return False
    return True


def comparable(value: Node, bound: ox.Literal):
    """(value, bound) as Python values when they can be compared, else None."""
    if not isinstance(value, ox.Literal):
        return None
    vt, bt = value.datatype.value, bound.datatype.value
    if vt in NUMERIC and bt in NUMERIC:
        try:
            return float(value.value), float(bound.value)
        except ValueError:
            return None
    if vt == bt and vt in (str(XSD.date), str(XSD.dateTime), str(XSD.gYear), str(XSD.string)):
        return value.value, bound.value
    return None
