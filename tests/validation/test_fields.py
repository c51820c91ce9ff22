"""Every finding of the shapes names a plain field (``valuation / waardering``), not only an RDF
term: the write API, ``passports validate`` and the forms show it (registry/validation/fields.py)."""

from __future__ import annotations

import doctest
from pathlib import Path

import rdflib

from registry.validation import fields
from registry.validation.fields import field_label, field_of

SHAPES = Path(__file__).resolve().parents[2] / "shapes"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
# shapes about the passport's own structure, written by RDF authors only: no form field
STRUCTURAL = {"Passport-graph", "Passport-identifier", "PassportShape"}


def test_doctests():
    assert doctest.testmod(fields).failed == 0


def test_every_property_shape_with_a_message_names_a_field():
    graph = rdflib.Graph()
    for path in SHAPES.glob("*.ttl"):
        graph.parse(path, format="turtle")
    missing = []
    for shape in set(graph.subjects(SH.message, None)):
        if (shape, SH.path, None) not in graph:
            continue  # node shapes: about the IRI of the node itself
        path = graph.value(shape, SH.path)
        en, nl = field_of(str(path) if isinstance(path, rdflib.URIRef) else "", str(shape))
        name = str(shape).rsplit("#", 1)[-1]
        if not (en and nl) and name not in STRUCTURAL:
            missing.append(name)
    assert not missing, f"no plain field name for {sorted(missing)}: add it to registry/validation/fields.py"


def test_field_labels_are_in_both_languages():
    mp = "https://w3id.org/materiaalpaspoort/def#"
    assert field_label(f"{mp}valuation") == "valuation / waardering"
    assert field_label(f"{mp}constructionYear") == "construction year / bouwjaar"
    assert field_label("", "https://w3id.org/materiaalpaspoort/shapes#PhysicalObject-notYetValued") == \
        "valuation / waardering"
    assert field_label("urn:unknown") == ""
