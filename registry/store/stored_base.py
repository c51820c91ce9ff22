"""The base IRI belongs to the data: chosen at ``passports init`` (or the first start of a server
on a new data directory) and stored in ``DATA/base-iri``, so that every later command and server
names the passports the same way, whatever port it runs on.

A base that was not given (no ``--base``, no ``PASSPORTS_BASE``) gives way to the stored one; a
given base that differs is refused with :class:`BaseMismatch`, which says which base the data has
and how to use it.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.settings import Settings

PROVENANCE = "graph/provenance"  # the graph every write records itself in: {base}graph/provenance


class BaseMismatch(RegistryError):
    """A command or server was given another base IRI than the one stored with the data."""

    def __init__(self, settings: Settings, stored: str):
        given, data, file = settings.base_iri, settings.data_dir, settings.base_path
        super().__init__(
            f"the data in {data} has the base IRI {stored} (stored in {file}), but this command was "
            f"given {given} (--base or PASSPORTS_BASE). Leave out --base "
            f"and PASSPORTS_BASE to use {stored}, or give another data directory (--data) for a registry "
            f"under {given}.",
            message_nl=f"de gegevens in {data} hebben de basis-IRI {stored} (opgeslagen in {file}), maar "
                       f"deze opdracht kreeg {given} (--base of "
                       f"PASSPORTS_BASE). Laat --base en PASSPORTS_BASE weg om {stored} te gebruiken, of "
                       f"geef een andere gegevensmap (--data) voor een register onder {given}.")


def stored_base(settings: Settings) -> str | None:
    """The base IRI stored with the data, or None (a new data directory, or one made before the
    base was stored)."""
    try:
        text = settings.base_path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RegistryError(f"cannot read {settings.base_path}: {exc.strerror}",
                            message_nl=f"kan {settings.base_path} niet lezen: {exc.strerror}") from exc
    return text or None


def resolve(settings: Settings) -> Settings:
    """``settings`` with the data's base IRI; :class:`BaseMismatch` for another given base."""
    stored = stored_base(settings)
    if stored is None or stored == settings.base_iri:
        return settings
    if settings.base_given:
        raise BaseMismatch(settings, stored)
    return dataclasses.replace(settings, base_iri=stored)


def adopt(settings: Settings, store: ox.Store, *, write: bool = True) -> Settings:
    """``settings`` with the base IRI of the data in ``store``, stored in the data directory
    (``write``) when it is not yet: data made before the base was stored keeps the base it was
    written under (read from the name of its provenance graph, ``{base}graph/provenance``)."""
    if stored_base(settings) is not None:
        return resolve(settings)
    found = next((g.value[:-len(PROVENANCE)] for g in store.named_graphs()
                  if isinstance(g, ox.NamedNode) and g.value.endswith(PROVENANCE)), None)
    adopted = settings if found in (None, settings.base_iri) else dataclasses.replace(settings, base_iri=found)
    if write:
        remember(adopted)
    if adopted is not settings and settings.base_given:
        raise BaseMismatch(settings, found)
    return adopted


def remember(settings: Settings) -> None:
    """Store the base IRI with the data unless one is stored already (the data directory exists)."""
    path = settings.base_path
    if not path.exists():
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(settings.base_iri + "\n", encoding="utf-8")
        temporary.replace(path)
