"""The vocabularies of the catalog and the VoID description: namespaces, the EU controlled
vocabularies (publications.europa.eu authority tables) and IANA media types the catalog names,
each with the labels and class the DCAT-AP shapes expect, and the catalog's texts in English and
Dutch."""

from __future__ import annotations

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.phrases import Wording
from registry.model.vocab import DCTERMS, GEO, OWL, RDF, RDFS, SKOS, XSD

DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
VOID = "http://rdfs.org/ns/void#"
ADMS = "http://www.w3.org/ns/adms#"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
LDES_SPEC = "https://w3id.org/ldes/specification"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
SPARQL_SD = "http://www.w3.org/ns/sparql-service-description#"

PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "vcard": VCARD, "spdx": SPDX, "void": VOID,
            "adms": ADMS, "rdf": RDF, "rdfs": RDFS, "skos": SKOS, "xsd": XSD, "owl": OWL, "geo": GEO,
            "licence": EU + "licence/", "theme": EU + "data-theme/", "frequency": EU + "frequency/",
            "access": EU + "access-right/", "language": EU + "language/", "filetype": EU + "file-type/",
            "iana": IANA}

# Settings.data_licence -> EU licence authority IRI and its labels (English, Dutch)
LICENCES = {
    "CC0-1.0": (EU + "licence/CC0", "Creative Commons CC0 1.0 Universal",
                "Creative Commons CC0 1.0 Universeel"),
    "CC-BY-4.0": (EU + "licence/CC_BY_4_0", "Creative Commons Attribution 4.0 International",
                  "Creative Commons Naamsvermelding 4.0 Internationaal"),
}
LICENCE_PAGES = {"CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
                 "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/"}



class LicenceError(RegistryError):
    """``PASSPORTS_DATA_LICENCE`` names no licence the catalog knows: refused rather than
    publishing the data under another licence than meant."""

    status = 500


def licence_code(value: str) -> str:
    """The licence of ``Settings.data_licence`` (``CC0-1.0`` or ``CC-BY-4.0``, any case)."""
    for code in LICENCES:
        if value.strip().upper() == code.upper():
            return code
    en, nl = WORDS.both("licence", value=value, choices=", ".join(LICENCES))
    raise LicenceError(en, message_nl=nl)


# (IRI, class, English label, Dutch label) of every controlled term the catalog uses
THEME_SCHEME = EU + "data-theme"
THEMES = ((EU + "data-theme/ENVI", "Environment", "Milieu"),
          (EU + "data-theme/REGI", "Regions and cities", "Regio's en steden"))
PUBLIC = (EU + "access-right/PUBLIC", DCTERMS + "RightsStatement", "public", "openbaar")
LOCAL_AUTHORITY = ("http://purl.org/adms/publishertype/LocalAuthority", SKOS + "Concept", "Local authority",
                   "Lokale overheid")
CONTINUOUS = (EU + "frequency/CONT", DCTERMS + "Frequency", "continuous", "voortdurend")
LANGUAGES = ((EU + "language/NLD", DCTERMS + "LinguisticSystem", "Dutch", "Nederlands"),
             (EU + "language/ENG", DCTERMS + "LinguisticSystem", "English", "Engels"))
N_QUADS = (IANA + "application/n-quads", DCTERMS + "MediaType", "N-Quads", "N-Quads")
TURTLE = (IANA + "text/turtle", DCTERMS + "MediaType", "Turtle", "Turtle")
GZIP = (IANA + "application/gzip", DCTERMS + "MediaType", "gzip", "gzip")
SPARQL_JSON = (IANA + "application/sparql-results+json", DCTERMS + "MediaType", "SPARQL results (JSON)",
               "SPARQL-resultaten (JSON)")
FILE_TYPES = {"application/n-quads": (EU + "file-type/RDF_N_QUADS", "RDF N-Quads", "RDF N-Quads"),
              "text/turtle": (EU + "file-type/RDF_TURTLE", "RDF Turtle", "RDF Turtle")}
MEDIA_TYPES = {"application/n-quads": N_QUADS, "text/turtle": TURTLE}

WORDS = Wording({
    "licence": ("PASSPORTS_DATA_LICENCE is {value!r}; set it to one of {choices}",
                "PASSPORTS_DATA_LICENCE is {value!r}; kies een van {choices}"),
    "catalog.title": ("Material passports: open data catalog", "Materialenpaspoorten: catalogus van open data"),
    "catalog.description": (
        ("Material passports of the public space and buildings of Dutch municipalities (objects, their "
        "components, materials, quantities and circularity data) as linked data: one dataset per "
        "municipality and one for the whole region."),
        ("Materialenpaspoorten van de openbare ruimte en gebouwen van Nederlandse gemeenten (objecten, hun "
        "onderdelen, materialen, hoeveelheden en circulariteitsgegevens) als linked data: één dataset per "
        "gemeente en één voor de hele regio.")),
    "void.title": ("VoID description of the material passport registry",
                   "VoID-beschrijving van het materialenpaspoortregister"),
    "void.figures": (
        ("The figures are kept with every write, except void:distinctObjects: it is counted in the background "
         "after a write and given only when that count is of the current data."),
        ("De getallen worden bij elke schrijfactie bijgehouden, behalve void:distinctObjects: dat wordt na een "
         "schrijfactie op de achtergrond geteld en alleen gegeven als die telling bij de actuele gegevens hoort.")),
    "region.title": ("Material passports of the region", "Materialenpaspoorten van de regio"),
    "region.description": (
        ("All {passports} of the registry ({municipalities}), their provenance and version history, and "
        "the reference data (ontology, SKOS schemes, municipalities)."),
        ("Alle {passports} van het register ({municipalities}), hun herkomst en versiegeschiedenis, en "
        "de referentiegegevens (ontologie, SKOS-schema's, gemeenten).")),
    "municipality.title": ("Material passports of {name}", "Materialenpaspoorten van {name}"),
    "municipality.description": (
        ("The {passports} written by the municipality of {name} (CBS code {code}): objects, components, "
        "materials and quantities."),
        ("De {passports} die de gemeente {name} (CBS-code {code}) schreef: objecten, onderdelen, "
        "materialen en hoeveelheden.")),
    "dump.title": ("{name} (download)", "{name} (download)"),
    "sparql.title": ("SPARQL endpoint", "SPARQL-eindpunt"),
    "sparql.description": (
        ("SPARQL 1.1 query endpoint over every current passport and the reference data (GET or POST, "
        "results in JSON, XML, CSV or TSV)."),
        ("SPARQL 1.1-bevragingseindpunt over alle actuele paspoorten en de referentiegegevens (GET of "
        "POST, resultaten in JSON, XML, CSV of TSV).")),
    "sparql.distribution": ("SPARQL endpoint (query with a filter on mp:municipality)",
                            "SPARQL-eindpunt (bevraag met een filter op mp:municipality)"),
    "feed.title": ("Change feed (Linked Data Event Stream)", "Wijzigingsfeed (Linked Data Event Stream)"),
    "feed.description": (
        "Every passport version and retirement in time order, in pages (TREE), for incremental replication.",
        "Elke paspoortversie en intrekking in volgorde van tijd, in pagina's (TREE), om bij te houden."),
    "contact": ("Contact for the material passport registry", "Contact voor het materialenpaspoortregister"),
    "keyword.passport": ("material passport", "materialenpaspoort"),
    "keyword.circular": ("circular economy", "circulaire economie"),
    "keyword.public": ("public space", "openbare ruimte"),
})


def node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def texts(key: str, **values) -> list[ox.Literal]:
    """The text of ``key`` as two literals, ``@nl`` and ``@en``; a value that is a function is
    called with the language (``lambda lang: counted(n, "passport", lang)``)."""
    return [ox.Literal(WORDS.say(key, lang, **{k: v(lang) if callable(v) else v for k, v in values.items()}),
                       language=lang) for lang in ("nl", "en")]
