"""What a compiled shape is, and what validating gives: ``Shape`` and ``Result``.

A shape (https://www.w3.org/TR/shacl/#shapes) compiles to its targets, its value nodes (the focus
node, or its path's values) and two lists of checks built by the constraint components: checks of
each value node, and checks of the whole set of value nodes of a focus node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.validation.engine.paths import PathFn
from registry.validation.engine.terms import Node

# True when the value node conforms.
ValueCheck = Callable[[ox.Store, Node], bool]
# fn(store, focus, value nodes) -> one item per result: an offending value, None (the result
# has no value), or ("closed", predicate, object) for sh:closed, which reports its own path.
SetCheck = Callable[[ox.Store, Node, set], list]
Target = Callable[[ox.Store], Iterable[Node]]


@dataclass
class Result:
    """One validation result (https://www.w3.org/TR/shacl/#results-validation-result)."""

    focus: Node
    path: str
    value: Node | None
    shape: str
    component: str
    severity: str
    messages: dict[str, str]
    # The nearest IRI or blank node on the way from the target to ``focus``: the focus node itself
    # unless it is a literal. The validator finds the passport a result belongs to from it.
    anchor: Node | None = None


@dataclass
class Shape:
    iri: str
    severity: str
    messages: dict[str, str]
    path: PathFn | None = None
    path_text: str = ""
    targets: list[Target] = field(default_factory=list)
    # value checks: (component, per-value predicate returning True when the value conforms)
    value_checks: list[tuple[str, ValueCheck]] = field(default_factory=list)
    # set checks: (component, fn(store, focus, values) -> list of offending values or [None])
    set_checks: list[tuple[str, SetCheck]] = field(default_factory=list)
    children: list[Shape] = field(default_factory=list)  # sh:property
