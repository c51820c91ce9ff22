"""Reading GeoJSON FeatureCollections feature by feature with ijson (flat memory for any size).

A first pass over the parse events checks the JSON syntax of the whole file, counts the features,
collects the property names and reads a legacy ``crs`` member (``urn:ogc:def:crs:EPSG::28992``
as written by GDAL/QGIS for RD New). Without one, coordinates are WGS84 (RFC 7946), unless the
mapping's ``format.crs`` says otherwise. Each feature becomes a record whose values are its
``properties`` and whose geometry is its ``geometry``; its row number is its position (1-based).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import ijson

from importers.mapping import FormatSpec
from importers.source import Record, Source, SourceError


class GeoJsonSource(Source):
    def __init__(self, path: Path, columns: list[str], notes: list[str], count: int, crs: str | None):
        super().__init__(path, "geojson", columns, notes, count)
        self.crs = crs

    def records(self) -> Iterator[Record]:
        with open(self.path, "rb") as fh:
            for number, feature in enumerate(ijson.items(fh, "features.item", use_float=True), start=1):
                if not isinstance(feature, dict):
                    yield Record(number, {}, problem=_not_a_feature(feature))
                    continue
                properties = feature.get("properties") or {}
                values = {k: _plain(v) for k, v in properties.items()} if isinstance(properties, dict) else {}
                yield Record(number, values, geometry=feature.get("geometry"))


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dict, list)):
        return str(value)
    return value


def _not_a_feature(value):
    from importers.values import ValueProblem

    return ValueProblem("not a feature", f"item {str(value)[:60]!r} in 'features' is not a Feature object",
                        f"element {str(value)[:60]!r} in 'features' is geen Feature-object")


def open_geojson(path: Path, spec: FormatSpec, wanted: set[str]) -> GeoJsonSource:
    source = str(path)
    columns: dict[str, None] = {}
    count = 0
    top_type = crs = None
    depth_feature = False
    try:
        with open(path, "rb") as fh:
            for prefix, event, value in ijson.parse(fh, use_float=True):
                if prefix == "type" and event == "string":
                    top_type = value
                elif prefix == "crs.properties.name" and event == "string":
                    crs = value
                elif prefix == "features.item" and event == "start_map":
                    count += 1
                    depth_feature = True
                elif depth_feature and prefix == "features.item.properties" and event == "map_key":
                    columns.setdefault(value, None)
    except ijson.JSONError as exc:
        raise SourceError(f"not valid JSON: {exc}. The file may be truncated; export it again",
                          source=source) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"cannot read the file as JSON text: {exc}", source=source) from exc
    if top_type != "FeatureCollection":
        raise SourceError(f"a GeoJSON FeatureCollection is expected, the file's type is {top_type!r}",
                          source=source)
    notes = [f"{count} features"]
    if crs:
        notes.append(f"coordinate system {crs} (from the file's crs member)")
    return GeoJsonSource(path, list(columns), notes, count, crs)
