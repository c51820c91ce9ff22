"""The per-row import report: one CSV line per problem, written as the import goes.

Columns: ``row`` (the row number a person sees in the file; ``12-14`` for an object spread over
rows), ``source_id``, ``passport``, ``severity`` (Violation: not imported; Warning: imported, could
be better; Info), ``column``, ``value``, ``problem`` (short, English), ``message_nl``,
``message_en`` (what is wrong and what to do; for SHACL findings the shape's ``sh:message``),
``shape`` (the SHACL shape, for findings of the validator), ``mapping_key`` (the key of the mapping
the finding is about, e.g. ``valuation.amount``; the column is the one the mapping gives that key)
and ``path`` (the RDF property path of a SHACL finding, for machines; the messages name the column
and the mapping key instead).

The report is opened in spreadsheets, and its values come from the imported file, so a cell such
as ``=HYPERLINK(...)`` must not become a formula (CSV injection). As OWASP recommends, every cell
is quoted, and a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or
their full-width forms, which some spreadsheets also read as formulas) gets a single quote in
front: ``'=HYPERLINK(...)``. A cell that is exactly a number (``-3.5``, ``+12,5``, ``-1e3``) is
left as it is: a spreadsheet reads it as that number, not as a formula, and the report keeps the
value as the file had it. See :func:`neutralise`.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from importers.values import ValueProblem

FIELDS = ("row", "source_id", "passport", "severity", "column", "value", "problem", "message_nl",
          "message_en", "shape", "mapping_key", "path")
KEEP = 200  # problems kept in memory for the screen and the API answer
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?")


def neutralise(text: str) -> str:
    """A report cell that no spreadsheet runs as a formula.

    >>> neutralise("=HYPERLINK(\"http://evil\")"), neutralise("@SUM(A1)"), neutralise("-3.5")
    ("'=HYPERLINK(\"http://evil\")", "'@SUM(A1)", '-3.5')
    """
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


@dataclass
class RowIssue:
    row: str
    source_id: str
    passport: str
    severity: str
    column: str
    value: str
    problem: str
    message_nl: str
    message_en: str
    shape: str = ""
    mapping_key: str = ""
    path: str = ""

    @classmethod
    def of(cls, row, problem: ValueProblem, *, source_id: str = "", passport: str = "",
           severity: str = "Violation") -> RowIssue:
        return cls(str(row), source_id, passport, severity, problem.column, _short(problem.value),
                   problem.problem, problem.nl, problem.en)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}

    def as_row(self) -> dict:
        """The issue as a report line: every cell neutralised (:func:`neutralise`)."""
        return {name: neutralise(str(getattr(self, name))) for name in FIELDS}


def _short(value: object, limit: int = 300) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "..."


class RowReport:
    """Counts every issue, keeps the first ones, and writes all of them to a CSV file if asked."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self._fh = open(self.path, "w", encoding="utf-8", newline="") if self.path else None  # noqa: SIM115
        self._writer = csv.DictWriter(self._fh, FIELDS, quoting=csv.QUOTE_ALL) if self._fh else None
        if self._writer:
            self._writer.writeheader()
        self.kept: list[RowIssue] = []
        self.counts: Counter[str] = Counter()  # severity -> issues
        self.problems: Counter[tuple[str, str]] = Counter()  # (severity, problem) -> issues
        self.rejected_rows = 0

    def add(self, issue: RowIssue) -> None:
        self.counts[issue.severity] += 1
        self.problems[(issue.severity, issue.problem)] += 1
        if len(self.kept) < KEEP:
            self.kept.append(issue)
        if self._writer:
            self._writer.writerow(issue.as_row())

    def close(self) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None
