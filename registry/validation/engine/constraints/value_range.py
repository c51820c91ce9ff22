"""Value range constraint components: sh:minExclusive, sh:minInclusive, sh:maxExclusive, sh:maxInclusive.

https://www.w3.org/TR/shacl/#core-components-range

A value node that cannot be compared with the bound (another datatype, not a literal) does not
conform; which values compare is ``registry.validation.engine.datatypes.comparable``.
"""

from __future__ import annotations

from collections.abc import Callable

import rdflib
from rdflib.namespace import SH

from registry.validation.engine.constraints.component import Compile, Compiler, Component
from registry.validation.engine.datatypes import comparable
from registry.validation.engine.shapes import Shape
from registry.validation.engine.terms import to_ox


def _bound(parameter: rdflib.URIRef, component: rdflib.URIRef, test: Callable) -> Compile:
    """The compile function of one bound: each value node compared with it passes ``test``."""

    def compile_bound(p: Compiler, node, s: Shape) -> None:
        if (bound := p.g.value(node, parameter)) is not None:
            limit = to_ox(bound)

            def in_range(store, n, limit=limit, test=test):
                pair = comparable(n, limit)
                return pair is not None and test(*pair)
            s.value_checks.append((str(component), in_range))
    return compile_bound


# https://www.w3.org/TR/shacl/#MinExclusiveConstraintComponent and the three sections after it
MIN_EXCLUSIVE = Component((SH.minExclusive,), _bound(SH.minExclusive, SH.MinExclusiveConstraintComponent,
                                                     lambda a, b: a > b))
MIN_INCLUSIVE = Component((SH.minInclusive,), _bound(SH.minInclusive, SH.MinInclusiveConstraintComponent,
                                                     lambda a, b: a >= b))
MAX_EXCLUSIVE = Component((SH.maxExclusive,), _bound(SH.maxExclusive, SH.MaxExclusiveConstraintComponent,
                                                     lambda a, b: a < b))
MAX_INCLUSIVE = Component((SH.maxInclusive,), _bound(SH.maxInclusive, SH.MaxInclusiveConstraintComponent,
                                                     lambda a, b: a <= b))
