"""Reading RDF files into passport documents: one document per passport, whole or not at all.

Two paths, both bounded in memory:

- N-Quads and TriG whose named graphs are passport IRIs stream: the quads of one graph are
  collected until the next graph starts. A graph that comes back after another one started is an
  error (the file is not grouped); sort it or send it as Turtle.
- Triple formats (Turtle, N-Triples, JSON-LD, RDF/XML) are loaded into a scratch pyoxigraph store
  (in memory for small files, on disk in a temporary folder for large ones) and split per
  passport by following links from each ``mp:Passport`` to the resources under its own IRI prefix
  (docs/model.md) and to blank nodes. Triples reached from no passport are reported.

Before the parser sees a byte, :mod:`registry.model.prescan` checks it against
:class:`ParseLimits` (nesting depth, no XML declarations, size of one literal): hostile input
can crash or exhaust the parser otherwise. The triple count of a request is checked while parsing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.phrases import counted
from registry.model.jsonld import inline_own_context
from registry.model.prescan import (
    LimitError,
    ParseLimits,
    ScannedReader,
    Scanner,
    check,
    parser_buffer_error,
    triples_error,
)
from registry.model.uris import PASSPORT_KINDS, PassportRef, UriError, owning_passport
from registry.model.vocab import MANAGED_QUANTITY_PREDICATES, PASSPORT, RDF_TYPE

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}
MEDIA_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
# Above this many bytes, triple formats are split in an on-disk scratch store.
IN_MEMORY_LIMIT = 64 * 2**20


class DocumentError(RegistryError, ValueError):
    """Input that cannot become passports: says where (file, line, column or node) and what to do."""

    def __init__(self, message: str, *, source: str = "", line: int | None = None,
                 column: int | None = None, node: str | None = None, message_nl: str | None = None):
        self.source, self.line, self.column, self.node = source, line, column, node
        where = source
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        if node:
            where += f" ({node})"
        message_nl = message_nl or message
        super().__init__(f"{where}: {message}" if where else message,
                         message_nl=f"{where}: {message_nl}" if where else message_nl)


class PassportDoc:
    """The triples of one passport as submitted (no registry-managed triples).

    Read from N-Quads or TriG, a document keeps the parsed quads (already in the passport's own
    graph) and makes its triples only when something asks for them: a bulk add writes the quads
    as they came from the parser.
    """

    __slots__ = ("_hash", "_quads", "_triples", "ref", "source")

    def __init__(self, ref: PassportRef, triples: list[ox.Triple] | None = None, source: str = "",
                 *, quads: list[ox.Quad] | None = None):
        if triples is None and quads is None:
            raise ValueError("a passport document needs its triples or its quads")
        self.ref, self.source = ref, source
        self._triples, self._quads, self._hash = triples, quads, None

    @property
    def triples(self) -> list[ox.Triple]:
        if self._triples is None:
            self._triples = [q.triple for q in self._quads]
        return self._triples

    def quads(self) -> list[ox.Quad]:
        """The triples in the passport's own named graph."""
        if self._quads is None:
            graph = ox.NamedNode(self.ref.iri)
            return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in self._triples]
        return self._quads

    def statements(self) -> list[ox.Triple] | list[ox.Quad]:
        """The quads when the document was read as quads, else the triples: to scan the
        statements without making the other kind."""
        return self._quads if self._quads is not None else self.triples

    def __repr__(self) -> str:
        return f"PassportDoc({self.ref.iri!r}, source={self.source!r})"

    @property
    def iri(self) -> str:
        return self.ref.iri

    def content_hash(self) -> str:
        """SHA-256 of the canonical N-Triples (RDFC-1.0 when blank nodes are present)."""
        if self._hash is None:
            triples = self.triples
            if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                   for t in triples):
                dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
                dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
                lines = sorted(str(q) for q in dataset)
            else:
                lines = sorted(str(t) for t in triples)
            self._hash = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        return self._hash


def format_for(name: str | None = None, media_type: str | None = None) -> ox.RdfFormat:
    """The RDF format from a file name (``.gz`` allowed) or a media type."""
    if media_type:
        fmt = MEDIA_TYPES.get(media_type.split(";")[0].strip().lower())
        if fmt is None:
            types = ", ".join(sorted(MEDIA_TYPES))
            raise DocumentError(f"unsupported media type {media_type!r}; send one of {types}",
                                message_nl=f"mediatype {media_type!r} wordt niet aangenomen; stuur een van {types}")
        return fmt
    suffixes = Path(name or "").suffixes
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1].lower()) if suffixes else None
    if fmt is None:
        names = ", ".join(sorted(FORMATS))
        raise DocumentError(f"cannot tell the RDF format from the file name; use one of {names} (optionally .gz)",
                            message_nl=f"het RDF-formaat blijkt niet uit de bestandsnaam; gebruik een van {names} "
                                       "(eventueel .gz)", source=name or "")
    return fmt


def _open(path: Path) -> io.BufferedIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def _syntax_error(exc: SyntaxError, source: str) -> DocumentError:
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "offset", None)
    message = str(exc.msg if hasattr(exc, "msg") and exc.msg else exc)
    return DocumentError(f"RDF syntax error: {message}. Fix the file there and try again.",
                         message_nl=f"fout in de RDF-syntax: {message}. Verbeter het bestand daar en probeer "
                                    "het opnieuw.", source=source, line=line, column=column)


def read_file(path: str | Path, base: str, fmt: ox.RdfFormat | None = None, *,
              limits: ParseLimits | None = None) -> Iterator[PassportDoc]:
    """Passports in an RDF file, streamed; the bytes are pre-scanned against ``limits`` (default:
    those of ``Settings()``, without a triple count)."""
    path = Path(path)
    fmt = fmt or format_for(path.name)
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"cannot read the file: {exc.strerror}", message_nl=f"kan het bestand niet lezen: "
                            f"{exc.strerror}", source=source) from exc
    with _open(path) as stream:
        if fmt == ox.RdfFormat.JSON_LD and size <= IN_MEMORY_LIMIT:  # the registry's own context inline
            stream = io.BytesIO(inline_own_context(stream.read(), base))
        yield from read_stream(stream, base, fmt, source=source, size_hint=size, limits=limits)


def read_bytes(data: bytes, base: str, fmt: ox.RdfFormat, source: str = "request body", *,
               limits: ParseLimits | None = None) -> list[PassportDoc]:
    """Passports in ``data``, pre-scanned as a whole against ``limits`` before parsing (default:
    those of ``Settings()`` for a request body, with the triple count)."""
    limits = limits or ParseLimits.from_settings(request=True)
    if fmt == ox.RdfFormat.JSON_LD:  # a downloaded document names the registry's context by URL
        data = inline_own_context(data, base)
    check(data, fmt, limits, source)
    parser = ox.parse(io.BytesIO(data), fmt, base_iri=base, rename_blank_nodes=True)
    return list(_documents(_parsed(parser, source, limits), fmt, base, source, len(data)))


def read_stream(stream, base: str, fmt: ox.RdfFormat, *, source: str, size_hint: int = 0,
                limits: ParseLimits | None = None) -> Iterator[PassportDoc]:
    """Passports in a binary stream; the parser reads it through a pre-scan against ``limits``
    (default: those of ``Settings()``, without a triple count)."""
    limits = limits or ParseLimits.from_settings()
    reader = ScannedReader(stream, Scanner(fmt, limits, source))
    parser = ox.parse(io.BufferedReader(reader, ScannedReader.BLOCK), fmt, base_iri=base,
                      rename_blank_nodes=True)
    yield from _documents(_parsed(parser, source, limits, reader), fmt, base, source, size_hint)


def _documents(quads: Iterator[ox.Quad], fmt: ox.RdfFormat, base: str, source: str,
               size_hint: int) -> Iterator[PassportDoc]:
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        yield from _split_graphs(quads, base, source)
    else:
        yield from _split_triples(quads, base, source, on_disk=size_hint > IN_MEMORY_LIMIT)


def _parsed(parser, source: str, limits: ParseLimits,
            reader: ScannedReader | None = None) -> Iterator[ox.Quad]:
    """The parser's quads, at most ``limits.max_triples``; its errors as :class:`DocumentError` or
    :class:`LimitError`."""
    cap = limits.max_triples
    try:
        if cap is None:
            yield from parser
            return
        for count, quad in enumerate(parser, 1):
            if count > cap:
                raise triples_error(limits, source)
            yield quad
    except SyntaxError as exc:
        raise _syntax_error(exc, source) from exc
    except UnicodeDecodeError as exc:
        raise DocumentError(f"the file is not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8 and "
                            "try again", message_nl=f"het bestand is geen UTF-8 ({exc.reason} bij byte {exc.start}); "
                            "sla het op als UTF-8 en probeer het opnieuw", source=source) from exc
    except MemoryError as exc:
        if "buffer maximal size" not in str(exc):  # out of memory, not pyoxigraph's buffer
            raise
        raise parser_buffer_error(limits, source) from exc
    except OSError:
        if reader is not None and reader.error is not None:  # the pre-scan refused, under the parser
            raise reader.error from None
        raise


def _split_graphs(parsed: Iterator[ox.Quad], base: str, source: str) -> Iterator[PassportDoc]:
    current: ox.NamedNode | None = None
    quads: list[ox.Quad] = []
    seen: set[str] = set()
    for quad in parsed:
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode):
            raise DocumentError("triples outside a named graph: in N-Quads/TriG every passport is one "
                                "named graph named by its passport IRI", source=source, node=str(quad.subject),
                                message_nl="gegevens buiten een benoemde graaf: in N-Quads/TriG is elk paspoort "
                                           "één graaf met het IRI van het paspoort als naam")
        if graph != current:
            if current is not None:
                doc = make_doc(current.value, base, source, quads=quads)
                seen.add(doc.iri)  # the document's own string: a long add keeps one copy of each IRI
                yield doc
            if graph.value in seen:
                raise DocumentError("the quads of this graph are not together in the file; sort the "
                                    "file by graph (or send Turtle) and try again", source=source, node=graph.value,
                                    message_nl="de gegevens van deze graaf staan niet bij elkaar in het bestand; "
                                               "sorteer het op graaf (of stuur Turtle) en probeer het opnieuw")
            current, quads = graph, []
        quads.append(quad)
    if current is not None:
        yield make_doc(current.value, base, source, quads=quads)


def make_doc(passport_iri: str, base: str, source: str, *, triples: list[ox.Triple] | None = None,
             quads: list[ox.Quad] | None = None) -> PassportDoc:
    ref = owning_passport(base, passport_iri)
    if ref is None or ref.iri != passport_iri:
        raise DocumentError(f"graph name is not a passport IRI of this registry (expected "
                            f"{base}id/passport/GMxxxx/key)", source=source, node=passport_iri,
                            message_nl=f"de naam van de graaf is geen paspoort-IRI van dit register (verwacht: "
                                       f"{base}id/passport/GMxxxx/sleutel)")
    # The mass of each quantity (mp:massKg, ...) is the registry's: a passport read back from the
    # registry and sent again carries it, so it is dropped here and derived again by the writer.
    managed = MANAGED_QUANTITY_PREDICATES
    if triples is not None:
        triples = [t for t in triples if t.predicate not in managed]
    if quads is not None:
        quads = [q for q in quads if q.predicate not in managed]
    return PassportDoc(ref, triples, source, quads=quads)


def _split_triples(parsed: Iterator[ox.Quad], base: str, source: str, *,
                   on_disk: bool) -> Iterator[PassportDoc]:
    with tempfile.TemporaryDirectory(prefix="passports-split-") as scratch_dir:
        scratch = ox.Store(scratch_dir) if on_disk else ox.Store()
        batch: list[ox.Quad] = []
        for quad in parsed:
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                raise DocumentError("named graphs are only read from N-Quads or TriG files",
                                    source=source, node=str(quad.graph_name),
                                    message_nl="benoemde grafen worden alleen uit N-Quads- of TriG-bestanden gelezen")
            batch.append(quad)
            if len(batch) >= 100_000:
                scratch.bulk_extend(batch)
                batch = []
        scratch.bulk_extend(batch)
        total = len(scratch)
        assigned = 0
        for quad in scratch.quads_for_pattern(None, RDF_TYPE, PASSPORT, None):
            if not isinstance(quad.subject, ox.NamedNode):
                raise DocumentError("a passport must be named by an IRI, not a blank node", source=source,
                                    message_nl="een paspoort moet een IRI als naam hebben, geen lege knoop")
            if owning_passport(base, quad.subject.value) is None:
                raise DocumentError(f"this is not a passport IRI of this registry: its passports are named "
                                    f"{base}id/passport/GMxxxx/key", source=source, node=quad.subject.value,
                                    message_nl=f"dit is geen paspoort-IRI van dit register: de paspoorten heten "
                                               f"{base}id/passport/GMxxxx/sleutel")
            triples = _collect(scratch, quad.subject.value, base)
            assigned += len(triples)
            yield make_doc(quad.subject.value, base, source, triples=triples)
        if assigned != total:
            orphan = _first_orphan(scratch, base)
            left = total - assigned
            raise DocumentError(
                f"{counted(left, 'triple')} {'belongs' if left == 1 else 'belong'} to no passport: every "
                f"resource must be under a passport's own IRI prefix ({base}id/<kind>/GMxxxx/<key>) or be a "
                "blank node linked from one", source=source, node=orphan,
                message_nl=f"{counted(left, 'triple', 'nl')} {'hoort' if left == 1 else 'horen'} bij geen "
                           f"paspoort: alles moet onder het IRI-voorvoegsel van een paspoort staan "
                           f"({base}id/<soort>/GMxxxx/<sleutel>) of een lege knoop zijn die daaraan hangt")
        del scratch


def _collect(store: ox.Store, passport_iri: str, base: str) -> list[ox.Triple]:
    """The passport's triples: its own resources' statements plus blank nodes they link to."""
    ref = owning_passport(base, passport_iri)
    todo: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(passport_iri)]
    visited: set = set(todo)
    triples: list[ox.Triple] = []
    while todo:
        subject = todo.pop()
        for quad in store.quads_for_pattern(subject, None, None, None):
            triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
            obj = quad.object
            if obj in visited:
                continue
            if isinstance(obj, ox.BlankNode) or (isinstance(obj, ox.NamedNode) and belongs_to(ref, obj.value)):
                visited.add(obj)
                todo.append(obj)
    return triples


def _first_orphan(store: ox.Store, base: str) -> str:
    reachable: set = set()
    for quad in store.quads_for_pattern(None, RDF_TYPE, PASSPORT, None):
        reachable.update(t.subject for t in _collect(store, quad.subject.value, base))
    for quad in store:
        if quad.subject not in reachable:
            return str(quad.subject)
    return ""


def belongs_to(ref: PassportRef, iri: str) -> bool:
    """Whether ``iri`` is one of the passport's own resources (docs/model.md); fast, no regex."""
    prefix = ref.base + "id/"
    if not iri.startswith(prefix):
        return False
    kind, _, rest = iri[len(prefix):].partition("/")
    own = f"{ref.municipality}/{ref.key}"
    return kind in PASSPORT_KINDS and rest.startswith(own) and (len(rest) == len(own) or rest[len(own)] in "/#")


def grouped(docs: Iterable[PassportDoc], size: int) -> Iterator[list[PassportDoc]]:
    batch: list[PassportDoc] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["DocumentError", "LimitError", "ParseLimits", "PassportDoc", "UriError", "format_for", "grouped",
           "read_bytes", "read_file", "read_stream"]
