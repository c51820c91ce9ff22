"""The triples of a passport and of the object it describes: ``ObjectTriples``.

From the first row of an object: the passport (identifier, municipality, phase, titles), the
object (kind, labels, construction year, condition, R-strategy), its location (x/y, WKT or a
GeoJSON geometry, checked against the municipality), its expected release and its valuation.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from importers.geometry import RD_NEW, WGS84, check_position, epsg_of, geojson_wkt, point_wkt
from importers.row_reader import RowReader
from importers.source import Record
from importers.terms import (
    AS_WKT,
    COMMENT,
    DATE,
    GEOMETRY,
    HAS_GEOMETRY,
    IDENTIFIER,
    LABEL,
    MPN,
    RDF_TYPE,
    SOURCE,
    TITLE,
    WKT,
    XSD_DATE,
    XSD_DECIMAL,
    XSD_GYEAR,
    N,
)
from importers.values import (
    ValueProblem,
    decimal_literal,
    parse_construction_year,
    parse_date,
    parse_number,
    text_of,
)
from registry.model.uris import PassportRef


class ObjectTriples(RowReader):
    """Builds the passport's and the object's triples from the first row of an object."""

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
            label = self.tagged("object.label", record, "nl")
            title = self.tagged("passport.title", record, "nl")
            if title is None and label is not None:
                title = ox.Literal(f"Materialenpaspoort {label.value}", language="nl")
            for subject, predicate, literal in (
                    (O, LABEL, label), (O, LABEL, self.tagged("object.label_en", record, "en")),
                    (P, TITLE, title), (P, TITLE, self.tagged("passport.title_en", record, "en")),
                    (O, COMMENT, self.tagged("object.comment", record, "nl"))):
                if literal is not None:
                    out.append(T(subject, predicate, literal))

        def details():
            year = self._typed("object.construction_year", record, parse_construction_year)
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
        m = re.fullmatch(r"\s*(?:SRID=(\d+);|<[^>]*?(\d{4,5})>\s*|<[^>]*CRS84>\s*)?"
                         r"\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*",
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
                               "een waardering kan niet negatief zijn",
                               column=self.f["valuation.amount"].column,
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
