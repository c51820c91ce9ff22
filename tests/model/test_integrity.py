"""The IRI rules of ``registry.model.integrity``: no forged versions, no dot segments, no script
schemes, no reaching into another passport; in the store, the write API and the CLI alike
(issue 11, item 6). Each refusal names the IRI and the rule."""

from __future__ import annotations

import pytest
from conftest import BASE, docs_from, dump, passport_ttl, run_cli

from registry.model.integrity import has_dot_segment
from registry.model.uris import passport_ref

P = f"{BASE}id/passport/GM0153/brug-0042"
OBJECT = f"{BASE}id/object/GM0153/brug-0042"
PREFIXES = ("@prefix mp: <https://w3id.org/materiaalpaspoort/def#> .\n"
            "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
            "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")
FORGED = (f"<{P}/v/9> prov:specializationOf <{BASE}id/passport/GM0150/brug-000297> ;\n"
          '    mp:versionNumber 9 ; prov:generatedAtTime "2030-01-01T00:00:00Z" .\n')
# In Turtle a resource is part of a passport when the passport links to it; in TriG, when it is in
# the passport's graph (the form of the attack in the issue).
FORGED_VERSION = f"<{P}> rdfs:seeAlso <{P}/v/9> .\n" + FORGED


def _trig(turtle_body: str) -> str:
    """The passport and ``extra`` as one named graph (TriG)."""
    lines = [line for line in turtle_body.splitlines() if not line.startswith("@prefix")]
    prefixes = [line for line in turtle_body.splitlines() if line.startswith("@prefix")]
    return "\n".join(prefixes) + f"\n<{P}> {{\n" + "\n".join(lines) + "\n}\n"

CASES = {
    # name: (extra Turtle, the IRI named, the rule)
    "forged version of another passport": (FORGED_VERSION, f"{P}/v/9", "version-space"),
    "version vocabulary on an own resource": (
        f"<{OBJECT}> prov:wasRevisionOf <http://example.org/x> .\n",
        "http://www.w3.org/ns/prov#wasRevisionOf", "version-vocabulary"),
    "dcterms:hasVersion on the passport": (
        f"<{P}> dcterms:hasVersion <{P}/v/99> .\n", "http://purl.org/dc/terms/hasVersion",
        "version-vocabulary"),
    "a registry-managed class": (
        f"<{OBJECT}> a mp:PassportVersion .\n", "https://w3id.org/materiaalpaspoort/def#PassportVersion",
        "version-vocabulary"),
    "a version IRI as an object": (
        f"<{OBJECT}> rdfs:seeAlso <{BASE}id/passport/GM0150/brug-7/v/2> .\n",
        f"{BASE}id/passport/GM0150/brug-7/v/2", "version-space"),
    "dot segments": (
        (f"<{OBJECT}> mp:hasComponent <{OBJECT}/../../GM0150/afvalbak-000001> .\n"
         f"<{OBJECT}/../../GM0150/afvalbak-000001> rdfs:label \"gekaapt\"@nl .\n"),
        f"{OBJECT}/../../GM0150/afvalbak-000001", "dot-segment"),
    "percent-encoded dot segments": (
        f"<{OBJECT}> mp:hasComponent <{BASE}id/component/GM0153/brug-0042/%2E%2e/%2e./GM0150/x> .\n",
        f"{BASE}id/component/GM0153/brug-0042/%2E%2e/%2e./GM0150/x", "dot-segment"),
    "javascript: link": (f"<{OBJECT}> rdfs:seeAlso <javascript:alert(document.cookie)> .\n",
                         "javascript:alert(document.cookie)", "scheme"),
    "data: link": (f"<{OBJECT}> rdfs:seeAlso <data:text/html;base64,PHNjcmlwdD4=> .\n",
                   "data:text/html;base64,PHNjcmlwdD4=", "scheme"),
    "javascript: datatype": (f'<{OBJECT}> rdfs:comment "x"^^<javascript:alert(1)> .\n',
                             "javascript:alert(1)", "scheme"),
    "another municipality's resource as an object": (
        f"<{OBJECT}> mp:hasComponent <{BASE}id/component/GM0150/afvalbak-1/deel> .\n",
        f"{BASE}id/component/GM0150/afvalbak-1/deel", "other-passport"),
    "another passport's resource of the same municipality": (
        f"<{OBJECT}> mp:hasComponent <{BASE}id/component/GM0153/brug-9/dek> .\n",
        f"{BASE}id/component/GM0153/brug-9/dek", "other-passport"),
    "the base IRI spelt otherwise": (
        f"<{OBJECT}> mp:hasComponent <http://LOCALHOST:8000/id/component/GM0150/x/y> .\n",
        "http://LOCALHOST:8000/id/component/GM0150/x/y", "canonical"),
    "a percent-encoded slash in a registry IRI": (
        f"<{OBJECT}> mp:hasComponent <{BASE}id/component/GM0153/brug-0042/a%2F..%2F..%2FGM0150> .\n",
        f"{BASE}id/component/GM0153/brug-0042/a%2F..%2F..%2FGM0150", "canonical"),
    "percent-encoded letters in a registry IRI": (
        f"<{OBJECT}> rdfs:seeAlso <{BASE}id/passport/GM0153/brug-0042/%76/3> .\n",
        f"{BASE}id/passport/GM0153/brug-0042/%76/3", "canonical"),
}


def _issues(verdict, rule: str) -> list:
    return [i for i in verdict.issues if i.constraint == f"integrity:{rule}"]


@pytest.mark.parametrize("name", CASES)
def test_the_rule_refuses_and_names_the_iri(registry, name):
    extra, iri, rule = CASES[name]
    before = dump(registry)
    report = registry.add(docs_from(PREFIXES + passport_ttl() + extra))
    assert report.rejected and not report.written, name
    found = _issues(report.rejected[0], rule)
    assert found, [i.as_dict() for i in report.rejected[0].issues]
    assert f"<{iri}>" in found[0].text("en") and f"<{iri}>" in found[0].text("nl")
    assert found[0].text("en") != found[0].text("nl")
    assert dump(registry) == before


def test_a_predecessor_may_point_to_another_passport_and_its_versions(registry):
    text = passport_ttl() + (f"<{P}> <https://w3id.org/materiaalpaspoort/def#predecessor> "
                             f"<{BASE}id/passport/GM0150/brug-7/v/2> , <{BASE}id/passport/GM0150/brug-8> .\n")
    report = registry.add(docs_from(text))
    assert report.created == [P], [i.as_dict() for v in report.rejected for i in v.issues]


def test_the_example_passport_and_the_demo_break_no_rule(registry):
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.integrity import integrity_problems
    from registry.model.uris import owning_passport

    for iri, triples in generate(40, seed=3, base=BASE):
        doc = PassportDoc(owning_passport(BASE, iri), triples)
        assert integrity_problems(doc.triples, doc.ref) == [], iri
    report = registry.add(docs_from(passport_ttl()))
    assert report.created == [P]


@pytest.mark.parametrize(("iri", "dots"), [
    ("http://h/a/./b", True), ("http://h/a/../b", True), ("http://h/a/%2E%2E/b", True),
    ("http://h/a/.%2e", True), ("http://h/a/..", True), ("http://h/.well-known/x", False),
    ("http://h/a/b..c/d", False), ("http://h/a/b?x=/../", False), ("http://h/a#/../", False),
])
def test_dot_segments_are_found_in_the_path_only(iri, dots):
    assert has_dot_segment(iri) is dots


# -- the same rules through the write API and the CLI -------------------------------------------

@pytest.fixture
def token(app_client):
    from registry.store.tokens import TokenStore

    return TokenStore(app_client.app.state.settings.tokens_path).create("GM0153", "test")[1]


def test_the_write_api_refuses_a_forged_version_with_the_iri_and_the_rule(app_client, token):
    registry = app_client.app.state.registry
    gm0150 = passport_ttl("brug-000297", "GM0150")
    registry.add(docs_from(gm0150))
    history = registry.history(passport_ref(BASE, "GM0150", "brug-000297"))
    before = dump(registry)
    answer = app_client.put("/api/v1/passports/GM0153/brug-0042", content=_trig(PREFIXES + passport_ttl()
                            + FORGED), headers={"Authorization": f"Bearer {token}",
                                                "Content-Type": "application/trig"})
    assert answer.status_code == 422, answer.text
    messages = [r["message"] for r in answer.json()["results"]]
    assert any(f"<{P}/v/9>" in m and "version IRI" in m for m in messages), messages
    assert any("specializationOf" in m and "written by the registry" in m for m in messages), messages
    assert dump(registry) == before
    assert registry.history(passport_ref(BASE, "GM0150", "brug-000297")) == history
    assert app_client.get("/id/passport/GM0150/brug-000297",
                          headers={"Accept": "text/turtle"}).status_code == 200


def test_the_write_api_refuses_dot_segments_and_script_links(app_client, token):
    registry = app_client.app.state.registry
    before = dump(registry)
    for name in ("dot segments", "javascript: link"):
        extra, iri, _ = CASES[name]
        answer = app_client.post("/api/v1/passports", content=PREFIXES + passport_ttl() + extra,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"})
        assert answer.status_code == 422, answer.text
        assert any(f"<{iri}>" in r["message"] for r in answer.json()["results"])
        dry_run = app_client.post("/api/v1/validate", content=PREFIXES + passport_ttl() + extra,
                                  headers={"Content-Type": "text/turtle"})
        assert dry_run.status_code == 200 and dry_run.json()["conforms"] is False
    assert dump(registry) == before
    assert app_client.get("/sparql", params={"query": "ASK {}"},
                          headers={"Accept": "application/sparql-results+json"}).status_code == 200


def test_the_cli_refuses_a_forged_version_naming_the_iri(tmp_path):
    source = tmp_path / "forged.ttl"
    source.write_text(PREFIXES + passport_ttl() + FORGED_VERSION, encoding="utf-8")
    checked = run_cli("validate", str(source))
    assert checked.returncode == 1, checked.stderr
    assert f"{P}/v/9" in checked.stderr and "version IRI" in checked.stderr
    added = run_cli("add", str(source), "--data", str(tmp_path / "data"))
    assert added.returncode == 1 and "version IRI" in added.stderr
    assert "Traceback" not in added.stderr
