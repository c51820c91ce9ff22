"""The limits an import is held to, checked before the expensive work (docs/importing.md#limits).

A file an attacker (or a broken export tool) made must not cost the server unbounded memory or
time, and must not cost the valid rows of the same file. Two kinds of limit:

- **whole-file limits** (rows, XLSX parts and their decompressed size, shared strings, cells, JSON
  nesting, mapping files): checked while the file is first scanned, before anything is parsed
  into cells or written. Exceeding one refuses the file with :class:`LimitExceeded`, which names
  the limit, its value and its setting (CLI exit 2; API 413, or 422 for a forbidden construct);
- **per-row limits** (characters of one cell or property, vertices of one geometry): the row or
  feature is reported with its column and a shortened value, and the other rows are imported.

Every limit is a field of :class:`registry.core.settings.Settings` (``PASSPORTS_IMPORT_*``,
``PASSPORTS_MAPPING_*``); :meth:`ImportLimits.of` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from importers.values import ValueProblem
from registry.core.errors import RegistryError
from registry.core.settings import Settings

# The setting (environment variable) of each limit, for the messages.
ENV = {
    "cell": "PASSPORTS_IMPORT_MAX_CELL", "vertices": "PASSPORTS_IMPORT_MAX_VERTICES",
    "rows": "PASSPORTS_IMPORT_MAX_ROWS", "cells": "PASSPORTS_IMPORT_MAX_CELLS",
    "xlsx_part": "PASSPORTS_IMPORT_MAX_XLSX_PART", "xlsx_total": "PASSPORTS_IMPORT_MAX_XLSX_TOTAL",
    "xlsx_parts": "PASSPORTS_IMPORT_MAX_XLSX_PARTS", "shared_strings": "PASSPORTS_IMPORT_MAX_SHARED_STRINGS",
    "depth": "PASSPORTS_IMPORT_MAX_DEPTH", "mapping_bytes": "PASSPORTS_MAPPING_MAX_BYTES",
    "mapping_depth": "PASSPORTS_MAPPING_MAX_DEPTH", "mapping_nodes": "PASSPORTS_MAPPING_MAX_NODES",
}


@dataclass(frozen=True)
class ImportLimits:
    """The import limits of an instance (see :class:`Settings` for each one's meaning)."""

    cell: int = 100_000
    vertices: int = 100_000
    rows: int = 2_000_000
    cells: int = 50_000_000
    xlsx_part: int = 512 * 2**20
    xlsx_total: int = 2**30
    xlsx_parts: int = 10_000
    shared_strings: int = 1_000_000
    depth: int = 64
    mapping_bytes: int = 256 * 2**10
    mapping_depth: int = 32
    mapping_nodes: int = 20_000

    @classmethod
    def of(cls, settings: Settings | None = None) -> ImportLimits:
        """The limits of ``settings`` (default: the environment's ``PASSPORTS_*``)."""
        s = settings or Settings()
        return cls(s.import_max_cell, s.import_max_vertices, s.import_max_rows, s.import_max_cells,
                   s.import_max_xlsx_part, s.import_max_xlsx_total, s.import_max_xlsx_parts,
                   s.import_max_shared_strings, s.import_max_depth, s.mapping_max_bytes,
                   s.mapping_max_depth, s.mapping_max_nodes)

    def named(self, name: str) -> str:
        """``PASSPORTS_IMPORT_MAX_ROWS=2000000``: a limit as its setting and value, for messages."""
        return f"{ENV[name]}={getattr(self, name)}"


class LimitExceeded(RegistryError, ValueError):
    """A file refused as a whole because it exceeds a limit (or holds a forbidden construct).

    ``extra`` (``limit``: the setting, ``limit_value``) goes into the API's JSON answer.
    """

    status = 413

    def __init__(self, en: str, nl: str, *, limit: str = "", value: int | None = None, source: str = "",
                 status: int | None = None):
        where = f"{source}: " if source else ""
        super().__init__(where + en, message_nl=where + nl, status=status)
        self.limit, self.limit_value = limit, value
        self.extra = {k: v for k, v in (("limit", limit), ("limit_value", value)) if v not in ("", None)}

    @classmethod
    def of(cls, limits: ImportLimits, name: str, what_en: str, what_nl: str, found: object, *,
           source: str = "", advice_en: str = "", advice_nl: str = "") -> LimitExceeded:
        """"``what`` is ``found``, more than the limit ``value`` (setting ``ENV``)"."""
        value = getattr(limits, name)
        return cls(
            f"{what_en} is {found}, more than the limit of {value} ({ENV[name]}). "
            + (advice_en or f"Split the file, or ask the administrator to raise {ENV[name]}."),
            f"{what_nl} is {found}, meer dan de grens van {value} ({ENV[name]}). "
            + (advice_nl or f"Splits het bestand, of vraag de beheerder {ENV[name]} te verhogen."),
            limit=ENV[name], value=value, source=source)


def shorten(text: str, keep: int = 60) -> str:
    """The start of a long value and its length, for a report: ``'aaaa...' (52428800 characters)``."""
    return text if len(text) <= keep else f"{text[:keep]}... ({len(text)} characters)"


def cell_too_large(limits: ImportLimits, column: str, value: object, length: int | None = None) -> ValueProblem:
    """The problem of one cell (or property) longer than ``limits.cell`` characters."""
    text = value if isinstance(value, str) else ""
    n = length if length is not None else len(text)
    return ValueProblem(
        "cell too large",
        f"this value has {n} characters, more than the limit of {limits.cell} for one cell "
        f"({ENV['cell']}); the row is not imported. Shorten the value, or ask the administrator to raise "
        "the limit",
        f"deze waarde heeft {n} tekens, meer dan de grens van {limits.cell} voor één cel ({ENV['cell']}); "
        "de rij wordt niet geïmporteerd. Maak de waarde korter, of vraag de beheerder de grens te verhogen",
        column=column, value=shorten(text) if text else f"({n} characters)")


def line_too_long(limits: ImportLimits, cap: int) -> ValueProblem:
    """The problem of a CSV record with a line (or a quoted value) longer than ``cap`` characters."""
    return ValueProblem(
        "cell too large",
        f"this row has a line or value longer than {cap} characters (four times the cell limit "
        f"{ENV['cell']}={limits.cell}); it is not read, and the row is not imported. Shorten the value, or "
        "check for a double quote that is never closed",
        f"deze rij heeft een regel of waarde van meer dan {cap} tekens (vier keer de celgrens "
        f"{ENV['cell']}={limits.cell}); die wordt niet gelezen en de rij niet geïmporteerd. Maak de waarde "
        "korter, of zoek een dubbel aanhalingsteken dat niet wordt gesloten", value=f"(over {cap} characters)")


def too_many_vertices(limits: ImportLimits, column: str = "geometry") -> ValueProblem:
    """The problem of one geometry with more than ``limits.vertices`` positions."""
    return ValueProblem(
        "too many vertices",
        f"the geometry has more than {limits.vertices} vertices, the limit of "
        f"{ENV['vertices']}; the feature is not imported. Simplify the geometry (e.g. with QGIS), or ask "
        "the administrator to raise the limit",
        f"de geometrie heeft meer dan {limits.vertices} punten, de grens van "
        f"{ENV['vertices']}; het object wordt niet geïmporteerd. Vereenvoudig de geometrie (bijv. met "
        "QGIS), of vraag de beheerder de grens te verhogen", column=column,
        value=f"(more than {limits.vertices} vertices)")


def oversized(values: dict[str, object], limits: ImportLimits) -> ValueProblem | None:
    """The problem of the first text value longer than the cell limit, if any."""
    limit = limits.cell
    for column, value in values.items():
        if value.__class__ is str and len(value) > limit:
            return cell_too_large(limits, column, value)
    return None
