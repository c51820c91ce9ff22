"""Rendered pages kept in the server process until the next write.

A municipality, material, object-kind or concept page, the home page, the lists and a search show
aggregates over many passports: a few milliseconds of rendering each time (a map of up to 500
objects, tables over every material), the same bytes until the store changes. :class:`PageCache`
keeps such a page's status, headers and body with the store's generation (``DATA/generation``,
rewritten by every writer after each commit and again once the sidecar indexes have the write:
:mod:`registry.core.generation`) read *before* it was rendered; it is served again only while the
generation is still that one and for at most ``max_age`` seconds (pages that depend on the date,
such as "valued in the last 12 months", and counts recomputed in the background; an older page is
still sent while one request renders it again). A page that
showed a value from before the latest write, or none yet ("being computed",
:func:`registry.views.pages.cache.note_provisional`), is not kept. Passport pages (a million of
them, each cheap) and error pages are not kept either.

The key is everything a page depends on besides the store: the renderer and its arguments, the
path, the query string, the language cookie and the root path. A kept page has an ``ETag`` (a
hash of its body), so a browser that asks again with ``If-None-Match`` gets 304 without a body.
At most ``max_bytes`` of bodies are kept, least recently used first out.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from registry.core.generation import GENERATION_FILE, read_generation
from registry.core.i18n import COOKIE
from registry.views.pages.contexts import PASSPORT_PARTS

# Renderers of /doc/{kind}/... whose pages are not kept: one page per passport (or its parts).
_PASSPORT_KINDS = PASSPORT_PARTS | {"passport"}
_NOT_KEPT = frozenset(("not_found",))


@dataclass
class _Kept:
    generation: bytes | None
    at: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str


class PageCache:
    def __init__(self, data_dir: Path, *, max_bytes: int, max_age: float) -> None:
        self._generation_file = str(Path(data_dir) / GENERATION_FILE)
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._pages: OrderedDict[tuple, _Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._flights: dict[tuple, asyncio.Future] = {}  # (key, generation) -> a render under way
        self.hits = self.misses = 0

    def key(self, request: Request, name: str, args: tuple) -> tuple | None:
        """What the page depends on besides the store; None for a page that is not kept."""
        if name in _NOT_KEPT or (name == "resource" and args and args[0] in _PASSPORT_KINDS):
            return None
        scope = request.scope
        return (name, args, scope.get("path", ""), scope.get("query_string", b""),
                request.cookies.get(COOKIE, ""), scope.get("root_path", ""))

    def generation(self) -> bytes | None:
        """The store's generation now (read before rendering: a write during the render makes
        the page one of an older generation, not served again)."""
        return read_generation(self._generation_file)

    async def page(self, request: Request, key: tuple,
                   render: Callable[[], Awaitable[tuple[Response, bool]]]) -> Response:
        """The kept page, or the one ``render()`` makes (kept when it showed only current values).
        One render per page and generation at a time: a request for a page being rendered waits
        for that render instead of rendering it again, and a page older than ``max_age`` is still
        sent while one request renders it again (so the slow request is one per page, not one per
        connection). Runs on the event loop: the flights need no lock."""
        generation = self.generation()
        flight_key = (key, generation)
        while True:
            kept = self._find(key, generation)
            flight = self._flights.get(flight_key)
            if kept is not None and (flight is not None or not self._expired(kept)):
                return self._respond(kept, request)
            if flight is None:
                break
            await asyncio.wait({flight})  # its page is kept when it ends, or this request renders it
        self.misses += 1
        flight = self._flights[flight_key] = asyncio.get_running_loop().create_future()
        try:
            response, current = await render()
            if current:
                self.put(key, generation, response)
            return response
        finally:
            del self._flights[flight_key]
            flight.set_result(None)

    def get(self, key: tuple, generation: bytes | None, request: Request) -> Response | None:
        """The kept page if it is of ``generation`` and not older than ``max_age`` (304 when the
        request's ``If-None-Match`` names it), else None."""
        kept = self._find(key, generation)
        return None if kept is None or self._expired(kept) else self._respond(kept, request)

    def _find(self, key: tuple, generation: bytes | None) -> _Kept | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None or kept.generation != generation:
                return None
            self._pages.move_to_end(key)
            return kept

    def _expired(self, kept: _Kept) -> bool:
        return time.monotonic() - kept.at > self.max_age

    def _respond(self, kept: _Kept, request: Request) -> Response:
        self.hits += 1
        if etag_matches(request.headers.get("if-none-match"), kept.etag):
            response = Response(status_code=304)
            response.raw_headers = [(k, v) for k, v in kept.headers if k != b"content-length"]
            return response
        response = Response(kept.body, kept.status)
        response.raw_headers = list(kept.headers)
        return response

    def put(self, key: tuple, generation: bytes | None, response: Response) -> None:
        """Keep a page rendered in ``generation`` (it gets its ``ETag`` here)."""
        body = bytes(response.body)
        if response.status_code != 200 or len(body) > self.max_bytes // 8:
            return
        etag = '"p-' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        response.headers["ETag"] = etag
        kept = _Kept(generation, time.monotonic(), response.status_code, list(response.raw_headers), body, etag)
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._pages[key] = kept
            self._bytes += len(body)
            while self._bytes > self.max_bytes and self._pages:
                _, dropped = self._pages.popitem(last=False)
                self._bytes -= len(dropped.body)

    def stats(self) -> dict:
        with self._lock:
            return {"pages": len(self._pages), "bytes": self._bytes, "hits": self.hits, "misses": self.misses}


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (or ``*``; RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


__all__ = ["PageCache", "etag_matches"]
