"""The DCAT-AP 3 catalog (DCAT-AP-NL 3.0) of a registry, served at ``/catalog`` and written into
the static site as ``catalog.ttl`` (and ``.jsonld``, ``.nt``, ``.rdf``).

One ``dcat:Catalog`` ``{base}catalog`` with a ``dcat:Dataset`` per municipality that has passports
(``{base}catalog#GM0153``) and one for the region (``{base}catalog#region``, which ``dct:hasPart``
the others); distributions for the dumps (``dcat:downloadURL``, media type, size, SHA-256,
modification date; :mod:`registry.views.opendata.dumpinfo`), the SPARQL endpoint (through the
``dcat:DataService`` ``{base}catalog#sparql``) and the change feed ``{base}feed/passports``
(a Linked Data Event Stream). Licence, publisher and contact point come from the settings
(``PASSPORTS_DATA_LICENCE``, ``PASSPORTS_PUBLISHER_*``, ``PASSPORTS_CONTACT_EMAIL``). Spatial
coverage is the municipality's identifier in the government register (TOOI) with its extent as
``dcat:bbox`` (GeoSPARQL WKT); temporal coverage runs from the first creation to the last change
of its passports. Every controlled term is typed and labelled in the catalog itself, as the
DCAT-AP shapes expect (tests/opendata checks them with pySHACL).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from registry.core.phrases import counted
from registry.core.settings import Settings
from registry.model.vocab import DCTERMS, GEO, RDF, RDFS, SKOS, XSD
from registry.views.opendata import terms as T
from registry.views.opendata.dumpinfo import DumpFile
from registry.views.opendata.facts import Facts, Place

CATALOG_PATH, VOID_PATH, FEED_PATH = "catalog", ".well-known/void", "feed/passports"
DCAT, FOAF, VCARD, SPDX = T.DCAT, T.FOAF, T.VCARD, T.SPDX
KEYWORDS = ("keyword.passport", "keyword.circular", "keyword.public")


class Triples:
    """The catalog's triples, added as (subject, predicate, object or objects) with IRIs as
    strings and literals as pyoxigraph literals."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []
        self.typed: set[str] = set()

    def add(self, subject: str, predicate: str, objects) -> None:
        if isinstance(objects, str | ox.Literal | ox.NamedNode):
            objects = [objects]
        for value in objects:
            obj = ox.NamedNode(value) if isinstance(value, str) else value
            self.triples.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), obj))

    def term(self, iri: str, cls: str, en: str, nl: str, label: str = SKOS + "prefLabel") -> str:
        """A controlled term, typed and labelled once; its IRI."""
        if iri not in self.typed:
            self.typed.add(iri)
            self.add(iri, RDF + "type", cls)
            self.add(iri, label, [ox.Literal(nl, language="nl"), ox.Literal(en, language="en")])
        return iri


def _date_time(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + ("dateTime" if "T" in value else "date")))


def _integer(n: int, datatype: str = "nonNegativeInteger") -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(XSD + datatype))


class CatalogBuilder:
    """The catalog of one registry: ``base`` its IRIs (and those of its endpoint and feed),
    ``dumps_url`` where its dumps are downloaded (the static site's address may differ)."""

    def __init__(self, settings: Settings, base: str, facts: Facts, files: Iterable[DumpFile],
                 dumps_url: str | None = None):
        self.settings, self.base, self.facts = settings, base, facts
        self.files = list(files)
        self.dumps_url = (dumps_url or base).rstrip("/") + "/"
        self.catalog = base + CATALOG_PATH
        self.g = Triples()
        code = T.licence_code(settings.data_licence)
        iri, en, nl = T.LICENCES[code]
        self.licence = self.g.term(iri, DCTERMS + "LicenseDocument", en, nl, DCTERMS + "title")
        self.g.add(iri, RDFS + "seeAlso", T.LICENCE_PAGES[code])
        self.publisher = settings.publisher_iri or self.catalog + "#publisher"
        self.contact = self.catalog + "#contact"

    def _term(self, spec: tuple[str, str, str, str]) -> str:
        return self.g.term(*spec)

    def build(self) -> list[ox.Triple]:
        g, c = self.g, self.catalog
        g.add(c, RDF + "type", DCAT + "Catalog")
        g.add(c, DCTERMS + "title", T.texts("catalog.title"))
        g.add(c, DCTERMS + "description", T.texts("catalog.description"))
        g.add(c, DCTERMS + "identifier", ox.Literal(c))
        self._agents()
        g.add(c, DCTERMS + "publisher", self.publisher)
        g.add(c, DCAT + "contactPoint", self.contact)
        g.add(c, DCTERMS + "license", self.licence)
        g.add(c, DCTERMS + "language", [self._term(spec) for spec in T.LANGUAGES])
        g.add(c, FOAF + "homepage", self._document(self.base))
        g.add(c, DCAT + "themeTaxonomy", self._theme_scheme())
        g.add(c, RDFS + "seeAlso", self.base + VOID_PATH)
        if self.facts.end:
            g.add(c, DCTERMS + "modified", _date_time(self.facts.end))
        datasets = [self._region()] + [self._municipality(place) for place in self.facts.places]
        g.add(c, DCAT + "dataset", datasets)
        g.add(c, DCAT + "service", self._service(datasets))
        return g.triples

    # -- agents and the shared parts -------------------------------------------------------
    def _agents(self) -> None:
        g, name = self.g, self.settings.publisher_name
        g.add(self.publisher, RDF + "type", [FOAF + "Agent", FOAF + "Organization"])
        g.add(self.publisher, FOAF + "name", ox.Literal(name))
        g.add(self.publisher, DCTERMS + "type", self._term(T.LOCAL_AUTHORITY))
        g.add(self.contact, RDF + "type", [VCARD + "Kind", VCARD + "Organization"])
        g.add(self.contact, VCARD + "fn", ox.Literal(name))
        g.add(self.contact, VCARD + "note", T.texts("contact"))
        email = self.settings.contact_email
        g.add(self.contact, VCARD + "hasEmail" if email else VCARD + "hasURL",
              f"mailto:{email}" if email else self.base)

    def _theme_scheme(self) -> str:
        g = self.g
        if T.THEME_SCHEME not in g.typed:
            g.typed.add(T.THEME_SCHEME)
            g.add(T.THEME_SCHEME, RDF + "type", SKOS + "ConceptScheme")
            g.add(T.THEME_SCHEME, DCTERMS + "title", [ox.Literal("Data theme", language="en"),
                                                       ox.Literal("Datathema", language="nl")])
        return T.THEME_SCHEME

    def _themes(self) -> list[str]:
        out = []
        for iri, en, nl in T.THEMES:
            out.append(self.g.term(iri, SKOS + "Concept", en, nl))
            self.g.add(iri, SKOS + "inScheme", self._theme_scheme())
        return out

    def _common(self, dataset: str, publisher: str) -> None:
        """What every dataset and the data service say alike."""
        g = self.g
        g.add(dataset, DCTERMS + "identifier", ox.Literal(dataset))
        g.add(dataset, DCTERMS + "publisher", publisher)
        g.add(dataset, DCAT + "contactPoint", self.contact)
        g.add(dataset, DCTERMS + "accessRights", self._term(T.PUBLIC))
        g.add(dataset, DCAT + "theme", self._themes())
        g.add(dataset, DCTERMS + "language", [self._term(spec) for spec in T.LANGUAGES])
        g.add(dataset, DCTERMS + "creator", publisher)
        g.add(dataset, DCAT + "keyword", [lit for key in KEYWORDS for lit in T.texts(key)])

    def _document(self, iri: str) -> str:
        if iri not in self.g.typed:
            self.g.typed.add(iri)
            self.g.add(iri, RDF + "type", FOAF + "Document")
        return iri

    def _standard(self, iri: str, en: str, nl: str) -> str:
        return self.g.term(iri, DCTERMS + "Standard", en, nl, DCTERMS + "title")

    def _dataset(self, dataset: str, publisher: str, start: str, end: str) -> None:
        g = self.g
        g.add(dataset, RDF + "type", DCAT + "Dataset")
        self._common(dataset, publisher)
        g.add(dataset, DCTERMS + "accrualPeriodicity", self._term(T.CONTINUOUS))
        if self.facts.version:
            g.add(dataset, DCTERMS + "conformsTo", self._standard(
                self.facts.version, "Material passport ontology", "Ontologie voor materialenpaspoorten"))
        if start and end:
            period = dataset + "-period"
            g.add(dataset, DCTERMS + "temporal", period)
            g.add(period, RDF + "type", DCTERMS + "PeriodOfTime")
            g.add(period, DCAT + "startDate", _date_time(start))
            g.add(period, DCAT + "endDate", _date_time(end))
            g.add(dataset, DCTERMS + "modified", _date_time(end))
            g.add(dataset, DCTERMS + "issued", _date_time(start))

    # -- datasets --------------------------------------------------------------------------
    def _region(self) -> str:
        g, facts = self.g, self.facts
        dataset = self.catalog + "#region"
        self._dataset(dataset, self.publisher, facts.start, facts.end)
        g.add(dataset, DCTERMS + "title", T.texts("region.title"))
        n, m = facts.passports, len(facts.places)
        g.add(dataset, DCTERMS + "description", T.texts(
            "region.description", passports=lambda lang: counted(n, "passport", lang),
            municipalities=lambda lang: counted(m, "municipality", lang)))
        g.add(dataset, DCAT + "landingPage", self._document(self.base + "municipality/"))
        g.add(dataset, RDFS + "seeAlso", self.base + VOID_PATH + "#region")
        g.add(dataset, DCTERMS + "spatial", [self._location(place) for place in facts.places])
        g.add(dataset, DCTERMS + "hasPart", [self.catalog + "#" + place.code for place in facts.places])
        dists = [self._dump(f) for f in self.files if not f.municipality]
        dists += [self._sparql_distribution(dataset), self._feed(dataset)]
        g.add(dataset, DCAT + "distribution", dists)
        return dataset

    def _municipality(self, place: Place) -> str:
        g = self.g
        dataset = self.catalog + "#" + place.code
        g.add(place.iri, RDF + "type", [FOAF + "Agent", FOAF + "Organization"])
        g.add(place.iri, DCTERMS + "type", self._term(T.LOCAL_AUTHORITY))
        g.add(place.iri, FOAF + "name", [ox.Literal(f"Gemeente {place.name_nl}", language="nl"),
                                         ox.Literal(f"Municipality of {place.name('en')}", language="en")])
        self._dataset(dataset, place.iri, place.start, place.end)
        g.add(dataset, DCTERMS + "title", [ox.Literal(T.WORDS.say("municipality.title", lang, name=place.name(lang)),
                                                      language=lang) for lang in ("nl", "en")])
        g.add(dataset, DCTERMS + "description", [ox.Literal(T.WORDS.say(
            "municipality.description", lang, name=place.name(lang), code=place.code,
            passports=counted(place.passports, "passport", lang)), language=lang) for lang in ("nl", "en")])
        g.add(dataset, DCTERMS + "spatial", self._location(place))
        g.add(dataset, DCAT + "landingPage", self._document(f"{self.base}municipality/{place.code}"))
        g.add(dataset, RDFS + "seeAlso", f"{self.base}{VOID_PATH}#{place.code}")
        g.add(dataset, DCTERMS + "isPartOf", self.catalog + "#region")
        dists = [self._dump(f) for f in self.files if f.municipality == place.code]
        g.add(dataset, DCAT + "distribution", dists + [self._sparql_distribution(dataset)])
        return dataset

    def _location(self, place: Place) -> str:
        """The municipality in the government register (TOOI), or its own IRI if the reference
        data names none, as a ``dct:Location`` with its extent and centre."""
        g, location = self.g, place.register or place.iri
        if location not in g.typed:
            g.typed.add(location)
            g.add(location, RDF + "type", DCTERMS + "Location")
            g.add(location, SKOS + "prefLabel", [ox.Literal(place.name_nl, language="nl"),
                                                  ox.Literal(place.name("en"), language="en")])
            wkt = ox.NamedNode(GEO + "wktLiteral")
            if place.bbox:
                g.add(location, DCAT + "bbox", ox.Literal(place.bbox, datatype=wkt))
            if place.centroid:
                g.add(location, DCAT + "centroid", ox.Literal(place.centroid, datatype=wkt))
            if place.register:
                g.add(location, SKOS + "exactMatch", place.iri)
        return location

    # -- distributions ---------------------------------------------------------------------
    def _distribution(self, dist: str, title: list[ox.Literal], access: str) -> None:
        g = self.g
        g.add(dist, RDF + "type", DCAT + "Distribution")
        g.add(dist, DCTERMS + "title", title)
        g.add(dist, DCAT + "accessURL", access)
        g.add(dist, DCTERMS + "license", self.licence)
        g.add(dist, DCTERMS + "language", [self._term(spec) for spec in T.LANGUAGES])

    def _dump(self, f: DumpFile) -> str:
        g = self.g
        dist, url = f"{self.catalog}#dump-{f.name}", self.dumps_url + f.path
        self._distribution(dist, [ox.Literal(f"{f.name}: {f.describe(lang)}", language=lang)
                                  for lang in ("nl", "en")], url)
        g.add(dist, DCAT + "downloadURL", url)
        g.add(dist, DCAT + "mediaType", self._term(T.MEDIA_TYPES[f.media_type]))
        file_type, en, nl = T.FILE_TYPES[f.media_type]
        g.add(dist, DCTERMS + "format", g.term(file_type, DCTERMS + "MediaTypeOrExtent", en, nl))
        g.add(dist, DCAT + "compressFormat", self._term(T.GZIP))
        g.add(dist, DCAT + "byteSize", _integer(f.size))
        g.add(dist, DCTERMS + "modified", _date_time(f.modified))
        checksum = dist + "-sha256"
        g.add(dist, SPDX + "checksum", checksum)
        g.add(checksum, RDF + "type", SPDX + "Checksum")
        g.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        g.add(checksum, SPDX + "checksumValue", ox.Literal(f.sha256, datatype=ox.NamedNode(XSD + "hexBinary")))
        if self.facts.version:
            g.add(dist, DCTERMS + "conformsTo", self.facts.version)
        return dist

    def _sparql_distribution(self, dataset: str) -> str:
        dist = dataset + "-sparql"
        self._distribution(dist, T.texts("sparql.distribution"), self.base + "sparql")
        self.g.add(dist, DCAT + "accessService", self.catalog + "#sparql")
        self.g.add(dist, DCAT + "mediaType", self._term(T.SPARQL_JSON))
        self.g.add(dist, DCTERMS + "conformsTo", self._sparql_protocol())
        return dist

    def _sparql_protocol(self) -> str:
        return self._standard(T.SPARQL_PROTOCOL, "SPARQL 1.1 Protocol", "SPARQL 1.1-protocol")

    def _feed(self, dataset: str) -> str:
        dist = dataset + "-feed"
        self._distribution(dist, T.texts("feed.title"), self.base + FEED_PATH)
        self.g.add(dist, DCTERMS + "description", T.texts("feed.description"))
        self.g.add(dist, DCAT + "mediaType", self._term(T.TURTLE))
        self.g.add(dist, DCTERMS + "conformsTo", self._standard(
            T.LDES_SPEC, "Linked Data Event Streams", "Linked Data Event Streams"))
        return dist

    def _service(self, datasets: list[str]) -> str:
        g = self.g
        service = self.catalog + "#sparql"
        g.add(service, RDF + "type", DCAT + "DataService")
        self._common(service, self.publisher)
        g.add(service, DCTERMS + "title", T.texts("sparql.title"))
        g.add(service, DCTERMS + "description", T.texts("sparql.description"))
        g.add(service, DCAT + "endpointURL", self.base + "sparql")
        g.add(service, DCAT + "endpointDescription", self.base + "sparql")
        g.add(service, DCTERMS + "license", self.licence)
        g.add(service, DCTERMS + "conformsTo", self._sparql_protocol())
        g.add(service, DCAT + "servesDataset", datasets)
        return service


def catalog_triples(settings: Settings, base: str, facts: Facts, files: Iterable[DumpFile],
                    dumps_url: str | None = None) -> list[ox.Triple]:
    """The catalog as triples (see the module's text)."""
    return CatalogBuilder(settings, base, facts, files, dumps_url).build()
