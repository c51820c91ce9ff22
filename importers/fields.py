"""A compiled field of a mapping: reads one raw value from a record (a constant, a column or a
template), then applies ``pattern``, ``default``, ``map`` and ``required`` (docs/importing.md)."""

from __future__ import annotations

import re

from importers.mapping import FieldSpec, Mapping
from importers.source import Record
from importers.values import ValueProblem, is_empty, text_of
from importers.vocabulary import normalise
from registry.core.phrases import Note

# Fields whose columns must exist in the file; the others are left empty (with a note) when missing.
REQUIRED_COLUMNS = ("key.source_id", "key.passport_key", "object.kind", "quantity.material",
                    "municipality_column")


class Field:
    """One compiled field: reads the raw value of a record (constant, column or template)."""

    def __init__(self, key: str, spec: FieldSpec, columns: dict[str, str], mapping: Mapping,
                 notes: list[str]):
        self.key, self.spec = key, spec
        self.column = ""
        self.missing = False
        self.map = {normalise(k): v for k, v in (spec.map or {}).items()}
        self.pattern = re.compile(spec.pattern) if spec.pattern else None
        self.lang = spec.lang
        resolved = []
        for name in spec.columns():
            actual = columns.get(name) or columns.get(normalise(name))
            if actual is None:
                if key.startswith("location.") or key in REQUIRED_COLUMNS:
                    raise mapping.error(
                        f"the file has no column {name!r} (needed for {key}); its columns are: "
                        + ", ".join(list(dict.fromkeys(columns.values()))[:40]), key)
                notes.append(Note(f"column {name!r} ({key}) is not in the file; that field stays empty",
                                  f"kolom {name!r} ({key}) staat niet in het bestand; dat veld blijft leeg"))
                self.missing = True
            resolved.append(actual)
        self.columns = [c for c in resolved if c]
        if spec.column is not None and not self.missing:
            self.column = resolved[0]
        elif spec.template is not None:
            self.column = ", ".join(self.columns)
            self._parts = self._compile_template(spec.template, spec.columns(), resolved)
        # the common case: a plain column, nothing to apply
        self.plain = bool(self.column) and spec.template is None and self.pattern is None \
            and not self.map and spec.default is None and not spec.required

    @staticmethod
    def _compile_template(template: str, names: list[str], resolved: list[str | None]):
        mapping = dict(zip(names, resolved))
        parts: list[tuple[bool, str]] = []
        pos = 0
        for m in re.finditer(r"\{\{|\}\}|\{([^{}]+)\}", template):
            parts.append((False, template[pos:m.start()]))
            if m.group(1):
                parts.append((True, mapping.get(m.group(1).strip()) or ""))
            else:
                parts.append((False, m.group(0)[0]))
            pos = m.end()
        parts.append((False, template[pos:]))
        return parts


    def raw(self, record: Record) -> object:
        if self.plain:
            value = record.values.get(self.column)
            if value is None or (value.__class__ is str and not value.strip()):
                return None
            return value
        spec = self.spec
        if spec.value is not None:
            value = spec.value
        elif spec.template is not None:
            texts = [text_of(record.values.get(p)) if is_column else p for is_column, p in self._parts]
            if all(not text_of(record.values.get(p)) for is_column, p in self._parts if is_column and p):
                value = None
            else:
                value = re.sub(r"\s+", " ", "".join(texts)).strip()
        elif self.column:
            value = record.values.get(self.column)
        else:
            value = None
        if self.pattern is not None and not is_empty(value):
            m = self.pattern.search(text_of(value))
            if m is None:
                raise ValueProblem(
                    "does not match", f"{text_of(value)!r} does not have the form the mapping expects "
                    f"({spec.pattern})", f"{text_of(value)!r} heeft niet de vorm die de mapping verwacht "
                    f"({spec.pattern})", column=self.column, value=text_of(value))
            value = m.group(1) if m.re.groups else m.group(0)
        if is_empty(value):
            value = spec.default
        elif self.map:
            mapped = self.map.get(normalise(text_of(value)), _MISSING)
            if mapped is not _MISSING:
                value = mapped
        if is_empty(value):
            if spec.required:
                raise ValueProblem("empty", f"{self.key} is required but the cell is empty",
                                   f"{self.key} is verplicht maar de cel is leeg", column=self.column)
            return None
        return value


_MISSING = object()
