"""The findings of the shapes as lines of the import report, in the mapping's words: the field,
its mapping key and the column it was read from (or that the file lacks), then the shape's message;
the RDF path stays in the report's ``path`` column for machines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from importers.report import RowIssue, RowReport
from importers.terms import KEY_NAMES

if TYPE_CHECKING:
    from importers.passports import RowMapper
    from registry.validation.validator import Verdict


def report_verdict(report: RowReport, mapper: RowMapper, verdict: Verdict, rows: str, source_id: str) -> None:
    """One report line per finding of ``verdict`` (the passport from ``rows`` of the file)."""
    for issue in verdict.issues:
        key = mapper.key_for(issue.path, issue.shape)
        column = mapper.column_for(issue.path, issue.shape)
        absent = mapper.absent_column(key) if key and not column else ""
        constraint = issue.constraint.rsplit("#", 1)[-1] if issue.constraint else ""
        en, nl = KEY_NAMES.get(key, (key, key))
        report.add(RowIssue(
            rows, source_id, verdict.iri, issue.severity, column, issue.value,
            _problem(issue.shape, constraint, key),
            _where(nl, key, column, absent, "nl") + issue.text("nl"),
            _where(en, key, column, absent, "en") + issue.text("en"),
            issue.shape, key, issue.path))


# what a SHACL constraint found, as a short English problem name of the report and its summary
KINDS = {"MinCountConstraintComponent": "missing", "MaxCountConstraintComponent": "more than one",
         "MinExclusiveConstraintComponent": "out of range", "MinInclusiveConstraintComponent": "out of range",
         "MaxExclusiveConstraintComponent": "out of range", "MaxInclusiveConstraintComponent": "out of range"}


def _problem(shape: str, constraint: str, key: str) -> str:
    """``not yet valued``, ``missing object.condition``, ``not allowed quantity.unit``, ..."""
    if shape.endswith("#PhysicalObject-notYetValued"):
        return "not yet valued"
    return f"{KINDS.get(constraint, 'not allowed')} {key or 'value'}"


def _where(name: str, key: str, column: str, absent: str, lang: str) -> str:
    """What a SHACL finding is about in the mapping's words: the field, its mapping key and column."""
    if not key:
        return ""
    if column:
        return (f"{name} (kolom {column!r}, mapping-sleutel {key}): " if lang == "nl"
                else f"{name} (column {column!r}, mapping key {key}): ")
    if absent:
        return (f"{name} (mapping-sleutel {key}; kolom {absent!r} staat niet in het bestand): " if lang == "nl"
                else f"{name} (mapping key {key}; column {absent!r} is not in the file): ")
    return (f"{name} (mapping-sleutel {key}, niet in deze mapping): " if lang == "nl"
            else f"{name} (mapping key {key}, not in this mapping): ")
