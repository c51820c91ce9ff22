"""SHACL validation of passport documents with pySHACL, in batches.

The shapes are ``shapes/*.ttl``; the data graph of a batch holds the batch's passports plus the
ontology's ``rdfs:subClassOf`` triples (so ``sh:targetClass mp:PhysicalObject`` reaches a
``mp:Bridge``). Before SHACL, terms in the registry's own namespaces are checked against the
ontology: a misspelt ``mp:`` property or an unknown material concept is named as such.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from registry.core.resources import SHAPES_DIR
from registry.model.documents import PassportDoc
from registry.model.integrity import integrity_problems
from registry.model.managed import structural_problems
from registry.model.reference import load_ontology_store
from registry.model.vocab import MP, MPV
from registry.validation.engine import ShapesProgram, Unsupported, subclass_closure
from registry.validation.fields import field_label, field_of
from registry.validation.owners import BatchOwners, ReportOwners, batch_store
from registry.validation.shapes_graph import load_shapes

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

    @property
    def field(self) -> tuple[str, str]:
        """(English, Dutch) plain name of the field this is about (:mod:`registry.validation.fields`)."""
        return field_of(self.path, self.shape)

    def as_dict(self) -> dict:
        en, nl = self.field
        return {"severity": self.severity, "focus": self.focus, "field": field_label(self.path, self.shape),
                "field_en": en, "field_nl": nl, "path": self.path, "value": self.value,
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
        self.shapes = load_shapes(shapes_dir)
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
                verdict.issues.append(Issue("Violation", {"en": problem.en, "nl": problem.nl},
                                            focus=problem.focus, path=problem.path, value=problem.value,
                                            constraint="structure"))
            for rule in integrity_problems(doc.triples, doc.ref):
                verdict.issues.append(Issue("Violation", {"en": rule.en, "nl": rule.nl}, focus=rule.node,
                                            constraint=f"integrity:{rule.rule}"))
            verdict.issues.extend(self.unknown_terms(doc))
            if verdict.conforms:
                checked.append((doc, verdict))
        if not checked:
            return verdicts
        if self.program is None:
            self._pyshacl(checked)
            return verdicts
        by_iri = {doc.iri: verdict for doc, verdict in checked}
        owners = BatchOwners([doc for doc, _ in checked])
        for result in self.program.validate(owners.store):
            issue = Issue(result.severity, dict(result.messages), focus=_text(result.focus), path=result.path,
                          value=_text(result.value), shape=result.shape, constraint=result.component)
            for owner in owners.of(result.focus, result.anchor):
                by_iri[owner].issues.append(issue)
        failing = [(doc, verdict) for doc, verdict in checked if not verdict.conforms]
        if failing:
            found = {verdict.iri: {i.shape for i in verdict.issues} for _, verdict in failing}
            for _, verdict in failing:
                verdict.issues = [i for i in verdict.issues if i.constraint in ("structure", "unknown-term")]
            self._pyshacl(failing, found)
        return verdicts

    def _pyshacl(self, pairs: list[tuple[PassportDoc, Verdict]],
                 found: dict[str, set[str]] | None = None) -> None:
        """Validate with pySHACL, the reference implementation, and add its results to the verdicts.

        ``found``: the shapes the compiled engine reported per passport; a result on a node that
        several passports hold (a shared literal) goes to those of them the engine found it for.
        """
        data = rdflib.Graph()
        by_iri = {doc.iri: verdict for doc, verdict in pairs}
        owners = ReportOwners(pairs[0][0].ref.base, list(by_iri))
        for doc, _ in pairs:
            bnodes: dict = {}
            add, hold = data.add, owners.hold
            for t in doc.triples:
                subject, obj = _to_rdflib(t.subject, bnodes), _to_rdflib(t.object, bnodes)
                add((subject, _to_rdflib(t.predicate, bnodes), obj))
                hold(doc.iri, subject, obj)
        for triple in self.hierarchy:
            data.add(triple)
        from pyshacl import validate as shacl_validate  # only for shapes the compiled engine lacks

        _, report, _ = shacl_validate(data, shacl_graph=self.shapes, inference="none",
                                      abort_on_first=False, allow_warnings=True, allow_infos=True,
                                      inplace=True)
        for issue, focus in _report_results(report):
            holders = owners.of(focus)
            if found and len(holders) > 1:
                holders = [iri for iri in holders if issue.shape in found.get(iri, ())] or holders
            for owner in holders:
                by_iri[owner].issues.append(issue)


def _text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


_batch_store = batch_store  # the name the engine comparison test uses


def read_report(report: rdflib.Graph) -> list[Issue]:
    """The results of a SHACL validation report graph, messages by language."""
    issues = [issue for issue, _ in _report_results(report)]
    issues.sort(key=lambda i: (i.focus, i.path, i.constraint))
    return issues


def _report_results(report: rdflib.Graph) -> list[tuple[Issue, object]]:
    """Each result of a report as an ``Issue``, with its focus node as the report's term."""
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        messages: dict[str, str] = defaultdict(str)
        for message in report.objects(result, SH.resultMessage):
            messages[getattr(message, "language", None) or ""] = str(message)
        focus = report.value(result, SH.focusNode)
        found.append((Issue(
            severity=SEVERITIES.get(report.value(result, SH.resultSeverity), "Violation"),
            message=dict(messages),
            focus=f"_:{focus}" if isinstance(focus, rdflib.BNode) else str(focus or ""),
            path=_term_text(report.value(result, SH.resultPath)),
            value=_term_text(report.value(result, SH.value)),
            shape=_term_text(report.value(result, SH.sourceShape)),
            constraint=_term_text(report.value(result, SH.sourceConstraintComponent))), focus))
    found.sort(key=lambda pair: (pair[0].focus, pair[0].path, pair[0].constraint))
    return found


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
