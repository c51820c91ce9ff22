"""SHACL validation of passport documents with pySHACL, in batches.

The shapes are ``shapes/*.ttl``; the data graph of a batch holds the batch's passports plus the
ontology's ``rdfs:subClassOf`` triples (so ``sh:targetClass mp:PhysicalObject`` reaches a
``mp:Bridge``). Before SHACL, terms in the registry's own namespaces are checked against the
ontology: a misspelt ``mp:`` property or an unknown material concept is named as such.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from registry.core.resources import SHAPES_DIR
from registry.model.documents import PassportDoc, structural_problems
from registry.model.reference import load_ontology_store
from registry.model.uris import owning_passport
from registry.model.vocab import MP, MPV
from registry.validation.engine import ShapesProgram, Unsupported, subclass_closure

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass
class Issue:
    """One finding about one passport, readable by a person and a machine."""

    severity: str  # Violation, Warning or Info
    message: dict[str, str]  # language -> text; "" when the source gave no language
    focus: str = ""
    path: str = ""
    value: str = ""
    shape: str = ""
    constraint: str = ""

    def text(self, lang: str = "en") -> str:
        return self.message.get(lang) or self.message.get("") or next(iter(self.message.values()), "")

    def as_dict(self) -> dict:
        return {"severity": self.severity, "focus": self.focus, "path": self.path, "value": self.value,
                "message": self.text("en"), "message_nl": self.text("nl"), "shape": self.shape,
                "constraint": self.constraint}


@dataclass
class Verdict:
    """The validator's word on one passport."""

    iri: str
    issues: list[Issue] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(i.severity == "Violation" for i in self.issues)


def _to_rdflib(term, bnodes: dict):
    if isinstance(term, ox.NamedNode):
        return _iri(term.value)
    if isinstance(term, ox.BlankNode):
        node = bnodes.get(term.value)
        if node is None:
            node = bnodes[term.value] = rdflib.BNode()
        return node
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=_iri(datatype))


@functools.lru_cache(maxsize=200_000)
def _iri(value: str) -> rdflib.URIRef:
    return rdflib.URIRef(value)


class Validator:
    """Loads the shapes and the ontology once; validates batches of passports.

    ``engine="fast"`` (the default) runs the compiled shapes of ``registry.validation.engine`` on
    the whole batch and asks pySHACL, the reference, for the report of every passport it finds a
    violation in, so a rejection always carries pySHACL's report. ``engine="pyshacl"`` runs pySHACL
    on everything.
    """

    def __init__(self, shapes_dir=SHAPES_DIR, engine: str = "fast"):
        self.engine = engine
        self.shapes = rdflib.Graph()
        for path in sorted(shapes_dir.glob("*.ttl")):
            self.shapes.parse(path, format="turtle")
        ontology = load_ontology_store()
        pairs = [(q.subject.value, q.object.value)
                 for q in ontology.quads_for_pattern(None, ox.NamedNode(str(rdflib.RDFS.subClassOf)), None)
                 if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)]
        self.hierarchy = [(_iri(a), rdflib.RDFS.subClassOf, _iri(b)) for a, b in pairs]
        self.known_terms = frozenset(
            q.subject.value for q in ontology if isinstance(q.subject, ox.NamedNode)
            and q.subject.value.startswith((MP, MPV)))
        self.program: ShapesProgram | None = None
        if engine == "fast":
            try:
                self.program = ShapesProgram(self.shapes, subclass_closure(pairs))
            except Unsupported:
                self.program = None  # shapes beyond the compiled subset: pySHACL does everything

    def unknown_terms(self, doc: PassportDoc) -> list[Issue]:
        issues, seen = [], set()
        for t in doc.triples:
            for term in (t.predicate, t.object):
                if (isinstance(term, ox.NamedNode) and term.value.startswith((MP, MPV))
                        and term.value not in self.known_terms and term.value not in seen):
                    seen.add(term.value)
                    issues.append(Issue(
                        "Violation", {
                            "en": f"unknown term {term.value}: it is not in the registry's ontology or "
                                  "vocabularies; check the spelling or pick a term from /def",
                            "nl": f"onbekende term {term.value}: die staat niet in de ontologie of de "
                                  "begrippenlijsten van het register; controleer de spelling"},
                        focus=str(t.subject.value if isinstance(t.subject, ox.NamedNode) else t.subject),
                        path=t.predicate.value, value=term.value, constraint="unknown-term"))
        return issues

    def validate(self, docs: Iterable[PassportDoc], municipality: str | None = None) -> list[Verdict]:
        """One verdict per document, in order; SHACL runs once for the whole batch."""
        docs = list(docs)
        verdicts = [Verdict(doc.iri) for doc in docs]
        checked: list[tuple[PassportDoc, Verdict]] = []
        for doc, verdict in zip(docs, verdicts):
            for problem in structural_problems(doc, municipality):
                verdict.issues.append(Issue("Violation", {"en": problem, "nl": problem}, focus=doc.iri,
                                            constraint="structure"))
            verdict.issues.extend(self.unknown_terms(doc))
            if verdict.conforms:
                checked.append((doc, verdict))
        if not checked:
            return verdicts
        if self.program is None:
            self._pyshacl(checked)
            return verdicts
        checked_docs = [doc for doc, _ in checked]
        store = _batch_store(checked_docs)
        by_iri = {doc.iri: verdict for doc, verdict in checked}
        base = checked[0][0].ref.base
        for result in self.program.validate(store):
            focus = result.focus
            owner = _bnode_owner(checked_docs, focus.value) if isinstance(focus, ox.BlankNode) else None
            if owner is None and isinstance(focus, ox.NamedNode):
                ref = owning_passport(base, focus.value)
                owner = ref.iri if ref else None
            issue = Issue(result.severity, dict(result.messages), focus=_text(focus), path=result.path,
                          value=_text(result.value), shape=result.shape, constraint=result.component)
            for verdict in ([by_iri[owner]] if owner in by_iri else [v for _, v in checked]):
                verdict.issues.append(issue)
        failing = [(doc, verdict) for doc, verdict in checked if not verdict.conforms]
        if failing:
            for _, verdict in failing:
                verdict.issues = [i for i in verdict.issues if i.constraint in ("structure", "unknown-term")]
            self._pyshacl(failing)
        return verdicts

    def _pyshacl(self, pairs: list[tuple[PassportDoc, Verdict]]) -> None:
        """Validate with pySHACL, the reference implementation, and add its results to the verdicts."""
        data = rdflib.Graph()
        owner_of_bnode: dict[rdflib.BNode, str] = {}
        for doc, _ in pairs:
            bnodes: dict = {}
            add = data.add
            for t in doc.triples:
                add((_to_rdflib(t.subject, bnodes), _to_rdflib(t.predicate, bnodes),
                     _to_rdflib(t.object, bnodes)))
            for node in bnodes.values():
                owner_of_bnode[node] = doc.iri
        for triple in self.hierarchy:
            data.add(triple)
        base = pairs[0][0].ref.base
        by_iri = {doc.iri: verdict for doc, verdict in pairs}
        from pyshacl import validate as shacl_validate  # only for shapes the compiled engine lacks

        _, report, _ = shacl_validate(data, shacl_graph=self.shapes, inference="none",
                                      abort_on_first=False, allow_warnings=True, allow_infos=True,
                                      inplace=True)
        for issue in read_report(report):
            focus = issue.focus
            owner = owner_of_bnode.get(rdflib.BNode(focus[2:])) if focus.startswith("_:") else None
            if owner is None:
                ref = owning_passport(base, focus)
                owner = ref.iri if ref else None
            for verdict in ([by_iri[owner]] if owner in by_iri else [v for _, v in pairs]):
                verdict.issues.append(issue)


def _text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _batch_store(docs: list[PassportDoc]) -> ox.Store:
    """An in-memory store of a batch, loaded through pyoxigraph's own serialiser and parser.

    Blank nodes must already be distinct between documents: the file readers parse with
    ``rename_blank_nodes=True`` and generators use ``pyoxigraph.BlankNode()``.
    """
    store = ox.Store()
    data = ox.serialize(itertools.chain.from_iterable(doc.triples for doc in docs),
                        format=ox.RdfFormat.N_TRIPLES)
    store.load(data, ox.RdfFormat.N_TRIPLES)
    return store


def _bnode_owner(docs: list[PassportDoc], label: str) -> str | None:
    for doc in docs:
        for t in doc.triples:
            if (isinstance(t.subject, ox.BlankNode) and t.subject.value == label) or \
                    (isinstance(t.object, ox.BlankNode) and t.object.value == label):
                return doc.iri
    return None


def read_report(report: rdflib.Graph) -> list[Issue]:
    """The results of a SHACL validation report graph, messages by language."""
    issues = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        messages: dict[str, str] = defaultdict(str)
        for message in report.objects(result, SH.resultMessage):
            messages[getattr(message, "language", None) or ""] = str(message)
        focus = report.value(result, SH.focusNode)
        issues.append(Issue(
            severity=SEVERITIES.get(report.value(result, SH.resultSeverity), "Violation"),
            message=dict(messages),
            focus=f"_:{focus}" if isinstance(focus, rdflib.BNode) else str(focus or ""),
            path=_term_text(report.value(result, SH.resultPath)),
            value=_term_text(report.value(result, SH.value)),
            shape=_term_text(report.value(result, SH.sourceShape)),
            constraint=_term_text(report.value(result, SH.sourceConstraintComponent))))
    issues.sort(key=lambda i: (i.focus, i.path, i.constraint))
    return issues


def _term_text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


def report_graph(verdicts: Iterable[Verdict]) -> rdflib.Graph:
    """A sh:ValidationReport graph for the given verdicts (for HTTP 422 and --format ttl)."""
    graph = rdflib.Graph()
    graph.bind("sh", SH)
    report = rdflib.BNode()
    verdicts = list(verdicts)
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, rdflib.Literal(all(v.conforms for v in verdicts))))
    for verdict in verdicts:
        for issue in verdict.issues:
            result = rdflib.BNode()
            graph.add((report, SH.result, result))
            graph.add((result, RDF.type, SH.ValidationResult))
            graph.add((result, SH.resultSeverity, getattr(SH, issue.severity)))
            graph.add((result, SH.focusNode, rdflib.URIRef(issue.focus) if issue.focus.startswith("http")
                       else rdflib.Literal(issue.focus)))
            for lang, text in issue.message.items():
                graph.add((result, SH.resultMessage, rdflib.Literal(text, lang=lang or None)))
            if issue.path:
                graph.add((result, SH.resultPath, rdflib.URIRef(issue.path)))
            if issue.shape:
                graph.add((result, SH.sourceShape, rdflib.URIRef(issue.shape)))
            if issue.constraint.startswith("http"):
                graph.add((result, SH.sourceConstraintComponent, rdflib.URIRef(issue.constraint)))
            if issue.value:
                graph.add((result, SH.value, rdflib.Literal(issue.value)))
    return graph
