"""The values views are made of: dicts that templates read by attribute, and language maps."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox


class Attrs(dict):
    """A dict whose keys templates read as attributes (``p.object.kind``) without Jinja's
    attribute-then-item fallback."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def as_attrs(value):
    """``value`` with every dict in it (also in lists) made an ``Attrs``."""
    if isinstance(value, dict) and not isinstance(value, Attrs):
        return Attrs({k: as_attrs(v) for k, v in value.items()})
    if isinstance(value, list):
        return [as_attrs(v) for v in value]
    return value


def langmap(terms: Iterator[ox.Term]) -> dict[str, str]:
    """The literals among ``terms`` as ``{language: text}`` (untagged: ``""``); the first per language."""
    found: dict[str, str] = {}
    for term in terms:
        if isinstance(term, ox.Literal):
            found.setdefault(term.language or "", term.value)
    return found


__all__ = ["Attrs", "as_attrs", "langmap"]
