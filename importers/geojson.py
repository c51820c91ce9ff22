"""Reading GeoJSON FeatureCollections feature by feature with ijson (flat memory for any size).

A first pass over the parse events checks the JSON syntax of the whole file, counts the features,
collects the property names and reads a legacy ``crs`` member (``urn:ogc:def:crs:EPSG::28992``
as written by GDAL/QGIS for RD New). Without one, coordinates are WGS84 (RFC 7946), unless the
mapping's ``format.crs`` says otherwise. Each feature becomes a record whose values are its
``properties`` and whose geometry is its ``geometry``; its row number is its position (1-based).

The same pass holds the file to the import limits (``importers.limits``): nesting depth and the
number of features refuse the file; a geometry of more vertices than allowed, or a string longer
than the cell limit, marks its feature, which is then reported (and skipped while reading, so it
is never built in memory) while the other features are imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import ijson
from ijson.common import ObjectBuilder

from importers.limits import ImportLimits, LimitExceeded, cell_too_large, too_many_vertices
from importers.mapping import FormatSpec
from importers.source import Record, Source, SourceError
from importers.values import ValueProblem
from registry.core.phrases import Note

_OPEN, _CLOSE = ("start_map", "start_array"), ("end_map", "end_array")
_SKIP = object()


class GeoJsonSource(Source):
    def __init__(self, path: Path, columns: list[str], notes: list[str], count: int, crs: str | None,
                 flagged: dict[int, ValueProblem] | None = None):
        super().__init__(path, "geojson", columns, notes, count)
        self.crs = crs
        self.flagged = flagged or {}

    def records(self) -> Iterator[Record]:
        with open(self.path, "rb") as fh:
            if not self.flagged:  # the common case: ijson builds the features in C
                for number, feature in enumerate(ijson.items(fh, "features.item", use_float=True), start=1):
                    yield _record(number, feature)
                return
            yield from self._skipping(fh)

    def _skipping(self, fh) -> Iterator[Record]:
        """The features, built from parse events; a marked feature's events are skipped."""
        number, depth, builder = 0, 0, None
        for prefix, event, value in ijson.parse(fh, use_float=True):
            if builder is None:
                if prefix != "features.item" or event in _CLOSE:
                    continue
                number += 1
                if event not in _OPEN:
                    yield self._flagged(number) or _record(number, value)
                    continue
                depth = 1
                builder = _SKIP if number in self.flagged else ObjectBuilder()
                if builder is not _SKIP:
                    builder.event(event, value)
                continue
            if event in _OPEN:
                depth += 1
            elif event in _CLOSE:
                depth -= 1
            if builder is not _SKIP:
                builder.event(event, value)
            if depth == 0:
                yield self._flagged(number) or _record(number, builder.value)
                builder = None

    def _flagged(self, number: int) -> Record | None:
        problem = self.flagged.get(number)
        return Record(number, {}, problem=problem) if problem is not None else None


def _record(number: int, feature) -> Record:
    if not isinstance(feature, dict):
        return Record(number, {}, problem=_not_a_feature(feature))
    properties = feature.get("properties") or {}
    values = {k: _plain(v) for k, v in properties.items()} if isinstance(properties, dict) else {}
    return Record(number, values, geometry=feature.get("geometry"))


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dict, list)):
        return str(value)
    return value


def _not_a_feature(value):
    return ValueProblem("not a feature", f"item {str(value)[:60]!r} in 'features' is not a Feature object",
                        f"element {str(value)[:60]!r} in 'features' is geen Feature-object")


def open_geojson(path: Path, spec: FormatSpec, wanted: set[str], limits: ImportLimits | None = None
                 ) -> GeoJsonSource:
    source = str(path)
    limits = limits or ImportLimits.of()
    try:
        scan = _Scan(limits, source)
        with open(path, "rb") as fh:
            # basic_parse gives no prefixes: ijson builds a prefix for every event, which costs the
            # square of the depth before any limit could be checked; _Scan keeps its own path.
            for event, value in ijson.basic_parse(fh, use_float=True):
                scan.event(event, value)
    except ijson.JSONError as exc:
        raise SourceError(f"not valid JSON: {exc}. The file may be truncated; export it again", source=source,
                          message_nl=f"geen geldige JSON: {exc}. Het bestand is misschien afgekapt; exporteer het "
                                     "opnieuw") from exc
    except LimitExceeded:
        raise
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"cannot read the file as JSON text: {exc}", source=source,
                          message_nl=f"het bestand is niet te lezen als JSON-tekst: {exc}") from exc
    if scan.top_type != "FeatureCollection":
        raise SourceError(f"a GeoJSON FeatureCollection is expected, the file's type is {scan.top_type!r}",
                          source=source, message_nl=f"verwacht is een GeoJSON FeatureCollection, het type van het "
                                                    f"bestand is {scan.top_type!r}")
    notes = [Note(f"{scan.count} features", f"{scan.count} objecten")]
    if scan.crs:
        notes.append(Note(f"coordinate system {scan.crs} (from the file's crs member)",
                          f"coördinatenstelsel {scan.crs} (uit het crs-lid van het bestand)"))
    return GeoJsonSource(path, list(scan.columns), notes, scan.count, scan.crs, scan.flagged)


class _Scan:
    """The first pass over the parse events: the path of keys (``item`` in arrays) to the current
    value, the features, their property names, the crs member, and the limits."""

    def __init__(self, limits: ImportLimits, source: str):
        self.limits, self.source = limits, source
        self.keys: list[str | None] = []
        self.columns: dict[str, None] = {}
        self.flagged: dict[int, ValueProblem] = {}
        self.count = self.vertices = 0
        self.top_type = self.crs = None
        self.position = False  # the last event opened an array: a number now starts a position

    def _in_feature(self) -> bool:
        keys = self.keys
        return len(keys) > 2 and keys[0] == "features" and keys[1] == "item"

    def event(self, event: str, value) -> None:
        keys, limits = self.keys, self.limits
        if event == "map_key":
            keys[-1] = value
            if len(keys) == 4 and keys[2] == "properties" and self._in_feature():
                self.columns.setdefault(value, None)
            if len(value) > limits.cell and self._in_feature():
                self.flagged.setdefault(self.count, cell_too_large(limits, "(a property name)", value))
            return
        if event in _CLOSE:
            keys.pop()
            self.position = False
            return
        if len(keys) == 2 and keys[0] == "features" and keys[1] == "item":  # an item of 'features'
            self.count += 1
            self.vertices = 0
            if self.count > limits.rows:
                raise LimitExceeded.of(limits, "rows", "the number of features", "het aantal objecten (features)",
                                       f"over {limits.rows}", source=self.source)
        if event in _OPEN:
            keys.append(None if event == "start_map" else "item")
            if len(keys) > limits.depth:
                raise LimitExceeded.of(limits, "depth", "the nesting depth of the JSON",
                                       "de nestingsdiepte van de JSON", f"over {limits.depth}", source=self.source,
                                       advice_en="A GeoJSON file needs about 8 levels; export it again.",
                                       advice_nl="Een GeoJSON-bestand heeft ongeveer 8 niveaus nodig; exporteer "
                                                 "het opnieuw.")
            self.position = event == "start_array"
            return
        if self.position and event == "number" and len(keys) > 4 and keys[3] == "coordinates" \
                and keys[2] == "geometry" and self._in_feature():
            self.vertices += 1
            if self.vertices == limits.vertices + 1:
                self.flagged.setdefault(self.count, too_many_vertices(limits))
        elif event == "string" and len(value) > limits.cell and self._in_feature():
            column = ".".join(str(k) for k in keys[3:]) if keys[2] == "properties" else ".".join(map(str, keys[2:]))
            self.flagged.setdefault(self.count, cell_too_large(limits, column, value))
        self.position = False
        if event == "string":
            if len(keys) == 1 and keys[0] == "type":
                self.top_type = value
            elif keys == ["crs", "properties", "name"]:
                self.crs = value
