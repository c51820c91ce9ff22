"""Reading CSV tables (sniffed separator and encoding); XLSX is ``importers.xlsx``.

The separator (``;``, ``,``, tab or ``|``) and the header row are found together: the combination
whose header names the most columns of the mapping wins. The encoding is UTF-8 (with or without
BOM) when the whole file decodes as UTF-8, else Windows-1252; UTF-16 with a BOM (Excel's "Unicode
text") is read too. The summary says which was used. Before the first record is handed out the
whole file is parsed once, so a broken file (unclosed quote, bytes that are no text) is refused
before anything is stored, and so is a file of more rows than ``PASSPORTS_IMPORT_MAX_ROWS``.

Memory stays flat for any file: lines are read at most ``line_cap`` characters at a time (four
times the cell limit, ``importers.limits``); the rest of a longer line is skipped, and its record
is reported as "cell too large" on its row, as is a quoted value that grows past the cap over
several lines. The other rows are imported.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from importers.limits import ImportLimits, LimitExceeded, line_too_long
from importers.mapping import FormatSpec
from importers.source import (
    HEADER_SEARCH_ROWS,
    Record,
    Source,
    SourceError,
    header_names,
    header_score,
    pick_header,
)
from importers.values import ValueProblem
from registry.core.phrases import Note

DELIMITERS = (";", ",", "\t", "|")
DELIMITER_NAMES = {";": "semicolon ';'", ",": "comma ','", "\t": "tab", "|": "bar '|'"}
DELIMITER_NAMES_NL = {";": "puntkomma ';'", ",": "komma ','", "\t": "tab", "|": "streep '|'"}
HEAD_BYTES = 256 * 1024
CHUNK = 1 << 20


def line_cap(limits: ImportLimits) -> int:
    """The longest line read whole: a row may hold a few long cells, and at least 1 MiB."""
    return max(4 * limits.cell, 1 << 20)


class _Lines:
    """The lines of a text file, each at most ``cap`` characters: the rest of a longer line is
    skipped and its number (1-based) remembered in ``long``; an empty line stands in for it."""

    def __init__(self, fh, cap: int):
        self.fh, self.cap = fh, cap
        self.number = 0
        self.long: set[int] = set()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.fh.readline(self.cap + 1)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > self.cap and not line.endswith(("\n", "\r")):
            while (rest := self.fh.readline(CHUNK)) and not rest.endswith(("\n", "\r")):
                pass
            self.long.add(self.number)
            return "\n"
        return line


def _reader(lines: _Lines, delimiter: str, strict: bool):
    csv.field_size_limit(max(csv.field_size_limit(), lines.cap))  # a quoted value over many lines
    return csv.reader(lines, delimiter=delimiter, strict=strict)


def _too_large(error: csv.Error) -> bool:
    return "field larger" in str(error)


# -- CSV -------------------------------------------------------------------------------------------

def _encoding_from_head(head: bytes, spec: FormatSpec, source: str) -> list[str]:
    """Candidate encodings in order of preference."""
    if spec.encoding != "auto":
        try:
            return [codecs.lookup(spec.encoding).name]
        except LookupError:
            raise SourceError(f"format.encoding {spec.encoding!r} is not an encoding Python knows; use "
                              "utf-8 or cp1252", source=source,
                              message_nl=f"format.encoding {spec.encoding!r} is geen bekende tekenset; gebruik "
                              "utf-8 of cp1252") from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    if head.startswith(b"PK\x03\x04"):
        raise SourceError("this is a ZIP file (an XLSX workbook?), not CSV: give it the .xlsx extension "
                          "or set format.type: xlsx", source=source,
                          message_nl="dit is een ZIP-bestand (een XLSX-werkmap?), geen CSV: geef het de extensie "
                                     ".xlsx of zet format.type: xlsx")
    if b"\x00" in head:
        raise SourceError("the file contains NUL bytes: it is not a text (CSV) file. Export it again as "
                          "CSV (UTF-8 or Windows-1252)", source=source,
                          message_nl="het bestand bevat NUL-bytes: het is geen tekstbestand (CSV). Exporteer het "
                                     "opnieuw als CSV (UTF-8 of Windows-1252)")
    return ["utf-8-sig", "cp1252"]


ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252", "utf-16": "UTF-16"}


class CsvSource(Source):
    def __init__(self, path: Path, encoding: str, delimiter: str, header_index: int, columns: list[str],
                 notes: list[str], rows: int, limits: ImportLimits):
        super().__init__(path, "csv", columns, notes, rows)
        self.encoding, self.delimiter, self.header_index = encoding, delimiter, header_index
        self.limits = limits
        # Excel writes ';' where ',' is the decimal sign (Dutch settings), and ',' where '.' is.
        self.decimal_hint = {";": "comma", ",": "point"}.get(delimiter, "auto")

    def records(self) -> Iterator[Record]:
        width = len(self.columns)
        columns = self.columns
        other = [d for d in DELIMITERS if d != self.delimiter]
        with open(self.path, encoding=self.encoding, newline="") as fh:
            lines = _Lines(fh, line_cap(self.limits))
            reader = _reader(lines, self.delimiter, strict=False)
            index = -1
            while True:
                first_line = lines.number + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:  # a quoted value over many lines, longer than the cap
                    if not _too_large(exc):
                        raise SourceError(f"the CSV structure is broken: {exc}", source=str(self.path),
                                          line=first_line, message_nl=f"de CSV-structuur is kapot: {exc}") from exc
                    cells = None
                index += 1
                if index <= self.header_index:
                    continue
                row = index + 1
                if cells is None or (lines.long and any(n in lines.long
                                                        for n in range(first_line, lines.number + 1))):
                    yield Record(row, {}, problem=line_too_long(self.limits, line_cap(self.limits)))
                    continue
                n = len(cells)
                if n > width and not any(c.strip() for c in cells[width:]):
                    cells, n = cells[:width], width
                if n == width:
                    yield Record(row, dict(zip(columns, cells)))
                    continue
                if not any(c.strip() for c in cells):
                    yield Record(row, {})
                    continue
                yield Record(row, dict(zip(columns, cells)), problem=self._width_problem(cells, other))

    def _width_problem(self, cells: list[str], other: list[str]) -> ValueProblem:
        width = len(self.columns)
        name, name_nl = DELIMITER_NAMES[self.delimiter], DELIMITER_NAMES_NL[self.delimiter]
        joined = self.delimiter.join(cells)
        if len(cells) == 1:
            used = next((d for d in other if d in joined), None)
            if used:
                return ValueProblem(
                    "mixed separators",
                    f"this row is separated by {DELIMITER_NAMES[used]} but the file by {name}; save "
                    "the file again with one separator",
                    f"deze rij is gescheiden door {DELIMITER_NAMES_NL[used]} maar het bestand door {name_nl}; "
                    "sla het bestand opnieuw op met één scheidingsteken", value=joined[:200])
        return ValueProblem(
            "wrong number of fields",
            f"this row has {len(cells)} fields but the header has {width} (separator {name}); a value "
            "that contains the separator must be in double quotes",
            f"deze rij heeft {len(cells)} velden maar de kopregel {width} (scheidingsteken {name_nl}); een "
            "waarde met het scheidingsteken erin moet tussen dubbele aanhalingstekens", value=joined[:200])


def _head_rows(text: str, delimiter: str) -> list[list[str]]:
    lines = text.splitlines()[: HEADER_SEARCH_ROWS + 1]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of the head may be cut off
    try:
        return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, strict=False))
    except csv.Error:
        return []


def _sniff(text: str, spec: FormatSpec, wanted: set[str], source: str) -> tuple[str, int, list[str]]:
    candidates = [spec.delimiter] if spec.delimiter != "auto" else list(DELIMITERS)
    best = None
    for delimiter in candidates:
        rows = _head_rows(text, delimiter)
        if not rows:
            continue
        if spec.header_row != "auto":
            index = spec.header_row - 1
            if index >= len(rows):
                continue
            score = (header_score(rows[index], wanted), len(rows[index]))
        else:
            scores = [header_score(r, wanted) for r in rows]
            top = max(scores)
            index = scores.index(top)
            score = (top, len(rows[index]))
        if best is None or score > best[0]:
            best = (score, delimiter, index, rows)
    if best is None or best[0][0] == 0:
        rows = _head_rows(text, candidates[0]) if candidates else []
        pick_header(rows or [[]], wanted, spec, source)  # raises with what the file starts with
        raise SourceError("no header row found", source=source, message_nl="geen kopregel gevonden")  # pragma: no cover
    _, delimiter, index, rows = best
    return delimiter, index, header_names(rows[index])


def open_csv(path: Path, spec: FormatSpec, wanted: set[str], limits: ImportLimits | None = None) -> CsvSource:
    source = str(path)
    limits = limits or ImportLimits.of()
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror}", source=source,
                          message_nl=f"kan het bestand niet lezen: {exc.strerror}") from exc
    if not head.strip():
        raise SourceError("the file is empty", source=source, message_nl="het bestand is leeg")
    encodings = _encoding_from_head(head, spec, source)
    delimiter, header_index, columns = _sniff(head.decode(encodings[0], errors="replace"), spec, wanted,
                                              source)
    failures = []
    for encoding in encodings:
        try:
            rows = _check_structure(path, encoding, delimiter, limits)
        except UnicodeDecodeError as exc:
            failures.append(f"{ENCODING_NAMES.get(encoding, encoding)} (byte {exc.start} of a chunk: "
                            f"{exc.object[exc.start:exc.start + 4]!r})")
            continue
        if encoding != encodings[0]:  # read the column names again in the encoding found
            delimiter, header_index, columns = _sniff(head.decode(encoding, errors="replace"), spec,
                                                      wanted, source)
        name = ENCODING_NAMES.get(encoding, encoding)
        guessed = encoding == "cp1252" and spec.encoding == "auto"
        bom = encoding == "utf-8-sig" and head.startswith(codecs.BOM_UTF8)
        separator, separator_nl = (names.get(delimiter, repr(delimiter))
                                   for names in (DELIMITER_NAMES, DELIMITER_NAMES_NL))
        notes = [Note(f"encoding {name}" + (" (the file is not valid UTF-8)" if guessed else "")
                      + (" with BOM" if bom else ""),
                      f"tekenset {name}" + (" (het bestand is geen geldige UTF-8)" if guessed else "")
                      + (" met BOM" if bom else "")),
                 Note(f"separator {separator}", f"scheidingsteken {separator_nl}"),
                 Note(f"header on row {header_index + 1}", f"kolomnamen op rij {header_index + 1}")]
        return CsvSource(path, encoding, delimiter, header_index, columns, notes,
                         max(rows - header_index - 1, 0), limits)
    tried = "; ".join(failures)
    raise SourceError(f"the file is neither UTF-8 nor Windows-1252 text: tried {tried}. Export it again as CSV in "
                      "UTF-8", source=source, message_nl=f"het bestand is geen UTF-8- of Windows-1252-tekst: "
                      f"geprobeerd {tried}. Exporteer het opnieuw als CSV in UTF-8")


def _check_structure(path: Path, encoding: str, delimiter: str, limits: ImportLimits) -> int:
    """Parse the whole file once; the number of records. Raises SourceError on broken CSV and
    LimitExceeded for more records than ``limits.rows`` (plus a header and title lines).

    The strict parse finds a double quote that is never closed (which would silently swallow the
    rest of the file); other quoting slips (``"a"b``) are read leniently, as the import reads them.
    A value longer than the line cap is not an error here: the import reports it on its row.
    """
    most = limits.rows + HEADER_SEARCH_ROWS
    for strict in (True, False):
        count = 0
        with open(path, encoding=encoding, newline="", errors="strict") as fh:
            lines = _Lines(fh, line_cap(limits))
            reader = _reader(lines, delimiter, strict)
            while True:
                start = lines.number + 1
                try:
                    next(reader)
                except StopIteration:
                    return count
                except csv.Error as exc:
                    if "unexpected end of data" in str(exc):
                        raise SourceError("a double quote opened here is never closed, so the rest of the "
                                          "file would be one value; close or remove it and try again",
                                          source=str(path), line=start,
                                          message_nl="een aanhalingsteken dat hier opent wordt nooit gesloten, "
                                                     "dus de rest van het bestand zou één waarde zijn; sluit of "
                                                     "verwijder het en probeer het opnieuw") from exc
                    if not _too_large(exc):
                        if strict:
                            break
                        raise SourceError(f"the CSV structure is broken: {exc}", source=str(path),
                                          line=start, message_nl=f"de CSV-structuur is kapot: {exc}") from exc
                count += 1
                if count > most:
                    raise LimitExceeded.of(limits, "rows", "the number of rows", "het aantal rijen",
                                           f"at least {count}", source=str(path))
    return 0  # pragma: no cover
