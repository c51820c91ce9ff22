"""A pre-scan of untrusted RDF bytes, before any parser sees them: nesting depth, markup
declarations (entity expansion), literal size.

The RDF parsers of pyoxigraph are not safe on hostile input: JSON-LD nested a few thousand levels
deep crashes the process (a stack overflow in native code, so no Python exception to catch),
RDF/XML nested tens of thousands of elements deep takes time quadratic in the depth, and RDF/XML
with nested entity declarations ("billion laughs") expands a few hundred bytes into gigabytes. So
every byte goes through a :class:`Scanner` first, which refuses what is over :class:`ParseLimits`:

- nesting depth: JSON ``{ [``; Turtle, TriG, N-Triples and N-Quads ``[ ( {`` and ``<<``;
  RDF/XML elements;
- declarations: any ``<!`` in RDF/XML that is not a comment or CDATA (``<!DOCTYPE``,
  ``<!ENTITY``, ...), so entities are never expanded (the limit is "none");
- the size of one token: a literal, an IRI, a comment, an XML tag or the text of an XML element.

The scan is linear: one regular expression finds the next token that matters (strings, IRIs,
comments, brackets, tags) and skips everything else in C; only those tokens cost a Python step.
It is conservative: where it cannot tell (an incomplete token at the end of a block), it waits for
more bytes, and it never skips a bracket the parser would see. Where the bytes are not valid
syntax the two may disagree, but the parser stops with a syntax error at that point, before
anything after it.

A stream is scanned in blocks (:class:`ScannedReader`): the parser only ever receives bytes the
scanner has passed. The count of triples (``max_triples``, for request bodies) is checked while
parsing, in :mod:`registry.model.documents`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.settings import Settings


@dataclass(frozen=True)
class ParseLimits:
    """What one RDF input may hold (``registry.core.settings.Settings`` has the values)."""

    max_depth: int
    max_literal_bytes: int
    max_triples: int | None = None  # None: no limit (the command line's own files)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, request: bool = False) -> ParseLimits:
        """The limits of ``settings`` (default: from the environment); ``request``: with the
        triple count of a request body."""
        settings = settings or Settings()
        return cls(settings.rdf_max_depth, settings.rdf_max_literal_bytes,
                   settings.rdf_max_triples if request else None)


class LimitError(RegistryError, ValueError):
    """An input over one of the limits: names the limit, its value and its setting."""

    def __init__(self, en: str, nl: str, *, status: int, setting: str, value: float,
                 source: str = "", line: int | None = None) -> None:
        where = source + (f":{line}" if line is not None else "")
        prefix = f"{where}: " if where else ""
        super().__init__(prefix + en, message_nl=prefix + nl, status=status)
        self.setting, self.value, self.source, self.line = setting, value, source, line
        self.text = (en, nl)  # without the place
        self.extra = {"limit": setting, "value": value, **({"line": line} if line is not None else {})}


def depth_error(limits: ParseLimits, source: str = "", line: int | None = None) -> LimitError:
    n = limits.max_depth
    return LimitError(
        f"nesting deeper than {n} levels (blank nodes, lists, JSON objects or arrays, or XML elements "
        f"inside each other); the limit is PASSPORTS_RDF_MAX_DEPTH={n}. Give nested nodes IRIs of "
        "their own to flatten the document, or ask the operator to raise the limit.",
        f"nesting dieper dan {n} niveaus (blanco knopen, lijsten, JSON-objecten of -arrays, of "
        f"XML-elementen in elkaar); de grens is PASSPORTS_RDF_MAX_DEPTH={n}. Geef geneste knopen een "
        "eigen IRI om het document vlakker te maken, of vraag de beheerder de grens te verhogen.",
        status=422, setting="PASSPORTS_RDF_MAX_DEPTH", value=n, source=source, line=line)


def literal_error(limits: ParseLimits, source: str = "", line: int | None = None) -> LimitError:
    n = limits.max_literal_bytes
    return LimitError(
        f"a literal, IRI, comment or XML tag longer than {n} bytes; the limit is "
        f"PASSPORTS_RDF_MAX_LITERAL={n} bytes. Shorten it (publish large content as a file and link "
        "to it), or ask the operator to raise the limit.",
        f"een literal, IRI, commentaar of XML-tag langer dan {n} bytes; de grens is "
        f"PASSPORTS_RDF_MAX_LITERAL={n} bytes. Maak hem korter (publiceer grote inhoud als bestand "
        "en verwijs ernaar), of vraag de beheerder de grens te verhogen.",
        status=413, setting="PASSPORTS_RDF_MAX_LITERAL", value=n, source=source, line=line)


def declaration_error(source: str = "", line: int | None = None) -> LimitError:
    return LimitError(
        "RDF/XML with a markup declaration (<!DOCTYPE, <!ENTITY, ...) is not accepted; the limit is: "
        "no DOCTYPE or ENTITY declarations, so entities are never expanded (no setting changes this). "
        "Remove the declaration and write the values out.",
        "RDF/XML met een declaratie (<!DOCTYPE, <!ENTITY, ...) wordt niet aangenomen; de grens is: "
        "geen DOCTYPE- of ENTITY-declaraties, dus entiteiten worden nooit uitgevouwen (geen instelling "
        "verandert dat). Haal de declaratie weg en schrijf de waarden uit.",
        status=422, setting="no DOCTYPE or ENTITY declarations", value=0, source=source, line=line)


def triples_error(limits: ParseLimits, source: str = "") -> LimitError:
    n = limits.max_triples
    return LimitError(
        f"more than {n} triples in one request; the limit is PASSPORTS_RDF_MAX_TRIPLES={n}. Split "
        "the passports over several requests.",
        f"meer dan {n} triples in één verzoek; de grens is PASSPORTS_RDF_MAX_TRIPLES={n}. Verdeel de "
        "paspoorten over meerdere verzoeken.",
        status=413, setting="PASSPORTS_RDF_MAX_TRIPLES", value=n or 0, source=source)


def parser_buffer_error(limits: ParseLimits, source: str = "") -> LimitError:
    """The parser's own buffer ran full: one token (a name, a number) of many megabytes."""
    n = limits.max_literal_bytes
    return LimitError(
        "one token (a literal, IRI, name or number) is larger than the parser's buffer; tokens may "
        f"have at most PASSPORTS_RDF_MAX_LITERAL={n} bytes. Shorten it.",
        "één token (een literal, IRI, naam of getal) is groter dan de buffer van de parser; tokens "
        f"mogen hoogstens PASSPORTS_RDF_MAX_LITERAL={n} bytes hebben. Maak hem korter.",
        status=413, setting="PASSPORTS_RDF_MAX_LITERAL", value=n, source=source)


# -- the tokens that matter, per family of formats ------------------------------------------
# One match of a family's pattern is a *run* of harmless items (plain bytes, strings, IRIs,
# comments; XML text, comments, CDATA) followed by one bracket (an opener, a closer, an XML tag
# or declaration) or nothing: a Python step per bracket, the rest is done in C. Tokens with
# unbounded content may end at the end of the block (\Z): they are then incomplete, and scanned
# again with the next block. Tokens are as permissive as the parsers or more (a string may hold
# anything but its quote): where the parser is stricter, it stops with a syntax error at that
# point, and nothing after it is parsed.
_ESC = rb"\\.|\\\Z"
_TURTLE_TOKEN = (
    rb'"""(?:[^"\\]++|' + _ESC + rb'|"(?!""))*+(?:"""|\Z)'
    rb"|'''(?:[^'\\]++|" + _ESC + rb"|'(?!''))*+(?:'''|\Z)"
    rb'|"(?:[^"\\]++|' + _ESC + rb')*+(?:"|\Z)'
    rb"|'(?:[^'\\]++|" + _ESC + rb")*+(?:'|\Z)"
    rb"|<(?!<)(?:[^>\\]++|" + _ESC + rb")*+(?:>|\Z)"  # an IRI
    rb"|#[^\n\r]*+|\\.?|>(?!>)")  # a comment, an escape in a name, a stray >
_TURTLE_ITEM = rb"""[^"'<>\[\](){}#\\]++|(?P<tok>""" + _TURTLE_TOKEN + rb")"
_JSON_ITEM = rb'[^"\[\]{}]++|(?P<tok>"(?:[^"\\]++|' + _ESC + rb')*+(?:"|\Z))'
_XML_ITEM = rb"[^<]++|(?P<tok><!--.*?(?:-->|\Z)|<\?.*?(?:\?>|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z))"
_XML_BRACKET = (rb"(?P<decl><!)|(?P<close></[^>]*+(?:>|\Z))"
                rb"|(?P<open><(?:[^<>\"']++|\"[^\"]*+(?:\"|\Z)|'[^']*+(?:'|\Z))*+(?:>|\Z))")


def _family(item: bytes, bracket: bytes) -> tuple[re.Pattern, re.Pattern]:
    """The run-and-bracket pattern, and the pattern of one item (to look into a long run)."""
    return (re.compile(rb"(?P<run>(?:" + item + rb")*+)(?:" + bracket + rb"|(?P<other>.))?", re.DOTALL),
            re.compile(item, re.DOTALL))


_TURTLE = _family(_TURTLE_ITEM, rb"(?P<open><<|[\[({])|(?P<close>>>|[\])}])")
_JSON = _family(_JSON_ITEM, rb"(?P<open>[\[{])|(?P<close>[\]}])")
_XML = _family(_XML_ITEM, _XML_BRACKET)
_PATTERNS = {
    ox.RdfFormat.TURTLE: _TURTLE, ox.RdfFormat.TRIG: _TURTLE, ox.RdfFormat.N_TRIPLES: _TURTLE,
    ox.RdfFormat.N_QUADS: _TURTLE, ox.RdfFormat.JSON_LD: _JSON, ox.RdfFormat.RDF_XML: _XML,
}


class Scanner:
    """Feed it the bytes of one input in order; :meth:`feed` returns the bytes that passed."""

    # Bytes at the end of a block that are only scanned with the next block: longer than the
    # longest opener (``<![CDATA[``), so a token is never judged on a part of its first bytes.
    TAIL = 16

    def __init__(self, fmt: ox.RdfFormat, limits: ParseLimits, source: str = "") -> None:
        self.pattern, self.item = _PATTERNS[fmt]
        self.xml = fmt == ox.RdfFormat.RDF_XML
        self.limits, self.source = limits, source
        # Blocks of at most half the literal limit: a run of complete items in one block is then
        # shorter than the limit, and only a run with a long carried token is looked into.
        self.block = max(4096, min(2**20, limits.max_literal_bytes // 2))
        self.depth = 0
        self.text = 0  # bytes of XML text since the last tag (the literal being written)
        self.lines = 1  # the line at the start of the pending bytes
        self.pending = b""

    def feed(self, chunk: bytes, final: bool = False) -> bytes:
        """Scan ``chunk`` (after what was held back last time); raise :class:`LimitError` or
        return the bytes that passed (``final``: all of them)."""
        if len(chunk) <= self.block:
            return self._feed(chunk, final)
        last = len(chunk) - 1
        return b"".join(self._feed(chunk[i:i + self.block], final and i + self.block > last)
                        for i in range(0, len(chunk), self.block))

    def _feed(self, chunk: bytes, final: bool) -> bytes:
        buf = self.pending + chunk if self.pending else chunk
        end = len(buf)
        safe = end if final else end - self.TAIL
        limit, max_depth, xml = self.limits.max_literal_bytes, self.limits.max_depth, self.xml
        # Only a buffer longer than the limit can hold a token over it (blocks are at most half
        # the limit; a longer buffer means a long token was carried over): then look into runs.
        long = end > limit
        depth, text, cut = self.depth, self.text, end
        for m in self.pattern.finditer(buf):  # contiguous: every byte is an item or a bracket
            stop = m.end()
            run_start, run_end = m.span(1)
            if stop > safe:  # reaches into the tail: the rest is scanned with the next block
                start, token_end = m.span("tok")
                cut = start if start >= 0 and token_end > safe else max(run_start, min(safe, run_end))
                run_end = cut
            if xml:  # the run is text (and comments): the literal being written
                text += run_end - run_start
                if text > limit:
                    raise literal_error(self.limits, self.source, self._line(buf, run_start))
            elif long:
                self._run(buf, run_start, run_end)
            if cut != end:
                break
            kind = m.lastgroup
            if kind == "open":
                if not (xml and buf[stop - 2] == 0x2F):  # not an empty element <a/>
                    depth += 1
                    if depth > max_depth:
                        raise depth_error(self.limits, self.source, self._line(buf, run_end))
            elif kind == "close":
                depth = depth - 1 if depth else 0
            elif kind == "decl":
                raise declaration_error(self.source, self._line(buf, run_end))
            if xml and kind in ("open", "close"):
                text = 0
                if long and stop - run_end > limit:  # a tag with its attributes is one token
                    raise literal_error(self.limits, self.source, self._line(buf, run_end))
        self.depth, self.text = depth, text
        self.lines += buf.count(b"\n", 0, cut)
        self.pending = buf[cut:]
        if len(self.pending) > limit + self.TAIL:
            raise literal_error(self.limits, self.source, self.lines)
        return buf if cut == end else buf[:cut]

    def _line(self, buf: bytes, offset: int) -> int:
        return self.lines + buf.count(b"\n", 0, offset)

    def _run(self, buf: bytes, start: int, stop: int) -> None:
        """In a long buffer: the size of each token and name of a run longer than the limit."""
        limit = self.limits.max_literal_bytes
        if stop - start > limit:
            for item in self.item.finditer(buf, start, stop):
                if item.end() - item.start() > limit and (item.lastgroup == "tok" or max(
                        map(len, item.group().split()), default=0) > limit):
                    raise literal_error(self.limits, self.source, self._line(buf, item.start()))


def check(data: bytes, fmt: ox.RdfFormat, limits: ParseLimits, source: str = "") -> None:
    """Scan a whole input held in memory; raises :class:`LimitError`."""
    Scanner(fmt, limits, source).feed(data, final=True)


class ScannedReader(io.RawIOBase):
    """A binary stream that hands on only bytes a :class:`Scanner` has passed, read in blocks.

    The parser may report a :class:`LimitError` raised here as an ``OSError`` of its own:
    :attr:`error` keeps the original.
    """

    BLOCK = 1 << 20

    def __init__(self, raw, scanner: Scanner) -> None:
        super().__init__()
        self.raw, self.scanner = raw, scanner
        self.error: LimitError | None = None
        self._ready = memoryview(b"")
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._ready:
            if self._done:
                return 0
            chunk = self.raw.read(self.BLOCK)
            self._done = not chunk
            try:
                self._ready = memoryview(self.scanner.feed(chunk or b"", final=self._done))
            except LimitError as exc:
                self.error = exc
                raise
        n = min(len(target), len(self._ready))
        target[:n] = self._ready[:n]
        self._ready = self._ready[n:]
        return n


__all__ = ["LimitError", "ParseLimits", "ScannedReader", "Scanner", "check"]
