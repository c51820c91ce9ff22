"""The change feed: a Linked Data Event Stream (https://w3id.org/ldes/specification) of passport
versions and retirements, paged with TREE (https://w3id.org/tree/specification); docs/feed.md.

- ``{base}feed/passports``: the ``ldes:EventStream`` (timestamp path ``prov:generatedAtTime``,
  version-of path ``dcterms:isVersionOf``) with its ``tree:view``, page 1;
- ``{base}feed/passports/{n}``: the members ``(n-1)*size+1 .. n*size`` in the order they were
  written (``store.feed_index``). A full page links the next with a
  ``tree:GreaterThanOrEqualToRelation`` on the timestamp and never changes again.

A member is a passport version ``{passport}/v/N``: in the default graph its ``dcterms:isVersionOf``
and ``prov:generatedAtTime``, in the named graph ``<{passport}/v/N>`` the version's triples as
stored. A retirement is a tombstone member ``{passport}/v/N#retired``, an ``as:Delete`` of the
passport at the time version N was retired (no named graph). Formats without graphs (Turtle,
N-Triples) hold the union: exact for pages with one version per passport; a harvester reads
N-Quads or TriG.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mimeparse
import pyoxigraph as ox

from registry.model.vocab import DCTERMS, PROV, RDF_TYPE, XSD
from registry.store.feed_index import FEED_FILE, RETIRED, Event, FeedReader
from registry.store.provenance import GENERATED_AT, INVALIDATED_AT

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
AS = "https://www.w3.org/ns/activitystreams#"
PREFIXES = {"ldes": LDES, "tree": TREE, "as": AS, "dcterms": DCTERMS, "prov": PROV, "xsd": XSD}
FEED_PATH = "feed/passports"

IS_VERSION_OF = ox.NamedNode(DCTERMS + "isVersionOf")
MEMBER = ox.NamedNode(TREE + "member")
VIEW = ox.NamedNode(TREE + "view")
RELATION = ox.NamedNode(TREE + "relation")
NODE = ox.NamedNode(TREE + "node")
PATH = ox.NamedNode(TREE + "path")
VALUE = ox.NamedNode(TREE + "value")
TREE_NODE = ox.NamedNode(TREE + "Node")
GTE = ox.NamedNode(TREE + "GreaterThanOrEqualToRelation")
EVENT_STREAM = ox.NamedNode(LDES + "EventStream")
TIMESTAMP_PATH = ox.NamedNode(LDES + "timestampPath")
VERSION_OF_PATH = ox.NamedNode(LDES + "versionOfPath")
DELETE = ox.NamedNode(AS + "Delete")
AS_OBJECT = ox.NamedNode(AS + "object")
IS_PART_OF = ox.NamedNode(DCTERMS + "isPartOf")
DATETIME = ox.NamedNode(XSD + "dateTime")
VERSION_INFO = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")

# Media types, in increasing preference when q-values tie (mimeparse): "*/*" gets Turtle.
FORMATS: dict[str, ox.RdfFormat] = {
    "application/json": ox.RdfFormat.JSON_LD,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "text/turtle": ox.RdfFormat.TURTLE,
}


@functools.lru_cache(maxsize=256)
def negotiate(accept: str | None) -> str | None:
    """The media type to answer ``accept`` with; None when none of ours is acceptable (406)."""
    if not accept or not accept.strip():
        return "text/turtle"
    try:
        best = mimeparse.best_match(list(FORMATS), accept)
    except (mimeparse.MimeTypeParseException, ValueError):
        return "text/turtle"
    return best or None


def stream_iri(base: str) -> str:
    return base + FEED_PATH


def page_iri(base: str, number: int) -> str:
    return f"{base}{FEED_PATH}/{number}"


@dataclass(frozen=True)
class FeedDocument:
    """One answer of the feed: the body, whether it never changes (a full page), its ETag."""

    body: bytes
    media_type: str
    immutable: bool

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


def serialize(quads: list[ox.Quad], media_type: str) -> bytes:
    fmt = FORMATS[media_type]
    if not fmt.supports_datasets:
        quads = [ox.Quad(q.subject, q.predicate, q.object) for q in quads]
        seen: set[ox.Quad] = set()
        quads = [q for q in quads if not (q in seen or seen.add(q))]
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return ox.serialize(quads, format=fmt, prefixes=PREFIXES)
    return ox.serialize(quads, format=fmt)


def root_document(base: str, media_type: str, epoch: str = "") -> FeedDocument:
    """The event stream and its view (its first page is always page 1), with the feed's epoch as
    ``owl:versionInfo`` (changes when the feed is rebuilt: a dump's position is void then)."""
    stream, view = ox.NamedNode(stream_iri(base)), ox.NamedNode(page_iri(base, 1))
    quads = [ox.Quad(stream, RDF_TYPE, EVENT_STREAM), ox.Quad(stream, TIMESTAMP_PATH, GENERATED_AT),
             ox.Quad(stream, VERSION_OF_PATH, IS_VERSION_OF), ox.Quad(stream, VIEW, view),
             ox.Quad(view, RDF_TYPE, TREE_NODE)]
    if epoch:
        quads.append(ox.Quad(stream, VERSION_INFO, ox.Literal(epoch)))
    return FeedDocument(serialize(quads, media_type), media_type, immutable=False)


STATIC_ROOT = FEED_PATH + "/index.nq"  # the root in a static site (a file and a folder cannot share a name)
STATIC_MEDIA_TYPE = "application/n-quads"


def static_files(registry) -> Iterator[tuple[str, bytes]]:
    """The feed as files of a static site (``passports site``): the root at ``STATIC_ROOT``, then
    every page in N-Quads (the harvester's format; a static host cannot negotiate) at the path of
    its IRI, full pages and the open last one as it is at the build. Nothing without a feed index
    (a data directory never opened for writing)."""
    if not (registry.settings.data_dir / FEED_FILE).exists():
        return
    size = max(1, int(registry.settings.feed_page_size))
    feed = Feed(registry, size)
    try:
        epoch, count = feed.reader.epoch(), feed.reader.count()
    except sqlite3.Error:
        feed.close()
        return
    try:
        yield STATIC_ROOT, root_document(registry.base, STATIC_MEDIA_TYPE, epoch).body
        for number in range(1, count // size + 2):
            yield f"{FEED_PATH}/{number}", feed.page(number, STATIC_MEDIA_TYPE).body
    finally:
        feed.close()


def feed_position(registry) -> dict | None:
    """Where the feed of ``registry`` is now, for a dump's manifest: read *before* the dump is made,
    so the dump holds at least the members up to ``sequence`` (rows are added after their commit);
    a harvester starting from the dump reads the feed from ``page`` on, skipping ``members`` of it.
    None without a feed index."""
    data_dir = registry.settings.data_dir
    if not (data_dir / FEED_FILE).exists():
        return None
    reader = FeedReader(data_dir)
    try:
        count, epoch = reader.count(), reader.epoch()
    except sqlite3.Error:
        return None
    finally:
        reader.close()
    size = max(1, int(registry.settings.feed_page_size))
    return {"stream": stream_iri(registry.base), "epoch": epoch, "page_size": size, "sequence": count,
            "page": page_iri(registry.base, count // size + 1), "members": count % size}


class Feed:
    """Pages of the feed of one registry (its store and ``DATA/feed.sqlite``)."""

    def __init__(self, registry, page_size: int) -> None:
        self.registry, self.size = registry, max(1, int(page_size))
        self.reader = FeedReader(registry.settings.data_dir)
        self.cache = registry.settings.data_dir / "cache" / "feed"
        self.prov = ox.NamedNode(f"{registry.base}graph/provenance")

    def exists(self, number: int) -> bool:
        """Page 1 always; page n once page n-1 is full."""
        return number == 1 or (number > 1 and (number - 1) * self.size <= self.reader.count())

    def page(self, number: int, media_type: str) -> FeedDocument | None:
        """Page ``number``; a full page is made once and kept in ``DATA/cache/feed`` (it never
        changes, until a rebuild of the feed index starts a new epoch)."""
        if not self.exists(number):
            return None
        full, epoch = number * self.size <= self.reader.count(), self.reader.epoch()
        cached = self.cache / f"{epoch}-{self.size}-{number}.{FORMATS[media_type].file_extension}"
        if full and cached.exists():
            return FeedDocument(cached.read_bytes(), media_type, immutable=True)
        document = self._page(number, media_type)
        if document.immutable:
            try:
                self._keep(cached, document.body, f"{epoch}-{self.size}-")
            except OSError:
                pass  # a full disk: served as made, kept another time
        return document

    def _keep(self, path: Path, body: bytes, prefix: str) -> None:
        self.cache.mkdir(parents=True, exist_ok=True)
        for stale in self.cache.iterdir():  # pages of an earlier epoch or page size
            if not stale.name.startswith(prefix):
                stale.unlink(missing_ok=True)
        temporary = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        temporary.write_bytes(body)
        os.replace(temporary, path)

    def _page(self, number: int, media_type: str) -> FeedDocument:
        events = self.reader.events((number - 1) * self.size + 1, number * self.size)
        full = len(events) == self.size
        base = self.registry.base
        stream, node = ox.NamedNode(stream_iri(base)), ox.NamedNode(page_iri(base, number))
        quads = [ox.Quad(node, RDF_TYPE, TREE_NODE), ox.Quad(node, IS_PART_OF, stream)]
        last: ox.Literal | None = None
        for event in events:
            member, time, content = self._member(event)
            quads.append(ox.Quad(stream, MEMBER, member))
            quads += content
            last = time if time is not None else last
        if full and last is not None:
            relation = ox.BlankNode("next")
            quads += [ox.Quad(node, RELATION, relation), ox.Quad(relation, RDF_TYPE, GTE),
                      ox.Quad(relation, NODE, ox.NamedNode(page_iri(base, number + 1))),
                      ox.Quad(relation, PATH, GENERATED_AT), ox.Quad(relation, VALUE, last)]
        return FeedDocument(serialize(quads, media_type), media_type, immutable=full)

    def _time(self, version: ox.NamedNode, predicate: ox.NamedNode) -> ox.Literal | None:
        values = [q.object for q in self.registry.store.quads_for_pattern(version, predicate, None, self.prov)]
        return min(values, key=lambda v: v.value) if values else None

    def _member(self, event: Event) -> tuple[ox.NamedNode, ox.Literal | None, list[ox.Quad]]:
        passport, version = ox.NamedNode(event.passport), ox.NamedNode(event.version_iri)
        if event.kind == RETIRED:
            member = ox.NamedNode(event.version_iri + "#retired")
            time = self._time(version, INVALIDATED_AT)
            quads = [ox.Quad(member, RDF_TYPE, DELETE), ox.Quad(member, AS_OBJECT, passport),
                     ox.Quad(member, IS_VERSION_OF, passport)]
        else:
            member = version
            time = self._time(version, GENERATED_AT)
            quads = [ox.Quad(member, IS_VERSION_OF, passport)]
            quads += (ox.Quad(q.subject, q.predicate, q.object, version) for q in self._content(event))
        if time is not None:
            quads.append(ox.Quad(member, GENERATED_AT, time))
        return member, time, quads

    def _content(self, event: Event) -> list[ox.Quad]:
        """The version's triples: its graph in the history store, else the current graph."""
        history = self.registry.history_store
        graph = ox.NamedNode(event.version_iri)
        if history is not None:
            found = list(history.quads_for_pattern(None, None, None, graph))
            if found:
                return found
        passport = ox.NamedNode(event.passport)
        return list(self.registry.store.quads_for_pattern(None, None, None, passport))

    def close(self) -> None:
        self.reader.close()


__all__ = ["FEED_PATH", "FORMATS", "STATIC_ROOT", "Feed", "FeedDocument", "feed_position", "negotiate",
           "page_iri", "root_document", "static_files", "stream_iri"]
