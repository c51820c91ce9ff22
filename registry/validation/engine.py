"""A compiled SHACL Core validator over pyoxigraph, for validating large batches fast.

pySHACL is the reference implementation and stays the one that writes the reports users see for
rejected passports (see ``validation.py``). It evaluates each constraint through rdflib's Python
graph, about 20 passports/s for our shapes; bulk imports need a hundred times more. This module
reads the same shapes graph once, turns every shape into Python closures, and evaluates them on a
batch held in an in-memory pyoxigraph store, whose indexes answer each path step in microseconds.

It implements the SHACL Core features the shapes use and the usual rest (targets, all path kinds,
value type, cardinality, value range, string, property pair equality/disjointness, logical,
shape-based and other constraint components). A shapes graph that uses anything else (SHACL-SPARQL,
lessThan, ...) raises ``Unsupported`` at compile time and the validator falls back to pySHACL for
everything. ``tests/test_shacl_engine.py`` checks that both give the same results, shape by shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

Node = ox.NamedNode | ox.BlankNode | ox.Literal
RDF_TYPE = ox.NamedNode(str(RDF.type))
LANG_STRING = str(RDF.langString)


class Unsupported(ValueError):
    """The shapes use a feature this engine does not implement."""


@dataclass
class Result:
    focus: Node
    path: str
    value: Node | None
    shape: str
    component: str
    severity: str
    messages: dict[str, str]


def _ox(term) -> Node:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise Unsupported(f"term {term!r}")


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
    str(XSD.dateTime): re.compile(
        rf"^-?[0-9]{{4,}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?{_TZ}$"),
    str(XSD.gYear): re.compile(rf"^-?[0-9]{{4,}}{_TZ}$"),
    str(XSD.anyURI): None,
}
NUMERIC = {str(XSD.decimal), str(XSD.integer), str(XSD.double), str(XSD.float), str(XSD.nonNegativeInteger),
           str(XSD.positiveInteger), str(XSD.int), str(XSD.long)}


def well_formed(literal: ox.Literal, datatype: str) -> bool:
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


def _comparable(value: Node, bound: ox.Literal):
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


# --- paths -----------------------------------------------------------------------------------

PathFn = Callable[[ox.Store, Node], Iterator[Node]]


def _compile_path(g: rdflib.Graph, path) -> tuple[PathFn, str]:
    if isinstance(path, rdflib.URIRef):
        predicate = ox.NamedNode(str(path))

        def forward(store, node):
            if isinstance(node, ox.Literal):
                return iter(())
            return [q.object for q in store.quads_for_pattern(node, predicate, None, None)]
        return forward, str(path)
    if (path, RDF.first, None) in g:
        steps = [_compile_path(g, p) for p in Collection(g, path)]

        def sequence(store, node):
            current = {node}
            for step, _ in steps:
                current = {v for n in current for v in step(store, n)}
            return iter(current)
        return sequence, "/".join(d for _, d in steps)
    inverse = g.value(path, SH.inversePath)
    if inverse is not None:
        step, desc = _compile_path(g, inverse)
        if not isinstance(inverse, rdflib.URIRef):
            raise Unsupported("inverse of a complex path")
        predicate = ox.NamedNode(str(inverse))

        def backward(store, node):
            return [q.subject for q in store.quads_for_pattern(None, predicate, node, None)]
        return backward, f"^{desc}"
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        options = [_compile_path(g, p) for p in Collection(g, alternatives)]

        def alternative(store, node):
            return iter({v for step, _ in options for v in step(store, node)})
        return alternative, "|".join(d for _, d in options)
    for kind, suffix, include_self, repeat in ((SH.zeroOrMorePath, "*", True, True),
                                               (SH.oneOrMorePath, "+", False, True),
                                               (SH.zeroOrOnePath, "?", True, False)):
        inner = g.value(path, kind)
        if inner is None:
            continue
        step, desc = _compile_path(g, inner)

        def closure(store, node, step=step, include_self=include_self, repeat=repeat):
            seen = {node} if include_self else set()
            frontier = [node]
            while frontier:
                nxt = []
                for n in frontier:
                    for v in step(store, n):
                        if v not in seen:
                            seen.add(v)
                            nxt.append(v)
                frontier = nxt if repeat else []
            return iter(seen)
        return closure, f"({desc}){suffix}"
    raise Unsupported(f"path {path!r}")


# --- shapes ----------------------------------------------------------------------------------

SUPPORTED = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path, SH.property,
             SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order, SH.group,
             SH.defaultValue, SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind, SH["class"], SH["in"],
             SH.pattern, SH.flags, SH.minLength, SH.maxLength, SH.minInclusive, SH.maxInclusive,
             SH.minExclusive, SH.maxExclusive, SH.hasValue, SH.node, SH["not"], SH["or"], SH["and"],
             SH.xone, SH.closed, SH.ignoredProperties, SH.languageIn, SH.uniqueLang, SH.equals,
             SH.disjoint, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
             SH.qualifiedValueShapesDisjoint}
IGNORED_NAMESPACES = (str(RDFS), "http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#",
                      "http://www.w3.org/2002/07/owl#")


@dataclass
class Shape:
    iri: str
    severity: str
    messages: dict[str, str]
    path: PathFn | None = None
    path_text: str = ""
    targets: list[Callable[[ox.Store], Iterable[Node]]] = field(default_factory=list)
    # value checks: (component, per-value predicate returning True when the value conforms)
    value_checks: list[tuple[str, Callable[[ox.Store, Node], bool]]] = field(default_factory=list)
    # set checks: (component, fn(store, focus, values) -> list of offending values or [None])
    set_checks: list[tuple[str, Callable]] = field(default_factory=list)
    children: list[Shape] = field(default_factory=list)  # sh:property


class ShapesProgram:
    """Shapes compiled from a shapes graph; ``validate(store)`` returns SHACL results."""

    def __init__(self, shapes: rdflib.Graph, subclasses: dict[str, set[str]]):
        self.g = shapes
        self.subclasses = subclasses  # class IRI -> itself and all its subclasses
        self.compiled: dict = {}
        self.roots: list[Shape] = []
        self._memo: dict = {}  # targets of the batch being validated
        candidates = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
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
        for predicate in set(g.predicates(node, None)):
            if predicate == RDF.type or predicate in SUPPORTED or str(predicate).startswith(IGNORED_NAMESPACES):
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
            shape.path, shape.path_text = _compile_path(g, path)
        self._targets(node, shape)
        self._constraints(node, shape)
        shape.children = [self.shape(p) for p in g.objects(node, SH.property)]
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
        nodes = [_ox(n) for n in g.objects(node, SH.targetNode)]
        if nodes:
            def fixed(store, nodes=nodes):
                for n in nodes:
                    if isinstance(n, ox.Literal) or next(store.quads_for_pattern(n, None, None, None), None) \
                            or next(store.quads_for_pattern(None, None, n, None), None):
                        yield n
            shape.targets.append(fixed)
        for p in g.objects(node, SH.targetSubjectsOf):
            pred = ox.NamedNode(str(p))
            shape.targets.append(lambda store, pred=pred: {q.subject for q in store.quads_for_pattern(None, pred, None, None)})
        for p in g.objects(node, SH.targetObjectsOf):
            pred = ox.NamedNode(str(p))
            shape.targets.append(lambda store, pred=pred: {q.object for q in store.quads_for_pattern(None, pred, None, None)})
        if (node, RDF.type, RDFS.Class) in g or (node, RDF.type, rdflib.OWL.Class) in g:
            shape.targets.append(self._instances(str(node)))

    def _constraints(self, node, s: Shape) -> None:
        g = self.g
        value = g.value
        v = s.value_checks.append
        if (cls := list(g.objects(node, SH["class"]))):
            for c in cls:
                allowed = {ox.NamedNode(x) for x in self.subclasses.get(str(c), {str(c)})}

                def has_class(store, n, allowed=allowed):
                    if isinstance(n, ox.Literal):
                        return False
                    return any(q.object in allowed for q in store.quads_for_pattern(n, RDF_TYPE, None, None))
                v((str(SH.ClassConstraintComponent), has_class))
        if (dt := value(node, SH.datatype)) is not None:
            dt = str(dt)

            def has_datatype(store, n, dt=dt):
                if not isinstance(n, ox.Literal):
                    return False
                actual = LANG_STRING if n.language else n.datatype.value
                return actual == dt and well_formed(n, dt)
            v((str(SH.DatatypeConstraintComponent), has_datatype))
        if (kind := value(node, SH.nodeKind)) is not None:
            allowed_kinds = {
                SH.IRI: (ox.NamedNode,), SH.BlankNode: (ox.BlankNode,), SH.Literal: (ox.Literal,),
                SH.BlankNodeOrIRI: (ox.BlankNode, ox.NamedNode), SH.BlankNodeOrLiteral: (ox.BlankNode, ox.Literal),
                SH.IRIOrLiteral: (ox.NamedNode, ox.Literal)}[kind]
            v((str(SH.NodeKindConstraintComponent), lambda store, n, k=allowed_kinds: isinstance(n, k)))
        if (members := value(node, SH["in"])) is not None:
            allowed_values = {_ox(m) for m in Collection(g, members)}
            v((str(SH.InConstraintComponent), lambda store, n, a=allowed_values: n in a))
        if (pattern := value(node, SH.pattern)) is not None:
            flags = str(value(node, SH.flags) or "")
            regex = re.compile(str(pattern), (re.IGNORECASE if "i" in flags else 0) | (re.DOTALL if "s" in flags else 0)
                               | (re.MULTILINE if "m" in flags else 0) | (re.VERBOSE if "x" in flags else 0))
            v((str(SH.PatternConstraintComponent),
               lambda store, n, r=regex: not isinstance(n, ox.BlankNode) and r.search(n.value) is not None))
        for key, component, test in (
                (SH.minLength, SH.MinLengthConstraintComponent, lambda a, b: a >= b),
                (SH.maxLength, SH.MaxLengthConstraintComponent, lambda a, b: a <= b)):
            if (bound := value(node, key)) is not None:
                limit = int(bound)
                v((str(component), lambda store, n, limit=limit, test=test:
                   not isinstance(n, ox.BlankNode) and test(len(n.value), limit)))
        for key, component, test in (
                (SH.minInclusive, SH.MinInclusiveConstraintComponent, lambda a, b: a >= b),
                (SH.maxInclusive, SH.MaxInclusiveConstraintComponent, lambda a, b: a <= b),
                (SH.minExclusive, SH.MinExclusiveConstraintComponent, lambda a, b: a > b),
                (SH.maxExclusive, SH.MaxExclusiveConstraintComponent, lambda a, b: a < b)):
            if (bound := value(node, key)) is not None:
                limit = _ox(bound)

                def in_range(store, n, limit=limit, test=test):
                    pair = _comparable(n, limit)
                    return pair is not None and test(*pair)
                v((str(component), in_range))
        if (langs := value(node, SH.languageIn)) is not None:
            wanted = [str(x).lower() for x in Collection(g, langs)]
            v((str(SH.LanguageInConstraintComponent), lambda store, n, w=wanted: isinstance(n, ox.Literal)
               and bool(n.language) and any(n.language.lower() == x or n.language.lower().startswith(x + "-")
                                            for x in w)))
        for key, component, expect in ((SH.node, SH.NodeConstraintComponent, True),
                                       (SH["not"], SH.NotConstraintComponent, False)):
            for target in g.objects(node, key):
                inner = self.shape(target)
                v((str(component), lambda store, n, inner=inner, expect=expect: self.conforms(store, n, inner) == expect))
        for key, component, ok in ((SH["or"], SH.OrConstraintComponent, lambda k, total: k >= 1),
                                   (SH["and"], SH.AndConstraintComponent, lambda k, total: k == total),
                                   (SH.xone, SH.XoneConstraintComponent, lambda k, total: k == 1)):
            for members in g.objects(node, key):
                inner = [self.shape(m) for m in Collection(g, members)]
                v((str(component), lambda store, n, inner=inner, ok=ok:
                   ok(sum(self.conforms(store, n, x) for x in inner), len(inner))))
        self._set_constraints(node, s)

    def _set_constraints(self, node, s: Shape) -> None:
        g = self.g
        value = g.value
        add = s.set_checks.append
        if (n := value(node, SH.minCount)) is not None:
            least = int(n)
            add((str(SH.MinCountConstraintComponent), lambda store, f, vals, least=least: [None] if len(vals) < least else []))
        if (n := value(node, SH.maxCount)) is not None:
            most = int(n)
            add((str(SH.MaxCountConstraintComponent), lambda store, f, vals, most=most: [None] if len(vals) > most else []))
        if (hv := value(node, SH.hasValue)) is not None:
            wanted = _ox(hv)
            add((str(SH.HasValueConstraintComponent), lambda store, f, vals, w=wanted: [] if w in vals else [None]))
        if value(node, SH.uniqueLang) == rdflib.Literal(True):
            def unique(store, f, vals):
                langs = [x.language.lower() for x in vals if isinstance(x, ox.Literal) and x.language]
                return [None] * len({lang for lang in langs if langs.count(lang) > 1})
            add((str(SH.UniqueLangConstraintComponent), unique))
        for key, component, bad in ((SH.equals, SH.EqualsConstraintComponent, "symmetric"),
                                    (SH.disjoint, SH.DisjointConstraintComponent, "common")):
            for p in g.objects(node, key):
                pred = ox.NamedNode(str(p))

                def compare(store, f, vals, pred=pred, bad=bad):
                    other = {q.object for q in store.quads_for_pattern(f, pred, None, None)} \
                        if not isinstance(f, ox.Literal) else set()
                    return list(vals ^ other) if bad == "symmetric" else list(vals & other)
                add((str(component), compare))
        if (qshape := value(node, SH.qualifiedValueShape)) is not None:
            inner = self.shape(qshape)
            if value(node, SH.qualifiedValueShapesDisjoint) == rdflib.Literal(True):
                raise Unsupported("sh:qualifiedValueShapesDisjoint")
            qmin, qmax = value(node, SH.qualifiedMinCount), value(node, SH.qualifiedMaxCount)

            def qualified(store, f, vals, inner=inner, qmin=qmin, qmax=qmax, which=None):
                k = sum(self.conforms(store, x, inner) for x in vals)
                if which == "min":
                    return [None] if k < int(qmin) else []
                return [None] if k > int(qmax) else []
            if qmin is not None:
                add((str(SH.QualifiedMinCountConstraintComponent), lambda st, f, vals, q=qualified: q(st, f, vals, which="min")))
            if qmax is not None:
                add((str(SH.QualifiedMaxCountConstraintComponent), lambda st, f, vals, q=qualified: q(st, f, vals, which="max")))
        if value(node, SH.closed) == rdflib.Literal(True):
            allowed = {ox.NamedNode(str(p)) for prop in g.objects(node, SH.property)
                       for p in [g.value(prop, SH.path)] if isinstance(p, rdflib.URIRef)}
            ignored = value(node, SH.ignoredProperties)
            if ignored is not None:
                allowed |= {ox.NamedNode(str(p)) for p in Collection(g, ignored)}

            def closed(store, f, vals, allowed=allowed):
                if isinstance(f, ox.Literal):
                    return []
                return [("closed", q.predicate, q.object) for q in store.quads_for_pattern(f, None, None, None)
                        if q.predicate not in allowed]
            add((str(SH.ClosedConstraintComponent), closed))

    # evaluate -----------------------------------------------------------------------------
    def conforms(self, store: ox.Store, focus: Node, shape: Shape) -> bool:
        found: list[Result] = []
        self._evaluate(store, shape, focus, found)
        return not found

    def _evaluate(self, store: ox.Store, shape: Shape, focus: Node, out: list[Result]) -> None:
        values = set(shape.path(store, focus)) if shape.path is not None else {focus}
        for component, check in shape.value_checks:
            for value in values:
                if not check(store, value):
                    out.append(Result(focus, shape.path_text, value, shape.iri, component, shape.severity,
                                      shape.messages))
        for component, check in shape.set_checks:
            for offending in check(store, focus, values):
                path, value = shape.path_text, offending
                if isinstance(offending, tuple):  # sh:closed reports the predicate as the path
                    _, predicate, value = offending
                    path = predicate.value
                out.append(Result(focus, path, value, shape.iri, component, shape.severity, shape.messages))
        for child in shape.children:
            for value in values:
                self._evaluate(store, child, value, out)

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
