"""Importing an asset-register export (CSV, XLSX, GeoJSON) with a mapping: what the CLI
(``passports import``) and the API (``POST /api/v1/imports``) both call.

The file is streamed: records are read one by one, adjacent rows of one object become one
passport document, and ``Registry.add`` validates and stores them in batches, so memory does not
grow with the file (apart from one short string per object ID, kept to find duplicate IDs and,
with ``retire_missing``, the passports that are no longer in the export).

Modes:

- default: valid passports are stored, invalid rows are reported and not stored;
- ``dry_run``: everything is read, mapped and validated; nothing is written; the result says what
  would be created, updated, left unchanged or retired;
- ``all_or_nothing``: a full dry run first; only when no row has a problem is the file read again
  and stored;
- ``retire_missing``: afterwards, the municipality's current passports that came from the same
  source kind (``dcterms:source``, see docs/importing.md) and whose source ID is not in the file are
  retired with the reason "absent from export of DATE".

A file that cannot be read, a mapping that does not fit it and an unknown municipality raise
``ImportFailed`` before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from importers.findings import report_verdict
from importers.limits import ImportLimits, LimitExceeded, oversized
from importers.mapping import Mapping, MappingError, load_mapping
from importers.passports import GroupRejected, RowMapper
from importers.readers import open_source
from importers.report import RowIssue, RowReport
from importers.result import ImportFailed, ImportResult
from importers.source import Record, Source, SourceError
from importers.terms import SOURCE
from importers.values import ValueProblem
from importers.vocabulary import load_vocabulary, normalise
from registry.core.phrases import Note
from registry.model.documents import PassportDoc, grouped
from registry.model.uris import PassportRef, UriError, check_municipality, owning_passport
from registry.model.vocab import PASSPORT, RDF_TYPE
from registry.store.registry import BATCH_SIZE, Registry

Progress = Callable[[int, int | None], None]
PART = 20_000  # passports per Registry.add call (one prov:Activity each)
DECIMAL_NL = {"point": "punt", "comma": "komma"}  # the decimal sign in a note


@dataclass
class _Group:
    source_id: str
    key: str
    records: list[Record]
    duplicate_of: int | None = None

    @property
    def rows(self) -> str:
        first, last = self.records[0].row, self.records[-1].row
        return str(first) if first == last else f"{first}-{last}"


class _Run:
    """One pass over the file: records -> (doc, rows, source ID), problems into the report."""

    def __init__(self, registry: Registry, mapper: RowMapper, source: Source, report: RowReport,
                 result: ImportResult, progress: Progress | None, count: bool = True,
                 limits: ImportLimits | None = None):
        self.registry, self.mapper, self.source = registry, mapper, source
        self.report, self.result, self.progress, self.count = report, result, progress, count
        self.limits = limits or ImportLimits.of(registry.settings)
        self.seen: dict[str, int] = {}

    def _issue(self, row, problem: ValueProblem, **kw) -> None:
        self.report.add(RowIssue.of(row, problem, **kw))

    def docs(self) -> Iterator[tuple[PassportDoc, str, str]]:
        mapper, result = self.mapper, self.result
        current: _Group | None = None
        total = self.source.estimated_rows
        n = 0
        mapper.reset()
        for record in self.source.records():
            n += 1
            if self.progress and n % 500 == 0:
                self.progress(n, total)
            if record.problem is None:  # a value too long to store (importers.limits)
                record.problem = oversized(record.values, self.limits)
            if record.problem is not None:
                self._count("rows_rejected")
                self._issue(record.row, record.problem)
                continue
            if record.empty:
                self._count("rows_empty")
                continue
            mapper.prepare(record)
            try:
                if not mapper.in_municipality(record):
                    self._count("rows_other_municipality")
                    continue
                source_id, key = mapper.identity(record)
            except ValueProblem as exc:
                self._count("rows_rejected")
                self._issue(record.row, exc)
                continue
            if current is not None and key == current.key:
                current.records.append(record)
                continue
            if current is not None:
                yield from self._flush(current)
            current = _Group(source_id, key, [record], self.seen.get(key))
            if current.duplicate_of is None:
                self.seen[key] = record.row
        if current is not None:
            yield from self._flush(current)
        if self.progress:
            self.progress(n, n)
        if self.count:
            result.rows_read = n

    def _count(self, name: str, k: int = 1) -> None:
        if self.count:
            setattr(self.result, name, getattr(self.result, name) + k)

    def _reject(self, group: _Group) -> None:
        self._count("rejected")
        self._count("rows_rejected", len(group.records))

    def _flush(self, group: _Group) -> Iterator[tuple[PassportDoc, str, str]]:
        iri = PassportRef(self.registry.base, self.mapper.municipality, group.key).iri
        if group.duplicate_of is not None:
            for record in group.records:
                self._issue(record.row, ValueProblem(
                    "duplicate ID",
                    f"source ID {group.source_id!r} was already used by row {group.duplicate_of}: IDs must "
                    "be unique, and the rows of one object must be adjacent (sort the export by ID)",
                    f"bron-ID {group.source_id!r} kwam al voor in rij {group.duplicate_of}: ID's moeten "
                    "uniek zijn, en de rijen van één object moeten onder elkaar staan (sorteer de export "
                    "op ID)", column=self.mapper.f["key.source_id"].column, value=group.source_id),
                    source_id=group.source_id, passport=iri)
            self._reject(group)
            return
        try:
            built = self.mapper.build(group.source_id, group.key, group.records)
        except GroupRejected as rejected:
            for row, problem in rejected.problems:
                self._issue(row, problem, source_id=group.source_id, passport=iri)
            self._reject(group)
            return
        for row, problem in built.warnings:
            self._issue(row, problem, source_id=group.source_id, passport=iri, severity="Warning")
        clash = self._foreign(built.doc)
        if clash is not None:
            self._issue(group.rows, clash, source_id=group.source_id, passport=iri)
            self._reject(group)
            return
        self._count("objects")
        yield built.doc, group.rows, group.source_id

    def _foreign(self, doc: PassportDoc) -> ValueProblem | None:
        """A problem when a current passport with this IRI exists that another source wrote."""
        node = ox.NamedNode(doc.iri)
        store = self.registry.store
        if next(store.quads_for_pattern(node, RDF_TYPE, PASSPORT, node), None) is None:
            return None
        existing = next(store.quads_for_pattern(node, SOURCE, None, node), None)
        if existing is not None and existing.object == self.mapper.source_literal:
            return None
        other = f"import source {existing.object.value!r}" if existing is not None else "no import"
        kind = self.mapper.mapping.kind
        return ValueProblem(
            "passport of another source",
            f"passport {doc.ref.key} already exists and came from {other}, not from {kind!r}; it is not "
            "overwritten. Give this mapping another key.prefix",
            f"paspoort {doc.ref.key} bestaat al en komt van {other}, niet van {kind!r}; het wordt niet "
            "overschreven. Geef deze mapping een andere key.prefix")


def _status(registry: Registry, doc: PassportDoc) -> str:
    """What storing the document would do: created, updated or unchanged."""
    node = ox.NamedNode(doc.iri)
    stored = next(registry.store.quads_for_pattern(node, ox.NamedNode(
        "https://w3id.org/materiaalpaspoort/def#contentHash"), None, node), None)
    if stored is None:
        return "updated" if registry.current_version(doc.ref) or registry.status(doc.ref) == "retired" \
            else "created"
    if registry.status(doc.ref) == "retired":
        return "updated"
    return "unchanged" if stored.object.value == doc.content_hash() else "updated"


def _validate_pass(registry: Registry, run: _Run, municipality: str, result: ImportResult) -> None:
    for batch in grouped(run.docs(), BATCH_SIZE):
        verdicts = registry.validate([doc for doc, _, _ in batch], municipality)
        for (doc, rows, source_id), verdict in zip(batch, verdicts):
            if verdict.issues:
                report_verdict(run.report, run.mapper, verdict, rows, source_id)
            if not verdict.conforms:
                result.rejected += 1
                result.rows_rejected += _span(rows)
                continue
            if verdict.issues:
                result.with_warnings += 1
            status = _status(registry, doc)
            setattr(result, status, getattr(result, status) + 1)


def _store(registry: Registry, run: _Run, result: ImportResult, write_kwargs: dict, *,
           report_issues: bool) -> None:
    """``Registry.add`` of the run's documents, in parts of ``PART`` passports.

    Each part is one ``add`` call (one prov:Activity); within it the store validates and writes in
    batches. After each part its rejected and warned passports are reported with their rows, which
    are remembered for that part only, so memory does not grow with the file.
    """
    docs = iter(run.docs())
    done = False
    while not done:
        where: dict[str, tuple[str, str]] = {}

        def part(where: dict = where) -> Iterator[PassportDoc]:
            nonlocal done
            for _ in range(PART):
                item = next(docs, None)
                if item is None:
                    done = True
                    return
                doc, rows, source_id = item
                where[doc.iri] = (rows, source_id)
                yield doc

        added = registry.add(part(), **write_kwargs)
        result.created += len(added.created)
        result.updated += len(added.updated)
        result.unchanged += len(added.unchanged)
        result.stored += added.created + added.updated + added.unchanged
        result.rejected += len(added.rejected)
        result.with_warnings += len(added.warnings)
        if added.written:
            result.activity = result.activity or added.activity
            result.activities.append(added.activity)
        for verdict in added.rejected + added.warnings:
            rows, source_id = where.get(verdict.iri, ("", ""))
            if report_issues:
                report_verdict(run.report, run.mapper, verdict, rows, source_id)
            if not verdict.conforms:
                result.rows_rejected += _span(rows)


def _span(rows: str) -> int:
    """How many rows ``12`` or ``12-14`` covers."""
    first, _, last = rows.partition("-")
    return int(last) - int(first) + 1 if last else (1 if first else 0)


def _retire_missing(registry: Registry, mapper: RowMapper, seen: dict[str, int], result: ImportResult,
                    export_date: str, dry_run: bool, agent: str | None, source: str) -> None:
    literal = mapper.source_literal
    candidates = []
    for quad in registry.store.quads_for_pattern(None, SOURCE, literal, None):
        if not isinstance(quad.subject, ox.NamedNode) or quad.subject != quad.graph_name:
            continue
        ref = owning_passport(registry.base, quad.subject.value)
        if ref is None or ref.iri != quad.subject.value or ref.municipality != mapper.municipality:
            continue
        if ref.key not in seen and registry.status(ref) == "current":
            candidates.append(ref)
    reason = f"absent from export of {export_date}"
    for ref in sorted(candidates, key=lambda r: r.key):
        if not dry_run:
            registry.retire(ref, reason, agent=agent, source=source)
        result.retired.append(ref.iri)


def import_file(registry: Registry, path: str | Path, municipality: str, mapping: str | Path | Mapping, *,
                dry_run: bool = False, report_path: str | Path | None = None, all_or_nothing: bool = False,
                retire_missing: bool = False, progress: Progress | None = None, check_bbox: bool = True,
                agent: str | None = None, source: str | None = None, comment: str | None = None,
                export_date: str | None = None, display_name: str | None = None) -> ImportResult:
    """Import one export file; see the module docstring. Raises ImportFailed before any write."""
    started = time.perf_counter()
    path = Path(path)
    limits = ImportLimits.of(registry.settings)
    vocabulary = load_vocabulary()
    try:
        check_municipality(municipality)
    except UriError as exc:
        raise ImportFailed(exc.message_en, message_nl=exc.message_nl) from None
    if municipality not in vocabulary.municipalities:
        known = ", ".join(f"{m.code} {m.name}" for m in sorted(vocabulary.municipalities.values(),
                                                               key=lambda m: m.code))
        raise ImportFailed(f"{municipality} is not a municipality of this registry (ontology/organisations.ttl "
                           f"lists {known}); passports can only be imported for one of those",
                           message_nl=f"{municipality} is geen gemeente van dit register (ontology/organisations.ttl "
                                      f"noemt {known}); paspoorten kunnen alleen voor een daarvan worden "
                                      "geïmporteerd")
    try:
        mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping, limits)
    except MappingError as exc:
        raise ImportFailed.of(exc) from None
    wanted = {normalise(c) for _, spec in mapping.fields() for c in spec.columns()}
    wanted |= {normalise(c) for c in mapping.format.fill_down}
    try:
        opened = open_source(path, mapping.format, wanted, limits)
    except (SourceError, LimitExceeded) as exc:
        raise ImportFailed.of(exc, str(path), display_name) from None
    try:
        mapper = RowMapper(mapping, vocabulary, base=registry.base, municipality=municipality,
                           columns=opened.columns, check_bbox=check_bbox, source_crs=getattr(opened, "crs", None),
                           decimal_hint=opened.decimal_hint)
    except MappingError as exc:
        raise ImportFailed(exc.message_en, message_nl=exc.message_nl) from None
    name = display_name or str(path)
    result = ImportResult(name, mapping.name, mapping.kind, municipality, opened.format,
                          opened.notes + mapper.notes, dry_run, all_or_nothing)
    if mapper.decimal != "auto":
        found = mapping.format.decimal == "auto"
        result.notes.append(Note(f"decimal {mapper.decimal}" + (" (from the separator)" if found else ""),
                                 f"decimaalteken {DECIMAL_NL.get(mapper.decimal, mapper.decimal)}"
                                 + (" (uit het scheidingsteken)" if found else "")))
    if not check_bbox:
        result.notes.append(Note("coordinates NOT checked against the municipality's extent (--no-bbox-check)",
                                 "coördinaten NIET getoetst aan het gebied van de gemeente (--no-bbox-check)"))
    report = RowReport(report_path)
    result.report_path = str(report_path) if report_path else None
    comment = comment or f"passports import {path.name} --mapping {mapping.name} --municipality {municipality}"
    write_kwargs = {"agent": agent, "source": source or str(path.resolve()), "comment": comment,
                    "municipality": municipality}
    try:
        run = _Run(registry, mapper, opened, report, result, progress, limits=limits)
        if dry_run or all_or_nothing:
            _validate_pass(registry, run, municipality, result)
            seen = run.seen
            if all_or_nothing and not dry_run:
                if report.counts["Violation"]:
                    result.stored_nothing = True
                else:
                    second = _Run(registry, mapper, opened, RowReport(None), result, None, count=False,
                                  limits=limits)
                    result.created = result.updated = result.unchanged = result.with_warnings = 0
                    _store(registry, second, result, write_kwargs, report_issues=False)
        else:
            _store(registry, run, result, write_kwargs, report_issues=True)
            seen = run.seen
        if retire_missing and not result.stored_nothing:
            if result.objects == 0 and result.rejected == 0:
                result.notes.append(Note("--retire-missing skipped: the file holds no object of this "
                                         "municipality, which looks like a wrong or empty export",
                                         "--retire-missing overgeslagen: het bestand heeft geen object van deze "
                                         "gemeente; dat lijkt op een verkeerde of lege export"))
            else:
                _retire_missing(registry, mapper, seen, result, export_date or date.today().isoformat(),
                                dry_run, agent, write_kwargs["source"])
    except (SourceError, LimitExceeded) as exc:
        raise ImportFailed.of(exc, str(path), display_name) from None
    finally:
        report.close()
        opened.close()
    result.issues = report.kept
    result.problem_counts = {f"{sev}: {problem}": n for (sev, problem), n in report.problems.most_common()}
    result.severity_counts = dict(report.counts)
    result.seconds = round(time.perf_counter() - started, 3)
    return result
