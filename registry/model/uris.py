"""The Dutch linked-data URI convention for this registry: /id/{kind}/{GM}/{key}[/v/{n}].

Keys are scoped by the municipality's CBS code. Every resource that belongs to one passport has
an IRI under ``{base}id/{kind}/{GM}/{key}`` (docs/model.md).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from registry.core.errors import RegistryError
from registry.model.vocab import MPV

KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
MUNICIPALITY_PATTERN = r"GM[0-9]{4}"
PASSPORT_KINDS = ("passport", "object", "component", "quantity", "valuation", "geometry", "release",
                  "detachability")

_KEY_RE = re.compile(rf"^{KEY_PATTERN}$")
_GM_RE = re.compile(rf"^{MUNICIPALITY_PATTERN}$")


class UriError(RegistryError, ValueError):
    """An IRI or key that does not follow the registry's URI convention."""


@dataclass(frozen=True)
class PassportRef:
    """Which passport (and optionally which version) an IRI names."""

    base: str
    municipality: str
    key: str
    version: int | None = None

    @functools.cached_property
    def iri(self) -> str:
        # made once: a long add keeps it in its duplicate check and its report (one string, not two)
        return f"{self.base}id/passport/{self.municipality}/{self.key}"

    @property
    def version_iri(self) -> str:
        if self.version is None:
            raise UriError(f"{self.iri} names no version", message_nl=f"{self.iri} noemt geen versie")
        return f"{self.iri}/v/{self.version}"

    def at(self, version: int) -> PassportRef:
        return PassportRef(self.base, self.municipality, self.key, version)

    def prefix(self, kind: str) -> str:
        return f"{self.base}id/{kind}/{self.municipality}/{self.key}"

    @property
    def municipality_iri(self) -> str:
        return f"{MPV}municipality/{self.municipality}"


def check_key(key: str) -> str:
    if not _KEY_RE.match(key):
        raise UriError(
            f"passport key {key!r} is not allowed: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            message_nl=f"paspoortsleutel {key!r} is niet toegestaan: gebruik 1-128 letters, cijfers, '.', '_' of "
                       "'-', beginnend met een letter of cijfer")
    return key


def check_municipality(code: str) -> str:
    if not _GM_RE.match(code):
        raise UriError(f"municipality code {code!r} is not a CBS code like GM0153",
                       message_nl=f"gemeentecode {code!r} is geen CBS-code zoals GM0153")
    return code


def passport_ref(base: str, municipality: str, key: str, version: int | None = None) -> PassportRef:
    return PassportRef(base, check_municipality(municipality), check_key(key), version)


_RESOURCE_RE = re.compile(
    rf"^id/(?P<kind>[a-z]+)/(?P<gm>{MUNICIPALITY_PATTERN})/(?P<key>{KEY_PATTERN})"
    rf"(?:/v/(?P<version>[1-9][0-9]{{0,8}}))?(?P<rest>[/#].*)?$")


def owning_passport(base: str, iri: str) -> PassportRef | None:
    """The passport whose resources include ``iri``, or None when ``iri`` lies outside the scheme.

    ``{base}id/component/GM0153/brug-0042/deck`` belongs to passport ``GM0153/brug-0042``; a
    version IRI ``{base}id/passport/GM0153/brug-0042/v/3`` returns the ref with ``version=3``.
    """
    if not iri.startswith(base):
        return None
    m = _RESOURCE_RE.match(iri[len(base):])
    if not m or m["kind"] not in PASSPORT_KINDS:
        return None
    version = int(m["version"]) if m["version"] and m["kind"] == "passport" and not m["rest"] else None
    return PassportRef(base, m["gm"], m["key"], version)


def parse_passport_iri(base: str, iri: str) -> PassportRef:
    """Parse a passport IRI (optionally a version IRI); raise UriError with what to do otherwise."""
    ref = owning_passport(base, iri)
    if ref is None or iri not in (ref.iri, f"{ref.iri}/v/{ref.version}"):
        raise UriError(f"{iri} is not a passport IRI of this registry; expected "
                       f"{base}id/passport/GM0153/some-key (optionally ending in /v/N)",
                       message_nl=f"{iri} is geen paspoort-IRI van dit register; verwacht: "
                                  f"{base}id/passport/GM0153/een-sleutel (eventueel met /v/N erachter)")
    return ref
