"""The registry's rules for the IRIs a passport may contain, so that no input can forge history,
reach into another passport, or smuggle a script link onto a page (``integrity_problems``).

Checked for every passport before SHACL, by the one validator the write API, ``passports add`` /
``validate`` and the importers all use; each problem names the IRI and the rule, in English and
Dutch. The rules (docs/model.md, "What a passport may not contain"):

- ``dot-segment``: no IRI has ``.`` or ``..`` path segments, also not percent-encoded
  (``.../object/GM0153/x/../../GM0150/afvalbak-1`` would name another municipality's resource to a
  browser, and this passport's to a string comparison).
- ``scheme``: predicates, classes, datatypes and subjects are ``http(s)`` IRIs; objects also, or
  ``urn:`` identifiers. ``javascript:``, ``data:``, ``file:`` and the rest are refused.
- ``canonical``: an IRI of this registry is written as the registry writes it: the base IRI as
  configured (not another spelling of its host), no percent-encoded letters, digits or ``-._~``,
  and no percent-encoded ``/`` or backslash (a web server decodes them into path separators).
- ``version-space``: ``{passport}/v/...`` is the registry's: the versions and their provenance are
  written by the registry alone. No subject lies there; an object only behind ``mp:predecessor``.
- ``other-passport``: objects that are another passport's resources appear only behind
  ``mp:predecessor``, pointing to that passport (or one of its versions).
- ``version-vocabulary``: the terms the registry records versions with (``mp:versionNumber``,
  ``prov:specializationOf``, ``prov:wasRevisionOf``, ``dcterms:hasVersion``, ``mp:PassportVersion``,
  ...) are never in a passport's own data.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyoxigraph as ox

from registry.model.uris import PassportRef, owning_passport
from registry.model.vocab import (
    CONTENT_HASH,
    CURRENT_VERSION,
    DCTERMS,
    MANAGED_PREDICATES,
    PASSPORT_VERSION,
    PROV,
    RDF_TYPE,
    RETIRED_AT,
    RETIRED_PASSPORT,
    RETIREMENT_REASON,
    VERSION_NUMBER,
    mp,
)

PREDECESSOR = mp("predecessor")
# The predicates and classes of the provenance graph: what makes a version a version. (The
# registry's dcterms:created/modified on the passport itself are refused by
# ``documents.structural_problems``; on other resources they are ordinary data.)
VERSION_PREDICATES = frozenset({VERSION_NUMBER, CURRENT_VERSION, CONTENT_HASH, RETIRED_AT, RETIREMENT_REASON}) \
    | frozenset(ox.NamedNode(PROV + local) for local in (
    "specializationOf", "wasRevisionOf", "generatedAtTime", "invalidatedAtTime", "wasGeneratedBy",
    "wasInvalidatedBy", "alternateOf")) | frozenset(ox.NamedNode(DCTERMS + local) for local in (
        "hasVersion", "isVersionOf"))
VERSION_CLASSES = frozenset({PASSPORT_VERSION, RETIRED_PASSPORT})

_WEB = ("http://", "https://")
_UNRESERVED_ESCAPE = re.compile(r"%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])")


@dataclass(frozen=True)
class Problem:
    """One broken rule: the IRI it is about, the rule, and what to do, in English and Dutch."""

    node: str
    rule: str
    en: str
    nl: str


def _unescaped(iri: str) -> str:
    """``iri`` with percent-encoded unreserved characters (RFC 3986, 2.3) decoded."""
    return _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m[1], 16)), iri) if "%" in iri else iri


def has_dot_segment(iri: str) -> bool:
    """Whether the path of ``iri`` has a ``.`` or ``..`` segment (percent-encoded or not)."""
    if "/." not in iri and "%" not in iri:
        return False
    path = _unescaped(iri).split("#", 1)[0].split("?", 1)[0]
    _, sep, rest = path.partition("://")
    if sep:
        path = rest.partition("/")[2]
    return any(segment in (".", "..") for segment in path.split("/"))


@functools.lru_cache(maxsize=65_536)
def broken_rule(iri: str, base: str, urn: bool = False) -> str | None:
    """The IRI rule ``iri`` breaks ("scheme", "dot-segment", "canonical"), or None. Cached: the
    vocabulary and concept IRIs recur in every passport."""
    if iri.startswith(base):
        if "%" in iri or "/." in iri:
            if has_dot_segment(iri):
                return "dot-segment"
            low = iri.lower()
            if _unescaped(iri) != iri or "%2f" in low or "%5c" in low:
                return "canonical"
        return None
    head = iri[:8].lower()
    if not head.startswith(_WEB) and not (urn and head.startswith("urn:")):
        return "scheme"
    if has_dot_segment(iri):
        return "dot-segment"
    if iri[:len(base)].lower() == base.lower():
        return "canonical"
    return None


class _Checker:
    """The rules for one passport; remembers the terms it has checked."""

    def __init__(self, ref: PassportRef, limit: int):
        self.ref, self.limit = ref, limit
        self.base = ref.base
        self.versions = f"{ref.base}id/passport/"
        self.problems: list[Problem] = []
        self.seen: set = set()

    def add(self, node: str, rule: str, en: str, nl: str) -> None:
        self.problems.append(Problem(node, rule, en, nl))
        if len(self.problems) >= self.limit * 4:  # (the same IRI may be reported more than once)
            raise _Enough

    def iri(self, iri: str, where: str, urn: bool = False) -> bool:
        """The rules every IRI follows; False when one is broken (and reported)."""
        rule = broken_rule(iri, self.base, urn)
        if rule is None:
            return True
        if rule == "scheme":
            scheme = iri.partition(":")[0]
            allowed = "http:, https:" + (", urn:" if urn else "")
            self.add(iri, "scheme",
                     f"<{iri}> ({where}) uses the scheme {scheme!r}: only {allowed} IRIs are accepted "
                     "(never javascript:, data: or file:); use a web address",
                     f"<{iri}> ({where}) gebruikt het schema {scheme!r}: alleen {allowed}-IRI's worden "
                     "aanvaard (nooit javascript:, data: of file:); gebruik een webadres")
        elif rule == "dot-segment":
            self.add(iri, "dot-segment",
                     f"<{iri}> ({where}) has a '.' or '..' path segment: write the IRI without them, as "
                     "the resource's own address",
                     f"<{iri}> ({where}) bevat een padsegment '.' of '..': schrijf de IRI zonder, als het "
                     "eigen adres van de bron")
        elif iri.startswith(self.base):
            self.add(iri, "canonical",
                     f"<{iri}> ({where}) percent-encodes a letter, digit, one of - . _ ~, or a / or \\ "
                     "in a path of this registry: write the character itself (no / or \\ inside a key)",
                     f"<{iri}> ({where}) codeert een letter, cijfer, een van - . _ ~, of een / of \\ met % "
                     "in een pad van dit register: schrijf het teken zelf (geen / of \\ in een sleutel)")
        else:
            self.add(iri, "canonical",
                     f"<{iri}> ({where}) spells the registry's base IRI differently: write it as "
                     f"{self.base}",
                     f"<{iri}> ({where}) schrijft de basis-IRI van het register anders: schrijf "
                     f"{self.base}")
        return False

    def in_version_space(self, iri: str) -> bool:
        if not iri.startswith(self.versions):
            return False
        parts = iri[len(self.versions):].split("/", 3)
        return len(parts) >= 3 and parts[2].split("#", 1)[0].split("?", 1)[0] == "v"

    def subject(self, node: ox.NamedNode) -> None:
        iri = node.value
        if self.iri(iri, "subject") and self.in_version_space(iri):
            self.add(iri, "version-space",
                     f"<{iri}> is a version IRI (under a passport's /v/): versions and their provenance "
                     "are written by the registry itself; describe the passport's own resources "
                     "instead",
                     f"<{iri}> is een versie-IRI (onder /v/ van een paspoort): versies en hun herkomst "
                     "schrijft het register zelf; beschrijf de eigen bronnen van het paspoort")

    def version_predicate(self, node: ox.NamedNode) -> None:
        self.add(node.value, "version-vocabulary",
                 f"<{node.value}> records versions and is written by the registry itself (in its "
                 "provenance graph); remove it from the input",
                 f"<{node.value}> legt versies vast en wordt door het register zelf geschreven (in "
                 "de herkomstgraaf); haal het uit de invoer")

    def object_kind(self, node: ox.NamedNode) -> str:
        """What an object IRI is, checked once per IRI: "" (any predicate may point to it), "class"
        (a registry-managed class), "version" or "other" (only ``mp:predecessor`` may point to it),
        "bad" (it broke an IRI rule, reported)."""
        iri = node.value
        if not self.iri(iri, "object", urn=True):
            return "bad"
        if node in VERSION_CLASSES:
            return "class"
        if not iri.startswith(self.base):
            return ""
        if self.in_version_space(iri):
            return "version"
        owner = owning_passport(self.base, iri)
        if owner is not None and (owner.municipality, owner.key) != (self.ref.municipality, self.ref.key):
            return "other"
        return ""

    def reference(self, kind: str, predicate: ox.NamedNode, node: ox.NamedNode) -> None:
        """Report a link with ``predicate`` to an object of ``kind`` (not "") where it is refused."""
        iri = node.value
        if kind == "class":
            if predicate == RDF_TYPE:
                self.add(iri, "version-vocabulary",
                         f"the class <{iri}> is given by the registry itself; remove it from the input",
                         f"de klasse <{iri}> kent het register zelf toe; haal haar uit de invoer")
        elif predicate == PREDECESSOR or kind == "bad":
            return
        elif kind == "version":
            self.add(iri, "version-space",
                     f"<{iri}> is a version IRI: a passport refers to a version only with mp:predecessor",
                     f"<{iri}> is een versie-IRI: een paspoort verwijst alleen met mp:predecessor naar "
                     "een versie")
        else:
            owner = owning_passport(self.base, iri)
            self.add(iri, "other-passport",
                     f"<{iri}> is a resource of passport {owner.municipality}/{owner.key}, not of "
                     f"{self.ref.municipality}/{self.ref.key}: a passport links only its own resources "
                     "(another passport only with mp:predecessor)",
                     f"<{iri}> hoort bij paspoort {owner.municipality}/{owner.key}, niet bij "
                     f"{self.ref.municipality}/{self.ref.key}: een paspoort verwijst alleen naar zijn "
                     "eigen bronnen (naar een ander paspoort alleen met mp:predecessor)")


class _Enough(Exception):
    """Raised by ``_Checker.add`` once ``limit`` problems were found."""


def integrity_problems(triples, ref: PassportRef, limit: int = 20) -> list[Problem]:
    """The problems of one passport's triples (at most ``limit``; each IRI reported once).

    Every term is checked once per passport (``seen``, ``kinds``, ``predicates``); per triple only
    a few set and dict look-ups remain (about 2 µs a triple).
    """
    check = _Checker(ref, limit)
    seen = check.seen
    kinds: dict[ox.NamedNode, str] = {}
    predicates: dict[ox.NamedNode, bool] = {}  # predicate -> whether it records versions
    passport = ox.NamedNode(ref.iri)
    named, literal = ox.NamedNode, ox.Literal
    try:
        for subject, predicate, obj in triples:
            if subject not in seen:
                seen.add(subject)
                if type(subject) is named:
                    check.subject(subject)
            records = predicates.get(predicate)
            if records is None:
                check.iri(predicate.value, "predicate")
                records = predicates[predicate] = predicate in VERSION_PREDICATES
            if records:
                if subject == passport and predicate in MANAGED_PREDICATES:
                    continue  # a managed field (its value too): managed.structural_problems names it
                check.version_predicate(predicate)
            if type(obj) is named:
                kind = kinds.get(obj)
                if kind is None:
                    kind = kinds[obj] = check.object_kind(obj)
                if kind:
                    check.reference(kind, predicate, obj)
            elif type(obj) is literal:
                datatype = obj.datatype
                if datatype not in seen:
                    seen.add(datatype)
                    check.iri(datatype.value, "datatype")
    except _Enough:
        pass
    unique: dict[tuple[str, str], Problem] = {}
    for problem in check.problems:
        unique.setdefault((problem.node, problem.rule), problem)
    return list(unique.values())[:limit]


__all__ = ["VERSION_CLASSES", "VERSION_PREDICATES", "Problem", "broken_rule", "has_dot_segment",
           "integrity_problems"]
