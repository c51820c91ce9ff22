"""Reading XLSX workbooks, streamed with openpyxl, after ``importers.xlsx_scan`` has checked them.

Read with ``openpyxl`` in read-only mode, row by row, so memory stays flat for any size. Before
openpyxl parses anything, the ZIP and its XML parts are checked against the import limits
(``xlsx_scan.check_archive``: part sizes, DTDs, shared strings), and the sheet that is read is
streamed once (``xlsx_scan.scan_sheet``: rows, cells, merged ranges, and the ZIP checksums).

Read-only mode does not expose merged cells, so that scan also collects the ``<mergeCell>``
ranges, and every cell of a merged range gets the value of its top-left cell: a merged
"Objecttype" cell over three rows reads as three rows with that type. Filling is linear in the
cells the ranges cover (which count against ``PASSPORTS_IMPORT_MAX_CELLS``); overlapping ranges,
which Excel never writes, refuse the file. ``format.fill_down`` does the same for cells that are
simply left empty below a value.
"""

from __future__ import annotations

import bisect
import zipfile
from collections.abc import Iterator
from pathlib import Path

from importers.limits import ImportLimits, LimitExceeded
from importers.mapping import FormatSpec
from importers.source import HEADER_SEARCH_ROWS, Record, Source, SourceError, header_names, pick_header
from importers.values import ValueProblem, is_empty
from importers.xlsx_scan import check_archive, scan_sheet
from registry.core.phrases import Note


def _ref(r0: int, c0: int, r1: int, c1: int) -> str:
    def letters(n: int) -> str:
        text = ""
        while n > 0:
            n, rest = divmod(n - 1, 26)
            text = chr(65 + rest) + text
        return text
    return f"{letters(c0)}{r0}:{letters(c1)}{r1}"


class _Merges:
    """Gives cells inside merged ranges the value of the range's top-left cell, row by row.

    The active ranges are kept sorted by first column; since they may not overlap, each covers at
    least one cell of the current row, so the work per row is at most the cells filled. Each range
    keeps its filled run of values, so a row costs one slice assignment per active range."""

    def __init__(self, ranges: list[tuple[int, int, int, int]], source: str):
        self.pending = sorted(((min(a, c), min(b, d), max(a, c), max(b, d)) for a, b, c, d in ranges),
                              reverse=True)  # pop from the end: smallest first row first
        # [min_col, min_row, max_row, max_col, run of values], sorted by min_col
        self.active: list[list] = []
        self.expires = 0  # the smallest max_row of the active ranges
        self.width = 0  # the largest max_col of the active ranges
        self.source = source

    def _activate(self, r0: int, c0: int, r1: int, c1: int) -> None:
        i = bisect.bisect_left(self.active, c0, key=lambda rng: rng[0])
        for j in (i - 1, i):
            if 0 <= j < len(self.active):
                other = self.active[j]
                if other[0] <= c1 and c0 <= other[3]:
                    raise SourceError(
                        f"the merged ranges {_ref(r0, c0, r1, c1)} and {_ref(other[1], other[0], other[2], other[3])} "
                        "overlap, which no spreadsheet program writes; unmerge them and save the workbook again",
                        source=self.source,
                        message_nl=f"de samengevoegde cellen {_ref(r0, c0, r1, c1)} en "
                        f"{_ref(other[1], other[0], other[2], other[3])} overlappen, wat geen rekenprogramma "
                        "schrijft; maak de samenvoeging ongedaan en sla de werkmap opnieuw op")
        self.active.insert(i, [c0, r0, r1, c1, [None] * (c1 - c0 + 1)])

    def apply(self, row_number: int, cells: list[object]) -> list[object]:
        changed = False
        if self.active and row_number > self.expires:
            self.active = [rng for rng in self.active if rng[2] >= row_number]
            changed = True
        while self.pending and self.pending[-1][0] <= row_number:
            r0, c0, r1, c1 = self.pending.pop()
            if r1 >= row_number:
                self._activate(r0, c0, r1, c1)
                changed = True
        if not self.active:
            return cells
        if changed:
            self.expires = min(rng[2] for rng in self.active)
            self.width = max(rng[3] for rng in self.active)
        if len(cells) < self.width:
            cells = list(cells) + [None] * (self.width - len(cells))
        for rng in self.active:
            if rng[1] == row_number:
                rng[4] = [cells[rng[0] - 1]] * len(rng[4])
            cells[rng[0] - 1:rng[3]] = rng[4]
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
            merges = _Merges(self.merges, str(self.path))
            columns = self.columns
            width = len(columns)
            for number, cells in _rows(sheet, str(self.path)):
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


def _rows(sheet, source: str) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of the sheet; what openpyxl raises on damaged XML as SourceError."""
    rows = sheet.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            cells = next(rows, None)
        except Exception as exc:  # openpyxl raises many kinds on damaged XML
            raise SourceError(f"the sheet cannot be read after row {number} ({type(exc).__name__}: {exc}); "
                              "export it again as .xlsx", source=source,
                              message_nl=f"het werkblad is na rij {number} niet leesbaar ({type(exc).__name__}: "
                              f"{exc}); exporteer het opnieuw als .xlsx") from exc
        if cells is None:
            return
        number += 1
        yield number, cells


def _load(path: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise SourceError(f"not a complete XLSX workbook ({exc}); the file may be truncated or "
                          "damaged: export or download it again", source=str(path),
                          message_nl=f"geen volledige XLSX-werkmap ({exc}); het bestand is misschien afgekapt of "
                                     "beschadigd: exporteer of download het opnieuw") from exc
    except Exception as exc:  # openpyxl raises many kinds on damaged or hostile XML
        raise SourceError(f"the workbook cannot be read ({type(exc).__name__}: {exc}); export it "
                          "again as .xlsx", source=str(path),
                          message_nl=f"de werkmap is niet leesbaar ({type(exc).__name__}: {exc}); exporteer "
                          "haar opnieuw als .xlsx") from exc


def _pick_sheet(names: list[str], spec: FormatSpec, source: str) -> str:
    if spec.sheet is None:
        return names[0]
    if isinstance(spec.sheet, int):
        if not 1 <= spec.sheet <= len(names):
            raise SourceError(f"format.sheet {spec.sheet} does not exist; the workbook has "
                              f"{len(names)} {'sheet' if len(names) == 1 else 'sheets'}: {', '.join(names)}",
                              source=source, message_nl=f"format.sheet {spec.sheet} bestaat niet; de werkmap heeft "
                              f"{len(names)} {'werkblad' if len(names) == 1 else 'werkbladen'}: {', '.join(names)}")
        return names[spec.sheet - 1]
    if spec.sheet in names:
        return spec.sheet
    raise SourceError(f"no sheet {spec.sheet!r}; the workbook has: {', '.join(names)}", source=source,
                      message_nl=f"geen werkblad {spec.sheet!r}; de werkmap heeft: {', '.join(names)}")


def open_xlsx(path: Path, spec: FormatSpec, wanted: set[str], limits: ImportLimits | None = None) -> XlsxSource:
    source = str(path)
    limits = limits or ImportLimits.of()
    check_archive(path, limits, source)
    workbook = _load(path)
    try:
        names = workbook.sheetnames
        if not names:
            raise SourceError("the workbook has no sheet", source=source, message_nl="de werkmap heeft geen werkblad")
        title = _pick_sheet(names, spec, source)
        sheet = workbook[title]
        try:
            with workbook._archive.open(sheet._worksheet_path) as stream:
                scan = scan_sheet(stream, sheet._worksheet_path, limits, source)
        except (LimitExceeded, SourceError):
            raise
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
            raise SourceError(f"sheet {title!r} cannot be read to its end ({exc}); the file is truncated "
                              "or damaged: export or download it again", source=source,
                              message_nl=f"werkblad {title!r} is niet tot het einde leesbaar ({exc}); het bestand "
                              "is afgebroken of beschadigd: exporteer of download het opnieuw") from exc
        sheet.reset_dimensions()
        head, applier = [], _Merges(scan.merges, source)
        for number, cells in _rows(sheet, source):
            head.append(applier.apply(number, list(cells)))
            if number >= HEADER_SEARCH_ROWS:
                break
    except (LimitExceeded, SourceError):
        workbook.close()
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged XML
        workbook.close()
        raise SourceError(f"the workbook cannot be read ({type(exc).__name__}: {exc}); export it "
                          "again as .xlsx", source=source,
                          message_nl=f"de werkmap is niet leesbaar ({type(exc).__name__}: {exc}); exporteer "
                          "haar opnieuw als .xlsx") from exc
    workbook.close()
    if not head:
        raise SourceError(f"sheet {title!r} is empty", source=source, message_nl=f"werkblad {title!r} is leeg")
    index = pick_header(head, wanted, spec, source)
    columns = header_names(head[index])
    notes = [Note(f"sheet {title!r}", f"werkblad {title!r}"),
             Note(f"header on row {index + 1}", f"kolomnamen op rij {index + 1}")]
    if scan.merges:
        merged = len(scan.merges)
        notes.append(Note(f"{merged} merged cell {'range' if merged == 1 else 'ranges'} filled from their top-left "
                          "cell", f"{merged} {'samengevoegd celbereik' if merged == 1 else 'samengevoegde celbereiken'} "
                          "gevuld vanuit de cel linksboven"))
    rows = max(scan.rows, scan.last_row)
    return XlsxSource(path, title, index + 1, columns, notes, max(rows - index - 1, 0), scan.merges)
