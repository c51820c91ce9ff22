"""Coordinates to GeoSPARQL WKT, and the check that they lie in the importing municipality.

Geometry is kept in the coordinate system of the source: RD New (EPSG:28992) is written with its
CRS IRI, ``<http://www.opengis.net/def/crs/EPSG/0/28992> POINT(x y)``; WGS84 is written without
one (CRS84, longitude latitude order), as docs/model.md says. For the extent check every vertex is
converted to WGS84 with pyproj and compared with the municipality's ``mp:bbox``.
"""

from __future__ import annotations

import functools
import re

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from importers.values import ValueProblem, decimal_literal
from registry.model.reference import Municipality

RD_NEW = 28992
WGS84 = 4326
CRS_IRI = {RD_NEW: "<http://www.opengis.net/def/crs/EPSG/0/28992> "}
DIGITS = {RD_NEW: 3, WGS84: 7}
# A generous validity window per CRS, to name coordinates given in the wrong system.
VALID = {RD_NEW: (-7000, 289000, 300000, 629000), WGS84: (-180, -90, 180, 90)}


def epsg_of(text: object) -> int:
    """The EPSG code of ``EPSG:28992``, ``28992``, ``RD``, ``WGS84``, ``urn:ogc:def:crs:EPSG::4326``..."""
    raw = str(text).strip()
    key = raw.casefold().replace(" ", "")
    aliases = {"rd": RD_NEW, "rdnew": RD_NEW, "rd_new": RD_NEW, "amersfoort/rdnew": RD_NEW,
               "wgs84": WGS84, "wgs 84": WGS84, "crs84": WGS84, "epsg:4326": WGS84,
               "urn:ogc:def:crs:ogc:1.3:crs84": WGS84, "http://www.opengis.net/def/crs/ogc/1.3/crs84": WGS84}
    if key in aliases:
        return aliases[key]
    m = re.search(r"(?:epsg\D*)?(\d{4,5})$", key)
    if m:
        code = int(m.group(1))
    else:
        try:
            code = CRS.from_user_input(raw).to_epsg() or 0
        except CRSError:
            code = 0
    if code not in (RD_NEW, WGS84):
        raise ValueProblem(
            "unknown coordinate system",
            f"coordinate system {raw!r} is not supported; use EPSG:28992 (RD New) or EPSG:4326 (WGS84)",
            f"coördinatenstelsel {raw!r} wordt niet ondersteund; gebruik EPSG:28992 (RD New) of "
            "EPSG:4326 (WGS84)")
    return code


@functools.lru_cache(maxsize=4)
def _to_wgs84(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, WGS84, always_xy=True)


def to_wgs84(epsg: int, x: float, y: float) -> tuple[float, float]:
    if epsg == WGS84:
        return x, y
    return _to_wgs84(epsg).transform(x, y)


def check_position(epsg: int, x: float, y: float, municipality: Municipality | None) -> None:
    """Raise ValueProblem when (x, y) is not a valid position in the municipality's extent."""
    x0, y0, x1, y1 = VALID[epsg]
    name = "RD New (EPSG:28992)" if epsg == RD_NEW else "WGS84 (EPSG:4326)"
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        hint = ""
        if epsg == RD_NEW and -180 <= x <= 180 and -90 <= y <= 90:
            hint = " They look like WGS84 degrees: set the coordinate system to EPSG:4326."
        raise ValueProblem("coordinates out of range",
                           f"({x:g}, {y:g}) is not a valid position in {name}.{hint}",
                           f"({x:g}, {y:g}) is geen geldige positie in {name}.{hint}")
    if municipality is None or municipality.bbox is None:
        return
    lon, lat = to_wgs84(epsg, x, y)
    if municipality.contains(lon, lat):
        return
    hint_en = hint_nl = ""
    if epsg == WGS84 and municipality.contains(y, x):
        hint_en = " Longitude and latitude seem swapped: x is the longitude (about 6), y the latitude (about 52)."
        hint_nl = " Lengte- en breedtegraad lijken verwisseld: x is de lengtegraad (ongeveer 6), y de breedtegraad (ongeveer 52)."
    b = municipality.bbox
    raise ValueProblem(
        "outside municipality",
        f"({x:g}, {y:g}) in {name} is at {lon:.5f} E, {lat:.5f} N, outside {municipality.name} "
        f"({municipality.code}: {b[0]}-{b[2]} E, {b[1]}-{b[3]} N). Check the coordinates and the "
        f"coordinate system, or import the row for the municipality it lies in.{hint_en}",
        f"({x:g}, {y:g}) in {name} ligt op {lon:.5f} O, {lat:.5f} N, buiten {municipality.name} "
        f"({municipality.code}: {b[0]}-{b[2]} O, {b[1]}-{b[3]} N). Controleer de coördinaten en het "
        f"coördinatenstelsel, of importeer de rij voor de gemeente waar hij ligt.{hint_nl}")


def _pair(epsg: int, position) -> str:
    if not isinstance(position, (list, tuple)) or len(position) < 2:
        raise ValueProblem("bad geometry", f"{position!r} is not a coordinate pair",
                           f"{position!r} is geen coördinatenpaar")
    x, y = (float(position[0]), float(position[1]))
    return f"{decimal_literal(x, DIGITS[epsg])} {decimal_literal(y, DIGITS[epsg])}"


def point_wkt(epsg: int, x: float, y: float) -> str:
    return f"{CRS_IRI.get(epsg, '')}POINT({_pair(epsg, (x, y))})"


def geojson_wkt(epsg: int, geometry: dict) -> tuple[str, list[tuple[float, float]]]:
    """WKT for a GeoJSON geometry, and its vertices (for the extent check)."""
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise ValueProblem("bad geometry", "the feature has no geometry", "het object heeft geen geometrie")
    kind = geometry["type"]
    coords = geometry.get("coordinates")
    vertices: list[tuple[float, float]] = []

    def ring(points) -> str:
        if not isinstance(points, list) or not points:
            raise ValueProblem("bad geometry", f"empty or malformed {kind} coordinates",
                               f"lege of onjuiste {kind}-coördinaten")
        for p in points:
            vertices.append((float(p[0]), float(p[1])))
        return "(" + ", ".join(_pair(epsg, p) for p in points) + ")"

    try:
        if kind == "Point":
            body = "POINT" + ring([coords])
        elif kind == "MultiPoint":
            body = "MULTIPOINT" + ring(coords)
        elif kind == "LineString":
            body = "LINESTRING" + ring(coords)
        elif kind == "MultiLineString":
            body = "MULTILINESTRING(" + ", ".join(ring(line) for line in coords) + ")"
        elif kind == "Polygon":
            body = "POLYGON(" + ", ".join(ring(r) for r in coords) + ")"
        elif kind == "MultiPolygon":
            body = "MULTIPOLYGON(" + ", ".join(
                "(" + ", ".join(ring(r) for r in polygon) + ")" for polygon in coords) + ")"
        else:
            raise ValueProblem("bad geometry", f"geometry type {kind!r} is not supported (use Point, "
                               "LineString, Polygon or their Multi- forms)",
                               f"geometrietype {kind!r} wordt niet ondersteund (gebruik Point, "
                               "LineString, Polygon of hun Multi-vormen)")
    except (TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, ValueProblem):
            raise
        raise ValueProblem("bad geometry", f"malformed {kind} coordinates: {exc}",
                           f"onjuiste {kind}-coördinaten: {exc}") from exc
    return CRS_IRI.get(epsg, "") + body, vertices
