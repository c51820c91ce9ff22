"""Checking an XLSX workbook before openpyxl parses any of it: a ZIP of XML parts that may be a bomb.

What is checked, streaming, in bounded memory and linear time (``importers.limits`` for the
settings; each refusal is a :class:`~importers.limits.LimitExceeded` naming the limit):

- the ZIP directory: the number of parts (read from the end record, before ``zipfile`` builds its
  directory), the decompressed size of each part and of all parts together, as the directory
  declares them; ``zipfile`` never gives more than the declared size (a part that decompresses to
  more fails its CRC check), so these are real bounds;
- every XML part (worksheets up to their root element: openpyxl's read-only mode reads only
  their head before a sheet is read): no DTD or entity declaration (``<!DOCTYPE``, ``<!ENTITY``: a billion-laughs bomb), UTF-8 or
  ASCII only (a DTD in UTF-16 would not be found by a byte search), no markup (a tag, comment or
  whitespace between tags) longer than :data:`MARKUP` bytes, which keeps the XML parser linear
  (expat re-reads an incomplete token at every buffer fill: a huge tag costs quadratic time) and
  refuses "gigabytes of whitespace"; the number of shared strings (``<si>``);
- the sheet that is read, by :func:`scan_sheet`: the same XML checks, text no longer than
  :func:`sheet_text_cap` (a cell there is inline text), the rows (and the highest row number:
  openpyxl yields an empty row for every number skipped), the cells, the widest row (openpyxl
  pads every row to its last cell), the merged ranges and the cells they cover (each counting
  :data:`MERGED_WEIGHT` cells: they are filled in Python, not by openpyxl).

Counting uses regular expressions over chunks cut before their last ``<``, so that no tag head is
split; the XML itself is parsed only by openpyxl afterwards.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
from dataclasses import dataclass, field

from importers.limits import ImportLimits, LimitExceeded
from importers.source import SourceError

CHUNK = 1 << 20
MARKUP = 64 * 1024  # the longest tag, comment or run of whitespace between tags, in bytes
HEAD = 1024  # bytes of a tag kept to read its attributes across chunk boundaries
MERGED_WEIGHT = 10  # a cell filled from a merged range counts as this many cells against the limit
_TEXT_OPEN = re.compile(rb"""<(?:\w+:)?(?:t|v|f)(?:\s+[\w:.-]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*\s*>"""
                        rb"|<!\[CDATA\[")
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
_ROOT = re.compile(rb"<[A-Za-z_]")  # an element's start: after the prolog, where a DTD would be
_SHARED = re.compile(rb"<(?:\w+:)?si[\s>/]")
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_NUMBER = re.compile(rb"""<(?:\w+:)?row\s(?:[^>]*?\s)?r\s*=\s*["'](\d{1,12})["']""")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_WIDE_CELL = re.compile(rb"""<(?:\w+:)?c\s(?:[^>]*?\s)?r\s*=\s*["']([A-Z]{2,3})\d""")
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\s(?:[^>]*?\s)?ref\s*=\s*["']([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})["']""")


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def sheet_text_cap(limits: ImportLimits) -> int:
    """The longest text in a sheet's XML: inline text longer than this refuses the file (cells of
    shared strings are read and reported on their row instead)."""
    return max(4 * limits.cell, 1 << 20)


class PartScanner:
    """Streams one XML part: refuses DTDs, other encodings, markup longer than MARKUP and, for a
    sheet (given ``limits``), text longer than :func:`sheet_text_cap`; the part's size bounds the
    text of other parts (shared strings)."""

    def __init__(self, name: str, source: str, limits: ImportLimits | None = None):
        self.name, self.source, self.limits = name, source, limits
        self.text_cap = sheet_text_cap(limits) if limits else None
        self.size = 0
        self.run = 0  # bytes since the last '<' (the current tag, or a tag and its text)
        self.head = b""
        self.prev = b""
        self.long_run = re.compile(rb"<[^<]{%d,}" % MARKUP)

    def _refuse(self, en: str, nl: str, status: int = 422) -> LimitExceeded:
        return LimitExceeded(f"part {self.name} of the workbook {en}",
                             f"onderdeel {self.name} van de werkmap {nl}", source=self.source, status=status)

    def feed(self, chunk: bytes) -> None:
        if not self.size and (chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                              or b"\x00" in chunk[:256]):
            raise self._refuse("is not UTF-8 XML (Excel writes UTF-8); save the workbook again with Excel "
                               "or LibreOffice", "is geen UTF-8-XML (Excel schrijft UTF-8); sla de werkmap "
                               "opnieuw op met Excel of LibreOffice")
        self.size += len(chunk)
        window = self.prev + chunk
        if any(bad in window for bad in _FORBIDDEN):
            raise self._refuse(
                "declares a DTD or entities (<!DOCTYPE, <!ENTITY), which Excel never writes and which "
                "can expand a small file into gigabytes; the file is refused. Save it again with Excel",
                "declareert een DTD of entiteiten (<!DOCTYPE, <!ENTITY), die Excel nooit schrijft en "
                "die een klein bestand tot gigabytes kunnen opblazen; het bestand wordt geweigerd. Sla "
                "het opnieuw op met Excel")
        self.prev = chunk[-16:]
        first = chunk.find(b"<")
        if first == -1:
            self._extend(chunk)
            return
        self._extend(chunk[:first])
        last = chunk.rfind(b"<")
        for m in self.long_run.finditer(chunk, first, last):
            self._check(m.end() - m.start(), chunk[m.start():m.start() + HEAD])
        self.run, self.head = 0, b""
        self._extend(chunk[last:])

    def _extend(self, data: bytes) -> None:
        self.run += len(data)
        if len(self.head) < HEAD:
            self.head += data[:HEAD - len(self.head)]
        if self.run > MARKUP:
            self._check(self.run, self.head)

    def _check(self, length: int, head: bytes) -> None:
        if _TEXT_OPEN.match(head) is None:
            shown = head[:40].decode("utf-8", "replace")
            raise self._refuse(
                f"holds markup (a tag, a comment or whitespace between tags) of more than {MARKUP} bytes, "
                f"starting {shown!r}; no spreadsheet program writes that. Save the workbook again",
                f"bevat opmaak (een tag, commentaar of witruimte tussen tags) van meer dan {MARKUP} bytes, "
                f"beginnend met {shown!r}; geen spreadsheetprogramma schrijft dat. Sla de werkmap opnieuw op",
                status=413)
        if self.limits is not None and self.text_cap is not None and length > self.text_cap:
            raise LimitExceeded.of(
                self.limits, "cell", f"a text in sheet part {self.name}",
                f"een tekst in werkbladonderdeel {self.name}", f"over {self.text_cap} bytes (a cell of inline "
                "text may have up to four times the cell limit in bytes)", source=self.source)


def _declared_parts(path) -> int | None:
    """The number of parts the ZIP's end record declares (None when it cannot be found)."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(size - 65_557, 0))
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at == -1 or at + 22 > len(tail):
        return None
    total = struct.unpack("<H", tail[at + 10:at + 12])[0]
    return None if total == 0xFFFF else total  # ZIP64: zipfile reads the count itself


def check_archive(path, limits: ImportLimits, source: str) -> int:
    """Check the ZIP directory and every XML part but the worksheets; the number of shared strings."""
    declared = _declared_parts(path)
    if declared is not None and declared > limits.xlsx_parts:
        raise LimitExceeded.of(limits, "xlsx_parts", "the number of parts in the workbook (ZIP entries)",
                               "het aantal onderdelen van de werkmap (ZIP-items)", declared, source=source)
    try:
        archive = zipfile.ZipFile(path)
    except Exception as exc:  # zipfile raises many kinds on a damaged directory
        raise SourceError(f"not a complete XLSX workbook ({exc}); the file may be truncated or damaged: "
                          "export or download it again", source=source,
                          message_nl=f"geen volledige XLSX-werkmap ({exc}); het bestand is misschien afgebroken "
                          "of beschadigd: exporteer of download het opnieuw") from exc
    shared = 0
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.xlsx_parts:
            raise LimitExceeded.of(limits, "xlsx_parts", "the number of parts in the workbook (ZIP entries)",
                                   "het aantal onderdelen van de werkmap (ZIP-items)", len(infos), source=source)
        total = 0
        for info in infos:
            if info.file_size > limits.xlsx_part:
                raise LimitExceeded.of(limits, "xlsx_part", f"the decompressed size of part {info.filename}",
                                       f"de uitgepakte grootte van onderdeel {info.filename}",
                                       f"{info.file_size} bytes", source=source)
            total += info.file_size
            if total > limits.xlsx_total:
                raise LimitExceeded.of(limits, "xlsx_total", "the decompressed size of the workbook",
                                       "de uitgepakte grootte van de werkmap", f"over {total} bytes",
                                       source=source)
        for info in infos:
            name = info.filename
            if info.is_dir() or not name.lower().endswith((".xml", ".rels", ".vml")):
                continue
            # openpyxl reads a worksheet's head (its dimension) when it opens the workbook: check it
            # up to the root element (a DTD can only come before it); the sheet read is scanned whole.
            head_only = name.startswith("xl/worksheets/")
            scanner = PartScanner(name, source)
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(CHUNK):
                        scanner.feed(chunk)
                        if head_only:
                            if _ROOT.search(chunk):
                                break
                            continue
                        shared += len(_SHARED.findall(chunk))  # a tag cut at the chunk's end: at most one
            except LimitExceeded:
                raise
            except Exception as exc:  # bad CRC, an unknown compression method, an encrypted part, ...
                raise SourceError(f"part {name} cannot be read ({exc}); the file is truncated or damaged: "
                                  "export or download it again", source=source,
                                  message_nl=f"onderdeel {name} is niet leesbaar ({exc}); het bestand is afgebroken "
                                  "of beschadigd: exporteer of download het opnieuw") from exc
            if shared > limits.shared_strings:
                raise LimitExceeded.of(limits, "shared_strings", "the number of shared strings",
                                       "het aantal gedeelde teksten (shared strings)", f"over {shared}",
                                       source=source)
    return shared


@dataclass
class SheetScan:
    """What :func:`scan_sheet` found: merged ranges (min_row, min_col, max_row, max_col), rows."""

    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    rows: int = 0  # row elements
    last_row: int = 0  # the highest row number
    cells: int = 0
    widest: int = 0  # the highest column number of a cell with an r attribute of two or three letters
    merged_cells: int = 0  # the cells merged ranges cover


def scan_sheet(stream, name: str, limits: ImportLimits, source: str) -> SheetScan:
    """Stream the sheet's XML once: the checks of :class:`PartScanner` and the counts of
    :class:`SheetScan`, each against its limit."""
    scanner = PartScanner(name, source, limits)
    scan, carry = SheetScan(), b""
    merges: set[tuple[int, int, int, int]] = set()
    while True:
        chunk = stream.read(CHUNK)
        if chunk:
            scanner.feed(chunk)
            window = carry + chunk
            cut = window.rfind(b"<")
            if cut <= 0:
                carry, window = (window[:HEAD], b"") if cut == 0 else (b"", window)
            else:
                carry, window = window[cut:cut + HEAD], window[:cut]
        else:
            window, carry = carry, b""
        if window:
            scan.rows += len(_ROW.findall(window))
            scan.cells += len(_CELL.findall(window))
            numbers = _ROW_NUMBER.findall(window)
            if numbers:
                scan.last_row = max(scan.last_row, max(map(int, numbers)))
            wide = set(_WIDE_CELL.findall(window))
            if wide:
                scan.widest = max(scan.widest, max(map(column_number, wide)))
            for m in _MERGE.finditer(window):
                merge = (int(m[2]), column_number(m[1]), int(m[4]), column_number(m[3]))
                if merge not in merges:
                    merges.add(merge)
                    scan.merged_cells += (abs(merge[2] - merge[0]) + 1) * (abs(merge[3] - merge[1]) + 1)
            _check_counts(scan, limits, source)
        if not chunk:
            break
    scan.merges = sorted(merges)
    return scan


def _check_counts(scan: SheetScan, limits: ImportLimits, source: str) -> None:
    rows = max(scan.rows, scan.last_row)
    if rows > limits.rows + 30:
        raise LimitExceeded.of(limits, "rows", "the number of rows of the sheet (or its highest row number)",
                               "het aantal rijen van het werkblad (of het hoogste rijnummer)", f"over {rows}",
                               source=source)
    # A merged cell is filled in Python, row by row: it weighs ten cells that openpyxl reads.
    cells = max(scan.cells, scan.widest * rows, MERGED_WEIGHT * scan.merged_cells)
    if cells > limits.cells:
        raise LimitExceeded.of(
            limits, "cells", "the number of cells the sheet would give (cells, the widest row times the rows, "
            "or ten times the cells of merged ranges)", "het aantal cellen dat het werkblad zou geven (cellen, de "
            "breedste rij maal het aantal rijen, of tien keer de cellen van samengevoegde bereiken)", f"over {cells}",
            source=source, advice_en="Remove values far right of or below the table, or unmerge cells, or "
            "split the file; or ask the administrator to raise PASSPORTS_IMPORT_MAX_CELLS.",
            advice_nl="Haal waarden ver rechts van of onder de tabel weg, maak samengevoegde cellen los, of "
            "splits het bestand; of vraag de beheerder PASSPORTS_IMPORT_MAX_CELLS te verhogen.")
