"""Query results written by pyoxigraph's own serialisers, measured while they are written.

The worker hands ``QuerySolutions.serialize`` / ``QueryTriples.serialize`` a :class:`CappedOutput`
as the file to write to: pyoxigraph evaluates the query lazily and writes the answer in chunks of
about 8 KiB, in Rust, without a Python object per row. The output refuses the answer
(:class:`TooLarge`) as soon as it passes the byte cap, and counts the rows (or triples) written so
far whenever it has doubled in size since the last count, so an answer with too many rows is
refused after at most twice the bytes it took to cross the cap, never built whole first.

Rows are counted in the serialised bytes (:func:`count_rows`), exactly, from what each of
pyoxigraph's writers puts between two rows: a line in TSV and N-Triples (their literals have their
line breaks escaped), ``<result>`` in SPARQL XML results (``<`` in a value is written ``&lt;``), a
binding object opened after ``[`` or ``,`` in SPARQL JSON results, a line end in CSV, an object
separator (``,`` / ``;`` / ``.`` and a space or line break) in Turtle, a value object in JSON-LD
and a property element (a line starting with two tabs) or a typed node element in RDF/XML, with string literals taken out
first where the separator could occur inside one. tests/query/test_results.py checks each count
against the number of rows of the result on values full of separators.
"""

from __future__ import annotations

import re

from pyoxigraph import QueryResultsFormat, RdfFormat

FIRST_COUNT = 1 << 16  # bytes written before the rows are first counted

# Written "unrolled" (a run of plain characters, then escapes each followed by another run): about
# twice as fast as one alternation per character.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # also Turtle's strings (oxigraph writes "..." only)
_CSV_STRING = re.compile(rb'"[^"]*(?:""[^"]*)*"')


class TooLarge(Exception):
    """The answer passed a cap; ``rows`` is the number of rows (or triples) begun by then."""

    def __init__(self, what: str, limit: int, rows: int) -> None:
        super().__init__(what)
        self.what, self.limit, self.rows = what, limit, rows


def _outside_strings(data: bytes, pattern: re.Pattern) -> bytes:
    """``data`` without its complete string literals, and cut where one is still open (the end of a
    part of an answer). A string can only be open at the end, and the text of an open string never
    matches a complete one that reaches outside it (quotes in it are escaped), so what is left is
    exactly what lies outside strings."""
    stripped = pattern.sub(b"", data)
    cut = stripped.find(b'"')
    return stripped if cut < 0 else stripped[:cut]


def _lines_begun(data: bytes, header: int, newline: bytes = b"\n") -> int:
    lines = data.count(newline) + (1 if data and not data.endswith(newline) else 0)
    return max(0, lines - header)


def count_rows(fmt, data: bytes) -> int:
    """The rows (or triples) begun in ``data``, the whole or a beginning of an answer that
    pyoxigraph wrote in ``fmt`` (a ``QueryResultsFormat`` or ``RdfFormat``)."""
    if fmt == QueryResultsFormat.TSV:
        return _lines_begun(data, 1)
    if fmt == QueryResultsFormat.CSV:
        return _lines_begun(_outside_strings(data, _CSV_STRING), 1, b"\r\n")
    if fmt == QueryResultsFormat.XML:
        return data.count(b"<result>")
    if fmt == QueryResultsFormat.JSON:
        outside = _outside_strings(data, _JSON_STRING)
        return outside.count(b"[{") + outside.count(b",{")
    if fmt == RdfFormat.N_TRIPLES:
        return _lines_begun(data, 0)
    if fmt == RdfFormat.TURTLE:
        outside = _outside_strings(data, _JSON_STRING)
        return outside.count(b" , ") + outside.count(b" ;\n") + outside.count(b" .\n")
    if fmt == RdfFormat.JSON_LD:
        outside = _outside_strings(data, _JSON_STRING)
        nodes = outside.count(b"]},{") + (1 if outside.startswith(b"[{") else 0)
        return outside.count(b"{") - nodes
    if fmt == RdfFormat.RDF_XML:  # property elements, and typed node elements (one rdf:type each)
        data = data[:data.rfind(b"\n") + 1]  # whole lines only: a tag cut short is not yet counted
        nodes = data.count(b"\n\t<") - data.count(b"\n\t</") - data.count(b"\n\t<rdf:Description ")
        return data.count(b"\n\t\t<") + nodes
    raise ValueError(f"no row count for {fmt}")


class CappedOutput:
    """A file for pyoxigraph's serialisers that keeps what is written, up to the caps."""

    def __init__(self, fmt, max_rows: int, max_bytes: int) -> None:
        self.fmt, self.max_rows, self.max_bytes = fmt, max_rows, max_bytes
        self.parts: list[bytes] = []
        self.size = 0
        self._next_count = FIRST_COUNT
        self.refused: TooLarge | None = None

    def write(self, chunk) -> int:
        if self.refused is not None:
            raise self.refused
        self.parts.append(bytes(chunk))
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.refused = TooLarge("bytes", self.max_bytes, count_rows(self.fmt, self.body()))
            raise self.refused
        if self.size >= self._next_count:
            self._next_count = 2 * self.size
            self._check_rows()
        return len(chunk)

    def flush(self) -> None:
        pass

    def body(self) -> bytes:
        if len(self.parts) > 1:
            self.parts = [b"".join(self.parts)]
        return self.parts[0] if self.parts else b""

    def _check_rows(self) -> int:
        rows = count_rows(self.fmt, self.body())
        if rows > self.max_rows:
            self.refused = TooLarge("rows", self.max_rows, rows)
            raise self.refused
        return rows

    def take_refused(self) -> TooLarge:
        refused, self.refused = self.refused, None
        return refused

    def finish(self) -> tuple[bytes, int]:
        """The whole answer and its rows; :class:`TooLarge` when it has too many."""
        rows = self._check_rows()
        return self.body(), rows


def write(result, fmt, max_rows: int, max_bytes: int) -> tuple[bytes, int]:
    """``result`` (``QuerySolutions`` or ``QueryTriples``) serialised in ``fmt``: the bytes and the
    number of rows or triples. Raises :class:`TooLarge` at the first cap it passes."""
    out = CappedOutput(fmt, max_rows, max_bytes)
    try:
        result.serialize(out, format=fmt)
        return out.finish()
    except Exception:
        if out.refused is None:
            raise
    # pyoxigraph reports the writer's error as its own. Raised here, not kept by ``out`` or in a
    # name of this frame: no reference cycle keeps the frame (and ``result``) alive.
    raise out.take_refused()
