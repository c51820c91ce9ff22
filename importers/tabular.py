"""Reading tables: CSV (sniffed separator and encoding) and XLSX (streamed with openpyxl).

CSV
    The separator (``;``, ``,``, tab or ``|``) and the header row are found together: the
    combination whose header names the most columns of the mapping wins. The encoding is UTF-8
    (with or without BOM) when the whole file decodes as UTF-8, else Windows-1252; UTF-16 with a
    BOM (Excel's "Unicode text") is read too. The summary says which was used. Before the first
    record is handed out the whole file is parsed once, so a broken file (unclosed quote, bytes
    that are no text) is refused before anything is stored.

XLSX
    Read with ``openpyxl`` in read-only mode, row by row, so memory stays flat for any size. That
    mode does not expose merged cells, so the reader scans the sheet's XML for ``<mergeCell>``
    itself (streaming, one pass that also checks the ZIP checksums) and gives every cell of a
    merged range the value of its top-left cell: a merged "Objecttype" cell over three rows reads
    as three rows with that type. ``format.fill_down`` does the same for cells that are simply
    left empty below a value.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

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
from importers.values import ValueProblem, is_empty

DELIMITERS = (";", ",", "\t", "|")
DELIMITER_NAMES = {";": "semicolon ';'", ",": "comma ','", "\t": "tab", "|": "bar '|'"}
HEAD_BYTES = 256 * 1024
CHUNK = 1 << 20
FIELD_LIMIT = 1 << 20  # one cell may hold up to 1 MiB of text

csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))


# -- CSV -------------------------------------------------------------------------------------------

def _encoding_from_head(head: bytes, spec: FormatSpec, source: str) -> list[str]:
    """Candidate encodings in order of preference."""
    if spec.encoding != "auto":
        try:
            return [codecs.lookup(spec.encoding).name]
        except LookupError:
            raise SourceError(f"format.encoding {spec.encoding!r} is not an encoding Python knows; use "
                              "utf-8 or cp1252", source=source) from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    if head.startswith(b"PK\x03\x04"):
        raise SourceError("this is a ZIP file (an XLSX workbook?), not CSV: give it the .xlsx extension "
                          "or set format.type: xlsx", source=source)
    if b"\x00" in head:
        raise SourceError("the file contains NUL bytes: it is not a text (CSV) file. Export it again as "
                          "CSV (UTF-8 or Windows-1252)", source=source)
    return ["utf-8-sig", "cp1252"]


ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252", "utf-16": "UTF-16"}


class CsvSource(Source):
    def __init__(self, path: Path, encoding: str, delimiter: str, header_index: int, columns: list[str],
                 notes: list[str], rows: int):
        super().__init__(path, "csv", columns, notes, rows)
        self.encoding, self.delimiter, self.header_index = encoding, delimiter, header_index
        # Excel writes ';' where ',' is the decimal sign (Dutch settings), and ',' where '.' is.
        self.decimal_hint = {";": "comma", ",": "point"}.get(delimiter, "auto")

    def records(self) -> Iterator[Record]:
        width = len(self.columns)
        columns = self.columns
        other = [d for d in DELIMITERS if d != self.delimiter]
        with open(self.path, encoding=self.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter, strict=False)
            for index, cells in enumerate(reader):
                if index <= self.header_index:
                    continue
                row = index + 1
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
        name = DELIMITER_NAMES[self.delimiter]
        joined = self.delimiter.join(cells)
        if len(cells) == 1:
            used = next((d for d in other if d in joined), None)
            if used:
                return ValueProblem(
                    "mixed separators",
                    f"this row is separated by {DELIMITER_NAMES[used]} but the file by {name}; save "
                    "the file again with one separator",
                    f"deze rij is gescheiden door {DELIMITER_NAMES[used]} maar het bestand door {name}; "
                    "sla het bestand opnieuw op met één scheidingsteken", value=joined[:200])
        return ValueProblem(
            "wrong number of fields",
            f"this row has {len(cells)} fields but the header has {width} (separator {name}); a value "
            "that contains the separator must be in double quotes",
            f"deze rij heeft {len(cells)} velden maar de kopregel {width} (scheidingsteken {name}); een "
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
        raise SourceError("no header row found", source=source)  # pragma: no cover
    _, delimiter, index, rows = best
    return delimiter, index, header_names(rows[index])


def open_csv(path: Path, spec: FormatSpec, wanted: set[str]) -> CsvSource:
    source = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror}", source=source) from exc
    if not head.strip():
        raise SourceError("the file is empty", source=source)
    encodings = _encoding_from_head(head, spec, source)
    delimiter, header_index, columns = _sniff(head.decode(encodings[0], errors="replace"), spec, wanted,
                                              source)
    failures = []
    for encoding in encodings:
        try:
            rows = _check_structure(path, encoding, delimiter)
        except UnicodeDecodeError as exc:
            failures.append(f"{ENCODING_NAMES.get(encoding, encoding)} (byte {exc.start} of a chunk: "
                            f"{exc.object[exc.start:exc.start + 4]!r})")
            continue
        if encoding != encodings[0]:  # read the column names again in the encoding found
            delimiter, header_index, columns = _sniff(head.decode(encoding, errors="replace"), spec,
                                                      wanted, source)
        notes = [f"encoding {ENCODING_NAMES.get(encoding, encoding)}"
                 + (" (the file is not valid UTF-8)" if encoding == "cp1252" and spec.encoding == "auto" else ""),
                 f"separator {DELIMITER_NAMES.get(delimiter, repr(delimiter))}",
                 f"header on row {header_index + 1}"]
        if encoding == "utf-8-sig" and head.startswith(codecs.BOM_UTF8):
            notes[0] += " with BOM"
        return CsvSource(path, encoding, delimiter, header_index, columns, notes,
                         max(rows - header_index - 1, 0))
    raise SourceError("the file is neither UTF-8 nor Windows-1252 text: tried " + "; ".join(failures)
                      + ". Export it again as CSV in UTF-8", source=source)


def _check_structure(path: Path, encoding: str, delimiter: str) -> int:
    """Parse the whole file once; the number of records. Raises SourceError on broken CSV.

    The strict parse finds a double quote that is never closed (which would silently swallow the
    rest of the file); other quoting slips (``"a"b``) are read leniently, as the import reads them.
    """
    for strict in (True, False):
        count = 0
        with open(path, encoding=encoding, newline="", errors="strict") as fh:
            reader = csv.reader(fh, delimiter=delimiter, strict=strict)
            start = 1
            try:
                for _ in reader:
                    count += 1
                    start = reader.line_num + 1
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    raise SourceError("a double quote opened here is never closed, so the rest of the "
                                      "file would be one value; close or remove it and try again",
                                      source=str(path), line=start) from exc
                if "field larger" in str(exc):
                    raise SourceError(f"a value is larger than {FIELD_LIMIT} characters ({exc}); a double "
                                      "quote that is never closed may be the cause", source=str(path),
                                      line=start) from exc
                if strict:
                    continue
                raise SourceError(f"the CSV structure is broken: {exc}", source=str(path),
                                  line=start) from exc
        return count
    return 0  # pragma: no cover


# -- XLSX ------------------------------------------------------------------------------------------

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _scan_sheet_xml(stream) -> tuple[list[tuple[int, int, int, int]], int]:
    """Merged ranges (min_row, min_col, max_row, max_col) and about the number of rows, in one pass.

    A match is complete once found (the pattern ends in the closing quote); matches that start in
    the last 200 bytes are left for the next round, which sees those bytes again.
    """
    merges, rows, data = set(), 0, b""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        rows += len(re.findall(rb"<(?:\w+:)?row[\s>]", chunk))
        data += chunk
        cut = max(len(data) - 200, 0)
        for m in _MERGE.finditer(data):
            if m.start() < cut:
                merges.add((int(m[2]), _column_number(m[1]), int(m[4]), _column_number(m[3])))
        data = data[cut:]
    for m in _MERGE.finditer(data):
        merges.add((int(m[2]), _column_number(m[1]), int(m[4]), _column_number(m[3])))
    return sorted(merges), rows


class _Merges:
    """Gives cells inside merged ranges the value of the range's top-left cell, row by row."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]):
        self.pending = list(reversed(ranges))  # pop from the end: smallest min_row first
        self.active: list[list] = []  # [min_row, min_col, max_row, max_col, value]

    def apply(self, row_number: int, cells: list[object]) -> list[object]:
        while self.pending and self.pending[-1][0] <= row_number:
            r0, c0, r1, c1 = self.pending.pop()
            self.active.append([r0, c0, r1, c1, None])
        if not self.active:
            return cells
        keep = []
        for rng in self.active:
            r0, c0, r1, c1, value = rng
            if row_number > r1:
                continue
            keep.append(rng)
            if row_number == r0:
                rng[4] = value = cells[c0 - 1] if c0 - 1 < len(cells) else None
            if len(cells) < c1:
                cells = list(cells) + [None] * (c1 - len(cells))
            for c in range(c0, c1 + 1):
                if (row_number, c) != (r0, c0):
                    cells[c - 1] = value
        self.active = keep
        return cells


class XlsxSource(Source):
    def __init__(self, path: Path, sheet_title: str, header_row: int, columns: list[str], notes: list[str],
                 rows: int, merges: list[tuple[int, int, int, int]], data_only: bool = True):
        super().__init__(path, "xlsx", columns, notes, rows)
        self.sheet_title, self.header_row, self.merges = sheet_title, header_row, merges

    def records(self) -> Iterator[Record]:
        workbook = _load(self.path)
        try:
            sheet = workbook[self.sheet_title]
            sheet.reset_dimensions()
            merges = _Merges(self.merges)
            columns = self.columns
            width = len(columns)
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = merges.apply(number, list(cells))
                if number <= self.header_row:
                    continue
                extra = cells[width:]
                record = Record(number, dict(zip(columns, cells[:width])))
                if any(not is_empty(v) for v in extra):
                    record.problem = ValueProblem(
                        "value outside the table",
                        f"this row has values right of the last named column ({columns[-1]!r}); give "
                        "that column a name in the header row or remove the values",
                        f"deze rij heeft waarden rechts van de laatste kolom met een naam "
                        f"({columns[-1]!r}); geef die kolom een naam in de kopregel of haal ze weg",
                        value=", ".join(str(v) for v in extra if not is_empty(v))[:200])
                yield record
        finally:
            workbook.close()


def _load(path: Path):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError) as exc:
        raise SourceError(f"not a complete XLSX workbook ({exc}); the file may be truncated or "
                          "damaged: export or download it again", source=str(path)) from exc


def open_xlsx(path: Path, spec: FormatSpec, wanted: set[str]) -> XlsxSource:
    source = str(path)
    workbook = _load(path)
    try:
        names = workbook.sheetnames
        if spec.sheet is None:
            title = names[0]
        elif isinstance(spec.sheet, int):
            if not 1 <= spec.sheet <= len(names):
                raise SourceError(f"format.sheet {spec.sheet} does not exist; the workbook has "
                                  f"{len(names)} sheet(s): {', '.join(names)}", source=source)
            title = names[spec.sheet - 1]
        elif spec.sheet in names:
            title = spec.sheet
        else:
            raise SourceError(f"no sheet {spec.sheet!r}; the workbook has: {', '.join(names)}",
                              source=source)
        sheet = workbook[title]
        try:
            with workbook._archive.open(sheet._worksheet_path) as stream:
                merges, rows = _scan_sheet_xml(stream)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise SourceError(f"sheet {title!r} cannot be read to its end ({exc}); the file is truncated "
                              "or damaged: export or download it again", source=source) from exc
        sheet.reset_dimensions()
        head, applier = [], _Merges(merges)
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            head.append(applier.apply(number, list(cells)))
            if number >= HEADER_SEARCH_ROWS:
                break
    except SourceError:
        workbook.close()
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged XML
        workbook.close()
        raise SourceError(f"the workbook cannot be read ({type(exc).__name__}: {exc}); export it "
                          "again as .xlsx", source=source) from exc
    workbook.close()
    if not head:
        raise SourceError(f"sheet {title!r} is empty", source=source)
    index = pick_header(head, wanted, spec, source)
    columns = header_names(head[index])
    notes = [f"sheet {title!r}", f"header on row {index + 1}"]
    if merges:
        notes.append(f"{len(merges)} merged cell range(s) filled from their top-left cell")
    return XlsxSource(path, title, index + 1, columns, notes, max(rows - index - 1, 0), merges)
