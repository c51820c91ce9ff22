"""What every reader (CSV, XLSX, GeoJSON) gives the importer: records, one per row or feature.

A reader checks the whole file once before the first record is handed out (encoding, CSV
structure, ZIP checksums, JSON syntax), so a malformed file fails before anything is written.
The readers are ``tabular`` and ``geojson``; ``readers.open_source`` picks one for a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from importers.mapping import FormatSpec
from importers.values import ValueProblem, is_empty
from importers.vocabulary import normalise
from registry.core.errors import RegistryError

HEADER_SEARCH_ROWS = 30


class SourceError(RegistryError, ValueError):
    """A file that cannot be read at all: names the file (and line) and says what to do."""

    def __init__(self, message: str, *, source: str = "", line: int | None = None, message_nl: str | None = None):
        self.source, self.line = source, line
        where = source + (f", line {line}" if line else "")
        where_nl = source + (f", regel {line}" if line else "")
        message_nl = message_nl or message
        super().__init__(f"{where}: {message}" if where else message,
                         message_nl=f"{where_nl}: {message_nl}" if where_nl else message_nl)


@dataclass
class Record:
    """One row of a table or one feature of a GeoJSON file."""

    row: int  # the row number a person sees (spreadsheet row, CSV record + header offset, feature no.)
    values: dict[str, object]
    geometry: dict | None = None
    problem: ValueProblem | None = None  # the row could not be read as a whole

    @property
    def empty(self) -> bool:
        return self.problem is None and self.geometry is None and all(is_empty(v) for v in self.values.values())


@dataclass
class Source:
    """An opened export: its columns, how it was read, and its records."""

    path: Path
    format: str
    columns: list[str]
    notes: list[str] = field(default_factory=list)  # how the file was read, for the summary
    estimated_rows: int | None = None
    decimal_hint: str = "auto"  # what a decimal separator most likely is in text cells

    def records(self) -> Iterator[Record]:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        pass


def header_score(cells: Iterable[object], wanted: set[str]) -> int:
    return len({normalise(c) for c in cells if isinstance(c, str)} & wanted)


def pick_header(rows: list[list[object]], wanted: set[str], spec: FormatSpec, source: str,
                first_row: int = 1) -> int:
    """The index (0-based into ``rows``) of the header row: given, or the first row naming the
    most columns of the mapping."""
    if spec.header_row != "auto":
        index = spec.header_row - first_row
        if not 0 <= index < len(rows):
            raise SourceError(f"header_row {spec.header_row} is beyond the first rows of the file",
                              source=source,
                              message_nl=f"header_row {spec.header_row} ligt voorbij de eerste rijen van het bestand")
        return index
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score(row, wanted)
        if score > best_score:
            best, best_score = i, score
    if best is None:
        shown = "; ".join(", ".join(str(c) for c in row if not is_empty(c))[:120] for row in rows[:3])
        raise SourceError(
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows: the mapping expects columns "
            f"such as {', '.join(sorted(wanted)[:8])}; the file starts with: {shown or '(nothing)'}. "
            "Check that this is the right mapping, or set format.header_row.", source=source,
            message_nl=f"geen kopregel gevonden in de eerste {HEADER_SEARCH_ROWS} rijen: de koppeling verwacht "
            f"kolommen zoals {', '.join(sorted(wanted)[:8])}; het bestand begint met: {shown or '(niets)'}. "
            "Controleer of dit de juiste koppeling is, of zet format.header_row.")
    return best


def header_names(cells: list[object]) -> list[str]:
    """Column names from a header row; empty names become ``column 7``, repeats get `` (2)``."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells, start=1):
        name = str(cell).strip() if not is_empty(cell) else f"column {i}"
        key = normalise(name)
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        names.append(name)
    while names and names[-1].startswith("column ") and names[-1][7:].isdigit():
        names.pop()
    return names
