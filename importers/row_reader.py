"""A mapping compiled against the columns of one file, for one municipality: ``RowReader``.

It checks the mapping against the file once (columns, constants, materials, units, coordinate
system) and then reads each record's values as the mapping says: text, numbers, concepts of the
registry's vocabularies. It also says which column a SHACL result is about, for the report.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from importers.fields import Field
from importers.geometry import WGS84, epsg_of
from importers.keys import make_key
from importers.mapping import Mapping
from importers.source import Record
from importers.terms import PATH_FIELDS, SCHEME_NAMES, SCHEMES, SHAPE_WORDS, N
from importers.units import Unit, UnitTable
from importers.values import ValueProblem, is_empty, parse_number, text_of
from importers.vocabulary import ConceptIndex, Vocabulary, normalise
from registry.model.reference import local_name
from registry.model.uris import UriError, check_key, check_municipality
from registry.model.vocab import MP, MPV


class RowReader:
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

    def tagged(self, key: str, record: Record, default: str) -> ox.Literal | None:
        """``text`` with a language tag: the mapping's, else ``default`` (a label, title, comment)."""
        found = self.text(key, record)
        return None if found is None else ox.Literal(found.value, language=found.language or default)

    def number(self, key: str, record: Record) -> float | None:
        return self._typed(key, record, lambda v: parse_number(v, self.decimal))

    def positive(self, key: str, record: Record, what_en: str, what_nl: str) -> float | None:
        value = self.number(key, record)
        if value is not None and value <= 0:
            raise ValueProblem("not positive", f"{what_en} must be more than 0",
                               f"{what_nl} moet groter dan 0 zijn", column=self.f[key].column,
                               value=text_of(self._value(key, record)))
        return value

    # -- reporting -----------------------------------------------------------------------------
    @staticmethod
    def key_for(path: str, shape: str = "") -> str:
        """The mapping key a SHACL result is about (``valuation.amount``), or ``""``."""
        key = PATH_FIELDS.get(path)
        if key is None and shape:
            name = local_name(shape).lower()
            key = next((k for word, k in SHAPE_WORDS if word in name), None)
        return key or ""

    def absent_column(self, key: str) -> str:
        """The column the mapping reads ``key`` from when the file does not have it, else ``""``."""
        f = self.f.get(key)
        return ", ".join(f.spec.columns()) if f is not None and f.missing else ""

    def column_for(self, path: str, shape: str = "") -> str:
        """The column a SHACL result is about, when the mapping says where the value came from."""
        key = self.key_for(path, shape)
        if not key:
            return ""
        if key == "location":
            return ", ".join(c for k in ("location.x", "location.y", "location.wkt") if k in self.f
                             for c in self.f[k].columns) or ("geometry" if self.mapping.location else "")
        f = self.f.get(key)
        return f.column if f is not None else ""
