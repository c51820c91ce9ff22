"""Cardinality constraint components: sh:minCount, sh:maxCount.

https://www.w3.org/TR/shacl/#core-components-count
"""

from __future__ import annotations

from rdflib.namespace import SH

from registry.validation.engine.constraints.component import Compiler, Component
from registry.validation.engine.shapes import Shape


def _min_count(p: Compiler, node, s: Shape) -> None:
    """At least so many value nodes. https://www.w3.org/TR/shacl/#MinCountConstraintComponent"""
    if (n := p.g.value(node, SH.minCount)) is not None:
        least = int(n)
        s.set_checks.append((str(SH.MinCountConstraintComponent),
                             lambda store, f, vals, least=least: [None] if len(vals) < least else []))


def _max_count(p: Compiler, node, s: Shape) -> None:
    """At most so many value nodes. https://www.w3.org/TR/shacl/#MaxCountConstraintComponent"""
    if (n := p.g.value(node, SH.maxCount)) is not None:
        most = int(n)
        s.set_checks.append((str(SH.MaxCountConstraintComponent),
                             lambda store, f, vals, most=most: [None] if len(vals) > most else []))


MIN_COUNT = Component((SH.minCount,), _min_count)
MAX_COUNT = Component((SH.maxCount,), _max_count)
