"""SPARQL query results (JSON, XML, CSV, TSV) of rows read elsewhere than from the store (the
monitor's per-object lists, ``registry.store.monitor_lists``), written a chunk at a time.

The same documents the endpoint's workers write with pyoxigraph's serialisers
(:mod:`registry.query.results`), for rows given as ``{column: text}`` (an unbound value absent)
with the kind of each column: an IRI column's values are IRIs, any other column's are literals
of the datatype :class:`Columns` gives it (a plain string when none). :func:`chunks` yields the
header at once, then the rows in pieces of about :data:`CHUNK` bytes, so a download of a million
rows starts at once and holds one piece in memory.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from registry.store import monitor_answers

CHUNK = 64 * 1024
XSD = "http://www.w3.org/2001/XMLSchema#"
_PLAIN_TSV = {XSD + "integer", XSD + "decimal", XSD + "double", XSD + "boolean"}


@dataclass(frozen=True)
class Columns:
    """The variables of a result in order, which of them hold IRIs, and the others' datatypes."""

    names: tuple[str, ...]
    iris: frozenset[str] = frozenset()
    datatypes: dict[str, str] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)  # language-tagged string columns
    # columns whose value "0" is an xsd:integer (when the row's value of the column named is "0" too)
    zero_integers: Mapping[str, str | None] = field(default_factory=dict)

    def term(self, column: str, value: str, row: Mapping[str, str] | None = None) -> dict[str, str]:
        """The value (of ``row``) as a SPARQL JSON results term."""
        if column in self.iris and value.startswith(("http://", "https://", "urn:")):
            return {"type": "uri", "value": value}
        if column in self.languages:
            return {"type": "literal", "value": value, "xml:lang": self.languages[column]}
        if value == "0" and column in self.zero_integers:
            companion = self.zero_integers[column]
            if companion is None or (row or {}).get(companion) == "0":
                return {"type": "literal", "value": value, "datatype": XSD + "integer"}
        datatype = self.datatypes.get(column)
        return {"type": "literal", "value": value, **({"datatype": datatype} if datatype else {})}


def _json(columns: Columns, rows: Iterable[dict[str, str]]) -> Iterator[str]:
    yield json.dumps({"head": {"vars": list(columns.names)}}, separators=(",", ":"))[:-1] + ',"results":{"bindings":['
    first = True
    for row in rows:
        binding = {c: columns.term(c, row[c], row) for c in columns.names if c in row}
        yield ("" if first else ",") + json.dumps(binding, ensure_ascii=False, separators=(",", ":"))
        first = False
    yield "]}}"


def _csv(columns: Columns, rows: Iterable[dict[str, str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns.names)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns.names])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _tsv_term(term: dict[str, str]) -> str:
    if term["type"] == "uri":
        return f"<{term['value']}>"
    text = term["value"].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace(
        "\r", "\\r").replace("\t", "\\t")
    if "xml:lang" in term:
        return f'"{text}"@{term["xml:lang"]}'
    datatype = term.get("datatype")
    if datatype in _PLAIN_TSV and _plain_number(datatype, term["value"]):
        return term["value"]
    return f'"{text}"' + (f"^^<{datatype}>" if datatype else "")


def _plain_number(datatype: str, value: str) -> bool:
    """Whether Turtle reads ``value`` alone as a literal of ``datatype`` (TSV then writes it bare)."""
    patterns = {XSD + "integer": r"[+-]?\d+", XSD + "decimal": r"[+-]?\d*\.\d+",
                XSD + "double": r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+", XSD + "boolean": r"true|false"}
    return re.fullmatch(patterns[datatype], value) is not None


def _tsv(columns: Columns, rows: Iterable[dict[str, str]]) -> Iterator[str]:
    yield "\t".join("?" + c for c in columns.names) + "\n"
    for row in rows:
        yield "\t".join(_tsv_term(columns.term(c, row[c], row)) if c in row else "" for c in columns.names) + "\n"


def _xml(columns: Columns, rows: Iterable[dict[str, str]]) -> Iterator[str]:
    yield ('<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
           + "".join(f"<variable name={quoteattr(c)}/>" for c in columns.names) + "</head><results>")
    for row in rows:
        parts = []
        for c in columns.names:
            if c not in row:
                continue
            term = columns.term(c, row[c], row)
            if term["type"] == "uri":
                inner = f"<uri>{escape(term['value'])}</uri>"
            else:
                datatype = f" datatype={quoteattr(term['datatype'])}" if "datatype" in term else ""
                if "xml:lang" in term:
                    datatype = f" xml:lang={quoteattr(term['xml:lang'])}"
                inner = f"<literal{datatype}>{escape(term['value'])}</literal>"
            parts.append(f"<binding name={quoteattr(c)}>{inner}</binding>")
        yield "<result>" + "".join(parts) + "</result>"
    yield "</results></sparql>"


WRITERS = {"json": _json, "csv": _csv, "tsv": _tsv, "xml": _xml}


def chunks(key: str, columns: Columns, rows: Iterable[dict[str, str]]) -> Iterator[bytes]:
    """The result in format ``key`` (json, xml, csv or tsv) as UTF-8 pieces: the header first,
    then about :data:`CHUNK` bytes at a time."""
    pending: list[str] = []
    size = 0
    header = True
    for text in WRITERS[key](columns, rows):
        pending.append(text)
        size += len(text)
        if header or size >= CHUNK:
            yield "".join(pending).encode("utf-8")
            pending, size, header = [], 0, False
    if pending:
        yield "".join(pending).encode("utf-8")


def indicator_columns(name: str) -> Columns:
    """The columns of the indicator or list ``name`` answered from the monitor aggregates
    (``monitor_answers``: its variables, IRI columns and literal terms)."""
    return Columns(monitor_answers.COLUMNS[name], monitor_answers.IRI_COLUMNS, monitor_answers.DATATYPES[name],
                   monitor_answers.LANGUAGES, monitor_answers.ZERO_INTEGERS)


def document(key: str, columns: Columns, rows: Iterable[dict[str, str]]) -> bytes:
    """The whole result in format ``key`` at once."""
    return b"".join(chunks(key, columns, rows))


__all__ = ["CHUNK", "WRITERS", "Columns", "chunks", "document", "indicator_columns"]
