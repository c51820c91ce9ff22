"""Which stores a registry opens: the current versions in ``DATA/main`` or on a SPARQL server
(``PASSPORTS_BACKEND=sparql``), the superseded versions in ``DATA/history`` or on a dataset of
their own on a server (``PASSPORTS_SPARQL_HISTORY_*``); docs/deployment.md."""

from __future__ import annotations

import pyoxigraph as ox

from registry.core.settings import Settings
from registry.model.reference import MANIFEST_GRAPH
from registry.store.failures import StoreError
from registry.store.remote import (
    SparqlStore,
    check_history_apart,
    history_on_server,
    open_history_store,
    uses_server,
)
from registry.store.remote import open_store as open_server_store
from registry.store.snapshots import open_read_only


def no_registry(settings: Settings) -> StoreError:
    return StoreError(f"no registry at {settings.data_dir}: run `passports init` or `passports demo` first",
                      message_nl=f"geen register in {settings.data_dir}: geef eerst `passports init` "
                                 "of `passports demo`")


def open_main(settings: Settings, *, read_only: bool) -> ox.Store | SparqlStore:
    """The store of current versions (read-only: a snapshot, or an error when there is none). The
    history's settings are checked first, so that a refused setting leaves nothing made."""
    history_on_server(settings)
    if not read_only:  # on a server too: the generation, sidecar indexes and tokens are kept here
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if uses_server(settings):
        return open_server_store(settings, read_only=read_only)
    if not read_only:
        return ox.Store(str(settings.main_store_path))
    if not settings.main_store_path.exists():
        raise no_registry(settings)
    return open_read_only(settings.main_store_path)


def open_history(settings: Settings, *, read_only: bool) -> ox.Store | SparqlStore | None:
    """The store of superseded versions (read-only and none yet: None)."""
    if history_on_server(settings):
        return open_history_store(settings, read_only=read_only)
    path = settings.history_store_path
    if read_only:
        return open_read_only(path) if path.exists() else None
    return ox.Store(str(path))


def check_apart(main: ox.Store | SparqlStore, history: ox.Store | SparqlStore | None) -> None:
    """A history dataset on a server must not be the current versions' one under other URLs: it
    must not show the reference data's manifest, which the current dataset holds once opened."""
    manifest = ox.NamedNode(MANIFEST_GRAPH)
    if isinstance(history, SparqlStore) and main.contains_named_graph(manifest):
        check_history_apart(history, manifest)
