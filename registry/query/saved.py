"""The saved queries of ``sparql/*.rq`` as published on the query pages, with their headers.

Each file starts with comment lines::

    # title: Passports per municipality / Paspoorten per gemeente
    # description: What it answers (a line starting "#   " continues the field).
    # parameters: ?municipality (IRI of the municipality, optional), ?year (integer)

``title`` and ``description`` may hold English and Dutch separated by `` / `` (English first) or
use the keys ``title@nl`` / ``title@en`` (likewise ``description``). ``parameters`` is ``none``
or a comma-separated list of ``?name (hint)``; the hint says what kind of value it takes (an
``IRI``, an ``integer``, a ``decimal``, a ``date``, ``boolean``, else a string) and whether it is
``optional``. Parameter values are bound with pyoxigraph substitutions, never pasted into the
text; a parameter left empty stays an unbound variable.

Only files named ``[a-z0-9-]+.rq`` are published; the name is the last part of ``/query/{name}``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from registry.core.errors import RegistryError
from registry.core.resources import SPARQL_DIR
from registry.model.vocab import PREFIXES, XSD

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_FIELD_RE = re.compile(r"^#\s?([A-Za-z]+(?:@[a-z]{2})?):\s*(.*)$")
_PARAM_RE = re.compile(r"\?([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^)]*)\))?")


class UnknownSavedQuery(RegistryError, LookupError):
    status = 404


class ParameterError(RegistryError, ValueError):
    pass


@dataclass(frozen=True)
class Parameter:
    name: str
    hint: str
    kind: str  # iri, string, integer, decimal, date, boolean
    optional: bool

    def term(self, value: str) -> tuple:
        """The value as a term spec for :class:`registry.query_pool.Task` substitutions."""
        value = value.strip()
        if self.kind == "iri":
            iri = expand_iri(value)
            from pyoxigraph import NamedNode

            try:
                NamedNode(iri)
            except ValueError:
                raise ParameterError(
                    f"{self.name}: {value!r} is not an IRI; give a full IRI such as "
                    "https://w3id.org/materiaalpaspoort/id/municipality/GM0153 or a prefixed name "
                    "such as mpv:municipality/GM0153",
                    message_nl=f"{self.name}: {value!r} is geen IRI; geef een volledig IRI zoals "
                               "https://w3id.org/materiaalpaspoort/id/municipality/GM0153 of een naam met "
                               "voorvoegsel zoals mpv:municipality/GM0153") from None
            return ("iri", iri)
        datatype = {"integer": XSD + "integer", "decimal": XSD + "decimal", "date": XSD + "date",
                    "boolean": XSD + "boolean"}.get(self.kind)
        if datatype:
            checks = {"integer": r"[+-]?\d+", "decimal": r"[+-]?(\d+(\.\d*)?|\.\d+)",
                      "date": r"\d{4}-\d{2}-\d{2}", "boolean": r"true|false"}
            if not re.fullmatch(checks[self.kind], value):
                kind_nl = {"integer": "geheel getal", "decimal": "getal", "date": "datum",
                           "boolean": "waarheidswaarde (true of false)"}[self.kind]
                raise ParameterError(f"{self.name}: {value!r} is not a valid {self.kind}",
                                     message_nl=f"{self.name}: {value!r} is geen geldige {kind_nl}")
        return ("literal", value, datatype, None)


def spec_term(spec: tuple):
    """The pyoxigraph term of a term spec made by :meth:`Parameter.term`."""
    from pyoxigraph import Literal, NamedNode

    if spec[0] == "iri":
        return NamedNode(spec[1])
    _, lexical, datatype, language = spec
    if language:
        return Literal(lexical, language=language)
    return Literal(lexical, datatype=NamedNode(datatype) if datatype else None)


def expand_iri(value: str) -> str:
    """A full IRI, or a prefixed name (``mpv:material/concrete``) expanded with the model's prefixes."""
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return value


def _kind(hint: str) -> str:
    low = hint.lower()
    for word, kind in (("iri", "iri"), ("integer", "integer"), ("decimal", "decimal"), ("date", "date"),
                       ("boolean", "boolean")):
        if re.search(rf"\b{word}\b", low):
            return kind
    if re.search(r"\byear\b", low):
        return "integer"
    return "string"


@dataclass(frozen=True)
class SavedQuery:
    name: str
    text: str
    fields: dict
    parameters: tuple[Parameter, ...]

    def title(self, lang: str = "en") -> str:
        return self._field("title", lang) or self.name

    def description(self, lang: str = "en") -> str:
        return self._field("description", lang)

    def _field(self, key: str, lang: str) -> str:
        if f"{key}@{lang}" in self.fields:
            return self.fields[f"{key}@{lang}"]
        value = self.fields.get(key, "")
        if " / " in value:
            english, _, dutch = value.partition(" / ")
            return (dutch if lang == "nl" else english).strip()
        return value

    @property
    def body(self) -> str:
        """The SPARQL text without the header comment."""
        lines = self.text.splitlines()
        i = 0
        while i < len(lines) and lines[i].startswith("#"):
            i += 1
        return "\n".join(lines[i:]).strip() + "\n"

    def substitutions(self, values: dict[str, str]) -> tuple[tuple[str, tuple], ...]:
        """Term specs for the parameters given a non-empty value in ``values``."""
        out = []
        for param in self.parameters:
            value = values.get(param.name)
            if value is not None and value.strip() != "":
                out.append((param.name, param.term(value)))
        return tuple(out)


    def bindings(self, values: dict[str, str]) -> dict:
        """The parameters given in ``values`` as pyoxigraph substitutions (``{Variable: term}``);
        a name that is not a parameter of this query is a :class:`ParameterError`."""
        from pyoxigraph import Variable

        unknown = sorted(set(values) - {p.name for p in self.parameters})
        if unknown:
            names = ", ".join(p.name for p in self.parameters)
            raise ParameterError(f"{self.name} has no parameter {', '.join(unknown)} (parameters: {names or 'none'})",
                                 message_nl=f"{self.name} heeft geen parameter {', '.join(unknown)} (parameters: "
                                            f"{names or 'geen'})")
        return {Variable(name): spec_term(spec) for name, spec in self.substitutions(values)}


def parse(name: str, text: str) -> SavedQuery:
    fields: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _FIELD_RE.match(line)
        if m and m[1].split("@")[0].lower() in ("title", "description", "parameters"):
            current = m[1].lower()
            fields[current] = m[2].strip()
        elif current and line[1:].strip():
            fields[current] = (fields[current] + " " + line[1:].strip()).strip()
    params = []
    raw = fields.get("parameters", "")
    if raw and raw.lower() != "none":
        for m in _PARAM_RE.finditer(raw):
            hint = (m[2] or "").strip()
            params.append(Parameter(m[1], hint, _kind(hint), "optional" in hint.lower()))
    return SavedQuery(name, text, fields, tuple(params))


@functools.lru_cache(maxsize=4)
def _load_all(directory: str, stamp: tuple) -> dict[str, SavedQuery]:
    out = {}
    for path in sorted(Path(directory).glob("*.rq")):
        if NAME_RE.match(path.stem):
            out[path.stem] = parse(path.stem, path.read_text(encoding="utf-8"))
    return out


def all_queries(directory: Path = SPARQL_DIR) -> dict[str, SavedQuery]:
    """Every published saved query by name (re-read when a file in the folder changes)."""
    paths = sorted(Path(directory).glob("*.rq"))
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in paths)
    return _load_all(str(directory), stamp)


INTERNAL_PREFIX = "page-"  # queries the pages run: published at /query/{name}, not listed


def public_queries(directory: Path = SPARQL_DIR) -> list[SavedQuery]:
    """The saved queries the query list and the editor's tabs show: all but the pages' own
    (``page-*``), which stay reachable at their address."""
    return [q for name, q in all_queries(directory).items() if not name.startswith(INTERNAL_PREFIX)]


def get(name: str, directory: Path = SPARQL_DIR) -> SavedQuery:
    if not NAME_RE.match(name or ""):
        raise UnknownSavedQuery(name)
    found = all_queries(directory).get(name)
    if found is None:
        raise UnknownSavedQuery(name)
    return found
