"""The plain field a validation result is about, in English and Dutch: "valuation / waardering"
rather than ``mp:valuation``, for the write API, ``passports validate`` and the forms.

A SHACL result names a property path (an RDF term) and the shape that produced it. A data officer
knows the field of the form or the column of the export instead, so each result also carries the
field's plain name (:func:`field_of`); the RDF path stays in the machine-readable report. The
importer names the mapping key and the column of the mapping in use instead
(``importers.terms.PATH_FIELDS``).
"""

from __future__ import annotations

from registry.model.managed import MANAGED_FIELDS
from registry.model.vocab import DCTERMS, GEO, MP, QUDT, RDF, RDFS

# property IRI -> (English, Dutch) field name as the forms and the documentation call it
FIELDS: dict[str, tuple[str, str]] = {
    f"{DCTERMS}title": ("title", "titel"),
    f"{DCTERMS}identifier": ("key", "sleutel"),
    f"{DCTERMS}date": ("reference date", "peildatum"),
    f"{RDF}type": ("object kind", "objectsoort"),
    f"{RDFS}label": ("name", "naam"),
    f"{GEO}hasGeometry": ("location", "locatie"),
    f"{GEO}asWKT": ("location", "locatie"),
    f"{QUDT}numericValue": ("quantity", "hoeveelheid"),
    f"{QUDT}unit": ("unit", "eenheid"),
    f"{MP}municipality": ("municipality", "gemeente"),
    f"{MP}describes": ("object", "object"),
    f"{MP}projectPhase": ("project phase", "projectfase"),
    f"{MP}policyAngle": ("policy angle", "invalshoek"),
    f"{MP}sourceIdentifier": ("ID in the asset system", "ID in het beheersysteem"),
    f"{MP}owner": ("owner", "eigenaar"),
    f"{MP}maintainer": ("maintainer", "beheerder"),
    f"{MP}constructionYear": ("construction year", "bouwjaar"),
    f"{MP}condition": ("condition score", "conditiescore"),
    f"{MP}plannedRStrategy": ("planned R-strategy", "geplande R-strategie"),
    f"{MP}expectedRelease": ("expected release", "verwacht vrijkomen"),
    f"{MP}releaseDate": ("release date", "datum vrijkomen"),
    f"{MP}releaseQuality": ("release quality", "vrijkomkwaliteit"),
    f"{MP}hasComponent": ("components", "onderdelen"),
    f"{MP}detachability": ("detachability", "losmaakbaarheid"),
    f"{MP}connectionType": ("connection type", "verbindingstype"),
    f"{MP}detachabilityIndex": ("detachability index", "losmaakbaarheidsindex"),
    f"{MP}accessibility": ("accessibility", "toegankelijkheid"),
    f"{MP}intersection": ("intersections", "doorkruisingen"),
    f"{MP}productEdge": ("product edge", "productrand"),
    f"{MP}derivedFrom": ("derived from", "afgeleid van"),
    f"{MP}predecessor": ("predecessor", "voorganger"),
    f"{MP}hasMaterialQuantity": ("material quantities", "materiaalhoeveelheden"),
    f"{MP}material": ("material", "materiaal"),
    f"{MP}dataQuality": ("data quality", "datakwaliteit"),
    f"{MP}origin": ("origin", "herkomst"),
    f"{MP}lifeCycleOrigin": ("life-cycle origin", "herkomst in de levenscyclus"),
    f"{MP}materialNature": ("material nature", "aard van het materiaal"),
    f"{MP}materialPhase": ("material phase", "materiaalfase"),
    f"{MP}recycledContent": ("recycled content", "aandeel gerecycled"),
    f"{MP}density": ("density", "dichtheid"),
    f"{MP}thickness": ("thickness", "dikte"),
    f"{MP}crossSection": ("cross-section", "doorsnede"),
    f"{MP}massPerPiece": ("mass per piece", "massa per stuk"),
    f"{MP}valuation": ("valuation", "waardering"),
    f"{MP}amount": ("amount", "bedrag"),
    f"{MP}currency": ("currency", "valuta"),
    f"{MP}valuationMethod": ("valuation method", "waarderingsmethode"),
    f"{MP}priceSource": ("price source", "prijsbron"),
    **MANAGED_FIELDS,
}
# words in a shape's local name -> the field, for results whose path is not one property
SHAPE_WORDS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("materialestimate", FIELDS[f"{MP}hasMaterialQuantity"]),
    ("designquantity", FIELDS[f"{MP}hasMaterialQuantity"]),
    ("valued", FIELDS[f"{MP}valuation"]),
    ("valuation", FIELDS[f"{MP}valuation"]),
    ("partof", FIELDS[f"{MP}hasComponent"]),
    ("content", FIELDS[f"{MP}detachability"]),
    ("describedby", FIELDS[f"{MP}describes"]),
    ("geometry", FIELDS[f"{GEO}hasGeometry"]),
    ("detachability", FIELDS[f"{MP}detachability"]),
    ("quantity", FIELDS[f"{MP}hasMaterialQuantity"]),
    ("origin", FIELDS[f"{MP}origin"]),
)

# parts that an object points to: a finding "belongs to no object" is about that field
OWNED = {"ExpectedRelease": FIELDS[f"{MP}expectedRelease"], "Valuation": FIELDS[f"{MP}valuation"],
         "Geometry": FIELDS[f"{GEO}hasGeometry"]}


def field_of(path: str, shape: str = "") -> tuple[str, str]:
    """(English, Dutch) name of the field a result is about; ``("", "")`` when there is none.

    >>> field_of("https://w3id.org/materiaalpaspoort/def#valuation")
    ('valuation', 'waardering')
    >>> field_of("", "https://w3id.org/materiaalpaspoort/shapes#PhysicalObject-materialEstimate")
    ('material quantities', 'materiaalhoeveelheden')
    """
    if path in FIELDS:
        return FIELDS[path]
    family, _, name = shape.rsplit("#", 1)[-1].rpartition("-")
    if name in ("object", "feature") and family in OWNED:
        return OWNED[family]  # "belongs to no object": the field that points to it
    name = name.lower()
    return next((names for word, names in SHAPE_WORDS if word in name), ("", ""))


def field_label(path: str, shape: str = "") -> str:
    """The field in both languages, as a person sees it: ``"valuation / waardering"``."""
    en, nl = field_of(path, shape)
    return f"{en} / {nl}" if en and en != nl else en
