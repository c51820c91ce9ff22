"""Every validation result lands on the passport it is about, also when its focus node is a blank
node or a literal, and only the passports that fail go to pySHACL (issue 11, item 13)."""

from __future__ import annotations

import pytest
from conftest import BASE, docs_from, dump, passport_ttl

from registry.model.uris import passport_ref
from registry.validation.validator import Validator

A, B = (passport_ref(BASE, "GM0153", key).iri for key in ("brug-a", "brug-b"))


def _broken_through_a_blank_node() -> str:
    """Passport b's detachability assessment (a blank node) has an index above one."""
    return passport_ttl("brug-a") + passport_ttl("brug-b").replace("mp:detachabilityIndex 0.82",
                                                                   "mp:detachabilityIndex 1.5")


def _blank_issues(verdict) -> list:
    return [i for i in verdict.issues if i.focus.startswith("_:")]


def test_a_violation_on_a_blank_node_refuses_only_its_own_passport(registry):
    report = registry.add(docs_from(_broken_through_a_blank_node()))
    assert [v.iri for v in report.rejected] == [B]
    assert report.created == [A]
    (rejected,) = report.rejected
    assert any("detachabilityIndex" in i.path and i.severity == "Violation" for i in _blank_issues(rejected))
    assert all(not _blank_issues(v) for v in report.warnings)  # nothing of b's assessment on a
    stored = registry.get(passport_ref(BASE, "GM0153", "brug-a"))
    assert any("0.82" in str(t) for t in stored)


def test_a_warning_on_a_blank_node_is_reported_on_its_own_passport_only(registry):
    extra = ("<http://localhost:8000/id/component/GM0153/brug-b/deck> "
             "<https://w3id.org/materiaalpaspoort/def#hasComponent> "
             "[ a <https://w3id.org/materiaalpaspoort/def#Component> ] .\n")
    early = passport_ttl("brug-b").replace("phase:management", "phase:exploration")  # no quantities needed
    report = registry.add(docs_from(passport_ttl("brug-a") + early + extra))
    assert not report.rejected and sorted(report.created) == [A, B]
    warned = {v.iri: v for v in report.warnings}
    assert _blank_issues(warned[B]), "the unlabelled blank component's warnings are on b"
    assert A not in warned or not _blank_issues(warned[A])


def test_a_dirty_batch_refuses_only_the_broken_passport(registry):
    """One passport of 60 broken through a blank node: 59 are stored (before the fix the result,
    owned by no one, was put on all 60, and all 60 went to pySHACL and were refused)."""
    text = "".join(passport_ttl(f"brug-{n}") for n in range(59)) + passport_ttl("brug-x").replace(
        "mp:detachabilityIndex 0.82", "mp:detachabilityIndex 7")
    before = dump(registry)
    report = registry.add(docs_from(text))
    assert [v.iri for v in report.rejected] == [passport_ref(BASE, "GM0153", "brug-x").iri]
    assert len(report.created) == 59
    assert dump(registry) != before and registry.count_passports() == 59


_LITERAL_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mp: <https://w3id.org/materiaalpaspoort/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix t: <urn:test:> .

# a literal as the focus node of a target
t:ShortSourceIds a sh:NodeShape ;
    sh:targetObjectsOf mp:sourceIdentifier ;
    sh:maxLength 5 ;
    sh:message "source identifiers are at most 5 characters"@en .

# a literal as the focus node of a nested shape, reached from one passport's quantity
t:DerivedFrom a sh:PropertyShape ;
    sh:targetSubjectsOf mp:derivedFrom ;
    sh:path mp:derivedFrom ;
    sh:property t:DerivedFromLabel .
t:DerivedFromLabel a sh:PropertyShape ;
    sh:path rdfs:label ;
    sh:minCount 1 ;
    sh:message "a literal has no label"@en .
"""


@pytest.fixture(scope="module")
def literal_validator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shapes")
    (folder / "literal.ttl").write_text(_LITERAL_SHAPES, encoding="utf-8")
    return Validator(shapes_dir=folder)


def test_results_on_literal_focus_nodes_land_on_the_passport_holding_them(literal_validator):
    derived = 'mp:derivedFrom "lengte 48 m x 50 kg/m (tekening 1978)"'
    # a: a short source ID, and the same text as b's mp:derivedFrom, but as a comment (no target)
    a = passport_ttl("brug-a").replace('mp:sourceIdentifier "BR-0042"', 'mp:sourceIdentifier "A1"') \
        .replace(derived, 'rdfs:comment "lengte 48 m x 50 kg/m (tekening 1978)"')
    b = passport_ttl("brug-b")
    verdicts = {v.iri: v for v in literal_validator.validate(docs_from(a + b))}
    assert verdicts[A].conforms and not verdicts[A].issues, [i.as_dict() for i in verdicts[A].issues]
    b_issues = {(i.focus, i.shape) for i in verdicts[B].issues}
    assert ("BR-0042", "urn:test:ShortSourceIds") in b_issues
    assert ("lengte 48 m x 50 kg/m (tekening 1978)", "urn:test:DerivedFromLabel") in b_issues
