"""A CRS84 copy of every geometry (docs/model.md, "Location"): the one place Python code converts WKT.

A passport records its object's geometry as GeoSPARQL WKT in the coordinate system of the source: RD New
(``<http://www.opengis.net/def/crs/EPSG/0/28992> POINT(257000 471000)``) or WGS84 (no CRS IRI, CRS84:
longitude latitude). The GeoSPARQL functions of the store (``geof:distance``, ``geof:sfWithin``, ...) only
read CRS84, so next to every recorded ``geo:asWKT`` the registry writes, on the same geometry node:

- ``mp:wktCRS84``: the same geometry in CRS84 (RD New transformed with pyproj; a WGS84 geometry copied
  with its numbers as recorded), a ``geo:wktLiteral`` the GeoSPARQL functions read;
- ``mp:latitude`` and ``mp:longitude``: the centre of its bounding box in WGS84 (xsd:decimal, 6 decimals,
  about 0.1 m), so that a query can narrow by a box of plain numbers before it measures distances.

These are registry-managed triples like the mass of a quantity (``MANAGED_QUANTITY_PREDICATES``): dropped
from input, derived on every write, never part of the content hash; ``registry.store.geometries`` derives
them for stores written before they existed.

>>> crs84("<http://www.opengis.net/def/crs/EPSG/0/28992> POINT(257000 471000)")
'POINT(6.879850 52.217639)'
>>> centre("LINESTRING(6.8 52.2, 6.9 52.3)")
(Decimal('52.25'), Decimal('6.85'))
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from decimal import Decimal

import pyoxigraph as ox

from registry.model.vocab import GEO, LATITUDE, LONGITUDE, WKT_CRS84, XSD

__all__ = ["RD_NEW", "centre", "crs84", "geometry_triples", "rd_to_wgs84", "wgs84_to_rd"]

RD_NEW = "http://www.opengis.net/def/crs/EPSG/0/28992"
CRS84_IRIS = ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326")
AS_WKT = ox.NamedNode(GEO + "asWKT")
WKT_LITERAL = ox.NamedNode(GEO + "wktLiteral")
DECIMAL = ox.NamedNode(XSD + "decimal")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
PLACES = Decimal("0.000001")


@functools.lru_cache(maxsize=2)
def _transformer(source: str, target: str):
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=True)


def rd_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """RD New x, y (metres) as WGS84 (longitude, latitude)."""
    return _transformer("EPSG:28992", "EPSG:4326").transform(x, y)


def wgs84_to_rd(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 longitude, latitude as RD New (x, y) in metres."""
    return _transformer("EPSG:4326", "EPSG:28992").transform(lon, lat)


def _split(wkt: str) -> tuple[str, str]:
    """(CRS IRI or "", the geometry text) of a WKT literal's lexical form."""
    text = wkt.strip()
    if text.startswith("<"):
        crs, _, text = text[1:].partition(">")
        return crs.strip(), text.strip()
    return "", text


def _dimensions(body: str) -> int:
    """3 for ``POINT Z (...)`` and the like, else 2."""
    return 3 if re.search(r"\sZ$", body.split("(", 1)[0].upper().strip()) else 2


def crs84(wkt: str) -> str | None:
    """``wkt`` in CRS84 without a CRS IRI, or None when its CRS is neither RD New nor WGS84 or it has
    no coordinates. RD New coordinates are transformed (6 decimals); a third coordinate (Z) is kept."""
    crs, body = _split(wkt)
    numbers = list(_NUMBER.finditer(body))
    if not numbers or (crs and crs != RD_NEW and crs not in CRS84_IRIS):
        return None
    if crs != RD_NEW:
        return body
    dims = _dimensions(body)
    if len(numbers) % dims:
        return None
    values = [float(m.group()) for m in numbers]
    xs, ys = values[0::dims], values[1::dims]
    lons, lats = _transformer("EPSG:28992", "EPSG:4326").transform(xs, ys)
    out: list[str] = []
    for i, m in enumerate(numbers):
        k, r = divmod(i, dims)
        out.append(f"{lons[k]:.6f}" if r == 0 else f"{lats[k]:.6f}" if r == 1 else m.group())
    pieces = _NUMBER.split(body)
    return "".join(p + (out[i] if i < len(out) else "") for i, p in enumerate(pieces))


def centre(wkt84: str) -> tuple[Decimal, Decimal] | None:
    """(latitude, longitude) of the centre of the bounding box of a CRS84 WKT text."""
    _, body = _split(wkt84)
    values = [Decimal(m.group()) for m in _NUMBER.finditer(body)]
    dims = _dimensions(body)
    if not values or len(values) % dims:
        return None
    lons, lats = values[0::dims], values[1::dims]
    return (((min(lats) + max(lats)) / 2).quantize(PLACES).normalize(),
            ((min(lons) + max(lons)) / 2).quantize(PLACES).normalize())


def geometry_triples(triples: Iterable[ox.Triple] | Iterable[ox.Quad]) -> list[ox.Triple]:
    """The registry-managed CRS84 triples for the geometries among one passport's triples."""
    out: list[ox.Triple] = []
    for t in triples:
        if t.predicate != AS_WKT or not isinstance(t.object, ox.Literal):
            continue
        wkt = crs84(t.object.value)
        middle = centre(wkt) if wkt is not None else None
        if middle is None:
            continue
        out += [
            ox.Triple(t.subject, WKT_CRS84, ox.Literal(wkt, datatype=WKT_LITERAL)),
            ox.Triple(t.subject, LATITUDE, ox.Literal(format(middle[0], "f"), datatype=DECIMAL)),
            ox.Triple(t.subject, LONGITUDE, ox.Literal(format(middle[1], "f"), datatype=DECIMAL)),
        ]
    return out
