"""RDF documents of passport versions kept serialised in the server process.

A passport version never changes: its document (``/doc/passport/...`` in Turtle, N-Triples,
RDF/XML, JSON-LD) is named by its ``ETag``, made of the version's content hash and number and the
format (:func:`registry.web.routers.linked_data._rdf_response`). Reading the named graph and
writing it costs about half a millisecond at any store size (a key lookup per term, most of a
request's time); the same bytes kept cost nothing. :class:`DocumentCache` keeps them under the
graph's name and the ETag, so a new version (a new number and content hash) is another key and
the kept bytes of the version before are never sent for it; least recently used out once
``max_bytes`` is reached. A document is kept only once it has been sent, so the cache holds what
clients ask for (harvesters, browsers, a crawler going round), not what was written.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class DocumentCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, graph: str, etag: str) -> bytes | None:
        key = (graph, etag)
        with self._lock:
            body = self._items.get(key)
            if body is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return body

    def put(self, graph: str, etag: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:  # one large document does not push out many others
            return
        key = (graph, etag)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = body
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"documents": len(self._items), "bytes": self._bytes, "hits": self.hits,
                    "misses": self.misses}


__all__ = ["DocumentCache"]
