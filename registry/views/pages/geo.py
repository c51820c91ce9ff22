"""Geometry on the pages: WKT literals as lists of WGS84 points for the maps (RD New converted)."""

from __future__ import annotations

import functools
import re

from registry.model.terms import Terms
from registry.views.pages.attrs import Attrs, as_attrs

RD_NEW = "http://www.opengis.net/def/crs/EPSG/0/28992"
_NUMBER_PAIR = re.compile(r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")


@functools.lru_cache(maxsize=1)
def _rd_to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


def wkt_points(wkt: str) -> dict | None:
    """A WKT literal as {"type", "points": [[lat, lon], ...], "crs"}; RD New is converted to WGS84."""
    text = wkt.strip()
    crs = ""
    if text.startswith("<"):
        crs, _, text = text[1:].partition(">")
        text = text.strip()
    kind = text.split("(", 1)[0].strip().upper() or "GEOMETRY"
    pairs = [(float(a), float(b)) for a, b in _NUMBER_PAIR.findall(text)]
    if not pairs:
        return None
    if crs.endswith("/28992") or crs == RD_NEW:
        transformer = _rd_to_wgs84()
        if len(pairs) == 1:  # a point: the scalar call is several times cheaper than the list one
            pairs = [transformer.transform(*pairs[0])]
        else:
            xs, ys = transformer.transform([p[0] for p in pairs], [p[1] for p in pairs])
            pairs = list(zip(xs, ys))
    elif crs and not crs.endswith(("CRS84", "/4326")):
        return {"type": kind, "points": [], "crs": crs, "wkt": wkt}
    points = [[round(lat, 6), round(lon, 6)] for lon, lat in pairs]
    return {"type": kind, "points": points, "crs": crs or "CRS84", "wkt": wkt}


@functools.lru_cache(maxsize=1024)
def _vocabulary_wkt(terms: Terms, iri: str, predicate: str) -> Attrs | None:
    """The geometry of a vocabulary term (a municipality's centroid or bounding box), once per process."""
    value = terms.value(iri, predicate)
    found = wkt_points(value.value if value is not None else "POINT EMPTY")
    return as_attrs(found) if found is not None else None


def vocabulary_wkt(terms: Terms, iri: str, predicate: str) -> Attrs | None:
    """``wkt_points`` of a term's WKT literal in the ontology (shared: do not change it)."""
    return _vocabulary_wkt(terms, iri, predicate)


__all__ = ["RD_NEW", "vocabulary_wkt", "wkt_points"]
