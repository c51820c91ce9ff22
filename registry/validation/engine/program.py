"""The shape compiler and evaluator: ``ShapesProgram``.

Compiling reads every shape of the shapes graph once: its targets
(https://www.w3.org/TR/shacl/#targets), its path, and, through ``constraints.PARAMETERS``, the
constraint components its parameters name. Validating evaluates the compiled shapes on a batch in a
pyoxigraph store (https://www.w3.org/TR/shacl/#validation).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH

from registry.validation.engine.constraints import COMPONENTS, PARAMETERS
from registry.validation.engine.errors import Unsupported
from registry.validation.engine.paths import compile_path
from registry.validation.engine.shapes import Result, Shape
from registry.validation.engine.terms import RDF_TYPE, Node, to_ox

# Shape parameters that are not constraint parameters: targets, the path, and the non-validating
# and reporting ones (https://www.w3.org/TR/shacl/#nonValidation, #severity, #message, #deactivated).
SHAPE_PARAMETERS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path,
                    SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order, SH.group,
                    SH.defaultValue}
IGNORED_NAMESPACES = (str(RDFS), "http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#",
                      "http://www.w3.org/2002/07/owl#")


class ShapesProgram:
    """Shapes compiled from a shapes graph; ``validate(store)`` returns SHACL results."""

    def __init__(self, shapes: rdflib.Graph, subclasses: dict[str, set[str]]):
        self.g = shapes
        self.subclasses = subclasses  # class IRI -> itself and all its subclasses
        self.compiled: dict = {}
        self.roots: list[Shape] = []
        self._memo: dict = {}  # targets of the batch being validated
        candidates = set(shapes.subjects(RDF.type, SH.NodeShape)) \
            | set(shapes.subjects(RDF.type, SH.PropertyShape))
        for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            candidates |= set(shapes.subjects(predicate, None))
        for node in sorted(candidates, key=str):
            shape = self.shape(node)
            if shape.targets and shapes.value(node, SH.deactivated) != rdflib.Literal(True):
                self.roots.append(shape)

    # compile ------------------------------------------------------------------------------
    def shape(self, node) -> Shape:
        if node in self.compiled:
            return self.compiled[node]
        g = self.g
        present = set(g.predicates(node, None))
        for predicate in present:
            if predicate == RDF.type or predicate in SHAPE_PARAMETERS or predicate in PARAMETERS \
                    or str(predicate).startswith(IGNORED_NAMESPACES):
                continue
            if str(predicate).startswith(str(SH)):
                raise Unsupported(f"{predicate} in shape {node}")
        messages = {}
        for message in g.objects(node, SH.message):
            messages[message.language or ""] = str(message)
        severity = {SH.Warning: "Warning", SH.Info: "Info"}.get(g.value(node, SH.severity), "Violation")
        shape = Shape(str(node) if isinstance(node, rdflib.URIRef) else f"_:{node}", severity, messages)
        self.compiled[node] = shape
        path = g.value(node, SH.path)
        if path is not None:
            shape.path, shape.path_text = compile_path(g, path)
        self._targets(node, shape)
        for component in COMPONENTS:
            if not present.isdisjoint(component.parameters):
                component.compile(self, node, shape)
        return shape

    def _instances(self, cls: str):
        classes = [ox.NamedNode(c) for c in sorted(self.subclasses.get(cls, {cls}))]
        memo = self._memo

        def instances(store):
            key = (id(store), cls)
            found = memo.get(key)
            if found is None:
                found = memo[key] = {q.subject for c in classes
                                     for q in store.quads_for_pattern(None, RDF_TYPE, c, None)}
            return found
        return instances

    def _targets(self, node, shape: Shape) -> None:
        g = self.g
        for cls in g.objects(node, SH.targetClass):
            shape.targets.append(self._instances(str(cls)))
        nodes = [to_ox(n) for n in g.objects(node, SH.targetNode)]
        if nodes:
            def fixed(store, nodes=nodes):
                for n in nodes:
                    if isinstance(n, ox.Literal) or next(store.quads_for_pattern(n, None, None, None), None) \
                            or next(store.quads_for_pattern(None, None, n, None), None):
                        yield n
            shape.targets.append(fixed)
        for p in g.objects(node, SH.targetSubjectsOf):
            pred = ox.NamedNode(str(p))
            shape.targets.append(lambda store, pred=pred: {
                q.subject for q in store.quads_for_pattern(None, pred, None, None)})
        for p in g.objects(node, SH.targetObjectsOf):
            pred = ox.NamedNode(str(p))
            shape.targets.append(lambda store, pred=pred: {
                q.object for q in store.quads_for_pattern(None, pred, None, None)})
        if (node, RDF.type, RDFS.Class) in g or (node, RDF.type, rdflib.OWL.Class) in g:
            shape.targets.append(self._instances(str(node)))

    # evaluate -----------------------------------------------------------------------------
    def conforms(self, store: ox.Store, focus: Node, shape: Shape) -> bool:
        found: list[Result] = []
        self._evaluate(store, shape, focus, found)
        return not found

    def _evaluate(self, store: ox.Store, shape: Shape, focus: Node, out: list[Result],
                  anchor: Node | None = None) -> None:
        if not isinstance(focus, ox.Literal) or anchor is None:
            anchor = focus
        values = set(shape.path(store, focus)) if shape.path is not None else {focus}
        for component, check in shape.value_checks:
            for value in values:
                if not check(store, value):
                    out.append(Result(focus, shape.path_text, value, shape.iri, component, shape.severity,
                                      shape.messages, anchor))
        for component, check in shape.set_checks:
            for offending in check(store, focus, values):
                path, value = shape.path_text, offending
                if isinstance(offending, tuple):  # sh:closed reports the predicate as the path
                    _, predicate, value = offending
                    path = predicate.value
                out.append(Result(focus, path, value, shape.iri, component, shape.severity, shape.messages,
                                  anchor))
        for child in shape.children:
            for value in values:
                self._evaluate(store, child, value, out, anchor)

    def validate(self, store: ox.Store) -> list[Result]:
        results: list[Result] = []
        try:
            for shape in self.roots:
                focus_nodes: set = set()
                for target in shape.targets:
                    focus_nodes.update(target(store))
                for focus in focus_nodes:
                    self._evaluate(store, shape, focus, results)
        finally:
            self._memo.clear()
        return results


def subclass_closure(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """class -> itself and every (transitive) subclass, from (sub, super) pairs."""
    children: dict[str, set[str]] = {}
    for sub, sup in pairs:
        children.setdefault(sup, set()).add(sub)
    closure: dict[str, set[str]] = {}

    def down(cls: str) -> set[str]:
        if cls in closure:
            return closure[cls]
        closure[cls] = {cls}
        for child in children.get(cls, ()):
            closure[cls] |= down(child)
        return closure[cls]
    for cls in list(children):
        down(cls)
    return closure
