"""The RDF terms passports are built from, and what they mean to a mapping: which mapping field
a SHACL result is about (to name the column), and which concept scheme a field's values are from.
"""

from __future__ import annotations

import pyoxigraph as ox

from registry.model.vocab import DCTERMS, GEO, MP, QUDT, RDF, RDFS, XSD

N = ox.NamedNode


def _iri(ns: str, local: str) -> ox.NamedNode:
    return N(ns + local)


RDF_TYPE = _iri(RDF, "type")
LABEL = _iri(RDFS, "label")
COMMENT = _iri(RDFS, "comment")
IDENTIFIER = _iri(DCTERMS, "identifier")
TITLE = _iri(DCTERMS, "title")
SOURCE = _iri(DCTERMS, "source")
DATE = _iri(DCTERMS, "date")
HAS_GEOMETRY = _iri(GEO, "hasGeometry")
AS_WKT = _iri(GEO, "asWKT")
GEOMETRY = _iri(GEO, "Geometry")
WKT = _iri(GEO, "wktLiteral")
NUMERIC_VALUE = _iri(QUDT, "numericValue")
UNIT_P = _iri(QUDT, "unit")
XSD_DECIMAL = _iri(XSD, "decimal")
XSD_GYEAR = _iri(XSD, "gYear")
XSD_DATE = _iri(XSD, "date")
XSD_STRING = _iri(XSD, "string")
MPN = {name: _iri(MP, name) for name in (
    "Passport", "municipality", "describes", "projectPhase", "policyAngle", "sourceIdentifier", "owner",
    "maintainer", "constructionYear", "condition", "plannedRStrategy", "expectedRelease", "hasComponent",
    "valuation", "ExpectedRelease", "releaseDate", "releaseQuality", "Component", "detachability",
    "DetachabilityAssessment", "connectionType", "detachabilityIndex", "hasMaterialQuantity",
    "MaterialQuantity", "material", "dataQuality", "origin", "materialPhase", "recycledContent",
    "derivedFrom", "Valuation", "amount", "currency", "valuationMethod", "priceSource", "thickness",
    "crossSection")}

# Which mapping field a SHACL result path (or node shape name) is about, to name the column.
PATH_FIELDS = {
    TITLE.value: "passport.title", MPN["projectPhase"].value: "passport.phase",
    MPN["policyAngle"].value: "passport.policy_angle", RDF_TYPE.value: "object.kind",
    LABEL.value: "object.label", MPN["constructionYear"].value: "object.construction_year",
    MPN["condition"].value: "object.condition", MPN["plannedRStrategy"].value: "object.planned_r_strategy",
    HAS_GEOMETRY.value: "location", AS_WKT.value: "location", MPN["releaseDate"].value: "release.date",
    MPN["releaseQuality"].value: "release.quality", MPN["amount"].value: "valuation.amount",
    DATE.value: "valuation.date", MPN["valuationMethod"].value: "valuation.method",
    MPN["material"].value: "quantity.material", NUMERIC_VALUE.value: "quantity.value",
    UNIT_P.value: "quantity.unit", MPN["dataQuality"].value: "quantity.data_quality",
    MPN["origin"].value: "quantity.origin", MPN["materialPhase"].value: "quantity.material_phase",
    MPN["recycledContent"].value: "quantity.recycled_content",
    MPN["thickness"].value: "dimensions.thickness", MPN["crossSection"].value: "dimensions.width",
    MPN["connectionType"].value: "component.connection_type", MPN["valuation"].value: "valuation.amount",
    MPN["hasMaterialQuantity"].value: "quantity.material", MPN["detachability"].value: "component.connection_type",
    MPN["detachabilityIndex"].value: "component.detachability_index",
}
SHAPE_WORDS = (("valued", "valuation.amount"), ("constructionyear", "object.construction_year"),
               ("condition", "object.condition"),
               ("location", "location"), ("geometry", "location"), ("valuation", "valuation.amount"),
               ("release", "release.date"), ("rstrategy", "object.planned_r_strategy"),
               ("dataquality", "quantity.data_quality"), ("quantity", "quantity.material"),
               ("materialestimate", "quantity.material"),
               ("detachability", "component.connection_type"))

# Concept schemes of concept-valued fields (mpv:{scheme}/...).
SCHEMES = {
    "passport.phase": "phase", "passport.policy_angle": "policyangle", "object.condition": "condition",
    "object.planned_r_strategy": "rstrategy", "component.planned_r_strategy": "rstrategy",
    "component.condition": "condition", "component.connection_type": "connectiontype",
    "quantity.data_quality": "dataquality", "quantity.origin": "origin",
    "quantity.material_phase": "materialphase", "release.quality": "releasequality",
    "valuation.method": "valuationmethod", "quantity.material": "material",
}
SCHEME_NAMES = {"phase": ("project phase", "projectfase"), "policyangle": ("policy angle", "invalshoek"),
                "condition": ("condition score", "conditiescore"), "rstrategy": ("R-strategy", "R-strategie"),
                "connectiontype": ("connection type", "verbindingstype"),
                "dataquality": ("data quality", "datakwaliteit"), "origin": ("origin", "herkomst"),
                "materialphase": ("material phase", "materiaalfase"),
                "releasequality": ("release quality", "vrijkomkwaliteit"),
                "valuationmethod": ("valuation method", "waarderingsmethode"),
                "material": ("material", "materiaal"), "kind": ("object kind", "objectsoort")}
# Mapping keys as a data officer reads them in a report: (English, Dutch) name of the field.
KEY_NAMES = {
    "passport.title": ("title", "titel"), "passport.phase": ("project phase", "projectfase"),
    "passport.policy_angle": ("policy angle", "invalshoek"), "object.kind": ("object kind", "objectsoort"),
    "object.label": ("name", "naam"), "object.construction_year": ("construction year", "bouwjaar"),
    "object.condition": ("condition score", "conditiescore"),
    "object.planned_r_strategy": ("planned R-strategy", "geplande R-strategie"),
    "location": ("location", "locatie"), "release.date": ("release date", "datum vrijkomen"),
    "release.quality": ("release quality", "vrijkomkwaliteit"), "valuation.amount": ("valuation", "waardering"),
    "valuation.date": ("reference date", "peildatum"), "valuation.method": ("valuation method", "waarderingsmethode"),
    "quantity.material": ("material quantity", "materiaalhoeveelheid"),
    "quantity.value": ("quantity", "hoeveelheid"), "quantity.unit": ("unit", "eenheid"),
    "quantity.data_quality": ("data quality", "datakwaliteit"), "quantity.origin": ("origin", "herkomst"),
    "quantity.material_phase": ("material phase", "materiaalfase"),
    "quantity.recycled_content": ("recycled content", "aandeel gerecycled"),
    "component.connection_type": ("connection type", "verbindingstype"),
    "component.detachability_index": ("detachability index", "losmaakbaarheidsindex"),
}
