"""The namespaces of the model (docs/model.md), as pyoxigraph terms."""

from __future__ import annotations

from pyoxigraph import NamedNode

MP = "https://w3id.org/materiaalpaspoort/def#"
MPV = "https://w3id.org/materiaalpaspoort/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
GEO = "http://www.opengis.net/ont/geosparql#"
QUDT = "http://qudt.org/schema/qudt/"
UNIT = "http://qudt.org/vocab/unit/"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES = {
    "mp": MP,
    "mpv": MPV,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "geo": GEO,
    "qudt": QUDT,
    "unit": UNIT,
    "sh": SH,
}


def mp(local: str) -> NamedNode:
    return NamedNode(MP + local)


def mpv(path: str) -> NamedNode:
    return NamedNode(MPV + path)


RDF_TYPE = NamedNode(RDF + "type")
PASSPORT = mp("Passport")
RETIRED_PASSPORT = mp("RetiredPassport")
PASSPORT_VERSION = mp("PassportVersion")
MUNICIPALITY = mp("municipality")
DESCRIBES = mp("describes")
VERSION_NUMBER = mp("versionNumber")
CURRENT_VERSION = mp("currentVersion")
CONTENT_HASH = mp("contentHash")
RETIRED_AT = mp("retiredAt")
RETIREMENT_REASON = mp("retirementReason")
IDENTIFIER = NamedNode(DCTERMS + "identifier")
CREATED = NamedNode(DCTERMS + "created")
MODIFIED = NamedNode(DCTERMS + "modified")

# Predicates only the registry may write into a passport graph.
MANAGED_PREDICATES = frozenset({VERSION_NUMBER, CURRENT_VERSION, CONTENT_HASH, CREATED, MODIFIED,
                                RETIRED_AT, RETIREMENT_REASON})

# The mass of a material quantity (docs/model.md, "Mass"): written by the registry next to every recorded
# quantity (registry.model.mass), never part of a passport's content hash. Input that carries them has them
# removed when it is read (registry.model.documents); the writer derives them again.
MASS_KG = mp("massKg")
MASS_QUALITY = mp("massQuality")
MASS_METHOD = mp("massMethod")
MASS_DERIVATION = mp("massDerivation")
MASS_PREDICATES = frozenset({MASS_KG, MASS_QUALITY, MASS_METHOD, MASS_DERIVATION})
# The CRS84 copy of a geometry (registry.model.geometry): written by the registry next to every recorded
# geo:asWKT, managed the same way as the mass.
WKT_CRS84 = mp("wktCRS84")
LATITUDE = mp("latitude")
LONGITUDE = mp("longitude")
GEOMETRY_PREDICATES = frozenset({WKT_CRS84, LATITUDE, LONGITUDE})
# Every registry-managed triple on a passport's resources (the name is older than the geometry).
MANAGED_QUANTITY_PREDICATES = MASS_PREDICATES | GEOMETRY_PREDICATES
