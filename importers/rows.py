"""Rows to passports: a compiled mapping turns the rows of one object into one ``PassportDoc``.

Identity. The passport key is made from the source's own ID, deterministically: the ID itself
when it is already a valid key (``BR-0042``), else its ASCII letters and digits joined by ``-``
plus 8 hex digits of its SHA-1 (``Brug 12/a`` -> ``Brug-12-a-6c1f3b0e``), so two IDs never share a
key. The mapping's ``key.prefix`` goes in front. The same row always gives the same passport, so
importing the same file twice changes nothing.

Grouping. Adjacent rows with the same source ID are one object: each row adds one material
quantity (to the component named by ``component.key``). They must agree on everything about the
object (type, year, location, ...); a row that repeats an earlier row exactly is ignored with a
warning. The importer streams, so the rows of one object must be adjacent: an ID that comes back
after other IDs is reported as a duplicate ID (sort the export by ID first).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from importers.fields import Field
from importers.geometry import RD_NEW, WGS84, check_position, epsg_of, geojson_wkt, point_wkt
from importers.mapping import Mapping, MappingError
from importers.source import Record
from importers.units import Unit, UnitTable, estimated_mass
from importers.values import (
    ValueProblem,
    decimal_literal,
    is_empty,
    parse_date,
    parse_fraction,
    parse_number,
    parse_year,
    text_of,
)
from importers.vocabulary import ConceptIndex, Vocabulary, normalise
from registry.model.documents import PassportDoc
from registry.model.reference import local_name
from registry.model.uris import KEY_PATTERN, PassportRef, UriError, check_key, check_municipality
from registry.model.vocab import DCTERMS, GEO, MP, MPV, QUDT, RDF, RDFS, XSD

_KEY_RE = re.compile(rf"^{KEY_PATTERN}$")
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
    "derivedFrom", "Valuation", "amount", "currency", "valuationMethod", "priceSource")}

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
    MPN["connectionType"].value: "component.connection_type",
    MPN["detachabilityIndex"].value: "component.detachability_index",
}
SHAPE_WORDS = (("constructionyear", "object.construction_year"), ("condition", "object.condition"),
               ("location", "location"), ("geometry", "location"), ("valuation", "valuation.amount"),
               ("release", "release.date"), ("rstrategy", "object.planned_r_strategy"),
               ("dataquality", "quantity.data_quality"), ("quantity", "quantity.material"),
               ("materialestimate", "quantity.material"))

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


def make_key(prefix: str, source_id: str) -> str:
    """The passport key for a source ID (see the module docstring)."""
    if _KEY_RE.match(prefix + source_id):
        return prefix + source_id
    ascii_text = unicodedata.normalize("NFKD", source_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._")
    digest = hashlib.sha1(source_id.encode("utf-8")).hexdigest()[:8]
    room = 128 - len(prefix) - 9
    key = f"{prefix}{slug[:room]}-{digest}" if slug else f"{prefix}id-{digest}"
    if not key[0].isalnum():
        key = "k" + key[1:]
    return key


@functools.lru_cache(maxsize=4096)
def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60] or "x"


@dataclass
class GroupRejected(Exception):
    """The rows of one object that cannot become a passport, with what is wrong (row, problem)."""

    problems: list[tuple[int, ValueProblem]]


@dataclass
class Built:
    doc: PassportDoc
    warnings: list[tuple[int, ValueProblem]] = field(default_factory=list)




class RowMapper:
    """A mapping compiled against the columns of one file, for one municipality."""

    def __init__(self, mapping: Mapping, vocabulary: Vocabulary, *, base: str, municipality: str,
                 columns: list[str], check_bbox: bool = True, source_crs: str | None = None,
                 decimal_hint: str = "auto"):
        self.mapping, self.vocabulary, self.base = mapping, vocabulary, base
        self.municipality = check_municipality(municipality)
        self.place = vocabulary.municipalities.get(municipality)
        self.check_bbox = check_bbox
        self.gm = N(f"{MPV}municipality/{municipality}")
        self.source_literal = ox.Literal(mapping.kind)
        self.notes: list[str] = []
        self.units = UnitTable({name: Unit(u.unit, u.factor) for name, u in mapping.units.items()})
        by_name: dict[str, str] = {}
        for column in columns:
            by_name.setdefault(column, column)
            by_name.setdefault(normalise(column), column)
        self.f: dict[str, Field] = {}
        for key, spec in mapping.fields():
            self.f[key] = Field(key, spec, by_name, mapping, self.notes)
        self.fill_down = []
        for name in mapping.format.fill_down:
            actual = by_name.get(name) or by_name.get(normalise(name))
            if actual is None:
                raise mapping.error(f"format.fill_down names column {name!r}, which the file does not have",
                                    "format.fill_down")
            self.fill_down.append(actual)
        self._above: dict[str, object] = {}
        self.decimal = mapping.format.decimal if mapping.format.decimal != "auto" else decimal_hint
        self.default_epsg = self._default_epsg(source_crs)
        self.extra_materials = {}
        material_index = vocabulary.scheme("material")
        for name, target in mapping.materials.items():
            iri = self._concept_or_none(material_index, target)
            if iri is None:
                raise mapping.error(f"materials: {target!r} (for {name!r}) is not a material concept; "
                                    f"known: {material_index.known(40)}", f"materials.{name}")
            self.extra_materials[normalise(name)] = iri
        self._cache: dict[tuple[str, str], str] = {}
        self._failed: dict[tuple[str, str], tuple[str, str, str]] = {}
        self._check_constants()
        if mapping.quantity.value is not None and mapping.quantity.unit is None:
            raise mapping.error("quantity.unit is required when quantity.value is given", "quantity")
        self.object_columns = self._columns_of(("passport.", "object.", "location", "release.",
                                                "valuation.", "key."))
        self.component_columns = self._columns_of(("component.",))

    # -- setup ---------------------------------------------------------------------------------
    def _default_epsg(self, source_crs: str | None) -> int | None:
        for text in (source_crs, None if self.mapping.format.crs == "auto" else self.mapping.format.crs):
            if text:
                try:
                    return epsg_of(text)
                except ValueProblem as exc:
                    raise self.mapping.error(exc.en, "format.crs") from None
        if self.mapping.location is not None and self.mapping.location.feature_geometry:
            return WGS84  # RFC 7946
        return None

    def _columns_of(self, prefixes: tuple[str, ...]) -> list[str]:
        cols: list[str] = []
        for key, f in self.f.items():
            if key.startswith(prefixes):
                cols += [c for c in f.columns if c not in cols]
        return cols

    def _check_constants(self) -> None:
        """Every constant and every map value of a concept field must name a known concept."""
        for key, f in self.f.items():
            scheme = SCHEMES.get(key) or ("kind" if key == "object.kind" else None)
            if scheme is None:
                continue
            candidates = [(f"{key}.value", f.spec.value), (f"{key}.default", f.spec.default)]
            candidates += [(f"{key}.map.{k}", v) for k, v in (f.spec.map or {}).items()]
            for where, value in candidates:
                if is_empty(value):
                    continue
                try:
                    self._concept(key, scheme, value)
                except ValueProblem as exc:
                    raise self.mapping.error(exc.en, where) from None

    # -- reading values ------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the values remembered for ``format.fill_down`` (before reading the file again)."""
        self._above = {}

    def prepare(self, record: Record) -> Record:
        for column in self.fill_down:
            value = record.values.get(column)
            if is_empty(value):
                if column in self._above:
                    record.values[column] = self._above[column]
            else:
                self._above[column] = value
        return record

    def in_municipality(self, record: Record) -> bool:
        f = self.f.get("municipality_column")
        if f is None:
            return True
        value = f.raw(record)
        return value is None or text_of(value).upper() == self.municipality

    def identity(self, record: Record) -> tuple[str, str]:
        """(source ID, passport key) of a record; ValueProblem when it has none."""
        f = self.f["key.source_id"]
        raw = f.raw(record)
        if raw is None:
            raise ValueProblem("no source ID", "the source ID is empty: every row needs the asset "
                               "system's own ID", "de bron-ID is leeg: elke rij heeft de eigen ID uit "
                               "het beheersysteem nodig", column=f.column)
        source_id = text_of(raw)
        if "key.passport_key" in self.f:
            k = self.f["key.passport_key"]
            key_raw = k.raw(record)
            if key_raw is None:
                raise ValueProblem("no passport key", "the passport key is empty",
                                   "de paspoortsleutel is leeg", column=k.column)
            key = self.mapping.key.prefix + text_of(key_raw)
            try:
                check_key(key)
            except UriError as exc:
                raise ValueProblem("bad passport key", str(exc), f"paspoortsleutel {key!r} is ongeldig: "
                                   "gebruik 1-128 letters, cijfers, '.', '_' of '-'", column=k.column,
                                   value=key) from None
            return source_id, key
        return source_id, make_key(self.mapping.key.prefix, source_id)

    @staticmethod
    def signature(record: Record, columns: list[str]) -> tuple:
        values = record.values
        return tuple([values.get(c) for c in columns])

    def _value(self, key: str, record: Record):
        f = self.f.get(key)
        if f is None:
            return None
        try:
            return f.raw(record)
        except ValueProblem as exc:
            raise exc.at(f.column, "")

    def _typed(self, key: str, record: Record, parse: Callable):
        raw = self._value(key, record)
        if raw is None:
            return None
        try:
            return parse(raw)
        except ValueProblem as exc:
            raise exc.at(self.f[key].column, text_of(raw))

    def _concept_or_none(self, index: ConceptIndex, value) -> str | None:
        text = text_of(value)
        if text.startswith(MPV) and text in index:
            return text
        if text.startswith(MP) and text in index:
            return text
        return index.match(text)

    def _concept(self, key: str, scheme: str, value) -> str:
        text = text_of(value)
        cache_key = (key, text)
        hit = self._cache.get(cache_key)
        if hit is not None:
            return hit
        failed = self._failed.get(cache_key)
        if failed is not None:
            raise ValueProblem(*failed, value=text)
        index = self.vocabulary.kinds if scheme == "kind" else self.vocabulary.scheme(scheme)
        iri = None
        if scheme == "material":
            iri = self.extra_materials.get(normalise(text))
        iri = iri or self._concept_or_none(index, text)
        if iri is None:
            en, nl = SCHEME_NAMES.get(scheme, (scheme, scheme))
            close = index.suggestions(text)
            hint_en = f" Did you mean {', '.join(close)}?" if close else ""
            hint_nl = f" Bedoelt u {', '.join(close)}?" if close else ""
            where = "'materials:'" if scheme == "material" else f"'map:' of {key}"
            problem = ValueProblem(
                f"unknown {en}",
                f"{text!r} is not a known {en}.{hint_en} Known: {index.known()}. Add the name under "
                f"{where} in the mapping file if it means one of these.",
                f"{text!r} is geen bekende {nl}.{hint_nl} Bekend: {index.known()}. Voeg de naam toe onder "
                f"{where} in het mappingbestand als hij een daarvan betekent.", value=text)
            if len(self._failed) < 10_000:  # the same unknown name tends to come back
                self._failed[cache_key] = (problem.problem, problem.en, problem.nl)
            raise problem
        self._cache[cache_key] = iri
        return iri

    def concept(self, key: str, record: Record) -> ox.NamedNode | None:
        raw = self._value(key, record)
        if raw is None:
            return None
        scheme = "kind" if key == "object.kind" else SCHEMES[key]
        try:
            return N(self._concept(key, scheme, raw))
        except ValueProblem as exc:
            raise exc.at(self.f[key].column, text_of(raw))

    def text(self, key: str, record: Record) -> ox.Literal | None:
        raw = self._value(key, record)
        if raw is None:
            return None
        lang = self.f[key].lang
        return ox.Literal(text_of(raw), language=lang) if lang else ox.Literal(text_of(raw))

    def number(self, key: str, record: Record) -> float | None:
        return self._typed(key, record, lambda v: parse_number(v, self.decimal))

    def positive(self, key: str, record: Record, what_en: str, what_nl: str) -> float | None:
        value = self.number(key, record)
        if value is not None and value <= 0:
            raise ValueProblem("not positive", f"{what_en} must be more than 0",
                               f"{what_nl} moet groter dan 0 zijn", column=self.f[key].column,
                               value=text_of(self._value(key, record)))
        return value

    # -- building ------------------------------------------------------------------------------
    def build(self, source_id: str, key: str, records: list[Record]) -> Built:
        """The passport of one object from its rows; GroupRejected with every problem found."""
        problems: list[tuple[int, ValueProblem]] = []
        warnings: list[tuple[int, ValueProblem]] = []
        first = records[0]
        kept = [first]
        if len(records) > 1:  # records of one file have their columns in the same order
            seen_rows = {tuple(first.values.values())}
            first_object = self.signature(first, self.object_columns)
        for record in records[1:]:
            full = tuple(record.values.values())
            if full in seen_rows:
                warnings.append((record.row, ValueProblem(
                    "duplicate row", f"this row repeats an earlier row of object {source_id!r} exactly; "
                    "it is ignored", f"deze rij herhaalt een eerdere rij van object {source_id!r} precies; "
                    "hij wordt overgeslagen")))
                continue
            seen_rows.add(full)
            other = self.signature(record, self.object_columns)
            if other != first_object:
                for column, a, b in zip(self.object_columns, map(text_of, first_object), map(text_of, other)):
                    if a != b:
                        problems.append((record.row, ValueProblem(
                            "rows of one object disagree",
                            f"rows with source ID {source_id!r} are one object, but row {first.row} has "
                            f"{column} = {a!r} and this row {b!r}; make them agree or give them different IDs",
                            f"rijen met bron-ID {source_id!r} vormen één object, maar rij {first.row} heeft "
                            f"{column} = {a!r} en deze rij {b!r}; maak ze gelijk of geef ze verschillende ID's",
                            column=column, value=b)))
                continue
            kept.append(record)
        ref = PassportRef(self.base, self.municipality, key)
        triples: list[ox.Triple] = []
        object_problems: list[ValueProblem] = []
        triples += self._object_triples(ref, source_id, first, object_problems)
        problems += [(first.row, p) for p in object_problems]
        components: dict[str, tuple[ox.NamedNode, tuple, int]] = {}
        parents: list[tuple[str, str, int]] = []
        quantity_names: dict[str, int] = {}
        component_base = ref.prefix("component") + "/"
        for record in kept:
            try:
                ckey = self._component_key(record)
                signature = self.signature(record, self.component_columns) if len(kept) > 1 else ()
                if ckey not in components:
                    node = N(component_base + ckey)
                    components[ckey] = (node, signature, record.row)
                    parent = self._component_parent(record)
                    parents.append((ckey, parent, record.row))
                    triples += self._component_triples(ref, ckey, node, record)
                elif components[ckey][1] != signature:
                    row = components[ckey][2]
                    raise ValueProblem(
                        "rows of one component disagree",
                        f"rows {row} and {record.row} describe component {ckey!r} differently; make its "
                        "columns agree", f"rijen {row} en {record.row} beschrijven onderdeel {ckey!r} "
                        "verschillend; maak die kolommen gelijk", column=", ".join(self.component_columns))
                triples += self._quantity_triples(ref, ckey, components[ckey][0], record, quantity_names)
            except ValueProblem as exc:
                problems.append((record.row, exc))
        object_node = N(ref.prefix("object"))
        for ckey, parent, row in parents:
            node = components[ckey][0]
            if parent is None or parent == ckey:
                triples.append(ox.Triple(object_node, MPN["hasComponent"], node))
            elif parent in components:
                triples.append(ox.Triple(components[parent][0], MPN["hasComponent"], node))
            else:
                column = self.f["component.parent"].column
                problems.append((row, ValueProblem(
                    "unknown parent component",
                    f"the enclosing component {parent!r} is not among the rows of object {source_id!r}",
                    f"het bovenliggende onderdeel {parent!r} staat niet in de rijen van object {source_id!r}",
                    column=column, value=parent)))
        if problems:
            raise GroupRejected(problems)
        return Built(PassportDoc(ref, triples, self.mapping.name), warnings)

    def _object_triples(self, ref: PassportRef, source_id: str, record: Record,
                        problems: list[ValueProblem]) -> list[ox.Triple]:
        T = ox.Triple
        P, O = N(ref.iri), N(ref.prefix("object"))
        out = [
            T(P, RDF_TYPE, MPN["Passport"]),
            T(P, IDENTIFIER, ox.Literal(ref.key)),
            T(P, MPN["municipality"], self.gm),
            T(P, MPN["describes"], O),
            T(P, SOURCE, self.source_literal),
            T(O, MPN["sourceIdentifier"], ox.Literal(source_id)),
            T(O, MPN["owner"], self.gm),
            T(O, MPN["maintainer"], self.gm),
        ]
        def attempt(fn):
            try:
                fn()
            except ValueProblem as exc:
                problems.append(exc)

        def kind():
            node = self.concept("object.kind", record)
            if node is None:
                raise ValueProblem("no object kind", "the object kind is empty",
                                   "de objectsoort is leeg", column=self.f["object.kind"].column)
            out.append(T(O, RDF_TYPE, node))

        def passport():
            out.append(T(P, MPN["projectPhase"], self._required_concept("passport.phase", record)))
            angle = self.concept("passport.policy_angle", record)
            if angle is not None:
                out.append(T(P, MPN["policyAngle"], angle))

        def labels():
            label = self.text("object.label", record)
            label = ox.Literal(label.value, language=label.language or "nl") if label is not None else None
            if label is not None:
                out.append(T(O, LABEL, label))
            label_en = self.text("object.label_en", record)
            if label_en is not None:
                out.append(T(O, LABEL, ox.Literal(label_en.value, language=label_en.language or "en")))
            title = self.text("passport.title", record)
            if title is not None:
                out.append(T(P, TITLE, ox.Literal(title.value, language=title.language or "nl")))
            elif label is not None:
                out.append(T(P, TITLE, ox.Literal(f"Materialenpaspoort {label.value}", language="nl")))
            title_en = self.text("passport.title_en", record)
            if title_en is not None:
                out.append(T(P, TITLE, ox.Literal(title_en.value, language=title_en.language or "en")))
            comment = self.text("object.comment", record)
            if comment is not None:
                out.append(T(O, COMMENT, ox.Literal(comment.value, language=comment.language or "nl")))

        def details():
            year = self._typed("object.construction_year", record, parse_year)
            if year is not None:
                out.append(T(O, MPN["constructionYear"], ox.Literal(year, datatype=XSD_GYEAR)))
            for key, predicate in (("object.condition", "condition"),
                                   ("object.planned_r_strategy", "plannedRStrategy")):
                node = self.concept(key, record)
                if node is not None:
                    out.append(T(O, MPN[predicate], node))

        for part in (kind, passport, labels, details, lambda: out.extend(self._location(ref, O, record)),
                     lambda: out.extend(self._release(ref, O, record)),
                     lambda: out.extend(self._valuation(ref, O, record))):
            attempt(part)
        return out

    def _required_concept(self, key: str, record: Record) -> ox.NamedNode:
        node = self.concept(key, record)
        if node is None:
            raise ValueProblem("empty", f"{key} is empty", f"{key} is leeg", column=self.f[key].column)
        return node

    def _location(self, ref: PassportRef, O: ox.NamedNode, record: Record) -> list[ox.Triple]:
        spec = self.mapping.location
        if spec is None:
            return []
        epsg = self.default_epsg
        if spec.crs is not None:
            raw = self._value("location.crs", record)
            if raw is not None:
                try:
                    epsg = epsg_of(raw)
                except ValueProblem as exc:
                    raise exc.at(self.f["location.crs"].column, text_of(raw))
        if spec.feature_geometry:
            if not record.geometry:
                return self._no_location(spec, "geometry")
            try:
                wkt, vertices = geojson_wkt(epsg or WGS84, record.geometry)
            except ValueProblem as exc:
                raise exc.at("geometry", str(record.geometry)[:120])
            column, shown = "geometry", str(record.geometry.get("coordinates"))[:120]
        elif spec.wkt is not None:
            raw = self._value("location.wkt", record)
            if raw is None:
                return self._no_location(spec, self.f["location.wkt"].column)
            wkt, vertices, epsg = self._parse_wkt(text_of(raw), epsg)
            column, shown = self.f["location.wkt"].column, text_of(raw)
        else:
            x_raw, y_raw = self._value("location.x", record), self._value("location.y", record)
            column = f"{self.f['location.x'].column}, {self.f['location.y'].column}"
            if x_raw is None and y_raw is None:
                return self._no_location(spec, column)
            shown = f"{text_of(x_raw)}, {text_of(y_raw)}"
            if x_raw is None or y_raw is None:
                raise ValueProblem("half a coordinate", "give both x and y, or neither",
                                   "geef zowel x als y, of geen van beide", column=column, value=shown)
            x = self._typed("location.x", record, lambda v: parse_number(v, self.decimal))
            y = self._typed("location.y", record, lambda v: parse_number(v, self.decimal))
            if epsg is None:  # guess from the numbers: degrees or metres
                epsg = WGS84 if abs(x) <= 180 and abs(y) <= 90 else RD_NEW
            wkt, vertices = point_wkt(epsg, x, y), [(x, y)]
        try:
            for vx, vy in vertices:
                check_position(epsg or WGS84, vx, vy, self.place if self.check_bbox else None)
        except ValueProblem as exc:
            raise exc.at(column, shown)
        G = N(ref.prefix("geometry"))
        return [ox.Triple(O, HAS_GEOMETRY, G), ox.Triple(G, RDF_TYPE, GEOMETRY),
                ox.Triple(G, AS_WKT, ox.Literal(wkt, datatype=WKT))]

    def _no_location(self, spec, column: str) -> list[ox.Triple]:
        if spec.required:
            raise ValueProblem("no coordinates", "the row has no coordinates; the location is required",
                               "de rij heeft geen coördinaten; de locatie is verplicht", column=column)
        return []

    def _parse_wkt(self, text: str, epsg: int | None):
        m = re.fullmatch(r"\s*(?:SRID=(\d+);|<[^>]*?(\d{4,5})>\s*|<[^>]*CRS84>\s*)?\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*",
                         text, re.IGNORECASE)
        if not m:
            raise ValueProblem("bad WKT", f"{text[:80]!r} is not a WKT point like POINT(257000 471000)",
                               f"{text[:80]!r} is geen WKT-punt zoals POINT(257000 471000)")
        code = m.group(1) or m.group(2)
        if code:
            epsg = epsg_of(code)
        elif "CRS84" in text.upper():
            epsg = WGS84
        x, y = parse_number(m.group(3), "point"), parse_number(m.group(4), "point")
        if epsg is None:
            epsg = WGS84 if abs(x) <= 180 and abs(y) <= 90 else RD_NEW
        return point_wkt(epsg, x, y), [(x, y)], epsg

    def _release(self, ref: PassportRef, O: ox.NamedNode, record: Record) -> list[ox.Triple]:
        if self.mapping.release is None:
            return []
        when = self._typed("release.date", record, parse_date)
        if when is None:
            return []
        R = N(ref.prefix("release"))
        out = [ox.Triple(O, MPN["expectedRelease"], R), ox.Triple(R, RDF_TYPE, MPN["ExpectedRelease"]),
               ox.Triple(R, MPN["releaseDate"], ox.Literal(when[0], datatype=XSD_DATE if when[1] == "date"
                                                           else XSD_GYEAR))]
        quality = self.concept("release.quality", record)
        if quality is not None:
            out.append(ox.Triple(R, MPN["releaseQuality"], quality))
        return out

    def _valuation(self, ref: PassportRef, O: ox.NamedNode, record: Record) -> list[ox.Triple]:
        spec = self.mapping.valuation
        if spec is None:
            return []
        amount = self.number("valuation.amount", record)
        if amount is None:
            return []
        if amount < 0:
            raise ValueProblem("negative amount", "a valuation cannot be negative",
                               "een waardering kan niet negatief zijn", column=self.f["valuation.amount"].column,
                               value=text_of(self._value("valuation.amount", record)))
        when = self._typed("valuation.date", record, parse_date)
        if when is None:
            raise ValueProblem("no valuation date", "a valuation needs a date (or year)",
                               "een waardering heeft een datum (of jaar) nodig",
                               column=self.f["valuation.date"].column)
        day = f"{when[0]}-01-01" if when[1] == "gYear" else when[0]
        V = N(f"{ref.prefix('valuation')}/{day[:4]}")
        out = [ox.Triple(O, MPN["valuation"], V), ox.Triple(V, RDF_TYPE, MPN["Valuation"]),
               ox.Triple(V, MPN["amount"], ox.Literal(decimal_literal(amount, 2), datatype=XSD_DECIMAL)),
               ox.Triple(V, MPN["currency"], ox.Literal(spec.currency)),
               ox.Triple(V, DATE, ox.Literal(day, datatype=XSD_DATE))]
        method = self.concept("valuation.method", record)
        if method is not None:
            out.append(ox.Triple(V, MPN["valuationMethod"], method))
        source = self.text("valuation.price_source", record)
        if source is not None:
            out.append(ox.Triple(V, MPN["priceSource"], ox.Literal(source.value)))
        return out

    def _component_key(self, record: Record) -> str:
        raw = self._value("component.key", record)
        return slug(text_of(raw)) if raw is not None else "main"

    def _component_parent(self, record: Record) -> str | None:
        raw = self._value("component.parent", record)
        return slug(text_of(raw)) if raw is not None else None

    def _component_triples(self, ref: PassportRef, ckey: str, C: ox.NamedNode, record: Record) -> list[ox.Triple]:
        T = ox.Triple
        out = [T(C, RDF_TYPE, MPN["Component"])]
        label = self.text("component.label", record)
        if label is None and "component.key" not in self.f:
            label = self.text("object.label", record)
        if label is not None:
            out.append(T(C, LABEL, ox.Literal(label.value, language=label.language or "nl")))
        label_en = self.text("component.label_en", record)
        if label_en is not None:
            out.append(T(C, LABEL, ox.Literal(label_en.value, language=label_en.language or "en")))
        for key, predicate in (("component.planned_r_strategy", "plannedRStrategy"),
                               ("component.condition", "condition")):
            node = self.concept(key, record)
            if node is not None:
                out.append(T(C, MPN[predicate], node))
        connection = self.concept("component.connection_type", record)
        index = self._typed("component.detachability_index", record,
                            lambda v: parse_fraction(v, self.decimal))
        if connection is not None or index is not None:
            D = N(f"{ref.prefix('detachability')}/{ckey}")
            out += [T(C, MPN["detachability"], D), T(D, RDF_TYPE, MPN["DetachabilityAssessment"])]
            if connection is not None:
                out.append(T(D, MPN["connectionType"], connection))
            if index is not None:
                out.append(T(D, MPN["detachabilityIndex"], ox.Literal(decimal_literal(index, 4),
                                                                      datatype=XSD_DECIMAL)))
        return out

    def _dimension(self, name: str, record: Record) -> float | None:
        key = f"dimensions.{name}"
        value = self.positive(key, record, f"the {name}", name)
        if value is None:
            return None
        unit = self.units.get(self.f[key].spec.unit or "m")
        if unit.target != "M":
            raise self.mapping.error(f"the unit of a dimension must be a length (m, cm, mm), not "
                                     f"{self.f[key].spec.unit!r}", f"{key}.unit")
        return value * unit.factor

    def _quantity_triples(self, ref: PassportRef, ckey: str, C: ox.NamedNode, record: Record,
                          names: dict[str, int]) -> list[ox.Triple]:
        T = ox.Triple
        material = self.concept("quantity.material", record)
        if material is None:
            raise ValueProblem("no material", "the material is empty", "het materiaal is leeg",
                               column=self.f["quantity.material"].column)
        value = self.positive("quantity.value", record, "the quantity", "de hoeveelheid")
        unit = None
        if value is not None:
            unit_raw = self._value("quantity.unit", record)
            if unit_raw is None:
                raise ValueProblem("no unit", "the quantity has no unit", "de hoeveelheid heeft geen eenheid",
                                   column=self.f["quantity.unit"].column)
            try:
                unit = self.units.get(text_of(unit_raw))
            except ValueProblem as exc:
                raise exc.at(self.f["quantity.unit"].column, text_of(unit_raw))
        dims = {name: self._dimension(name, record) for name in ("length", "width", "height", "thickness")
                if f"dimensions.{name}" in self.f}
        derived = None
        if self.mapping.quantity.derive_mass:
            derived = estimated_mass(material.value, self.vocabulary.density(material.value), value, unit, dims)
        if value is None and derived is None:
            raise ValueProblem("no quantity", "the row gives no quantity (and no dimensions to compute one)",
                               "de rij geeft geen hoeveelheid (en geen afmetingen om die te berekenen)",
                               column=self.f["quantity.value"].column if "quantity.value" in self.f else "")
        base = f"{ckey}-{local_name(material.value)}"
        names[base] = names.get(base, 0) + 1
        Q = N(f"{ref.prefix('quantity')}/{base}" + (f"-{names[base]}" if names[base] > 1 else ""))
        out = [T(C, MPN["hasMaterialQuantity"], Q), T(Q, RDF_TYPE, MPN["MaterialQuantity"]),
               T(Q, MPN["material"], material)]
        if derived is not None:
            amount, target, note = derived
            out += [T(Q, NUMERIC_VALUE, ox.Literal(decimal_literal(amount, 4), datatype=XSD_DECIMAL)),
                    T(Q, UNIT_P, N(Unit(target).iri)),
                    T(Q, MPN["dataQuality"], N(f"{MPV}dataquality/estimated")),
                    T(Q, MPN["derivedFrom"], ox.Literal(note))]
        else:
            out += [T(Q, NUMERIC_VALUE, ox.Literal(decimal_literal(value * unit.factor, 6), datatype=XSD_DECIMAL)),
                    T(Q, UNIT_P, N(unit.iri))]
            quality = self.concept("quantity.data_quality", record)
            if quality is not None:
                out.append(T(Q, MPN["dataQuality"], quality))
        for key, predicate in (("quantity.origin", "origin"), ("quantity.material_phase", "materialPhase")):
            node = self.concept(key, record)
            if node is not None:
                out.append(T(Q, MPN[predicate], node))
        recycled = self._typed("quantity.recycled_content", record, lambda v: parse_fraction(
            v, self.decimal, self.f["quantity.recycled_content"].spec.percent))
        if recycled is not None:
            out.append(T(Q, MPN["recycledContent"], ox.Literal(decimal_literal(recycled, 4), datatype=XSD_DECIMAL)))
        return out

    # -- reporting -----------------------------------------------------------------------------
    def column_for(self, path: str, shape: str = "") -> str:
        """The column a SHACL result is about, when the mapping says where the value came from."""
        key = PATH_FIELDS.get(path)
        if key is None and shape:
            name = local_name(shape).lower()
            key = next((k for word, k in SHAPE_WORDS if word in name), None)
        if key is None:
            return ""
        if key == "location":
            return ", ".join(c for k in ("location.x", "location.y", "location.wkt") if k in self.f
                             for c in self.f[k].columns) or ("geometry" if self.mapping.location else "")
        f = self.f.get(key)
        return f.column if f is not None else ""


__all__ = ["Built", "GroupRejected", "MappingError", "RowMapper", "make_key"]
